/**
 * `clv predict` on DuckDB with every customer keyed by pattern: the run stored per pattern (store/clv-prediction-tables.ts),
 * inside the run's journalled write (issue #15).
 *
 * 1. The customers are inserted straight from the summary query (the purchase-day cache's per-customer file, in
 *    customer order, or the transactions, sorted): key, mean spend, Gamma-Gamma spend and its reason. No temporary
 *    summary table, no join, no sort: at bench/clv 0.33 s, where the summary table and the wide insert took 1.4 s.
 * 2. Their keys and spends are read back in that order and grouped into patterns (clv-keyed-customers.ts).
 * 3. The patterns are predicted here and appended (paddingRows).
 * 4. The CLV tier edges are found from the customers' CLVs computed here (clv-edges.ts), with the customers at the
 *    edges looked up by their position in the run, and stored with the unit, the margin and whether P(alive) is
 *    informative; the view `clv_predictions` computes each customer's frequency, recency, T, CLV and tiers from them.
 * 5. The run's figures (RunFigures) are computed from the same arrays.
 */
import { SegmintError } from '../core/errors.ts';
import { isInformative, pAliveSpread, type PAliveSpread } from '../models/clv/diagnostics.ts';
import type { PurchaseModel } from '../models/clv/model.ts';
import { CHURN_TIERS, CLV_TIERS, predictPatterns, type PatternPredictions, type PredictOptions } from '../models/clv/predict.ts';
import { and, cast, col, count, eq, fn, inList, isNotNull, insertSelect, lit, max, min, mul, num, rowNumber, select, sub, subquery, table, type Expr, type Select } from '../sql/ir.ts';
import { NARROW_TIER_EDGES } from '../store/clv-prediction-tables.ts';
import type { Workspace } from '../store/workspace.ts';
import { castDouble, clvEdgesOfCustomers, type ClvEdges, type RowidLookup } from './clv-edges.ts';
import { PATTERN_KEY_DAYS } from './clv-fit-summary.ts';
import { readKeyedCustomers, type KeyedPatterns } from './clv-keyed-customers.ts';
import { SPEND_COLUMNS } from './clv-prediction-rows.ts';
import { all, exec, one } from './run-query.ts';

type Db = Workspace['db'];

const CUSTOMERS = 'clv_prediction_customers';
const PATTERNS = 'clv_prediction_patterns';
const RUNS = 'clv_prediction_runs';

export interface PatternStoreInput {
  runId: number;
  /** the as-of date (for the message when no customer has a purchase before it) */
  asOf: string;
  /** the keyed summary (customer_id, monetary_value, k and SPEND_COLUMNS), every customer with a key */
  summary: Select;
  /** whether the summary comes in customer order (the cache's file); else the insert sorts it */
  ordered: boolean;
  /** the period unit in days of the keys (keyColumns) */
  unit: number;
  model: PurchaseModel;
  options: PredictOptions & { margin: number };
  /** the fit has no drop-out: churn tiers are not informative whatever the spread */
  noDropout: boolean;
  /** the churn tier of customers whose P(alive) does not tell them apart */
  notInformative: string;
  onProgress?: (phase: string) => void;
}

/** What a stored prediction run sums to: customers, CLV and P(alive) in all, per reason without a CLV, per tier. */
export interface RunFigures {
  tot: { n: number; with_clv: number; ep: number | null; clv_sum: number | null; pa: number | null };
  reasons: { r: string; n: number }[];
  churn: { tier: string; n: number; pa: number }[];
  tiers: { tier: string; n: number; clv_sum: number }[];
}

export interface PatternStore {
  patterns: number;
  spread: PAliveSpread;
  informative: boolean;
  figures: RunFigures;
}

/** Store a prediction run per pattern (see the top of this file); throws no-eligible-customers on an empty summary. */
export async function storeByPattern(db: Db, i: PatternStoreInput): Promise<PatternStore> {
  if (db.dialect !== 'duckdb') throw new Error('storeByPattern: DuckDB only');
  const mine = eq(col('run_id'), num(i.runId));
  const columns = ['customer_id', 'k', 'monetary_value', SPEND_COLUMNS.spend, SPEND_COLUMNS.reason];
  await exec(db, insertSelect(CUSTOMERS, select({
    select: [{ expr: num(i.runId), as: 'run_id' }, ...columns.map((c) => ({ expr: col(c), as: c === SPEND_COLUMNS.reason ? 'spend_reason' : c }))],
    from: subquery(i.summary, 'u'),
    ...(i.ordered ? {} : { orderBy: [col('customer_id')] }),
  }), ['run_id', 'customer_id', 'k', 'monetary_value', 'expected_spend', 'spend_reason']));
  // how many, and whether their rowids are one run of numbers (a position in the read is then a rowid)
  const st = (await one<{ n: number; first: string | null; span: string | null }>(db, select({
    select: [
      { expr: count(), as: 'n' }, { expr: cast(min(col('rowid')), 'varchar'), as: 'first' },
      { expr: cast(sub(max(col('rowid')), min(col('rowid'))), 'varchar'), as: 'span' },
    ],
    from: table(CUSTOMERS), where: mine,
  })))!;
  const n = Number(st.n);
  if (n === 0) throw new SegmintError('no-eligible-customers', `no customer has a purchase before the as-of date ${i.asOf}`, { hint: 'choose a later --as-of, or leave it out to predict from the fit\'s as-of date', exitCode: 1 });
  const customers = await readKeyedCustomers(db, CUSTOMERS, i.unit, mine, n);
  if (!customers) throw new Error('storeByPattern: a customer without a pattern key');
  const { patterns } = customers;
  i.onProgress?.(`predicting ${patterns.k.length} patterns`);
  const p = predictPatterns(i.model, { x: patterns.x, tx: patterns.tx, T: patterns.T }, i.options);
  i.onProgress?.('storing predictions');
  const spread = pAliveSpread(p.pAlive, patterns.n);
  const informative = !i.noDropout && isInformative(spread);
  // the patterns appended as they are computed (the run id beside them an INTEGER column: appendDoubles), then the
  // rows that fill their last row group (paddingRows); the view computes x, t_x and T from the key
  await db.appendDoubles(PATTERNS, [
    new Int32Array(patterns.k.length).fill(i.runId), patterns.k, p.pAlive, p.expectedPurchases, p.discountedPurchases, p.daysToNextPurchase,
  ]);
  const pad = paddingRows(patterns.k.length, [i.runId, PADDING_KEY, 0, 0, 0, 0]);
  if (pad) await db.appendDoubles(PATTERNS, pad);
  // the CLV tier edges: the customers at them by position, or (a run whose rowids are not one run of numbers, or an
  // edge CLV shared by very many customers) by the CLV computed in the engine as the view computes it
  const first = st.first === null ? undefined : BigInt(st.first);
  const contiguous = first !== undefined && Number(st.span) === n - 1;
  const byPosition = positionLookup(db, i.runId, contiguous ? first : undefined);
  const edges = clvEdgesOfCustomers(byPosition, customers, p.discountedPurchases, i.options.margin, (v, limit) => tiedAt(db, i.runId, i.options.margin, v, limit));
  const upper = CLV_TIERS.slice(0, -1);
  if (upper.length !== NARROW_TIER_EDGES.length || upper.some((t, j) => t.tier !== NARROW_TIER_EDGES[j]!.tier)) throw new Error('storeByPattern: CLV_TIERS differ from the stored view\'s tiers');
  const positions = upper.map((t) => {
    let k = 0;
    while (k < edges.n && k / edges.n < t.to) k++;
    return k;
  });
  const at = await edges.at(positions);
  const runColumns = ['run_id', 'unit', 'margin', 'informative', ...NARROW_TIER_EDGES.flatMap(({ edge }) => [`${edge}_clv`, `${edge}_id`])];
  await db.insertRows(RUNS, runColumns, [
    [i.runId, i.unit, i.options.margin, informative, ...NARROW_TIER_EDGES.flatMap((_, j) => [at[j]?.clv ?? null, at[j]?.customerId ?? null])],
  ]);
  return { patterns: patterns.k.length, spread, informative, figures: await figuresOf(db, i.runId, patterns, p, edges, positions, informative, i.notInformative) };
}

/**
 * The figures of a stored run, computed from what was stored rather than read back through the view (whose join
 * of the run's uncommitted rows took 0.9 s for the four summaries at bench/clv): the same numbers the view gives
 * (clv-predict-store.test.ts compares them), sums added in another order. The reasons of the customers without a
 * CLV are counted in the customers table (no join) when every pattern has its predictions, else through the view.
 */
async function figuresOf(
  db: Db, runId: number, patterns: KeyedPatterns, p: PatternPredictions, edges: ClvEdges, positions: readonly number[], informative: boolean, notInformative: string,
): Promise<RunFigures> {
  let n = 0, ep = 0, pa = 0, withPa = 0, undefinedPatterns = 0;
  const churn = new Map<string, { n: number; pa: number }>();
  for (let j = 0; j < patterns.k.length; j++) {
    const c = patterns.n[j]!, a = p.pAlive[j]!, e = p.expectedPurchases[j]!;
    n += c;
    if (Number.isFinite(e)) ep += c * e;
    if (!Number.isFinite(a) || !Number.isFinite(e) || !Number.isFinite(p.discountedPurchases[j]!)) undefinedPatterns++;
    if (!Number.isFinite(a)) continue;
    pa += c * a;
    withPa += c;
    const tier = !informative ? notInformative : (CHURN_TIERS.find((t) => a >= t.from) ?? CHURN_TIERS[CHURN_TIERS.length - 1]!).tier;
    const t = churn.get(tier) ?? { n: 0, pa: 0 };
    t.n += c;
    t.pa += c * a;
    churn.set(tier, t);
  }
  const reasonsFrom = undefinedPatterns === 0 ? table(CUSTOMERS) : table('clv_predictions');
  const reason = col(undefinedPatterns === 0 ? 'spend_reason' : 'excluded_reason');
  const reasons = await all<{ r: string; n: number }>(db, select({
    select: [{ expr: reason, as: 'r' }, { expr: count(), as: 'n' }], from: reasonsFrom,
    where: and(eq(col('run_id'), num(runId)), isNotNull(reason)), groupBy: [reason], orderBy: [reason],
  }));
  const bounds = [0, ...positions, edges.n];
  const top = edges.topSums!(bounds);
  const tiers = CLV_TIERS.map(({ tier }, j) => ({ tier, n: bounds[j + 1]! - bounds[j]!, clv_sum: top[j + 1]! - top[j]! })).filter((t) => t.n > 0);
  return {
    tot: { n, with_clv: edges.n, ep, clv_sum: edges.n === 0 ? null : top[top.length - 1]!, pa: withPa === 0 ? 0 : pa / withPa },
    reasons: reasons.map((r) => ({ r: String(r.r), n: Number(r.n) })),
    churn: [...churn].map(([tier, t]) => ({ tier, n: t.n, pa: t.pa / t.n })),
    tiers,
  };
}

/** DuckDB's rows per row group (its default, which Segmint does not change). */
const ROW_GROUP_ROWS = 122_880;
/** The key of the rows that pad a run's patterns: no customer has it (keys are whole numbers from 0). */
export const PADDING_KEY = -1;

/**
 * The rows (columns of `fill`) that make a run's `n` patterns a whole number of DuckDB row groups, for a run of a row
 * group or more.
 * A run's patterns are appended (not one batch insert), and a last row group left part full made the checkpoints
 * rewrite it and merge it with the next run's: 0.12-0.3 s at bench/clv's 265,025 patterns, against 0.015 s when the
 * rows fill their row groups. The padding rows compress to almost nothing (constants), and the view never joins
 * them (PADDING_KEY).
 */
export function paddingRows(n: number, fill: readonly number[]): (Float64Array | Int32Array)[] | undefined {
  const padded = Math.ceil(n / ROW_GROUP_ROWS) * ROW_GROUP_ROWS;
  // a run of fewer patterns leaves a small row group, cheap to rewrite
  if (padded === n || n < ROW_GROUP_ROWS) return undefined;
  // appended after the patterns (the same transaction's rows: they fill the same row groups), not copied beside them
  return fill.map((v, j) => (j === 0 ? new Int32Array(padded - n) : new Float64Array(padded - n)).fill(v));
}

/** The CLV of a stored run's customer (alias c) with its pattern (alias p), as the view computes it. */
const clvOf = (margin: number): Expr => mul(mul(castDouble(margin), col('expected_spend', 'c')), col('discounted', 'p'));

/** The first `limit` customers by id of a stored run whose CLV is v, by the join of its customers and patterns. */
async function tiedAt(db: Db, runId: number, margin: number, v: number, limit: number): Promise<string[]> {
  const rows = await all<{ customer_id: string }>(db, select({
    select: [{ expr: col('customer_id', 'c'), as: 'customer_id' }],
    from: table(CUSTOMERS, 'c'),
    joins: [{ type: 'inner', source: table(PATTERNS, 'p'), on: and(eq(col('run_id', 'p'), col('run_id', 'c')), eq(col('k', 'p'), col('k', 'c'))) }],
    where: and(eq(col('run_id', 'c'), num(runId)), eq(clvOf(margin), castDouble(v))),
    orderBy: [col('customer_id', 'c')], limit,
  }));
  return rows.map((r) => String(r.customer_id));
}

/**
 * The customers of a stored run at positions of its rows in rowid order, each with its position as `rid`: by rowid
 * when the run's rowids are one run of numbers from `first`, else by their row number in rowid order.
 */
export function positionLookup(db: Db, runId: number, first: bigint | undefined): RowidLookup {
  const mine = eq(col('run_id'), num(runId));
  if (first !== undefined) {
    return (positions) => all<{ customer_id: string; rid: number }>(db, select({
      select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: cast(sub(col('rowid'), cast(lit(first.toString()), 'bigint')), 'double'), as: 'rid' }],
      from: table(CUSTOMERS),
      where: and(mine, inList(sub(col('rowid'), cast(lit(first.toString()), 'bigint')), positions.map((x) => num(x)))),
      orderBy: [col('customer_id')],
    }));
  }
  return (positions) => all<{ customer_id: string; rid: number }>(db, select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: col('rid'), as: 'rid' }],
    from: subquery(select({
      select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: cast(sub(rowNumber([], [col('rowid')]), num(1)), 'double'), as: 'rid' }],
      from: table(CUSTOMERS), where: mine,
    }), 'q'),
    where: inList(col('rid'), positions.map((x) => num(x))),
    orderBy: [col('customer_id')],
  }));
}

/**
 * Whether every customer with a purchase up to `calibrationEnd` (YYYY-MM-DD) has a pattern key: T under 2^17 days
 * (PATTERN_KEY_DAYS), which holds when the first purchase day of all (of the cache's `cachedStats` when given) or
 * the first transaction is that recent.
 */
export async function everyCustomerKeyed(db: Db, calibrationEnd: string, cachedStats?: string): Promise<boolean> {
  // the cache's first purchase days (its file's statistics answer), else the transactions' first timestamp
  const first = cachedStats ? min(col('first_day')) : fn('to_date', min(col('ts')));
  const r = await one<{ first: string | null }>(db, select({ select: [{ expr: cast(first, 'varchar'), as: 'first' }], from: table(cachedStats ?? 'transactions') }));
  if (!r?.first) return true;
  const days = (Date.parse(`${calibrationEnd.slice(0, 10)}T00:00:00Z`) - Date.parse(`${String(r.first).slice(0, 10)}T00:00:00Z`)) / 86_400_000;
  return Number.isFinite(days) && days < PATTERN_KEY_DAYS;
}
