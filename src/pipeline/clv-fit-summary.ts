/**
 * The buy-till-you-die summary of a `clv fit` without a holdout, from the purchase days in one aggregation
 * (issue #15), as IR (docs/sql.md); run on DuckDB.
 *
 * Without a holdout every purchase day up to the calibration end counts, so the summary of
 * features/transaction-summary.ts reduces to one aggregation per customer over the days with a purchase:
 * frequency = purchase days − 1, recency = last − first, T = calibration end − first, monetary = the mean spend of
 * the purchase days after the first = (spend of all − spend of the first) / (purchase days − 1), the first day's
 * spend picked by arg_min. The general query joins the purchase days with each customer's first day and
 * aggregates again; this one skips that join. The spend sums are the same DECIMAL sums, so their difference is
 * exact; divided as a double it is avg()'s value or the neighbouring double (clv-fit-summary.test.ts).
 */
import { PERIOD_DAYS, purchaseDays, type Period } from '../features/transaction-summary.ts';
import { compile } from '../sql/compile.ts';
import {
  add, and, argMin, coalesce, lit, daysBetween, bool, cast, caseWhen, col, count, eq, fn, grouping, gt, le, lt, max, min, mul, num, param, select, sub, sum, table, div, floor,
  type Expr, type Query, type Select, type SelectItem,
} from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { CACHED_GROUP_FIGURES, type CachedPurchaseDays } from './clv-purchase-cache.ts';

/** The period unit in days (× the multiplier), after checking the period and the calibration end (`who` names the caller in the error). */
export function summaryUnitDays(who: string, calibrationEnd: string, period: Period, multiplier: number): number {
  const unit = PERIOD_DAYS[period] * multiplier;
  if (!(unit > 0) || !Number.isFinite(unit)) throw new Error(`${who}: period ${period} × ${multiplier} is not a length of time`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(calibrationEnd)) throw new Error(`${who}: calibration end ${calibrationEnd} is not a date`);
  return unit;
}

/** The calibration end as a date (a bound timestamp at midnight UTC, cast). */
export const calibrationEndDate = (calibrationEnd: string): Expr => fn('to_date', param(new Date(`${calibrationEnd}T00:00:00Z`)));

/** Days of T up to which the pattern key packs frequency, recency and T in days (each below 2^17) exactly into a double (< 2^51). */
export const PATTERN_KEY_DAYS = 131072;

/**
 * frequency, recency and T of a pattern key `k` (summaryColumnsOf's "k"), the values summaryColumnsOf gives: the
 * frequency a whole number (as a double), recency and T the days as doubles divided by the unit, the number literal
 * summaryColumnsOf divides by. Exact: k < 2^51, and its quotients by powers of two, their floors and the differences
 * of those are whole doubles below 2^51.
 */
export function keyColumns(k: Expr, unit: number): { frequency: Expr; recency: Expr; T: Expr } {
  const K = num(PATTERN_KEY_DAYS);
  const frequency = floor(div(k, num(PATTERN_KEY_DAYS * PATTERN_KEY_DAYS)));
  // frequency · 2^17 + recency in days
  const upper = floor(div(k, K));
  return { frequency, recency: div(sub(upper, mul(frequency, K)), num(unit)), T: div(sub(k, mul(upper, K)), num(unit)) };
}

/**
 * The summary columns over purchase days (columns customer_id, d, spend; one row per purchase day), aggregated
 * per customer: frequency, recency, T, monetary_value, as features/transaction-summary.ts defines them (the period
 * unit divides as a number literal, as there). `withKey`: also "k", the customer's (x, t_x, T) pattern as one double,
 * (frequency · 2^17 + recency in days) · 2^17 + T in days — frequency ≤ recency ≤ T in days, so below 2^17 each and
 * one pattern per value; NULL where T is 2^17 days or more (the caller then joins on the three columns).
 */
export function summaryColumns(end: Expr, unit: number, withKey = false): SelectItem[] {
  const d = col('d');
  return summaryColumnsOf({ first: min(d), last: max(d), days: count(), spend: sum(col('spend')), firstSpend: argMin(col('spend'), d) }, end, unit, withKey);
}

/**
 * A customer's purchase days as summaryColumns reads them: the first and last day, how many, their spend (the exact
 * DECIMAL sum of the days' net spend) and the first day's spend; aggregates over the purchase days, or a cached row's
 * columns (clv-purchase-cache.ts), which give the same values.
 */
export interface PurchaseDayFigures {
  first: Expr;
  last: Expr;
  days: Expr;
  spend: Expr;
  firstSpend: Expr;
}

/** summaryColumns from a customer's purchase-day figures (see there). */
export function summaryColumnsOf(f: PurchaseDayFigures, end: Expr, unit: number, withKey = false): SelectItem[] {
  const repeat = sub(f.days, num(1));
  const u = num(unit);
  const items: SelectItem[] = [
    { expr: cast(repeat, 'bigint'), as: 'frequency' },
    { expr: div(cast(fn('days_between', f.first, f.last), 'double'), u), as: 'recency' },
    { expr: div(cast(fn('days_between', f.first, end), 'double'), u), as: 'T' },
    { expr: caseWhen([[gt(f.days, num(1)), div(cast(sub(f.spend, f.firstSpend), 'double'), cast(repeat, 'double'))]], num(0)), as: 'monetary_value' },
  ];
  if (withKey) {
    const K = num(PATTERN_KEY_DAYS);
    const tDays = fn('days_between', f.first, end);
    items.push({ expr: caseWhen([[lt(tDays, K), cast(add(mul(add(mul(repeat, K), fn('days_between', f.first, f.last)), K), tDays), 'double')]]), as: 'k' });
  }
  return items;
}

/**
 * The purchase days to the calibration end straight from the transactions: features/transaction-summary.ts's
 * purchaseDays (customer, day, the day's net spend as a DECIMAL(18,4) sum with its returns, the day's purchase lines)
 * kept to the days with a purchase line, so that a return-only day is no purchase day.
 */
export function purchaseDaysUpTo(calibrationEnd: string, transactions = 'transactions'): Select {
  const days = purchaseDays(new Date(`${calibrationEnd}T00:00:00Z`), transactions);
  return select({ ...days, having: gt(count(undefined, { filter: eq(col('is_return'), bool(false)) }), num(0)) });
}

/** The summary (customer_id, frequency, recency, T, monetary_value) over the purchase-day table `days` (features/transaction-summary.ts's purchaseDays). */
export function fitSummaryQuery(days: string, calibrationEnd: string, period: Period, multiplier = 1): Select {
  const unit = summaryUnitDays('fitSummaryQuery', calibrationEnd, period, multiplier);
  const end = calibrationEndDate(calibrationEnd);
  return select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, ...summaryColumns(end, unit)],
    from: table(days),
    where: and(gt(col('purchases'), num(0)), le(col('d'), end)),
    groupBy: [col('customer_id')],
  });
}

/** What a `clv fit` without a holdout reads, grouped (fitGroups): patterns, spend pairs and purchase days per day. */
export interface FitGroups {
  /** the distinct (x, t_x, T) with their customers, in (x, t_x, T) order */
  patterns: { x: Float64Array; tx: Float64Array; T: Float64Array; n: Float64Array };
  /** the distinct (frequency, mean spend) pairs with their customers, in value order */
  spend: { x: Float64Array; monetary: Float64Array; weights: Float64Array };
  /** each day with a purchase day (days since 1970-01-01, in day order) and the customers with one that day */
  days: { epochDay: Float64Array; n: Float64Array };
}

/**
 * Everything a `clv fit` without a holdout reads of the purchases, in one query over the transactions (issue #15): the
 * purchase days (purchaseDaysUpTo, a CTE) grouped by customer into the summary of fitSummaryQuery and by day (the
 * tracking's purchase days per day), and those rows grouped again — the customers by (x, t_x, T) pattern (part 0),
 * by (frequency, mean spend) pair (part 1) — beside the day rows (part 2). Columns: part; a = x (parts 0 and 1) or the
 * day as days since 1970-01-01 (part 2); b = t_x (part 0) or the mean spend (part 1); c = T (part 0); n = customers.
 * In (part, a, b, c) order. The per-customer summary (1,000,000 rows at bench/clv) is never written out: a table of
 * it cost 0.2 s to write and 0.2 s more to group back, and the fit reads only these groups. Each grouping's
 * aggregates are those of a plain GROUP BY over the same rows (clv-fit-summary.test.ts). From the cache of
 * clv-purchase-cache.ts the fit reads the same groups instead (cachedFitReads).
 */
export function fitGroupsQuery(calibrationEnd: string, period: Period, multiplier = 1): Select {
  const unit = summaryUnitDays('fitGroupsQuery', calibrationEnd, period, multiplier);
  const end = calibrationEndDate(calibrationEnd);
  // the customer rows (g = 0) and the day rows (g = 1) from the transactions in one aggregation
  const summary: Query = select({
    select: [
      { expr: cast(grouping(col('customer_id')), 'integer'), as: 'g' },
      { expr: col('d'), as: 'd' },
      { expr: cast(count(), 'double'), as: 'n' },
      ...summaryColumns(end, unit),
    ],
    from: table('days'),
    groupingSets: [[col('customer_id')], [col('d')]],
  });
  // which grouping set a row is of: the day's (2), the pattern's (0: recency grouped) or the spend pair's (1)
  const byDay = eq(grouping(col('d')), num(0));
  const part = caseWhen([[byDay, num(2)], [eq(grouping(col('recency')), num(0)), num(0)]], num(1));
  const x = cast(col('frequency'), 'double');
  const epochDay = cast(daysBetween(cast(lit('1970-01-01'), 'date'), col('d')), 'double');
  return select({
    with: [{ name: 'days', query: purchaseDaysUpTo(calibrationEnd) }, { name: 'summary', query: summary }],
    select: [
      { expr: cast(part, 'double'), as: 'part' },
      { expr: caseWhen([[byDay, epochDay]], x), as: 'a' },
      { expr: coalesce(caseWhen([[byDay, num(0)], [eq(grouping(col('recency')), num(0)), col('recency')]], col('monetary_value')), num(0)), as: 'b' },
      { expr: caseWhen([[byDay, num(0)]], coalesce(col('T'), num(0))), as: 'c' },
      { expr: caseWhen([[byDay, sum(col('n'))]], cast(count(), 'double')), as: 'n' },
    ],
    from: table('summary'),
    // the customer rows (g = 0) in the first two sets, the day rows (g = 1) in the third
    groupingSets: [[col('g'), col('frequency'), col('recency'), col('T')], [col('g'), col('frequency'), col('monetary_value')], [col('g'), col('d')]],
    having: eq(col('g'), caseWhen([[byDay, num(1)]], num(0))),
    orderBy: [col('part'), col('a'), col('b'), col('c')],
  });
}

/**
 * What a fit reads of the cache (clv-purchase-cache.ts), whose customers are grouped already in figures that do not
 * depend on the calibration end: each (first day, last day, purchase days) group is one (x, t_x, T) pattern for a
 * given end (x, t_x and T in days give the three back), and each (purchase days, spend after the first) group one
 * (x, mean spend) pair, or a few whose means round to the same double, which are summed as the customers' GROUP BY
 * sums them. The columns are summaryColumnsOf's expressions over the groups' figures, so the same doubles as over
 * each customer's (clv-purchase-cache.test.ts compares them). A fit then reads 380,000 grouped rows instead of
 * grouping a million customers twice. Three reads, in the files' order: the cache writes them in (x, t_x, T),
 * (x, mean spend) and day order, so the reads need no sort (an ORDER BY of the 380,000 rows was 0.2 s of the engine's
 * time); `cachedFitGroups` checks the order. `sorted`: each read sorted by the engine (for files whose order was not
 * kept). Issue #15: the fit's read 0.47 → 0.16 s at bench/clv.
 */
export function cachedFitReads(cached: CachedPurchaseDays, calibrationEnd: string, period: Period, multiplier = 1, sorted = false): { patterns: Select; spends: Select; days: Select } {
  const unit = summaryUnitDays('cachedFitReads', calibrationEnd, period, multiplier);
  const end = calibrationEndDate(calibrationEnd);
  const item = (items: SelectItem[], name: string): Expr => items.find((i) => i.as === name)!.expr;
  const pattern = summaryColumnsOf(CACHED_GROUP_FIGURES.patterns, end, unit);
  const spend = summaryColumnsOf(CACHED_GROUP_FIGURES.spends, end, unit);
  const customers = cast(col('customers'), 'double');
  const order = (...names: string[]) => (sorted ? { orderBy: names.map((c) => col(c)) } : {});
  return {
    patterns: select({
      select: [{ expr: cast(item(pattern, 'frequency'), 'double'), as: 'x' }, { expr: item(pattern, 'recency'), as: 'tx' }, { expr: item(pattern, 'T'), as: 't' }, { expr: customers, as: 'n' }],
      from: table(cached.patterns), ...order('x', 'tx', 't'),
    }),
    spends: select({
      select: [{ expr: cast(item(spend, 'frequency'), 'double'), as: 'x' }, { expr: coalesce(item(spend, 'monetary_value'), num(0)), as: 'm' }, { expr: customers, as: 'n' }],
      from: table(cached.spends), ...order('x', 'm'),
    }),
    days: select({
      select: [{ expr: cast(daysBetween(cast(lit('1970-01-01'), 'date'), col('d')), 'double'), as: 'a' }, { expr: cast(col('n'), 'double'), as: 'n' }],
      from: table(cached.days), ...order('a'),
    }),
  };
}

/**
 * The cache's three reads (cachedFitReads) as FitGroups: undefined where a read is out of order (the engine did not
 * keep a file's order: fitGroups reads them again `sorted`). The spend pairs' neighbours with the same (x, mean spend)
 * are summed here, as the GROUP BY of fitGroupsQuery sums them.
 */
export async function cachedFitGroups(db: Db, cached: CachedPurchaseDays, calibrationEnd: string, period: Period, multiplier: number, sorted = false): Promise<FitGroups | undefined> {
  const r = cachedFitReads(cached, calibrationEnd, period, multiplier, sorted);
  const read = async (q: Select, names: string[], shared = false) => {
    const c = compile(q, db.dialect);
    return db.numericColumns(c.sql, c.params, names, undefined, shared);
  };
  // on shared memory: the patterns are sent to Pareto/NBD's worker as they are (fitGroups)
  const p = await read(r.patterns, ['x', 'tx', 't', 'n'], true);
  const s = await read(r.spends, ['x', 'm', 'n']);
  const d = await read(r.days, ['a', 'n']);
  const x = p.x!, tx = p.tx!, T = p.t!;
  for (let i = 1; i < x.length; i++) {
    const before = x[i]! - x[i - 1]! || tx[i]! - tx[i - 1]! || T[i]! - T[i - 1]!;
    if (!(before > 0)) return undefined;
  }
  for (let i = 1; i < d.a!.length; i++) if (!(d.a![i]! > d.a![i - 1]!)) return undefined;
  const sx = s.x!, sm = s.m!, sn = s.n!;
  let m = 0;
  for (let i = 0; i < sx.length; i++) {
    if (i > 0) {
      const before = sx[i]! - sx[m - 1]! || sm[i]! - sm[m - 1]!;
      if (before < 0 || Number.isNaN(before)) return undefined;
      if (before === 0) {
        sn[m - 1]! += sn[i]!;
        continue;
      }
    }
    sx[m] = sx[i]!;
    sm[m] = sm[i]!;
    sn[m++] = sn[i]!;
  }
  return {
    patterns: { x, tx, T, n: p.n! },
    spend: { x: sx.subarray(0, m), monetary: sm.subarray(0, m), weights: sn.subarray(0, m) },
    days: { epochDay: d.a!, n: d.n! },
  };
}

/** fitGroupsQuery run and read as typed columns, split by part (DuckDB only); from the cache's groups when given (cachedFitGroups). */
export async function fitGroups(db: Db, calibrationEnd: string, period: Period, multiplier = 1, cached?: CachedPurchaseDays): Promise<FitGroups> {
  if (db.dialect !== 'duckdb') throw new Error('fitGroups: DuckDB only (other engines run features/transaction-summary.ts)');
  // from the cache: its grouped files read in their order, sorted by the engine only where that order was not kept
  if (cached) return (await cachedFitGroups(db, cached, calibrationEnd, period, multiplier)) ?? (await cachedFitGroups(db, cached, calibrationEnd, period, multiplier, true))!;
  const q = compile(fitGroupsQuery(calibrationEnd, period, multiplier), db.dialect);
  // on shared memory: the patterns are sent to Pareto/NBD's worker as they are (a structured clone of 265,025 × 4
  // doubles cost 40 ms of this thread and as much of the worker's at bench/clv)
  const r = await db.numericColumns(q.sql, q.params, ['part', 'a', 'b', 'c', 'n'], undefined, true);
  const part = r.part!;
  // the first row of each part (rows are in part order)
  const from = (p: number) => {
    let i = 0;
    while (i < part.length && part[i]! < p) i++;
    return i;
  };
  const s1 = from(1);
  const s2 = from(2);
  const cut = (c: Float64Array, i: number, j: number) => c.subarray(i, j);
  return {
    patterns: { x: cut(r.a!, 0, s1), tx: cut(r.b!, 0, s1), T: cut(r.c!, 0, s1), n: cut(r.n!, 0, s1) },
    spend: { x: cut(r.a!, s1, s2), monetary: cut(r.b!, s1, s2), weights: cut(r.n!, s1, s2) },
    days: { epochDay: cut(r.a!, s2, part.length), n: cut(r.n!, s2, part.length) },
  };
}
