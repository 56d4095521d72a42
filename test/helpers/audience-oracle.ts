/**
 * An independent in-memory evaluator of the audience language over rows held in JS, written from the
 * semantics in docs/audiences.md (not from the lowering), so the property test can compare it with the SQL.
 */
import type { DateTest, FieldTest, Literal, Node, Source, Stat, Window } from '../../src/segments/ast.ts';

export interface OracleData {
  customers: Record<string, unknown>[];
  transactions: { customer_id: string | null; order_id: string; ts: Date; amount: number | null; is_return: boolean; [k: string]: unknown }[];
  events: { customer_id: string; ts: Date; type: string; properties: Record<string, unknown> | null }[];
  /** trait name → 'date' | 'timestamp' | other, to know which literals are dates */
  traitTypes: Record<string, string>;
}

const DAY = 86_400_000;
const isDateOnly = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);
const toDate = (s: string) => new Date(s.length === 10 ? `${s}T00:00:00Z` : `${s.replace(' ', 'T')}${s.length === 16 ? ':00' : ''}Z`);

function back(asOf: Date, n: number, unit: string): Date {
  const t = new Date(asOf.getTime());
  if (unit === 'hours') return new Date(t.getTime() - n * 3_600_000);
  if (unit === 'days') return new Date(t.getTime() - n * DAY);
  if (unit === 'weeks') return new Date(t.getTime() - n * 7 * DAY);
  if (unit === 'months') t.setUTCMonth(t.getUTCMonth() - n);
  else t.setUTCFullYear(t.getUTCFullYear() - n);
  return t;
}
const unitDays: Record<string, number> = { hours: 1 / 24, days: 1, weeks: 7, months: 30.44, years: 365.25 };

/** Type-7 quantile of sorted values. */
function quantile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function statOf(s: Stat, values: (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null && v !== undefined).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  if (s.stat === 'avg') return xs.reduce((a, b) => a + b, 0) / xs.length;
  if (s.stat === 'median') return quantile(xs, 0.5);
  return quantile(xs, s.p! / 100);
}

function cmp(op: string, a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  switch (op) {
    case '=': return x === y;
    case '!=': return x !== y;
    case '<': return (x as number) < (y as number);
    case '<=': return (x as number) <= (y as number);
    case '>': return (x as number) > (y as number);
    default: return (x as number) >= (y as number);
  }
}

export class Oracle {
  constructor(private readonly d: OracleData, private readonly asOf: Date, private readonly refs: ReadonlyMap<string, Node> = new Map()) {}

  members(n: Node): Set<string> {
    const out = new Set<string>();
    for (const c of this.d.customers) if (this.holds(n, c)) out.add(String(c.customer_id));
    return out;
  }

  private holds(n: Node, c: Record<string, unknown>): boolean {
    switch (n.kind) {
      case 'all': return n.items.every((x) => this.holds(x, c));
      case 'any': return n.items.some((x) => this.holds(x, c));
      case 'not': return !this.holds(n.item, c);
      case 'ref': {
        const t = this.refs.get(n.name.value);
        const h = t ? this.holds(t, c) : false;
        return n.negate ? !h : h;
      }
      case 'field': {
        const name = n.field.path[0]!;
        const type = this.d.traitTypes[name] ?? 'other';
        const stat = (s: Stat) => statOf(s, this.d.customers.map((x) => x[name] as number | null));
        return this.test(c[name], type, n.test, stat);
      }
      case 'measure': {
        const value = (id: string) => this.measureValue(n.agg.fn, n.agg.field?.path, n.source, n.where, n.window, id);
        const v = value(String(c.customer_id));
        if (n.value.kind === 'stat') {
          const s = this.statCache(n, () => statOf(n.value as Stat, this.d.customers.map((x) => value(String(x.customer_id)))));
          return cmp(n.op, v, s);
        }
        return cmp(n.op, v, n.value.value);
      }
      case 'has': {
        const v = this.measureValue('count', undefined, n.source, n.where, n.window, String(c.customer_id));
        return n.negate ? v === 0 : (v as number) >= 1;
      }
      case 'occurrence': {
        const rows = this.rows(n.source, n.where, undefined, String(c.customer_id));
        if (rows.length === 0) return false;
        const ts = rows.map((r) => r.ts.getTime());
        const t = new Date(n.which === 'first' ? Math.min(...ts) : Math.max(...ts));
        return this.dateTest(t, n.test);
      }
      case 'sequence': {
        const id = String(c.customer_id);
        const limit = n.within.n * unitDays[n.within.unit]!;
        let a = this.rows(n.first.source, n.first.where, n.window, id);
        if (n.negate) a = a.filter((r) => r.ts.getTime() <= this.asOf.getTime() - limit * DAY);
        const b = this.rows(n.then.source, n.then.where, undefined, id);
        const followed = (x: { ts: Date }) => b.some((y) => y.ts > x.ts && (y.ts.getTime() - x.ts.getTime()) / DAY <= limit);
        return n.negate ? a.some((x) => !followed(x)) : a.some(followed);
      }
      case 'geo': {
        const lat = c.latitude as number | null;
        const lon = c.longitude as number | null;
        if (lat === null || lon === null || lat === undefined || lon === undefined) return false;
        const r = Math.PI / 180;
        const h = Math.sin((lat - (n.lat.value as number)) * r / 2) ** 2 + Math.cos((n.lat.value as number) * r) * Math.cos(lat * r) * Math.sin((lon - (n.lon.value as number)) * r / 2) ** 2;
        return 2 * 6371.0088 * Math.asin(Math.min(Math.sqrt(h), 1)) <= (n.km.value as number);
      }
      case 'near': throw new Error('the oracle knows no places: test within on purchases with its own brute-force count');
    }
  }

  private readonly stats = new Map<Node, number | null>();
  private statCache(n: Node, f: () => number | null): number | null {
    if (!this.stats.has(n)) this.stats.set(n, f());
    return this.stats.get(n)!;
  }

  private value(l: Literal, type: string): unknown {
    if ((type === 'date' || type === 'timestamp') && l.kind === 'string') return toDate(l.value);
    return l.value;
  }

  private test(x: unknown, type: string, t: FieldTest, stat: (s: Stat) => number | null): boolean {
    const isDate = type === 'date' || type === 'timestamp';
    // event properties: numbers when compared with a number, text otherwise
    const prop = (l: Literal | undefined) => {
      if (type !== 'json') return x;
      const o = x as { props: Record<string, unknown> | null; key: string };
      const v = o.props?.[o.key];
      if (v === undefined || v === null) return null;
      if (l?.kind === 'number') return typeof v === 'number' ? v : null;
      return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
    };
    switch (t.kind) {
      case 'cmp': {
        if (t.value.kind === 'stat') return cmp(t.op, x, stat(t.value));
        const v = t.value;
        if (isDate && v.kind === 'string' && isDateOnly(v.value)) {
          if (x === null || x === undefined) return false;
          const d = toDate(v.value).getTime();
          const e = d + DAY;
          const xt = (x as Date).getTime();
          switch (t.op) {
            case '=': return xt >= d && xt < e;
            case '!=': return xt < d || xt >= e;
            case '<': return xt < d;
            case '<=': return xt < e;
            case '>': return xt >= e;
            default: return xt >= d;
          }
        }
        return cmp(t.op, prop(v), this.value(v, type));
      }
      case 'in': {
        const xv = prop(t.values[0]);
        if (xv === null || xv === undefined) return false;
        // a date without a time is the whole day, as with `=`
        const hit = t.values.some((value) => (isDate ? this.test(x, type, { kind: 'cmp', op: '=', value }, stat) : cmp('=', xv, this.value(value, type))));
        return t.negate ? !hit : hit;
      }
      case 'between': {
        const xv = prop(t.lo);
        if (isDate && t.hi.kind === 'string' && isDateOnly(t.hi.value)) return cmp('>=', xv, this.value(t.lo, type)) && cmp('<', xv, new Date(toDate(t.hi.value).getTime() + DAY));
        return cmp('>=', xv, this.value(t.lo, type)) && cmp('<=', xv, this.value(t.hi, type));
      }
      case 'contains': {
        const xv = prop(t.value);
        return typeof xv === 'string' && xv.includes(String(t.value.value));
      }
      case 'starts_with': {
        const xv = prop(t.value);
        return typeof xv === 'string' && xv.startsWith(String(t.value.value));
      }
      case 'is_null': {
        const xv = prop(undefined);
        const isNull = xv === null || xv === undefined;
        return t.negate ? !isNull : isNull;
      }
      case 'date':
        return x !== null && x !== undefined && this.dateTest(x as Date, t.test);
    }
  }

  private dateTest(x: Date, t: DateTest): boolean {
    const xt = x.getTime();
    switch (t.kind) {
      case 'in_last': return xt >= back(this.asOf, t.d.n, t.d.unit).getTime() && xt < this.asOf.getTime();
      case 'ago': return xt < back(this.asOf, t.d.n, t.d.unit).getTime();
      case 'before': return xt < toDate(String(t.date.value)).getTime();
      case 'after': {
        const s = String(t.date.value);
        return isDateOnly(s) ? xt >= toDate(s).getTime() + DAY : xt > toDate(s).getTime();
      }
      case 'between_dates': {
        const to = String(t.to.value);
        return xt >= toDate(String(t.from.value)).getTime() && (isDateOnly(to) ? xt < toDate(to).getTime() + DAY : xt <= toDate(to).getTime());
      }
    }
  }

  private byCustomer: { tx: Map<string, OracleData['transactions']>; ev: Map<string, OracleData['events']> } | undefined;

  private rows(s: Source, where: Node | undefined, w: Window | undefined, id: string): { ts: Date; row: Record<string, unknown> }[] {
    if (!this.byCustomer) {
      const tx = new Map<string, OracleData['transactions']>();
      const ev = new Map<string, OracleData['events']>();
      for (const t of this.d.transactions) if (t.customer_id !== null) (tx.get(t.customer_id) ?? tx.set(t.customer_id, []).get(t.customer_id)!).push(t);
      for (const e of this.d.events) (ev.get(e.customer_id) ?? ev.set(e.customer_id, []).get(e.customer_id)!).push(e);
      this.byCustomer = { tx, ev };
    }
    const inWindow = (ts: Date) => {
      if (ts >= this.asOf) return false;
      if (w?.kind === 'last') return ts >= back(this.asOf, w.d.n, w.d.unit);
      if (w?.kind === 'between_dates') {
        const to = String(w.to.value);
        return ts >= toDate(String(w.from.value)) && (isDateOnly(to) ? ts.getTime() < toDate(to).getTime() + DAY : ts <= toDate(to));
      }
      return true;
    };
    if (s.kind === 'event') {
      return (this.byCustomer.ev.get(id) ?? [])
        .filter((e) => e.type === s.type.value && inWindow(e.ts) && (!where || this.filter(where, e, 'events')))
        .map((e) => ({ ts: e.ts, row: e as unknown as Record<string, unknown> }));
    }
    return (this.byCustomer.tx.get(id) ?? [])
      .filter((t) => (s.kind === 'returns' ? t.is_return : s.kind === 'transactions' ? true : !t.is_return) && inWindow(t.ts) && (!where || this.filter(where, t, 'transactions')))
      .map((t) => ({ ts: t.ts, row: t }));
  }

  private filter(n: Node, row: Record<string, unknown>, table: 'events' | 'transactions'): boolean {
    if (n.kind === 'all') return n.items.every((x) => this.filter(x, row, table));
    if (n.kind === 'any') return n.items.some((x) => this.filter(x, row, table));
    if (n.kind === 'not') return !this.filter(n.item, row, table);
    if (n.kind !== 'field') return false;
    if (table === 'events') return this.test({ props: row.properties, key: n.field.path[1] }, 'json', n.test, () => null);
    const name = n.field.path[0]!;
    return this.test(row[name], typeof row[name] === 'number' ? 'number' : 'string', n.test, () => null);
  }

  private measureValue(fn: string, field: readonly string[] | undefined, s: Source, where: Node | undefined, w: Window | undefined, id: string): number | null {
    const rows = this.rows(s, where, w, id).map((r) => r.row);
    const get = (r: Record<string, unknown>): unknown => {
      if (!field) return undefined;
      if (field[0] === 'properties') {
        const v = (r.properties as Record<string, unknown> | null)?.[field[1]!];
        if (fn === 'distinct') return v === undefined || v === null ? null : typeof v === 'string' ? v : String(v);
        return typeof v === 'number' ? v : null;
      }
      return r[field[0]!];
    };
    if (fn === 'count') return s.kind === 'orders' ? new Set(rows.map((r) => r.order_id)).size : rows.length;
    const vals = rows.map(get).filter((v) => v !== null && v !== undefined);
    if (fn === 'distinct') return new Set(vals.map((v) => String(v))).size;
    const nums = vals as number[];
    if (fn === 'sum') return nums.reduce((a, b) => a + b, 0);
    if (nums.length === 0) return null;
    if (fn === 'avg') return nums.reduce((a, b) => a + b, 0) / nums.length;
    if (fn === 'min') return Math.min(...nums);
    return Math.max(...nums);
  }
}
