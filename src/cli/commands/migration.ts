import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { exportMoves, LABELLED_KINDS, migrate, migrationRuns, MIGRATION_BY, type Migration } from '../../pipeline/migration.ts';
import { checkOutFile, TABLE_EXTENSIONS } from '../../pipeline/export.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { boundedNumber, examples, MAX_RUN_ID, withGlobals, withOut } from '../options.ts';
import { fmtInt, json, table } from '../render.ts';

/** A run id option: a whole number. */
export function runIdOption(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new SegmintError('invalid-option', `--${option} ${value}: expected a run id (a whole number)`, { hint: 'list the runs with segmint runs' });
  return boundedNumber(`--${option}`, value, { min: 1, max: MAX_RUN_ID, integer: true, example: '3' });
}

const describe = (r: Migration['from']) => `${r.kind} run ${r.runId}${r.name ? ` '${r.name}'` : ''} (${r.label}, as of ${r.asOf})`;

/** The matrix as text: the runs, customers (revenue) per move, and the totals per kind of change. */
export function renderMigration(m: Migration): string {
  const cell = (f: string, t: string) => m.cells.find((c) => c.from === f && c.to === t);
  const c = m.customers;
  return [
    `${describe(m.from)} → ${describe(m.to)}: customers (revenue between the two dates)`,
    '',
    table(['from \\ to', ...m.labels.to], m.labels.from.map((f) => [f, ...m.labels.to.map((t) => {
      const x = cell(f, t);
      return x ? `${fmtInt(x.customers)} (${fmtInt(x.revenue)})` : '';
    })])),
    '',
    `stayed ${fmtInt(c.stayed)}, moved ${fmtInt(c.moved)}, entered ${fmtInt(c.entered)} (in run ${m.to.runId} only), left ${fmtInt(c.left)} (in run ${m.from.runId} only)`,
  ].join('\n');
}

export interface MigrationCliOptions extends GlobalOptions {
  from?: string;
  to?: string;
  kind?: string;
  by?: string;
  out?: string;
  force?: boolean;
}

/**
 * The action of `segmint migration` (and `segmint audience migration`, which keeps its label
 * '(not in run)' for customers in one run only: `notInRun`).
 */
export async function runMigration(ctx: Context, opts: MigrationCliOptions, notInRun?: string): Promise<void> {
  const [from, to] = [runIdOption('from', opts.from), runIdOption('to', opts.to)];
  // checked before any work: a refused --out writes nothing
  if (opts.out) checkOutFile(opts.out, { force: opts.force, workspaceDir: ctx.workspaceDir(opts), extensions: TABLE_EXTENSIONS });
  const ws = await ctx.openWorkspace(opts, { readOnly: true });
  try {
    const pair = await migrationRuns(ws.db, { from, to, kind: opts.kind });
    const m = await migrate(ws.db, pair.from, pair.to, { by: opts.by, ...(notInRun === undefined ? {} : { entered: notInRun, left: notInRun }) });
    const out = opts.out ? await exportMoves(ws.db, pair.from, pair.to, opts.out, { by: opts.by }) : undefined;
    if (opts.json) json(ctx.io, { ...m, ...(out ? { out } : {}) });
    else {
      ctx.io.out(renderMigration(m));
      if (out) ctx.io.out(`wrote ${fmtInt(out.rows)} customers to ${out.file}`);
    }
  } finally {
    ws.close();
  }
}

/** Options shared by `segmint migration` and `segmint audience migration`. */
export function migrationOptions(cmd: Command): Command {
  return withOut(withGlobals(cmd), 'write one row per customer (customer_id, from_label, to_label, change, revenue): .csv, .parquet, .json or .ndjson')
    .option('--from <run>', 'the earlier run id (default: see --kind)')
    .option('--to <run>', 'the later run id (default: see --kind)')
    .option('--kind <kind>', `without --from/--to: the two latest runs of this kind (${LABELLED_KINDS.join(', ')}); default the kind of the latest rfm/lrfmp run`)
    .option('--by <label>', `clv-predict runs: label customers by ${MIGRATION_BY.join(' (default) or ')}`);
}

export function registerMigration(program: Command, ctx: Context): void {
  const cmd = migrationOptions(program.command('migration'))
    .description('who moved where between two segmentations (RFM/LRFMP segments, cluster names, CLV or churn tiers, audience membership, or across kinds): customers and revenue per move')
    .action(async (opts: MigrationCliOptions) => runMigration(ctx, opts));
  examples(cmd, [
    'segmint migration                              # the two latest RFM (or LRFMP) runs',
    'segmint migration --kind cluster --json        # the two latest cluster runs',
    'segmint migration --from 2 --to 5 --out moves.csv',
    'segmint migration --kind clv-predict --by churn-tier',
    'segmint migration --from 3 --to 6              # an RFM run against a cluster run: segments × cluster names',
  ]);
}
