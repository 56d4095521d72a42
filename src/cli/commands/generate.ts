import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { generateDataset, PRESETS, type Preset } from '../../generate/index.ts';
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

const whole = (name: string, v: string): number => {
  if (!/^\d+$/.test(v.replace(/_/g, ''))) throw new SegmintError('invalid-option', `${name} ${v}: expected a whole number`, { hint: `e.g. ${name} 1000` });
  return Number(v.replace(/_/g, ''));
};

export function registerGenerate(program: Command, ctx: Context, _setExit: SetExit): void {
  const cmd = withGlobals(program.command('generate'))
    .description('write realistic synthetic customers, transactions, events and products with planted ground-truth segments')
    .requiredOption('--preset <preset>', `sector: ${PRESETS.join('|')}`)
    .option('--customers <n>', 'number of customers', '1000')
    .option('--seed <s>', 'random seed (same seed, same files)', '1')
    .requiredOption('--out <dir>', 'folder for the CSV files')
    .option('--start <date>', 'first day of the period (YYYY-MM-DD)', '2023-01-01')
    .option('--months <n>', 'length of the period in months', '24')
    .action(async (opts: GenerateOptions) => {
      const bar = progressBar(ctx.io);
      try {
        const r = await generateDataset(
          {
            preset: opts.preset as Preset,
            customers: whole('--customers', opts.customers),
            seed: whole('--seed', opts.seed),
            outDir: opts.out,
            start: opts.start,
            months: opts.months === undefined ? undefined : whole('--months', opts.months),
          },
          (phase, f) => bar.update(phase, f),
        );
        bar.done();
        if (opts.json) {
          json(ctx.io, r);
          return;
        }
        const io = ctx.io;
        io.out(`${r.preset} data (seed ${r.seed}, ${r.period.start} to ${r.period.end}) in ${r.outDir}`);
        io.out('');
        io.out(table(['file', 'rows'], [
          ['customers.csv', r.counts.customers],
          ['transactions.csv', r.counts.transactions],
          ['events.csv', r.counts.events],
          ['products.csv', r.counts.products],
        ]));
        io.out('');
        io.out(table(['planted segment', 'customers', 'share', 'what they do'], r.segments.map((s) => [s.name, s.customers, fmtPct(s.customers / r.counts.customers), s.description])));
        io.out('');
        io.out(`ground truth: ${r.files.groundTruth}`);
        io.out(`next: segmint import ${r.files.transactions} --kind transactions`);
      } finally {
        bar.done();
      }
    });
  examples(cmd, [
    'segmint generate --preset grocery --customers 10000 --seed 7 --out gen/',
    'segmint generate --preset ecommerce --customers 1000000 --out big/   # about 10 million transactions',
    'segmint generate --preset ngo --customers 5000 --months 72 --out donors/ --json',
  ]);
}
