import { baseDialect, type Dialect } from './base.ts';

/**
 * DuckDB: the shared defaults as they are. `/` divides as DOUBLE, `median` and `quantile_cont`
 * interpolate, NULLs sort last in both directions.
 */
export const duckdb: Dialect = {
  ...baseDialect,
  name: 'duckdb',
  capabilities: { cte: true, filterClause: true, windowFunctions: true, boundParams: true, multipleJoins: true, nonEquiJoins: true, aliasesShadowColumns: false, positionalJoin: true, groupingSets: true },
};
