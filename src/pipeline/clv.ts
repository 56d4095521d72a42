/**
 * CLV runs: the buy-till-you-die summary computed in the warehouse, a purchase model (BG/NBD, MBG/NBD,
 * Pareto/NBD) and the Gamma-Gamma spend model fitted on its distinct patterns, validated on a holdout period
 * when a calibration end is given, and stored as a run; predictions per customer computed per pattern and
 * applied to the customers in the warehouse. A summary file can be fitted without a workspace. docs/models.md
 * defines every figure.
 */
import { extname, resolve } from 'node:path';
import { SegmintError, ConvergenceError } from '../core/errors.ts';
import { discreteSummary, OPPORTUNITY_DAYS, type Opportunity } from '../features/discrete-summary.ts';
import { PERIOD_DAYS, purchaseDays, transactionSummary, type Period } from '../features/transaction-summary.ts';
import { fitGammaGamma, gammaGammaExpectedSpend, type GammaGammaParams } from '../models/clv/gamma-gamma.ts';
import { AUTO_MODELS, chooseModel, fitCandidates, fitCandidatesInParallel, holdoutOf, IN_WORKER, startFitWorker, type ModelCandidate, type ModelChoice } from '../models/clv/choose.ts';
import { diagnoseFit, isInformative, pAliveIssue, pAliveSpread, type FitDiagnostics, type FitIssue, type PAliveSpread } from '../models/clv/diagnostics.ts';
import { expectedRepeatPurchases, fitPurchaseModel, MODEL_NAMES, type PurchaseFit, type PurchaseModel, type PurchaseModelKind } from '../models/clv/model.ts';
import { patternSet, patternSetOfSorted, type PatternSet } from '../models/clv/patterns.ts';
import { seasonalDepartures, trackingSeries, type TrackingPoint } from '../models/clv/tracking.ts';
import { CHURN_TIERS, CLV_TIERS, normalisePredictOptions, predictPatterns } from '../models/clv/predict.ts';
import type { HoldoutValidation } from '../models/clv/validation.ts';
import { detectFormat } from '../store/import/formats.ts';
import { stageFile } from '../store/import/stage.ts';
import { openMemoryDb, type Workspace } from '../store/workspace.ts';
import { keyedSummaryQuery, predictSummaryTable } from './clv-predict-summary.ts';
import { everyCustomerKeyed, storeByPattern, type RunFigures } from './clv-predict-store.ts';
import { predictionRows, sortedPredictionRows, spendColumns, type SummaryShape } from './clv-prediction-rows.ts';
import { castDouble, clvEdges, clvEdgesOfCustomers, clvEdgesOfJoin, summaryRowids, tiedByJoin } from './clv-edges.ts';
import { readKeyedCustomers } from './clv-keyed-customers.ts';
import { fitGroups, summaryUnitDays } from './clv-fit-summary.ts';
import { cachedPurchaseDays, type CachedPurchaseDays } from './clv-purchase-cache.ts';
import { exportRows } from './export.ts';
import { checkDate, materialise, resolveAsOf } from './value.ts';
import { all, anyRow, countRows, dayText, exec, one } from './run-query.ts';
import { churnTier } from '../scoring/clv.ts';
import { compile } from '../sql/compile.ts';
import {
  and, avg, bool, caseWhen, cast, col, count, createTableAs, daysBetween, dropTable, eq, gt, insertSelect, isNotNull, isNull, le, lit, lt, min, mul, NULL, num, or, round, select,
  subquery, sum, table, tempName, tryDouble, type Expr, type Select, type Source,
} from '../sql/ir.ts';
import { DUCKDB_CLV_WIDE_TABLE } from '../store/clv-prediction-tables.ts';
import { recordRun, storeRun } from '../store/runs.ts';

export type SpendModel = 'gammagamma' | 'none';

/** `--model`: a purchase model, or `auto` to compare BG/NBD, MBG/NBD and Pareto/NBD and keep the best. */
export type ModelOption = PurchaseModelKind | 'auto';

export interface ClvFitOptions {
  /** purchase model (default auto: BG/NBD, MBG/NBD and Pareto/NBD compared, the best kept) */
  model?: ModelOption;
  /** spend model (default gammagamma) */
  spend?: SpendModel;
  /** time unit of the summary and the parameters (default week); for BG/BB the opportunity (default year) */
  period?: Period | Opportunity;
  /** last day of the calibration period, YYYY-MM-DD (inclusive); later purchases form the holdout */
  calibrationEnd?: string;
  /** end of the data, exclusive (default: the day after the last transaction) */
  asOf?: string;
  /** L2 penalty on the parameters (default 0) */
  penalizer?: number;
  /** the time unit is this many periods (lifetimes' freq_multiplier; default 1; continuous models only) */
  periodMultiplier?: number;
}

export interface FittedModelSummary {
  model: string;
  name: string;
  params: Record<string, number>;
  standardErrors: Record<string, number | null>;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  method: string;
  penalizer: number;
  customers: number;
}

export interface ClvFitResult {
  /** stored run (workspace fits only) */
  runId?: number;
  source: string;
  period: Period | Opportunity;
  /** the time unit in days: the period's length times the multiplier */
  periodDays: number;
  /** periods per time unit (1 unless --period-multiplier) */
  periodMultiplier?: number;
  asOf?: string;
  calibrationEnd?: string;
  holdoutEnd?: string;
  customers: { total: number; fitted: number; excluded: number; excludedByReason: Record<string, number> };
  /** the purchase model as fitted on the calibration period (the one the holdout validates) */
  purchase: FittedModelSummary & { patterns: number };
  /** what the purchase fit can and cannot tell (docs/models.md, "When a fit is degenerate") */
  diagnostics?: FitDiagnostics;
  /** with --model auto: the models compared and why one was chosen */
  choice?: ModelChoice;
  /**
   * with --model auto and a holdout: the chosen model refitted on all purchases up to the as-of date, which
   * `clv predict` uses; with its own diagnostics
   */
  refit?: FittedModelSummary & { patterns: number; diagnostics: FitDiagnostics };
  spend?: FittedModelSummary & { excluded: { noRepeatPurchases: number; nonPositiveSpend: number }; frequencySpendCorrelation: number; populationMeanSpend: number | null };
  validation?: HoldoutValidation & { holdoutPeriods: number };
  /** expected against actual repeat purchases per period of the fitted customers (workspace fits of the continuous models) */
  tracking?: ClvTracking;
  /** E[X(t)] of a new customer, t in periods: the population expected repeat purchases curve */
  repeatPurchaseCurve: { t: number; expected: number }[];
  warnings: string[];
}

export interface ClvTracking {
  /** the cohort's first purchase day: period 1 is the `period` that starts then */
  origin: string;
  /** the tracking period's name (purchases are counted per day, so hours are tracked by the day) and length in days */
  period: Period;
  periodDays: number;
  /** periods that end on or before the calibration end */
  calibrationPeriods: number;
  points: (TrackingPoint & { start: string })[];
  /** holdout periods whose purchases depart from the model's by more than any calibration period's did */
  seasonality: { threshold: number; periods: { period: number; start: string; actual: number; expected: number }[] };
}

export interface SummaryColumns {
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  /** T (BG/BB: the number of opportunities n) */
  T: ArrayLike<number>;
  weights?: ArrayLike<number>;
  monetary?: ArrayLike<number>;
  /**
   * the spend model's data when its rows are not those of x, t_x and T: frequency and mean spend with their
   * customer counts (the workspace fit reads patterns and spend grouped apart)
   */
  spend?: { x: ArrayLike<number>; monetary: ArrayLike<number>; weights?: ArrayLike<number> };
  /** holdout purchases per customer and the holdout length in periods */
  holdout?: { x: ArrayLike<number>; periods: number };
}

/** The period of `kind` (continuous models: day, week, month; BG/BB: the opportunity) and its length in days. */
function checkPeriod(kind: ModelOption, period: string | undefined, multiplier = 1): { period: Period | Opportunity; days: number } {
  if (!(multiplier > 0) || !Number.isFinite(multiplier)) throw new SegmintError('invalid-option', `--period-multiplier ${multiplier}: expected a number > 0`, { hint: 'e.g. --period day --period-multiplier 3 for a unit of 3 days' });
  if (kind === 'bgbb') {
    if (multiplier !== 1) throw new SegmintError('invalid-option', `--period-multiplier ${multiplier}: BG/BB counts opportunities, which have no multiplier`, { hint: 'choose the opportunity with --period year, quarter, month or week' });
    const p = period ?? 'year';
    if (p in OPPORTUNITY_DAYS) return { period: p as Opportunity, days: OPPORTUNITY_DAYS[p as Opportunity] };
    throw new SegmintError('invalid-option', `--period ${p}: BG/BB opportunities are year, quarter, month or week`, { hint: 'e.g. --period year for yearly donation drives' });
  }
  const p = period ?? 'week';
  if (p in PERIOD_DAYS) return { period: p as Period, days: PERIOD_DAYS[p as Period] * multiplier };
  throw new SegmintError('invalid-option', `--period ${p}: expected hour, day, week or month`, {
    hint: kind === 'auto' && p in OPPORTUNITY_DAYS ? 'discrete opportunities (years, quarters) are for BG/BB: add --model bgbb' : 'week is the unit of the BG/NBD papers',
  });
}

function checkSpendOption(spend: string): SpendModel {
  if (spend === 'gammagamma' || spend === 'none') return spend;
  throw new SegmintError('invalid-option', `--spend ${spend}: expected gammagamma or none`, { hint: 'Gamma-Gamma (Fader, Hardie & Lee 2005) is the spend model' });
}

/** A purchase fit as the result reports it. */
function purchaseSummary(kind: PurchaseModelKind, f: PurchaseFit): FittedModelSummary & { patterns: number } {
  return {
    model: kind, name: MODEL_NAMES[kind], params: f.params, standardErrors: f.standardErrors, logLikelihood: f.logLikelihood, iterations: f.iterations,
    converged: f.converged, method: f.method, penalizer: f.penalizer, customers: f.customers, patterns: f.patterns,
  };
}

/** The warnings of a diagnosed fit: each issue with what it means. */
export function diagnosticWarnings(d: FitDiagnostics, prefix = ''): string[] {
  return d.issues.map((i) => `${prefix}${i.message}; ${i.meaning}`);
}

/** The Gamma-Gamma fit of the spend rows, or the ConvergenceError that says the data do not identify it. */
type SpendFit = { fit: ReturnType<typeof fitGammaGamma> } | { error: ConvergenceError };

/** The spend rows of summary columns: theirs when given apart, else x and the monetary column (undefined without one). */
function spendRowsOf(data: SummaryColumns): { x: ArrayLike<number>; monetary: ArrayLike<number>; weights?: ArrayLike<number> } | undefined {
  return data.spend ?? (data.monetary ? { x: data.x, monetary: data.monetary, weights: data.weights } : undefined);
}

function spendFitOf(rows: { x: ArrayLike<number>; monetary: ArrayLike<number>; weights?: ArrayLike<number> }): SpendFit {
  // the penalty is for the purchase model: on spend-scaled parameters (γ in currency units) it would swamp the likelihood;
  // a weighted summary's rows stand for that many customers with the same frequency and mean spend
  try {
    return { fit: fitGammaGamma(rows.x, rows.monetary, { weights: rows.weights }) };
  } catch (e) {
    if (!(e instanceof ConvergenceError)) throw e;
    return { error: e };
  }
}

/** Fit the purchase and spend models on per-customer (or weighted) summary columns. Pure: no storage. */
export function fitClvSummary(data: SummaryColumns, options: ClvFitOptions & { source: string; patterns?: PatternSet; candidates?: ModelCandidate[]; spendFit?: SpendFit }): ClvFitResult {
  const requested = options.model ?? 'auto';
  const spend = checkSpendOption(options.spend ?? 'gammagamma');
  const { period, days: periodDays } = checkPeriod(requested, options.period, options.periodMultiplier);
  const calibration = { x: data.x, tx: data.tx, T: data.T, weights: data.weights, holdout: data.holdout };
  let kind: PurchaseModelKind;
  let purchaseFit: PurchaseFit;
  let diagnostics: FitDiagnostics;
  let validation: HoldoutValidation | undefined;
  let choice: ModelChoice | undefined;
  // one indexed pattern set for the fit and its diagnosis
  const patterns = options.patterns ?? patternSet(data.x, data.tx, data.T, data.weights);
  if (requested === 'auto') {
    const candidates = options.candidates ?? fitCandidates(calibration, { penalizer: options.penalizer, patterns });
    choice = chooseModel(candidates);
    const c = candidates.find((k) => k.model === choice!.chosen)!;
    kind = c.model;
    purchaseFit = c.fit!;
    diagnostics = c.diagnostics!;
    validation = c.validation;
  } else {
    kind = requested;
    purchaseFit = fitPurchaseModel(kind, patterns, { penalizer: options.penalizer });
    diagnostics = diagnoseFit(kind, purchaseFit, patterns);
    if (data.holdout) validation = holdoutOf(kind, purchaseFit.params, calibration);
  }
  // the fit's own boundary and Hessian warnings are among the diagnostics, said with what they mean
  const warnings = diagnosticWarnings(diagnostics);
  const fitted = purchaseFit.customers;
  const purchase = purchaseSummary(kind, purchaseFit);
  let spendSummary: ClvFitResult['spend'];
  const spendRows = spendRowsOf(data);
  if (spend === 'gammagamma' && !spendRows) warnings.push('the summary has no monetary_value column, so there is no spend model (and no CLV)');
  if (spend === 'gammagamma' && spendRows) {
    // fitted already when the caller did it while a worker thread fitted a purchase model (runClvFit, --model auto)
    const outcome = options.spendFit ?? spendFitOf(spendRows);
    let gammaGamma: ReturnType<typeof fitGammaGamma> | undefined;
    if ('fit' in outcome) gammaGamma = outcome.fit;
    else {
      // a spend model the data do not identify (a parameter running off to infinity) does not take the purchase
      // model down with it: that fit is kept, without spend or CLV, and the reason is said
      const e = outcome.error;
      warnings.push(`the Gamma-Gamma spend model could not be fitted (${e.message}): the purchase model is kept, so predictions have purchases and P(alive) but no spend or CLV; ${e.hint ?? 'fit on a longer period or with more repeat buyers'}`);
    }
    if (gammaGamma) {
      warnings.push(...gammaGamma.warnings);
      const mean = gammaGammaExpectedSpend(gammaGamma.params, 0, 0);
      spendSummary = {
        model: 'gammagamma', name: 'Gamma-Gamma', params: gammaGamma.params, standardErrors: gammaGamma.standardErrors, logLikelihood: gammaGamma.logLikelihood, iterations: gammaGamma.iterations,
        converged: gammaGamma.converged, method: gammaGamma.method, penalizer: gammaGamma.penalizer, customers: gammaGamma.customers, excluded: gammaGamma.excluded,
        frequencySpendCorrelation: gammaGamma.frequencySpendCorrelation, populationMeanSpend: Number.isNaN(mean) ? null : mean,
      };
    }
  }
  const m: PurchaseModel = { kind, params: purchaseFit.params };
  const maxT = patterns.T.reduce((m, t) => (t > m ? t : m), 0);
  const steps = kind === 'bgbb' ? Math.round(2 * maxT) : 40;
  const repeatPurchaseCurve = Array.from({ length: steps + 1 }, (_, k) => {
    const t = kind === 'bgbb' ? k : (2 * maxT * k) / steps;
    return { t, expected: expectedRepeatPurchases(m, t) };
  });
  return {
    source: options.source, period, periodDays, ...(options.periodMultiplier && options.periodMultiplier !== 1 ? { periodMultiplier: options.periodMultiplier } : {}),
    customers: { total: fitted, fitted, excluded: 0, excludedByReason: {} },
    purchase, diagnostics, ...(choice ? { choice } : {}), spend: spendSummary,
    ...(validation ? { validation: { ...validation, holdoutPeriods: data.holdout!.periods } } : {}),
    repeatPurchaseCurve, warnings,
  };
}

/** Other names of the summary columns: the BTYD papers' and packages' (x, t_x, T.cal, zbar, custs, …). */
const SUMMARY_ALIASES: Record<string, string[]> = {
  frequency: ['frequency', 'x'],
  recency: ['recency', 't_x', 't.x', 'tx'],
  t: ['t', 't.cal', 't_cal'],
  monetary_value: ['monetary_value', 'zbar', 'm.x', 'monetary'],
  periods: ['periods', 'n', 'n.cal', 'n_cal'],
  weights: ['weights', 'custs', 'n_custs', 'count'],
};

/**
 * Read a summary file (CSV or Parquet: frequency, recency, T[, monetary_value][, weights]; BG/BB: frequency,
 * recency, periods, weights; or the BTYD names x, t_x, T.cal, zbar, custs).
 */
export async function readSummaryFile(file: string, model: ModelOption): Promise<SummaryColumns> {
  const path = resolve(file);
  const mem = await openMemoryDb();
  try {
    // read as an import reads a file (store/import/stage.ts): CSV columns as text, Parquet columns typed
    const format = extname(path).toLowerCase() === '.parquet' ? 'parquet' : 'csv';
    const staged = await stageFile(mem.db, path, { format: detectFormat(path, format) }, ['', 'NA', 'N/A', 'NULL', 'null']).catch((e: unknown) => {
      throw new SegmintError('unreadable-file', `--summary ${file}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, { hint: 'give a CSV with a header line, or a Parquet file' });
    });
    const have = new Map<string, { name: string; type: string }>();
    for (const c of staged.columns) {
      const name = c.name.toLowerCase();
      const canonical = Object.entries(SUMMARY_ALIASES).find(([, names]) => names.includes(name))?.[0] ?? name;
      if (!have.has(canonical)) have.set(canonical, c);
    }
    const need = model === 'bgbb' ? ['frequency', 'recency', 'periods', 'weights'] : ['frequency', 'recency', 't'];
    const missing = need.filter((c) => !have.has(c)).map((c) => (c === 't' ? 'T' : c));
    if (missing.length) {
      throw new SegmintError('invalid-summary', `--summary ${file}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (has ${[...have.values()].map((c) => c.name).join(', ')})`, {
        hint: model === 'bgbb' ? 'BG/BB summaries have frequency, recency, periods, weights' : 'summaries have frequency, recency, T and optionally monetary_value, weights',
      });
    }
    // a number, or NULL where the text is not one
    const asNumber = (c: string): Expr => {
      const s = have.get(c)!;
      return s.type === 'VARCHAR' ? tryDouble(col(s.name)) : cast(col(s.name), 'double');
    };
    const wanted = [...need, ...(model !== 'bgbb' ? ['monetary_value', 'weights'].filter((c) => have.has(c)) : [])];
    const q = compile(select({ select: wanted.map((c) => ({ expr: asNumber(c), as: c === 't' ? 'big_t' : c })), from: table('__raw'), orderBy: [col('rowid')] }), mem.db.dialect);
    const r = await mem.db.columns(q.sql, q.params);
    const num = (c: string) => (r[c] as (number | null)[]).map((v) => (v === null ? NaN : v));
    const bad = num('frequency').findIndex((v) => Number.isNaN(v));
    if (bad >= 0) throw new SegmintError('invalid-summary', `--summary ${file}: row ${bad + 1} has no frequency`, { hint: 'every row needs frequency, recency and T' });
    return {
      x: num('frequency'), tx: num('recency'), T: num(model === 'bgbb' ? 'periods' : 'big_t'),
      weights: r.weights ? num('weights') : undefined, monetary: r.monetary_value ? num('monetary_value') : undefined,
    };
  } finally {
    mem.close();
  }
}

function dayBefore(d: string): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);
}

/**
 * The summary of `kind` as the temp table `name`: per purchase day, or per opportunity for BG/BB; `days`, a
 * table of the purchase days up to the holdout end (or the calibration end), is read instead of the transactions.
 */
async function summaryTable(ws: Workspace, name: string, kind: ModelOption, calibrationEnd: string, holdoutEnd: string | undefined, period: Period | Opportunity, multiplier = 1, days?: string): Promise<void> {
  const cal = new Date(`${calibrationEnd}T00:00:00Z`);
  const hold = holdoutEnd ? new Date(`${holdoutEnd}T00:00:00Z`) : undefined;
  await materialise(ws, name, kind === 'bgbb'
    ? discreteSummary({ calibrationEnd: cal, holdoutEnd: hold, opportunity: period as Opportunity })
    : transactionSummary({ calibrationEnd: cal, holdoutEnd: hold, period: period as Period, multiplier, days }));
}

/**
 * The distinct (x, t_x, T) patterns of a summary table with their customer counts, and the distinct
 * (frequency, mean spend) pairs with theirs, in value order (the same data give the same fit to the last
 * digit): the fit's likelihoods are sums over these, so a million customers are read as far fewer rows.
 */
async function groupedSummary(db: Workspace['db'], summary: string): Promise<{ x: Float64Array; tx: Float64Array; T: Float64Array; n: Float64Array; spend: { x: Float64Array; monetary: Float64Array; weights: Float64Array } }> {
  const keys = [col('frequency'), col('recency'), col('T')];
  const p = await typedColumnsOf(db, select({
    select: [...PATTERN_SELECT, { expr: cast(count(), 'double'), as: 'n' }], from: table(summary), groupBy: keys, orderBy: keys,
  }));
  const sk = [col('frequency'), col('monetary_value')];
  const z = await typedColumnsOf(db, select({
    select: [{ expr: cast(col('frequency'), 'double'), as: 'x' }, { expr: col('monetary_value'), as: 'z' }, { expr: cast(count(), 'double'), as: 'n' }],
    from: table(summary), groupBy: sk, orderBy: sk,
  }));
  return { x: p.x!, tx: p.tx!, T: p.big_t!, n: p.n!, spend: { x: z.x!, monetary: z.z!, weights: z.n! } };
}

/** Fit on the workspace's transactions and store the run (kind `clv`). */
export async function runClvFit(ws: Workspace, options: ClvFitOptions = {}, onProgress?: (phase: string) => void): Promise<ClvFitResult> {
  const kind = options.model ?? 'auto';
  const db = ws.db;
  const multiplier = options.periodMultiplier ?? 1;
  const { period, days: periodDays } = checkPeriod(kind, options.period, multiplier);
  const asOf = await resolveAsOf(ws, options.asOf);
  const lastDay = dayBefore(asOf);
  const calEnd = options.calibrationEnd ?? lastDay;
  checkDate('--calibration-end', calEnd);
  if (calEnd > lastDay) {
    throw new SegmintError('invalid-option', `--calibration-end ${calEnd} is not before the as-of date ${asOf}`, { hint: `choose a day up to ${lastDay}; the days after it form the holdout period` });
  }
  const holdoutEnd = calEnd < lastDay ? lastDay : undefined;
  // auto: Pareto/NBD's worker thread started now, so that it loads its modules while the engine summarises the
  // purchases (the thread's start-up was on the critical path after the summary; closed in the finally below)
  const worker = kind === 'auto' ? startFitWorker() : undefined;
  onProgress?.('summarising purchases');
  const summary = tempName('clv_summary');
  // DuckDB without a holdout (continuous models): the summary and the purchase days per day in one query over the
  // transactions, no table of purchase days (clv-fit-summary.ts); the summary's rows are those with g = 0
  const oneQuery = kind !== 'bgbb' && !holdoutEnd && db.dialect === 'duckdb';
  // otherwise the purchase days, computed once for the summary, the refit and the tracking (continuous models)
  const days = kind === 'bgbb' || oneQuery ? undefined : tempName('clv_days');
  let cached: CachedPurchaseDays | undefined;
  try {
    if (days) await materialise(ws, days, purchaseDays(new Date(`${lastDay}T00:00:00Z`)));
    // DuckDB without a holdout: the patterns, spend pairs and purchase days per day read in one query (fitGroups),
    // from the cache of the customers' purchase days when it covers the calibration end (clv-purchase-cache.ts)
    if (oneQuery) cached = await cachedPurchaseDays(ws, calEnd);
    const groups = oneQuery ? await fitGroups(db, calEnd, period as Period, multiplier, cached) : undefined;
    if (!oneQuery) await summaryTable(ws, summary, kind, calEnd, holdoutEnd, period, multiplier, days);
    // without a holdout the fit needs only the patterns and the spend pairs with their counts; with one, the
    // validation compares customer by customer, so the rows are read per customer, in a fixed order
    const grouped = groups ? { ...groups.patterns, spend: groups.spend } : holdoutEnd ? undefined : await groupedSummary(db, summary);
    const cols = grouped ? undefined : await columnsOf(db, select({
      select: [
        ...PATTERN_SELECT, { expr: col('monetary_value'), as: 'z' },
        ...(holdoutEnd ? [{ expr: cast(col('frequency_holdout'), 'double'), as: 'xh' }, { expr: col('duration_holdout'), as: 'dh' }] : []),
      ],
      from: table(summary), orderBy: [col('customer_id')],
    }));
    const data: SummaryColumns = grouped
      ? { x: grouped.x, tx: grouped.tx, T: grouped.T, weights: grouped.n, spend: grouped.spend }
      : { x: cols!.x!, tx: cols!.tx!, T: cols!.big_t!, monetary: cols!.z!, holdout: holdoutEnd ? { x: cols!.xh!, periods: cols!.dh![0]! } : undefined };
    let fitted = 0;
    if (grouped) for (let i = 0; i < grouped.n.length; i++) fitted += grouped.n[i]!;
    else fitted = data.x.length;
    if (fitted === 0) {
      throw new SegmintError('no-eligible-customers', `no customer has a purchase up to the calibration end ${calEnd}`, { hint: 'choose a later --calibration-end, or import purchases first', exitCode: 1 });
    }
    // auto: Pareto/NBD's job sent now, with the rows as read (the worker indexes them while this thread does)
    if (worker && grouped) worker.post(IN_WORKER, { x: grouped.x, tx: grouped.tx, T: grouped.T, weight: grouped.n }, options.penalizer);
    // no amount on any line: the spend model has nothing to fit, so only the purchase model is (as with --spend none)
    const withAmount = await anyRow(db, 'transactions', and(isNotNull(col('customer_id')), isNotNull(col('amount'))));
    const noAmounts = !withAmount && (options.spend ?? 'gammagamma') === 'gammagamma';
    onProgress?.(kind === 'auto' ? `fitting and comparing ${AUTO_MODELS.map((k) => MODEL_NAMES[k]).join(', ')}` : `fitting ${MODEL_NAMES[kind]}`);
    // the grouped rows are distinct and in (x, t_x, T) order (groupedSummary's ORDER BY): checked, not hashed again
    const patterns = grouped ? patternSetOfSorted(grouped.x, grouped.tx, grouped.T, grouped.n, true) : patternSet(data.x, data.tx, data.T, data.weights);
    // auto: the three fits, Pareto/NBD in a worker thread beside the other two, and Gamma-Gamma in this thread
    // while the worker still runs (its fit took longer than the other two); a failure other than the spend model's
    // ConvergenceError leaves the fit to fitClvSummary, which meets it at the same point as without a worker
    const spendRows = spendRowsOf(data);
    let spendFit: SpendFit | undefined;
    const meanwhile = () => {
      if (noAmounts || (options.spend ?? 'gammagamma') !== 'gammagamma' || !spendRows) return;
      try {
        spendFit = spendFitOf(spendRows);
      } catch {
        spendFit = undefined;
      }
    };
    const candidates = kind === 'auto' ? await fitCandidatesInParallel({ ...data, holdout: data.holdout }, { penalizer: options.penalizer, patterns, worker, meanwhile }) : undefined;
    const result = fitClvSummary(data, { ...options, ...(noAmounts ? { spend: 'none' as const } : {}), model: kind, period, source: 'workspace', patterns, candidates, spendFit });
    if (noAmounts) result.warnings.unshift('no amounts in the data: only the purchase model is fitted (no Gamma-Gamma spend model, so predictions have purchases and P(alive) but no spend or CLV); --spend none says so and silences this');
    const total = await countRows(db, 'customers');
    const excluded = Math.max(0, total - fitted);
    result.customers = { total: Math.max(total, fitted), fitted, excluded, excludedByReason: excluded ? { 'no-purchase-by-calibration-end': excluded } : {} };
    result.asOf = asOf;
    result.calibrationEnd = calEnd;
    if (holdoutEnd) result.holdoutEnd = holdoutEnd;
    if (kind === 'auto' && holdoutEnd) {
      // the chosen model refitted on all purchases up to the as-of date: the predictions use it
      const chosen = result.purchase.model as PurchaseModelKind;
      onProgress?.(`refitting ${MODEL_NAMES[chosen]} on all purchases`);
      await summaryTable(ws, summary, chosen, lastDay, undefined, period, multiplier, chosen === 'bgbb' ? undefined : days);
      const all = await groupedSummary(db, summary);
      const patterns = patternSetOfSorted(all.x, all.tx, all.T, all.n, true);
      const f = fitPurchaseModel(chosen, patterns, { penalizer: options.penalizer });
      const diagnostics = diagnoseFit(chosen, f, patterns);
      result.refit = { ...purchaseSummary(chosen, f), diagnostics };
      result.warnings.push(...diagnosticWarnings(diagnostics, `refitted on all purchases to ${lastDay}: `));
    }
    if (result.purchase.model !== 'bgbb') {
      onProgress?.('tracking purchases by period');
      // without a holdout the customers per T come from the patterns already read (no query over the summary)
      const cohort = grouped ? { summary, byT: customersByT(grouped.T, grouped.n) } : undefined;
      const dayCounts = groups ? groups.days : days!;
      const tr = await trackingOf(ws, dayCounts, cohort, { kind: result.purchase.model as PurchaseModelKind, params: result.purchase.params }, calEnd, lastDay, period as Period, periodDays);
      if (tr) {
        result.tracking = tr;
        const s = tr.seasonality.periods;
        if (s.length) {
          result.warnings.push(`the holdout's ${tr.period}ly purchases depart from the model's by more than any calibration ${tr.period}'s did (${tr.seasonality.threshold.toFixed(1)}) in ${s.length} ${tr.period}${s.length > 1 ? 's' : ''}: ${s.slice(0, 8).map((p) => `${tr.period} ${p.period} from ${p.start} (${Math.round(p.actual)} made, ${p.expected.toFixed(1)} expected)`).join(', ')}${s.length > 8 ? ', …' : ''}; a seasonal peak or a campaign the calibration period did not show: the holdout errors above include it`);
        }
      }
    }
    const params = { model: result.purchase.model, requested: kind, spend: noAmounts ? 'none' : options.spend ?? 'gammagamma', period, calibrationEnd: calEnd, asOf, penalizer: options.penalizer ?? 0 };
    await storeRun(db, 'clv', async (runId) => {
      result.runId = runId;
      await recordRun(db, runId, 'clv', asOf, params, result);
    });
    return result;
  } finally {
    // ended here when the fits did not get to use it (an error before them)
    worker?.close();
    await cached?.release();
    await exec(db, dropTable(summary));
    if (days) await exec(db, dropTable(days));
  }
}

/** x, t_x and T of a summary table, as doubles. */
const PATTERN_SELECT = [{ expr: cast(col('frequency'), 'double'), as: 'x' }, { expr: col('recency'), as: 'tx' }, { expr: col('T'), as: 'big_t' }];

/**
 * Column-wise read of a query of numbers compiled for the workspace's engine: through the engine's typed
 * numeric read (no value object per cell: at 1,000,000 customers the generic read cost more than the fit,
 * issue #15), as plain arrays; NULL would be NaN (these queries have none).
 */
async function columnsOf(db: Workspace['db'], q: Select): Promise<Record<string, number[]>> {
  const c = compile(q, db.dialect);
  const names = q.select === '*' ? [] : q.select.map((i) => i.as ?? '');
  const typed = await db.numericColumns(c.sql, c.params, names);
  return Object.fromEntries(names.map((n) => [n, Array.from(typed[n]!)]));
}

/** columnsOf as the engine's typed arrays (for the fit, which reads them as they are). */
async function typedColumnsOf(db: Workspace['db'], q: Select): Promise<Record<string, Float64Array>> {
  const c = compile(q, db.dialect);
  return db.numericColumns(c.sql, c.params, q.select === '*' ? [] : q.select.map((i) => i.as ?? ''));
}


/** Purchase days per day: the day (days since 1970-01-01) and the customers with a purchase that day, in day order. */
interface DayCounts {
  epochDay: Float64Array;
  n: Float64Array;
}

/** A cohort read from a summary table without a holdout, with its customers per T (`t` descending) when known. */
interface SummaryCohort {
  summary: string;
  byT?: { t: number[]; n: number[] };
}

/** Customers per distinct T, T descending (as `GROUP BY T ORDER BY T DESC` over the summary gives them), from the patterns. */
function customersByT(T: ArrayLike<number>, n: ArrayLike<number>): { t: number[]; n: number[] } {
  const by = new Map<number, number>();
  for (let i = 0; i < T.length; i++) by.set(T[i]!, (by.get(T[i]!) ?? 0) + n[i]!);
  const t = [...by.keys()].sort((a, b) => b - a);
  return { t, n: t.map((v) => by.get(v)!) };
}

/** The churn tier of every customer when P(alive) is not informative. */
export const NOT_INFORMATIVE = 'not informative';

const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + Math.round(n) * 86400000).toISOString().slice(0, 10);

/**
 * Tracking of the customers first seen up to the calibration end: their repeat purchase days per period from the
 * cohort's first purchase day to `lastDay` (complete periods only) against the model's expectation.
 */
async function trackingOf(ws: Workspace, daysTable: string | DayCounts, summary: SummaryCohort | undefined, m: PurchaseModel, calEnd: string, lastDay: string, period: Period, periodDays: number): Promise<ClvTracking | undefined> {
  const db = ws.db;
  // whole days per tracking period: purchases are counted per day (hours are tracked by the day)
  const P = Math.max(1, periodDays);
  // the cohort's first day: the first purchase day of all, when it is up to the calibration end
  const calDay = Date.parse(`${calEnd}T00:00:00Z`) / 86400000;
  const origin = typeof daysTable !== 'string'
    ? (() => {
      let o = Infinity;
      for (const e of daysTable.epochDay) if (e <= calDay && e < o) o = e;
      return o === Infinity ? undefined : new Date(o * 86400000).toISOString().slice(0, 10);
    })()
    : dayText((await one<{ o: unknown }>(db, select({
      select: [{ expr: min(col('d')), as: 'o' }], from: table(daysTable), where: and(gt(col('purchases'), num(0)), le(col('d'), cast(lit(calEnd), 'date'))),
    })))?.o);
  if (!origin) return undefined;
  const days = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);
  const periods = Math.floor((days(origin, lastDay) + 1) / P);
  if (periods < 1 || periods > 1000) return undefined;
  if (summary) return trackingSince(ws, daysTable, summary, origin, m, calEnd, lastDay, period, periodDays, periods);
  if (typeof daysTable !== 'string') throw new Error('trackingOf: purchase days per day are for a cohort read from its summary');
  // the cohort: customers whose first purchase day is up to the calibration end, and the first of those days
  const firstTable = tempName('clv_first');
  await materialise(ws, firstTable, select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: min(col('d')), as: 'first_day' }], from: table(daysTable),
    where: gt(col('purchases'), num(0)), groupBy: [col('customer_id')], having: le(min(col('d')), cast(lit(calEnd), 'date')),
  }));
  try {
    return await trackingSince(ws, daysTable, { firstTable }, origin, m, calEnd, lastDay, period, periodDays, periods);
  } finally {
    await exec(db, dropTable(firstTable));
  }
}

/**
 * trackingOf from the cohort's first day (`origin`) and its table of first purchase days (`firstTable`); or, without
 * a holdout, from the summary, where every customer with a purchase day is in the cohort: its first days are the
 * calibration end − T, and its repeat purchase days per day are all purchase days less the first ones.
 */
async function trackingSince(ws: Workspace, daysTable: string | DayCounts, cohort: { firstTable: string } | SummaryCohort, origin: string, m: PurchaseModel, calEnd: string, lastDay: string, period: Period, periodDays: number, periods: number): Promise<ClvTracking> {
  const db = ws.db;
  const P = Math.max(1, periodDays);
  const days = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);
  const since = (x: Expr) => daysBetween(cast(lit(origin), 'date'), x);
  // counted over a subquery: the origin is a bound value, which DuckDB would see as two expressions in SELECT and GROUP BY
  const countBy = (inner: Select, as: string) => columnsOf(db, select({
    select: [{ expr: cast(col('k'), 'double'), as }, { expr: cast(count(), 'double'), as: 'n' }], from: subquery(inner, 'q'), groupBy: [col('k')], orderBy: [col('k')],
  }));
  let births: Record<string, number[]>;
  let repeat: Record<string, number[]>;
  if ('firstTable' in cohort) {
    if (typeof daysTable !== 'string') throw new Error('trackingSince: a cohort of first days reads the table of purchase days');
    births = await countBy(select({ select: [{ expr: since(col('first_day')), as: 'k' }], from: table(cohort.firstTable) }), 'b');
    repeat = await countBy(select({
      select: [{ expr: since(col('d', 'x')), as: 'k' }], from: table(daysTable, 'x'),
      joins: [{ type: 'inner', target: table(cohort.firstTable, 'f'), on: eq(col('customer_id', 'f'), col('customer_id', 'x')) }],
      where: and(gt(col('purchases', 'x'), num(0)), gt(col('d', 'x'), col('first_day', 'f'))),
    }), 'k');
  } else {
    const byT = cohort.byT ?? await columnsOf(db, select({
      select: [{ expr: col('T'), as: 't' }, { expr: cast(count(), 'double'), as: 'n' }], from: table(cohort.summary), groupBy: [col('T')], orderBy: [{ expr: col('T'), desc: true }],
    }));
    const calK = days(origin, calEnd);
    births = { b: byT.t!.map((t) => calK - Math.round(t * periodDays)), n: byT.n! };
    const originDay = Date.parse(`${origin}T00:00:00Z`) / 86400000;
    const all = typeof daysTable !== 'string'
      ? { k: Array.from(daysTable.epochDay, (e) => e - originDay), n: Array.from(daysTable.n) }
      : await countBy(select({ select: [{ expr: since(col('d')), as: 'k' }], from: table(daysTable), where: gt(col('purchases'), num(0)) }), 'k');
    const first = new Map(births.b!.map((k, i) => [k, births.n![i]!]));
    repeat = { k: all.k!, n: all.k!.map((k, i) => all.n![i]! - (first.get(k) ?? 0)) };
  }
  const actual = new Float64Array(periods);
  (repeat.k as number[]).forEach((k, i) => {
    const j = Math.floor(k / P);
    if (j < periods) actual[j] = actual[j]! + (repeat.n as number[])[i]!;
  });
  const calibrationPeriods = Math.floor((days(origin, calEnd) + 1) / P);
  const points = trackingSeries(m, (births.b as number[]).map((b) => b / periodDays), births.n as number[], actual, calibrationPeriods, P / periodDays)
    .map((p) => ({ ...p, start: addDays(origin, (p.period - 1) * P) }));
  const s = seasonalDepartures(points);
  return {
    origin, period: periodDays < 1 ? 'day' : period, periodDays: P, calibrationPeriods, points,
    seasonality: { threshold: s.threshold, periods: s.periods.map((p) => ({ period: p.period, start: addDays(origin, (p.period - 1) * P), actual: p.actual, expected: p.expected })) },
  };
}

export interface ClvPredictOptions {
  /** runs inside the run's transaction after it is written (e.g. the --out export): a failure stores nothing */
  beforeCommit?: (runId: number) => Promise<void>;
  /** the fit run to use (default: the latest) */
  fitRunId?: number;
  /** DuckDB: store the wide rows even when every customer is keyed by pattern (tests compare the two storages) */
  wideRows?: boolean;
  /** horizon length in `unit`s (default 12 months) */
  horizon?: number;
  unit?: Period;
  /** annual discount rate (default 0.1) */
  discountRate?: number;
  /** lifetimes' discounting instead: a rate per month, month k's purchases divided by (1 + rate)^k (BG/BB: per opportunity) */
  monthlyDiscountRate?: number;
  /** margin on spend, in (0, 1] (default 1) */
  margin?: number;
  /** predict from the customers' history up to this date, exclusive (default: the fit's as-of date) */
  asOf?: string;
}

export interface ClvPredictResult {
  runId: number;
  fitRunId: number;
  model: string;
  asOf: string;
  horizon: number;
  unit: Period;
  horizonDays: number;
  discountRate: number;
  /** set when the CLV is discounted per month (lifetimes' discount_rate) rather than by the annual rate */
  monthlyDiscountRate?: number;
  margin: number;
  customers: { predicted: number; withClv: number; excluded: number; excludedByReason: Record<string, number> };
  totals: { expectedPurchases: number; clv: number | null; meanPAlive: number };
  /** `action`: the suggested action, added by the CLI (segmint.yaml segments.actions over the defaults) */
  churnTiers: { tier: string; customers: number; meanPAlive: number; action?: string }[];
  /** false when P(alive) does not separate customers: churn tiers then read "not informative" (docs/models.md) */
  pAliveInformative: boolean;
  /** the P(alive) spread over the predicted customers */
  pAlive: PAliveSpread;
  /** what P(alive) and the fit can tell, when it is not all well */
  diagnostics: FitIssue[];
  clvTiers: { tier: string; customers: number; clv: number; shareOfClv: number; action?: string }[];
  warnings: string[];
}

/**
 * Predict for every customer with a purchase before the as-of date (default the fit's, so after a
 * calibration/holdout fit the holdout purchases count too) and store the rows in `clv_predictions`.
 */
export async function runClvPredict(ws: Workspace, options: ClvPredictOptions = {}, onProgress?: (phase: string) => void): Promise<ClvPredictResult> {
  const db = ws.db;
  const run = await one<{ run_id: number; params: string; summary: string }>(db, select({
    select: [{ expr: col('run_id'), as: 'run_id' }, { expr: cast(col('params'), 'varchar'), as: 'params' }, { expr: cast(col('summary'), 'varchar'), as: 'summary' }],
    from: table('runs'),
    where: options.fitRunId !== undefined ? and(eq(col('kind'), lit('clv')), eq(col('run_id'), num(options.fitRunId))) : eq(col('kind'), lit('clv')),
    orderBy: [{ expr: col('run_id'), desc: true }], limit: 1,
  }));
  if (!run) {
    throw new SegmintError('no-clv-fit', options.fitRunId !== undefined ? `run ${options.fitRunId} is not a CLV fit` : 'the workspace has no CLV fit yet', { hint: 'run segmint clv fit first' });
  }
  const fit = JSON.parse(run.summary) as ClvFitResult;
  const unit = options.unit ?? 'month';
  if (!(unit in PERIOD_DAYS)) throw new SegmintError('invalid-option', `--unit ${unit}: expected hour, day, week or month`, { hint: 'e.g. --horizon 12 --unit month' });
  const horizon = options.horizon ?? 12;
  // checked here in the user's unit (normalisePredictOptions sees the horizon converted to model periods)
  if (!(horizon > 0) || !Number.isFinite(horizon)) throw new SegmintError('invalid-option', `--horizon ${horizon}: expected a number > 0`, { hint: 'e.g. --horizon 12 --unit month' });
  const horizonDays = horizon * PERIOD_DAYS[unit];
  if (options.monthlyDiscountRate !== undefined && options.discountRate !== undefined) {
    throw new SegmintError('invalid-option', `--discount-rate ${options.discountRate} and --monthly-discount-rate ${options.monthlyDiscountRate}: give one of them`, { hint: '--discount-rate is a rate a year; --monthly-discount-rate is lifetimes\' discount_rate, a rate a month' });
  }
  const o = normalisePredictOptions({ horizon: horizonDays / fit.periodDays, periodDays: fit.periodDays, discountRate: options.discountRate, stepDiscountRate: options.monthlyDiscountRate, margin: options.margin });
  if (fit.purchase.model === 'bgbb' && Math.round(o.horizon) < 1) {
    throw new SegmintError('invalid-option', `--horizon ${horizon} ${unit}: shorter than one ${fit.period}, the opportunity of this BG/BB fit`, { hint: `give at least one ${fit.period}, e.g. --horizon 1 --unit month for monthly opportunities` });
  }
  // with --model auto the chosen model refitted on all purchases; else the fit itself
  const model: PurchaseModel = { kind: fit.purchase.model as PurchaseModelKind, params: (fit.refit ?? fit.purchase).params };
  const fitDiagnostics = fit.refit?.diagnostics ?? fit.diagnostics;
  if (options.asOf) checkDate('--as-of', options.asOf);
  const asOf = options.asOf ?? fit.asOf!;
  onProgress?.('summarising purchases');
  // temporary tables named per call
  const summary = tempName('clv_summary');
  const patterns = tempName('clv_patterns');
  const base = tempName('clv_base');
  const predictions = tempName('clv_predictions');
  // DuckDB: the one-pass summary of a prediction (no holdout); BG/BB and the other engines: the general one
  const keyed = db.dialect === 'duckdb' && model.kind !== 'bgbb';
  const spendParams = fit.spend?.params as GammaGammaParams | undefined;
  // from the cache of the customers' purchase days when it covers the day before the as-of date (clv-purchase-cache.ts)
  const cached = keyed ? await cachedPurchaseDays(ws, dayBefore(asOf)) : undefined;
  try {
    // the stored run summarised (`pred`: clv_predictions, with the run's rows `direct`ly, else the rows materialised)
    // and recorded with its parameters
    const summarise = async (runId: number, pred: Source, direct: boolean, spread: PAliveSpread, informative: boolean, noDropout: FitIssue | undefined, figures?: RunFigures): Promise<ClvPredictResult> => {
      const { tot, reasons, churn, tiers } = figures ?? await storedFigures(db, pred, direct ? runId : undefined);
      const excludedByReason = Object.fromEntries(reasons.map((r) => [r.r, Number(r.n)]));
      const totalClv = tot.clv_sum === null ? null : Number(tot.clv_sum);
      const r: ClvPredictResult = {
        runId, fitRunId: Number(run.run_id), model: fit.purchase.name, asOf, horizon, unit, horizonDays, discountRate: o.discountRate,
        ...(o.stepDiscountRate !== undefined ? { monthlyDiscountRate: o.stepDiscountRate } : {}), margin: o.margin,
        customers: { predicted: Number(tot.n), withClv: Number(tot.with_clv), excluded: Number(tot.n) - Number(tot.with_clv), excludedByReason },
        totals: { expectedPurchases: Number(tot.ep ?? 0), clv: totalClv, meanPAlive: Number(tot.pa ?? 0) },
        churnTiers: [...CHURN_TIERS.map((t) => t.tier), NOT_INFORMATIVE].map((tier) => churn.find((c) => c.tier === tier)).filter((c) => c !== undefined).map((c) => ({ tier: c.tier, customers: Number(c.n), meanPAlive: Number(c.pa) })),
        pAliveInformative: informative, pAlive: spread,
        diagnostics: [...(noDropout ? [noDropout] : []), ...(informative ? [] : [pAliveIssue(spread)])],
        clvTiers: CLV_TIERS.map(({ tier }) => tiers.find((c) => c.tier === tier)).filter((c) => c !== undefined)
          .map((c) => ({ tier: c.tier, customers: Number(c.n), clv: Number(c.clv_sum), shareOfClv: totalClv ? Number(c.clv_sum) / totalClv : 0 })),
        warnings: [],
      };
      for (const i of r.diagnostics) r.warnings.push(`${i.message}; ${i.meaning}`);
      if (r.customers.excluded > 0) {
        r.warnings.push(`${r.customers.excluded} customers have purchase predictions but no CLV: ${Object.entries(excludedByReason).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      }
      const params = { fitRunId: run.run_id, horizon, unit, discountRate: o.discountRate, ...(o.stepDiscountRate !== undefined ? { monthlyDiscountRate: o.stepDiscountRate } : {}), margin: o.margin };
      await recordRun(db, runId, 'clv-predict', asOf, params, r);
      if (options.beforeCommit) await options.beforeCommit(runId);
      return r;
    };
    // DuckDB with every customer keyed by pattern: the run stored per pattern, straight from the summary query
    // (clv-predict-store.ts, store/clv-prediction-tables.ts)
    if (keyed && !options.wideRows && await everyCustomerKeyed(db, dayBefore(asOf), cached?.stats)) {
      const noDropout = fitDiagnostics?.issues.find((i) => i.code === 'no-dropout');
      const calEnd = dayBefore(asOf);
      const period = fit.period as Period;
      return await storeRun(db, 'clv-predict', async (runId) => {
        const stored = await storeByPattern(db, {
          runId, asOf, summary: keyedSummaryQuery(calEnd, period, fit.periodMultiplier ?? 1, cached, spendColumns(spendParams), true), ordered: cached !== undefined,
          unit: summaryUnitDays('clv predict', calEnd, period, fit.periodMultiplier ?? 1), model, options: o, noDropout: noDropout !== undefined, notInformative: NOT_INFORMATIVE, onProgress,
        });
        return summarise(runId, table('clv_predictions'), true, stored.spread, stored.informative, noDropout, stored.figures);
      }, { uniqueText: true });
    }
    // with the spend of each customer (SPEND_COLUMNS), computed while the summary is built; DuckDB's summary holds the
    // pattern key instead of frequency, recency and T, computed from it where they are read (keyColumns)
    const keyedSummary = (only: boolean) => predictSummaryTable(db, summary, dayBefore(asOf), fit.period as Period, fit.periodMultiplier ?? 1, cached, spendColumns(spendParams), only);
    let keyUnit = 0;
    if (keyed) keyUnit = await keyedSummary(true);
    else await summaryTable(ws, summary, model.kind, dayBefore(asOf), undefined, fit.period, fit.periodMultiplier ?? 1);
    // DuckDB's keyed summary: its customers read once, in its order, and their patterns grouped here by key
    // (clv-keyed-customers.ts); undefined when some customer has no key
    const keyedCustomers = keyed ? await readKeyedCustomers(db, summary, keyUnit) : undefined;
    if (keyed && !keyedCustomers) {
      // a customer whose T is 2^17 days or more has no key: the summary again, with frequency, recency and T
      await keyedSummary(false);
    }
    // else the patterns with their customers grouped by the engine, as typed columns (Array.from of the pattern
    // columns cost 0.25 s of the main thread at bench/clv), under aliases other than the columns' names (ClickHouse's
    // aliases are global to a SELECT)
    const patternColumns = keyedCustomers ? keyedCustomers.patterns : await typedColumnsOf(db, select({
      select: [
        { expr: cast(col('frequency'), 'double'), as: 'x' }, { expr: col('recency'), as: 'tx' }, { expr: col('T'), as: 'big_t' }, { expr: cast(count(), 'double'), as: 'n' },
      ],
      from: table(summary), groupBy: [col('frequency'), col('recency'), col('T')],
    })).then((r) => ({ x: r.x!, tx: r.tx!, T: r.big_t!, n: r.n! }));
    // the summary keeps only the key, and the patterns are joined on it, when every customer has one (T under 2^17
    // days); else frequency, recency and T, joined on those
    const shape: SummaryShape = { spend: keyed, ...(keyedCustomers ? { keyUnit } : {}) };
    if (patternColumns.x.length === 0) {
      throw new SegmintError('no-eligible-customers', `no customer has a purchase before the as-of date ${asOf}`, { hint: 'choose a later --as-of, or leave it out to predict from the fit\'s as-of date', exitCode: 1 });
    }
    onProgress?.(`predicting ${patternColumns.x.length} patterns`);
    const patternPredictions = predictPatterns(model, { x: patternColumns.x, tx: patternColumns.tx, T: patternColumns.T }, o);
    // the predictions with the join's key: the pattern key alone when joined on it, else x, t_x and T (the columns
    // written are the columns read: x, t_x and T beside the key cost a third of the write at bench/clv)
    const joinColumns: [string, Float64Array][] = keyedCustomers ? [['k', keyedCustomers.patterns.k]] : [['x', patternColumns.x], ['tx', patternColumns.tx], ['big_t', patternColumns.T]];
    const patternTable: [string, Float64Array][] = [
      ...joinColumns, ['p_alive', patternPredictions.pAlive], ['expected_purchases', patternPredictions.expectedPurchases],
      ['discounted', patternPredictions.discountedPurchases], ['days_next', patternPredictions.daysToNextPurchase],
    ];
    await materialise(ws, patterns, select({ select: patternTable.map(([c]) => ({ expr: cast(NULL, 'double'), as: c })), from: table(summary), where: bool(false) }));
    await db.appendDoubles(patterns, patternTable.map(([, v]) => v));
    const p = (c: string) => col(c, 'p');
    // ClickHouse 18.16 parses some doubles of the inserted patterns one unit in the last place off
    // (toFloat64('4.714285714285714') ≠ 33/7), so there the join compares the values rounded to 9 decimals
    const key = (e: Expr): Expr => (db.dialect === 'clickhouse' ? round(e, 9) : e);
    const on = keyedCustomers ? eq(p('k'), col('k', 's')) : and(eq(key(p('x')), key(cast(col('frequency', 's'), 'double'))), eq(key(p('tx')), key(col('recency', 's'))), eq(key(p('big_t')), key(col('T', 's'))));
    // the per-customer rows (clv-prediction-rows.ts): the Gamma-Gamma spend and the reason a row has no CLV
    const inner = predictionRows(spendParams, summary, patterns, on, shape);
    const BASE_COLUMNS = ['customer_id', 'frequency', 'recency', 'T', 'monetary_value', 'p_alive', 'expected_purchases', 'expected_spend', 'days_next', 'excluded_reason'];
    // (margin × spend) × discounted, the margin bound as a double (clv-edges.ts computes the same products)
    const clvOf = (alias: string) => mul(mul(castDouble(o.margin), col('expected_spend', alias)), col('discounted', alias));
    const clvRows = (rowsOf: Select) => select({
      select: [...BASE_COLUMNS.map((c) => ({ expr: col(c), as: c })), { expr: clvOf('b'), as: 'clv' }],
      from: subquery(rowsOf, 'b'),
    });
    const baseSelect = clvRows(inner);
    // DuckDB: no per-customer table (writing it cost more than the join it saves): the CLVs are read from the join
    // with the summary's rowids, and the insert below joins again; other engines: the per-customer table, built by
    // the engine while P(alive)'s spread is computed here (a fresh name, so no DROP before it)
    const inline = db.dialect === 'duckdb';
    const baseBuilt = inline ? undefined : exec(db, createTableAs(base, baseSelect, { temporary: true }));
    // let the engine take the statement before the main thread is busy: DuckDB's client parses and prepares it in
    // two asynchronous steps before it runs, each answered in the event loop's poll phase, which a timer lets wait
    // for them (a few setImmediate turns can pass before either step is answered)
    if (baseBuilt) await new Promise((r) => setTimeout(r, 10));
    // churn tiers only from a P(alive) that tells customers apart, and not from a model without drop-out
    let spread: PAliveSpread;
    try {
      spread = pAliveSpread(patternPredictions.pAlive, patternColumns.n);
    } finally {
      await baseBuilt;
    }
    const noDropout = fitDiagnostics?.issues.find((i) => i.code === 'no-dropout');
    const informative = !noDropout && isInformative(spread);
    // the CLV tier from the share of customers with a higher CLV (ties by customer id), (rank − 1) / n: the customer
    // at each tier's edge in CLV order; a customer is in a tier above the edge when it sorts before it
    const clv = col('clv');
    // the customers: as many rows as the join can give (read straight into arrays of that length)
    let customers = 0;
    for (const v of patternColumns.n) customers += v;
    const edges = !inline ? await clvEdges(db, base)
      : keyedCustomers ? clvEdgesOfCustomers(summaryRowids(db, summary), keyedCustomers, patternPredictions.discountedPurchases, o.margin, tiedByJoin(db, inner, clvOf))
        : await clvEdgesOfJoin(db, summary, inner, clvOf, customers);
    const withClv = edges.n;
    // each tier's edge: the first position whose share ranked above reaches the tier's upper share
    const upper = CLV_TIERS.slice(0, -1);
    const positions = upper.map((t) => {
      let k = 0;
      while (k < withClv && k / withClv < t.to) k++;
      return k;
    });
    const atEdges = await edges.at(positions);
    const before = (edge: { clv: number; customerId: string } | undefined): Expr => {
      if (!edge) return bool(true);
      const v = edges.value(edge.clv);
      return or(gt(clv, v), and(eq(clv, v), lt(col('customer_id'), lit(edge.customerId))));
    };
    const last = CLV_TIERS[CLV_TIERS.length - 1]!;
    const cases: [Expr, Expr][] = [[isNull(clv), NULL]];
    upper.forEach((t, j) => cases.push([before(atEdges[j]), lit(t.tier)]));
    const tier = caseWhen(cases, lit(last.tier));
    const churn = churnTier(col('p_alive'), informative ? undefined : NOT_INFORMATIVE);
    // DuckDB: the rows in customer order, sorted before the spend, CLV and tiers are computed (sortedPredictionRows)
    const rows = select({ select: PREDICTION_COLUMNS.map((c) => ({ expr: c === 'clv_tier' ? tier : c === 'churn_tier' ? churn : col(c), as: c })), from: inline ? subquery(clvRows(sortedPredictionRows(spendParams, summary, patterns, on, shape)), 'c') : table(base) });
    // insert the rows straight into clv_predictions and summarise the stored run; ClickHouse 18.16 (no
    // transactions, a distributed table) summarises them materialised first, as before
    const direct = db.dialect !== 'clickhouse';
    if (!direct) await materialise(ws, predictions, rows);
    onProgress?.('storing predictions');
    const STORED = ['run_id', ...PREDICTION_COLUMNS.map((c) => (c === 'days_next' ? 'days_to_next_purchase' : c))];
    let result: ClvPredictResult | undefined;
    // the rows and the run (with its summary) in one journalled write: no UPDATE afterwards
    await storeRun(db, 'clv-predict', async (runId) => {
      // DuckDB: in customer_id order (the rows come sorted, above), so that the zone maps (min/max per row group) of
      // the run's rows find one customer's row without an index (schema version 14, store/tables.ts DUCKDB_DROPPED_INDEXES)
      await exec(db, insertSelect(db.dialect === 'duckdb' ? DUCKDB_CLV_WIDE_TABLE : 'clv_predictions', select({
        select: [{ expr: num(runId), as: 'run_id' }, ...PREDICTION_COLUMNS.map((c) => ({ expr: col(c), as: c === 'days_next' ? 'days_to_next_purchase' : c }))],
        from: direct ? subquery(rows, 'r') : table(predictions),
      }), STORED));
      result = await summarise(runId, direct ? table('clv_predictions') : table(predictions), direct, spread, informative, noDropout);
    });
    return result!;
  } finally {
    await cached?.release();
    for (const t of [summary, patterns, base, predictions]) await exec(db, dropTable(t));
  }
}


/**
 * The figures of a stored prediction run read from its rows (`pred`: clv_predictions, with `runId` the run's rows
 * of it; else the rows materialised).
 */
async function storedFigures(db: Workspace['db'], pred: Source, runId: number | undefined): Promise<RunFigures> {
  const clv = col('clv');
  const mine = runId !== undefined ? eq(col('run_id'), num(runId)) : undefined;
  const where = (e?: Expr) => (mine && e ? and(mine, e) : mine ?? e);
  // sums named apart from the clv column they read (ClickHouse's aliases are global to a SELECT: alias-shadows-column)
  const tot = (await one<RunFigures['tot']>(db, select({
    select: [{ expr: count(), as: 'n' }, { expr: count(clv), as: 'with_clv' }, { expr: sum(col('expected_purchases')), as: 'ep' }, { expr: sum(clv), as: 'clv_sum' }, { expr: avg(col('p_alive')), as: 'pa' }],
    from: pred, where: where(),
  })))!;
  const reasons = await all<{ r: string; n: number }>(db, select({
    select: [{ expr: col('excluded_reason'), as: 'r' }, { expr: count(), as: 'n' }], from: pred, where: where(isNotNull(col('excluded_reason'))),
    groupBy: [col('excluded_reason')], orderBy: [col('excluded_reason')],
  }));
  const churn = await all<{ tier: string; n: number; pa: number }>(db, select({
    select: [{ expr: col('churn_tier'), as: 'tier' }, { expr: count(), as: 'n' }, { expr: avg(col('p_alive')), as: 'pa' }], from: pred, where: where(), groupBy: [col('churn_tier')],
  }));
  const tiers = await all<{ tier: string; n: number; clv_sum: number }>(db, select({
    select: [{ expr: col('clv_tier'), as: 'tier' }, { expr: count(), as: 'n' }, { expr: sum(clv), as: 'clv_sum' }], from: pred, where: where(isNotNull(col('clv_tier'))), groupBy: [col('clv_tier')],
  }));
  return { tot, reasons, churn, tiers };
}

/** The columns of clv_predictions after run_id, as the pipeline names them (days_next is days_to_next_purchase). */
const PREDICTION_COLUMNS = ['customer_id', 'frequency', 'recency', 'T', 'monetary_value', 'p_alive', 'expected_purchases', 'expected_spend', 'clv', 'days_next', 'churn_tier', 'clv_tier', 'excluded_reason'];

/** Write the rows of a prediction run to CSV, Parquet or JSON (by the file's extension). */
export async function exportClvPredictions(ws: Workspace, runId: number, file: string): Promise<{ file: string; rows: number }> {
  const cols = ['customer_id', 'frequency', 'recency', 'T', 'monetary_value', 'p_alive', 'expected_purchases', 'expected_spend', 'clv', 'days_to_next_purchase', 'churn_tier', 'clv_tier', 'excluded_reason'];
  return exportRows(ws.db, select({ select: cols.map((c) => ({ expr: col(c), as: c })), from: table('clv_predictions'), where: eq(col('run_id'), num(runId)), orderBy: [col('customer_id')] }), file);
}
