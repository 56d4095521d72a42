/**
 * Value segmentation runs (RFM and LRFMP): features and scores computed in the warehouse, stored as a run
 * with one row per scored customer, summarised per segment. docs/models.md defines every figure.
 */
import { SegmintError } from '../core/errors.ts';
import { customerMetrics, exclusionCounts } from '../features/customer-metrics.ts';
import { fractions, runScoresRows, scoreQuery, segmentSummaryQuery, type ScoreSpec } from '../scoring/rfm.ts';
import { checkThresholds } from '../models/rfm/binning.ts';
import { countQuantiles } from './count-quantiles.ts';
import { checkCoverage, DEFAULT_LRFMP_SEGMENTS, DEFAULT_LRFP_SEGMENTS, DEFAULT_RF_SEGMENTS, DEFAULT_RFM_SEGMENTS, type SegmentRule } from '../models/rfm/segments.ts';
import { DIALECT } from '../sql/compile.ts';
import {
  and, caseWhen, col, createTableAs, dropTable, eq, ge, insertSelect, isNotNull, isNull, le, lit, lt, max, num, NULL, or, select, subquery, table, tempName,
  type Select,
} from '../sql/ir.ts';
import type { Workspace } from '../store/workspace.ts';
import { anyRow, countRows, dayAfter, exec, one, all } from './run-query.ts';
import { isCalendarDate } from '../store/config.ts';
import { recordRun, storeRun } from '../store/runs.ts';
import { grouped } from '../core/numbers.ts';

export type ValueModel = 'rfm' | 'lrfmp';

/** The metrics an RFM run reads and stores: customerMetrics' lean columns that are not NULL. */
const RFM_COLUMNS = ['customer_id', 'first_purchase', 'last_purchase', 'recency_days', 'tenure_days', 'frequency', 'monetary', 'mean_order_value'] as const;

export interface ValueOptions {
  /** YYYY-MM-DD; default segmint.yaml analysis.asOf, else the day after the last transaction */
  asOf?: string;
  /** quantile bins per score (2–9, default segmint.yaml analysis.rfm.bins, 5) */
  bins?: number;
  /** runs inside the run's transaction after it is written (e.g. the --out export): a failure stores nothing */
  beforeCommit?: (runId: number) => Promise<void>;
}

export interface SegmentSummary {
  segment: string;
  customers: number;
  shareOfCustomers: number;
  revenue: number;
  shareOfRevenue: number;
  meanRecencyDays: number;
  meanFrequency: number;
  meanMonetary: number;
  /** the mean of each score over the segment's customers who have it; null when none has it (P below three purchase days) */
  meanScores: Record<string, number | null>;
}

export interface ValueResult {
  model: ValueModel;
  runId: number;
  asOf: string;
  bins: number;
  customers: { total: number; scored: number; excluded: number; excludedByReason: Record<string, number> };
  /** inner bin edges per score (ascending, in the metric's unit) */
  edges: Record<string, number[]>;
  segments: SegmentSummary[];
  /** the scores computed, in order: r f m (l r f m p for LRFMP); without M when no transaction has an amount */
  scores: string[];
  /** scored customers left without a score, per score: LRFMP's P for fewer than three purchase days ({} when none) */
  unscored: Record<string, number>;
  /** true when no transaction has an amount: RFM is scored as RF (LRFMP as LRFP), segments named from the others */
  noAmounts: boolean;
  warnings: string[];
}

/** The warning of a run on data without amounts. */
export const NO_AMOUNTS_WARNING: Record<ValueModel, string> = {
  rfm: 'no amounts in the data: RFM is scored as RF (recency and frequency; no M, and segments are named from R and F)',
  lrfmp: 'no amounts in the data: LRFMP is scored as LRFP (no M, and segments are named from the other scores)',
};

const RFM_SCORES: ScoreSpec[] = [
  { score: 'r', metric: 'recency_days', higherIsBetter: false },
  { score: 'f', metric: 'frequency', higherIsBetter: true },
  { score: 'm', metric: 'monetary', higherIsBetter: true },
];
const LRFMP_SCORES: ScoreSpec[] = [
  { score: 'l', metric: 'tenure_days', higherIsBetter: true },
  ...RFM_SCORES,
  // lower spread of gaps = more regular visits = better (Peker et al. 2017)
  { score: 'p', metric: 'periodicity_days', higherIsBetter: false },
];

/** The note of an LRFMP run on the customers without a P score. */
export const unscoredPWarning = (n: number) =>
  `${grouped(n)} customer${n === 1 ? '' : 's'} with fewer than 3 purchase days ${n === 1 ? 'has' : 'have'} no regularity score (P): periodicity needs two gaps between purchase days; rules on p do not match them (docs/models.md)`;

/** Throw invalid-option unless `d` is a calendar date YYYY-MM-DD that exists (`flag` names the option in the message). */
export function checkDate(flag: string, d: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) {
    throw new SegmintError('invalid-option', `${flag} ${d}: expected a date YYYY-MM-DD`, { hint: `e.g. ${flag} 2011-12-10` });
  }
  if (!isCalendarDate(d)) {
    const month = Number(d.slice(5, 7));
    const why = month < 1 || month > 12 ? `there is no month ${d.slice(5, 7)}` : `${d.slice(0, 7)} has no day ${d.slice(8)}`;
    throw new SegmintError('invalid-option', `${flag} ${d}: the date does not exist (${why})`, { hint: `give a day that exists, e.g. ${flag} 2011-12-10` });
  }
}

/** The as-of date YYYY-MM-DD: `asOf`, else segmint.yaml analysis.asOf, else the day after the last transaction. */
export async function resolveAsOf(ws: Pick<Workspace, 'db' | 'config'>, asOf: string | undefined): Promise<string> {
  const given = asOf ?? ws.config.analysis.asOf ?? undefined;
  if (given !== undefined) {
    checkDate('--as-of', given);
    return given;
  }
  const last = await one(ws.db, select({ select: [{ expr: max(col('ts')), as: 'd' }], from: table('transactions'), where: isNotNull(col('customer_id')) }));
  if (last?.d === null || last?.d === undefined) {
    throw new SegmintError('no-transactions', 'the workspace has no transactions with a customer id, so there is nothing to score', {
      hint: 'import some first: segmint import FILE --kind transactions',
    });
  }
  return dayAfter(last.d);
}

/** Materialise a query as a temporary table of the workspace's engine (replacing one of the same name). */
export async function materialise(ws: Pick<Workspace, 'db'>, name: string, q: Select): Promise<void> {
  await exec(ws.db, dropTable(name));
  await exec(ws.db, createTableAs(name, q, { temporary: true }));
}

/** Compute, store and summarise an RFM or LRFMP run. */
export async function runValueSegmentation(ws: Pick<Workspace, 'db' | 'config'>, model: ValueModel, options: ValueOptions = {}): Promise<ValueResult> {
  const db = ws.db;
  const bins = options.bins ?? ws.config.analysis.rfm.bins;
  if (!Number.isInteger(bins) || bins < 2 || bins > 9) {
    throw new SegmintError('invalid-option', `--bins ${bins}: expected a whole number from 2 to 9`, { hint: 'e.g. --bins 5' });
  }
  const asOf = await resolveAsOf(ws, options.asOf);
  const asOfDate = new Date(`${asOf}T00:00:00Z`);
  const th = ws.config.analysis.rfm.thresholds ?? {};
  const metricKey: Record<string, 'recency' | 'frequency' | 'monetary'> = { r: 'recency', f: 'frequency', m: 'monetary' };
  // without a single amount M is constant (0): score R and F only and name segments from them
  const noAmounts = !(await anyRow(db, 'transactions', and(isNotNull(col('customer_id')), isNotNull(col('amount')))));
  const specs = (model === 'rfm' ? RFM_SCORES : LRFMP_SCORES).filter((s) => !(noAmounts && s.score === 'm')).map((s) => {
    const t = th[metricKey[s.score]!];
    if (!t) return s;
    checkThresholds(`analysis.rfm.thresholds.${metricKey[s.score]}`, t, bins);
    return { ...s, thresholds: t };
  });
  const defaults = noAmounts ? (model === 'rfm' ? DEFAULT_RF_SEGMENTS : DEFAULT_LRFP_SEGMENTS) : (model === 'rfm' ? DEFAULT_RFM_SEGMENTS : DEFAULT_LRFMP_SEGMENTS);
  const rules: SegmentRule[] = [...((model === 'rfm' ? ws.config.segments.rfm : ws.config.segments.lrfmp) ?? defaults)];
  const ruleScale = (model === 'rfm' ? ws.config.segments.rfm : ws.config.segments.lrfmp) ? bins : 5;
  try {
    checkCoverage(rules, specs.map((s) => s.score), ruleScale, model, model === 'lrfmp' ? ['p'] : []);
  } catch (e) {
    if (!noAmounts || !(e instanceof SegmintError)) throw e;
    throw new SegmintError(e.code, `${e.message} (no amounts in the data: there is no M score, and no fm)`, { hint: `give the segments.${model} rules of segmint.yaml without m and fm, e.g. {name: Champions, when: {r: [4, 5], f: [4, 5]}}` });
  }

  const warnings: string[] = noAmounts ? [NO_AMOUNTS_WARNING[model]] : [];
  const future = await countRows(db, 'transactions', and(isNotNull(col('customer_id')), ge(col('ts'), lit(asOfDate))));
  if (future > 0) warnings.push(`${future} transaction lines dated on or after the as-of date ${asOf} were ignored`);

  // temporary tables named per call: two commands on a shared engine never write the same one
  const temps: string[] = [];
  let features = tempName('features');
  temps.push(features);
  const windowFunctions = DIALECT[db.dialect].capabilities.windowFunctions;
  const metrics = customerMetrics({ asOf: asOfDate, windowFunctions, features: model === 'rfm' ? 'rfm' : 'all' });
  // RFM: the table without the columns the lean metrics leave NULL (six of fourteen; the rows' insert writes NULL)
  const featureColumns = model === 'rfm' ? RFM_COLUMNS : undefined;
  await exec(db, createTableAs(features, featureColumns
    ? select({ select: featureColumns.map((c) => ({ expr: col(c), as: c })), from: subquery(metrics, 'm') })
    : metrics, { temporary: true }));
  try {
    const scored = await countRows(db, features);
    const totalCustomers = await countRows(db, 'customers');
    // Reasons are only looked up when someone was left out.
    let exc: Record<string, number> = { customers: totalCustomers, not_eligible: 0 };
    if (totalCustomers > scored) {
      exc = (await one<Record<string, number>>(db, exclusionCounts({ asOf: asOfDate, eligible: features })))!;
    }
    if (scored === 0) {
      throw new SegmintError('no-eligible-customers', `no customer has a purchase before the as-of date ${asOf}`, {
        hint: 'choose a later --as-of, or import purchases (not only returns)',
      });
    }
    // Periodicity is the spread of the gaps between purchase days: with fewer than three days (under two gaps)
    // there is none, so such customers get no P score (not "most regular"), and P's edges are taken without them.
    const unscored: Record<string, number> = {};
    if (model === 'lrfmp') {
      const few = await countRows(db, features, lt(col('visits'), num(3)));
      if (few > 0) {
        // a copy with P's metric NULL below three purchase days (no UPDATE: ClickHouse has none for this)
        const cols = (await db.tableColumns(features)).map((c) => c.name);
        const withoutP = select({
          select: cols.map((c) => ({ expr: c === 'periodicity_days' ? caseWhen([[lt(col('visits'), num(3)), NULL]], col(c)) : col(c), as: c })),
          from: table(features),
        });
        const next = tempName('features');
        temps.push(next);
        await exec(db, createTableAs(next, withoutP, { temporary: true }));
        features = next;
        unscored.p = few;
        warnings.push(unscoredPWarning(few));
        const scoredP = scored - few;
        if (scoredP === 0) warnings.push('no customer has three purchase days or more: nobody has a P score');
      }
    }
    // the quantile edges from each metric's value counts (pipeline/count-quantiles.ts: edgesQuery's values, in a
    // tenth of the time); no customer with a value (P when nobody has three purchase days): no edges, and nobody
    // has the score
    const quantiled = specs.filter((s) => !s.thresholds);
    const q = await countQuantiles(db, features, quantiled.map((s) => s.metric), fractions(bins));
    const edges: Record<string, number[]> = {};
    for (const s of specs) edges[s.score] = s.thresholds ? [...s.thresholds] : q[s.metric]!;
    const nonPositive = noAmounts ? 0 : await countRows(db, features, le(col('monetary'), num(0)));
    if (nonPositive > 0) warnings.push(`${nonPositive} customers have a net spend of zero or less (returns exceed purchases): they are scored in the lowest M bin`);

    const carried = ['recency_days', 'tenure_days', 'frequency', 'monetary', 'mean_order_value', 'periodicity_days', 'return_rate', 'distinct_products', 'basket_size', 'first_purchase', 'last_purchase'];
    const present = featureColumns ? new Set<string>(featureColumns) : undefined;
    // The edges were computed once above; the score query compares with them as constants.
    const fixed = specs.map((s) => ({ ...s, thresholds: edges[s.score]! }));
    const has = new Set<string>(specs.map((s) => s.score));
    const sq = scoreQuery({ features, bins, scores: fixed, rules, ruleScale, passthrough: present ? carried.filter((c) => present.has(c)) : carried });
    const runId = await storeRun(db, model, async (runId) => {
      await exec(db, insertSelect('run_scores', runScoresRows(runId, sq, has, carried, present)));
      const params = { model, bins, thresholds: th, rules: rules.map((r) => r.name), scores: specs.map((s) => s.score), ...(noAmounts ? { noAmounts } : {}) };
      // checked before the commit: a failed run stores nothing
      const unnamed = await countRows(db, 'run_scores', and(eq(col('run_id'), num(runId)), or(isNull(col('segment')), eq(col('segment'), lit('')))));
      if (unnamed > 0) throw new SegmintError('internal-error', `${unnamed} customers got no segment`, { exitCode: 1 });
      await recordRun(db, runId, model, asOf, params, { edges });
      if (options.beforeCommit) await options.beforeCommit(runId);
      return runId;
    });
    const scoreCols = specs.map((s) => s.score);
    const seg = await all<Record<string, number | string>>(db, segmentSummaryQuery(runId, scoreCols));
    const totalRevenue = seg.reduce((a, r) => a + Number(r.revenue), 0);
    const segments: SegmentSummary[] = seg.map((r) => ({
      segment: String(r.segment),
      customers: Number(r.customers),
      shareOfCustomers: Number(r.customers) / scored,
      revenue: Number(r.revenue),
      shareOfRevenue: totalRevenue !== 0 ? Number(r.revenue) / totalRevenue : 0,
      meanRecencyDays: Number(r.mr),
      meanFrequency: Number(r.mf),
      meanMonetary: Number(r.mm),
      meanScores: Object.fromEntries(scoreCols.map((c) => [c, r[`s_${c}`] === null || r[`s_${c}`] === undefined ? null : Number(r[`s_${c}`])])),
    }));
    const excludedByReason: Record<string, number> = {};
    for (const k of ['no_transactions', 'only_returns', 'only_after_as_of'] as const) if (exc[k]) excludedByReason[k.replace(/_/g, '-')] = Number(exc[k]);
    return {
      model, runId, asOf, bins,
      customers: { total: Number(exc.customers), scored, excluded: Number(exc.not_eligible), excludedByReason },
      edges, segments, scores: scoreCols, unscored, noAmounts, warnings,
    };
  } finally {
    for (const t of temps) await exec(db, dropTable(t));
  }
}

