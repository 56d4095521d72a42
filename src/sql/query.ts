/**
 * Query nodes of the IR: SELECT with CTEs, joins, grouping and ordering, and UNION ALL. Frozen objects
 * built by `select`, `unionAll`, `table` and `subquery`.
 */
import { orderItem, type Expr, type OrderItem, type OrderLike } from './expr.ts';

/** A table (or a CTE of an enclosing `with`) or a derived table. */
export type Source =
  | { readonly kind: 'table'; readonly name: string; readonly alias?: string }
  | { readonly kind: 'subquery'; readonly query: Query; readonly alias: string };

export interface Join {
  readonly type: 'inner' | 'left' | 'cross';
  /** what is joined (`target` in the factories' vocabulary) */
  readonly source: Source;
  /** the join condition; none for cross joins */
  readonly on?: Expr;
}

/** A common table expression: WITH name AS (query), or an inlined subquery where the engine has no CTEs. */
export interface Cte {
  readonly name: string;
  readonly query: Query;
}

export interface SelectItem {
  readonly expr: Expr;
  readonly as?: string;
}

export interface Select {
  readonly kind: 'select';
  readonly with?: readonly Cte[];
  readonly distinct?: boolean;
  /** the output columns, or every column of the sources */
  readonly select: readonly SelectItem[] | '*';
  readonly from: Source;
  readonly joins?: readonly Join[];
  readonly where?: Expr;
  readonly groupBy?: readonly Expr[];
  readonly having?: Expr;
  readonly orderBy?: readonly OrderItem[];
  readonly limit?: number;
}

/** q1 UNION ALL q2 …: the columns of the first query name the result. */
export interface UnionAll {
  readonly kind: 'union_all';
  readonly queries: readonly Select[];
}

export type Query = Select | UnionAll;

const f = <T extends object>(o: T): T => Object.freeze(o);

/** A table or CTE by name, optionally aliased. */
export const table = (name: string, alias?: string): Source => f(alias === undefined ? { kind: 'table', name } : { kind: 'table', name, alias });
/** A derived table: (query) AS alias. */
export const subquery = (query: Query, alias: string): Source => f({ kind: 'subquery', query, alias });

/** The arguments of `select`: as `Select`, with joins written `{ type, source | target, on }` and ORDER BY items as `OrderLike`. */
export interface SelectSpec extends Omit<Select, 'kind' | 'orderBy' | 'joins'> {
  readonly joins?: readonly (Omit<Join, 'source'> & ({ readonly source: Source } | { readonly target: Source }))[];
  readonly orderBy?: readonly OrderLike[];
}

/**
 * A SELECT query. Example:
 * ```ts
 * select({
 *   select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: sum(col('amount')), as: 'spend' }],
 *   from: table('transactions'),
 *   where: lt(col('ts'), lit(asOf)),
 *   groupBy: [col('customer_id')],
 * })
 * ```
 */
export const select = (q: SelectSpec): Select => {
  const { joins, orderBy, ...rest } = q;
  const out: { -readonly [K in keyof Select]: Select[K] } = { kind: 'select', ...rest };
  if (joins) out.joins = joins.map((j) => f({ type: j.type, source: 'source' in j ? j.source : j.target, ...(j.on ? { on: j.on } : {}) }));
  if (orderBy) out.orderBy = orderBy.map(orderItem);
  return f(out);
};

/** q1 UNION ALL q2 …; at least one query. */
export const unionAll = (...queries: Select[]): UnionAll => f({ kind: 'union_all', queries });
