/**
 * The query IR: frozen plain objects with a `kind` tag, built by the factories below and compiled per
 * engine by compile.ts. User text only ever enters as a bound parameter (`param`) or a checked, quoted
 * identifier (`col`); numbers that Segmint itself computes may be inlined (`num`).
 */

/** `decimal` is DECIMAL(18,4): exact sums of money, independent of the order of addition. */
export type SqlType = 'double' | 'bigint' | 'integer' | 'varchar' | 'timestamp' | 'date' | 'boolean' | 'decimal';
export type BinaryOp = '+' | '-' | '*' | '/' | '=' | '<>' | '<' | '<=' | '>' | '>=';
/** Scalar functions whose spelling differs per engine (see dialects/). */
export type FnName =
  | 'days_between' // whole days from the date of arg0 to the date of arg1
  | 'to_date' | 'greatest' | 'least' | 'coalesce' | 'nullif' | 'abs' | 'round' | 'floor' | 'ceil' | 'ln' | 'sqrt'
  | 'starts_with' | 'lower' | 'contains';
export type AggName = 'count' | 'count_star' | 'sum' | 'avg' | 'min' | 'max' | 'stddev_pop' | 'stddev_samp' | 'median';

export type Expr =
  | { readonly kind: 'col'; readonly name: string; readonly table?: string }
  | { readonly kind: 'param'; readonly value: string | number | boolean | null | Date }
  | { readonly kind: 'num'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'logic'; readonly op: 'and' | 'or'; readonly items: readonly Expr[] }
  | { readonly kind: 'not'; readonly expr: Expr }
  | { readonly kind: 'is_null'; readonly expr: Expr; readonly negate: boolean }
  | { readonly kind: 'in'; readonly expr: Expr; readonly values: readonly Expr[]; readonly negate: boolean }
  | { readonly kind: 'in_query'; readonly expr: Expr; readonly query: Select; readonly negate: boolean }
  | { readonly kind: 'case'; readonly whens: readonly (readonly [Expr, Expr])[]; readonly else?: Expr }
  | { readonly kind: 'cast'; readonly expr: Expr; readonly to: SqlType }
  | { readonly kind: 'fn'; readonly name: FnName; readonly args: readonly Expr[] }
  | { readonly kind: 'agg'; readonly name: AggName; readonly args: readonly Expr[]; readonly distinct: boolean; readonly filter?: Expr }
  | { readonly kind: 'quantiles'; readonly expr: Expr; readonly ps: readonly number[] }
  | { readonly kind: 'index'; readonly array: Expr; readonly i: number }
  | { readonly kind: 'window'; readonly fn: 'lag' | 'row_number'; readonly args: readonly Expr[]; readonly partitionBy: readonly Expr[]; readonly orderBy: readonly Expr[] };

export type Source =
  | { readonly kind: 'table'; readonly name: string; readonly alias?: string }
  | { readonly kind: 'subquery'; readonly query: Select; readonly alias: string };

export interface Join {
  readonly type: 'inner' | 'left' | 'cross';
  readonly source: Source;
  readonly on?: Expr;
}

export interface Select {
  readonly kind: 'select';
  readonly with?: readonly { readonly name: string; readonly query: Select }[];
  readonly select: readonly { readonly expr: Expr; readonly as?: string }[] | '*';
  readonly from: Source;
  readonly joins?: readonly Join[];
  readonly where?: Expr;
  readonly groupBy?: readonly Expr[];
  readonly having?: Expr;
  readonly orderBy?: readonly { readonly expr: Expr; readonly desc?: boolean }[];
  readonly limit?: number;
}

const f = <T extends object>(o: T): T => Object.freeze(o);

export const col = (name: string, table?: string): Expr => f(table === undefined ? { kind: 'col', name } : { kind: 'col', name, table });
export const param = (value: string | number | boolean | null | Date): Expr => f({ kind: 'param', value });
export const num = (value: number): Expr => {
  if (!Number.isFinite(value)) throw new Error(`num(${value}): only finite numbers can be inlined`);
  return f({ kind: 'num', value });
};
export const bool = (value: boolean): Expr => f({ kind: 'bool', value });
export const NULL: Expr = f({ kind: 'null' });
export const bin = (op: BinaryOp, left: Expr, right: Expr): Expr => f({ kind: 'binary', op, left, right });
export const add = (a: Expr, b: Expr) => bin('+', a, b);
export const sub = (a: Expr, b: Expr) => bin('-', a, b);
export const mul = (a: Expr, b: Expr) => bin('*', a, b);
export const div = (a: Expr, b: Expr) => bin('/', a, b);
export const eq = (a: Expr, b: Expr) => bin('=', a, b);
export const lt = (a: Expr, b: Expr) => bin('<', a, b);
export const le = (a: Expr, b: Expr) => bin('<=', a, b);
export const gt = (a: Expr, b: Expr) => bin('>', a, b);
export const ge = (a: Expr, b: Expr) => bin('>=', a, b);
export const and = (...items: Expr[]): Expr => (items.length === 1 ? items[0]! : f({ kind: 'logic', op: 'and', items }));
export const or = (...items: Expr[]): Expr => (items.length === 1 ? items[0]! : f({ kind: 'logic', op: 'or', items }));
export const not = (expr: Expr): Expr => f({ kind: 'not', expr });
export const isNull = (expr: Expr): Expr => f({ kind: 'is_null', expr, negate: false });
export const isNotNull = (expr: Expr): Expr => f({ kind: 'is_null', expr, negate: true });
export const inList = (expr: Expr, values: Expr[], negate = false): Expr => f({ kind: 'in', expr, values, negate });
export const inQuery = (expr: Expr, query: Select, negate = false): Expr => f({ kind: 'in_query', expr, query, negate });
export const between = (x: Expr, lo: Expr, hi: Expr): Expr => and(ge(x, lo), le(x, hi));
export const caseWhen = (whens: [Expr, Expr][], otherwise?: Expr): Expr => f(otherwise === undefined ? { kind: 'case', whens } : { kind: 'case', whens, else: otherwise });
export const cast = (expr: Expr, to: SqlType): Expr => f({ kind: 'cast', expr, to });
export const fn = (name: FnName, ...args: Expr[]): Expr => f({ kind: 'fn', name, args });
export const agg = (name: AggName, arg?: Expr, opts: { distinct?: boolean; filter?: Expr } = {}): Expr =>
  f({ kind: 'agg', name, args: arg ? [arg] : [], distinct: opts.distinct ?? false, ...(opts.filter ? { filter: opts.filter } : {}) });
export const quantiles = (expr: Expr, ps: number[]): Expr => f({ kind: 'quantiles', expr, ps });
export const index = (array: Expr, i: number): Expr => f({ kind: 'index', array, i });
export const lag = (expr: Expr, partitionBy: Expr[], orderBy: Expr[]): Expr => f({ kind: 'window', fn: 'lag', args: [expr], partitionBy, orderBy });

export const table = (name: string, alias?: string): Source => f(alias === undefined ? { kind: 'table', name } : { kind: 'table', name, alias });
export const subquery = (query: Select, alias: string): Source => f({ kind: 'subquery', query, alias });
export const select = (q: Omit<Select, 'kind'>): Select => f({ kind: 'select', ...q });
