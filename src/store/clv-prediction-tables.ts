/**
 * How DuckDB stores `clv predict`'s rows (schema version 15, issue #15): `clv_predictions` is a view, and a run
 * keyed by pattern is kept in three narrow tables instead of one wide row per customer.
 *
 * Most of a prediction row depends on the customer's (x, t_x, T) pattern only: frequency, recency, T, P(alive), the
 * expected purchases, the days to the next purchase and the churn tier. At bench/clv a million customers share about
 * 265,000 patterns, and writing those seven columns for every customer was half of the insert (each double column
 * about 40 ms, each tier column 80-150 ms; the whole insert 1.0-1.3 s of `clv predict`'s 2.8 s). So:
 * - `clv_prediction_customers`: per customer the pattern key k (clv-fit-summary.ts summaryColumns), the mean spend,
 *   the Gamma-Gamma spend and the reason it is undefined — written straight from the summary, in customer order;
 * - `clv_prediction_patterns`: per pattern its key and the predictions, all numbers (appended from the typed arrays
 *   they are computed in);
 * - `clv_prediction_runs`: per run the period unit of the keys, the margin, whether P(alive) tells customers apart,
 *   and the three CLV tier edges (the customer at each tier's edge in descending CLV order, ties by customer id:
 *   clv-edges.ts).
 * The view joins them and computes what is left per customer exactly as the wide rows compute it: frequency,
 * recency and T from the key (clv-fit-summary.ts keyColumns, the same double operations), the CLV as
 * (margin × spend) × discounted purchases, its tier by comparing with the edges, the churn tier from P(alive)
 * (scoring/clv.ts churnTier), and the reason a row has no CLV.
 * Runs that are not keyed by pattern (BG/BB; a customer whose T is 2^17 days or more) keep the wide rows, in
 * `clv_prediction_rows` (the version-3 table, renamed), which the view appends: readers see one table, as on
 * PostgreSQL and ClickHouse, where `clv_predictions` stays a table.
 *
 * The tiers are written out here as the migration fixed them (CLV_TIERS and CHURN_TIERS, models/clv/predict.ts; a
 * test checks that they agree).
 */

/** DuckDB's tables behind the view `clv_predictions`: every table a run's rows are written to. */
export const DUCKDB_CLV_PREDICTION_TABLES = ['clv_prediction_rows', 'clv_prediction_customers', 'clv_prediction_patterns', 'clv_prediction_runs'] as const;

/** The table of a run's wide rows on DuckDB. */
export const DUCKDB_CLV_WIDE_TABLE = 'clv_prediction_rows';

/** The tiers above the last, with the columns of their edge in clv_prediction_runs, and the last tier. */
export const NARROW_TIER_EDGES = [{ tier: 'top', edge: 'top' }, { tier: 'high', edge: 'high' }, { tier: 'medium', edge: 'medium' }] as const;
export const NARROW_LAST_TIER = 'low';
/** The churn tiers by P(alive) from each lower bound (CHURN_TIERS, models/clv/predict.ts), and the last; the tier of a run whose P(alive) does not tell customers apart. */
export const NARROW_CHURN_TIERS = [{ tier: 'active', from: 0.75 }, { tier: 'cooling', from: 0.5 }, { tier: 'at-risk', from: 0.25 }] as const;
export const NARROW_LAST_CHURN_TIER = 'lapsed';
export const NARROW_NOT_INFORMATIVE = 'not informative';

const CLV = '(r.margin * c.expected_spend) * p.discounted';
// frequency, recency and T from the key as clv-fit-summary.ts keyColumns computes them, with the run's unit
const K = '131072';
const FREQUENCY = `floor(c.k / ${131072 * 131072})`;
const UPPER = `floor(c.k / ${K})`;
const churnCase = `CASE WHEN p.p_alive IS NULL THEN NULL WHEN NOT r.informative THEN '${NARROW_NOT_INFORMATIVE}' ${NARROW_CHURN_TIERS.map(({ tier, from }) => `WHEN p.p_alive >= ${from} THEN '${tier}'`).join(' ')} ELSE '${NARROW_LAST_CHURN_TIER}' END`;
const tierCase = `CASE WHEN ${CLV} IS NULL THEN NULL ${NARROW_TIER_EDGES.map(({ tier, edge }) => `WHEN r.${edge}_id IS NULL OR ${CLV} > r.${edge}_clv OR (${CLV} = r.${edge}_clv AND c.customer_id < r.${edge}_id) THEN '${tier}'`).join(' ')} ELSE '${NARROW_LAST_TIER}' END`;

/** The statements of schema version 15 on DuckDB. */
export const CLV_PREDICTION_VIEW_MIGRATION: readonly string[] = [
  `ALTER TABLE clv_predictions RENAME TO ${DUCKDB_CLV_WIDE_TABLE}`,
  `CREATE TABLE clv_prediction_customers (
    run_id INTEGER NOT NULL, customer_id VARCHAR NOT NULL, k DOUBLE NOT NULL,
    monetary_value DOUBLE, expected_spend DOUBLE, spend_reason VARCHAR
  )`,
  `CREATE TABLE clv_prediction_patterns (
    run_id INTEGER NOT NULL, k DOUBLE NOT NULL, p_alive DOUBLE, expected_purchases DOUBLE, discounted DOUBLE, days_to_next_purchase DOUBLE
  )`,
  `CREATE TABLE clv_prediction_runs (
    run_id INTEGER NOT NULL, unit DOUBLE NOT NULL, margin DOUBLE NOT NULL, informative BOOLEAN NOT NULL,
    ${NARROW_TIER_EDGES.map(({ edge }) => `${edge}_clv DOUBLE, ${edge}_id VARCHAR`).join(', ')}
  )`,
  `CREATE VIEW clv_predictions AS
  SELECT c.run_id, c.customer_id, ${FREQUENCY} AS frequency, (${UPPER} - ${FREQUENCY} * ${K}) / r.unit AS recency, (c.k - ${UPPER} * ${K}) / r.unit AS T, c.monetary_value, p.p_alive, p.expected_purchases,
    c.expected_spend, ${CLV} AS clv, p.days_to_next_purchase, ${churnCase} AS churn_tier, ${tierCase} AS clv_tier,
    coalesce(CASE WHEN p.p_alive IS NULL OR p.expected_purchases IS NULL OR p.discounted IS NULL THEN 'prediction-undefined' END, c.spend_reason) AS excluded_reason
  FROM clv_prediction_customers c
  JOIN clv_prediction_patterns p ON p.run_id = c.run_id AND p.k = c.k
  JOIN clv_prediction_runs r ON r.run_id = c.run_id
  UNION ALL
  SELECT run_id, customer_id, frequency, recency, T, monetary_value, p_alive, expected_purchases, expected_spend, clv,
    days_to_next_purchase, churn_tier, clv_tier, excluded_reason
  FROM ${DUCKDB_CLV_WIDE_TABLE}`,
];
