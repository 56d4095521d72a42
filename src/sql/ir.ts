/**
 * The query IR: expression nodes (expr.ts) and query nodes (query.ts), compiled per engine by compile.ts.
 * Import the IR from here.
 */
export * from './expr.ts';
export * from './query.ts';
