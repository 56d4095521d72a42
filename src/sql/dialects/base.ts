/**
 * The dialect interface and the shared defaults (ANSI-ish SQL as DuckDB and PostgreSQL both read it).
 * Each engine's file overrides only the hooks where it differs.
 */
import { SegmintError } from '../../core/errors.ts';
import type { AggName, FnName, SqlType } from '../ir.ts';

export type DialectName = 'duckdb' | 'postgres' | 'clickhouse';
export const DIALECTS: readonly DialectName[] = ['duckdb', 'postgres', 'clickhouse'];

export interface Capabilities {
  /** WITH name AS (subquery) */
  cte: boolean;
  /** aggregate FILTER (WHERE …) */
  filterClause: boolean;
  /** window functions such as lag() OVER (…) */
  windowFunctions: boolean;
  /** server-side bound parameters; without them values are inlined as escaped literals */
  boundParams: boolean;
}

export interface Dialect {
  readonly name: DialectName;
  readonly capabilities: Capabilities;
  quoteIdent(name: string): string;
  /** placeholder of the 1-based parameter `i` */
  placeholder(i: number): string;
  /** a value written into the SQL (dialects without bound parameters) */
  literal(value: string | number | boolean | null): string;
  typeName(t: SqlType): string;
  fn(name: FnName, args: string[]): string;
  agg(name: AggName, args: string[], distinct: boolean, filter: string | undefined): string;
  quantiles(expr: string, ps: readonly number[]): string;
  index(array: string, i: number): string;
}

export function unsupported(dialect: string, what: string, hint: string): never {
  throw new SegmintError('unsupported-in-dialect', `${what} is not available in ${dialect}`, { hint, exitCode: 1 });
}

const TYPES: Record<SqlType, string> = {
  double: 'DOUBLE', bigint: 'BIGINT', integer: 'INTEGER', varchar: 'VARCHAR', timestamp: 'TIMESTAMP', date: 'DATE', boolean: 'BOOLEAN', decimal: 'DECIMAL(18,4)',
};

export const baseDialect: Omit<Dialect, 'name' | 'capabilities' | 'quantiles'> = {
  quoteIdent: (name) => `"${name.replace(/"/g, '""')}"`,
  placeholder: (i) => `$${i}`,
  literal(value) {
    if (value === null) return 'NULL';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new SegmintError('invalid-value', `cannot write ${value} into SQL`, { hint: 'use a finite number' });
      return String(value);
    }
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  },
  typeName: (t) => TYPES[t],
  fn(name, a) {
    switch (name) {
      case 'days_between':
        return `date_diff('day', CAST(${a[0]} AS DATE), CAST(${a[1]} AS DATE))`;
      case 'to_date':
        return `CAST(${a[0]} AS DATE)`;
      case 'starts_with':
        return `starts_with(${a[0]}, ${a[1]})`;
      case 'contains':
        return `(strpos(${a[0]}, ${a[1]}) > 0)`;
      case 'ln':
        return `ln(${a[0]})`;
      default:
        return `${name}(${a.join(', ')})`;
    }
  },
  agg(name, a, distinct, filter) {
    const call = name === 'count_star' ? 'count(*)' : `${name}(${distinct ? 'DISTINCT ' : ''}${a.join(', ')})`;
    return filter ? `${call} FILTER (WHERE ${filter})` : call;
  },
  index: (array, i) => `(${array})[${i}]`,
};
