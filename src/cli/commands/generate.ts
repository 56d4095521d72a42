/** `segmint generate`: synthetic sector data with planted ground-truth segments (docs/generator.md). */
import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { generateDataset, MAX_CUSTOMERS, PRESETS, type Preset } from '../../generate/index.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, withGlobals, type SetExit } from '../options.ts';
import { progressBar } from '../progress.ts';
import { fmtPct, json, table } from '../render.ts';

interface GenerateOptions extends GlobalOptions {
  preset: string;
  customers: string;
  seed: string;
  out: string;
  start?: string;
  months?: string;
}

const PHASES: Record<string, string> = {
  catalogue: 'building the catalogue',
  customers: 'generating customers',
  finishing: 'writing files',
  done: 'done',
};

/** A whole number from the command line: digits, optionally grouped with _ or , (1_000_000). */
function wholeNumber(option: string, text: string, example: string): number {
  const digits = text.trim().replace(/[_,]/g, '');
  if (!/^\d+$/.test(digits)) {
    throw new SegmintError('invalid-option', `${option} must be a whole number, but got ${JSON.stringify(text)}`, { hint: `e.g. ${option} ${example}` });
  }
  return Number(digits);
}

export function registerGenerate(program: Command, ctx: Context, _setExit: SetExit): void {
  const cmd = withGlobals(program.command('generate'))
    .description('write realistic synthetic customers, transactions, events and products with planted ground-truth segments (no workspace needed)')
    .requiredOption('--preset <preset>', `sector: ${PRESETS.join(' | ')}`)
    .option('--customers <n>', `number of customers, 1 to ${MAX_CUSTOMERS.toLocaleString('en-US')}`, '1000')
    .option('--seed <s>', 'random seed, 0 to 4294967295: the same seed gives byte-identical files', '1')
    .requiredOption('--out <dir>', 'folder for the CSV files and manifest.json (created when missing)')
    .option('--start <date>', 'first day of the period, YYYY-MM-DD (default 2023-01-01)')
    .option('--months <n>', 'length of the period in months (default 24)')
    .action(async (opts: GenerateOptions) => {
      const params = {
        preset: opts.preset as Preset,
        customers: wholeNumber('--customers', opts.customers, '10000'),
        seed: wholeNumber('--seed', opts.seed, '7'),
        outDir: opts.out,
        start: opts.start,
        months: opts.months === undefined ? undefined : wholeNumber('--months', opts.months, '24'),
      };
      const bar = progressBar(ctx.io);
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
  ]);
}
