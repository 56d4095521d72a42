/**
 * `segmint source attach`: use a table that already lives in the workspace's engine, without copying it
 * (docs/engines.md, "Attach"). The canonical table of the kind (transactions, customers or events) becomes a
 * view over the user's table: columns mapped and converted to the canonical types, and the rows an import
 * would quarantine excluded by the view's WHERE (and, under `duplicateRows: quarantine`, repeated lines
 * collapsed by a DISTINCT over all the table's columns). Nothing is copied, so the view always shows the
 * table as it is now; what the validation excludes is counted by reason when the table is attached.
 *
 * `customers` becomes a view too: the attached customers table (its other columns as traits) and every
 * customer id seen in the attached transactions and events, with its first purchase. Attaching works on a
 * workspace that holds no imported rows of these kinds; afterwards an import of an attached kind is refused.
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { SegmintError } from '../core/errors.ts';
import { snakeCase, type ImportKind } from '../core/schema.ts';
import type { ColumnInfo, ColumnKind, Engine } from '../engines/types.ts';
import { quoteClickHouseIdent, quoteClickHouseString, quoteIdent, quoteString } from '../sql/quote.ts';
import { boundsOf } from './import/transactions.ts';
import { resolveMapping } from './import/mapping.ts';
import { clusterOf } from './engine-setting.ts';
import type { Workspace } from './workspace.ts';
import type { ImportSettings } from './config.ts';
import { nextWriteId, wholeSecond } from './journal.ts';
import { deleteTagged } from './portable.ts';

export const ATTACH_KINDS = ['transactions', 'customers', 'events'] as const;
export type AttachKind = (typeof ATTACH_KINDS)[number];

export interface AttachOptions {
  /** the user's table (`schema.table` on PostgreSQL, `database.table` on ClickHouse), or on DuckDB a table of the workspace database or a CSV/Parquet/JSON file */
  table: string;
  kind: AttachKind;
  /** field=column; for transactions and events a key that is not a canonical field names a customer trait (its latest value) */
  map?: Record<string, string>;
}

export interface AttachResult {
  sourceId: number;
  kind: AttachKind;
  table: string;
  /** canonical field → the table's column */
  mapping: Record<string, string>;
  /** customer traits: trait name → the table's column */
  traits: Record<string, string>;
  rows: { read: number; kept: number; excluded: number };
  /** rows the view leaves out, by the reason an import would quarantine them for */
  excludedByReason: Record<string, number>;
  /** customers the workspace's customers view holds now */
  customers: number;
}

/** The segmint_meta key recording an attached kind (its source id, table and mapping, as JSON). */
export const attachedKey = (kind: string): string => `attached:${kind}`;

interface Attached {
  sourceId: number;
  table: string;
  mapping: Record<string, string>;
  traits: Record<string, string>;
  columns: { name: string; kind: ColumnKind }[];
}

/** The kinds attached in the workspace, with what each is attached to. */
export async function attachedKinds(db: Engine): Promise<Map<string, Attached>> {
  const rows = await db.all<{ key: string; value: string }>(`SELECT ${ident(db, 'key')} AS k, ${ident(db, 'value')} AS value FROM segmint_meta`);
  const out = new Map<string, Attached>();
  for (const r of rows as unknown as { k: string; value: string }[]) {
    if (r.k.startsWith('attached:')) out.set(r.k.slice('attached:'.length), JSON.parse(r.value) as Attached);
  }
  return out;
}

/** Refuse an import of `kind` into a workspace where that kind is attached (the canonical table is a view). */
export async function assertNotAttached(db: Engine, kind: string): Promise<void> {
  const attached = await attachedKinds(db);
  const a = attached.get(kind) ?? (kind === 'customers' && attached.size > 0 ? [...attached.values()][0] : undefined);
  if (a) {
    throw new SegmintError('attached-table', `${kind} in this workspace ${attached.has(kind) ? `is a view over ${a.table}` : 'is a view over the attached tables'} (segmint source attach); an import cannot add rows to it`, {
      hint: 'load the rows into the attached table itself (they show at once), or import into a new workspace',
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// SQL per dialect

type DialectName = Engine['dialect'];

const ident = (db: { dialect: DialectName }, name: string): string => (db.dialect === 'clickhouse' ? quoteClickHouseIdent(name) : quoteIdent(name));
const str = (d: DialectName, s: string): string => (d === 'clickhouse' ? quoteClickHouseString(s) : quoteString(s));

/** A qualified table name (`a.b`) quoted part by part. */
function qualified(d: DialectName, name: string): string {
  return name.split('.').map((p) => (d === 'clickhouse' ? quoteClickHouseIdent(p) : quoteIdent(p))).join('.');
}

/** An id as trimmed text, NULL when empty (a whole double is written without its ".0", as the import reads 13085.0). */
function idText(d: DialectName, x: string, kind: ColumnKind): string {
  if (d === 'clickhouse') {
    if (kind === 'integer') return `toString(${x})`;
    if (kind === 'double' || kind === 'decimal') return `if(${x} = floor(${x}), toString(toInt64(${x})), toString(${x}))`;
    return `nullIf(replaceRegexpAll(toString(${x}), '^\\\\s+|\\\\s+$', ''), '')`;
  }
  const text = d === 'postgres' ? 'text' : 'VARCHAR';
  const big = d === 'postgres' ? 'bigint' : 'BIGINT';
  if (kind === 'integer') return `CAST(${x} AS ${text})`;
  if (kind === 'double' || kind === 'decimal') return `CASE WHEN ${x} = floor(${x}) THEN CAST(CAST(${x} AS ${big}) AS ${text}) ELSE CAST(${x} AS ${text}) END`;
  return `nullif(trim(CAST(${x} AS ${text})), '')`;
}

/** Free text, trimmed, NULL when empty. */
function plainText(d: DialectName, x: string, kind: ColumnKind): string {
  if (kind !== 'text' && kind !== 'other') return idText(d, x, kind);
  return idText(d, x, 'text');
}

function double(d: DialectName, x: string): string {
  if (d === 'clickhouse') return `toFloat64(${x})`;
  return `CAST(${x} AS ${d === 'postgres' ? 'double precision' : 'DOUBLE'})`;
}

function timestamp(d: DialectName, x: string, kind: ColumnKind): string {
  if (d === 'clickhouse') return kind === 'date' ? `toDateTime(${x})` : x;
  return `CAST(${x} AS ${d === 'postgres' ? 'timestamp' : 'TIMESTAMP'})`;
}

const nullOf = (d: DialectName, type: 'text' | 'double' | 'int' | 'timestamp'): string => {
  if (d === 'clickhouse') return `CAST(NULL AS Nullable(${{ text: 'String', double: 'Float64', int: 'Int32', timestamp: 'DateTime' }[type]}))`;
  const pg = { text: 'text', double: 'double precision', int: 'integer', timestamp: 'timestamp' };
  const duck = { text: 'VARCHAR', double: 'DOUBLE', int: 'INTEGER', timestamp: 'TIMESTAMP' };
  return `CAST(NULL AS ${(d === 'postgres' ? pg : duck)[type]})`;
};

/** A condition as the canonical boolean column (ClickHouse: UInt8), never NULL. */
const flag = (d: DialectName, cond: string): string => (d === 'clickhouse' ? `if(${cond}, 1, 0)` : `coalesce(${cond}, false)`);

/** Now plus `days` days, as a timestamp. */
function nowPlusDays(d: DialectName, days: number): string {
  if (d === 'clickhouse') return `(now() + ${Math.round(days * 86400)})`;
  if (d === 'postgres') return `(CAST(now() AS timestamp) + interval '${Number(days)} days')`;
  return `(CAST(now() AS TIMESTAMP) + INTERVAL ${Math.round(days * 86400)} SECOND)`;
}

function tsLiteral(d: DialectName, day: string): string {
  if (d === 'clickhouse') return `toDateTime(${str(d, `${day} 00:00:00`)})`;
  return `CAST(${str(d, `${day} 00:00:00`)} AS ${d === 'postgres' ? 'timestamp' : 'TIMESTAMP'})`;
}

/** The latest value of `x` by `ts` in a GROUP BY. */
function latest(d: DialectName, x: string, ts: string): string {
  if (d === 'clickhouse') return `argMaxIf(${x}, ${ts}, isNotNull(${x}))`;
  if (d === 'postgres') return `(array_agg(${x} ORDER BY ${ts} DESC) FILTER (WHERE ${x} IS NOT NULL))[1]`;
  return `arg_max(${x}, ${ts}) FILTER (WHERE ${x} IS NOT NULL)`;
}

const KIND_OK: Record<string, readonly ColumnKind[]> = {
  number: ['integer', 'double', 'decimal'],
  integer: ['integer'],
  timestamp: ['timestamp', 'date'],
};

// ---------------------------------------------------------------------------------------------------------

interface Source {
  /** what to select FROM (a quoted table, or a DuckDB file reader) */
  from: string;
  columns: ColumnInfo[];
}

/** The user's table (or, on DuckDB, a file), its columns. */
async function sourceOf(db: Engine, table: string): Promise<Source> {
  const fileLike = db.dialect === 'duckdb' && /[/\\]|\.(csv|tsv|txt|parquet|json|jsonl|ndjson)(\.gz)?$/i.test(table);
  if (fileLike) {
    const path = resolve(table);
    if (!existsSync(path)) throw new SegmintError('file-not-found', `cannot attach ${path}: no such file`, { hint: 'give a table of the workspace database, or the path of a CSV, Parquet or JSON file' });
    const ext = extname(path.replace(/\.gz$/i, '')).toLowerCase();
    const reader = ext === '.parquet' ? 'read_parquet' : ext === '.json' || ext === '.jsonl' || ext === '.ndjson' ? 'read_json_auto' : 'read_csv_auto';
    const from = `${reader}(${quoteString(path)})`;
    const described = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${from}`);
    return { from, columns: described.map((c) => ({ name: c.column_name, type: c.column_type, kind: kindOfDuckType(c.column_type) } as ColumnInfo)) };
  }
  if (!(await db.tableExists(table))) {
    throw new SegmintError('table-not-found', `the ${db.dialect === 'postgres' ? 'PostgreSQL' : db.dialect === 'clickhouse' ? 'ClickHouse' : 'DuckDB'} database has no table ${table}`, {
      hint: db.dialect === 'postgres' ? 'name it as schema.table (e.g. public.orders)' : db.dialect === 'clickhouse' ? 'name it as database.table (e.g. shop.orders)' : 'name a table of the workspace database, or a CSV/Parquet/JSON file',
    });
  }
  return { from: qualified(db.dialect, table), columns: await db.tableColumns(table) };
}

function kindOfDuckType(t: string): ColumnKind {
  const u = t.toUpperCase();
  if (/^(VARCHAR|TEXT|STRING)/.test(u)) return 'text';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)/.test(u)) return 'integer';
  if (/^(DOUBLE|FLOAT|REAL)/.test(u)) return 'double';
  if (/^DECIMAL/.test(u)) return 'decimal';
  if (/^BOOLEAN/.test(u)) return 'boolean';
  if (/^TIMESTAMP/.test(u)) return 'timestamp';
  if (/^DATE$/.test(u)) return 'date';
  return 'other';
}

/** What the view over an attached table is made of. */
interface ViewPlan {
  /** the innermost read: every column of the table renamed __c<i>, DISTINCT when duplicates are excluded */
  inner: string;
  /** canonical column → expression over __c<i> */
  exprs: Record<string, string>;
  /** reason → condition over __c<i>, in the import's order (the first that holds names a row's reason) */
  rules: [string, string][];
  /** customer trait → expression over __c<i> */
  traits: Record<string, string>;
}

function plan(db: Engine, kind: AttachKind, src: Source, mapping: Record<string, string>, traits: Record<string, string>, settings: ImportSettings, distinct: boolean): ViewPlan {
  const d = db.dialect;
  const ref = (column: string) => `__c${src.columns.findIndex((c) => c.name === column)}`;
  const kindOf = (column: string) => src.columns.find((c) => c.name === column)!.kind;
  const inner = `SELECT ${distinct ? 'DISTINCT ' : ''}${src.columns.map((c, i) => `${ident(db, c.name)} AS __c${i}`).join(', ')} FROM ${src.from}`;
  const exprs: Record<string, string> = {};
  const rules: [string, string][] = [];
  const pol = settings.policies;
  const bounds = boundsOf(settings);
  const id = (f: string) => (mapping[f] ? idText(d, ref(mapping[f]!), kindOf(mapping[f]!)) : nullOf(d, 'text'));
  const text = (f: string) => (mapping[f] ? plainText(d, ref(mapping[f]!), kindOf(mapping[f]!)) : nullOf(d, 'text'));
  const num = (f: string) => (mapping[f] ? double(d, ref(mapping[f]!)) : nullOf(d, 'double'));
  const ts = mapping.ts ? timestamp(d, ref(mapping.ts), kindOf(mapping.ts)) : undefined;
  exprs.customer_id = id('customer_id');
  if (pol.missingCustomerId === 'quarantine' && kind !== 'customers') rules.push(['missing-customer-id', `${exprs.customer_id} IS NULL`]);
  if (kind === 'customers') {
    rules.push(['missing-customer-id', `${exprs.customer_id} IS NULL`]);
  }
  if (ts) {
    exprs.ts = ts;
    rules.push(['missing-date', `${ts} IS NULL`], ['implausible-date', `(${ts} < ${tsLiteral(d, bounds.minDate)} OR ${ts} > ${nowPlusDays(d, bounds.maxDaysAhead)})`]);
  }
  const outOfRange = (x: string) => `(${x} IS NOT NULL AND NOT (abs(${x}) < ${bounds.maxAbsNumber}))`;
  if (kind === 'transactions') {
    const q = num('quantity');
    const p = num('unit_price');
    exprs.order_id = id('order_id');
    exprs.product_id = id('product_id');
    for (const f of ['description', 'category', 'department', 'channel', 'coupon', 'currency']) exprs[f] = text(f);
    exprs.line_no = mapping.line_no ? (d === 'clickhouse' ? `toInt32(${ref(mapping.line_no)})` : `CAST(${ref(mapping.line_no)} AS INTEGER)`) : nullOf(d, 'int');
    exprs.quantity = q;
    exprs.unit_price = p;
    const raw = mapping.amount ? num('amount') : `(${q} * ${p})`;
    const prefix = settings.cancellationPrefix;
    const marker = prefix !== '' ? `substring(${exprs.order_id}, 1, ${[...prefix].length}) = ${str(d, prefix)}` : undefined;
    const negative = mapping.quantity ? `(${q} < 0 OR (${q} IS NULL AND ${raw} < 0))` : `(${raw} < 0)`;
    const isReturn = pol.unmarkedNegativeQuantity === 'return' ? (marker ? `(${marker} OR ${negative})` : negative) : marker;
    exprs.is_return = isReturn ? flag(d, isReturn) : d === 'clickhouse' ? '0' : 'false';
    exprs.amount = `CASE WHEN ${isReturn ? `${flag(d, isReturn)} = ${d === 'clickhouse' ? '1' : 'true'}` : '1 = 0'} THEN -abs(${raw}) ELSE ${raw} END`;
    for (const f of ['quantity', 'unit_price', 'amount'] as const) if (mapping[f]) rules.push(['number-out-of-range', outOfRange(num(f))]);
    if (!mapping.amount) rules.push(['number-out-of-range', outOfRange(raw)]);
    rules.push(['missing-amount', `${raw} IS NULL`]);
    if (mapping.unit_price && pol.negativePrice === 'quarantine') rules.push(['negative-price', `${p} < 0`]);
    if (mapping.unit_price && pol.zeroPrice === 'quarantine') rules.push(['zero-price', `${p} = 0`]);
    if (pol.unmarkedNegativeQuantity === 'quarantine') rules.push(['unmarked-negative-quantity', marker ? `(${negative} AND NOT coalesce(${marker}, ${d === 'clickhouse' ? '0' : 'false'}))` : negative]);
    if (pol.missingDescription === 'quarantine' && mapping.description) rules.push(['missing-description', `${exprs.description} IS NULL`]);
    if (!mapping.order_id) {
      throw new SegmintError('missing-mapping', `no column found for order_id in ${src.from}`, { hint: 'map it with --map order_id=COLUMN (an attached table needs an order id per line)' });
    }
    rules.push(['missing-order-id', `${exprs.order_id} IS NULL`]);
  }
  if (kind === 'events') {
    exprs.type = text('type');
    exprs.properties = mapping.properties ? plainText(d, ref(mapping.properties), 'text') : nullOf(d, 'text');
    rules.push(['missing-type', `${exprs.type} IS NULL`]);
  }
  const traitExprs: Record<string, string> = {};
  for (const [name, column] of Object.entries(traits)) {
    const k = kindOf(column);
    traitExprs[name] = k === 'text' || k === 'other' ? plainText(d, ref(column), k) : k === 'timestamp' || k === 'date' ? timestamp(d, ref(column), k) : ref(column);
  }
  return { inner, exprs, rules, traits: traitExprs };
}

const reasonCase = (d: DialectName, rules: [string, string][]): string =>
  rules.length ? `CASE ${rules.map(([r, c]) => `WHEN ${c} THEN ${str(d, r)}`).join(' ')} ELSE ${nullOf(d, 'text')} END` : nullOf(d, 'text');

/**
 * 1 for a row the validation leaves out, else 0; the view keeps `excluded < 1`. Not `CASE … END IS NULL`:
 * PostgreSQL cannot estimate a condition on an expression and takes 0.5% of the rows for an IS NULL (a third
 * for an inequality), and with a few such estimates stacked it plans nested loops over views that hold
 * hundreds of thousands of rows (an audience took minutes instead of seconds).
 */
const excludedFlag = (rules: [string, string][]): string => (rules.length ? `CASE ${rules.map(([, c]) => `WHEN ${c} THEN 1`).join(' ')} ELSE 0 END` : '0');

/** The canonical view of `kind` over the plan (columns in the workspace table's order). */
function viewSql(db: Engine, kind: AttachKind, p: ViewPlan, sourceId: number): string {
  const d = db.dialect;
  const zero = (t: string) => (d === 'clickhouse' ? `to${t}(0)` : '0');
  const canonical: [string, string][] = kind === 'transactions'
    ? [
        ['customer_id', p.exprs.customer_id!], ['order_id', p.exprs.order_id!], ['ts', p.exprs.ts!], ['amount', p.exprs.amount!], ['line_no', p.exprs.line_no!],
        ['product_id', p.exprs.product_id!], ['description', p.exprs.description!], ['category', p.exprs.category!], ['department', p.exprs.department!],
        ['quantity', p.exprs.quantity!], ['unit_price', p.exprs.unit_price!], ['channel', p.exprs.channel!], ['coupon', p.exprs.coupon!], ['currency', p.exprs.currency!],
        ['is_return', p.exprs.is_return!], ['attributes', nullOf(d, 'text')], ['source_id', d === 'clickhouse' ? `toInt32(${sourceId})` : String(sourceId)],
        ['source_line', zero('Int64')], ['row_key', d === 'clickhouse' ? 'toUInt64(0)' : '0'], ['row_occ', d === 'clickhouse' ? 'toInt32(1)' : '1'],
      ]
    : kind === 'events'
      ? [
          ['customer_id', p.exprs.customer_id!], ['ts', p.exprs.ts!], ['type', p.exprs.type!], ['properties', p.exprs.properties!],
          ['source_id', d === 'clickhouse' ? `toInt32(${sourceId})` : String(sourceId)], ['source_line', zero('Int64')], ['row_key', d === 'clickhouse' ? 'toUInt64(0)' : '0'], ['row_occ', d === 'clickhouse' ? 'toInt32(1)' : '1'],
        ]
      : [['customer_id', p.exprs.customer_id!], ...Object.entries(p.traits)];
  // ClickHouse keeps aliases global to a SELECT: each level names its columns once, from the level below
  const middle = `SELECT ${canonical.map(([n, e]) => `${e} AS ${ident(db, n)}`).join(', ')}, ${excludedFlag(p.rules)} AS __excluded FROM (${p.inner}) AS __src`;
  const keys = canonical.map(([n]) => n);
  return `SELECT ${keys.map((k) => ident(db, k)).join(', ')} FROM (${middle}) AS __m WHERE __excluded < 1`;
}

/** The reasons rows are left out, counted over the table (duplicates: rows without another reason beyond the view's). */
async function countReasons(db: Engine, p: ViewPlan, viewName: string): Promise<{ read: number; kept: number; byReason: Record<string, number> }> {
  const d = db.dialect;
  const innerAll = p.inner.replace(/^SELECT DISTINCT /, 'SELECT ');
  const reason = reasonCase(d, p.rules);
  const rows = await db.all<{ reason: string; n: number }>(
    `SELECT ${d === 'clickhouse' ? 'ifNull(__reason, \'\')' : "coalesce(__reason, '')"} AS reason, count(*) AS n FROM (SELECT ${reason} AS __reason FROM (${innerAll}) AS __src) AS __r GROUP BY ${d === 'clickhouse' ? 'reason' : "coalesce(__reason, '')"}`,
  );
  const byReason: Record<string, number> = {};
  let read = 0;
  let valid = 0;
  for (const r of rows) {
    const n = Number(r.n);
    read += n;
    if (r.reason === '') valid = n;
    else byReason[r.reason] = n;
  }
  const kept = Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${viewName}`))?.n ?? 0);
  if (valid > kept) byReason['duplicate-row'] = valid - kept;
  return { read, kept, byReason: Object.fromEntries(Object.entries(byReason).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
}

/** The customers view: attached customers (traits) and every id of the attached transactions and events, with the first purchase. */
function customersViewSql(db: Engine, parts: { kind: string; sql: string; traits: string[] }[], traitColumns: { name: string; kind: ColumnKind }[], sourceId: number): string {
  const d = db.dialect;
  const q = (n: string) => ident(db, n);
  const activity = parts.filter((x) => x.kind !== 'customers');
  const cust = parts.find((x) => x.kind === 'customers');
  // per customer: the first transaction (first_seen), and the latest value of each trait taken from lines
  const lineTraits = activity.filter((a) => a.kind === 'transactions').flatMap((a) => a.traits);
  const acts = activity.map((a) => `SELECT ${q('customer_id')}, ${q('ts')}${lineTraits.map((t) => `, ${a.traits.includes(t) ? q(t) : nullOf(d, 'text')} AS ${q(t)}`).join('')} FROM (${a.sql}) AS __a`);
  const firstSeen = activity.length
    ? `SELECT ${q('customer_id')} AS __id, min(${q('ts')}) AS __first${lineTraits.map((t) => `, ${latest(d, q(t), q('ts'))} AS ${q(`__t_${t}`)}`).join('')} FROM (${acts.join(' UNION ALL ')}) AS __u GROUP BY ${q('customer_id')}`
    : undefined;
  const src = d === 'clickhouse' ? `toInt32(${sourceId})` : String(sourceId);
  const traitNames = traitColumns.map((t) => t.name);
  if (!cust) {
    return `SELECT __id AS ${q('customer_id')}, ${src} AS ${q('source_id')}, __first AS ${q('first_seen')}, __first AS ${q('updated_at')}${lineTraits.map((t) => `, ${q(`__t_${t}`)} AS ${q(t)}`).join('')} FROM (${firstSeen}) AS __f`;
  }
  const custTraits = cust.traits;
  const fromCustomers = firstSeen
    ? `SELECT __c.${q('customer_id')} AS ${q('customer_id')}, ${src} AS ${q('source_id')}, __f.__first AS ${q('first_seen')}, __f.__first AS ${q('updated_at')}${traitNames.map((t) => `, ${custTraits.includes(t) ? `__c.${q(t)}` : `__f.${q(`__t_${t}`)}`} AS ${q(t)}`).join('')}
       FROM (${cust.sql}) AS __c LEFT JOIN (${firstSeen}) AS __f ON __f.__id = __c.${q('customer_id')}`
    : `SELECT ${q('customer_id')}, ${src} AS ${q('source_id')}, ${nullOf(d, 'timestamp')} AS ${q('first_seen')}, ${nullOf(d, 'timestamp')} AS ${q('updated_at')}${traitNames.map((t) => `, ${q(t)}`).join('')} FROM (${cust.sql}) AS __c`;
  if (!firstSeen) return fromCustomers;
  const typedNull = (t: { name: string; kind: ColumnKind }) => nullOf(d, t.kind === 'double' || t.kind === 'decimal' ? 'double' : t.kind === 'integer' ? 'int' : t.kind === 'timestamp' || t.kind === 'date' ? 'timestamp' : 'text');
  const onlyActive = `SELECT __id AS ${q('customer_id')}, ${src} AS ${q('source_id')}, __first AS ${q('first_seen')}, __first AS ${q('updated_at')}${traitColumns.map((t) => `, ${custTraits.includes(t.name) ? typedNull(t) : q(`__t_${t.name}`)} AS ${q(t.name)}`).join('')}
     FROM (${firstSeen}) AS __f WHERE __id NOT IN (SELECT ${q('customer_id')} FROM (${cust.sql}) AS __c2)`;
  return `${fromCustomers} UNION ALL ${onlyActive}`;
}

// ---------------------------------------------------------------------------------------------------------

async function dropCanonical(db: Engine, name: string): Promise<void> {
  const d = db.dialect;
  const isView = await viewExists(db, name);
  if (d === 'clickhouse') {
    const cluster = clusterOf(db);
    // the Distributed table is dropped on every shard; the local parts stay (empty) for the store's deletes
    for (const shard of cluster ? cluster.shards : [db]) await shard.run(`DROP TABLE IF EXISTS ${quoteClickHouseIdent(name)}`);
    return;
  }
  await db.run(`DROP ${isView ? 'VIEW' : 'TABLE'} IF EXISTS ${quoteIdent(name)}`);
}

async function viewExists(db: Engine, name: string): Promise<boolean> {
  if (db.dialect === 'clickhouse') return Number((await db.one<{ n: number }>(`SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = ${quoteClickHouseString(name)} AND engine = 'View'`))?.n ?? 0) > 0;
  if (db.dialect === 'postgres') return Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM pg_views WHERE schemaname = current_schema() AND viewname = ${quoteString(name)}`))?.n ?? 0) > 0;
  return Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM duckdb_views() WHERE view_name = ${quoteString(name)} AND NOT internal`))?.n ?? 0) > 0;
}

async function createView(db: Engine, name: string, sql: string): Promise<void> {
  await dropCanonical(db, name);
  await db.run(`CREATE VIEW ${ident(db, name)} AS ${sql}`);
}

/** Attach `options.table` as the workspace's `options.kind` (see the file comment). */
export async function attachTable(ws: Workspace, options: AttachOptions): Promise<AttachResult> {
  const db = ws.db;
  const kind = options.kind;
  if (!ATTACH_KINDS.includes(kind)) {
    throw new SegmintError('invalid-option', `--kind ${String(kind)}: attach takes ${ATTACH_KINDS.join(', ')}`, { hint: 'products are imported: segmint import FILE --kind products' });
  }
  const attached = await attachedKinds(db);
  // a workspace with imported rows of the canonical kinds keeps them in tables: attaching would hide them
  const imported = await db.all<{ kind: string }>(`SELECT DISTINCT kind FROM sources WHERE format <> 'attach'`);
  const clash = imported.map((r) => r.kind).filter((k) => (ATTACH_KINDS as readonly string[]).includes(k));
  if (clash.length) {
    throw new SegmintError('attach-over-imported', `this workspace holds imported ${clash.join(' and ')}; attaching ${kind} would put a view where they are`, {
      hint: 'attach in a new workspace (segmint init DIR --engine …), or keep importing files here',
    });
  }
  const src = await sourceOf(db, options.table);
  const names = src.columns.map((c) => c.name);
  const given = options.map ?? {};
  const canonicalFields = kind === 'customers' ? ['customer_id'] : kind === 'transactions'
    ? ['customer_id', 'order_id', 'ts', 'amount', 'line_no', 'product_id', 'description', 'category', 'department', 'quantity', 'unit_price', 'channel', 'coupon', 'currency']
    : ['customer_id', 'ts', 'type', 'properties'];
  const fieldMap = Object.fromEntries(Object.entries(given).filter(([f]) => canonicalFields.includes(f)));
  const traitMap = Object.fromEntries(Object.entries(given).filter(([f]) => !canonicalFields.includes(f)).map(([f, c]) => [snakeCase(f), c]));
  for (const [t, c] of Object.entries(traitMap)) {
    if (!names.includes(c)) throw new SegmintError('unknown-column', `${options.table} has no column "${c}" (asked for by ${t}=${c})`, { hint: `the columns are ${names.map((n) => `"${n}"`).join(', ')}` });
  }
  const resolved = resolveMapping(kind as ImportKind, names, ws.config.mappings[kind] ?? {}, fieldMap);
  const mapping = resolved.fields;
  if (kind === 'customers') {
    // every other column is a trait, as a customers file's are
    for (const c of resolved.extra) traitMap[snakeCase(c)] ??= c;
  }
  // the column kinds a field needs
  const { CANONICAL_FIELDS } = await import('../core/schema.ts');
  for (const f of CANONICAL_FIELDS[kind as ImportKind]) {
    const column = mapping[f.name];
    if (!column) continue;
    const k = src.columns.find((c) => c.name === column)!.kind;
    const ok = KIND_OK[f.type];
    if (ok && !ok.includes(k)) {
      throw new SegmintError('attach-column-type', `${options.table}."${column}" (${f.name}) is ${k}; ${f.name} needs a ${f.type === 'timestamp' ? 'timestamp or date' : 'numeric'} column`, {
        hint: `attach a view of your own that converts it (e.g. CAST("${column}" AS ${f.type === 'timestamp' ? 'timestamp' : 'double precision'})), or import the table as a file`,
      });
    }
  }
  const settings = ws.config.import;
  const p = plan(db, kind, src, mapping, traitMap, settings, settings.policies.duplicateRows === 'quarantine' && kind !== 'customers');
  const sourceId = await nextWriteId(db, 'import');
  const view = viewSql(db, kind, p, sourceId);
  const record: Attached = {
    sourceId,
    table: options.table,
    mapping,
    traits: traitMap,
    columns: Object.keys(p.traits).map((name) => ({ name, kind: src.columns.find((c) => c.name === traitMap[name])!.kind })),
  };
  // The views, the record in segmint_meta and the sources row: one transaction on DuckDB and PostgreSQL (their
  // DDL is transactional); on ClickHouse the sources row is written last. Not journalled: the journal's undo
  // deletes rows by source id, and a view has none to delete.
  const result = await db.transaction(async () => {
    await createView(db, kind, view);
    const all = new Map(attached);
    all.set(kind, record);
    await defineCustomers(db, all, sourceId, ws);
    const counts = await countReasons(db, p, ident(db, kind));
    const excluded = counts.read - counts.kept;
    await setMeta(db, attachedKey(kind), JSON.stringify(record));
    await db.insertRows('sources', ['source_id', 'kind', 'file', 'format', 'fingerprint', 'mapping', 'options', 'rows_read', 'rows_loaded', 'rows_quarantined', 'rows_already_present', 'imported_at'], [[
      sourceId, kind, options.table, 'attach', '', JSON.stringify(mapping), JSON.stringify({ attached: true, traits: traitMap, excludedByReason: counts.byReason }),
      counts.read, counts.kept, excluded, 0, wholeSecond(),
    ]]);
    return { counts, excluded };
  });
  const customers = Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM customers'))?.n ?? 0);
  return {
    sourceId, kind, table: options.table, mapping, traits: traitMap,
    rows: { read: result.counts.read, kept: result.counts.kept, excluded: result.excluded },
    excludedByReason: result.counts.byReason,
    customers,
  };
}

async function defineCustomers(db: Engine, attached: Map<string, Attached>, sourceId: number, ws: Workspace): Promise<void> {
  const parts: { kind: string; sql: string; traits: string[] }[] = [];
  const traitColumns: { name: string; kind: ColumnKind }[] = [];
  for (const [kind, a] of attached) {
    if (kind === 'customers') continue;
    // the canonical view plus the trait columns: re-planned, since the view itself has only the canonical columns
    const src = await sourceOf(db, a.table);
    const p = plan(db, kind as AttachKind, src, a.mapping, a.traits, ws.config.import, ws.config.import.policies.duplicateRows === 'quarantine');
    const sql = traitView(db, p);
    parts.push({ kind, sql, traits: Object.keys(a.traits) });
    for (const c of a.columns) if (!traitColumns.some((t) => t.name === c.name)) traitColumns.push(c);
  }
  const cust = attached.get('customers');
  if (cust) {
    parts.push({ kind: 'customers', sql: ident(db, '__attached_customers'), traits: Object.keys(cust.traits) });
    for (const c of cust.columns) if (!traitColumns.some((t) => t.name === c.name)) traitColumns.push(c);
    // the attached customers table's own view keeps its name apart from the canonical customers view
    const src = await sourceOf(db, cust.table);
    const p = plan(db, 'customers', src, cust.mapping, cust.traits, ws.config.import, false);
    await createView(db, '__attached_customers', viewSql(db, 'customers', p, cust.sourceId));
    if (!parts.some((x) => x.kind !== 'customers')) {
      await createView(db, 'customers', `SELECT ${ident(db, 'customer_id')}, ${db.dialect === 'clickhouse' ? `toInt32(${sourceId})` : sourceId} AS ${ident(db, 'source_id')}, ${nullOf(db.dialect, 'timestamp')} AS ${ident(db, 'first_seen')}, ${nullOf(db.dialect, 'timestamp')} AS ${ident(db, 'updated_at')}${traitColumns.map((t) => `, ${ident(db, t.name)}`).join('')} FROM ${ident(db, '__attached_customers')}`);
      return;
    }
  }
  const partsSql = parts.map((x) => (x.kind === 'customers' ? { ...x, sql: `SELECT * FROM ${x.sql}` } : x));
  await createView(db, 'customers', customersViewSql(db, partsSql, traitColumns, sourceId));
}

/** The canonical columns customer_id and ts of an attached activity table, with its trait columns (for the customers view). */
function traitView(db: Engine, p: ViewPlan): string {
  const cols: [string, string][] = [['customer_id', p.exprs.customer_id!], ['ts', p.exprs.ts!], ...Object.entries(p.traits)];
  const middle = `SELECT ${cols.map(([n, e]) => `${e} AS ${ident(db, n)}`).join(', ')}, ${excludedFlag(p.rules)} AS __excluded FROM (${p.inner}) AS __src`;
  return `SELECT ${cols.map(([n]) => ident(db, n)).join(', ')} FROM (${middle}) AS __m WHERE __excluded < 1`;
}

async function setMeta(db: Engine, key: string, value: string): Promise<void> {
  await deleteTagged(db, 'segmint_meta', 'key', key);
  await db.insertRows('segmint_meta', ['key', 'value'], [[key, value]]);
}
