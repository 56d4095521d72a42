/**
 * The size of the SQL a query compiles to, counted in IR nodes without writing any text. The IR is a graph:
 * a node object used in several places (a shared sub-expression, or a CTE that an engine without CTEs
 * inlines at each use) is written once per place, so a small graph can stand for an enormous text. The
 * count follows the compiler (CTE bodies inlined at each use when `inlineCtes`), visits each node object
 * once per CTE scope (memoised) and saturates at `cap`, so it takes time proportional to the graph.
 */
import type { Expr } from './expr.ts';
import type { Query, Select, Source } from './query.ts';

type Scope = ReadonlyMap<string, { query: Query; scope: Scope }>;

/** IR nodes the compiler would write for `query` (at most `cap`). */
export function expandedSize(q0: Query, options: { inlineCtes: boolean; cap?: number }): number {
  const cap = options.cap ?? Number.MAX_SAFE_INTEGER;
  const memo = new Map<Scope, WeakMap<object, number>>();
  const add = (...xs: number[]) => Math.min(cap, xs.reduce((a, b) => a + b, 0));
  const remember = (scope: Scope, node: object, f: () => number): number => {
    let m = memo.get(scope);
    if (!m) memo.set(scope, (m = new WeakMap()));
    const hit = m.get(node);
    if (hit !== undefined) return hit;
    const v = f();
    m.set(node, v);
    return v;
  };

  const expr = (e: Expr | undefined, scope: Scope): number => {
    if (!e) return 0;
    return remember(scope, e, () => {
      const x = (y: Expr | undefined) => expr(y, scope);
      switch (e.kind) {
        case 'binary': return add(1, x(e.left), x(e.right));
        case 'logic': return add(1, ...e.items.map(x));
        case 'not': case 'is_null': case 'cast': case 'date_trunc': case 'json_get': return add(1, x(e.expr));
        case 'in': return add(1, x(e.expr), ...e.values.map(x));
        case 'in_query': return add(1, x(e.expr), query(e.query, scope));
        case 'scalar_query': return add(1, query(e.query, scope));
        case 'case': return add(1, ...e.whens.flat().map(x), x(e.else));
        case 'fn': return add(1, ...e.args.map(x));
        case 'agg': return add(1, ...e.args.map(x), x(e.filter));
        case 'quantiles': return add(1, x(e.expr), x(e.filter));
        case 'grouping': return add(1, ...e.exprs.map(x));
        case 'index': return add(1, x(e.array));
        case 'window': return add(1, ...e.args.map(x), ...e.partitionBy.map(x), ...e.orderBy.map((o) => x(o.expr)));
        default: return 1;
      }
    });
  };

  const source = (s: Source, scope: Scope): number => {
    if (s.kind === 'subquery') return add(1, query(s.query, scope));
    const cte = scope.get(s.name);
    return cte && options.inlineCtes ? add(1, query(cte.query, cte.scope)) : 1;
  };

  const select = (q: Select, outer: Scope): number => {
    let scope = outer;
    let n = 1;
    for (const c of q.with ?? []) {
      // written once where the engine has CTEs, at each use where it has not
      if (!options.inlineCtes) n = add(n, query(c.query, scope));
      scope = new Map(scope).set(c.name, { query: c.query, scope });
    }
    const x = (y: Expr | undefined) => expr(y, scope);
    return add(
      n,
      q.select === '*' ? 1 : add(...q.select.map((c) => x(c.expr))),
      source(q.from, scope),
      ...(q.joins ?? []).map((j) => add(source(j.source, scope), x(j.on))),
      x(q.where),
      ...(q.groupBy ?? []).map(x),
      ...(q.groupingSets ?? []).flat().map(x),
      x(q.having),
      ...(q.orderBy ?? []).map((o) => x(o.expr)),
    );
  };

  const query = (q: Query, scope: Scope): number => remember(scope, q, () => (q.kind === 'select' ? select(q, scope) : add(1, ...q.queries.map((s) => select(s, scope)))));

  return query(q0, new Map());
}
