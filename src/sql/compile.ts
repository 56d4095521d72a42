/**
 * compile(query, dialect) → { sql, params }: one walk over the IR; every engine difference is a hook of
 * the dialect. CTEs become subqueries on engines without them; parameters become placeholders, or
 * escaped literals where the engine cannot bind.
 */
import { SegmintError } from '../core/errors.ts';
import type { Expr, Select, Source } from './ir.ts';
import { clickhouse } from './dialects/clickhouse.ts';
import { duckdb } from './dialects/duckdb.ts';
import { postgres } from './dialects/postgres.ts';
import type { Dialect, DialectName } from './dialects/base.ts';

export const DIALECT: Readonly<Record<DialectName, Dialect>> = { duckdb, postgres, clickhouse };

export interface Compiled {
  sql: string;
  params: (string | number | boolean | null)[];
}

const PRECEDENCE: Record<string, number> = { '*': 5, '/': 5, '+': 4, '-': 4, '=': 3, '<>': 3, '<': 3, '<=': 3, '>': 3, '>=': 3 };

const fmtTimestamp = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '').replace(/\.000$/, '');

class Compiler {
  readonly params: (string | number | boolean | null)[] = [];
  private ctes = new Map<string, Select>();
  constructor(private readonly d: Dialect) {}

  expr(e: Expr): string {
    const d = this.d;
    switch (e.kind) {
      case 'col':
        return e.table ? `${d.quoteIdent(e.table)}.${d.quoteIdent(e.name)}` : d.quoteIdent(e.name);
      case 'param': {
        const v = e.value instanceof Date ? fmtTimestamp(e.value) : e.value;
        const ref = d.capabilities.boundParams ? (this.params.push(v), d.placeholder(this.params.length)) : d.literal(v);
        return e.value instanceof Date ? `CAST(${ref} AS ${d.typeName('timestamp')})` : ref;
      }
      case 'num':
        return Number.isInteger(e.value) ? String(e.value) : String(e.value);
      case 'bool':
        return e.value ? 'TRUE' : 'FALSE';
      case 'null':
        return 'NULL';
      case 'binary': {
        const p = PRECEDENCE[e.op]!;
        const side = (x: Expr, right: boolean) => {
          const s = this.expr(x);
          if (x.kind !== 'binary') return s;
          const q = PRECEDENCE[x.op]!;
          return q < p || (right && q === p) ? `(${s})` : s;
        };
        return `${side(e.left, false)} ${e.op} ${side(e.right, true)}`;
      }
      case 'logic':
        return `(${e.items.map((x) => this.expr(x)).join(` ${e.op.toUpperCase()} `)})`;
      case 'not':
        return `(NOT ${this.expr(e.expr)})`;
      case 'is_null':
        return `(${this.expr(e.expr)} IS ${e.negate ? 'NOT ' : ''}NULL)`;
      case 'in':
        if (e.values.length === 0) return e.negate ? 'TRUE' : 'FALSE';
        return `(${this.expr(e.expr)} ${e.negate ? 'NOT IN' : 'IN'} (${e.values.map((v) => this.expr(v)).join(', ')}))`;
      case 'in_query':
        return `(${this.expr(e.expr)} ${e.negate ? 'NOT IN' : 'IN'} (${this.select(e.query)}))`;
      case 'case':
        return `CASE ${e.whens.map(([c, v]) => `WHEN ${this.expr(c)} THEN ${this.expr(v)}`).join(' ')}${e.else ? ` ELSE ${this.expr(e.else)}` : ''} END`;
      case 'cast':
        return `CAST(${this.expr(e.expr)} AS ${d.typeName(e.to)})`;
      case 'fn':
        return d.fn(e.name, e.args.map((a) => this.expr(a)));
      case 'agg':
        return d.agg(e.name, e.args.map((a) => this.expr(a)), e.distinct, e.filter ? this.expr(e.filter) : undefined);
      case 'quantiles':
        return d.quantiles(this.expr(e.expr), e.ps);
      case 'index':
        return d.index(this.expr(e.array), e.i);
      case 'window': {
        if (!d.capabilities.windowFunctions) {
          throw new SegmintError('unsupported-in-dialect', `window function ${e.fn}() is not available in ${d.name}`, {
            hint: 'build the query without window functions for this engine (features offer such a path)',
            exitCode: 1,
          });
        }
        const over = [
          e.partitionBy.length ? `PARTITION BY ${e.partitionBy.map((x) => this.expr(x)).join(', ')}` : '',
          e.orderBy.length ? `ORDER BY ${e.orderBy.map((x) => this.expr(x)).join(', ')}` : '',
        ].filter(Boolean).join(' ');
        return `${e.fn}(${e.args.map((a) => this.expr(a)).join(', ')}) OVER (${over})`;
      }
    }
  }

  source(s: Source): string {
    if (s.kind === 'table') {
      const cte = this.ctes.get(s.name);
      if (cte && !this.d.capabilities.cte) return `(${this.select(cte)}) AS ${this.d.quoteIdent(s.alias ?? s.name)}`;
      return s.alias ? `${this.d.quoteIdent(s.name)} AS ${this.d.quoteIdent(s.alias)}` : this.d.quoteIdent(s.name);
    }
    return `(${this.select(s.query)}) AS ${this.d.quoteIdent(s.alias)}`;
  }

  select(q: Select): string {
    const d = this.d;
    let head = '';
    if (q.with?.length) {
      if (d.capabilities.cte) {
        head = `WITH ${q.with.map((c) => `${d.quoteIdent(c.name)} AS (${this.select(c.query)})`).join(', ')} `;
      }
      for (const c of q.with) this.ctes.set(c.name, c.query);
    }
    const cols = q.select === '*' ? '*' : q.select.map((c) => (c.as ? `${this.expr(c.expr)} AS ${d.quoteIdent(c.as)}` : this.expr(c.expr))).join(', ');
    const parts = [`${head}SELECT ${cols}`, `FROM ${this.source(q.from)}`];
    for (const j of q.joins ?? []) {
      const kw = j.type === 'left' ? 'LEFT JOIN' : j.type === 'cross' ? 'CROSS JOIN' : 'JOIN';
      parts.push(`${kw} ${this.source(j.source)}${j.on ? ` ON ${this.expr(j.on)}` : ''}`);
    }
    if (q.where) parts.push(`WHERE ${this.expr(q.where)}`);
    if (q.groupBy?.length) parts.push(`GROUP BY ${q.groupBy.map((g) => this.expr(g)).join(', ')}`);
    if (q.having) parts.push(`HAVING ${this.expr(q.having)}`);
    if (q.orderBy?.length) parts.push(`ORDER BY ${q.orderBy.map((o) => `${this.expr(o.expr)}${o.desc ? ' DESC' : ''}`).join(', ')}`);
    if (q.limit !== undefined) parts.push(`LIMIT ${Math.floor(q.limit)}`);
    return parts.join(' ');
  }
}

/** Compile `query` for `dialect` (a name or a Dialect object). */
export function compile(query: Select, dialect: DialectName | Dialect): Compiled {
  const d = typeof dialect === 'string' ? DIALECT[dialect] : dialect;
  if (!d) throw new SegmintError('unknown-dialect', `unknown SQL dialect ${String(dialect)}`, { hint: 'use duckdb, postgres or clickhouse' });
  const c = new Compiler(d);
  const sql = c.select(query);
  return { sql, params: c.params };
}
