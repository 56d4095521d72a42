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
import {
  add, and, argMin, bool, cast, caseWhen, col, count, eq, fn, grouping, gt, le, lt, max, min, mul, num, param, select, sub, sum, table, div,
  type Expr, type Select, type SelectItem,
} from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { materialise } from './value.ts';

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
 * The summary columns over purchase days (columns customer_id, d, spend; one row per purchase day), aggregated
 * per customer: frequency, recency, T, monetary_value, as features/transaction-summary.ts defines them (the period
 * unit divides as a number literal, as there). `withKey`: also "k", the customer's (x, t_x, T) pattern as one double,
 * (frequency · 2^17 + recency in days) · 2^17 + T in days — frequency ≤ recency ≤ T in days, so below 2^17 each and
 * one pattern per value; NULL where T is 2^17 days or more (the caller then joins on the three columns).
 */
export function summaryColumns(end: Expr, unit: number, withKey = false): SelectItem[] {
  const d = col('d');
  const first = min(d);
  const days = count();
  const repeat = sub(days, num(1));
  const u = num(unit);
  const items: SelectItem[] = [
    { expr: cast(repeat, 'bigint'), as: 'frequency' },
    { expr: div(cast(fn('days_between', first, max(d)), 'double'), u), as: 'recency' },
    { expr: div(cast(fn('days_between', first, end), 'double'), u), as: 'T' },
    {
      expr: caseWhen([[gt(days, num(1)), div(cast(sub(sum(col('spend')), argMin(col('spend'), d)), 'double'), cast(repeat, 'double'))]], num(0)),
      as: 'monetary_value',
    },
  ];
  if (withKey) {
    const K = num(PATTERN_KEY_DAYS);
    const tDays = fn('days_between', first, end);
    items.push({ expr: caseWhen([[lt(tDays, K), cast(add(mul(add(mul(repeat, K), fn('days_between', first, max(d))), K), tDays), 'double')]]), as: 'k' });
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

/**
 * The summary of a `clv fit` without a holdout and the purchase days per day in one query over the transactions
 * (issue #15): the purchase days (purchaseDaysUpTo, a CTE, not a table) grouped by customer — rows with `g` = 0:
 * customer_id, frequency, recency, T, monetary_value as fitSummaryQuery computes them — and by day — rows with
 * `g` = 1: the day `d` and `n`, the customers with a purchase that day (the tracking's purchase days per day). The
 * fit's table of purchase days (2,000,000 rows at bench/clv) is not materialised: it was read only by the summary
 * and by the tracking's count per day. Each grouping set's aggregates are those of a plain GROUP BY over the same
 * rows, so the summary is fitSummaryQuery's value for value (clv-fit-summary.test.ts).
 */
export function fitSummaryWithDaysQuery(calibrationEnd: string, period: Period, multiplier = 1, transactions = 'transactions'): Select {
  const unit = summaryUnitDays('fitSummaryWithDaysQuery', calibrationEnd, period, multiplier);
  const end = calibrationEndDate(calibrationEnd);
  return select({
    with: [{ name: 'days', query: purchaseDaysUpTo(calibrationEnd, transactions) }],
    select: [
      { expr: cast(grouping(col('customer_id')), 'integer'), as: 'g' },
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: col('d'), as: 'd' },
      { expr: cast(count(), 'bigint'), as: 'n' },
      ...summaryColumns(end, unit),
    ],
    from: table('days'),
    groupingSets: [[col('customer_id')], [col('d')]],
  });
}

/** fitSummaryWithDaysQuery as the temporary table `name` (DuckDB only). */
export async function fitSummaryWithDaysTable(db: Db, name: string, calibrationEnd: string, period: Period, multiplier = 1): Promise<void> {
  if (db.dialect !== 'duckdb') throw new Error('fitSummaryWithDaysTable: DuckDB only (other engines run features/transaction-summary.ts)');
  await materialise({ db }, name, fitSummaryWithDaysQuery(calibrationEnd, period, multiplier));
}
