/**
 * compile(query, dialect) → { sql, params }: one walk over the IR; every engine difference is a hook or a
 * capability of the dialect. CTEs become subqueries on engines without them; values become placeholders,
 * or escaped literals where the engine cannot bind. Problems are collected with their place in the tree
 * and reported together in one SegmintError.
 */
import { SegmintError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { AGGREGATES, AGGREGATE_ARITY, and, FUNCTIONS, type Expr, type FnName, type OrderItem } from './expr.ts';
import { isStatement, type Join, type Query, type Select, type Source, type Statement } from './query.ts';
import { clickhouse } from './dialects/clickhouse.ts';
import { duckdb } from './dialects/duckdb.ts';
import { postgres } from './dialects/postgres.ts';
import { formatNumber, formatTimestamp, type Dialect, type DialectName } from './dialects/base.ts';
import { isPlainName } from './quote.ts';

/** The dialects by name. */
export const DIALECT: Readonly<Record<DialectName, Dialect>> = { duckdb, postgres, clickhouse };

/** A bound parameter value, in placeholder order. Dates are passed as `YYYY-MM-DD HH:MM:SS[.mmm]` text. */
export type BoundValue = string | number | boolean | null;

export interface Compiled {
  sql: string;
  params: BoundValue[];
}

/** One problem found while compiling: a kebab-case code, what was wrong, and where in the IR (`select[2].expr`). */
export interface Diagnostic {
  code: string;
  message: string;
  path: string;
  hint?: string;
}

const PRECEDENCE: Record<string, number> = { '*': 5, '/': 5, '+': 4, '-': 4, '=': 3, '<>': 3, '<': 3, '<=': 3, '>': 3, '>=': 3 };

/** The CTEs visible at a point of the query, each with the scope it was defined in (CTEs are not recursive). */
type Scope = ReadonlyMap<string, { query: Query; scope: Scope }>;

const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=']);
const isTimestampValue = (e: Expr) => e.kind === 'param' && e.value instanceof Date;
const isNonZeroConstant = (e: Expr) => (e.kind === 'num' || e.kind === 'param') && typeof e.value === 'number' && e.value !== 0;
const sameColumn = (e: Expr, name: string): boolean => (e.kind === 'col' && e.name === name) || (e.kind === 'cast' && sameColumn(e.expr, name));

class Compiler {
  readonly params: BoundValue[] = [];
  readonly diagnostics: Diagnostic[] = [];
  /** The CTEs visible where the compiler currently is. */
  private scope: Scope = new Map();
  constructor(private readonly d: Dialect) {}

  private report(path: string, code: string, message: string, hint?: string): string {
    this.diagnostics.push(hint === undefined ? { code, message, path } : { code, message, path, hint });
    return 'NULL';
  }

  /** Runs a dialect hook; an error it raises becomes a diagnostic at `path`. */
  private hook(path: string, f: () => string): string {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof SegmintError)) throw e;
      return this.report(path, e.code, e.message, e.hint);
    }
  }

  private ident(name: string, path: string): string {
    if (typeof name !== 'string' || name.length === 0) return this.report(path, 'invalid-identifier', `empty or missing identifier ${JSON.stringify(name)}`, 'name every column, table and alias');
    return this.d.quoteIdent(name);
  }

  private list(items: readonly Expr[], path: string): string[] {
    return items.map((x, i) => this.expr(x, `${path}[${i}]`));
  }

  expr(e: Expr, path: string): string {
    const d = this.d;
    switch (e.kind) {
      case 'col':
        return e.table === undefined ? this.ident(e.name, path) : `${this.ident(e.table, `${path}.table`)}.${this.ident(e.name, path)}`;
      case 'param': {
        const v = e.value;
        if (v === null) return 'NULL';
        if (typeof v === 'number' && !Number.isFinite(v)) return this.report(path, 'invalid-value', `cannot bind ${v}`, 'use a finite number or NULL');
        if (v instanceof Date && Number.isNaN(v.getTime())) return this.report(path, 'invalid-value', 'cannot bind an invalid Date', 'check the date that was passed');
        if (!d.capabilities.boundParams) return this.hook(path, () => d.literal(v));
        this.params.push(v instanceof Date ? formatTimestamp(v) : v);
        return d.paramRef(d.placeholder(this.params.length), v);
      }
      case 'num':
        return this.hook(path, () => formatNumber(e.value));
      case 'bool':
        return d.booleanLiteral(e.value);
      case 'null':
        return 'NULL';
      case 'binary': {
        const p = PRECEDENCE[e.op];
        if (p === undefined) return this.report(`${path}.op`, 'unknown-operator', `unknown operator ${String(e.op)}`, `use one of ${Object.keys(PRECEDENCE).join(' ')}`);
        const side = (x: Expr, right: boolean, sub: string) => {
          const s = this.expr(x, `${path}.${sub}`);
          if (x.kind !== 'binary') return s;
          const q = PRECEDENCE[x.op] ?? 0;
          return q < p || (right && q === p) ? `(${s})` : s;
        };
        let l = side(e.left, false, 'left');
        let r = side(e.right, true, 'right');
        if (COMPARISONS.has(e.op) && d.timestampOperand) {
          if (isTimestampValue(e.right) && !isTimestampValue(e.left)) l = d.timestampOperand(l);
          else if (isTimestampValue(e.left) && !isTimestampValue(e.right)) r = d.timestampOperand(r);
        }
        return e.op === '/' ? d.divide(l, r, isNonZeroConstant(e.right)) : `${l} ${e.op} ${r}`;
      }
      case 'logic':
        if (e.items.length === 0) return d.booleanLiteral(e.op === 'and');
        return `(${this.list(e.items, `${path}.items`).join(` ${e.op.toUpperCase()} `)})`;
      case 'not':
        return `(NOT ${this.expr(e.expr, `${path}.expr`)})`;
      case 'is_null':
        return `(${this.expr(e.expr, `${path}.expr`)} IS ${e.negate ? 'NOT ' : ''}NULL)`;
      case 'in':
        if (e.values.length === 0) return d.booleanLiteral(e.negate);
      {
        let x = this.expr(e.expr, `${path}.expr`);
        if (d.timestampOperand && e.values.some(isTimestampValue) && !isTimestampValue(e.expr)) x = d.timestampOperand(x);
        return `(${x} ${e.negate ? 'NOT IN' : 'IN'} (${this.list(e.values, `${path}.values`).join(', ')}))`;
      }
      case 'in_query':
        return `(${this.expr(e.expr, `${path}.expr`)} ${d.globalIn ? 'GLOBAL ' : ''}${e.negate ? 'NOT IN' : 'IN'} (${this.query(e.query, this.scope, `${path}.query`)}))`;
      case 'case': {
        if (e.whens.length === 0) return this.report(path, 'invalid-case', 'CASE without a WHEN', 'give at least one [condition, value] pair');
        const whens = e.whens.map(([c, v], i) => `WHEN ${this.expr(c, `${path}.whens[${i}][0]`)} THEN ${this.expr(v, `${path}.whens[${i}][1]`)}`);
        return `CASE ${whens.join(' ')}${e.else ? ` ELSE ${this.expr(e.else, `${path}.else`)}` : ''} END`;
      }
      case 'cast':
        return this.hook(path, () => d.cast(this.expr(e.expr, `${path}.expr`), e.to));
      case 'fn':
        return this.fn(e.name, e.args, path);
      case 'date_trunc': {
        const x = this.expr(e.expr, `${path}.expr`);
        if (!['day', 'week', 'month', 'quarter', 'year'].includes(e.unit)) return this.report(`${path}.unit`, 'invalid-argument', `unknown date unit ${String(e.unit)}`, 'use day, week, month, quarter or year');
        return this.hook(path, () => d.dateTrunc(e.unit, x));
      }
      case 'agg': {
        if (!AGGREGATES.includes(e.name)) return this.unknown(path, 'aggregate', String(e.name), AGGREGATES);
        const want = AGGREGATE_ARITY[e.name];
        if (e.args.length !== want) return this.report(path, 'wrong-arity', `${e.name} takes ${want} argument${want === 1 ? '' : 's'}, got ${e.args.length}`);
        if (e.distinct && e.name === 'arg_min') return this.report(path, 'invalid-argument', 'arg_min takes no DISTINCT');
        const args = this.list(e.args, `${path}.args`);
        const filter = e.filter ? this.expr(e.filter, `${path}.filter`) : undefined;
        return this.hook(path, () => d.agg(e.name, args, e.distinct, filter));
      }
      case 'grouping': {
        const xs = this.list(e.exprs, `${path}.exprs`);
        if (!d.capabilities.groupingSets) return this.report(path, 'unsupported-in-dialect', `GROUPING() is not available in ${d.name}`, 'run one query per grouping instead of grouping sets');
        if (xs.length === 0) return this.report(path, 'wrong-arity', 'GROUPING() takes at least one expression');
        return `GROUPING(${xs.join(', ')})`;
      }
      case 'quantiles': {
        const x = this.expr(e.expr, `${path}.expr`);
        const filter = e.filter ? this.expr(e.filter, `${path}.filter`) : undefined;
        const bad = e.ps.find((p) => !(Number.isFinite(p) && p >= 0 && p <= 1));
        if (e.ps.length === 0 || bad !== undefined) {
          return this.report(`${path}.ps`, 'invalid-quantile', e.ps.length === 0 ? 'no quantile fractions given' : `quantile fraction ${bad} is not between 0 and 1`, 'give fractions such as [0.25, 0.5, 0.75]');
        }
        return this.hook(path, () => d.quantiles(x, e.ps.map(formatNumber), filter));
      }
      case 'index': {
        const a = this.expr(e.array, `${path}.array`);
        if (!Number.isInteger(e.i) || e.i < 1) return this.report(`${path}.i`, 'invalid-argument', `array index ${e.i} is not a positive integer`, 'array elements are numbered from 1');
        return d.index(a, e.i);
      }
      case 'scalar_query':
        return `(${this.query(e.query, this.scope, `${path}.query`)})`;
      case 'json_get': {
        const j = this.expr(e.expr, `${path}.expr`);
        if (typeof e.key !== 'string' || !isPlainName(e.key)) return this.report(`${path}.key`, 'invalid-identifier', `JSON key ${JSON.stringify(e.key)} is not a plain name`, 'use letters, digits and _ only');
        // the key is a bound value (a JSON path on DuckDB, the name for `->>` on PostgreSQL)
        const key = this.expr({ kind: 'param', value: d.jsonKey(e.key) }, `${path}.key`);
        return this.hook(path, () => d.jsonGet(j, key, e.as));
      }
      case 'array': {
        if (e.of !== 'double' && e.of !== 'varchar') return this.report(`${path}.of`, 'invalid-argument', `arrays hold double or varchar, not ${String(e.of)}`);
        const items = this.list(e.items, `${path}.items`);
        return this.hook(path, () => d.array(items, e.of));
      }
      case 'local_time': {
        const x = this.expr(e.expr, `${path}.expr`);
        if (typeof e.zone !== 'string' || !/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(e.zone)) return this.report(`${path}.zone`, 'invalid-argument', `${JSON.stringify(e.zone)} is not a time zone name`, 'use an IANA name such as Europe/Berlin, or UTC');
        return this.hook(path, () => d.localTime(x, e.zone));
      }
      case 'window': {
        const args = this.list(e.args, `${path}.args`);
        const partition = this.list(e.partitionBy, `${path}.partitionBy`);
        const order = this.orderBy(e.orderBy, `${path}.orderBy`);
        if (!d.capabilities.windowFunctions) {
          return this.report(path, 'unsupported-in-dialect', `window function ${e.fn}() is not available in ${d.name}`, 'build the query without window functions for this engine (e.g. bins from quantile edges, gaps by a self-join)');
        }
        if (e.fn === 'ntile' && !(e.args[0]?.kind === 'num' && Number.isInteger(e.args[0].value) && e.args[0].value > 0)) {
          return this.report(`${path}.args[0]`, 'invalid-argument', 'ntile() needs a positive whole number of buckets');
        }
        const over = [partition.length ? `PARTITION BY ${partition.join(', ')}` : '', order].filter(Boolean).join(' ');
        return `${e.fn}(${args.join(', ')}) OVER (${over})`;
      }
      default:
        return this.report(path, 'unknown-node', `unknown expression node ${JSON.stringify((e as { kind?: unknown }).kind)}`, 'build expressions with the factories of src/sql/expr.ts');
    }
  }

  private unknown(path: string, what: 'function' | 'aggregate', name: string, known: readonly string[]): string {
    const guess = didYouMean(name, known);
    return this.report(path, `unknown-${what}`, `unknown ${what} ${name}${guess ? `; did you mean ${guess}?` : ''}`, `use one of ${known.join(', ')}`);
  }

  private fn(name: FnName, argExprs: readonly Expr[], path: string): string {
    const arity = (FUNCTIONS as Record<string, readonly [number, number] | undefined>)[name];
    const impl = this.d.functions[name];
    if (!arity || !impl) {
      const known = Object.keys(FUNCTIONS).filter((k) => this.d.functions[k as FnName]);
      return arity ? this.report(path, 'unknown-function', `${name}() is not available in ${this.d.name}`, `use one of ${known.join(', ')}`) : this.unknown(path, 'function', String(name), known);
    }
    const [lo, hi] = arity;
    if (argExprs.length < lo || argExprs.length > hi) {
      return this.report(path, 'wrong-arity', `${name}() takes ${lo === hi ? lo : `${lo} to ${hi}`} arguments, got ${argExprs.length}`);
    }
    if (name === 'round' && argExprs[1] && !(argExprs[1].kind === 'num' && Number.isInteger(argExprs[1].value) && argExprs[1].value >= 0 && argExprs[1].value <= 15)) {
      return this.report(`${path}.args[1]`, 'invalid-argument', 'round() needs its digits as a whole number 0–15 written with num()');
    }
    const args = this.list(argExprs, `${path}.args`);
    return this.hook(path, () => impl(args));
  }

  private orderBy(items: readonly OrderItem[], path: string): string {
    if (items.length === 0) return '';
    return `ORDER BY ${items.map((o, i) => {
      const nulls = o.nullsLast === this.d.nullsLastByDefault(o.desc) ? '' : o.nullsLast ? ' NULLS LAST' : ' NULLS FIRST';
      return `${this.expr(o.expr, `${path}[${i}].expr`)}${o.desc ? ' DESC' : ''}${nulls}`;
    }).join(', ')}`;
  }

  query(q: Query, scope: Scope, path: string): string {
    const outer = this.scope;
    this.scope = scope;
    try {
      if (q.kind === 'select') return this.select(q, path);
      if (q.kind !== 'union_all') return this.report(path, 'unknown-node', `unknown query node ${JSON.stringify((q as { kind?: unknown }).kind)}`, 'build queries with select() or unionAll()');
      if (q.queries.length === 0) return this.report(path, 'invalid-union', 'UNION ALL of no queries', 'give at least one query');
      return q.queries.map((s, i) => {
        const p = `${path}.queries[${i}]`;
        // A member with its own WITH, ORDER BY or LIMIT is wrapped so the clause stays with it.
        if (s.with?.length || s.orderBy?.length || s.limit !== undefined) return `SELECT * FROM (${this.select(s, p)}) AS ${this.d.quoteIdent(`union_${i + 1}`)}`;
        return this.select(s, p);
      }).join(' UNION ALL ');
    } finally {
      this.scope = outer;
    }
  }

  statement(st: Statement, path: string): string {
    const d = this.d;
    switch (st.kind) {
      case 'insert_select': {
        const cols = st.columns === undefined ? '' : ` (${st.columns.map((c, i) => this.ident(c, `${path}.columns[${i}]`)).join(', ')})`;
        if (st.columns !== undefined && st.columns.length === 0) this.report(`${path}.columns`, 'invalid-insert', 'INSERT with an empty column list', 'name the columns, or leave the list out for all of them');
        return `INSERT INTO ${this.ident(st.table, `${path}.table`)}${cols} ${this.query(st.query, new Map(), `${path}.query`)}`;
      }
      case 'create_table_as': {
        const name = this.ident(st.name, `${path}.name`);
        const order = (st.orderBy ?? []).map((c, i) => this.ident(c, `${path}.orderBy[${i}]`));
        return d.createTableAs(name, this.query(st.query, new Map(), `${path}.query`), st.temporary, order);
      }
      case 'delete':
        return d.deleteWhere(this.ident(st.table, `${path}.table`), this.expr(st.where, `${path}.where`));
      case 'drop_table':
        return `DROP TABLE IF EXISTS ${this.ident(st.name, `${path}.name`)}`;
      default:
        return this.report(path, 'unknown-node', `unknown statement ${JSON.stringify((st as { kind?: unknown }).kind)}`, 'build statements with insertSelect, createTableAs, deleteWhere or dropTable');
    }
  }

  /** `joined`: the source is one side of a JOIN (see `Dialect.joinTablesAsSubqueries`). */
  private source(s: Source, path: string, joined = false): string {
    const d = this.d;
    if (s.kind === 'table') {
      const cte = this.scope.get(s.name);
      if (cte && !d.capabilities.cte) return `(${this.query(cte.query, cte.scope, `${path}(cte ${s.name})`)}) AS ${this.ident(s.alias ?? s.name, path)}`;
      if (joined && d.joinTablesAsSubqueries) return `(SELECT * FROM ${this.ident(s.name, path)}) AS ${this.ident(s.alias ?? s.name, `${path}.alias`)}`;
      return s.alias === undefined ? this.ident(s.name, path) : `${this.ident(s.name, path)} AS ${this.ident(s.alias, `${path}.alias`)}`;
    }
    if (s.kind === 'subquery') return `(${this.query(s.query, this.scope, `${path}.query`)}) AS ${this.ident(s.alias, `${path}.alias`)}`;
    return this.report(path, 'unknown-node', `unknown source ${JSON.stringify((s as { kind?: unknown }).kind)}`, 'use table() or subquery()');
  }

  private join(j: Join, i: number, path: string): string {
    const caps = this.d.capabilities;
    const p = `${path}.joins[${i}]`;
    if (!caps.multipleJoins && i > 0) {
      this.report(p, 'unsupported-in-dialect', `${this.d.name} takes one JOIN per SELECT`, 'join in a nested subquery: select from (a JOIN b) joined to c');
    }
    const unconditional = j.type === 'cross' || j.type === 'positional';
    if (unconditional !== (j.on === undefined)) {
      this.report(`${p}.on`, 'invalid-join', unconditional ? `a ${j.type} join takes no ON condition` : `a ${j.type} join needs an ON condition`);
    }
    if (j.type === 'positional' && !caps.positionalJoin) {
      this.report(p, 'unsupported-in-dialect', `${this.d.name} has no positional join`, 'join on a key instead (e.g. a row number)');
    }
    if (j.on && !caps.nonEquiJoins && !isEquiJoin(j.on)) {
      this.report(`${p}.on`, 'unsupported-in-dialect', `${this.d.name} joins only ON an AND of equalities`, 'move the other conditions to WHERE, or into a subquery on the joined side');
    }
    const kw = j.type === 'left' ? 'LEFT JOIN' : j.type === 'cross' ? 'CROSS JOIN' : j.type === 'positional' ? 'POSITIONAL JOIN' : 'JOIN';
    return `${kw} ${this.source(j.source, `${p}.source`, true)}${j.on ? ` ON ${this.expr(j.on, `${p}.on`)}` : ''}`;
  }

  private select(q: Select, path: string): string {
    const d = this.d;
    const outer = this.scope;
    const ctes: string[] = [];
    try {
      for (const [i, c] of (q.with ?? []).entries()) {
        const p = `${path}.with[${i}]`;
        if (q.with!.findIndex((x) => x.name === c.name) !== i) this.report(p, 'duplicate-cte', `CTE ${c.name} is defined twice`);
        if (d.capabilities.cte) ctes.push(`${this.ident(c.name, p)} AS ${c.materialized ? 'MATERIALIZED ' : ''}(${this.query(c.query, this.scope, `${p}.query`)})`);
        // visible to the later CTEs and the body, not to itself
        this.scope = new Map(this.scope).set(c.name, { query: c.query, scope: this.scope });
      }
      const items = q.select === '*' ? '*' : q.select.map((c, i) => {
        const x = this.expr(c.expr, `${path}.select[${i}].expr`);
        return c.as === undefined ? x : `${x} AS ${this.ident(c.as, `${path}.select[${i}].as`)}`;
      }).join(', ');
      if (items === '') this.report(`${path}.select`, 'invalid-select', 'a SELECT without columns', "list the columns, or use '*'");
      const parts = [`${ctes.length ? `WITH ${ctes.join(', ')} ` : ''}SELECT ${q.distinct ? 'DISTINCT ' : ''}${items}`, `FROM ${this.source(q.from, `${path}.from`, Boolean(q.joins?.length))}`];
      const { joins, where } = d.capabilities.nonEquiJoins ? { joins: q.joins ?? [], where: q.where } : equiJoins(q);
      joins.forEach((j, i) => parts.push(this.join(j, i, path)));
      if (where) parts.push(`WHERE ${this.expr(where, `${path}.where`)}`);
      if (q.groupBy?.length && q.groupingSets) this.report(`${path}.groupingSets`, 'invalid-select', 'a SELECT with both groupBy and groupingSets', 'put the common expressions in each grouping set');
      if (q.groupBy?.length) parts.push(`GROUP BY ${this.list(q.groupBy, `${path}.groupBy`).join(', ')}`);
      if (q.groupingSets) {
        if (!d.capabilities.groupingSets) this.report(`${path}.groupingSets`, 'unsupported-in-dialect', `GROUPING SETS are not available in ${d.name}`, 'run one query per grouping instead');
        if (q.groupingSets.length === 0) this.report(`${path}.groupingSets`, 'invalid-select', 'GROUPING SETS without a set');
        parts.push(`GROUP BY GROUPING SETS (${q.groupingSets.map((g, i) => `(${this.list(g, `${path}.groupingSets[${i}]`).join(', ')})`).join(', ')})`);
      }
      if (q.having) parts.push(`HAVING ${this.expr(q.having, `${path}.having`)}`);
      if (q.orderBy?.length) parts.push(this.orderBy(q.orderBy, `${path}.orderBy`));
      if (q.limit !== undefined) {
        if (Number.isInteger(q.limit) && q.limit >= 0) parts.push(`LIMIT ${q.limit}`);
        else this.report(`${path}.limit`, 'invalid-argument', `LIMIT ${q.limit} is not a whole number ≥ 0`);
      }
      if (d.capabilities.aliasesShadowColumns) this.checkAliases(q, path);
      return parts.join(' ');
    } finally {
      this.scope = outer;
    }
  }

  /**
   * On engines where an output alias replaces the column of the same name throughout its SELECT, an alias
   * that names a column used elsewhere in that SELECT would silently change what that use reads.
   */
  private checkAliases(q: Select, path: string): void {
    if (q.select === '*') return;
    const used = new Map<string, string>();
    const collect = (e: Expr | undefined, where: string) => {
      if (e) walk(e, (x) => x.kind === 'col' && x.table === undefined && !used.has(x.name) && used.set(x.name, where));
    };
    const items = q.select;
    items.forEach((c, i) => {
      // the alias's own expression may use the column it renames
      if (c.as === undefined || sameColumn(c.expr, c.as)) return;
      used.clear();
      items.forEach((o, k) => k !== i && collect(o.expr, 'another output column'));
      collect(q.where, 'WHERE');
      q.groupBy?.forEach((g) => collect(g, 'GROUP BY'));
      q.groupingSets?.flat().forEach((g) => collect(g, 'GROUP BY'));
      collect(q.having, 'HAVING');
      q.joins?.forEach((j) => collect(j.on, 'a join condition'));
      const where = used.get(c.as);
      if (where !== undefined) {
        this.report(`${path}.select[${i}].as`, 'alias-shadows-column', `output column ${c.as} has the name of a column used in ${where}; ${this.d.name} would read the output expression there`, `rename the output column (e.g. ${c.as}_value) or compute it in a subquery`);
      }
    });
  }
}

/** Calls `visit` on `e` and every expression below it, not entering subqueries. */
function walk(e: Expr, visit: (e: Expr) => unknown): void {
  visit(e);
  const kids: (Expr | undefined)[] = [];
  switch (e.kind) {
    case 'binary': kids.push(e.left, e.right); break;
    case 'logic': kids.push(...e.items); break;
    case 'not': case 'is_null': case 'cast': case 'date_trunc': case 'in_query': case 'json_get': case 'local_time': kids.push(e.expr); break;
    case 'array': kids.push(...e.items); break;
    case 'in': kids.push(e.expr, ...e.values); break;
    case 'case': kids.push(...e.whens.flat(), e.else); break;
    case 'fn': case 'agg': kids.push(...e.args, e.kind === 'agg' ? e.filter : undefined); break;
    case 'quantiles': kids.push(e.expr, e.filter); break;
    case 'grouping': kids.push(...e.exprs); break;
    case 'index': kids.push(e.array); break;
    case 'window': kids.push(...e.args, ...e.partitionBy, ...e.orderBy.map((o) => o.expr)); break;
    default: break;
  }
  for (const k of kids) if (k) walk(k, visit);
}

/** Whether `e` reads a column. */
function readsColumn(e: Expr): boolean {
  let found = false;
  walk(e, (x) => x.kind === 'col' && (found = true));
  return found;
}

/** An equality of two column expressions: a join key (ClickHouse refuses `t.run_id = 4` as one). */
const isJoinKey = (c: Expr): boolean => c.kind === 'binary' && c.op === '=' && readsColumn(c.left) && readsColumn(c.right);

/** An AND of equalities of columns (or a single one): what every engine can join on. */
function isEquiJoin(on: Expr): boolean {
  if (on.kind === 'binary') return isJoinKey(on);
  return on.kind === 'logic' && on.op === 'and' && on.items.every(isEquiJoin);
}

const conjuncts = (e: Expr): Expr[] => (e.kind === 'logic' && e.op === 'and' ? e.items.flatMap(conjuncts) : [e]);

/**
 * For engines that join only ON equalities: the other conditions of an INNER join mean the same in WHERE,
 * so they move there (an inner join with no equality left becomes a cross join). LEFT joins keep theirs.
 */
function equiJoins(q: Select): { joins: readonly Join[]; where: Expr | undefined } {
  const moved: Expr[] = [];
  const joins = (q.joins ?? []).map((j): Join => {
    if (j.type !== 'inner' || !j.on || isEquiJoin(j.on)) return j;
    const parts = conjuncts(j.on);
    const keys = parts.filter(isJoinKey);
    moved.push(...parts.filter((c) => !keys.includes(c)));
    return keys.length ? { type: 'inner', source: j.source, on: and(...keys) } : { type: 'cross', source: j.source };
  });
  return { joins, where: moved.length ? (q.where ? and(q.where, ...moved) : and(...moved)) : q.where };
}

/** Resolve a dialect given by name or object. */
export function dialectOf(dialect: DialectName | Dialect): Dialect {
  const d = typeof dialect === 'string' ? DIALECT[dialect] : dialect;
  if (!d) {
    const guess = didYouMean(String(dialect), Object.keys(DIALECT));
    throw new SegmintError('unknown-dialect', `unknown SQL dialect ${String(dialect)}${guess ? `; did you mean ${guess}?` : ''}`, { hint: `use one of ${Object.keys(DIALECT).join(', ')}` });
  }
  return d;
}

/**
 * Compile `query` for `dialect` (a name or a Dialect object) into SQL text and its bound parameters.
 * Throws a SegmintError listing every problem found (details.diagnostics), coded by the first.
 *
 * ```ts
 * const { sql, params } = compile(select({ select: '*', from: table('customers'), where: eq(col('city'), lit("Val d'Isère")) }), 'postgres');
 * // sql: SELECT * FROM "customers" WHERE "city" = $1     params: ["Val d'Isère"]
 * ```
 */
export function compile(query: Query | Statement, dialect: DialectName | Dialect): Compiled {
  const d = dialectOf(dialect);
  const c = new Compiler(d);
  const sql = isStatement(query) ? c.statement(query, 'statement') : c.query(query, new Map(), 'query');
  if (c.diagnostics.length) {
    const [first] = c.diagnostics;
    const more = c.diagnostics.length - 1;
    throw new SegmintError(first!.code, `${first!.message} (at ${first!.path})${more ? `, and ${more} more problem${more === 1 ? '' : 's'}` : ''}`, {
      hint: first!.hint,
      exitCode: first!.code === 'unsupported-in-dialect' ? 1 : 2,
      details: { dialect: d.name, diagnostics: c.diagnostics },
    });
  }
  return { sql, params: c.params };
}
