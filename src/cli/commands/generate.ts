/** `segmint generate`: synthetic sector data with planted ground-truth segments (docs/generator.md). */
import type { Command } from 'commander';
import { checkOutFolder } from '../../pipeline/export.ts';
import { generateDataset, MAX_CUSTOMERS, PRESETS, type Preset } from '../../generate/index.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { boundedNumber, examples, withGlobals, type SetExit } from '../options.ts';
import { progressBar } from '../progress.ts';
import { fmtPct, json, table } from '../render.ts';
import { grouped } from '../../core/numbers.ts';

interface GenerateOptions extends GlobalOptions {
  preset: string;
  customers: string;
  seed: string;
  out: string;
  start?: string;
  months?: string;
  force?: boolean;
}

/** The files generate writes in its --out folder. */
export const GENERATED_FILES = ['customers.csv', 'transactions.csv', 'events.csv', 'products.csv', 'ground_truth.csv', 'manifest.json'];

const PHASES: Record<string, string> = {
  catalogue: 'building the catalogue',
  customers: 'generating customers',
  finishing: 'writing files',
  done: 'done',
};

export function registerGenerate(program: Command, ctx: Context, _setExit: SetExit): void {
  const cmd = withGlobals(program.command('generate'))
    .description('write realistic synthetic customers, transactions, events and products with planted ground-truth segments (no workspace needed)')
    .requiredOption('--preset <preset>', `sector: ${PRESETS.join(' | ')}`)
    .option('--customers <n>', `number of customers, 1 to ${grouped(MAX_CUSTOMERS)}`, '1000')
    .option('--seed <s>', 'random seed, 0 to 4294967295: the same seed gives byte-identical files', '1')
    .requiredOption('--out <dir>', 'folder for the CSV files and manifest.json (created when missing; not a workspace folder)')
    .option('--start <date>', 'first day of the period, YYYY-MM-DD (default 2023-01-01)')
    .option('--months <n>', 'length of the period in months, 1 to 240 (default 24)')
    .option('--force', 'replace the files of an earlier run in the --out folder')
    .action(async (opts: GenerateOptions) => {
      const params = {
        preset: opts.preset as Preset,
        customers: boundedNumber('--customers', opts.customers, { min: 1, max: MAX_CUSTOMERS, integer: true, example: '10000' }),
        seed: boundedNumber('--seed', opts.seed, { min: 0, max: 0xffffffff, integer: true, example: '7' }),
        outDir: opts.out,
        start: opts.start,
        months: opts.months === undefined ? undefined : boundedNumber('--months', opts.months, { min: 1, max: 240, integer: true, example: '24' }),
      };
      // a workspace given with -w or SEGMINT_WORKSPACE is never written into (generate itself needs none)
      const given = opts.workspace ?? process.env.SEGMINT_WORKSPACE;
      checkOutFolder(opts.out, GENERATED_FILES, { force: opts.force, workspaceDir: given === undefined ? undefined : ctx.workspaceDir(opts) });
      const bar = progressBar(ctx.io, opts);
      let r;
      try {
        r = await generateDataset(params, (phase, f) => bar.update(PHASES[phase] ?? phase, f));
      } finally {
        bar.done();
      }
      if (opts.json) {
        json(ctx.io, r);
        return;
      }
      const io = ctx.io;
      io.out(`${r.preset} data, seed ${r.seed}, ${r.period.start} to ${r.period.end} (${r.currency}), in ${r.outDir}`);
      io.out('');
      io.out(table(['file', 'rows'], [
        ['customers.csv', r.counts.customers],
        ['transactions.csv', r.counts.transactions],
        ['events.csv', r.counts.events],
        ['products.csv', r.counts.products],
        ['ground_truth.csv', r.counts.customers],
      ]));
      io.out('');
      io.out(table(['planted segment', 'customers', 'share', 'how they behave'], r.segments.map((s) => [s.name, s.customers, fmtPct(s.customers / r.counts.customers), s.description])));
      io.out('');
      io.out(`each customer's segment: ${r.files.groundTruth}; parameters and counts: ${r.files.manifest}`);
      io.out(`next: segmint import ${r.files.transactions} --kind transactions`);
    });
  examples(cmd, [
    'segmint generate --preset grocery --customers 10000 --seed 7 --out gen/',
    'segmint generate --preset ecommerce --customers 1000000 --out big/     # about 10 million transactions',
    'segmint generate --preset telecom --start 2022-01-01 --months 36 --out telco/',
    'segmint generate --preset ngo --customers 5000 --out donors/ --json',
    'segmint generate --preset grocery --seed 8 --out gen/ --force     # replace the files of an earlier run',
  ]);
}
