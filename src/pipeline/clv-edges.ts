/**
 * The CLV tier edges of `clv predict`: how many customers have a CLV, the customer at a position of the descending
 * CLV order (ties by customer id), and a CLV as a literal. A customer is in a tier above an edge when it sorts
 * before it, so that the insert ranks every customer with a few comparisons instead of sorting the rows by CLV in
 * the warehouse (a window sort of 1,000,000 rows cost more than reading the CLVs and selecting the edges here).
 *
 * Three sources of the CLVs:
 * - `clvEdges`: a materialised table of the rows (PostgreSQL; ClickHouse 18.16 reads the rows in CLV order instead);
 * - `clvEdgesOfCustomers` (DuckDB, the patterns joined on their key): the CLVs computed here, margin × spend ×
 *   discounted purchases, from each customer's spend and pattern as clv-keyed-customers.ts read them — no join in
 *   the warehouse (issue #15: reading the join's 1,000,000 CLVs was a seventh of `clv predict` at bench/clv);
 * - `clvEdgesOfJoin` (DuckDB, patterns joined on x, t_x and T): the CLVs of the summary ⋈ patterns join.
 * Both DuckDB paths know the summary's rowid of each CLV (read beside the CLVs of the join; a row's position in the
 * summary read in its order), and the customers with an edge's CLV are looked up in the summary by rowid.
 */
import { endianness } from 'node:os';
import { compile } from '../sql/compile.ts';
import { cast, col, eq, inList, isNotNull, lit, num, select, subquery, table, type Expr, type Select } from '../sql/ir.ts';
import type { Workspace } from '../store/workspace.ts';
import type { KeyedCustomers } from './clv-keyed-customers.ts';
import { all } from './run-query.ts';

type Db = Workspace['db'];

/** The CLV edges: how many CLVs there are, the customer at a position of the descending order, and a CLV as a literal. */
export interface ClvEdges {
  n: number;
  /** the customer at each of the positions (0-based, descending CLV, ties by id); undefined past the last */
  at: (ks: readonly number[]) => Promise<({ clv: number; customerId: string } | undefined)[]>;
  value: (v: number) => Expr;
  /** for each m, the sum of the m greatest CLVs (the first m positions; ties have one CLV, so which of them does not matter) */
  topSums?: (ms: readonly number[]) => number[];
}

/** A request for the first `limit` customer ids, in order, of those whose CLV is v. */
interface Tied {
  v: number;
  limit: number;
}

/** A double bound as a parameter: the value read, exactly. */
export const castDouble = (v: number): Expr => cast(lit(v), 'double');

/** Summary rowids of one CLV up to this many are looked up by rowid; more (a degenerate fit) by the join again. */
const MAX_ROWID_LOOKUP = 20_000;

/**
 * The CLVs of `base` in order (descending, ties by customer id) without sorting the rows in the warehouse: the
 * CLVs read as a typed column and ranked here, and the customer at a position looked up among the few with its
 * CLV. ClickHouse 18.16 reads the rows in that order instead (its doubles are compared as it prints them).
 */
export async function clvEdges(db: Db, base: string): Promise<ClvEdges> {
  const clv = col('clv');
  if (db.dialect === 'clickhouse') {
    const order = await all<{ clv: number; customer_id: string }>(db, select({
      select: [{ expr: clv, as: 'clv' }, { expr: col('customer_id'), as: 'customer_id' }], from: table(base), where: isNotNull(clv),
      orderBy: [{ expr: clv, desc: true }, col('customer_id')],
    }));
    return { n: order.length, at: async (ks) => ks.map((k) => (order[k] ? { clv: Number(order[k].clv), customerId: String(order[k].customer_id) } : undefined)), value: (v) => num(v) };
  }
  const c = compile(select({ select: [{ expr: clv, as: 'clv' }], from: table(base), where: isNotNull(clv) }), db.dialect);
  const values = (await db.numericColumns(c.sql, c.params, ['clv'])).clv!;
  return edgesOf(values, eachTied(async (v, limit) => (await all<{ customer_id: string }>(db, select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table(base), where: eq(clv, castDouble(v)), orderBy: [col('customer_id')], limit,
  }))).map((r) => String(r.customer_id))));
}

/** The tied customers of several requests, one request at a time. */
function eachTied(tied: (v: number, limit: number) => Promise<string[]>): (requests: readonly Tied[]) => Promise<string[][]> {
  return async (requests) => {
    const out: string[][] = [];
    for (const r of requests) out.push(await tied(r.v, r.limit));
    return out;
  };
}

/** The customers of the prediction rows `rows` (summary alias `s`) with CLV v, the first `limit` by id: the join again. */
export function tiedByJoin(db: Db, rows: Select, clvOf: (alias: string) => Expr): (v: number, limit: number) => Promise<string[]> {
  return async (v, limit) => (await all<{ customer_id: string }>(db, select({
    select: [{ expr: col('customer_id', 'q'), as: 'customer_id' }],
    from: subquery(select({ select: [{ expr: col('customer_id', 'b'), as: 'customer_id' }, { expr: clvOf('b'), as: 'clv' }], from: subquery(rows, 'b') }), 'q'),
    where: eq(col('clv', 'q'), castDouble(v)), orderBy: [col('customer_id', 'q')], limit,
  }))).map((r) => String(r.customer_id));
}

/**
 * The edges of `values` (the CLVs read, with `rid` the summary rowid of each): the customers with an edge's CLV
 * looked up in the summary by rowid, ordered by customer id as clvEdges orders them, every edge's in one query (a scan
 * of the summary: 15-25 ms each at bench/clv); past MAX_ROWID_LOOKUP of them for one CLV (a degenerate fit), that
 * CLV's by `tiedElse`.
 */
function edgesByRowid(lookup: RowidLookup, values: Float64Array, rid: Float64Array, tiedElse: (v: number, limit: number) => Promise<string[]>): ClvEdges {
  return edgesOf(values, async (requests) => {
    // the rowids of each request's CLV (NaN: every NaN)
    const rowids = requests.map(({ v }) => {
      const ids: number[] = [];
      const nan = Number.isNaN(v);
      for (let i = 0; i < values.length && ids.length <= MAX_ROWID_LOOKUP; i++) if (nan ? Number.isNaN(values[i]!) : values[i] === v) ids.push(rid[i]!);
      return ids.length > MAX_ROWID_LOOKUP ? undefined : ids;
    });
    const wanted = [...new Set(rowids.flatMap((ids) => ids ?? []))];
    // DuckDB's rowid (these paths run on DuckDB only); in customer id order, as the engine compares them
    const found = wanted.length === 0 ? [] : await lookup(wanted);
    const out: string[][] = [];
    for (const [j, r] of requests.entries()) {
      const ids = rowids[j];
      if (!ids) {
        out.push(await tiedElse(r.v, r.limit));
        continue;
      }
      const mine = new Set(ids);
      out.push(found.filter((f) => mine.has(Number(f.rid))).slice(0, r.limit).map((f) => String(f.customer_id)));
    }
    return out;
  });
}

/**
 * The customers at some rowids, with their rowid (`rid`), in customer id order (as the engine compares them): the
 * summary's rows by DuckDB's rowid, or a stored run's customers by their position in it (clv-predict-store.ts).
 */
export type RowidLookup = (rowids: readonly number[]) => Promise<{ customer_id: string; rid: number }[]>;

/** The customers of the summary `summary` by DuckDB's rowid (these paths run on DuckDB only). */
export function summaryRowids(db: Db, summary: string): RowidLookup {
  return (rowids) => all<{ customer_id: string; rid: number }>(db, select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: cast(col('rowid'), 'double'), as: 'rid' }], from: table(summary),
    where: inList(col('rowid'), rowids.map((x) => num(x))), orderBy: [col('customer_id')],
  }));
}

/**
 * clvEdges of the per-customer rows of `rows` (the join of the summary `s`, whose rowid it reads, with the
 * patterns; `clvOf` the CLV of a row under an alias), not materialised (DuckDB): the CLVs are read with the
 * summary's rowids (the same CLV expression over the same rows as the insert: the same doubles). `customers`: how
 * many rows the join gives at most, when known (the CLVs are read straight into arrays of that length).
 */
export async function clvEdgesOfJoin(db: Db, summary: string, rows: Select, clvOf: (alias: string) => Expr, customers?: number): Promise<ClvEdges> {
  const withRowid = { ...rows, select: [...(rows.select === '*' ? [] : rows.select), { expr: col('rowid', 's'), as: 'rid' }] } as Select;
  const c = compile(select({
    select: [{ expr: col('clv', 'q'), as: 'clv' }, { expr: cast(col('rid', 'q'), 'double'), as: 'rid' }],
    from: subquery(select({ select: [{ expr: clvOf('b'), as: 'clv' }, { expr: col('rid', 'b'), as: 'rid' }], from: subquery(withRowid, 'b') }), 'q'),
    where: isNotNull(col('clv', 'q')),
  }), db.dialect);
  const read = await db.numericColumns(c.sql, c.params, ['clv', 'rid'], customers);
  return edgesByRowid(summaryRowids(db, summary), read.clv!, read.rid!, tiedByJoin(db, rows, clvOf));
}

/**
 * clvEdges of the prediction rows without the join (DuckDB, patterns joined on their key `k`), from the customers
 * of the keyed summary as clv-keyed-customers.ts read them (in the summary's order, so a position is a rowid): the
 * CLV is computed here as the rows compute it, (margin × spend) × discounted, with each customer's pattern's
 * discounted purchases (`discounted`, by pattern index): the same IEEE products of the same doubles (the margin is
 * bound as a double, `castDouble`). A customer has a CLV where the spend is not NULL and the discounted purchases
 * are finite (appendDoubles stores the others as NULL), as in the rows. A spend is never NaN (a ratio of finite sums
 * and positive parameters, NULL where undefined), so NaN read is NULL. The customers' keys and spends are
 * overwritten (by the positions and the CLVs of the customers with one): memory touched for the first time costs
 * more than the arithmetic here (issue #15: 8 MB, about 20 ms of the main thread, per array of 1,000,000 doubles).
 * `rows`/`clvOf`: the prediction rows, for an edge's CLV shared by more customers than are looked up by rowid.
 */
export function clvEdgesOfCustomers(
  lookup: RowidLookup, customers: KeyedCustomers, discounted: Float64Array, margin: number, tiedElse: (v: number, limit: number) => Promise<string[]>,
): ClvEdges {
  const { k, spend: s, of } = customers;
  let n = 0;
  for (let i = 0; i < of.length; i++) {
    const d = discounted[of[i]!]!;
    const spend = s[i]!;
    if (!Number.isFinite(d) || spend !== spend) continue;
    s[n] = (margin * spend) * d;
    // the position (rowid) of the n-th customer with a CLV, where the keys were (n ≤ i)
    k[n++] = i;
  }
  return edgesByRowid(lookup, s.subarray(0, n), k.subarray(0, n), tiedElse);
}

/**
 * The edges of `values` (the CLVs that are not NULL, in any order; −0 may be rewritten as 0, nothing else changes),
 * with `tied(requests)` giving, for each request, the first `limit` customer ids, in order, of those whose CLV is v.
 */
function edgesOf(values: Float64Array, tied: (requests: readonly Tied[]) => Promise<string[][]>): ClvEdges {
  const n = values.length;
  let rank: ((k: number) => { v: number; above: number }) | undefined;
  return {
    n, value: castDouble,
    at: async (ks) => {
      const inside = ks.filter((k) => k < n);
      if (inside.length === 0) return ks.map(() => undefined);
      rank ??= descendingRanks(values);
      // customers with a higher CLV come first; the edge is the (k − above)-th of those with CLV v, by id
      const ranked = inside.map((k) => ({ k, ...rank!(k) }));
      const ids = await tied(ranked.map((e) => ({ v: e.v, limit: e.k - e.above + 1 })));
      const byK = new Map(ranked.map((e, j) => {
        const id = ids[j]![e.k - e.above];
        if (id === undefined) throw new Error(`clv predict: no customer at CLV rank ${e.k} (CLV ${e.v}) — the CLV read back does not compare equal`);
        return [e.k, { clv: e.v, customerId: String(id) }] as const;
      }));
      return ks.map((k) => byK.get(k));
    },
    topSums: (ms) => {
      // the m-th greatest value of each m, and how many are above it; then one pass summing the values above each
      rank ??= descendingRanks(values);
      const cut = ms.map((m) => (m <= 0 ? undefined : m >= n ? { v: -Infinity, above: n } : rank!(m - 1)));
      const sums = ms.map(() => 0);
      for (let i = 0; i < n; i++) {
        const x = values[i]!;
        for (let j = 0; j < cut.length; j++) if (cut[j] && x > cut[j]!.v) sums[j]! += x;
      }
      // as many of those equal to the m-th greatest as fill the m positions
      return ms.map((m, j) => (cut[j] && m < n ? sums[j]! + (m - cut[j]!.above) * cut[j]!.v : sums[j]!));
    },
  };
}

/**
 * The value at 0-based position k of `values` in descending order (NaN greatest, as a typed array sorts it; −0 as
 * 0) and how many values are greater, for a few k, without sorting the whole column: the values are counted into
 * 65,536 buckets by the top 16 bits of an order-preserving key of their bits (sign, exponent and 4 bits of
 * mantissa), and only the bucket holding a position asked for is sorted (issue #15: selection by quickselect cost
 * 0.15 s of the main thread for three edges at 1,000,000 customers). `values` is not reordered; each −0 becomes 0.
 */
export function descendingRanks(values: Float64Array): (k: number) => { v: number; above: number } {
  const n = values.length;
  let nan = false;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    if (x === 0) values[i] = 0;
    else if (x !== x) nan = true;
  }
  if (nan || endianness() !== 'LE') {
    // the whole column sorted (NaN last, as the engine's greatest double)
    const sorted = Float64Array.from(values).sort();
    return (k) => {
      const v = sorted[n - 1 - k]!;
      const upper = Number.isNaN(v) ? n : upperBound(sorted, v, 0, n);
      return { v, above: n - upper };
    };
  }
  // little-endian: the high 32 bits of value i are word 2i + 1; ascending keys for ascending values: negatives'
  // bits flipped, positives' sign bit set
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  const bucket = (h: number) => (h & 0x80000000 ? ~h : h | 0x80000000) >>> 16;
  const counts = new Uint32Array(65536);
  for (let i = 0; i < n; i++) counts[bucket(words[2 * i + 1]!)]!++;
  const start = new Uint32Array(65537);
  for (let b = 0; b < 65536; b++) start[b + 1] = start[b]! + counts[b]!;
  // a bucket's values gathered by a pass over the column when a position in it is asked for (a few are), and sorted:
  // no per-value index (6 MB at 1,000,000 values, memory touched for the first time)
  const sortedBuckets = new Map<number, Float64Array>();
  return (k) => {
    const j = n - 1 - k;
    let b = 0;
    while (start[b + 1]! <= j) b++;
    const below = start[b]!;
    let s = sortedBuckets.get(b);
    if (!s) {
      s = new Float64Array(counts[b]!);
      let m = 0;
      for (let i = 0; i < n; i++) if (bucket(words[2 * i + 1]!) === b) s[m++] = values[i]!;
      s.sort();
      sortedBuckets.set(b, s);
    }
    const v = s[j - below]!;
    return { v, above: n - below - upperBound(s, v, 0, s.length) };
  };
}

/** The first index in [lo, hi) of sorted `a` whose value is greater than v. */
function upperBound(a: Float64Array, v: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
