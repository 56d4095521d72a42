/**
 * ClickHouse, down to Debian's 18.16: no window functions, no `WITH x AS (subquery)`, no server-side
 * parameters (values are written as escaped literals), one JOIN per SELECT with an AND of equalities, and
 * aggregates with a condition spelled with the -If combinator. docs/sql.md lists the constraints.
 */
import { SegmintError } from '../../core/errors.ts';
import type { AggName, DateUnit, SqlType } from '../expr.ts';
import { quoteClickHouseIdent, quoteClickHouseString } from '../quote.ts';
import { baseDialect, formatNumber, formatTimestamp, unsupported, type Dialect, type FnImpl } from './base.ts';

const TYPES: Record<SqlType, string> = {
  double: 'Float64', bigint: 'Int64', integer: 'Int32', varchar: 'String', timestamp: 'DateTime', date: 'Date', boolean: 'UInt8', decimal: 'Decimal64(4)',
};
// Conversion functions rather than CAST: they pass NULL through (CAST to a non-Nullable type fails on NULL).
const CONVERT: Record<SqlType, (x: string) => string> = {
  double: (x) => `toFloat64(${x})`,
  bigint: (x) => `toInt64(${x})`,
  integer: (x) => `toInt32(${x})`,
  varchar: (x) => `toString(${x})`,
  timestamp: (x) => `toDateTime(${x})`,
  date: (x) => `toDate(${x})`,
  boolean: (x) => `toUInt8(${x})`,
  // toDecimal64 truncates a Float64 (81.14999999999999 → 81.1499) where DuckDB and PostgreSQL round (81.15):
  // half a unit of the last place is added away from zero first, so the truncation rounds
  decimal: (x) => `toDecimal64(toFloat64(${x}) + if(toFloat64(${x}) < 0, -0.00005, 0.00005), 4)`,
};
const AGG: Record<Exclude<AggName, 'count_star' | 'arg_min'>, string> = {
  count: 'count', sum: 'sum', avg: 'avg', min: 'min', max: 'max', stddev_pop: 'stddevPop', stddev_samp: 'stddevSamp', var_samp: 'varSamp', median: 'median', // median: see interpolated()
};
const TRUNC: Record<DateUnit, (x: string) => string> = {
  day: (x) => `toDateTime(toDate(${x}))`,
  week: (x) => `toDateTime(toMonday(${x}))`,
  month: (x) => `toDateTime(toStartOfMonth(${x}))`,
  quarter: (x) => `toDateTime(toStartOfQuarter(${x}))`,
  year: (x) => `toDateTime(toStartOfYear(${x}))`,
};

// greatest/least take two arguments and return NULL when either is NULL. Each argument is coalesced with
// all the others, so NULLs are ignored as in DuckDB and PostgreSQL (NULL only when all are), then the
// terms are folded pairwise.
const nullIgnoring = (name: string): FnImpl => (a) => {
  const terms = a.map((x, i) => `coalesce(${[x, ...a.filter((_, k) => k !== i)].join(', ')})`);
  return terms.reduceRight((acc, t) => `${name}(${t}, ${acc})`);
};

// round() on floats rounds half to even; this rounds half away from zero as the other engines do.
const roundHalfAway: FnImpl = (a) => {
  const x = `toFloat64(${a[0]})`;
  const scale = 10 ** Number(a[1] ?? 0);
  const scaled = scale === 1 ? `abs(${x})` : `abs(${x}) * ${scale}`;
  const r = `if(${x} < 0, -1, 1) * floor(${scaled} + 0.5)`;
  return scale === 1 ? `(${r})` : `(${r} / ${scale})`;
};

// quantiles()/median() keep a reservoir of 8,192 values per group and interpolate in that sample: beyond
// 8,192 values they are estimates (the median of 1 … 20,000 came out 10,139.5). The values are sorted
// instead, and the quantile interpolated at h = p·(n − 1) between neighbours (type 7) in the form DuckDB's
// quantile_cont computes, lo·(⌊h⌋ + 1 − h) + hi·(h − ⌊h⌋), so the edges match to the last bit (a customer
// whose value is an edge lands in the same bin).
const sortedValues = (x: string, filter: string | undefined) =>
  `arraySort(${filter ? `groupArrayIf(toFloat64(${x}), ${filter})` : `groupArray(toFloat64(${x}))`})`;
function interpolated(s: string, p: string, empty: string): string {
  const h = `${p} * (length(${s}) - 1)`;
  const lo = `arrayElement(${s}, toUInt64(floor(${h})) + 1)`;
  // past the end (p = 1) arrayElement gives 0, with weight 0
  const hi = `arrayElement(${s}, toUInt64(floor(${h})) + 2)`;
  return `if(length(${s}) = 0, ${empty}, ${lo} * (floor(${h}) + 1 - ${h}) + ${hi} * (${h} - floor(${h})))`;
}

export const clickhouse: Dialect = {
  ...baseDialect,
  name: 'clickhouse',
  capabilities: { cte: false, filterClause: false, windowFunctions: false, boundParams: false, multipleJoins: false, nonEquiJoins: false, aliasesShadowColumns: true },
  quoteIdent: quoteClickHouseIdent,
  placeholder: () => unsupported('clickhouse', 'bound parameters', 'values are written as escaped literals for ClickHouse'),
  literal(value) {
    if (value instanceof Date) {
      // DateTime holds whole seconds; a fraction would not parse.
      if (value.getUTCMilliseconds() !== 0) {
        throw new SegmintError('unsupported-in-dialect', `timestamp ${value.toISOString()} has milliseconds, which ClickHouse DateTime cannot hold`, {
          hint: 'round the timestamp to whole seconds', exitCode: 1,
        });
      }
      return `toDateTime(${quoteClickHouseString(formatTimestamp(value))})`;
    }
    if (typeof value === 'number') return formatNumber(value);
    if (typeof value === 'boolean') return this.booleanLiteral(value);
    return quoteClickHouseString(value);
  },
  booleanLiteral: (v) => (v ? '1' : '0'),
  typeName: (t) => TYPES[t],
  cast: (x, to) => (x === 'NULL' ? `CAST(NULL AS Nullable(${TYPES[to]}))` : CONVERT[to](x)),
  // Decimal and Float64 do not mix in arithmetic, and Decimal / Decimal stays Decimal: both sides become Float64.
  divide: (l, r, nonZero) => `toFloat64(${l}) / ${nonZero ? r : `nullIf(toFloat64(${r}), 0)`}`,
  functions: {
    days_between: (a) => `(toRelativeDayNum(toDate(${a[1]})) - toRelativeDayNum(toDate(${a[0]})))`,
    days_between_exact: (a) => `((toUInt32(toDateTime(${a[1]})) - toUInt32(toDateTime(${a[0]}))) / 86400)`,
    to_date: (a) => `toDate(${a[0]})`,
    greatest: nullIgnoring('greatest'),
    least: nullIgnoring('least'),
    coalesce: (a) => `coalesce(${a.join(', ')})`,
    nullif: (a) => `nullIf(${a[0]}, ${a[1]})`,
    abs: (a) => `abs(${a[0]})`,
    round: roundHalfAway,
    floor: (a) => `floor(${a[0]})`,
    ceil: (a) => `ceil(${a[0]})`,
    ln: (a) => `log(${a[0]})`,
    sqrt: (a) => `sqrt(${a[0]})`,
    exp: (a) => `exp(${a[0]})`,
    lower: (a) => `lowerUTF8(${a[0]})`,
    starts_with: (a) => `startsWith(${a[0]}, ${a[1]})`,
    contains: (a) => `(position(${a[0]}, ${a[1]}) > 0)`,
    sin: (a) => `sin(${a[0]})`,
    cos: (a) => `cos(${a[0]})`,
    asin: (a) => `asin(${a[0]})`,
    // trimBoth came after 18.16
    trim: (a) => `replaceRegexpAll(${a[0]}, '^ +| +$', '')`,
    try_double: (a) => `toFloat64OrNull(replaceRegexpAll(toString(${a[0]}), '^\\\\s+|\\\\s+$', ''))`,
  },
  dateTrunc: (unit, x) => TRUNC[unit](x),
  agg(name, a, distinct, filter) {
    if (name === 'count_star') return filter ? `countIf(${filter})` : 'count()';
    if (distinct) {
      if (name !== 'count') unsupported('clickhouse', `${name}(DISTINCT …)`, 'only count(DISTINCT …) is available; aggregate a SELECT DISTINCT subquery instead');
      return filter ? `uniqExactIf(${a[0]}, ${filter})` : `uniqExact(${a[0]})`;
    }
    if (name === 'median') return interpolated(sortedValues(a[0]!, filter), '0.5', 'NULL');
    if (name === 'arg_min') {
      // the pairs with both values, as elsewhere; over none, NULL (argMin's own answer would be the type's default)
      const c = `isNotNull(${a[0]}) AND isNotNull(${a[1]})${filter ? ` AND ${filter}` : ''}`;
      return `if(countIf(${c}) > 0, argMinIf(${a[0]}, ${a[1]}, ${c}), NULL)`;
    }
    // avg over no rows: 18.16 throws for a Decimal and gives nan for a Float64 where SQL gives NULL
    if (name === 'avg' && !filter) return `if(count(${a[0]}) > 0, toFloat64(sum(${a[0]})) / count(${a[0]}), NULL)`;
    // varSamp of fewer than two values is nan or inf where SQL gives NULL
    if (name === 'var_samp') return filter ? `if(countIf(${a[0]}, ${filter}) > 1, varSampIf(${a[0]}, ${filter}), NULL)` : `if(count(${a[0]}) > 1, varSamp(${a[0]}), NULL)`;
    const fn = AGG[name];
    if (!filter) return `${fn}(${a[0]})`;
    if (name === 'count') return `countIf(${a[0]}, ${filter})`;
    // 18.16's avgIf of a Decimal over no matching rows throws ('AggregateFunctionAvg with zero values') even
    // where if() discards it: the exact sum divided by the count instead (a double, as DuckDB's avg gives)
    if (name === 'avg') return `if(countIf(${filter}) > 0, toFloat64(sumIf(${a[0]}, ${filter})) / countIf(${filter}), NULL)`;
    // -If over no matching rows gives 0 (or 1970-01-01, or nan), where SQL gives NULL.
    return `if(countIf(${filter}) > 0, ${fn}If(${a[0]}, ${filter}), NULL)`;
  },
  // an array of the interpolated quantiles; nan where there are no values (an array cannot hold NULL on 18.16)
  quantiles: (x, ps, filter) => `[${ps.map((p) => interpolated(sortedValues(x, filter), p, 'nan')).join(', ')}]`,
  index: (array, i) => `arrayElement(${array}, ${i})`,
  // Array(Float64) and Array(String) cannot hold NULL: nan and '' stand for it
  array: (items, of) => (items.length === 0
    ? (of === 'double' ? 'emptyArrayFloat64()' : 'emptyArrayString()')
    : `[${items.map((x) => (of === 'double' ? `ifNull(toFloat64(${x}), nan)` : `ifNull(toString(${x}), '')`)).join(', ')}]`),
  // the text of the time in the zone, read back as a DateTime of the server's (UTC) zone
  localTime: (x, zone) => (zone === 'UTC' ? `toDateTime(${x})` : `toDateTime(toString(toTimeZone(toDateTime(${x}), ${quoteClickHouseString(zone)})))`),
  jsonKey: (name) => name,
  // 18.16 has only the visitParam* (simpleJSON*) functions; JSONHas/JSONExtract* came in 19.x. They find the
  // first "key": at any depth and expect JSON without whitespace outside strings (docs/engines.md).
  jsonGet: (j, key, as) => (as === 'text' ? `if(visitParamHas(${j}, ${key}), visitParamExtractString(${j}, ${key}), NULL)` : `if(visitParamHas(${j}, ${key}), toFloat64OrNull(visitParamExtractRaw(${j}, ${key})), NULL)`),
  // 18.16 compares a Date with a DateTime as numbers (day 19723 < second 1704067200): a column compared
  // with a timestamp value is converted first (identity on DateTime, midnight UTC on Date).
  timestampOperand: (x) => `toDateTime(${x})`,
  // a JOIN over Distributed tables loses its aliases on 18.16; over subqueries it works
  joinTablesAsSubqueries: true,
  globalIn: true,
  // explicit NULLS LAST on descending items rather than relying on the server's default
  nullsLastByDefault: (desc) => !desc,
  // no sessions over HTTP: a temporary table is a Memory table the caller drops
  createTableAs: (name, query, temporary, orderBy) =>
    `CREATE TABLE ${name} ENGINE = ${temporary ? 'Memory' : `MergeTree ORDER BY ${orderBy.length ? `(${orderBy.join(', ')})` : 'tuple()'}`} AS ${query}`,
  // a mutation: asynchronous on 18.16, MergeTree tables only (not Memory, not Distributed)
  deleteWhere: (table, condition) => `ALTER TABLE ${table} DELETE WHERE ${condition}`,
};
