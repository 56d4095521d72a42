/**
 * The dialect interface and the shared defaults. The defaults are the SQL DuckDB reads; PostgreSQL and
 * ClickHouse override only the hooks where they differ (postgres.ts, clickhouse.ts).
 */
import { SegmintError } from '../../core/errors.ts';
import type { AggName, ArrayElement, DateUnit, FnName, SqlType, Value } from '../expr.ts';
import { quoteIdent, quoteString } from '../quote.ts';

export type DialectName = 'duckdb' | 'postgres' | 'clickhouse';
export const DIALECTS: readonly DialectName[] = ['duckdb', 'postgres', 'clickhouse'];

/** What an engine can do; the compiler refuses (or rewrites) what it cannot. */
export interface Capabilities {
  /** `WITH name AS (subquery)`; without it each CTE is inlined as a subquery where it is used */
  cte: boolean;
  /** `agg(…) FILTER (WHERE …)`; without it the dialect's `agg` hook writes the condition its own way */
  filterClause: boolean;
  /** window functions such as `lag(x) OVER (…)`; without them window nodes are refused */
  windowFunctions: boolean;
  /** server-side bound parameters; without them values are written as escaped literals */
  boundParams: boolean;
  /** more than one JOIN in one SELECT; without it each further join needs a nested subquery */
  multipleJoins: boolean;
  /** join conditions other than an AND of equalities */
  nonEquiJoins: boolean;
  /**
   * an output alias replaces a column of the same name everywhere in its SELECT (ClickHouse before the
   * new analyzer); the compiler then refuses queries where that would change the meaning
   */
  aliasesShadowColumns: boolean;
  /** POSITIONAL JOIN: rows paired by their position in scan order (DuckDB) */
  positionalJoin?: boolean;
  /** GROUP BY GROUPING SETS and GROUPING() (DuckDB, PostgreSQL) */
  groupingSets?: boolean;
}

/** One function spelling: the compiled arguments in, the SQL out. */
export type FnImpl = (args: readonly string[]) => string;

/** The hooks a dialect provides. Arguments are already compiled SQL. */
export interface Dialect {
  readonly name: DialectName;
  readonly capabilities: Capabilities;
  quoteIdent(name: string): string;
  /** placeholder of the 1-based parameter `i` (dialects with bound parameters) */
  placeholder(i: number): string;
  /** a bound parameter as used in an expression, typed so the engine need not guess: `CAST($1 AS BIGINT)` */
  paramRef(ref: string, value: Exclude<Value, null>): string;
  /** a value written into the SQL (dialects without bound parameters) */
  literal(value: Exclude<Value, null>): string;
  booleanLiteral(value: boolean): string;
  typeName(t: SqlType): string;
  cast(expr: string, to: SqlType): string;
  /** true division returning a double, NULL when the divisor is 0; `divisorNonZero` when it is a non-zero constant */
  divide(left: string, right: string, divisorNonZero: boolean): string;
  /** the named functions; a missing entry is an `unknown-function` error for this dialect */
  readonly functions: { readonly [K in FnName]?: FnImpl };
  dateTrunc(unit: DateUnit, expr: string): string;
  agg(name: AggName, args: readonly string[], distinct: boolean, filter: string | undefined): string;
  quantiles(expr: string, ps: readonly string[], filter: string | undefined): string;
  /** element `i` (1-based) of an array */
  index(array: string, i: number): string;
  /** an array of `of` built from compiled items (`arrayOf`) */
  array(items: readonly string[], of: ArrayElement): string;
  /** the wall-clock timestamp in `zone` (a checked zone name, not yet quoted) of the UTC timestamp `x` (`localTime`) */
  localTime(x: string, zone: string): string;
  /** the value bound for a top-level JSON key `name` (a JSON path `$.name`, or the name itself) */
  jsonKey(name: string): string;
  /** top-level key of `json`, both compiled; `key` is the bound `jsonKey` */
  jsonGet(json: string, key: string, as: 'text' | 'number'): string;
  /**
   * The other side of a comparison (or the tested value of an IN list) whose values are timestamps, when
   * the engine would otherwise compare it wrongly: ClickHouse 18.16 compares a Date with a DateTime as
   * numbers (days against seconds), so the column becomes `toDateTime(x)`. Absent: left as it is.
   */
  timestampOperand?(expr: string): string;
  /**
   * Tables on either side of a JOIN are read through `(SELECT * FROM t) AS alias`: ClickHouse 18.16 loses
   * the aliases of a JOIN over Distributed tables (`Unknown identifier: t.product_id`).
   */
  readonly joinTablesAsSubqueries?: boolean;
  /**
   * `x GLOBAL IN (subquery)`: ClickHouse runs the subquery once on the server that received the query and
   * sends its result to the shards — a subquery over a table that lives on that server only (a temporary
   * `Memory` table of a pipeline) would otherwise be sent to shards that lack it. Same result on one server.
   */
  readonly globalIn?: boolean;
  /** whether the engine puts NULLs last when an ORDER BY item says nothing */
  nullsLastByDefault(desc: boolean): boolean;
  /** `CREATE [TEMP] TABLE name AS query`; `name` quoted, `query` compiled; `orderBy` quoted sorting key columns */
  createTableAs(name: string, query: string, temporary: boolean, orderBy: readonly string[]): string;
  /** `DELETE FROM table WHERE condition` (ClickHouse: a mutation) */
  deleteWhere(table: string, condition: string): string;
}

/** Throws the error a dialect raises for a construct it cannot express (the compiler records it with its path). */
export function unsupported(dialect: string, what: string, hint: string): never {
  throw new SegmintError('unsupported-in-dialect', `${what} is not available in ${dialect}`, { hint, exitCode: 1 });
}

/** A number as SQL: negative numbers in parentheses so `a - -1` never reads as a comment or a double minus. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new SegmintError('invalid-value', `cannot write ${n} into SQL`, { hint: 'use a finite number' });
  const s = String(Object.is(n, -0) ? 0 : n);
  return n < 0 ? `(${s})` : s;
}

/** A timestamp as text the engines parse: `2024-02-01 00:00:00` (milliseconds kept when present), UTC. */
export function formatTimestamp(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new SegmintError('invalid-value', 'cannot write an invalid Date into SQL', { hint: 'check the date that was passed' });
  return d.toISOString().replace('T', ' ').replace('Z', '').replace(/\.000$/, '');
}

const TYPES: Record<SqlType, string> = {
  double: 'DOUBLE', bigint: 'BIGINT', integer: 'INTEGER', varchar: 'VARCHAR', timestamp: 'TIMESTAMP', date: 'DATE', boolean: 'BOOLEAN', decimal: 'DECIMAL(18,4)',
};

const call = (name: string): FnImpl => (a) => `${name}(${a.join(', ')})`;

/** Functions spelled the same in DuckDB and PostgreSQL. */
export const baseFunctions: { readonly [K in FnName]: FnImpl } = {
  days_between: (a) => `date_diff('day', CAST(${a[0]} AS DATE), CAST(${a[1]} AS DATE))`,
  days_between_exact: (a) => `((epoch(CAST(${a[1]} AS TIMESTAMP)) - epoch(CAST(${a[0]} AS TIMESTAMP))) / 86400.0)`,
  to_date: (a) => `CAST(${a[0]} AS DATE)`,
  greatest: call('greatest'),
  least: call('least'),
  coalesce: call('coalesce'),
  nullif: call('nullif'),
  abs: call('abs'),
  round: (a) => `round(${a[0]}, ${a[1] ?? '0'})`,
  floor: call('floor'),
  ceil: call('ceil'),
  ln: call('ln'),
  sqrt: call('sqrt'),
  exp: call('exp'),
  lower: call('lower'),
  starts_with: call('starts_with'),
  contains: (a) => `(strpos(${a[0]}, ${a[1]}) > 0)`,
  sin: call('sin'),
  cos: call('cos'),
  asin: call('asin'),
  try_double: (a) => `TRY_CAST(${a[0]} AS DOUBLE)`,
  trim: call('trim'),
};

/** The defaults every dialect starts from (`name` and `capabilities` are each dialect's own). */
export const baseDialect: Omit<Dialect, 'name' | 'capabilities'> = {
  quoteIdent,
  placeholder: (i) => `$${i}`,
  paramRef(ref, value) {
    if (value instanceof Date) return this.cast(ref, 'timestamp');
    if (typeof value === 'number') return this.cast(ref, Number.isSafeInteger(value) ? 'bigint' : 'double');
    if (typeof value === 'boolean') return this.cast(ref, 'boolean');
    return ref;
  },
  literal(value) {
    if (value instanceof Date) return this.cast(quoteString(formatTimestamp(value)), 'timestamp');
    if (typeof value === 'number') return formatNumber(value);
    if (typeof value === 'boolean') return this.booleanLiteral(value);
    return quoteString(value);
  },
  booleanLiteral: (v) => (v ? 'TRUE' : 'FALSE'),
  typeName: (t) => TYPES[t],
  cast(expr, to) {
    return `CAST(${expr} AS ${this.typeName(to)})`;
  },
  // DuckDB's `/` already divides as DOUBLE (integers and decimals too); a zero divisor would give ±inf or NaN.
  divide: (l, r, nonZero) => `${l} / ${nonZero ? r : `NULLIF(${r}, 0)`}`,
  functions: baseFunctions,
  dateTrunc: (unit, x) => `date_trunc('${unit}', CAST(${x} AS TIMESTAMP))`,
  // Without FILTER, the condition moves into the argument: agg(CASE WHEN c THEN x END) skips the other rows.
  agg(this: Dialect, name, a, distinct, filter) {
    const inline = filter !== undefined && !this.capabilities.filterClause;
    const arg = (x: string | undefined) => (inline ? `CASE WHEN ${filter} THEN ${x} END` : x);
    let sql = name === 'count_star' ? (inline ? `count(${arg('1')})` : 'count(*)')
      : name === 'arg_min' ? `arg_min(${arg(a[0])}, ${a[1]})`
        : `${name}(${distinct ? 'DISTINCT ' : ''}${arg(a[0])})`;
    if (filter !== undefined && !inline) sql += ` FILTER (WHERE ${filter})`;
    return sql;
  },
  quantiles(this: Dialect, x, ps, filter) {
    const inline = filter !== undefined && !this.capabilities.filterClause;
    return `quantile_cont(${inline ? `CASE WHEN ${filter} THEN ${x} END` : x}, [${ps.join(', ')}])${filter !== undefined && !inline ? ` FILTER (WHERE ${filter})` : ''}`;
  },
  index: (array, i) => `(${array})[${i}]`,
  array(items, of) {
    return `CAST([${items.join(', ')}] AS ${this.typeName(of)}[])`;
  },
  // needs DuckDB's ICU extension (bundled); the connection's TimeZone is UTC, so the cast reads x as UTC
  localTime: (x, zone) => (zone === 'UTC' ? `CAST(${x} AS TIMESTAMP)` : `timezone(${quoteString(zone)}, CAST(CAST(${x} AS TIMESTAMP) AS TIMESTAMPTZ))`),
  jsonKey: (name) => `$.${name}`,
  // a number only when the value is a JSON number, as on PostgreSQL and ClickHouse (TRY_CAST would also read "12")
  jsonGet: (j, key, as) => (as === 'text' ? `json_extract_string(${j}, ${key})` : `CASE WHEN json_type(${j}, ${key}) IN ('UBIGINT', 'BIGINT', 'HUGEINT', 'DOUBLE') THEN CAST(json_extract_string(${j}, ${key}) AS DOUBLE) END`),
  nullsLastByDefault: () => true,
  createTableAs: (name, query, temporary) => `CREATE ${temporary ? 'TEMP ' : ''}TABLE ${name} AS ${query}`,
  deleteWhere: (table, condition) => `DELETE FROM ${table} WHERE ${condition}`,
};
