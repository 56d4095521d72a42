/**
 * Expression nodes of the query IR: frozen plain objects with a `kind` tag, built by the factories below
 * and compiled per engine by compile.ts. There is no raw-SQL node: user text enters only as a bound value
 * (`lit`) or as an identifier (`col`, quoted by the dialect). Numbers Segmint computes itself (bin counts,
 * quantile fractions, thresholds) may be written into the SQL with `num`.
 */
import { SegmintError } from '../core/errors.ts';
import type { Select, UnionAll } from './query.ts';

/** A value that becomes a bound parameter (or, on engines without them, an escaped literal). */
export type Value = string | number | boolean | null | Date;

/** Column types for `cast`; each dialect names them (`double` is DOUBLE PRECISION in PostgreSQL, Float64 in ClickHouse). */
export type SqlType = 'double' | 'bigint' | 'integer' | 'varchar' | 'timestamp' | 'date' | 'boolean' | 'decimal';
export const SQL_TYPES: readonly SqlType[] = ['double', 'bigint', 'integer', 'varchar', 'timestamp', 'date', 'boolean', 'decimal'];

/** `/` is true division on every engine: a DOUBLE, and NULL when the divisor is 0. */
export type BinaryOp = '+' | '-' | '*' | '/' | '=' | '<>' | '<' | '<=' | '>' | '>=';

/** Units of `dateTrunc`; weeks start on Monday (ISO) everywhere. */
export type DateUnit = 'day' | 'week' | 'month' | 'quarter' | 'year';

/**
 * Scalar functions whose spelling differs per engine (dialects/*.ts), with their arity `[min, max]`.
 * - `days_between(a, b)`: whole calendar days from the date of a to the date of b (b − a)
 * - `days_between_exact(a, b)`: elapsed time from a to b in days, as a fraction
 * - `to_date(x)`: the calendar date of a timestamp
 * - `round(x, digits)`: half away from zero; `digits` must be a `num`
 * - `greatest/least`: NULL arguments are ignored (NULL only when all are NULL), as in PostgreSQL
 * - `contains/starts_with`: case-sensitive substring/prefix tests; `lower` is Unicode-aware
 * - `trim(text)`: without leading and trailing spaces
 * - `try_double(text)`: the text as a double when it is a decimal number (`12`, `-1.5`, `2e3`, spaces around
 *   allowed), else NULL — never an error
 */
export const FUNCTIONS = {
  days_between: [2, 2],
  days_between_exact: [2, 2],
  to_date: [1, 1],
  greatest: [2, 64],
  least: [2, 64],
  coalesce: [1, 64],
  nullif: [2, 2],
  abs: [1, 1],
  round: [1, 2],
  floor: [1, 1],
  ceil: [1, 1],
  ln: [1, 1],
  sqrt: [1, 1],
  exp: [1, 1],
  lower: [1, 1],
  starts_with: [2, 2],
  contains: [2, 2],
  sin: [1, 1],
  cos: [1, 1],
  asin: [1, 1],
  try_double: [1, 1],
  trim: [1, 1],
} as const satisfies Record<string, readonly [number, number]>;
export type FnName = keyof typeof FUNCTIONS;

/**
 * Aggregates; `count_star` is count(*). Each takes an optional filter (FILTER (WHERE …) or the -If combinator).
 * `arg_min(value, key)` takes two arguments: the value of the row with the smallest key, rows where either is NULL
 * skipped (with tied keys, the value of one of the tied rows).
 */
export type AggName = 'count' | 'count_star' | 'sum' | 'avg' | 'min' | 'max' | 'stddev_pop' | 'stddev_samp' | 'var_samp' | 'median' | 'arg_min';
export const AGGREGATES: readonly AggName[] = ['count', 'count_star', 'sum', 'avg', 'min', 'max', 'stddev_pop', 'stddev_samp', 'var_samp', 'median', 'arg_min'];
/** How many arguments each aggregate takes. */
export const AGGREGATE_ARITY: Readonly<Record<AggName, number>> = {
  count: 1, count_star: 0, sum: 1, avg: 1, min: 1, max: 1, stddev_pop: 1, stddev_samp: 1, var_samp: 1, median: 1, arg_min: 2,
};

/** Element types of `arrayOf`. */
export type ArrayElement = 'double' | 'varchar';

/** Window functions; only compiled where the dialect has `capabilities.windowFunctions`. */
export type WindowFn = 'row_number' | 'ntile' | 'lag';

/** One ORDER BY item. Nulls sort last unless `nullsLast` is false, on every engine. */
export interface OrderItem {
  readonly expr: Expr;
  readonly desc: boolean;
  readonly nullsLast: boolean;
}

export type Expr =
  | { readonly kind: 'col'; readonly name: string; readonly table?: string }
  | { readonly kind: 'param'; readonly value: Value }
  | { readonly kind: 'num'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'logic'; readonly op: 'and' | 'or'; readonly items: readonly Expr[] }
  | { readonly kind: 'not'; readonly expr: Expr }
  | { readonly kind: 'is_null'; readonly expr: Expr; readonly negate: boolean }
  | { readonly kind: 'in'; readonly expr: Expr; readonly values: readonly Expr[]; readonly negate: boolean }
  | { readonly kind: 'in_query'; readonly expr: Expr; readonly query: Select | UnionAll; readonly negate: boolean }
  | { readonly kind: 'case'; readonly whens: readonly (readonly [Expr, Expr])[]; readonly else?: Expr }
  | { readonly kind: 'cast'; readonly expr: Expr; readonly to: SqlType }
  | { readonly kind: 'fn'; readonly name: FnName; readonly args: readonly Expr[] }
  | { readonly kind: 'date_trunc'; readonly unit: DateUnit; readonly expr: Expr }
  | { readonly kind: 'agg'; readonly name: AggName; readonly args: readonly Expr[]; readonly distinct: boolean; readonly filter?: Expr }
  | { readonly kind: 'quantiles'; readonly expr: Expr; readonly ps: readonly number[]; readonly filter?: Expr }
  | { readonly kind: 'grouping'; readonly exprs: readonly Expr[] }
  | { readonly kind: 'index'; readonly array: Expr; readonly i: number }
  | { readonly kind: 'scalar_query'; readonly query: Select | UnionAll }
  | { readonly kind: 'json_get'; readonly expr: Expr; readonly key: string; readonly as: 'text' | 'number' }
  | { readonly kind: 'array'; readonly of: ArrayElement; readonly items: readonly Expr[] }
  | { readonly kind: 'local_time'; readonly expr: Expr; readonly zone: string }
  | {
      readonly kind: 'window';
      readonly fn: WindowFn;
      readonly args: readonly Expr[];
      readonly partitionBy: readonly Expr[];
      readonly orderBy: readonly OrderItem[];
    };

const f = <T extends object>(o: T): T => Object.freeze(o);

/** A column, optionally qualified by a table alias: `col('ts', 't')` → `"t"."ts"`. */
export const col = (name: string, table?: string): Expr => f(table === undefined ? { kind: 'col', name } : { kind: 'col', name, table });

/** A value: a bound parameter where the engine binds (`$1`), an escaped literal where it cannot. `lit(null)` is NULL. */
export const lit = (value: Value): Expr => (value === null ? NULL : f({ kind: 'param', value }));
/** Same as `lit` (the name the first features used). */
export const param = lit;

/** A number Segmint computed itself, written into the SQL (finite numbers only). */
export const num = (value: number): Expr => {
  if (!Number.isFinite(value)) throw new SegmintError('invalid-number', `num(${value}): only finite numbers can be written into SQL`, { hint: 'check the computation that produced it', exitCode: 1 });
  return f({ kind: 'num', value });
};
export const bool = (value: boolean): Expr => f({ kind: 'bool', value });
export const NULL: Expr = f({ kind: 'null' });

export const binary = (op: BinaryOp, left: Expr, right: Expr): Expr => f({ kind: 'binary', op, left, right });
/** Same as `binary`. */
export const bin = binary;
export const add = (a: Expr, b: Expr) => binary('+', a, b);
export const sub = (a: Expr, b: Expr) => binary('-', a, b);
export const mul = (a: Expr, b: Expr) => binary('*', a, b);
/** True division (DOUBLE), NULL when `b` is 0, on every engine. */
export const div = (a: Expr, b: Expr) => binary('/', a, b);
export const eq = (a: Expr, b: Expr) => binary('=', a, b);
export const ne = (a: Expr, b: Expr) => binary('<>', a, b);
export const lt = (a: Expr, b: Expr) => binary('<', a, b);
export const le = (a: Expr, b: Expr) => binary('<=', a, b);
export const gt = (a: Expr, b: Expr) => binary('>', a, b);
export const ge = (a: Expr, b: Expr) => binary('>=', a, b);

/** AND of the items; one item is returned as is, none is TRUE. */
export const and = (...items: Expr[]): Expr => (items.length === 0 ? bool(true) : items.length === 1 ? items[0]! : f({ kind: 'logic', op: 'and', items }));
/** OR of the items; one item is returned as is, none is FALSE. */
export const or = (...items: Expr[]): Expr => (items.length === 0 ? bool(false) : items.length === 1 ? items[0]! : f({ kind: 'logic', op: 'or', items }));
export const not = (expr: Expr): Expr => f({ kind: 'not', expr });
export const isNull = (expr: Expr): Expr => f({ kind: 'is_null', expr, negate: false });
export const isNotNull = (expr: Expr): Expr => f({ kind: 'is_null', expr, negate: true });

const isExpr = (v: unknown): v is Expr => typeof v === 'object' && v !== null && !(v instanceof Date) && typeof (v as { kind?: unknown }).kind === 'string';
const toExpr = (v: Expr | Value): Expr => (isExpr(v) ? v : lit(v));

/** `expr IN (…)`; plain values become bound parameters. An empty list is FALSE (TRUE when negated). */
export const inList = (expr: Expr, values: readonly (Expr | Value)[], negate = false): Expr => f({ kind: 'in', expr, values: values.map(toExpr), negate });
export const inQuery = (expr: Expr, query: Select | UnionAll, negate = false): Expr => f({ kind: 'in_query', expr, query, negate });
/** lo ≤ x ≤ hi. */
export const between = (x: Expr, lo: Expr, hi: Expr): Expr => and(ge(x, lo), le(x, hi));
/** CASE WHEN c1 THEN v1 … ELSE otherwise END (ELSE NULL when omitted). */
export const caseWhen = (whens: readonly (readonly [Expr, Expr])[], otherwise?: Expr): Expr =>
  f(otherwise === undefined ? { kind: 'case', whens } : { kind: 'case', whens, else: otherwise });
export const cast = (expr: Expr, to: SqlType): Expr => f({ kind: 'cast', expr, to });

/** A named function from FUNCTIONS; the arity is checked when compiling. */
export const fn = (name: FnName, ...args: Expr[]): Expr => f({ kind: 'fn', name, args });
export const coalesce = (...args: Expr[]) => fn('coalesce', ...args);
export const nullif = (a: Expr, b: Expr) => fn('nullif', a, b);
export const greatest = (...args: Expr[]) => fn('greatest', ...args);
export const least = (...args: Expr[]) => fn('least', ...args);
export const abs = (x: Expr) => fn('abs', x);
export const ln = (x: Expr) => fn('ln', x);
export const sqrt = (x: Expr) => fn('sqrt', x);
export const exp = (x: Expr) => fn('exp', x);
export const floor = (x: Expr) => fn('floor', x);
export const ceil = (x: Expr) => fn('ceil', x);
/** Half away from zero to `digits` decimals (an integer written into the SQL). */
export const round = (x: Expr, digits = 0) => fn('round', x, num(digits));
export const lower = (x: Expr) => fn('lower', x);
export const startsWith = (x: Expr, prefix: Expr) => fn('starts_with', x, prefix);
export const contains = (x: Expr, part: Expr) => fn('contains', x, part);
export const toDate = (x: Expr) => fn('to_date', x);
/** Whole calendar days from the date of `from` to the date of `to`. */
export const daysBetween = (from: Expr, to: Expr) => fn('days_between', from, to);
/** Elapsed days from `from` to `to`, as a fraction (12 hours = 0.5). */
export const daysBetweenExact = (from: Expr, to: Expr) => fn('days_between_exact', from, to);
/** The start of the unit containing `x`, as a timestamp. */
export const dateTrunc = (unit: DateUnit, x: Expr): Expr => f({ kind: 'date_trunc', unit, expr: x });

/** sin, cos and asin of radians (haversine distances). */
export const sin = (x: Expr) => fn('sin', x);
export const cos = (x: Expr) => fn('cos', x);
export const asin = (x: Expr) => fn('asin', x);
/** A one-row, one-column query used as a value: `(SELECT avg(x) FROM …)`. */
export const scalarQuery = (query: Select | UnionAll): Expr => f({ kind: 'scalar_query', query });
/**
 * The value of top-level key `key` of a JSON column, as text or as a number (NULL when missing or, for
 * numbers, not numeric). `key` must be a plain name (letters, digits, `_`); it is bound, never written as SQL.
 */
export const jsonGet = (x: Expr, key: string, as: 'text' | 'number' = 'text'): Expr => f({ kind: 'json_get', expr: x, key, as });

/**
 * An array of doubles or texts built from expressions (a row's columns as one list column). Where the engine's
 * arrays cannot hold NULL (ClickHouse: `Array(Float64)`, `Array(String)`), a NULL element is stored as nan
 * (doubles) or '' (texts).
 */
export const arrayOf = (of: ArrayElement, items: readonly Expr[]): Expr => f({ kind: 'array', of, items: [...items] });
/** The text without leading and trailing spaces. */
export const trim = (x: Expr) => fn('trim', x);
/** `try_double(text)`: the text as a double when it is a number, else NULL. */
export const tryDouble = (x: Expr) => fn('try_double', x);
/**
 * The wall-clock time in time zone `zone` (an IANA name such as `America/New_York`, or `UTC`) of the UTC
 * timestamp `x`, as a timestamp without zone: for calendar days and months in a user's zone. The zone is
 * written into the SQL as a quoted literal (it must look like a zone name: letters, digits, `_ + - /`).
 */
export const localTime = (x: Expr, zone: string): Expr => f({ kind: 'local_time', expr: x, zone });

/** Options of an aggregate: a filter (rows where it is true) and DISTINCT. */
export interface AggOptions {
  distinct?: boolean;
  filter?: Expr;
}
/** The value of the row with the smallest `key` (see AggName): DuckDB's arg_min, ClickHouse's argMin. */
export const argMin = (value: Expr, key: Expr, opts: { filter?: Expr } = {}): Expr =>
  f({ kind: 'agg', name: 'arg_min', args: [value, key], distinct: false, ...(opts.filter ? { filter: opts.filter } : {}) });
/**
 * GROUPING(a, …) in a query with `groupingSets`: a bit per argument, 1 where the row's grouping set leaves that
 * expression out (its value there is NULL) — 0 for a row of a set that groups by it.
 */
export const grouping = (...exprs: Expr[]): Expr => f({ kind: 'grouping', exprs });
export const agg = (name: AggName, arg?: Expr, opts: AggOptions = {}): Expr =>
  f({ kind: 'agg', name, args: arg ? [arg] : [], distinct: opts.distinct ?? false, ...(opts.filter ? { filter: opts.filter } : {}) });
/** count(*) without an argument, count(x) (non-NULL x) with one. */
export const count = (x?: Expr, opts: { filter?: Expr } = {}) => (x ? agg('count', x, opts) : agg('count_star', undefined, opts));
export const countDistinct = (x: Expr, opts: { filter?: Expr } = {}) => agg('count', x, { ...opts, distinct: true });
export const sum = (x: Expr, opts: AggOptions = {}) => agg('sum', x, opts);
export const avg = (x: Expr, opts: AggOptions = {}) => agg('avg', x, opts);
export const min = (x: Expr, opts: { filter?: Expr } = {}) => agg('min', x, opts);
export const max = (x: Expr, opts: { filter?: Expr } = {}) => agg('max', x, opts);
export const stddevSamp = (x: Expr, opts: { filter?: Expr } = {}) => agg('stddev_samp', x, opts);
export const stddevPop = (x: Expr, opts: { filter?: Expr } = {}) => agg('stddev_pop', x, opts);
/** The sample variance (n − 1 in the denominator); NULL for fewer than two values. */
export const varSamp = (x: Expr, opts: { filter?: Expr } = {}) => agg('var_samp', x, opts);
/** The interpolated median (quantile 0.5, as `quantiles`). */
export const median = (x: Expr, opts: { filter?: Expr } = {}) => agg('median', x, opts);
/**
 * Interpolated quantiles (type 7: position p·(n−1) between the sorted values) of `x` at the fractions
 * `ps`, as an array; take element k (1-based) with `index`.
 */
export const quantiles = (x: Expr, ps: readonly number[], opts: { filter?: Expr } = {}): Expr =>
  f({ kind: 'quantiles', expr: x, ps: [...ps], ...(opts.filter ? { filter: opts.filter } : {}) });
/** Element `i` (1-based) of an array. */
export const index = (array: Expr, i: number): Expr => f({ kind: 'index', array, i });

/** An ORDER BY item: an expression (ascending, nulls last) or `{ expr, desc, nullsLast }`. */
export type OrderLike = Expr | { readonly expr: Expr; readonly desc?: boolean; readonly nullsLast?: boolean };
/** Normalises ORDER BY items (defaults: ascending, nulls last). */
export const orderItem = (o: OrderLike): OrderItem =>
  f(isExpr(o) ? { expr: o, desc: false, nullsLast: true } : { expr: o.expr, desc: o.desc ?? false, nullsLast: o.nullsLast ?? true });

const win = (fnName: WindowFn, args: Expr[], partitionBy: readonly Expr[], orderBy: readonly OrderLike[]): Expr =>
  f({ kind: 'window', fn: fnName, args, partitionBy: [...partitionBy], orderBy: orderBy.map(orderItem) });
/** lag(x) OVER (PARTITION BY … ORDER BY …): the previous row's x. Window functions are capability-gated. */
export const lag = (x: Expr, partitionBy: readonly Expr[], orderBy: readonly OrderLike[]) => win('lag', [x], partitionBy, orderBy);
/** row_number() OVER (…), 1-based. */
export const rowNumber = (partitionBy: readonly Expr[], orderBy: readonly OrderLike[]) => win('row_number', [], partitionBy, orderBy);
/** ntile(n) OVER (…): equal-count buckets 1…n. */
export const ntile = (n: number, partitionBy: readonly Expr[], orderBy: readonly OrderLike[]) => win('ntile', [num(n)], partitionBy, orderBy);
