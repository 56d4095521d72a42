/**
 * The buy-till-you-die summary of a `clv fit` without a holdout, on DuckDB, from the fit's table of purchase days
 * in one aggregation (issue #15).
 *
 * Without a holdout every purchase day in the table (days up to the calibration end) counts, so the summary of
 * features/transaction-summary.ts reduces to one aggregation per customer over the days with a purchase:
 * frequency = purchase days − 1, recency = last − first, T = calibration end − first, monetary = the mean spend of
 * the purchase days after the first = (spend of all − spend of the first) / (purchase days − 1), the first day's
 * spend picked by arg_min. The general query joins the purchase days with each customer's first day and
 * aggregates again; this one skips that join. The spend sums are the same DECIMAL sums, so their difference is
 * exact; divided as a double it is avg()'s value or the neighbouring double (clv-fit-summary.test.ts).
 */
import { PERIOD_DAYS, type Period } from '../features/transaction-summary.ts';
import type { Db } from '../store/workspace.ts';

const quoteName = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The period unit as a DOUBLE literal written exactly (shortest round trip, as the general query divides by it),
 * after checking the period and the calibration end (`who` names the caller in the error).
 */
export function summaryUnit(who: string, calibrationEnd: string, period: Period, multiplier: number): string {
  const unit = PERIOD_DAYS[period] * multiplier;
  if (!(unit > 0) || !Number.isFinite(unit)) throw new Error(`${who}: period ${period} × ${multiplier} is not a length of time`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(calibrationEnd)) throw new Error(`${who}: calibration end ${calibrationEnd} is not a date`);
  return `CAST('${String(unit)}' AS DOUBLE)`;
}

/** The DuckDB text of the summary (customer_id, frequency, recency, T, monetary_value) over the purchase-day table `days`. */
export function fitSummarySql(days: string, calibrationEnd: string, period: Period, multiplier = 1): { sql: string; params: string[] } {
  const u = summaryUnit('fitSummarySql', calibrationEnd, period, multiplier);
  const end = 'CAST($1 AS DATE)';
  const sql = `SELECT "customer_id",
    CAST(count(*) - 1 AS BIGINT) AS "frequency",
    CAST(date_diff('day', CAST(min("d") AS DATE), CAST(max("d") AS DATE)) AS DOUBLE) / ${u} AS "recency",
    CAST(date_diff('day', CAST(min("d") AS DATE), ${end}) AS DOUBLE) / ${u} AS "T",
    CASE WHEN count(*) > 1 THEN CAST(sum("spend") - arg_min("spend", "d") AS DOUBLE) / CAST(count(*) - 1 AS DOUBLE) ELSE 0 END AS "monetary_value"
  FROM ${quoteName(days)}
  WHERE "purchases" > 0 AND "d" <= ${end}
  GROUP BY "customer_id"`;
  return { sql, params: [`${calibrationEnd} 00:00:00`] };
}

/** The summary as the temporary table `name` (DuckDB only). */
export async function fitSummaryTable(db: Db, name: string, days: string, calibrationEnd: string, period: Period, multiplier = 1): Promise<void> {
  if (db.dialect !== 'duckdb') throw new Error('fitSummaryTable: DuckDB only (other engines run features/transaction-summary.ts)');
  const { sql, params } = fitSummarySql(days, calibrationEnd, period, multiplier);
  await db.run(`DROP TABLE IF EXISTS ${quoteName(name)}`);
  await db.createTableAs(name, sql, params, { temporary: true });
}

/**
 * The summary of a `clv fit` without a holdout and the purchase days per day, on DuckDB, in one query over the
 * transactions (issue #15): the purchase days (predictSummarySql's, a CTE, not a table) grouped by customer —
 * rows with `g` = 0: customer_id, frequency, recency, T, monetary_value as fitSummarySql computes them — and by
 * day — rows with `g` = 1: the day `d` and `n`, the customers with a purchase that day (the tracking's purchase
 * days per day). The fit's table of purchase days (2,000,000 rows at bench/clv) is not materialised: it was read
 * only by the summary and by the tracking's count per day. Each grouping set's aggregates are those of a plain
 * GROUP BY over the same rows, so the summary is fitSummarySql's value for value (clv-fit-summary.test.ts).
 */
export function fitSummaryWithDaysSql(calibrationEnd: string, period: Period, multiplier = 1, transactions = 'transactions'): { sql: string; params: string[] } {
  const u = summaryUnit('fitSummaryWithDaysSql', calibrationEnd, period, multiplier);
  const end = 'CAST(CAST($1 AS TIMESTAMP) AS DATE)';
  const sql = `WITH "days" AS (
    SELECT "customer_id", CAST("ts" AS DATE) AS "d", coalesce(sum(CAST("amount" AS DECIMAL(18,4))), 0) AS "spend"
    FROM ${quoteName(transactions)}
    WHERE "customer_id" IS NOT NULL AND CAST("ts" AS DATE) <= ${end}
    GROUP BY "customer_id", CAST("ts" AS DATE)
    HAVING count(*) FILTER (WHERE "is_return" = FALSE) > 0
  )
  SELECT CAST(GROUPING("customer_id") AS INTEGER) AS "g", "customer_id",
    "d",
    CAST(count(*) AS BIGINT) AS "n",
    CAST(count(*) - 1 AS BIGINT) AS "frequency",
    CAST(date_diff('day', min("d"), max("d")) AS DOUBLE) / ${u} AS "recency",
    CAST(date_diff('day', min("d"), ${end}) AS DOUBLE) / ${u} AS "T",
    CASE WHEN count(*) > 1 THEN CAST(sum("spend") - arg_min("spend", "d") AS DOUBLE) / CAST(count(*) - 1 AS DOUBLE) ELSE 0 END AS "monetary_value"
  FROM "days"
  GROUP BY GROUPING SETS (("customer_id"), ("d"))`;
  return { sql, params: [`${calibrationEnd} 00:00:00`] };
}

/** fitSummaryWithDaysSql as the temporary table `name` (DuckDB only). */
export async function fitSummaryWithDaysTable(db: Db, name: string, calibrationEnd: string, period: Period, multiplier = 1): Promise<void> {
  if (db.dialect !== 'duckdb') throw new Error('fitSummaryWithDaysTable: DuckDB only (other engines run features/transaction-summary.ts)');
  const { sql, params } = fitSummaryWithDaysSql(calibrationEnd, period, multiplier);
  await db.run(`DROP TABLE IF EXISTS ${quoteName(name)}`);
  await db.createTableAs(name, sql, params, { temporary: true });
}
