/**
 * Lowering: a checked audience tree → SQL IR, one `SELECT customer_id FROM customers WHERE …`. Every leaf is
 * two-valued (a missing value makes a condition false, so `not(…)` is its exact complement); behaviour
 * conditions are `customer_id [NOT] IN (SELECT customer_id … GROUP BY customer_id HAVING …)`, with NOT IN
 * of the failing customers when the comparison holds for customers with no rows at all (`= 0`, `< 2`).
 * Values are bound parameters; names come from the schema and are quoted by the compiler. No window
 * functions, one join per SELECT and only equalities in ON, so the same SQL compiles for ClickHouse.
 */
import {
  add, and, asin, binary, bool, cast, coalesce, col, contains, cos, count, countDistinct, daysBetweenExact, fn, ge, gt, index, inList, inQuery, isNotNull, isNull, jsonGet, le, least,
  lit, lt, median, mul, not, NULL, num, or, quantiles, scalarQuery, select, sin, sqrt, startsWith, sub, subquery, table, unionAll, agg, avg as avgOf, eq,
  type BinaryOp, type Cte, type Expr, type Select, type Source as SqlSource,
} from '../sql/ir.ts';
import { PRODUCT_FIELDS, transactionLines } from '../features/transaction-lines.ts';
import { expandedSize } from '../sql/size.ts';
import type { Aggregate, CmpOp, DateTest, FieldRef, FieldTest, Literal, Node, Source, Stat, Window } from './ast.ts';
import { durationDays, minusDuration, parseDateLiteral } from './time.ts';
import { resolveTrait, resultField, scoreSourceOf, type AudienceSchema, type FieldType } from './schema.ts';
import { lineAttribute } from './line-attributes.ts';

export interface LowerOptions {
  schema: AudienceSchema;
  /** the as-of date: behaviour before it counts, relative dates count back from it */
  asOf: Date;
  /** referenced audiences, parsed (from checkAudience) */
  refs: ReadonlyMap<string, Node>;
}

const OPS: Record<CmpOp, BinaryOp> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const DAY_MS = 86_400_000;
const EARTH_RADIUS_KM = 6371.0088;

const cmpJs = (op: CmpOp, a: number, b: number): boolean =>
  op === '=' ? a === b : op === '!=' ? a !== b : op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;

const dateOnly = (l: Literal) => l.kind === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(l.value);
const asDate = (l: Literal): Date => parseDateLiteral(String(l.value))!;
const nextDay = (d: Date) => new Date(d.getTime() + DAY_MS);
/** x up to the date `l`, inclusive: a date written without a time is the whole day, so before the next one. */
const upTo = (x: Expr, l: Literal): Expr => (dateOnly(l) ? lt(x, lit(nextDay(asDate(l)))) : le(x, lit(asDate(l))));
/** A leaf as a two-valued condition: NULL (a missing value) is false. */
const truth = (e: Expr): Expr => (e.kind === 'in_query' || e.kind === 'bool' ? e : coalesce(e, bool(false)));

/** One leaf's observed value for `explain`. */
export interface LeafProbe {
  node: Node;
  holds: Expr;
  observed?: Expr;
  threshold?: Expr;
}

type RowScope = { table: 'transactions' } | { table: 'events'; type: string };

/** Whether a row filter or an aggregate reads a field the products table fills in (category, department). */
const readsProductField = (n: Node | undefined): boolean => {
  if (!n) return false;
  if (n.kind === 'all' || n.kind === 'any') return n.items.some(readsProductField);
  if (n.kind === 'not') return readsProductField(n.item);
  return n.kind === 'field' && n.field.path.length === 1 && (PRODUCT_FIELDS as readonly string[]).includes(n.field.path[0]!);
};

/** Whether a transactions filter reads a column kept on the line (`store_id`) or a line's place (`within … km`). */
const readsLineAttribute = (n: Node | undefined, schema: AudienceSchema): boolean => {
  if (!n) return false;
  if (n.kind === 'all' || n.kind === 'any') return n.items.some((x) => readsLineAttribute(x, schema));
  if (n.kind === 'not') return readsLineAttribute(n.item, schema);
  return n.kind === 'near' || (n.kind === 'field' && n.field.path.length === 1 && !(n.field.path[0]! in schema.transactionFields));
};

/** The largest restriction (IR nodes) a leaf of `all(…)` takes from its siblings. */
const MAX_RESTRICTION_NODES = 2_000;

/** Distinct counts that need at least this many rows first keep only the customers with that many rows. */
const MIN_ROWS_PREFILTER = 10;

/** The rows of a source a leaf reads: `where` with a sibling's restriction, `own` without it. */
interface Rows { table: string; source: SqlSource; where: Expr; own: Expr }

/** Leaves whose scans can take a sibling's restriction (`all`). */
const RESTRICTABLE = new Set<Node['kind']>(['measure', 'has', 'occurrence', 'sequence']);

class Lowerer {
  /**
   * `shared`: each referenced audience is lowered once, into a CTE (`ctes`, dependencies first) that every
   * reference reads, so a pack whose audiences each refer to the previous one twice stays linear in size.
   * Without it (lowerCondition), a reference is the referenced condition itself, lowered once and reused.
   */
  constructor(private readonly o: LowerOptions, private readonly shared = false) {}

  /** The CTEs of the referenced audiences, each after those it reads. */
  readonly ctes: Cte[] = [];
  /** referenced audience → its CTE's name (shared) or its lowered condition (not shared) */
  private readonly refCte = new Map<string, string>();
  private readonly refExpr = new Map<string, Expr>();
  private readonly refCost = new Map<string, number>();

  private asOf = () => lit(this.o.asOf);
  /**
   * A condition on the scanned rows' customer_id that the leaf being lowered may add to its scans (see
   * `all`): the customers its siblings already allow. Population statistics never use it.
   */
  private restrict: Expr | undefined;
  /** scans that took the restriction while lowering the current leaf */
  private restricted = 0;

  cond(n: Node): Expr {
    switch (n.kind) {
      case 'all':
        return this.all(n.items);
      case 'any':
        return anyOf(n.items.map((x) => this.cond(x)));
      case 'not':
        return not(this.cond(n.item));
      case 'ref': {
        const name = n.name.value;
        const target = this.o.refs.get(name);
        if (!target) return bool(n.negate);
        if (this.shared) {
          const members = select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table(this.cteOf(name, target)) });
          return inQuery(col('customer_id'), members, n.negate);
        }
        let e = this.refExpr.get(name);
        if (!e) {
          // lowered without a sibling's restriction, so the one expression is right wherever it is used
          e = this.unrestricted(() => this.cond(target));
          this.refExpr.set(name, e);
        }
        return n.negate ? not(e) : e;
      }
      default:
        return this.leaf(n).holds;
    }
  }

  /** The CTE holding the members of a referenced audience, lowered on first use. */
  private cteOf(name: string, target: Node): string {
    const known = this.refCte.get(name);
    if (known !== undefined) return known;
    const where = this.unrestricted(() => this.cond(target));
    const cte = `audience_${this.ctes.length + 1}_${name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40)}`;
    this.ctes.push({ name: cte, query: select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('customers'), where }) });
    this.refCte.set(name, cte);
    return cte;
  }

  /**
   * A conjunction, cheapest condition first. A behaviour leaf that groups many rows (distinct counts,
   * aggregates, sequences) scans only the rows of customers the conditions before it allow: `x IN A AND
   * x IN B` is `x IN A AND x IN (B ∩ A)`, and `x IN A AND x NOT IN F` is `x IN A AND x NOT IN (F ∩ A)`, so
   * the restricted leaf agrees with the original on every customer the others allow, and a restricted
   * positive semi-join (`x IN (B ∩ A)`) implies the others, which are then left out of the outer WHERE.
   * E.g. `all(orders >= 3, event 'review' >= 2)` counts the distinct orders of reviewers only.
   */
  private all(items: readonly Node[]): Expr {
    const ranked = items.map((x, i) => ({ x, i, cost: this.cost(x) })).sort((a, b) => a.cost - b.cost || a.i - b.i);
    let kept: Expr[] = [];
    // What a restriction is built from: the conditions lowered without one, or the restricted semi-join that
    // implies them. A restricted anti-join (NOT IN) never enters it, so no leaf carries the restrictions of
    // all those before it (which doubled the SQL with every such leaf: 16 of them made 20 MB).
    let basis: Expr[] = [];
    for (const { x, cost } of ranked) {
      const allowed = cost < 3 || basis.length === 0 || !RESTRICTABLE.has(x.kind) ? undefined
        : basis.length === 1 && basis[0]!.kind === 'in_query' && !basis[0]!.negate ? basis[0]!
          : inQuery(col('customer_id'), select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('customers'), where: and(...basis) }));
      // a restriction repeats its conditions inside the leaf: only a small one pays off
      if (!allowed || expandedSize(select({ select: '*', from: table('customers'), where: allowed }), { inlineCtes: false, cap: MAX_RESTRICTION_NODES + 1 }) > MAX_RESTRICTION_NODES) {
        const e = this.cond(x);
        kept.push(e);
        basis.push(e);
        continue;
      }
      const [outer, outerUsed] = [this.restrict, this.restricted];
      this.restrict = allowed;
      this.restricted = 0;
      const e = this.cond(x);
      const used = this.restricted > 0;
      [this.restrict, this.restricted] = [outer, outerUsed + this.restricted];
      if (used && e.kind === 'in_query' && !e.negate) {
        kept = [...kept.filter((k) => !basis.includes(k)), e];
        basis = [e];
      } else kept.push(e);
    }
    return and(...kept);
  }

  /** A rough rank of a condition's cost: 0 traits, 1 stored results and distances, 2 semi-joins and event counts, 3+ grouping of transactions. */
  private cost(n: Node): number {
    switch (n.kind) {
      case 'field': return n.field.path.length === 1 ? 0 : 1;
      case 'geo': return 1;
      case 'near': return 0;
      case 'ref': {
        // shared: a semi-join on the audience's members, computed once
        if (this.shared) return 2;
        const known = this.refCost.get(n.name.value);
        if (known !== undefined) return known;
        const t = this.o.refs.get(n.name.value);
        const c = t ? this.cost(t) : 0;
        this.refCost.set(n.name.value, c);
        return c;
      }
      case 'not': return this.cost(n.item);
      case 'all': case 'any': return Math.max(0, ...n.items.map((x) => this.cost(x)));
      case 'has': return 2;
      case 'occurrence': return 3;
      case 'sequence': return 4;
      case 'measure': {
        // a statistic groups the rows once (cheaper than distinct pairs), and its members then restrict those
        if (n.value.kind === 'stat') return 4;
        const windowed = n.window ? -0.5 : 0;
        if (n.source.kind === 'event') return n.agg.fn === 'distinct' ? 4 + windowed : 2;
        const distinct = n.agg.fn === 'distinct' || (n.agg.fn === 'count' && n.source.kind === 'orders');
        const v = n.value.value as number;
        // counts compared with 0, 1 or 2: a semi-join or min/max per customer (see measure)
        if ((n.agg.fn === 'count' || n.agg.fn === 'distinct') && v <= 2) return distinct ? 3 + windowed : 2;
        return (distinct ? 5 : 3) + windowed;
      }
    }
  }

  /** The condition of a leaf, with its observed value for one customer when `customerId` is given. */
  leaf(n: Node, customerId?: string): LeafProbe {
    switch (n.kind) {
      case 'field':
        return this.customerField(n, customerId);
      case 'measure':
        return this.measure(n.agg, n.source, n.where, n.window, n.op, n.value, n, customerId);
      case 'has':
        return this.measure({ fn: 'count', span: n.span }, n.source, n.where, n.window, n.negate ? '=' : '>=', { kind: 'number', value: n.negate ? 0 : 1, span: n.span }, n, customerId);
      case 'occurrence': {
        const rows = this.rows(n.source, n.where, undefined);
        const ts = agg(n.which === 'first' ? 'min' : 'max', col('ts'));
        const holds = inQuery(col('customer_id'), select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: rows.source, where: rows.where, groupBy: [col('customer_id')], having: this.dateTest(ts, n.test) }));
        return { node: n, holds, ...(customerId === undefined ? {} : { observed: scalarQuery(select({ select: [{ expr: ts, as: 'v' }], from: rows.source, where: and(rows.where, eq(col('customer_id'), lit(customerId))) })) }) };
      }
      case 'sequence':
        return { node: n, holds: this.sequence(n) };
      case 'geo': {
        const dist = this.distance(n.lat.value as number, n.lon.value as number);
        return { node: n, holds: truth(le(dist, lit(n.km.value as number))), observed: dist };
      }
      case 'near':
        // only inside a row filter (the checker says so); as a customer condition it holds for nobody
        return { node: n, holds: bool(false) };
      case 'ref':
      case 'all':
      case 'any':
      case 'not':
        return { node: n, holds: this.cond(n) };
    }
  }

  // ---- traits and scores

  private customerField(n: Node & { kind: 'field' }, customerId: string | undefined): LeafProbe {
    const { schema } = this.o;
    const path = n.field.path;
    if (path.length === 1) {
      const name = resolveTrait(schema, path[0]!)!;
      const x = col(name);
      const statQ = (s: Stat) => scalarQuery(select({ select: [{ expr: this.stat(s, x), as: 'v' }], from: table('customers') }));
      return {
        node: n,
        holds: truth(this.fieldTest(x, schema.traits[name]!, n.test, statQ)),
        observed: x,
        ...(n.test.kind === 'cmp' && n.test.value.kind === 'stat' ? { threshold: statQ(n.test.value) } : {}),
      };
    }
    const src = scoreSourceOf(schema, n.field)!;
    const field = resultField(path);
    const inRun = eq(col('run_id'), lit(src.runId));
    const x = col(src.columns?.[field] ?? field);
    const statQ = (s: Stat) => scalarQuery(select({ select: [{ expr: this.stat(s, x), as: 'v' }], from: table(src.table), where: inRun }));
    const holds = inQuery(col('customer_id'), select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table(src.table), where: and(inRun, truth(this.fieldTest(x, src.fields[field]!, n.test, statQ))) }));
    if (customerId === undefined) return { node: n, holds };
    return {
      node: n,
      holds,
      observed: scalarQuery(select({ select: [{ expr: x, as: 'v' }], from: table(src.table), where: and(inRun, eq(col('customer_id'), lit(customerId))) })),
      ...(n.test.kind === 'cmp' && n.test.value.kind === 'stat' ? { threshold: statQ(n.test.value) } : {}),
    };
  }

  private stat(s: Stat, x: Expr): Expr {
    if (s.stat === 'avg') return avgOf(x);
    if (s.stat === 'median') return median(x);
    return index(quantiles(x, [s.p! / 100]), 1);
  }

  /** A literal as the value compared with a field of `type`. */
  private value(l: Literal, type: FieldType): Expr {
    if ((type === 'date' || type === 'timestamp') && l.kind === 'string') return lit(asDate(l));
    return lit(l.value);
  }

  /** The test on `x` (a field of `type`); dates written without a time mean the whole day. */
  private fieldTest(x: Expr, type: FieldType, t: FieldTest, statQ: (s: Stat) => Expr): Expr {
    const isDate = type === 'date' || type === 'timestamp';
    switch (t.kind) {
      case 'cmp': {
        if (t.value.kind === 'stat') return binary(OPS[t.op], x, statQ(t.value));
        const v = t.value;
        if (isDate && dateOnly(v)) {
          const d = asDate(v);
          const [from, to] = [lit(d), lit(nextDay(d))];
          switch (t.op) {
            case '=': return and(ge(x, from), lt(x, to));
            case '!=': return or(lt(x, from), ge(x, to));
            case '<': return lt(x, from);
            case '<=': return lt(x, to);
            case '>': return ge(x, to);
            case '>=': return ge(x, from);
          }
        }
        return binary(OPS[t.op], this.prop(x, v), this.value(v, type));
      }
      case 'in': {
        // a date without a time is the whole day, as with `=`
        if (isDate && t.values.some(dateOnly)) {
          const hit = or(...t.values.map((value) => this.fieldTest(x, type, { kind: 'cmp', op: '=', value }, statQ)));
          return t.negate ? not(hit) : hit;
        }
        return inList(this.prop(x, t.values[0]), t.values.map((v) => this.value(v, type)), t.negate);
      }
      case 'between': {
        const xx = this.prop(x, t.lo);
        return and(ge(xx, this.value(t.lo, type)), isDate && dateOnly(t.hi) ? upTo(xx, t.hi) : le(xx, this.value(t.hi, type)));
      }
      case 'contains':
        return contains(this.prop(x, t.value), lit(t.value.value));
      case 'starts_with':
        return startsWith(this.prop(x, t.value), lit(t.value.value));
      case 'is_null':
        return t.negate ? isNotNull(x) : isNull(x);
      case 'date':
        return this.dateTest(x, t.test);
    }
  }

  /** An event property (a json_get placeholder) read as a number when compared with one, else as text; any other `x` as it is. */
  private prop(x: Expr, l: Literal | undefined): Expr {
    if (x.kind !== 'json_get') return x;
    return jsonGet(x.expr, x.key, l?.kind === 'number' ? 'number' : 'text');
  }

  private dateTest(x: Expr, t: DateTest): Expr {
    const { asOf } = this.o;
    switch (t.kind) {
      case 'in_last': return and(ge(x, lit(minusDuration(asOf, t.d))), lt(x, this.asOf()));
      case 'ago': return lt(x, lit(minusDuration(asOf, t.d)));
      case 'before': return lt(x, lit(asDate(t.date)));
      case 'after': return dateOnly(t.date) ? ge(x, lit(nextDay(asDate(t.date)))) : gt(x, lit(asDate(t.date)));
      case 'between_dates': return and(ge(x, lit(asDate(t.from))), upTo(x, t.to));
    }
  }

  // ---- behaviour

  /** The rows of a source before the as-of date, in the window, passing the filter. */
  private rows(s: Source, where: Node | undefined, w: Window | undefined, a?: Aggregate): Rows {
    const scope: RowScope = s.kind === 'event' ? { table: 'events', type: String(s.type.value) } : { table: 'transactions' };
    // a line's category or department, when the line has none, is its product's: read the joined lines then
    const joined = scope.table === 'transactions' && (readsProductField(where) || (a?.field !== undefined && readsProductField({ kind: 'field', field: a.field } as Node)));
    const parts: Expr[] = [isNotNull(col('customer_id')), lt(col('ts'), this.asOf())];
    if (s.kind === 'event') parts.push(eq(col('type'), lit(String(s.type.value))));
    else if (s.kind === 'orders' || s.kind === 'purchases') parts.push(not(col('is_return')));
    else if (s.kind === 'returns') parts.push(col('is_return'));
    if (w?.kind === 'last') parts.push(ge(col('ts'), lit(minusDuration(this.o.asOf, w.d))));
    if (w?.kind === 'between_dates') parts.push(ge(col('ts'), lit(asDate(w.from))), upTo(col('ts'), w.to));
    if (where) parts.push(this.filter(where, scope));
    const own = and(...parts);
    if (this.restrict) {
      parts.push(this.restrict);
      this.restricted++;
    }
    const attributes = joined && (readsLineAttribute(where, this.o.schema) || (a?.field !== undefined && readsLineAttribute({ kind: 'field', field: a.field } as Node, this.o.schema)));
    return { table: scope.table, source: joined ? transactionLines('lines', 'transactions', { attributes }) : table(scope.table), where: and(...parts), own };
  }

  private unrestricted<T>(fn: () => T): T {
    const r = this.restrict;
    this.restrict = undefined;
    try {
      return fn();
    } finally {
      this.restrict = r;
    }
  }

  private rowField(f: FieldRef, scope: RowScope): { x: Expr; type: FieldType } {
    if (scope.table === 'events') return { x: jsonGet(col('properties'), f.path[1]!, 'text'), type: 'json' };
    const name = f.path[0]!;
    const attr = name in this.o.schema.transactionFields ? undefined : lineAttribute(this.o.schema, name);
    // a line attribute is JSON text: numbers are cast (every value of a `number` attribute reads as one)
    if (attr) return { x: attr.type === 'number' ? cast(jsonGet(col('attributes'), attr.key, 'text'), 'double') : jsonGet(col('attributes'), attr.key, 'text'), type: attr.type };
    return { x: col(name), type: this.o.schema.transactionFields[name]! };
  }

  /** The line's place within R km of a point or of a place (a semi-join on `places`); false for lines without a place. */
  private near(n: Node & { kind: 'near' }): Expr {
    const key = this.o.schema.places?.attribute;
    if (key === undefined) return bool(false);
    const place = jsonGet(col('attributes'), key, 'text');
    const of = (c: string) => scalarQuery(select({ select: [{ expr: col(c), as: c }], from: table('places'), where: eq(col('place_id'), lit(n.place!.value)) }));
    const [lat0, lon0] = n.place ? [of('latitude'), of('longitude')] : [lit(n.point!.lat.value as number), lit(n.point!.lon.value as number)];
    const within = select({
      select: [{ expr: col('place_id'), as: 'place_id' }],
      from: table('places'),
      where: le(haversine(col('latitude'), col('longitude'), lat0, lon0), lit(n.km.value as number)),
    });
    return and(isNotNull(place), inQuery(place, within));
  }

  private filter(n: Node, scope: RowScope): Expr {
    if (n.kind === 'all') return and(...n.items.map((x) => this.filter(x, scope)));
    if (n.kind === 'any') return or(...n.items.map((x) => this.filter(x, scope)));
    if (n.kind === 'not') return not(this.filter(n.item, scope));
    if (n.kind === 'near') return scope.table === 'transactions' ? this.near(n) : bool(false);
    if (n.kind !== 'field') return bool(false);
    const { x, type } = this.rowField(n.field, scope);
    // text equality against a category or department ignores case (docs/audiences.md): 'meat' finds 'MEAT'
    if (scope.table === 'transactions' && (PRODUCT_FIELDS as readonly string[]).includes(n.field.path[0]!)) {
      const t = n.test;
      const lower = (e: Expr) => fn('lower', e);
      if (t.kind === 'cmp' && (t.op === '=' || t.op === '!=') && t.value.kind === 'string') return truth(binary(OPS[t.op], lower(x), lower(lit(t.value.value))));
      if (t.kind === 'in' && t.values.every((v) => v.kind === 'string')) return truth(inList(lower(x), t.values.map((v) => lower(lit(v.value))), t.negate));
    }
    return truth(this.fieldTest(x, type, n.test, () => NULL));
  }

  /**
   * The aggregate of a measure and its value for a customer without rows. Distinct counts also give the
   * counted expression: they are computed in two steps (distinct pairs, then a count), which DuckDB runs
   * faster than count(DISTINCT …) per group.
   */
  private aggregate(a: Aggregate, s: Source): { expr: Expr; zero: number | null; distinctOf?: Expr } {
    const scope: RowScope = s.kind === 'event' ? { table: 'events', type: String(s.type.value) } : { table: 'transactions' };
    if (a.fn === 'count') return s.kind === 'orders' ? { expr: countDistinct(col('order_id')), zero: 0, distinctOf: col('order_id') } : { expr: count(), zero: 0 };
    const { x } = this.rowField(a.field!, scope);
    const xv = x.kind === 'json_get' ? jsonGet(x.expr, x.key, a.fn === 'distinct' ? 'text' : 'number') : x;
    if (a.fn === 'distinct') return { expr: countDistinct(xv), zero: 0, distinctOf: xv };
    if (a.fn === 'sum') return { expr: coalesce(agg('sum', xv), num(0)), zero: 0 };
    return { expr: agg(a.fn, xv), zero: null };
  }

  /** Per customer with rows: `customer_id` and the aggregate `v`, optionally only where `having(v)` holds. */
  private perCustomer(rows: Rows, a: { expr: Expr; distinctOf?: Expr }, having?: (v: Expr) => Expr, withValue = false, minRows?: number): Select {
    const id = { expr: col('customer_id'), as: 'customer_id' };
    if (a.distinctOf) {
      let where = and(rows.where, isNotNull(a.distinctOf));
      // n distinct values need n rows: counting each customer's rows is far cheaper than grouping the pairs,
      // and leaves out most customers when n is large (measured: a third less time for distinct(product_id) >= 20).
      // The count takes a sibling's restriction (rows.where), the pairs then need only their own conditions.
      if (minRows !== undefined && minRows >= MIN_ROWS_PREFILTER) {
        const enough = select({ select: [id], from: rows.source, where, groupBy: [col('customer_id')], having: ge(count(), lit(minRows)) });
        where = and(rows.own, isNotNull(a.distinctOf), inQuery(col('customer_id'), enough));
      }
      // an expression (a JSON key read, whose key is a bound parameter) is grouped by its name from a subquery:
      // bound twice, in SELECT and GROUP BY, DuckDB sees two different expressions
      const pairs = a.distinctOf.kind === 'col'
        ? select({ select: [id, { expr: a.distinctOf, as: 'k' }], from: rows.source, where, groupBy: [col('customer_id'), a.distinctOf] })
        : select({ select: [id, { expr: col('k'), as: 'k' }], from: subquery(select({ select: [id, { expr: a.distinctOf, as: 'k' }], from: rows.source, where }), 'v'), groupBy: [col('customer_id'), col('k')] });
      return select({ select: withValue ? [id, { expr: count(), as: 'v' }] : [id], from: subquery(pairs, 'd'), groupBy: [col('customer_id')], ...(having ? { having: having(count()) } : {}) });
    }
    return select({ select: withValue ? [id, { expr: a.expr, as: 'v' }] : [id], from: rows.source, where: rows.where, groupBy: [col('customer_id')], ...(having ? { having: having(a.expr) } : {}) });
  }

  private measure(a: Aggregate, s: Source, where: Node | undefined, w: Window | undefined, op: CmpOp, value: Literal | Stat, node: Node, customerId: string | undefined): LeafProbe {
    // a population statistic is over every customer's value: its rows are never restricted
    const rows = value.kind === 'stat' ? this.unrestricted(() => this.rows(s, where, w, a)) : this.rows(s, where, w, a);
    const ag = this.aggregate(a, s);
    const { expr: v, zero } = ag;
    const observed = customerId === undefined ? undefined
      : coalesce(scalarQuery(select({ select: [{ expr: v, as: 'v' }], from: rows.source, where: and(rows.where, eq(col('customer_id'), lit(customerId))) })), zero === null ? NULL : num(zero));
    if (value.kind === 'stat') {
      // every customer's value (customers without rows get the aggregate's value over no rows), compared with the statistic of all of them
      const m = select({
        select: [{ expr: col('customer_id', 'c'), as: 'customer_id' }, { expr: zero === null ? col('v', 'a') : coalesce(col('v', 'a'), num(zero)), as: 'v' }],
        from: table('customers', 'c'),
        joins: [{ type: 'left', target: subquery(this.perCustomer(rows, ag, undefined, true), 'a'), on: eq(col('customer_id', 'a'), col('customer_id', 'c')) }],
      });
      const threshold = scalarQuery(select({ select: [{ expr: this.stat(value, col('v')), as: 't' }], from: table('m') }));
      const holds = inQuery(col('customer_id'), select({ with: [{ name: 'm', query: m }], select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('m'), where: truth(binary(OPS[op], col('v'), threshold)) }));
      const t = scalarQuery(select({ with: [{ name: 'm', query: m }], select: [{ expr: this.stat(value, col('v')), as: 't' }], from: table('m') }));
      return { node, holds, ...(observed ? { observed, threshold: t } : {}) };
    }
    const n = value.value as number;
    // Counts compared with 0, 1 or 2 need no count: "some rows" is a semi-join, and for distinct counts
    // "exactly one value" / "two or more" is min = max / min <> max per customer (exact, and far cheaper).
    if (zero === 0 && (a.fn === 'count' || a.fn === 'distinct') && n <= 2 && cmpJs(op, 2, n) === cmpJs(op, 3, n)) {
      const [p1, p2] = [cmpJs(op, 1, n), cmpJs(op, 2, n)];
      const k = ag.distinctOf;
      if (p1 === p2 || k) {
        const where = k ? and(rows.where, isNotNull(k)) : rows.where;
        const id = [{ expr: col('customer_id'), as: 'customer_id' }];
        const withRows = (having?: Expr) => inQuery(col('customer_id'), select({ select: id, from: rows.source, where, ...(having ? { groupBy: [col('customer_id')], having } : {}) }));
        const one = () => eq(agg('min', k!), agg('max', k!));
        const many = () => binary('<>', agg('min', k!), agg('max', k!));
        // among customers with rows: where the comparison holds (p1 for one value, p2 for several)
        const holdsWithRows = p1 && p2 ? withRows() : p1 ? withRows(one()) : p2 ? withRows(many()) : bool(false);
        const failsWithRows = !p1 && !p2 ? withRows() : !p1 ? withRows(one()) : !p2 ? withRows(many()) : bool(false);
        return { node, holds: cmpJs(op, 0, n) ? not(failsWithRows) : holdsWithRows, ...(observed ? { observed } : {}) };
      }
    }
    const cmp = (x: Expr) => binary(OPS[op], x, lit(n));
    const zeroHolds = zero !== null && cmpJs(op, zero, n);
    // the fewest distinct values for which the HAVING below holds (the integer it needs is one of these)
    const having = (c: number) => (zeroHolds ? !cmpJs(op, c, n) : cmpJs(op, c, n));
    const minRows = ag.distinctOf ? [0, Math.floor(n), Math.ceil(n), Math.floor(n) + 1].filter((c) => c >= 0).sort((x, y) => x - y).find(having) : undefined;
    const holds = zeroHolds
      ? not(inQuery(col('customer_id'), this.perCustomer(rows, ag, (x) => not(cmp(x)), false, minRows)))
      : inQuery(col('customer_id'), this.perCustomer(rows, ag, cmp, false, minRows));
    return { node, holds, ...(observed ? { observed } : {}) };
  }

  /**
   * Customers with an occurrence of A followed (or, negated, not followed) by B within the time limit. Joins
   * are ON the customer only, with the time conditions in WHERE: engines then hash-join (DuckDB falls back to
   * a nested loop for an outer join with inequalities), and ClickHouse can run it.
   */
  private sequence(n: Node & { kind: 'sequence' }): Expr {
    const a = this.rows(n.first.source, n.first.where, n.window);
    const b = this.rows(n.then.source, n.then.where, undefined);
    const limitDays = durationDays(n.within);
    // an A too close to the as-of date has not had its full time limit yet: not (yet) "not followed"
    const aWhere = n.negate ? and(a.where, le(col('ts'), lit(new Date(this.o.asOf.getTime() - limitDays * DAY_MS)))) : a.where;
    const rowsOf = (t: SqlSource, where: Expr) => select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: col('ts'), as: 'ts' }], from: t, where });
    // the occurrences of A that some B follows within the limit
    const followed = (out: { expr: Expr; as: string }[], groupBy?: Expr[]) => select({
      select: out,
      from: subquery(rowsOf(a.source, aWhere), 'a'),
      joins: [{ type: 'inner', target: subquery(rowsOf(b.source, b.where), 'b'), on: eq(col('customer_id', 'b'), col('customer_id', 'a')) }],
      where: and(gt(col('ts', 'b'), col('ts', 'a')), le(daysBetweenExact(col('ts', 'a'), col('ts', 'b')), num(limitDays))),
      ...(groupBy ? { groupBy } : {}),
    });
    if (!n.negate) return inQuery(col('customer_id'), followed([{ expr: col('customer_id', 'a'), as: 'customer_id' }]));
    // some A is not followed: the customer has more distinct A times than followed ones
    const nA = select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: countDistinct(col('ts')), as: 'n' }], from: a.source, where: aWhere, groupBy: [col('customer_id')] });
    const nF = followed([{ expr: col('customer_id', 'a'), as: 'customer_id' }, { expr: countDistinct(col('ts', 'a')), as: 'n' }], [col('customer_id', 'a')]);
    return inQuery(col('customer_id'), select({
      select: [{ expr: col('customer_id', 'x'), as: 'customer_id' }],
      from: subquery(nA, 'x'),
      joins: [{ type: 'left', target: subquery(nF, 'y'), on: eq(col('customer_id', 'y'), col('customer_id', 'x')) }],
      where: gt(col('n', 'x'), coalesce(col('n', 'y'), num(0))),
    }));
  }

  /** Great-circle distance in km from the customer's latitude/longitude to a point (haversine). */
  private distance(lat0: number, lon0: number): Expr {
    const { schema } = this.o;
    return haversine(col(resolveTrait(schema, 'latitude')!), col(resolveTrait(schema, 'longitude')!), lit(lat0), lit(lon0));
  }
}

/** Great-circle distance in km between (lat, lon) and (lat0, lon0), in degrees, on a sphere of radius 6,371.0088 km (haversine). */
function haversine(lat: Expr, lon: Expr, lat0: Expr, lon0: Expr): Expr {
  const rad = (e: Expr) => mul(e, num(Math.PI / 180));
  const half = (e: Expr) => sin(mul(rad(e), num(0.5)));
  const sq = (e: Expr) => mul(e, e);
  const h = add(sq(half(sub(lat, lat0))), mul(mul(cos(rad(lat0)), cos(rad(lat))), sq(half(sub(lon, lon0)))));
  // rounding can put h a hair above 1, where asin is undefined (PostgreSQL raises)
  return mul(num(2 * EARTH_RADIUS_KM), asin(least(sqrt(h), num(1))));
}

/**
 * The members query of a checked audience: `SELECT customer_id FROM customers WHERE …`, with one CTE per
 * referenced audience (`WITH audience_1_x AS (SELECT customer_id FROM customers WHERE …) …`).
 */
export function lowerAudience(node: Node, options: LowerOptions): Select {
  const l = new Lowerer(options, true);
  const where = l.cond(node);
  return select({ ...(l.ctes.length ? { with: l.ctes } : {}), select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('customers'), where });
}

/** The condition of a checked audience over the customers table (to combine with other conditions). */
export function lowerCondition(node: Node, options: LowerOptions): Expr {
  return new Lowerer(options).cond(node);
}

/**
 * Each leaf of `node` (each referenced audience followed once) with its condition and, for `customerId`,
 * its observed value; `ctes` are the referenced audiences' members, for a WITH around the probes.
 */
export function leafProbes(node: Node, options: LowerOptions, customerId: string): { probes: LeafProbe[]; ctes: Cte[] } {
  const l = new Lowerer(options, true);
  const out: LeafProbe[] = [];
  const followed = new Set<string>();
  const visit = (n: Node): void => {
    if (n.kind === 'all' || n.kind === 'any') n.items.forEach(visit);
    else if (n.kind === 'not') visit(n.item);
    else if (n.kind === 'ref') {
      out.push({ node: n, holds: l.cond(n) });
      const t = options.refs.get(n.name.value);
      if (t && !followed.has(n.name.value)) {
        followed.add(n.name.value);
        visit(t);
      }
    } else out.push(l.leaf(n, customerId));
  };
  visit(node);
  return { probes: out, ctes: l.ctes };
}

/** A semi-join's subquery that can be one branch of a UNION ALL: one output column named customer_id, no CTE, order or limit. */
function unionBranch(e: Expr): Select | undefined {
  if (e.kind !== 'in_query' || e.negate || e.expr.kind !== 'col' || e.expr.name !== 'customer_id' || e.expr.table !== undefined) return undefined;
  const q = e.query;
  if (q.kind !== 'select' || q.with || q.orderBy || q.limit !== undefined || q.select === '*' || q.select.length !== 1 || q.select[0]!.as !== 'customer_id') return undefined;
  return q;
}

/**
 * `x IN A OR x IN B OR …` as `x IN (A UNION ALL B …)`, and `NOT x IN C OR NOT x IN D OR …` as
 * `NOT x IN (C ∩ D …)`: one semi-join for each kind instead of one per condition. An any() of 300 behaviour
 * conditions made 300 joins, each with its own hash table, and ran out of a 1 GB memory limit on 4,372
 * customers. The union is exact (NULLs included, so a negated any() is unchanged too); the intersection is
 * each customer found in every set: each set's customers once, counted (behaviour scans never yield a NULL id).
 */
function anyOf(items: Expr[]): Expr {
  const positive = items.map(unionBranch);
  const negative = items.map((e) => (e.kind === 'not' ? unionBranch(e.expr) : undefined));
  const pos = positive.filter((b): b is Select => b !== undefined);
  const neg = negative.filter((b): b is Select => b !== undefined);
  if (pos.length < 2 && neg.length < 2) return or(...items);
  const id = [{ expr: col('customer_id'), as: 'customer_id' }];
  // each customer once: a set's rows (and a union of 100 sets of a million customers) would fill the join's hash table
  const distinctIds = (q: Select | ReturnType<typeof unionAll>, alias: string) => select({ distinct: true, select: id, from: subquery(q, alias) });
  const out: Expr[] = [];
  if (pos.length >= 2) out.push(inQuery(col('customer_id'), distinctIds(unionAll(...pos), 'sets')));
  if (neg.length >= 2) {
    const inEvery = select({
      select: id,
      from: subquery(unionAll(...neg.map((q, i) => distinctIds(q, `set_${i + 1}`))), 'sets'),
      groupBy: [col('customer_id')],
      having: eq(count(), num(neg.length)),
    });
    out.push(not(inQuery(col('customer_id'), inEvery)));
  }
  items.forEach((e, i) => {
    const merged = (positive[i] !== undefined && pos.length >= 2) || (negative[i] !== undefined && neg.length >= 2);
    if (!merged) out.push(e);
  });
  return or(...out);
}
