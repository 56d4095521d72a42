import type { Command } from 'commander';
import { checkOutFile, exportRunScores, TABLE_EXTENSIONS } from '../../pipeline/export.ts';
import { runValueSegmentation, type SegmentSummary, type ValueModel, type ValueResult } from '../../pipeline/value.ts';
import { actionFor, knownSegmentNames, unknownActionWarnings } from '../../models/actions.ts';
import { latestClusterNames } from '../../report/cluster-actions.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, optionalNumber, withGlobals, withOut, type SetExit } from '../options.ts';
import { progressBar } from '../progress.ts';
import { fmtInt, fmtPct, json, table } from '../render.ts';

interface ValueCliOptions extends GlobalOptions {
  asOf?: string;
  bins?: string;
  out?: string;
  force?: boolean;
}

/** The result with a suggested `action` per segment (segmint.yaml segments.actions over the defaults). */
export function withActions(r: ValueResult, overrides: Record<string, string> = {}): ValueResult & { segments: (SegmentSummary & { action: string })[] } {
  return { ...r, segments: r.segments.map((s) => ({ ...s, action: actionFor(s.segment, overrides) })) };
}

export function renderValue(r: ValueResult): string {
  const scoreNames = Object.keys(r.segments[0]?.meanScores ?? {});
  const lines = [
    `${r.model.toUpperCase()} as of ${r.asOf} (${r.bins} bins, run ${r.runId}): ${fmtInt(r.customers.scored)} customers scored, ${fmtInt(r.customers.excluded)} excluded${
      r.customers.excluded ? ` (${Object.entries(r.customers.excludedByReason).map(([k, n]) => `${k} ${fmtInt(n)}`).join(', ')})` : ''}`,
    '',
    table(
      ['segment', 'customers', 'share', 'revenue share', 'recency (days)', 'orders', 'net spend', ...scoreNames.map((s) => `mean ${s.toUpperCase()}`)],
      r.segments.map((s) => [s.segment, s.customers, fmtPct(s.shareOfCustomers), fmtPct(s.shareOfRevenue), s.meanRecencyDays.toFixed(0), s.meanFrequency.toFixed(1),
        s.meanMonetary.toFixed(0), ...scoreNames.map((k) => (s.meanScores[k] === null || s.meanScores[k] === undefined ? '–' : s.meanScores[k].toFixed(2)))]),
    ),
    '',
    'suggested actions:',
    ...r.segments.map((s) => `  ${s.segment}: ${(s as SegmentSummary & { action?: string }).action ?? actionFor(s.segment)}`),
    '',
    ...Object.entries(r.unscored ?? {}).map(([k, n]) => `${fmtInt(n)} customers have no ${k.toUpperCase()} score${k === 'p' ? ' (fewer than 3 purchase days: no regularity to measure)' : ''}; the mean ${k.toUpperCase()} is over the others`),
    `bin edges: ${Object.entries(r.edges).map(([k, e]) => `${k.toUpperCase()} ${e.map((x) => Number(x.toFixed(2))).join(' | ')}`).join('; ')}`,
  ];
  return lines.join('\n');
}

function register(program: Command, ctx: Context, model: ValueModel): void {
  const cmd = withOut(withGlobals(program.command(model)), 'write one row per customer: .csv, .parquet, .json or .ndjson')
    .description(model === 'rfm'
      ? 'score recency, frequency and monetary value in quantile bins and name each customer\'s segment'
      : 'score length, recency, frequency, monetary and periodicity (Peker et al. 2017) and name the segments')
    .option('--as-of <date>', 'analysis date YYYY-MM-DD (default: the day after the last transaction)')
    .option('--bins <n>', 'quantile bins per score, 2-9 (default 5)')
    .action(async (opts: ValueCliOptions) => {
      const bins = optionalNumber('--bins', opts.bins, { min: 2, max: 9, integer: true, example: '5' });
      // checked before the run is computed and stored, so that a refused --out leaves no run behind
      if (opts.out) checkOutFile(opts.out, { force: opts.force, workspaceDir: ctx.workspaceDir(opts), extensions: TABLE_EXTENSIONS });
      const ws = await ctx.openWorkspace(opts);
      const bar = progressBar(ctx.io, opts);
      try {
        bar.update(`computing ${model.toUpperCase()}`);
        // the file is written inside the run's transaction: a failed export stores no run
        let out: Awaited<ReturnType<typeof exportRunScores>> | undefined;
        const run = await runValueSegmentation(ws, model, {
          asOf: opts.asOf, bins,
          ...(opts.out ? { beforeCommit: async (id: number) => { bar.update('writing the file'); out = await exportRunScores(ws, id, opts.out!, model === 'rfm' ? ['r', 'f', 'm'] : ['l', 'r', 'f', 'm', 'p']); } } : {}),
        });
        bar.done();
        const seg = ws.config.segments;
        const r = withActions(run, seg.actions);
        r.warnings.push(...unknownActionWarnings(seg.actions, knownSegmentNames([seg.rfm, seg.lrfmp]), seg.actions ? await latestClusterNames(ws.db) : []));
        if (opts.json) json(ctx.io, { ...r, ...(out ? { out } : {}) });
        else {
          ctx.io.out(renderValue(r));
          if (out) ctx.io.out(`\nwrote ${fmtInt(out.rows)} rows to ${out.file}`);
        }
        for (const w of r.warnings) ctx.io.err(`note: ${w}`);
      } finally {
        bar.done();
        ws.close();
      }
    });
  examples(cmd, [
    `segmint ${model}`,
    `segmint ${model} --as-of 2011-12-10 --bins 4 --out ${model}.csv`,
    `segmint ${model} --out ${model}.csv --force          # replace the file of an earlier run`,
    `segmint ${model} --json > ${model}.json`,
  ]);
}

export function registerValue(program: Command, ctx: Context, _setExit: SetExit): void {
  register(program, ctx, 'rfm');
  register(program, ctx, 'lrfmp');
}
