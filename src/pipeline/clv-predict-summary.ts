/**
 * The buy-till-you-die summary `clv predict` reads, on DuckDB, in one pass of two aggregations (issue #15).
 *
 * A prediction has no holdout: every purchase day up to the calibration end counts. The summary of
 * features/transaction-summary.ts then reduces to one aggregation per customer over their purchase days
 * (a day with at least one line that is not a return): frequency = purchase days − 1, recency = last − first,
 * T = calibration end − first, monetary = mean spend of the purchase days after the first, which is
 * (spend of all purchase days − spend of the first) / (purchase days − 1), the first day's spend picked by
 * arg_min. The general query joins the purchase days with each customer's first day and aggregates again;
 * this one skips that join (a hash join over 1,000,000 customers and two million purchase days).
 *
 * The spend sums are the same DECIMAL(18,4) sums as there, so the difference of two is exact; the mean is
 * that exact sum divided as a double, where avg() divides it in extended precision: the same value, or the
 * neighbouring double. transaction-summary.test.ts's expectations hold for both (clv-predict-summary.test.ts).
 */
import type { Period } from '../features/transaction-summary.ts';
import { summaryUnit } from './clv-fit-summary.ts';
import type { Db } from '../store/workspace.ts';

/** Days of T up to which `k` packs frequency, recency and T in days (each below 2^17) exactly into a double (< 2^51). */
export const PATTERN_KEY_DAYS = 131072;

/**
 * The DuckDB text of the summary (columns customer_id, frequency, recency, T, monetary_value) and its parameters.
 * `withKey`: also "k", the customer's (x, t_x, T) pattern as one double, (frequency · 2^17 + recency in days) · 2^17
 * + T in days — frequency ≤ recency ≤ T in days, so below 2^17 each and one pattern per value; NULL where T is
 * 2^17 days or more (the caller then joins on the three columns).
 */
export function predictSummarySql(calibrationEnd: string, period: Period, multiplier = 1, transactions = 'transactions', withKey = false): { sql: string; params: string[] } {
  const u = summaryUnit('predictSummarySql', calibrationEnd, period, multiplier);
  const end = 'CAST(CAST($1 AS TIMESTAMP) AS DATE)';
  const sql = `WITH "days" AS (
    SELECT "customer_id", CAST("ts" AS DATE) AS "d", coalesce(sum(CAST("amount" AS DECIMAL(18,4))), 0) AS "spend"
    FROM "${transactions.replace(/"/g, '""')}"
    WHERE "customer_id" IS NOT NULL AND CAST("ts" AS DATE) <= ${end}
    GROUP BY "customer_id", CAST("ts" AS DATE)
    HAVING count(*) FILTER (WHERE "is_return" = FALSE) > 0
  )
  SELECT "customer_id",
    CAST(count(*) - 1 AS BIGINT) AS "frequency",
    CAST(date_diff('day', min("d"), max("d")) AS DOUBLE) / ${u} AS "recency",
    CAST(date_diff('day', min("d"), ${end}) AS DOUBLE) / ${u} AS "T",
    CASE WHEN count(*) > 1 THEN CAST(sum("spend") - arg_min("spend", "d") AS DOUBLE) / CAST(count(*) - 1 AS DOUBLE) ELSE 0 END AS "monetary_value"${withKey ? `,
    CASE WHEN date_diff('day', min("d"), ${end}) < ${PATTERN_KEY_DAYS}
      THEN CAST(((count(*) - 1) * ${PATTERN_KEY_DAYS} + date_diff('day', min("d"), max("d"))) * ${PATTERN_KEY_DAYS} + date_diff('day', min("d"), ${end}) AS DOUBLE) END AS "k"` : ''}
  FROM "days"
  GROUP BY "customer_id"`;
  return { sql, params: [`${calibrationEnd} 00:00:00`] };
}

/** The summary as the temporary table `name` (DuckDB only), with the pattern key `k` (predictSummarySql). */
export async function predictSummaryTable(db: Db, name: string, calibrationEnd: string, period: Period, multiplier = 1): Promise<void> {
  if (db.dialect !== 'duckdb') throw new Error('predictSummaryTable: DuckDB only (other engines run features/transaction-summary.ts)');
  const { sql, params } = predictSummarySql(calibrationEnd, period, multiplier, 'transactions', true);
  await db.run(`DROP TABLE IF EXISTS "${name}"`);
  await db.createTableAs(name, sql, params, { temporary: true });
}
