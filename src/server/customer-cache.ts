/**
 * What a customer look-up reads by customer id, held in memory for one workspace version (WorkspaceState
 * loads it once per version, lazily, on the first look-up): the customers' traits, the rows of the latest run of
 * each score kind (RFM, LRFMP, CLV prediction, clusters), the members of each audience's latest snapshot, and
 * how many purchase lines and events each customer has. A look-up then reads only its timeline from the
 * engine (and nothing when the customer has no lines). At 1,000,000 customers the point queries these replace
 * cost a few milliseconds a look-up; a look-up from memory costs microseconds.
 *
 * Memory: one Map from customer id to a number (the customer's position in the engine's order of ids), and per
 * table one typed array per column indexed by that position — numbers as Float64Array or, when every value is
 * a whole number in range, Int8/Int16/Int32Array; text as dictionary codes (Uint8/Uint16/Uint32Array) into the
 * distinct values; timestamps as milliseconds; booleans as bytes. `bytes` estimates the total.
 *
 * Every value reads back as `plain()` (routes/runs.ts) gives it from a row the engine returned: a timestamp as
 * ISO text, a non-finite number as null, anything else as it came. Tables are read in ranges of customer ids in
 * the engine's own order (never all rows at once: a run of 1,000,000 rows as JS arrays is hundreds of MB), with
 * the IR, on every engine.
 */
import type { Param } from '../engines/types.ts';
import { compile } from '../sql/compile.ts';
import { and, col, count, eq, ge, lit, lt, select, table, type Expr, type Query } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';

/** Customers per range read at once. */
const CHUNK = 65_536;
/** A customers table wider than this (imported traits) is not held: its row is read per look-up. */
export const MAX_TRAIT_COLUMNS = 64;

type Kind = 'null' | 'num' | 'int' | 'str' | 'bool' | 'date' | 'any';

/** One column of one table, by customer position. Values are set once per position, then `finish()`ed. */
export class Column {
  private kind: Kind = 'null';
  private f64: Float64Array | undefined;
  private ints: Int8Array | Int16Array | Int32Array | undefined;
  private sentinel = 0;
  private codes: Uint8Array | Uint16Array | Uint32Array | undefined;
  private dict: Map<string, number> | undefined;
  private strs: string[] = [];
  private flags: Uint8Array | undefined;
  private any: unknown[] | undefined;

  constructor(readonly name: string, private readonly n: number) {}

  /** The value of position `i` (null when absent). */
  get(i: number): unknown {
    switch (this.kind) {
      case 'num': {
        const x = this.f64![i]!;
        return Number.isFinite(x) ? x : null;
      }
      case 'int': {
        const x = this.ints![i]!;
        return x === this.sentinel ? null : x;
      }
      case 'str': {
        const c = this.codes![i]!;
        return c === 0 ? null : this.strs[c - 1]!;
      }
      case 'bool': {
        const b = this.flags![i]!;
        return b === 0 ? null : b === 2;
      }
      case 'date': {
        const t = this.f64![i]!;
        return Number.isNaN(t) ? null : new Date(t).toISOString();
      }
      case 'any':
        return this.any![i];
      default:
        return null;
    }
  }

  set(i: number, v: unknown): void {
    if (v === null) {
      if (this.kind === 'any') this.any![i] = null;
      return;
    }
    const kind: Kind = typeof v === 'number' || typeof v === 'bigint' ? 'num' : typeof v === 'string' ? 'str' : typeof v === 'boolean' ? 'bool' : v instanceof Date && !Number.isNaN(v.getTime()) ? 'date' : 'any';
    if (this.kind === 'null') this.start(kind);
    else if (this.kind !== kind && this.kind !== 'any') this.toAny();
    switch (this.kind) {
      case 'num':
        this.f64![i] = Number(v);
        return;
      case 'str': {
        let c = this.dict!.get(v as string);
        if (c === undefined) {
          this.strs.push(v as string);
          c = this.strs.length;
          this.dict!.set(v as string, c);
        }
        this.codes![i] = c;
        return;
      }
      case 'bool':
        this.flags![i] = v ? 2 : 1;
        return;
      case 'date':
        this.f64![i] = (v as Date).getTime();
        return;
      default:
        // as plain() gives it
        this.any![i] = v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v;
    }
  }

  private start(kind: Kind): void {
    this.kind = kind;
    if (kind === 'num' || kind === 'date') this.f64 = new Float64Array(this.n).fill(NaN);
    else if (kind === 'str') {
      this.codes = new Uint32Array(this.n);
      this.dict = new Map();
    } else if (kind === 'bool') this.flags = new Uint8Array(this.n);
    else this.any = new Array<unknown>(this.n).fill(null);
  }

  private toAny(): void {
    const any = new Array<unknown>(this.n);
    for (let i = 0; i < this.n; i++) any[i] = this.get(i);
    this.kind = 'any';
    this.any = any;
    this.f64 = undefined;
    this.codes = undefined;
    this.dict = undefined;
    this.strs = [];
    this.flags = undefined;
  }

  /** The smallest arrays that hold what was set. */
  finish(): this {
    this.dict = undefined;
    if (this.kind === 'str') {
      const k = this.strs.length;
      const codes = this.codes!;
      if (k < 0xff) this.codes = Uint8Array.from(codes);
      else if (k < 0xffff) this.codes = Uint16Array.from(codes);
    } else if (this.kind === 'num') {
      // whole numbers in range as integers (a non-finite number reads as null either way)
      const f = this.f64!;
      let lo = 0;
      let hi = 0;
      let whole = true;
      for (let i = 0; i < f.length && whole; i++) {
        const x = f[i]!;
        if (!Number.isFinite(x)) continue;
        if (!Number.isInteger(x) || x < -0x7fffffff || x > 0x7fffffff) whole = false;
        else if (x < lo) lo = x;
        else if (x > hi) hi = x;
      }
      if (whole) {
        const [Arr, sentinel] = lo > -0x80 && hi < 0x80 ? [Int8Array, -0x80] as const : lo > -0x8000 && hi < 0x8000 ? [Int16Array, -0x8000] as const : [Int32Array, -0x80000000] as const;
        const ints = new Arr(f.length);
        for (let i = 0; i < f.length; i++) ints[i] = Number.isFinite(f[i]!) ? f[i]! : sentinel;
        this.kind = 'int';
        this.ints = ints;
        this.sentinel = sentinel;
        this.f64 = undefined;
      }
    }
    return this;
  }

  /** Bytes held (strings estimated at 2 bytes a character plus 24). */
  bytes(): number {
    let b = (this.f64?.byteLength ?? 0) + (this.ints?.byteLength ?? 0) + (this.codes?.byteLength ?? 0) + (this.flags?.byteLength ?? 0) + (this.any ? this.any.length * 8 : 0);
    for (const s of this.strs) b += 24 + 2 * s.length;
    return b;
  }
}

/** One table's rows by customer position: its columns in the engine's order; `customer_id` is the id looked up. */
export class CachedRows {
  constructor(
    private readonly names: readonly string[],
    private readonly columns: readonly (Column | undefined)[],
    /** 1 where the table has a row for the position (undefined: every position has one) */
    private readonly present: Uint8Array | undefined,
  ) {}

  has(pos: number): boolean {
    return this.present ? this.present[pos] === 1 : true;
  }

  /** The row of position `pos` without the columns in `omit`, as plain() gives it; undefined when there is none. */
  row(pos: number, id: string, omit?: ReadonlySet<string>): Record<string, unknown> | undefined {
    if (!this.has(pos)) return undefined;
    const out: Record<string, unknown> = {};
    for (let j = 0; j < this.names.length; j++) {
      const name = this.names[j]!;
      if (omit?.has(name)) continue;
      const c = this.columns[j];
      out[name] = c ? c.get(pos) : id;
    }
    return out;
  }

  bytes(): number {
    return (this.present?.byteLength ?? 0) + this.columns.reduce((b, c) => b + (c?.bytes() ?? 0), 0);
  }
}

/** A set of customer positions (an audience snapshot's members), one bit each. */
export class PositionSet {
  private readonly bits: Uint8Array;
  constructor(n: number) {
    this.bits = new Uint8Array((n + 7) >>> 3);
  }
  add(pos: number): void {
    this.bits[pos >>> 3]! |= 1 << (pos & 7);
  }
  has(pos: number): boolean {
    return (this.bits[pos >>> 3]! & (1 << (pos & 7))) !== 0;
  }
  bytes(): number {
    return this.bits.byteLength;
  }
}

/** The customer ids in the engine's order, their positions, and the ranges the tables are read in. */
export class CustomerIndex {
  private constructor(
    readonly positions: ReadonlyMap<string, number>,
    /** the first id of each range after the first, in the engine's order */
    private readonly bounds: readonly string[],
  ) {}

  get size(): number {
    return this.positions.size;
  }

  static async load(db: Db): Promise<CustomerIndex> {
    const ids = (await db.columns(...sqlOf(db, select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('customers'), orderBy: [col('customer_id')] })))).customer_id ?? [];
    const positions = new Map<string, number>();
    for (let i = 0; i < ids.length; i++) positions.set(String(ids[i]), i);
    const bounds: string[] = [];
    for (let i = CHUNK; i < ids.length; i += CHUNK) bounds.push(String(ids[i]));
    return new CustomerIndex(positions, bounds);
  }

  /** `where` in each range of ids in turn (every id in exactly one: the engine compares as it sorted). */
  ranges(where?: Expr): Expr[] {
    const id = col('customer_id');
    const out: Expr[] = [];
    for (let k = 0; k <= this.bounds.length; k++) {
      const parts = [...(where ? [where] : [])];
      if (k > 0) parts.push(ge(id, lit(this.bounds[k - 1]!)));
      if (k < this.bounds.length) parts.push(lt(id, lit(this.bounds[k]!)));
      out.push(and(...parts));
    }
    return out;
  }

  bytes(): number {
    // a Map entry and its key string, estimated
    let b = 0;
    for (const k of this.positions.keys()) b += 48 + 2 * k.length;
    return b;
  }

  /** The rows of `from` (those `where` keeps), by position; columns in `omit` are not held, `customer_id` reads as the id. */
  async rows(db: Db, from: string, where: Expr | undefined, omit: ReadonlySet<string>, allPresent = false): Promise<CachedRows> {
    const n = this.size;
    let names: string[] | undefined;
    let columns: (Column | undefined)[] = [];
    const present = allPresent ? undefined : new Uint8Array(n);
    for (const w of this.ranges(where)) {
      const got = await db.columns(...sqlOf(db, select({ select: '*', from: table(from), where: w })));
      if (!names) {
        names = Object.keys(got).filter((k) => !omit.has(k));
        columns = names.map((k) => (k === 'customer_id' ? undefined : new Column(k, n)));
      }
      const ids = got.customer_id ?? [];
      const cols = names.map((k) => got[k]);
      for (let r = 0; r < ids.length; r++) {
        const pos = this.positions.get(String(ids[r]));
        if (pos === undefined) continue;
        if (present) present[pos] = 1;
        for (let j = 0; j < columns.length; j++) columns[j]?.set(pos, cols[j]![r]);
      }
    }
    if (!names) names = [];
    for (const c of columns) c?.finish();
    return new CachedRows(names, columns, present);
  }

  /** The positions of the customers `from` has a row for where `where` holds. */
  async set(db: Db, from: string, where: Expr): Promise<PositionSet> {
    const s = new PositionSet(this.size);
    for (const w of this.ranges(where)) {
      const ids = (await db.columns(...sqlOf(db, select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table(from), where: w })))).customer_id ?? [];
      for (const id of ids) {
        const pos = this.positions.get(String(id));
        if (pos !== undefined) s.add(pos);
      }
    }
    return s;
  }

  /** How many rows of `from` each customer has. */
  async counts(db: Db, from: string): Promise<Int32Array> {
    const out = new Int32Array(this.size);
    for (const w of this.ranges()) {
      const got = await db.columns(...sqlOf(db, select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: count(), as: 'n' }], from: table(from), where: w, groupBy: [col('customer_id')] })));
      const ids = got.customer_id ?? [];
      const ns = got.n ?? [];
      for (let r = 0; r < ids.length; r++) {
        const pos = this.positions.get(String(ids[r]));
        if (pos !== undefined) out[pos] = Number(ns[r]);
      }
    }
    return out;
  }
}

/** A query's SQL and parameters for `db`. */
function sqlOf(db: Db, q: Query): [string, readonly Param[]] {
  const c = compile(q, db.dialect);
  return [c.sql, c.params];
}

/** What `CustomerCards.load` reads: the latest run of each kind, each audience's latest snapshot, and whether there are events. */
export interface CardSources {
  /** run id by score table and kind: run_scores holds RFM and LRFMP */
  runs: readonly { kind: string; table: string; runId: number }[];
  /** audience snapshot run ids */
  snapshots: readonly number[];
  events: boolean;
}

/** Everything a look-up reads from memory, for one workspace version. */
export class CustomerCards {
  private constructor(
    readonly index: CustomerIndex,
    /** undefined when the customers table is too wide to hold */
    readonly traits: CachedRows | undefined,
    readonly scores: ReadonlyMap<string, CachedRows>,
    readonly members: ReadonlyMap<number, PositionSet>,
    readonly transactions: Int32Array,
    readonly events: Int32Array | undefined,
    readonly loadMs: number,
  ) {}

  static async load(db: Db, src: CardSources): Promise<CustomerCards> {
    const t0 = performance.now();
    const index = await CustomerIndex.load(db);
    const width = (await db.tableColumns('customers')).length;
    const traits = width <= MAX_TRAIT_COLUMNS ? await index.rows(db, 'customers', undefined, new Set(['source_id']), true) : undefined;
    const scores = new Map<string, CachedRows>();
    for (const r of src.runs) scores.set(r.kind, await index.rows(db, r.table, eq(col('run_id'), lit(r.runId)), new Set(['customer_id'])));
    const members = new Map<number, PositionSet>();
    for (const runId of src.snapshots) members.set(runId, await index.set(db, 'audience_members', eq(col('run_id'), lit(runId))));
    const transactions = await index.counts(db, 'transactions');
    const events = src.events ? await index.counts(db, 'events') : undefined;
    return new CustomerCards(index, traits, scores, members, transactions, events, performance.now() - t0);
  }

  /** Bytes held, estimated. */
  bytes(): number {
    let b = this.index.bytes() + (this.traits?.bytes() ?? 0) + this.transactions.byteLength + (this.events?.byteLength ?? 0);
    for (const s of this.scores.values()) b += s.bytes();
    for (const m of this.members.values()) b += m.bytes();
    return b;
  }
}
