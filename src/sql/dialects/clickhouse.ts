import { baseDialect, unsupported, type Dialect } from './base.ts';
import type { AggName } from '../ir.ts';

const AGG: Record<AggName, string> = {
  count: 'count', count_star: 'count', sum: 'sum', avg: 'avg', min: 'min', max: 'max',
  stddev_pop: 'stddevPop', stddev_samp: 'stddevSamp', median: 'median',
};
const TYPES = { double: 'Float64', bigint: 'Int64', integer: 'Int32', varchar: 'String', timestamp: 'DateTime', date: 'Date', boolean: 'UInt8', decimal: 'Decimal(18,4)' } as const;

/**
 * ClickHouse (down to Debian's 18.16): no window functions, no `WITH x AS (subquery)`, no server-side
 * parameters — values are inlined as escaped literals, aggregates with a condition use the -If combinator.
 */
export const clickhouse: Dialect = {
  ...baseDialect,
  name: 'clickhouse',
  capabilities: { cte: false, filterClause: false, windowFunctions: false, boundParams: false },
  quoteIdent: (name) => `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``,
  placeholder: () => unsupported('clickhouse', 'bound parameters', 'values are inlined as literals for ClickHouse'),
  typeName: (t) => TYPES[t],
  fn(name, a) {
    switch (name) {
      case 'days_between':
        return `dateDiff('day', toDate(${a[0]}), toDate(${a[1]}))`;
      case 'to_date':
        return `toDate(${a[0]})`;
      case 'starts_with':
        return `startsWith(${a[0]}, ${a[1]})`;
      case 'contains':
        return `(position(${a[0]}, ${a[1]}) > 0)`;
      case 'ln':
        return `log(${a[0]})`;
      case 'ceil':
        return `ceil(${a[0]})`;
      default:
        return baseDialect.fn(name, a);
    }
  },
  agg(name, a, distinct, filter) {
    if (name === 'count_star') return filter ? `countIf(${filter})` : 'count()';
    if (distinct) {
      if (name !== 'count') unsupported('clickhouse', `${name}(DISTINCT …)`, 'use count(DISTINCT …) only');
      return filter ? `uniqExactIf(${a[0]}, ${filter})` : `uniqExact(${a[0]})`;
    }
    const base = AGG[name];
    return filter ? `${base}If(${[...a, filter].join(', ')})` : `${base}(${a.join(', ')})`;
  },
  quantiles: (expr, ps) => `quantiles(${ps.join(', ')})(${expr})`,
  index: (array, i) => `arrayElement(${array}, ${i})`,
};
