import { baseDialect, type Dialect } from './base.ts';

/** DuckDB: the defaults, with quantile_cont over a list of fractions. */
export const duckdb: Dialect = {
  ...baseDialect,
  name: 'duckdb',
  capabilities: { cte: true, filterClause: true, windowFunctions: true, boundParams: true },
  quantiles: (expr, ps) => `quantile_cont(${expr}, [${ps.join(', ')}])`,
};
