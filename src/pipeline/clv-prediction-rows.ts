/**
 * The per-customer rows of `clv predict` as IR (docs/sql.md): a customer's summary columns beside the predictions
 * of their (x, t_x, T) pattern, with the Gamma-Gamma spend and the reason a row has no CLV.
 *
 * The same row is computed over two sources: the join of the summary (alias `s`) with the patterns (alias `p`), and
 * (DuckDB's insert into clv_predictions) that join's plain columns sorted by customer id first, as the derived table
 * `o`, so that the sort carries the 9 columns read rather than the 14 written (issue #15: a quarter of the insert's
 * CPU at bench/clv). Both give the same values: the same expressions over the same column values.
 */
import type { GammaGammaParams } from '../models/clv/gamma-gamma.ts';
import { gammaGammaSpend } from '../scoring/clv.ts';
import { keyColumns } from './clv-fit-summary.ts';
import { caseWhen, cast, coalesce, col, isNull, lit, NULL, or, select, subquery, table, type Expr, type Join, type Select, type Source } from '../sql/ir.ts';

/** The summary's columns a prediction row reads. */
const SUMMARY_COLUMNS = ['customer_id', 'frequency', 'recency', 'T', 'monetary_value'];
/** The pattern table's columns a prediction row reads. */
const PATTERN_COLUMNS = ['p_alive', 'expected_purchases', 'days_next', 'discounted'];

/**
 * The row of each customer of `from` (joined with `joins`): summary columns under alias `sa`, pattern columns under
 * alias `pa`. Columns: customer_id, frequency (as a double), recency, T, monetary_value, p_alive, expected_purchases,
 * days_next, discounted, expected_spend, excluded_reason.
 */
export function predictionRowsOver(spendParams: GammaGammaParams | undefined, sa: string, pa: string, from: Source, joins?: readonly Join[], shape: SummaryShape = {}): Select {
  const s = (c: string) => col(c, sa);
  const p = (c: string) => col(c, pa);
  // frequency, recency and T as the summary has them, or from its pattern key
  const h = shape.keyUnit !== undefined ? keyColumns(s('k'), shape.keyUnit) : { frequency: s('frequency'), recency: s('recency'), T: s('T') };
  // E[M | x, z̄] of the Gamma-Gamma model, NULL (with its reason) where it is not defined (spendOf); computed with
  // the summary when it has the columns (SPEND_COLUMNS)
  const gg = shape.spend ? { spend: s(SPEND_COLUMNS.spend), reason: s(SPEND_COLUMNS.reason) } : spendOf(spendParams, h.frequency, s('monetary_value'));
  // appendDoubles stores a non-finite prediction (a model at a singular point) as NULL: it gets a reason and no tier
  const reason = coalesce(caseWhen([[or(isNull(p('p_alive')), isNull(p('expected_purchases')), isNull(p('discounted'))), lit('prediction-undefined')]]), gg.reason);
  return select({
    select: [
      { expr: s('customer_id'), as: 'customer_id' }, { expr: cast(h.frequency, 'double'), as: 'frequency' }, { expr: h.recency, as: 'recency' },
      { expr: h.T, as: 'T' }, { expr: s('monetary_value'), as: 'monetary_value' }, { expr: p('p_alive'), as: 'p_alive' },
      { expr: p('expected_purchases'), as: 'expected_purchases' }, { expr: p('days_next'), as: 'days_next' }, { expr: p('discounted'), as: 'discounted' },
      { expr: gg.spend, as: 'expected_spend' }, { expr: reason, as: 'excluded_reason' },
    ],
    from,
    ...(joins ? { joins } : {}),
  });
}

/**
 * E[M | x, z̄] of the Gamma-Gamma model over a summary's frequency and mean spend, NULL with its reason where it is
 * not defined (no spend model: NULL for every customer). The frequency as a double: a whole number times the
 * parameters' literals is DECIMAL arithmetic in DuckDB (128-bit, 0.6 s CPU of the 1,000,000 rows at bench/clv),
 * where a double is what the spend model computes.
 */
export function spendOf(spendParams: GammaGammaParams | undefined, frequency: Expr, monetary: Expr): { reason: Expr; spend: Expr } {
  return spendParams ? gammaGammaSpend(spendParams, cast(frequency, 'double'), monetary) : { reason: lit('no-spend-model'), spend: cast(NULL, 'double') };
}

/**
 * The spend and its reason as columns of the summary (DuckDB's prediction summary, clv-predict-summary.ts): computed
 * once, in the parallel statement that builds the summary, and read as they are by the rows and by the CLV edges
 * (clv-edges.ts clvEdgesOfSummary), which then need no join to know a customer's spend.
 */
export const SPEND_COLUMNS = { spend: 'expected_spend', reason: 'spend_reason' } as const;

/** SPEND_COLUMNS over a summary's columns `frequency` and `monetary_value`. */
export function spendColumns(spendParams: GammaGammaParams | undefined): { expr: Expr; as: string }[] {
  const gg = spendOf(spendParams, col('frequency'), col('monetary_value'));
  return [{ expr: gg.spend, as: SPEND_COLUMNS.spend }, { expr: gg.reason, as: SPEND_COLUMNS.reason }];
}

/**
 * What a summary table holds beside customer_id and monetary_value: `spend`, SPEND_COLUMNS; `keyUnit`, the pattern
 * key k instead of frequency, recency and T, which are computed from it with this unit (keyColumns; DuckDB's
 * predictSummaryTable with keyOnly); else frequency, recency and T.
 */
export interface SummaryShape {
  spend?: boolean;
  keyUnit?: number;
}

/** The prediction rows of the summary `summary` (alias s, of that shape) joined with the patterns `patterns` (alias p) on `on`. */
export function predictionRows(spendParams: GammaGammaParams | undefined, summary: string, patterns: string, on: Expr, shape: SummaryShape = {}): Select {
  return predictionRowsOver(spendParams, 's', 'p', table(summary, 's'), [{ type: 'inner', source: table(patterns, 'p'), on }], shape);
}

/**
 * The same rows computed over the join's plain columns sorted by customer id (DuckDB: the order holds through the
 * projections above it into the insert, a batch insert; clv-predict-summary.test.ts checks the stored order).
 */
export function sortedPredictionRows(spendParams: GammaGammaParams | undefined, summary: string, patterns: string, on: Expr, shape: SummaryShape = {}): Select {
  // the key sorted rather than the three columns it gives (computed above the sort)
  const own = shape.keyUnit !== undefined ? ['customer_id', 'monetary_value', 'k'] : SUMMARY_COLUMNS;
  const summaryColumns = shape.spend ? [...own, SPEND_COLUMNS.spend, SPEND_COLUMNS.reason] : own;
  const sorted = select({
    select: [...summaryColumns.map((c) => ({ expr: col(c, 's'), as: c })), ...PATTERN_COLUMNS.map((c) => ({ expr: col(c, 'p'), as: c }))],
    from: table(summary, 's'),
    joins: [{ type: 'inner', target: table(patterns, 'p'), on }],
    orderBy: [col('customer_id', 's')],
  });
  return predictionRowsOver(spendParams, 'o', 'o', subquery(sorted, 'o'), undefined, shape);
}
