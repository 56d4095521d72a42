/**
 * Transaction lines as every reader sees them: a line without a category or department takes its
 * product's (from the products table) — the one place where the two are joined (docs/data-model.md,
 * "Products"). Features (category shares) and the audience lowering read this instead of the table
 * when they need a category or department; whatever the import order, the join sees the current products.
 */
import { and, col, count, eq, fn, isNotNull, isNull, select, subquery, table, type Expr, type Select, type Source } from '../sql/ir.ts';

/** The line fields a products table can fill in. */
export const PRODUCT_FIELDS = ['category', 'department'] as const;

/** The other transaction columns a reader may use (those the audience language offers, and the keys). */
export const LINE_COLUMNS = [
  'customer_id', 'order_id', 'ts', 'amount', 'line_no', 'product_id', 'description', 'quantity', 'unit_price', 'channel', 'coupon', 'currency', 'is_return',
] as const;

/**
 * The lines of `transactions` with category and department coalesced with the product's, as `(…) AS alias`;
 * with `attributes`, also the extra columns kept on the line (a rule reading `store_id` beside a department).
 */
export function transactionLines(alias = 'lines', transactions = 'transactions', options: { attributes?: boolean } = {}): Source {
  return subquery(select({
    select: [
      ...[...LINE_COLUMNS, ...(options.attributes ? ['attributes'] : [])].map((c) => ({ expr: col(c, 't'), as: c })),
      ...PRODUCT_FIELDS.map((c) => ({ expr: fn('coalesce', col(c, 't'), col(c, 'p')), as: c })),
    ],
    from: table(transactions, 't'),
    joins: [{ type: 'left', source: table('products', 'p'), on: eq(col('product_id', 'p'), col('product_id', 't')) }],
  }), alias);
}

/**
 * Lines of customers (passing `where`, over the unqualified line columns) that have no `level` even after the products join, by cause: `noProduct` (no product
 * id), `unknownProduct` (a product id missing from products), `productWithout` (the product has none).
 */
export function linesWithoutLevel(level: (typeof PRODUCT_FIELDS)[number], where?: Expr, transactions = 'transactions'): Select {
  const t = (c: string) => col(c, 't');
  return select({
    select: [
      { expr: count(), as: 'lines' },
      { expr: count(fn('coalesce', t(level), col(level, 'p'))), as: 'with_level' },
      { expr: count(undefined, { filter: isNull(t('product_id')) }), as: 'no_product' },
      { expr: count(undefined, { filter: and(isNotNull(t('product_id')), isNull(col('product_id', 'p'))) }), as: 'unknown_product' },
    ],
    from: table(transactions, 't'),
    joins: [{ type: 'left', source: table('products', 'p'), on: eq(col('product_id', 'p'), t('product_id')) }],
    where: where ? and(isNotNull(t('customer_id')), where) : isNotNull(t('customer_id')),
  });
}
