/**
 * SQL writing: the query IR (expr.ts, query.ts), compile(query, dialect) → { sql, params }, and the
 * dialects (dialects/*.ts). No driver imports here; docs/sql.md describes the whole.
 */
export * from './ir.ts';
export { compile, dialectOf, DIALECT, type BoundValue, type Compiled, type Diagnostic } from './compile.ts';
export { DIALECTS, type Capabilities, type Dialect, type DialectName, type FnImpl } from './dialects/base.ts';
export { quoteClickHouseIdent, quoteClickHouseString, quoteIdent, quoteString } from './quote.ts';
