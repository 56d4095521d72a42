import { baseDialect, baseFunctions, type Dialect } from './base.ts';
import type { SqlType } from '../expr.ts';
import { quoteString } from '../quote.ts';

const TYPES: Partial<Record<SqlType, string>> = { double: 'DOUBLE PRECISION', decimal: 'NUMERIC(18,4)' };
const DOUBLE = 'DOUBLE PRECISION';

/**
 * PostgreSQL: date arithmetic by subtraction, ordered-set `percentile_cont … WITHIN GROUP`, DOUBLE
 * PRECISION, and `/` made a double division that gives NULL for 0 (PostgreSQL truncates integer division
 * and raises division_by_zero).
 */
export const postgres: Dialect = {
  ...baseDialect,
  name: 'postgres',
  capabilities: { cte: true, filterClause: true, windowFunctions: true, boundParams: true, multipleJoins: true, nonEquiJoins: true, aliasesShadowColumns: false, groupingSets: true },
  typeName: (t) => TYPES[t] ?? baseDialect.typeName(t),
  divide: (l, r, nonZero) => `CAST(${l} AS ${DOUBLE}) / ${nonZero ? r : `NULLIF(${r}, 0)`}`,
  functions: {
    ...baseFunctions,
    days_between: (a) => `(CAST(${a[1]} AS DATE) - CAST(${a[0]} AS DATE))`,
    days_between_exact: (a) => `(CAST(EXTRACT(EPOCH FROM (CAST(${a[1]} AS TIMESTAMP) - CAST(${a[0]} AS TIMESTAMP))) AS ${DOUBLE}) / 86400)`,
    // round(double precision) rounds half to even and round(double precision, int) does not exist; NUMERIC
    // rounds half away from zero, as DuckDB does.
    round: (a) => `CAST(round(CAST(${a[0]} AS NUMERIC), ${a[1] ?? '0'}) AS ${DOUBLE})`,
    // no TRY_CAST: a cast only when the text is a decimal number (what DuckDB's TRY_CAST and ClickHouse's toFloat64OrNull read)
    try_double: (a) => `CASE WHEN ${a[0]} ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$' THEN CAST(${a[0]} AS ${DOUBLE}) END`,
  },
  array: (items, of) => `CAST(ARRAY[${items.join(', ')}] AS ${of === 'double' ? DOUBLE : 'VARCHAR'}[])`,
  // a TIMESTAMP read as UTC, then shown in the zone
  localTime: (x, zone) => (zone === 'UTC' ? `CAST(${x} AS TIMESTAMP)` : `((CAST(${x} AS TIMESTAMP) AT TIME ZONE 'UTC') AT TIME ZONE ${quoteString(zone)})`),
  agg(name, a, distinct, filter) {
    // no arg_min: the first value of the non-NULL pairs in key order
    if (name === 'arg_min') return `(array_agg(${a[0]} ORDER BY ${a[1]}) FILTER (WHERE ${a[0]} IS NOT NULL AND ${a[1]} IS NOT NULL${filter ? ` AND (${filter})` : ''}))[1]`;
    if (name !== 'median') return baseDialect.agg.call(this, name, a, distinct, filter);
    return `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${a[0]})${filter ? ` FILTER (WHERE ${filter})` : ''}`;
  },
  quantiles: (x, ps, filter) =>
    `percentile_cont(ARRAY[${ps.join(', ')}]::${DOUBLE}[]) WITHIN GROUP (ORDER BY ${x})${filter ? ` FILTER (WHERE ${filter})` : ''}`,
  // ->> on json and jsonb; a number is read only when the value is a JSON number (a cast of text would raise)
  jsonKey: (name) => name,
  jsonGet: (j, key, as) => (as === 'text' ? `(CAST(${j} AS JSON) ->> ${key})` : `CASE WHEN json_typeof(CAST(${j} AS JSON) -> ${key}) = 'number' THEN CAST(CAST(${j} AS JSON) ->> ${key} AS ${DOUBLE}) END`),
  // ASC puts NULLs last, DESC first
  nullsLastByDefault: (desc) => !desc,
};
