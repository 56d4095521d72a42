/**
 * The studio's visual builder edits rules as blocks: and/or groups, conditions on a field (field, operator,
 * values), `has (no) orders in last N days`, counts and sums of orders, first/last order dates, and
 * `in audience '…'`. This file turns a parsed rule (src/segments/ast.ts) into blocks and blocks back into a
 * tree the formatter prints, so text → blocks → text gives the canonical text again. A rule using what the
 * blocks cannot show (row filters `where …`, sequences, distances, pinned runs, windows between dates) has
 * no blocks: `toBlocks` says why, and the studio keeps it as text.
 */
import type { CmpOp, DateTest, Duration, FieldTest, Literal, Node, Source, Span, Stat, TimeUnit, Window } from '../segments/ast.ts';
import { CMP_OPS } from '../segments/ast.ts';

/** A value in a block: text, a number, true/false, or a population statistic (avg, median, p90). */
export type BlockValue = { type: 'string'; value: string } | { type: 'number'; value: number } | { type: 'boolean'; value: boolean } | { type: 'stat'; value: string };
export interface BlockDuration { n: number; unit: TimeUnit }
export interface BlockSource { kind: 'orders' | 'purchases' | 'returns' | 'transactions' | 'event'; eventType?: string }

/** Operators of a field condition (and of a first/last occurrence, the date ones). */
export const FIELD_OPS = ['=', '!=', '<', '<=', '>', '>=', 'in', 'not in', 'between', 'contains', 'starts with', 'is null', 'is not null', 'in last', 'more than ago', 'before', 'after', 'between dates'] as const;
export type FieldOp = (typeof FIELD_OPS)[number];
const DATE_OPS: readonly FieldOp[] = ['in last', 'more than ago', 'before', 'after', 'between dates'];
export const AGGS = ['count', 'sum', 'avg', 'min', 'max', 'distinct'] as const;
const UNITS: readonly TimeUnit[] = ['hours', 'days', 'weeks', 'months', 'years'];
const SOURCES: readonly BlockSource['kind'][] = ['orders', 'purchases', 'returns', 'transactions', 'event'];

export type Block =
  | { kind: 'group'; op: 'all' | 'any'; items: Block[] }
  | { kind: 'not'; item: Block }
  | { kind: 'field'; field: string; op: FieldOp; values: BlockValue[]; duration?: BlockDuration }
  | { kind: 'has'; negate: boolean; source: BlockSource; window?: BlockDuration }
  | { kind: 'measure'; agg: (typeof AGGS)[number]; aggField?: string; source: BlockSource; window?: BlockDuration; op: CmpOp; value: BlockValue }
  | { kind: 'occurrence'; which: 'first' | 'last'; source: BlockSource; op: FieldOp; values: BlockValue[]; duration?: BlockDuration }
  | { kind: 'ref'; negate: boolean; name: string };

/** Most blocks in one tree, and the deepest nesting. */
export const MAX_BLOCKS = 500;
export const MAX_BLOCK_DEPTH = 16;

/** A tree the builder cannot take: where, and why. */
export class BlockError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
  }
}

/* ---------- text tree → blocks ---------- */

class NotBlocks extends Error {}
const no = (why: string): never => {
  throw new NotBlocks(why);
};

const value = (l: Literal | Stat): BlockValue => {
  if (l.kind === 'stat') return { type: 'stat', value: l.stat === 'percentile' ? `p${l.p}` : l.stat };
  return l.kind === 'string' ? { type: 'string', value: l.value } : l.kind === 'number' ? { type: 'number', value: l.value } : { type: 'boolean', value: l.value };
};
const duration = (d: Duration): BlockDuration => ({ n: d.n, unit: d.unit });
const fieldName = (f: { path: readonly string[]; run?: unknown }): string => (f.run ? no('a pinned run (cluster(12).name) is shown as text only') : f.path.join('.'));
const source = (s: Source, where: Node | undefined): BlockSource => {
  if (where) no('row filters (… where …) are shown as text only');
  return s.kind === 'event' ? { kind: 'event', eventType: s.type.value as string } : { kind: s.kind };
};
const window = (w: Window | undefined): BlockDuration | undefined => (w === undefined ? undefined : w.kind === 'last' ? duration(w.d) : no('a window between two dates is shown as text only'));

function dateBlock(t: DateTest): { op: FieldOp; values: BlockValue[]; duration?: BlockDuration } {
  switch (t.kind) {
    case 'in_last': return { op: 'in last', values: [], duration: duration(t.d) };
    case 'ago': return { op: 'more than ago', values: [], duration: duration(t.d) };
    case 'before': return { op: 'before', values: [value(t.date)] };
    case 'after': return { op: 'after', values: [value(t.date)] };
    case 'between_dates': return { op: 'between dates', values: [value(t.from), value(t.to)] };
  }
}

function fieldBlock(t: FieldTest): { op: FieldOp; values: BlockValue[]; duration?: BlockDuration } {
  switch (t.kind) {
    case 'cmp': return { op: t.op, values: [value(t.value)] };
    case 'in': return { op: t.negate ? 'not in' : 'in', values: t.values.map(value) };
    case 'between': return { op: 'between', values: [value(t.lo), value(t.hi)] };
    case 'contains': return { op: 'contains', values: [value(t.value)] };
    case 'starts_with': return { op: 'starts with', values: [value(t.value)] };
    case 'is_null': return { op: t.negate ? 'is not null' : 'is null', values: [] };
    case 'date': return dateBlock(t.test);
  }
}

function block(n: Node): Block {
  switch (n.kind) {
    case 'all':
    case 'any': return { kind: 'group', op: n.kind, items: n.items.map(block) };
    case 'not': return { kind: 'not', item: block(n.item) };
    case 'field': return { kind: 'field', field: fieldName(n.field), ...fieldBlock(n.test) };
    case 'has': return { kind: 'has', negate: n.negate, source: source(n.source, n.where), ...(n.window ? { window: window(n.window) } : {}) };
    case 'measure':
      return {
        kind: 'measure', agg: n.agg.fn, ...(n.agg.field ? { aggField: fieldName(n.agg.field) } : {}), source: source(n.source, n.where),
        ...(n.window ? { window: window(n.window) } : {}), op: n.op, value: value(n.value),
      };
    case 'occurrence': return { kind: 'occurrence', which: n.which, source: source(n.source, n.where), ...dateBlock(n.test) };
    case 'ref': return { kind: 'ref', negate: n.negate, name: n.name.value };
    case 'sequence': return no('sequences (has … then …) are shown as text only');
    case 'geo':
    case 'near': return no('distances (within … km) are shown as text only');
  }
}

/** The blocks of a parsed rule, or why it has none. */
export function toBlocks(n: Node): { blocks: Block } | { reason: string } {
  try {
    return { blocks: block(n) };
  } catch (e) {
    if (e instanceof NotBlocks) return { reason: e.message };
    throw e;
  }
}

/* ---------- blocks → text tree ---------- */

const SPAN: Span = { start: 0, end: 0 };
type Obj = Record<string, unknown>;

class Reader {
  count = 0;
  constructor() {}

  obj(x: unknown, path: string): Obj {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new BlockError(path, 'expected an object');
    return x as Obj;
  }

  oneOf<T extends string>(x: unknown, options: readonly T[], path: string): T {
    if (typeof x !== 'string' || !options.includes(x as T)) throw new BlockError(path, `expected one of ${options.join(', ')}`);
    return x as T;
  }

  text(x: unknown, path: string, what = 'text'): string {
    if (typeof x !== 'string' || x.length === 0 || x.length > 1000) throw new BlockError(path, `expected ${what} (1 to 1000 characters)`);
    return x;
  }

  literal(x: unknown, path: string): Literal {
    const v = this.obj(x, path);
    if (v.type === 'string' && typeof v.value === 'string' && v.value.length <= 10_000) return { kind: 'string', value: v.value, span: SPAN };
    if (v.type === 'number' && typeof v.value === 'number' && Number.isFinite(v.value)) return { kind: 'number', value: v.value, span: SPAN };
    if (v.type === 'boolean' && typeof v.value === 'boolean') return { kind: 'boolean', value: v.value, span: SPAN };
    throw new BlockError(path, 'expected a value {type: string|number|boolean, value}');
  }

  valueOrStat(x: unknown, path: string): Literal | Stat {
    const v = this.obj(x, path);
    if (v.type !== 'stat') return this.literal(x, path);
    const m = typeof v.value === 'string' ? /^(?:(avg|median)|p([1-9]\d?))$/.exec(v.value) : null;
    if (!m) throw new BlockError(path, 'a statistic is avg, median or p1 … p99');
    return m[1] ? { kind: 'stat', stat: m[1] as 'avg' | 'median', span: SPAN } : { kind: 'stat', stat: 'percentile', p: Number(m[2]), span: SPAN };
  }

  duration(x: unknown, path: string): Duration {
    const d = this.obj(x, path);
    if (typeof d.n !== 'number' || !Number.isInteger(d.n) || d.n < 1 || d.n > 100_000) throw new BlockError(`${path}.n`, 'expected a whole number of at least 1');
    return { n: d.n, unit: this.oneOf(d.unit, UNITS, `${path}.unit`), span: SPAN };
  }

  field(x: unknown, path: string): { path: string[]; span: Span } {
    const name = this.text(x, path, 'a field name');
    const parts = name.split('.').map((p) => p.trim());
    if (parts.some((p) => !p)) throw new BlockError(path, `'${name}' is not a field name`);
    return { path: parts, span: SPAN };
  }

  source(x: unknown, path: string): Source {
    const s = this.obj(x, path);
    const kind = this.oneOf(s.kind, SOURCES, `${path}.kind`);
    if (kind !== 'event') return { kind, span: SPAN };
    return { kind: 'event', type: { kind: 'string', value: this.text(s.eventType, `${path}.eventType`, 'an event type'), span: SPAN }, span: SPAN };
  }

  values(b: Obj, path: string, n: number | 'some'): Literal[] {
    const vs = b.values;
    if (!Array.isArray(vs)) throw new BlockError(`${path}.values`, 'expected a list of values');
    if (n === 'some' ? vs.length < 1 || vs.length > 10_000 : vs.length !== n) throw new BlockError(`${path}.values`, n === 'some' ? 'expected at least one value' : `expected ${n} value${n === 1 ? '' : 's'}`);
    return vs.map((v, i) => this.literal(v, `${path}.values[${i}]`));
  }

  dateTest(b: Obj, op: FieldOp, path: string): DateTest {
    switch (op) {
      case 'in last': return { kind: 'in_last', d: this.duration(b.duration, `${path}.duration`) };
      case 'more than ago': return { kind: 'ago', d: this.duration(b.duration, `${path}.duration`) };
      case 'before': return { kind: 'before', date: this.values(b, path, 1)[0]! };
      case 'after': return { kind: 'after', date: this.values(b, path, 1)[0]! };
      default: {
        const [from, to] = this.values(b, path, 2);
        return { kind: 'between_dates', from: from!, to: to! };
      }
    }
  }

  fieldTest(b: Obj, path: string): FieldTest {
    const op = this.oneOf(b.op, FIELD_OPS, `${path}.op`);
    if (DATE_OPS.includes(op)) return { kind: 'date', test: this.dateTest(b, op, path) };
    if ((CMP_OPS as readonly string[]).includes(op)) {
      const vs = b.values;
      if (!Array.isArray(vs) || vs.length !== 1) throw new BlockError(`${path}.values`, 'expected 1 value');
      return { kind: 'cmp', op: op as CmpOp, value: this.valueOrStat(vs[0], `${path}.values[0]`) };
    }
    switch (op) {
      case 'in':
      case 'not in': return { kind: 'in', negate: op === 'not in', values: this.values(b, path, 'some') };
      case 'between': {
        const [lo, hi] = this.values(b, path, 2);
        return { kind: 'between', lo: lo!, hi: hi! };
      }
      case 'contains': return { kind: 'contains', value: this.values(b, path, 1)[0]! };
      case 'starts with': return { kind: 'starts_with', value: this.values(b, path, 1)[0]! };
      default: return { kind: 'is_null', negate: op === 'is not null' };
    }
  }

  node(x: unknown, path: string, depth: number): Node {
    if (++this.count > MAX_BLOCKS) throw new BlockError(path, `more than ${MAX_BLOCKS} blocks`);
    if (depth > MAX_BLOCK_DEPTH) throw new BlockError(path, `nested deeper than ${MAX_BLOCK_DEPTH}`);
    const b = this.obj(x, path);
    const kind = this.oneOf(b.kind, ['group', 'not', 'field', 'has', 'measure', 'occurrence', 'ref'] as const, `${path}.kind`);
    switch (kind) {
      case 'group': {
        const op = this.oneOf(b.op, ['all', 'any'] as const, `${path}.op`);
        if (!Array.isArray(b.items)) throw new BlockError(`${path}.items`, 'expected a list of blocks');
        return { kind: op, items: b.items.map((it, i) => this.node(it, `${path}.items[${i}]`, depth + 1)), span: SPAN };
      }
      case 'not': return { kind: 'not', item: this.node(b.item, `${path}.item`, depth + 1), span: SPAN };
      case 'field': return { kind: 'field', field: this.field(b.field, `${path}.field`), test: this.fieldTest(b, path), span: SPAN };
      case 'has': {
        const w = b.window === undefined ? undefined : { kind: 'last' as const, d: this.duration(b.window, `${path}.window`) };
        return { kind: 'has', negate: b.negate === true, source: this.source(b.source, `${path}.source`), ...(w ? { window: w } : {}), span: SPAN };
      }
      case 'measure': {
        const fn = this.oneOf(b.agg, AGGS, `${path}.agg`);
        const agg = fn === 'count' ? { fn, span: SPAN } : { fn, field: this.field(b.aggField, `${path}.aggField`), span: SPAN };
        const w = b.window === undefined ? undefined : { kind: 'last' as const, d: this.duration(b.window, `${path}.window`) };
        return {
          kind: 'measure', agg, source: this.source(b.source, `${path}.source`), ...(w ? { window: w } : {}),
          op: this.oneOf(b.op, CMP_OPS, `${path}.op`), value: this.valueOrStat(b.value, `${path}.value`), span: SPAN,
        };
      }
      case 'occurrence': {
        const op = this.oneOf(b.op, DATE_OPS, `${path}.op`);
        return { kind: 'occurrence', which: this.oneOf(b.which, ['first', 'last'] as const, `${path}.which`), source: this.source(b.source, `${path}.source`), test: this.dateTest(b, op, path), span: SPAN };
      }
      case 'ref': return { kind: 'ref', negate: b.negate === true, name: { kind: 'string', value: this.text(b.name, `${path}.name`, 'an audience name'), span: SPAN }, span: SPAN };
    }
  }
}

/** The syntax tree of a block tree (for the formatter); BlockError names the first block that is not well formed. */
export function fromBlocks(x: unknown): Node {
  return new Reader().node(x, 'blocks', 0);
}
