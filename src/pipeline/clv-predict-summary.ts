/**
 * The buy-till-you-die summary `clv predict` reads, in one pass of two aggregations (issue #15), as IR; run on DuckDB.
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
import { col, select, subquery, table, type Expr, type Select } from '../sql/ir.ts';
import { calibrationEndDate, PATTERN_KEY_DAYS, purchaseDaysUpTo, summaryColumns, summaryColumnsOf, summaryUnitDays } from './clv-fit-summary.ts';
import { CACHED_FIGURES, type CachedPurchaseDays } from './clv-purchase-cache.ts';
import type { Db } from '../store/workspace.ts';
import { materialise } from './value.ts';

export { PATTERN_KEY_DAYS };

/**
 * The summary (columns customer_id, frequency, recency, T, monetary_value) to the calibration end; `withKey`: also
 * "k", the pattern key (clv-fit-summary.ts's summaryColumns).
 */
export function predictSummaryQuery(calibrationEnd: string, period: Period, multiplier = 1, transactions = 'transactions', withKey = false, cached?: CachedPurchaseDays): Select {
  const unit = summaryUnitDays('predictSummaryQuery', calibrationEnd, period, multiplier);
  const end = calibrationEndDate(calibrationEnd);
  // from the cache of the customers' purchase days (clv-purchase-cache.ts), when it covers the calibration end
  if (cached) return select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, ...summaryColumnsOf(CACHED_FIGURES, end, unit, withKey)], from: table(cached.stats) });
  return select({
    with: [{ name: 'days', query: purchaseDaysUpTo(calibrationEnd, transactions) }],
    select: [{ expr: col('customer_id'), as: 'customer_id' }, ...summaryColumns(end, unit, withKey)],
    from: table('days'),
    groupBy: [col('customer_id')],
  });
}

/**
 * The summary as the temporary table `name` (DuckDB only), with the pattern key `k` (predictSummaryQuery); from the
 * cache when given; with `extra` columns computed over the summary's (its columns by name, unqualified). `keyOnly`:
 * without frequency, recency and T, which its readers compute from `k` (keyColumns; every k must then be non-NULL):
 * three columns fewer for a million customers, 24 MB less memory touched for the first time (issue #15). Returns the
 * period unit in days its columns divide by (keyColumns' unit).
 */
export async function predictSummaryTable(
  db: Db, name: string, calibrationEnd: string, period: Period, multiplier = 1, cached?: CachedPurchaseDays, extra: readonly { expr: Expr; as: string }[] = [], keyOnly = false,
): Promise<number> {
  if (db.dialect !== 'duckdb') throw new Error('predictSummaryTable: DuckDB only (other engines run features/transaction-summary.ts)');
  await materialise({ db }, name, keyedSummaryQuery(calibrationEnd, period, multiplier, cached, extra, keyOnly));
  return summaryUnitDays('predictSummaryTable', calibrationEnd, period, multiplier);
}

/** predictSummaryTable's query: the summary with the key `k`, `extra` columns and, `keyOnly`, without frequency, recency and T. */
export function keyedSummaryQuery(calibrationEnd: string, period: Period, multiplier = 1, cached?: CachedPurchaseDays, extra: readonly { expr: Expr; as: string }[] = [], keyOnly = false): Select {
  const q = predictSummaryQuery(calibrationEnd, period, multiplier, 'transactions', true, cached);
  const kept = keyOnly ? ['customer_id', 'monetary_value', 'k'] : ['customer_id', 'frequency', 'recency', 'T', 'monetary_value', 'k'];
  return extra.length === 0 && !keyOnly ? q : select({ select: [...kept.map((c) => ({ expr: col(c), as: c })), ...extra], from: subquery(q, 'u') });
}
