import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import type { Opportunity } from '../../features/discrete-summary.ts';
import type { Period } from '../../features/transaction-summary.ts';
import { parseModelOption, PURCHASE_MODELS } from '../../models/clv/model.ts';
import type { FitIssue } from '../../models/clv/diagnostics.ts';
import { checkOutFile, TABLE_EXTENSIONS } from '../../pipeline/export.ts';
import { exportClvPredictions, fitClvSummary, readSummaryFile, runClvFit, runClvPredict, type ClvFitResult, type ClvPredictResult, type SpendModel } from '../../pipeline/clv.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, MAX_RUN_ID, optionalNumber, withGlobals, withOut, type Bounds, type SetExit } from '../options.ts';
import { progressBar } from '../progress.ts';
import { fmtInt, fmtPct, json, table } from '../render.ts';
import { sig } from '../../report/html.ts';
import { actionFor, knownSegmentNames, unknownActionWarnings } from '../../models/actions.ts';
import { latestClusterNames } from '../../report/cluster-actions.ts';

interface FitCliOptions extends GlobalOptions {
  model: string;
  spend: string;
  period?: string;
  calibrationEnd?: string;
  asOf?: string;
  penalizer?: string;
  periodMultiplier?: string;
  summary?: string;
}

interface PredictCliOptions extends GlobalOptions {
  horizon: string;
  unit: string;
  discountRate?: string;
  monthlyDiscountRate?: string;
  margin?: string;
  fit?: string;
  asOf?: string;
  out?: string;
  force?: boolean;
}

/** The longest horizon per unit: 100 years, so that a prediction stays quick and in memory. */
export const MAX_HORIZON: Record<string, number> = { hour: 876600, day: 36525, week: 5217, month: 1200 };

const HORIZON_UNITS = Object.keys(MAX_HORIZON);

/** `--horizon` bounded by its `--unit` (checked first: the bound depends on it). */
function horizonOption(raw: string, unit: string): number {
  if (!HORIZON_UNITS.includes(unit)) throw new SegmintError('invalid-option', `--unit ${unit}: expected hour, day, week or month`, { hint: 'e.g. --horizon 12 --unit month' });
  return optionalNumber('--horizon', raw, { min: 0, minExclusive: true, max: MAX_HORIZON[unit]!, note: `100 years in ${unit}s`, example: `12 --unit ${unit}` })!;
}

const PENALIZER: Bounds = { min: 0, max: 1000, example: '0.001' };
const DISCOUNT_RATE: Bounds = { min: 0, max: 1, example: '0.1' };
const MONTHLY_DISCOUNT_RATE: Bounds = { min: 0, max: 1, example: '0.01' };
const PERIOD_MULTIPLIER: Bounds = { min: 0, minExclusive: true, max: 1000, example: '3' };
const MARGIN: Bounds = { min: 0, minExclusive: true, max: 1, example: '0.3' };
const RUN_ID: Bounds = { min: 1, max: MAX_RUN_ID, integer: true, example: '3' };

/** The issues of a fit, each with what it means and what to do. */
export function renderIssues(title: string, issues: readonly FitIssue[]): string[] {
  if (issues.length === 0) return [];
  return ['', title, ...issues.flatMap((i) => [`  - ${i.message}.`, `    What it means: ${i.meaning}.`, `    What to do: ${i.advice}.`])];
}

const fmtErr = (x: number | null, d = 3) => (x === null ? '–' : x.toFixed(d));

export function renderClvFit(r: ClvFitResult): string {
  const p = r.purchase;
  const lines: string[] = [];
  if (r.choice) {
    const c = r.choice;
    lines.push(`model choice (--model auto, by ${c.by === 'holdout' ? 'the holdout' : 'BIC'}): ${c.rows.find((x) => x.chosen)!.name}`, '',
      table(['model', 'log-likelihood', 'BIC', 'holdout MAE', 'holdout RMSE', 'total error', 'fit'], c.rows.map((x) => [
        `${x.chosen ? '* ' : '  '}${x.name}`, x.logLikelihood === null ? '–' : x.logLikelihood.toFixed(1), x.bic === null ? '–' : x.bic.toFixed(1),
        fmtErr(x.meanAbsoluteError), fmtErr(x.rootMeanSquaredError), x.totalError === null ? '–' : fmtPct(x.totalError),
        !x.fitted ? 'not fitted' : x.degenerate ? `degenerate (${x.issues.join(', ')})` : x.issues.length ? x.issues.join(', ') : 'sound',
      ])), '', `why: ${c.reason}`, '');
  }
  lines.push(
    `${p.name} on ${r.source === 'workspace' ? `the workspace${r.calibrationEnd ? `, calibration to ${r.calibrationEnd}` : ''}${r.holdoutEnd ? `, holdout to ${r.holdoutEnd}` : ''}` : r.source}`
      + ` (${p.model === 'bgbb' ? `opportunities: ${r.period}s` : `${r.period}s`}${r.runId ? `, run ${r.runId}` : ''}): ${fmtInt(p.customers)} customers in ${fmtInt(p.patterns)} patterns`
      + (r.customers.excluded ? `, ${fmtInt(r.customers.excluded)} excluded (${Object.entries(r.customers.excludedByReason).map(([k, n]) => `${k} ${fmtInt(n)}`).join(', ')})` : ''),
    '',
    table(['parameter', 'estimate', 'std. error'], Object.entries(p.params).map(([k, v]) => [k, sig(v), sig(p.standardErrors[k])])),
    '',
    `log-likelihood ${p.logLikelihood.toFixed(1)}; ${p.converged ? 'converged' : 'NOT converged'} after ${fmtInt(p.iterations)} iterations (${p.method})${p.penalizer ? `, penalizer ${p.penalizer}` : ''}`,
  );
  if (r.diagnostics) {
    const d = r.diagnostics;
    lines.push(...renderIssues(d.degenerate ? `THE ${p.name} FIT IS DEGENERATE:` : d.weak ? `the ${p.name} fit is weak:` : '', d.issues));
  }
  if (r.refit) {
    const f = r.refit;
    lines.push('', `for predictions, ${f.name} refitted on all purchases to ${r.holdoutEnd}: ${Object.entries(f.params).map(([k, v]) => `${k} ${sig(v)}`).join(', ')}; log-likelihood ${f.logLikelihood.toFixed(1)}`);
    lines.push(...renderIssues(f.diagnostics.degenerate ? 'the refit is degenerate too:' : 'the refit is weak:', f.diagnostics.issues));
  }
  if (r.spend) {
    const s = r.spend;
    lines.push('', `${s.name} spend model on ${fmtInt(s.customers)} repeat buyers (excluded: ${fmtInt(s.excluded.noRepeatPurchases)} without repeat purchases, ${fmtInt(s.excluded.nonPositiveSpend)} with non-positive spend)`,
      '', table(['parameter', 'estimate', 'std. error'], Object.entries(s.params).map(([k, v]) => [k, sig(v), sig(s.standardErrors[k])])),
      '', `log-likelihood ${s.logLikelihood.toFixed(1)}; mean spend per purchase ${sig(s.populationMeanSpend)}; frequency–spend correlation ${s.frequencySpendCorrelation.toFixed(2)}`);
  }
  if (r.validation) {
    const v = r.validation;
    lines.push('', `holdout (${sig(v.holdoutPeriods, 3)} ${r.period}s): ${fmtInt(v.actualTotal)} purchases made, ${fmtInt(Math.round(v.predictedTotal))} expected (${fmtPct(v.aggregateRelativeError)}); `
      + `per customer MAE ${v.meanAbsoluteError.toFixed(3)}, RMSE ${v.rootMeanSquaredError.toFixed(3)}; top-decile lift ${v.topDecileLift.toFixed(2)}`,
    '', table(['calibration repeats', 'customers', 'holdout actual', 'holdout expected'], v.byFrequency.map((g) => [g.frequency, g.customers, g.actualMean.toFixed(3), g.predictedMean.toFixed(3)])));
  }
  if (r.tracking) {
    const t = r.tracking;
    const cal = t.points.filter((q) => !q.holdout);
    const hold = t.points.filter((q) => q.holdout);
    const last = (xs: typeof t.points) => xs[xs.length - 1];
    const lc = last(cal);
    const lh = last(hold);
    lines.push('', `tracking (${t.period}s from ${t.origin}): ${lc ? `by the calibration end ${fmtInt(lc.actualCumulative)} repeat purchases made, ${fmtInt(Math.round(lc.expectedCumulative))} expected` : ''}${lh ? `; by the holdout end ${fmtInt(lh.actualCumulative)} made, ${fmtInt(Math.round(lh.expectedCumulative))} expected` : ''}`
      + `${t.seasonality.periods.length ? `; seasonality in ${t.seasonality.periods.map((q) => `${t.period} ${q.period} (from ${q.start}: ${fmtInt(q.actual)} made, ${q.expected.toFixed(1)} expected)`).join(', ')}` : ''} (--json: tracking.points)`);
  }
  return lines.join('\n');
}

/** The result with a suggested `action` per churn and CLV tier (segmint.yaml segments.actions over the defaults). */
export function withTierActions(r: ClvPredictResult, overrides: Record<string, string> = {}): ClvPredictResult {
  return {
    ...r,
    churnTiers: r.churnTiers.map((t) => ({ ...t, action: actionFor(t.tier, overrides) })),
    clvTiers: r.clvTiers.map((t) => ({ ...t, action: actionFor(t.tier, overrides) })),
  };
}

const tierAction = (t: { tier: string; action?: string }) => t.action ?? actionFor(t.tier);

export function renderClvPredict(r: ClvPredictResult): string {
  return [
    `${r.model} predictions over ${r.horizon} ${r.unit}${r.horizon === 1 ? '' : 's'} from ${r.asOf} (fit run ${r.fitRunId}, run ${r.runId}; discount ${r.monthlyDiscountRate !== undefined ? `${fmtPct(r.monthlyDiscountRate)} a month` : `${fmtPct(r.discountRate)} a year`}, margin ${fmtPct(r.margin, 0)}): `
      + `${fmtInt(r.customers.predicted)} customers, ${fmtInt(r.customers.withClv)} with a CLV`,
    `expected purchases ${fmtInt(r.totals.expectedPurchases)}; total CLV ${r.totals.clv === null ? '–' : fmtInt(r.totals.clv)}; mean P(alive) ${fmtPct(r.totals.meanPAlive)}`,
    '',
    r.pAliveInformative
      ? table(['churn risk', 'customers', 'mean P(alive)', 'suggested action'], r.churnTiers.map((t) => [t.tier, t.customers, fmtPct(t.meanPAlive), tierAction(t)]))
      : `churn risk: not informative for ${fmtInt(r.customers.predicted)} customers (mean P(alive) ${fmtPct(r.totals.meanPAlive)}): no churn tiers are drawn`,
    ...renderIssues(r.pAliveInformative ? '' : 'P(alive) is not informative:', r.diagnostics),
    '',
    table(['CLV tier', 'customers', 'CLV', 'share of CLV', 'suggested action'], r.clvTiers.map((t) => [t.tier, t.customers, t.clv, fmtPct(t.shareOfClv), tierAction(t)])),
  ].join('\n');
}

export function registerClv(program: Command, ctx: Context, _setExit: SetExit): void {
  const clv = program.command('clv').description('customer lifetime value: buy-till-you-die purchase models and the Gamma-Gamma spend model');
  examples(clv, ['segmint clv fit --calibration-end 2011-09-09', 'segmint clv predict --horizon 12 --unit month --out clv.csv']);
  const fit = withGlobals(clv.command('fit'))
    .description('fit a purchase model (and the spend model) on the workspace, or on a summary file, and store the fit')
    .option('--model <name>', `purchase model: auto (compare bgnbd, mbgnbd, paretonbd on the holdout, refit the best on all data), ${PURCHASE_MODELS.join(', ')}`, 'auto')
    .option('--spend <name>', 'spend model: gammagamma or none', 'gammagamma')
    .option('--period <unit>', 'time unit: hour, day, week (default) or month; for bgbb the opportunity: year (default), quarter, month or week')
    .option('--period-multiplier <k>', 'the time unit is k periods, e.g. --period day --period-multiplier 3 (lifetimes\' freq_multiplier; default 1)')
    .option('--calibration-end <date>', 'last day of the calibration period YYYY-MM-DD; the later days are the holdout for validation')
    .option('--as-of <date>', 'end of the data, exclusive (default: the day after the last transaction)')
    .option('--penalizer <x>', 'L2 penalty on the purchase model parameters, 0 to 1000 (default 0)')
    .option('--summary <file>', 'fit a summary file instead: frequency, recency, T[, monetary_value] (BG/BB: frequency, recency, periods, weights)')
    .action(async (opts: FitCliOptions) => {
      const model = parseModelOption(opts.model);
      const penalizer = optionalNumber('--penalizer', opts.penalizer, PENALIZER);
      const common = { model, spend: opts.spend as SpendModel, period: opts.period as Period | Opportunity | undefined, penalizer, periodMultiplier: optionalNumber('--period-multiplier', opts.periodMultiplier, PERIOD_MULTIPLIER) };
      const bar = progressBar(ctx.io, opts);
      let r: ClvFitResult;
      if (opts.summary) {
        bar.update(`fitting ${model} on ${opts.summary}`);
        r = fitClvSummary(await readSummaryFile(opts.summary, model), { ...common, source: opts.summary });
        bar.done();
      } else {
        const ws = await ctx.openWorkspace(opts);
        try {
          bar.update(`fitting ${model}`);
          r = await runClvFit(ws, { ...common, calibrationEnd: opts.calibrationEnd, asOf: opts.asOf }, (phase) => bar.update(phase));
        } finally {
          bar.done();
          ws.close();
        }
      }
      if (opts.json) json(ctx.io, r);
      else ctx.io.out(renderClvFit(r));
      // the diagnostics are in the output already (with what to do); the other warnings are notes
      const shown = opts.json ? [] : [...(r.diagnostics?.issues ?? []), ...(r.refit?.diagnostics.issues ?? [])].map((i) => i.message);
      for (const w of r.warnings) if (!shown.some((m) => w.includes(m))) ctx.io.err(`note: ${w}`);
    });
  examples(fit, [
    'segmint clv fit',
    'segmint clv fit --calibration-end 2011-06-30 --period week --json',
    'segmint clv fit --calibration-end 2011-09-09          # auto: BG/NBD, MBG/NBD, Pareto/NBD compared on the holdout',
    'segmint clv fit --model paretonbd --penalizer 0.001',
    'segmint clv fit --summary cdnow_customers_summary.csv',
    'segmint clv fit --model bgbb --summary donations.csv',
    'segmint clv fit --model bgbb --period year --calibration-end 2023-12-31',
    'segmint clv fit --period day --period-multiplier 3                  # a time unit of 3 days',
  ]);
  const predict = withOut(withGlobals(clv.command('predict')), 'also write one row per customer: .csv, .parquet, .json or .ndjson (the predictions are stored in the workspace either way)')
    .description('predict P(alive), purchases, spend, CLV, days to the next purchase and churn/CLV tiers for every customer from the latest fit')
    .requiredOption('--horizon <n>', 'length of the horizon in --unit, up to 100 years (36525 days, 5217 weeks, 1200 months)')
    .requiredOption('--unit <unit>', 'unit of the horizon: hour, day, week or month')
    .option('--discount-rate <r>', 'annual discount rate, 0 to 1 (default 0.1)')
    .option('--monthly-discount-rate <r>', 'discount per month instead, 0 to 1: month k\'s purchases divided by (1 + r)^k (lifetimes\' discount_rate)')
    .option('--margin <m>', 'profit margin on spend in (0, 1] (default 1: CLV in revenue)')
    .option('--fit <run>', 'the fit run to use (default: the latest)')
    .option('--as-of <date>', 'predict from the history before this date (default: the fit\'s as-of date)')
    .action(async (opts: PredictCliOptions) => {
      const options = {
        horizon: horizonOption(opts.horizon, opts.unit),
        unit: opts.unit as Period,
        discountRate: optionalNumber('--discount-rate', opts.discountRate, DISCOUNT_RATE),
        monthlyDiscountRate: optionalNumber('--monthly-discount-rate', opts.monthlyDiscountRate, MONTHLY_DISCOUNT_RATE),
        margin: optionalNumber('--margin', opts.margin, MARGIN),
        fitRunId: optionalNumber('--fit', opts.fit, RUN_ID),
        asOf: opts.asOf,
      };
      // checked before the predictions are computed and stored, so that a refused --out leaves no run behind
      if (opts.out) checkOutFile(opts.out, { force: opts.force, workspaceDir: ctx.workspaceDir(opts), extensions: TABLE_EXTENSIONS });
      const ws = await ctx.openWorkspace(opts);
      const bar = progressBar(ctx.io, opts);
      try {
        // the file is written inside the run's transaction: a failed export stores no run
        let out: Awaited<ReturnType<typeof exportClvPredictions>> | undefined;
        const run = await runClvPredict(ws, {
          ...options,
          ...(opts.out ? { beforeCommit: async (id: number) => { bar.update('writing the file'); out = await exportClvPredictions(ws, id, opts.out!); } } : {}),
        }, (phase) => bar.update(phase));
        bar.done();
        const seg = ws.config.segments;
        const r = withTierActions(run, seg.actions);
        r.warnings.push(...unknownActionWarnings(seg.actions, knownSegmentNames([seg.rfm, seg.lrfmp]), seg.actions ? await latestClusterNames(ws.db) : []));
        if (opts.json) json(ctx.io, { ...r, ...(out ? { out } : {}) });
        else ctx.io.out(`${renderClvPredict(r)}${out ? `\n\nwrote ${fmtInt(out.rows)} rows to ${out.file}` : ''}`);
        const shown = opts.json ? [] : r.diagnostics.map((i) => i.message);
        for (const w of r.warnings) if (!shown.some((m) => w.includes(m))) ctx.io.err(`note: ${w}`);
      } finally {
        bar.done();
        ws.close();
      }
    });
  examples(predict, [
    'segmint clv predict --horizon 12 --unit month',
    'segmint clv predict --horizon 12 --unit month --out clv.csv',
    'segmint clv predict --horizon 52 --unit week --discount-rate 0.08 --margin 0.3 --out clv.parquet',
    'segmint clv predict --horizon 365 --unit day --out clv.json --json',
    'segmint clv predict --horizon 12 --unit month --monthly-discount-rate 0.01   # lifetimes\' discounting',
    'segmint clv predict --horizon 24 --unit month --out clv.csv --force     # replace an earlier clv.csv',
  ]);
}
