/**
 * The feature frame of `segmint model train|score|outliers` (issue #19), read columnar: every feature comes
 * back from the engine as a Float64Array (`Engine.numericColumns`), never as per-row JS values. Numbers are
 * cast to double in the query; a text or boolean column becomes level codes in the query — its levels first
 * (one small GROUP BY per column), then `CASE column WHEN level₀ THEN 0 … ELSE −1 END` — so 1,000,000
 * customers × 20 features cost a few typed arrays. Customer ids are read only when asked (a score run writes
 * them; a rule target matches them). Rows are in customer_id order in every query — except, when asked
 * (`scanOrder`) and the frame is the customers table alone on DuckDB, in the table's scan order (no sort of
 * 1,000,000 ids): `Frame.order` says which, and `customerOrder` gives the customer_id order then.
 */
import { customerMetrics } from '../features/customer-metrics.ts';
import { categoricalColumn } from '../models/classify/design.ts';
import type { FeatureColumn } from '../models/classify/types.ts';
import { compile, DIALECT } from '../sql/compile.ts';
import { and, cast, caseWhen, col, eq, lit, num, select, subquery, table, type Expr, type Join, type Select, type SelectItem } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { loadAudienceSchema } from './audience.ts';
import { all, countRows } from './run-query.ts';
import { resolveTraits } from './trait-columns.ts';
import { grouped } from '../core/numbers.ts';

export type FeatureSource = { name: string; from: 'trait' | 'behaviour' | 'result'; kind: 'numeric' | 'categorical' };

/** a text trait with more distinct values than this is left out of the default features (names, e-mails, ids) */
export const MAX_DEFAULT_LEVELS = 50;
/** text columns with at most this many levels are coded in the query; wider ones (named in --features) are read as text */
const CASE_LEVELS = 256;

/** The feature frame: the kept sources, their columns (in the same order), extra columns by name, the ids if asked. */
export interface Frame {
  n: number;
  sources: FeatureSource[];
  columns: FeatureColumn[];
  /** `extra` traits (a trait target) as categorical columns */
  extra: Record<string, Extract<FeatureColumn, { kind: 'categorical' }>>;
  /** customer ids in row order, when `ids` was asked */
  ids: string[] | null;
  /** the frame's customer ids as a query (column customer_id; the rows are in customer_id order): to join rows to ids in the engine */
  idQuery: Select;
  /**
   * 'customer_id': the rows in customer_id order; 'scan': in the scan order of the customers table (DuckDB; one
   * row per customer, no ids read), so that row r pairs with the r-th row of `SELECT … FROM customers` (a
   * positional join) — `rowids` holds each row's rowid (ascending)
   */
  order: 'customer_id' | 'scan';
  rowids: Float64Array | null;
}

export interface FrameOptions {
  /** traits read beside the features as categorical columns (the target) */
  extra?: readonly string[];
  /** behaviour metrics before this date */
  asOf: string | null;
  /** only customers with a purchase before asOf (a rule target) */
  onlyWithPurchases?: boolean;
  /** read the customer ids too */
  ids?: boolean;
  /** the features were named (--features): wide text is read, not left out */
  explicit?: boolean;
  /** rows in the customers table's scan order where the frame can be (see the file comment); ignored with `ids` */
  scanOrder?: boolean;
  warnings?: string[];
}

type Item = { name: string; expr: Expr; alias: string | null };

/** A level as the engines' row readers give it, as text (the level names stored with a model). */
const levelText = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));

/**
 * Read the frame (see the file comment). A default text feature with more than MAX_DEFAULT_LEVELS levels is
 * left out with a warning (names, e-mail addresses, free text).
 */
export async function loadFrame(db: Db, sources0: readonly FeatureSource[], o: FrameOptions): Promise<Frame> {
  const schema = await loadAudienceSchema(db);
  const extraNames = [...new Set(o.extra ?? [])];
  const traitNames = [...new Set([...sources0.filter((s) => s.from !== 'behaviour').map((s) => s.name), ...extraNames])];
  const items = new Map<string, Item>();
  const joins = new Map<string, Join>();
  for (const t of resolveTraits(schema, traitNames)) {
    if (t.kind === 'trait') {
      items.set(t.column, { name: t.column, expr: col(t.column, 'c'), alias: null });
      continue;
    }
    if (!joins.has(t.alias)) joins.set(t.alias, { type: 'left', source: table(t.table, t.alias), on: and(eq(col('customer_id', t.alias), col('customer_id', 'c')), eq(col('run_id', t.alias), num(t.runId))) });
    items.set(t.name, { name: t.name, expr: col(t.column, t.alias), alias: t.alias });
  }
  const behaviour = sources0.filter((s) => s.from === 'behaviour');
  let metrics: Join | null = null;
  if ((behaviour.length || o.onlyWithPurchases) && o.asOf) {
    const m = customerMetrics({ asOf: new Date(`${o.asOf}T00:00:00Z`), windowFunctions: DIALECT[db.dialect].capabilities.windowFunctions });
    metrics = { type: o.onlyWithPurchases ? 'inner' : 'left', source: subquery(m, 'm'), on: eq(col('customer_id', 'm'), col('customer_id', 'c')) };
    for (const b of behaviour) items.set(b.name, { name: b.name, expr: col(b.name, 'm'), alias: 'm' });
  }
  /** the joins a query over some items needs: their results', and the metrics when they restrict the rows */
  const joinsFor = (its: readonly Item[]): Join[] => {
    const out: Join[] = [];
    for (const [alias, j] of joins) if (its.some((i) => i.alias === alias)) out.push(j);
    if (metrics && (o.onlyWithPurchases || its.some((i) => i.alias === 'm'))) out.push(metrics);
    return out;
  };

  // levels of each text column (and of the extra columns): one GROUP BY each, at most CASE_LEVELS + 1 read
  const categorical = [...sources0.filter((s) => s.kind === 'categorical').map((s) => s.name), ...extraNames.filter((e) => !sources0.some((s) => s.name === e && s.kind === 'numeric'))];
  const levels = new Map<string, unknown[] | null>();
  const wide = new Set<string>();
  for (const name of new Set(categorical)) {
    const it = items.get(name)!;
    // NULL and '' (missing) may be two of the rows: CASE_LEVELS + 3 rows mean more than CASE_LEVELS levels
    const rows = await all<{ v: unknown }>(db, select({ select: [{ expr: it.expr, as: 'v' }], from: table('customers', 'c'), joins: joinsFor([it]), groupBy: [it.expr], limit: CASE_LEVELS + 3 }));
    const vals = rows.map((r) => r.v).filter((v) => v !== null && v !== undefined && v !== '');
    if (vals.length > CASE_LEVELS) wide.add(name);
    const coded = !wide.has(name) && vals.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean');
    levels.set(name, coded ? vals : null);
  }
  const warnings = o.warnings ?? [];
  const sources = sources0.filter((s) => {
    if (s.kind !== 'categorical' || o.explicit) return true;
    const l = levels.get(s.name);
    if (!wide.has(s.name) && (!l || l.length <= MAX_DEFAULT_LEVELS)) return true;
    warnings.push(`trait ${s.name} has ${l ? grouped(l.length) : `more than ${CASE_LEVELS}`} distinct values and is left out of the default features (name it in --features to use it)`);
    return false;
  });

  // one columnar read of every number and every coded text column
  const numericItems: SelectItem[] = [{ expr: cast(num(1), 'double'), as: '__row' }];
  const read: Item[] = [];
  const names = new Set([...sources.map((s) => s.name), ...extraNames]);
  const textNames: string[] = [];
  for (const name of names) {
    const it = items.get(name)!;
    const s = sources.find((x) => x.name === name);
    read.push(it);
    if (s?.kind === 'numeric') {
      numericItems.push({ expr: cast(it.expr, 'double'), as: name });
      continue;
    }
    const l = levels.get(name);
    if (!l) {
      textNames.push(name);
      continue;
    }
    // as double: the engines hand DOUBLE columns over as they are
    numericItems.push({ expr: cast(l.length ? caseWhen(l.map((v, k) => [eq(it.expr, lit(v as string | number | boolean)), num(k)] as const), num(-1)) : num(-1), 'double'), as: name });
  }
  const frameJoins = joinsFor(read);
  // left joins keep every customer once: the rows are known before the read, which then writes them in place
  const expected = frameJoins.every((j) => j.type === 'left') ? await countRows(db, 'customers') : undefined;
  const itemNames = numericItems.map((i) => i.as!);
  let numbers: Record<string, Float64Array> | null = null;
  let order: Frame['order'] = 'customer_id';
  if (o.scanOrder && !o.ids && !textNames.length && !frameJoins.length && DIALECT[db.dialect].capabilities.positionalJoin && !('rowid' in schema.traits)) {
    // the customers table alone, unsorted: its rows as DuckDB scans them (insertion order), checked by their rowids
    const items = [{ expr: cast(col('rowid', 'c'), 'double'), as: '__row' }, ...numericItems.slice(1)];
    const q = compile(select({ select: items, from: table('customers', 'c') }), db.dialect);
    const got = await db.numericColumns(q.sql, q.params, itemNames, expected);
    const r = got.__row!;
    let ascending = true;
    for (let i = 1; i < r.length && ascending; i++) ascending = r[i]! > r[i - 1]!;
    if (ascending) {
      numbers = got;
      order = 'scan';
    }
  }
  if (!numbers) {
    // the constant __row only when nothing else is read (it gives the row count): another 8 MB column otherwise
    const its = numericItems.length > 1 ? numericItems.slice(1) : numericItems;
    const q = compile(select({ select: its, from: table('customers', 'c'), joins: frameJoins, orderBy: [col('customer_id', 'c')] }), db.dialect);
    numbers = await db.numericColumns(q.sql, q.params, its.map((i) => i.as!), expected);
  }
  const n = numbers[numericItems.length > 1 ? numericItems[1]!.as! : '__row']!.length;
  const idQuery = select({ select: [{ expr: col('customer_id', 'c'), as: 'customer_id' }], from: table('customers', 'c'), joins: frameJoins });
  let text: Record<string, unknown[]> = {};
  if (textNames.length || o.ids) {
    const its: SelectItem[] = [{ expr: col('customer_id', 'c'), as: 'customer_id' }, ...textNames.map((t) => ({ expr: items.get(t)!.expr, as: t }))];
    const t = compile(select({ select: its, from: table('customers', 'c'), joins: frameJoins, orderBy: [col('customer_id', 'c')] }), db.dialect);
    text = await db.columns(t.sql, t.params);
  }
  const nums = numbers;
  const column = (name: string, kind: 'numeric' | 'categorical'): FeatureColumn => {
    if (kind === 'numeric') return { name, kind: 'numeric', values: nums[name]! };
    const l = levels.get(name);
    if (!l) return categoricalColumn(name, (text[name] ?? []).map((x) => (x === null || x === undefined ? null : levelText(x))));
    const codes = new Int32Array(nums[name]!); // whole numbers: the typed copy is exact (and native, not an iteration)
    return { name, kind: 'categorical', codes, levels: l.map(levelText) };
  };
  const extra: Frame['extra'] = {};
  for (const e of extraNames) extra[e] = column(e, 'categorical') as Frame['extra'][string];
  return {
    n, sources, columns: sources.map((s) => column(s.name, s.kind)), extra,
    ids: o.ids ? (text.customer_id ?? []).map(String) : null, idQuery,
    order, rowids: order === 'scan' ? numbers.__row! : null,
  };
}

/**
 * For a frame in scan order: its rows in customer_id order (row numbers of the frame), from one query of the
 * rowids sorted by customer_id.
 */
export async function customerOrder(db: Db, frame: Frame): Promise<Int32Array> {
  const rowids = frame.rowids;
  if (!rowids) return Int32Array.from({ length: frame.n }, (_, i) => i);
  const q = compile(select({ select: [{ expr: cast(col('rowid', 'c'), 'double'), as: 'r' }], from: table('customers', 'c'), orderBy: [col('customer_id', 'c')] }), db.dialect);
  const sorted = (await db.numericColumns(q.sql, q.params, ['r'], frame.n)).r!;
  if (sorted.length !== frame.n) throw new Error(`customerOrder: ${sorted.length} customers, the frame has ${frame.n} rows`);
  // rowid → frame row: the rowids ascend (0, 1, … when the table has no gaps)
  const dense = rowids[0] === 0 && rowids[frame.n - 1] === frame.n - 1;
  const out = new Int32Array(frame.n);
  for (let k = 0; k < frame.n; k++) {
    const id = sorted[k]!;
    if (dense) {
      out[k] = id;
      continue;
    }
    let lo = 0, hi = frame.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rowids[mid]! < id) lo = mid + 1;
      else hi = mid;
    }
    out[k] = lo;
  }
  return out;
}
