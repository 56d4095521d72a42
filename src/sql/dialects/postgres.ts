import { baseDialect, type Dialect } from './base.ts';

const TYPES = { double: 'DOUBLE PRECISION' } as const;

/** PostgreSQL: date arithmetic by subtraction, ordered-set percentile_cont, DOUBLE PRECISION. */
export const postgres: Dialect = {
  ...baseDialect,
  name: 'postgres',
  capabilities: { cte: true, filterClause: true, windowFunctions: true, boundParams: true },
  typeName: (t) => (t === 'double' ? TYPES.double : t === 'decimal' ? 'NUMERIC(18,4)' : baseDialect.typeName(t)),
  fn(name, a) {
    switch (name) {
      case 'days_between':
        return `(CAST(${a[1]} AS DATE) - CAST(${a[0]} AS DATE))`;
      case 'starts_with':
        return `(left(${a[0]}, length(${a[1]})) = ${a[1]})`;
      default:
        return baseDialect.fn(name, a);
    }
  },
  agg(name, a, distinct, filter) {
    if (name === 'median') {
      const call = `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${a[0]})`;
      return filter ? `${call} FILTER (WHERE ${filter})` : call;
    }
    return baseDialect.agg(name, a, distinct, filter);
  },
  quantiles: (expr, ps) => `percentile_cont(ARRAY[${ps.join(', ')}]::DOUBLE PRECISION[]) WITHIN GROUP (ORDER BY ${expr})`,
};
