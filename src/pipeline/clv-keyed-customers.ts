/**
 * The customers of DuckDB's keyed predict summary (clv-predict-summary.ts with keyOnly: customer_id,
 * monetary_value, the pattern key k and the spend columns), read once for the two things `clv predict` needs of
 * them (issue #15): the distinct (x, t_x, T) patterns with their customers, grouped here by key, and each customer's
 * pattern and spend, from which clv-edges.ts computes the CLV tier edges. At bench/clv the engine's GROUP BY k took
 * 0.17 s and a second read of the keys and spends for the edges 0.07 s; grouping the keys read here is a pass with a
 * hash table of the distinct keys (patterns.ts `index`, 0.08-0.13 s, mostly memory touched for the first time), and
 * the edges then need no lookup of each customer's key: about 0.04 s less in all.
 */
import { index } from '../models/clv/patterns.ts';
import { compile } from '../sql/compile.ts';
import { col, count, select, table, type Expr } from '../sql/ir.ts';
import type { Workspace } from '../store/workspace.ts';
import { PATTERN_KEY_DAYS } from './clv-fit-summary.ts';
import { SPEND_COLUMNS } from './clv-prediction-rows.ts';
import { one } from './run-query.ts';

/** The patterns of a keyed summary: key, x, t_x, T (as the summary's readers compute them from the key) and customers. */
export interface KeyedPatterns {
  k: Float64Array;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  n: Float64Array;
}

export interface KeyedCustomers {
  /** each customer's pattern key, in the summary's order (a position is the row's rowid); the edges overwrite it */
  k: Float64Array;
  /** each customer's Gamma-Gamma spend (SPEND_COLUMNS.spend; NaN where NULL); the edges overwrite it */
  spend: Float64Array;
  /** each customer's pattern: an index into `patterns` */
  of: Int32Array;
  patterns: KeyedPatterns;
}

/**
 * Read the summary `summary` (keyed, period unit `unit` in days; its rows `where`, `rows` of them when known) in its
 * order; undefined when some customer has no key (T of 2^17 days or more: the caller summarises again with frequency, recency and T).
 */
export async function readKeyedCustomers(db: Workspace['db'], summary: string, unit: number, where?: Expr, rows?: number): Promise<KeyedCustomers | undefined> {
  // the count first, so that the columns are read straight into arrays of that length
  const n = rows ?? Number((await one<{ n: number }>(db, select({ select: [{ expr: count(), as: 'n' }], from: table(summary), ...(where ? { where } : {}) })))!.n);
  const c = compile(select({ select: [{ expr: col('k'), as: 'k' }, { expr: col(SPEND_COLUMNS.spend), as: 'spend' }], from: table(summary), ...(where ? { where } : {}) }), db.dialect);
  const read = await db.numericColumns(c.sql, c.params, ['k', 'spend'], n);
  const k = read.k!;
  for (let i = 0; i < k.length; i++) if (k[i] !== k[i]) return undefined;
  const { u, i: of } = index(k);
  const counts = new Float64Array(u.length);
  for (let i = 0; i < of.length; i++) counts[of[i]!]!++;
  return { k, spend: read.spend!, of, patterns: { k: u, ...keyValues(u, unit), n: counts } };
}

/**
 * frequency (x), recency (t_x) and T of pattern keys, the values clv-fit-summary.ts's keyColumns computes from them
 * in SQL with the same double operations (a floor of a quotient by a power of two, exact; differences of whole
 * doubles below 2^51, exact; one division by the unit), so the same doubles: the join on the key and the rows'
 * columns computed from it agree with the patterns predicted here (clv-keyed-customers.test.ts compares them).
 */
export function keyValues(keys: Float64Array, unit: number): { x: Float64Array; tx: Float64Array; T: Float64Array } {
  const K = PATTERN_KEY_DAYS;
  const KK = PATTERN_KEY_DAYS * PATTERN_KEY_DAYS;
  const x = new Float64Array(keys.length);
  const tx = new Float64Array(keys.length);
  const T = new Float64Array(keys.length);
  for (let j = 0; j < keys.length; j++) {
    const k = keys[j]!;
    const f = Math.floor(k / KK);
    const upper = Math.floor(k / K);
    x[j] = f;
    tx[j] = (upper - f * K) / unit;
    T[j] = (k - upper * K) / unit;
  }
  return { x, tx, T };
}
