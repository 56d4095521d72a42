/**
 * Per-customer value features as SQL IR (docs/models.md, "Per-customer features"): recency, frequency,
 * monetary, tenure (LRFMP Length), periodicity, mean order value, return rate, distinct products and basket
 * size, from the transactions before the as-of date, net of returns.
 */
import {
  agg, and, caseWhen, cast, col, div, eq, fn, gt, inQuery, isNotNull, lag, lt, mul, not, NULL, num, param, select, subquery, table,
  type Expr, type Select,
} from '../sql/ir.ts';

export interface MetricsOptions {
  /** analysis date: only transactions strictly before it count */
  asOf: Date;
  /** compute periodicity with lag() (true) or with a self-join (engines without window functions) */
  windowFunctions: boolean;
  /** the transactions table (default "transactions") */
  transactions?: string;
  /**
   * 'rfm' computes only what RFM needs (dates, recency, frequency, monetary, mean order value) and leaves the
   * other columns NULL; 'all' (default) computes every feature, including periodicity.
   */
  features?: 'rfm' | 'all';
}

/** Output columns of `customerMetrics`, in order. */
export const METRIC_COLUMNS = [
  'customer_id', 'first_purchase', 'last_purchase', 'recency_days', 'tenure_days', 'frequency', 'monetary', 'gross_revenue',
  'mean_order_value', 'return_rate', 'distinct_products', 'basket_size', 'visits', 'periodicity_days',
] as const;

const purchase = not(col('is_return'));
const d = (c: string, t?: string) => fn('to_date', col(c, t));

/** Gaps in days between consecutive purchase days, one row per gap: (customer_id, gap). */
function gapsQuery(visits: Select, windowFunctions: boolean): Select {
  if (windowFunctions) {
    const prev = lag(col('d'), [col('customer_id')], [col('d')]);
    return select({
      select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: fn('days_between', col('prev'), col('d')), as: 'gap' }],
      from: subquery(select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: col('d'), as: 'd' }, { expr: prev, as: 'prev' }], from: subquery(visits, 'v') }), 'w'),
      where: isNotNull(col('prev')),
    });
  }
  // Without windows: each visit day joined to the later days of the same customer; the gap is to the nearest one.
  return select({
    select: [{ expr: col('customer_id', 'a'), as: 'customer_id' }, { expr: fn('days_between', col('d', 'a'), agg('min', col('d', 'b'))), as: 'gap' }],
    from: subquery(visits, 'a'),
    joins: [{ type: 'inner', source: subquery(visits, 'b'), on: and(eq(col('customer_id', 'a'), col('customer_id', 'b')), gt(col('d', 'b'), col('d', 'a'))) }],
    groupBy: [col('customer_id', 'a'), col('d', 'a')],
  });
}

/**
 * One row per customer with at least one purchase line before the as-of date (the eligible customers),
 * with the METRIC_COLUMNS.
 */
export function customerMetrics(o: MetricsOptions): Select {
  const tx = o.transactions ?? 'transactions';
  const asOf = param(o.asOf);
  const lines = select({
    select: ['customer_id', 'order_id', 'ts', 'amount', 'is_return', 'product_id', 'quantity'].map((c) => ({ expr: col(c), as: c })),
    from: table(tx),
    where: and(isNotNull(col('customer_id')), lt(col('ts'), asOf)),
  });
  const visits = select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: d('ts'), as: 'd' }],
    from: table('lines'),
    where: purchase,
    groupBy: [col('customer_id'), d('ts')],
  });
  const periodicity = select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: agg('stddev_pop', cast(col('gap'), 'double')), as: 'p' }],
    from: subquery(gapsQuery(visits, o.windowFunctions), 'g'),
    groupBy: [col('customer_id')],
  });
  const per = select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: agg('min', col('ts'), { filter: purchase }), as: 'first_purchase' },
      { expr: agg('max', col('ts'), { filter: purchase }), as: 'last_purchase' },
      { expr: agg('count', col('order_id'), { distinct: true, filter: purchase }), as: 'frequency' },
      // Money is summed as DECIMAL so the result does not depend on the order of addition (parallel scans).
      { expr: fn('coalesce', agg('sum', cast(col('amount'), 'decimal')), num(0)), as: 'monetary' },
      { expr: fn('coalesce', agg('sum', cast(col('amount'), 'decimal'), { filter: purchase }), num(0)), as: 'gross_revenue' },
      { expr: fn('coalesce', agg('sum', cast(col('amount'), 'decimal'), { filter: col('is_return') }), num(0)), as: 'returned' },
      { expr: agg('count', col('product_id'), { distinct: true, filter: purchase }), as: 'distinct_products' },
      { expr: agg('sum', col('quantity'), { filter: purchase }), as: 'units' },
      { expr: agg('count_star', undefined, { filter: purchase }), as: 'purchase_lines' },
      { expr: agg('count', d('ts'), { distinct: true, filter: purchase }), as: 'visits' },
    ],
    from: table('lines'),
    groupBy: [col('customer_id')],
  });
  const c = (n: string) => col(n, 'm');
  const frequency: Expr = cast(c('frequency'), 'double');
  const lean = o.features === 'rfm';
  const none = (t: 'bigint' | 'double') => cast(NULL, t);
  // Columns only the full feature set computes; the lean RFM query leaves them NULL.
  const full: Record<string, Expr> = lean
    ? { gross_revenue: none('double'), return_rate: none('double'), distinct_products: none('bigint'), basket_size: none('double'), visits: none('bigint'), periodicity_days: none('double') }
    : {
        gross_revenue: cast(c('gross_revenue'), 'double'),
        return_rate: caseWhen([[gt(c('gross_revenue'), num(0)), div(mul(num(-1), cast(c('returned'), 'double')), cast(c('gross_revenue'), 'double'))]], num(0)),
        distinct_products: cast(c('distinct_products'), 'bigint'),
        // both sides double: ClickHouse 18.16 has no common type of Float64 and UInt64 (a count) for coalesce
        basket_size: div(fn('coalesce', cast(c('units'), 'double'), cast(c('purchase_lines'), 'double')), frequency),
        visits: cast(c('visits'), 'bigint'),
        periodicity_days: fn('coalesce', col('p', 'p'), num(0)),
      };
  const common: Record<string, Expr> = {
    customer_id: c('customer_id'),
    first_purchase: c('first_purchase'),
    last_purchase: c('last_purchase'),
    recency_days: fn('days_between', c('last_purchase'), asOf),
    tenure_days: fn('days_between', c('first_purchase'), c('last_purchase')),
    frequency: cast(c('frequency'), 'bigint'),
    monetary: cast(c('monetary'), 'double'),
    mean_order_value: div(cast(c('monetary'), 'double'), frequency),
  };
  const exprs = { ...common, ...full };
  // The lean query's cost is count(DISTINCT order_id): on bench/out/rfm/ws-1000000 (10,307,437 lines, 6,172,232
  // orders, 923,349 customers; DuckDB 1.5.5, 2 threads) it is ~3.1 s CPU of which the distinct (customer, order)
  // pairs alone take ~2.0 s, the rest of the aggregation ~1.1 s. Measured alternating and found no cheaper (issue
  // #15, 2026-12-03): orders grouped first and then customers (3.2–5.2 s), SELECT DISTINCT (customer_id, order_id)
  // counted and joined to the other aggregates (3.2–3.4 s), list_unique(list(order_id)) (4.3–4.4 s), money summed as
  // DOUBLE instead of DECIMAL (within the noise; and order-dependent), one DuckDB thread (−0.2 s CPU, slower wall).
  const perQuery = lean && per.select !== '*'
    ? select({ select: per.select.filter((x) => x.as !== undefined && x.as in common), from: table('lines'), groupBy: [col('customer_id')] })
    : per;
  return select({
    with: [{ name: 'lines', query: lines }],
    select: METRIC_COLUMNS.map((name) => ({ expr: exprs[name]!, as: name })),
    from: subquery(perQuery, 'm'),
    joins: lean ? [] : [{ type: 'left', source: subquery(periodicity, 'p'), on: eq(col('customer_id', 'p'), c('customer_id')) }],
    where: gt(c('frequency'), num(0)),
  });
}

/**
 * Counts of customers who were not scored, by reason (docs/models.md, "Eligibility"): no transactions,
 * only returns, or purchases only on or after the as-of date.
 */
export function exclusionCounts(o: { asOf: Date; transactions?: string; eligible: string }): Select {
  const asOf = param(o.asOf);
  // The eligible (scored) customers are at hand as a table of customer_id: only the others' lines are aggregated.
  const scoredIds = select({ select: [{ expr: col('customer_id') }], from: table(o.eligible) });
  const tx = select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: agg('count_star', undefined, { filter: and(not(col('is_return')), lt(col('ts'), asOf)) }), as: 'before' },
      { expr: agg('count_star', undefined, { filter: not(col('is_return')) }), as: 'purchases' },
      { expr: agg('count_star'), as: 'lines' },
    ],
    from: table(o.transactions ?? 'transactions'),
    where: and(isNotNull(col('customer_id')), inQuery(col('customer_id'), scoredIds, true)),
    groupBy: [col('customer_id')],
  });
  const t = (n: string) => col(n, 't');
  const notScored = inQuery(col('customer_id', 'c'), scoredIds, true);
  return select({
    select: [
      { expr: agg('count_star'), as: 'customers' },
      { expr: agg('count_star', undefined, { filter: notScored }), as: 'not_eligible' },
      { expr: agg('count_star', undefined, { filter: and(notScored, eq(fn('coalesce', t('lines'), num(0)), num(0))) }), as: 'no_transactions' },
      { expr: agg('count_star', undefined, { filter: and(gt(t('lines'), num(0)), eq(t('purchases'), num(0))) }), as: 'only_returns' },
      { expr: agg('count_star', undefined, { filter: and(gt(t('purchases'), num(0)), eq(t('before'), num(0))) }), as: 'only_after_as_of' },
    ],
    from: table('customers', 'c'),
    joins: [{ type: 'left', source: subquery(tx, 't'), on: eq(t('customer_id'), col('customer_id', 'c')) }],
  });
}
