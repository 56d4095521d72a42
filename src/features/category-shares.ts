/**
 * Spend per customer and department (or category), as shares, as of a date (docs/models.md, "Category
 * shares"). A line without a department (category) takes its product's (features/transaction-lines.ts). Three views of the same spend:
 * - `share`: the department's part of the customer's purchase spend;
 * - `price_adjusted_share`: spend divided by the department's average line amount before taking shares, so a
 *   cheap, high-volume department (vegetables) is not dwarfed by a rare, expensive one (wine);
 * - `heavy_buyer_index`: spend relative to the department's heavy buyers (its 90th percentile among
 *   customers who buy there), capped at 1.
 */
import { transactionLines } from './transaction-lines.ts';
import {
  agg, and, cast, col, div, eq, fn, gt, index, isNotNull, lt, not, num, param, quantiles, select, subquery, table, type Select,
} from '../sql/ir.ts';

export interface CategoryShareOptions {
  asOf: Date;
  /** 'department' (default) or 'category' */
  level?: 'department' | 'category';
  transactions?: string;
}

/** The lines whose spend the shares divide: customers' purchase lines with a positive amount before the as-of date. */
export const shareLines = (asOf: Date) => and(isNotNull(col('customer_id')), lt(col('ts'), param(asOf)), not(col('is_return')), gt(col('amount'), num(0)));

export function categoryShares(o: CategoryShareOptions): Select {
  const level = o.level ?? 'department';
  const lines = select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: fn('coalesce', col(level), param('(none)')), as: 'grp' },
      { expr: cast(col('amount'), 'double'), as: 'amount' },
    ],
    from: transactionLines('t', o.transactions),
    where: shareLines(o.asOf),
  });
  const perGroup = select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: col('grp'), as: 'grp' },
      { expr: agg('sum', col('amount')), as: 'spend' },
    ],
    from: table('lines'),
    groupBy: [col('customer_id'), col('grp')],
  });
  const groupStats = select({
    select: [
      { expr: col('grp'), as: 'grp' },
      { expr: agg('avg', col('amount')), as: 'avg_line' },
    ],
    from: table('lines'),
    groupBy: [col('grp')],
  });
  const heavy = select({
    select: [{ expr: col('grp'), as: 'grp' }, { expr: index(quantiles(col('spend'), [0.9]), 1), as: 'p90' }],
    from: table('per_group'),
    groupBy: [col('grp')],
  });
  // One JOIN per SELECT (ClickHouse 18.16): the per-group figures are joined to each customer's groups
  // first, then the customer's totals are computed from that and joined back.
  const groupInfo = select({
    select: [{ expr: col('grp', 's'), as: 'grp' }, { expr: col('avg_line', 's'), as: 'avg_line' }, { expr: col('p90', 'h'), as: 'p90' }],
    from: subquery(groupStats, 's'),
    joins: [{ type: 'inner', source: subquery(heavy, 'h'), on: eq(col('grp', 'h'), col('grp', 's')) }],
  });
  const withInfo = select({
    select: [
      { expr: col('customer_id', 'p'), as: 'customer_id' },
      { expr: col('grp', 'p'), as: 'grp' },
      { expr: col('spend', 'p'), as: 'spend' },
      { expr: col('avg_line', 'i'), as: 'avg_line' },
      { expr: col('p90', 'i'), as: 'p90' },
    ],
    from: table('per_group', 'p'),
    joins: [{ type: 'inner', source: subquery(groupInfo, 'i'), on: eq(col('grp', 'i'), col('grp', 'p')) }],
  });
  const totals = select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: agg('sum', col('spend')), as: 'total' },
      { expr: agg('sum', div(col('spend'), col('avg_line'))), as: 'total_adj' },
    ],
    from: table('with_info'),
    groupBy: [col('customer_id')],
  });
  const g = (c: string) => col(c, 'g');
  return select({
    with: [{ name: 'lines', query: lines }, { name: 'per_group', query: perGroup }, { name: 'with_info', query: withInfo }],
    select: [
      { expr: g('customer_id'), as: 'customer_id' },
      { expr: g('grp'), as: level },
      { expr: g('spend'), as: 'spend' },
      { expr: div(g('spend'), col('total', 't')), as: 'share' },
      { expr: div(div(g('spend'), g('avg_line')), col('total_adj', 't')), as: 'price_adjusted_share' },
      { expr: fn('least', num(1), div(g('spend'), g('p90'))), as: 'heavy_buyer_index' },
    ],
    from: table('with_info', 'g'),
    joins: [{ type: 'inner', source: subquery(totals, 't'), on: eq(col('customer_id', 't'), g('customer_id')) }],
  });
}
