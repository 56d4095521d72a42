export * from './ir.ts';
export { compile, DIALECT, type Compiled } from './compile.ts';
export { DIALECTS, type Dialect, type DialectName, type Capabilities } from './dialects/base.ts';
export { quoteIdent, quoteString } from './quote.ts';
