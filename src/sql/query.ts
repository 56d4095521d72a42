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
  /**
   * positional (DuckDB, `capabilities.positionalJoin`): the n-th row of one side with the n-th of the other, in
   * the tables' scan order (a table's insertion order), no condition
   */
  readonly type: 'inner' | 'left' | 'cross' | 'positional';
  /** what is joined (`target` in the factories' vocabulary) */
  readonly source: Source;
  /** the join condition; none for cross and positional joins */
  readonly on?: Expr;
}

/** A common table expression: WITH name AS (query), or an inlined subquery where the engine has no CTEs. */
export interface Cte {
  readonly name: string;
  readonly query: Query;
  /**
   * computed once before the body (WITH name AS MATERIALIZED, DuckDB and PostgreSQL): e.g. one customer's rows
   * found by an index, then sorted, where an inlined ORDER BY … LIMIT would scan the table (ignored where the
   * engine inlines CTEs)
   */
  readonly materialized?: boolean;
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
  /**
   * GROUP BY GROUPING SETS ((a, b), (c), …) instead of `groupBy` (`capabilities.groupingSets`): the rows of each
   * set's grouping, one after another, with the expressions a set leaves out NULL in its rows (`grouping()` tells
   * the sets apart)
   */
  readonly groupingSets?: readonly (readonly Expr[])[];
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

/**
 * Statements that write: INSERT … SELECT, CREATE TABLE … AS SELECT, DELETE … WHERE and DROP TABLE IF EXISTS.
 * Compiled by `compile` like queries (docs/sql.md, "Writes").
 */
export interface InsertSelect {
  readonly kind: 'insert_select';
  readonly table: string;
  /** the target columns in the order the query gives them; all columns in table order when omitted */
  readonly columns?: readonly string[];
  readonly query: Query;
}

export interface CreateTableAs {
  readonly kind: 'create_table_as';
  readonly name: string;
  readonly query: Query;
  /**
   * A table for this connection only (DuckDB, PostgreSQL `CREATE TEMP TABLE`). ClickHouse over HTTP has no
   * session: there it is a `Memory` table the caller drops (name it with `tempName` so calls do not collide).
   */
  readonly temporary: boolean;
  /** ClickHouse: the MergeTree sorting key of a table that is not temporary (default `tuple()`) */
  readonly orderBy?: readonly string[];
}

export interface DeleteWhere {
  readonly kind: 'delete';
  readonly table: string;
  readonly where: Expr;
}

export interface DropTable {
  readonly kind: 'drop_table';
  readonly name: string;
}

export type Statement = InsertSelect | CreateTableAs | DeleteWhere | DropTable;

/** INSERT INTO table (columns) query. */
export const insertSelect = (tableName: string, query: Query, columns?: readonly string[]): InsertSelect =>
  f(columns === undefined ? { kind: 'insert_select', table: tableName, query } : { kind: 'insert_select', table: tableName, query, columns: [...columns] });
/** CREATE [TEMP] TABLE name AS query (see `CreateTableAs`). */
export const createTableAs = (name: string, query: Query, options: { temporary?: boolean; orderBy?: readonly string[] } = {}): CreateTableAs =>
  f({ kind: 'create_table_as', name, query, temporary: options.temporary ?? false, ...(options.orderBy ? { orderBy: [...options.orderBy] } : {}) });
/**
 * DELETE FROM table WHERE condition. On ClickHouse this is `ALTER TABLE … DELETE WHERE …`, a mutation: on
 * 18.16 it runs in the background after the statement returns, only on MergeTree tables (not Memory, not a
 * Distributed table: run it on each shard's local table), and it rewrites whole parts — for keyed clean-up,
 * not for the normal flow of a run.
 */
export const deleteWhere = (tableName: string, where: Expr): DeleteWhere => f({ kind: 'delete', table: tableName, where });
/** DROP TABLE IF EXISTS name (temporary tables after use). */
export const dropTable = (name: string): DropTable => f({ kind: 'drop_table', name });

let tempCounter = 0;
/**
 * A table name for one call's temporary table: `__prefix_<pid>_<counter>_<random>`, so two commands (or two
 * calls in one process) never write the same temporary table on an engine where temporary tables are shared.
 */
export const tempName = (prefix: string): string =>
  `__${prefix}_${process.pid}_${++tempCounter}_${Math.floor(Math.random() * 0x100000).toString(36)}`;

/** Whether a node is a write statement (not a query). */
export const isStatement = (x: Query | Statement): x is Statement =>
  x.kind === 'insert_select' || x.kind === 'create_table_as' || x.kind === 'delete' || x.kind === 'drop_table';
