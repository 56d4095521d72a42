/**
 * Import into a PostgreSQL or ClickHouse workspace (docs/engines.md, "A workspace on PostgreSQL or
 * ClickHouse"). The file is parsed, validated and deduplicated exactly as on DuckDB, in a scratch embedded
 * DuckDB workspace made for the call (a temporary folder, the same migrations and settings) that first
 * receives what the checks compare against: the engine's sources rows, its customers and products, and the
 * row keys of the rows of this kind already stored or quarantined. Then the new source's rows — canonical
 * rows, new customers and products, quarantine — are bulk-loaded into the engine (PostgreSQL COPY,
 * ClickHouse JSONEachRow) inside the engine's journal, with the sources row last: a killed import leaves
 * nothing once the workspace is next opened, and on ClickHouse a source without its sources row is undone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { SegmintError } from '../../core/errors.ts';
import type { CellValue, ColumnKind, Engine } from '../../engines/types.ts';
import { addColumnSql, deleteKeysSql, selectColumnsSql, textColumnSql, type PortableType } from '../../sql/ddl.ts';
import { addWorkspaceColumn } from '../portable.ts';
import { serialiseConfig } from '../config.ts';
import { journalled, nextWriteId } from '../journal.ts';
import { holdForTest } from '../test-hold.ts';
import { CONFIG_FILE, Workspace } from '../workspace.ts';
import type { ImportOptions, ImportResult } from './index.ts';

type ImportIn = (ws: Workspace, file: string, options: ImportOptions) => Promise<ImportResult>;

/** The portable type a column of the scratch DuckDB gets in the engine. */
const PORTABLE: Record<ColumnKind, PortableType> = {
  text: 'text', integer: 'bigint', double: 'double', decimal: 'double', boolean: 'bool', timestamp: 'timestamp', date: 'timestamp', other: 'text',
};

const KEY = { customers: 'customer_id', products: 'product_id', places: 'place_id' } as const;
const MIRROR = { customers: '__engine_customers', products: '__engine_products', places: '__engine_places' } as const;

/** Rows copied per statement between the scratch workspace and the engine. */
const CHUNK = 50_000;

/** Import `file` into the non-DuckDB workspace `ws`, running `importIn` on a scratch DuckDB workspace. */
export async function importIntoEngine(ws: Workspace, file: string, options: ImportOptions, importIn: ImportIn): Promise<ImportResult> {
  const dir = mkdtempSync(join(tmpdir(), 'segmint-import-'));
  try {
    const { engine: _engine, ...config } = ws.config;
    writeFileSync(join(dir, CONFIG_FILE), serialiseConfig({ ...config, sources: [] }));
    const scratch = await Workspace.open(dir);
    try {
      const progress = options.onProgress ?? (() => undefined);
      progress('reading the workspace', 0.01);
      await mirror(ws.db, scratch.db, options.kind);
      const result = await importIn(scratch, file, {
        ...options,
        remember: false,
        beforeCommit: undefined,
        onProgress: (phase, f) => progress(phase, f * 0.7),
      });
      if (result.sourceId === null || result.alreadyImported) return rememberAnd(ws, file, options, result);
      const sourceId = result.sourceId;
      const expected = await nextWriteId(ws.db, 'import');
      if (expected !== sourceId) {
        throw new SegmintError('workspace-busy', `another import wrote source ${expected - 1} into the workspace while this one read ${basename(file)}`, {
          hint: 'run the import again',
          exitCode: 1,
        });
      }
      progress('loading into the engine', 0.7);
      await journalled(ws.db, 'import', sourceId, `import ${basename(file)}`, async () => {
        for (const table of ['transactions', 'events', 'quarantine']) {
          await copyTable(scratch.db, ws.db, table, sourceId, (done) => progress('loading into the engine', 0.7 + 0.25 * done));
        }
        await copyChanged(scratch.db, ws.db, 'customers', sourceId);
        await copyChanged(scratch.db, ws.db, 'products', sourceId);
        await copyChanged(scratch.db, ws.db, 'places', sourceId);
        // test hook: every row is loaded, nothing is published yet
        if (options.beforeCommit) await options.beforeCommit();
        await holdForTest('import');
        // the sources row last: on ClickHouse the write that makes the import visible
        await copyTable(scratch.db, ws.db, 'sources', sourceId);
      });
      // PostgreSQL plans by its statistics, which a bulk load leaves unset until autovacuum gets to the tables
      // (never, where it is off): without them an audience's per-customer subquery is estimated at 200 rows
      if (ws.db.dialect === 'postgres') await ws.db.run('ANALYZE transactions, events, customers, products, places, quarantine');
      progress('done', 1);
      return rememberAnd(ws, file, options, result);
    } finally {
      scratch.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function rememberAnd(ws: Workspace, file: string, options: ImportOptions, result: ImportResult): ImportResult {
  if (options.remember === false) return result;
  const path = resolve(file);
  const cfg = ws.config;
  const existing = cfg.sources.find((s) => s.file === path && s.kind === options.kind);
  if (existing) {
    if (options.map && Object.keys(options.map).length) existing.map = options.map;
  } else {
    cfg.sources.push(options.map && Object.keys(options.map).length ? { file: path, kind: options.kind, map: options.map } : { file: path, kind: options.kind });
  }
  ws.saveConfig(cfg);
  return result;
}

/** The engine's rows the checks of an import of `kind` compare against, written into the scratch workspace. */
async function mirror(from: Engine, to: Engine, kind: ImportOptions['kind']): Promise<void> {
  const sourceCols = (await to.tableColumns('sources')).map((c) => c.name);
  const sources = await from.columns(selectColumnsSql('sources', sourceCols, from.dialect));
  if ((sources.source_id?.length ?? 0) === 0) return;
  await to.insertRows('sources', sourceCols, { columns: sourceCols.map((c) => sources[c] as CellValue[]) });
  for (const table of ['customers', 'products', 'places'] as const) {
    // every column, trait columns too, so that a row the import changes is written back whole
    const cols = await from.tableColumns(table);
    const have = new Set((await to.tableColumns(table)).map((c) => c.name));
    for (const c of cols) if (!have.has(c.name)) await to.run(addColumnSql(table, { name: c.name, type: PORTABLE[c.kind] }, 'duckdb'));
    const names = cols.map((c) => c.name);
    const data = await from.columns(selectColumnsSql(table, names, from.dialect));
    await to.insertRows(table, names, { columns: names.map((c) => data[c] as CellValue[]) });
    // what the engine holds, to tell the rows this import adds or changes (copyChanged)
    await to.run(`CREATE TABLE ${MIRROR[table]} AS SELECT ${KEY[table]}, source_id${table === 'customers' ? ', first_seen, updated_at' : ''} FROM ${table}`);
  }
  // Row keys only, with placeholder values in the other NOT NULL columns: the checks read keys and source ids.
  const keyed = kind === 'transactions' ? 'transactions' : kind === 'events' ? 'events' : undefined;
  const key = textColumnSql('row_key', from.dialect);
  if (keyed) {
    const rows = await from.columns(`SELECT ${key} AS row_key, row_occ, source_id FROM ${keyed}`);
    const n = rows.row_key?.length ?? 0;
    if (n > 0) {
      const fill = <T,>(v: T) => new Array<T>(n).fill(v);
      const cols = keyed === 'transactions'
        ? { order_id: fill(''), ts: fill(new Date(0)), is_return: fill(false), source_line: fill(0) }
        : { customer_id: fill(''), ts: fill(new Date(0)), type: fill(''), source_line: fill(0) };
      const names = ['row_key', 'row_occ', 'source_id', ...Object.keys(cols)];
      await to.insertRows(keyed, names, { columns: [bigints(rows.row_key!), rows.row_occ as CellValue[], rows.source_id as CellValue[], ...(Object.values(cols) as CellValue[][])] });
    }
  }
  const q = await from.columns(`SELECT source_id, ${key} AS row_key, row_occ, kind FROM quarantine WHERE row_key IS NOT NULL`);
  const n = q.row_key?.length ?? 0;
  if (n > 0) {
    await to.insertRows('quarantine', ['source_id', 'kind', 'line', 'reason', 'row_key', 'row_occ'], {
      columns: [q.source_id as CellValue[], q.kind as CellValue[], new Array<CellValue>(n).fill(0), new Array<CellValue>(n).fill('already-stored'), bigints(q.row_key!), q.row_occ as CellValue[]],
    });
  }
}

/** 64-bit row keys (read as numbers or decimal text) as bigints, exact. */
function bigints(values: readonly unknown[]): CellValue[] {
  return values.map((v) => (v === null || v === undefined ? null : BigInt(v as string | number)));
}

/** Timestamps cut to the second (a ClickHouse 18.16 DateTime holds whole seconds); other values as they are. */
function toSeconds(values: readonly unknown[]): CellValue[] {
  return values.map((v) => (v instanceof Date && v.getTime() % 1000 !== 0 ? new Date(Math.floor(v.getTime() / 1000) * 1000) : (v as CellValue)));
}

/**
 * Customers and products the import added or changed (a customers file updates traits, a transactions file a
 * customer's first purchase and traits), written back whole. On PostgreSQL a changed row replaces the
 * engine's inside the transaction; ClickHouse deletes only by mutation, outside any one final write, so there
 * only new rows are added and changes to rows already stored are not carried over.
 */
async function copyChanged(scratch: Engine, engine: Engine, table: 'customers' | 'products' | 'places', sourceId: number): Promise<void> {
  const key = KEY[table];
  const mirrored = await scratch.tableExists(MIRROR[table]);
  if (!mirrored) return copyTable(scratch, engine, table, sourceId);
  const touched = table === 'customers'
    ? `m.customer_id IS NULL OR c.source_id IS DISTINCT FROM m.source_id OR c.first_seen IS DISTINCT FROM m.first_seen OR c.updated_at IS DISTINCT FROM m.updated_at
       OR c.customer_id IN (SELECT customer_id FROM transactions WHERE source_id = ${sourceId} UNION SELECT customer_id FROM events WHERE source_id = ${sourceId})`
    : `m.${key} IS NULL OR c.source_id IS DISTINCT FROM m.source_id`;
  const onlyNew = engine.dialect === 'clickhouse' ? 'm.' + key + ' IS NULL' : `(${touched})`;
  const have = new Set((await engine.tableColumns(table)).map((c) => c.name));
  const scratchCols = await scratch.tableColumns(table);
  for (const c of scratchCols) {
    if (have.has(c.name)) continue;
    await addWorkspaceColumn(engine, table, { name: c.name, type: PORTABLE[c.kind] });
    have.add(c.name);
  }
  const cols = scratchCols.map((c) => c.name).filter((c) => have.has(c));
  const data = await scratch.columns(`SELECT ${cols.map((c) => `c."${c}"`).join(', ')}, m.${key} IS NOT NULL AS __stored
    FROM ${table} c LEFT JOIN ${MIRROR[table]} m ON m.${key} = c.${key} WHERE ${onlyNew}`);
  const stored = (data[key] ?? []).filter((_, i) => data.__stored![i] === true) as string[];
  for (let i = 0; i < stored.length; i += 10_000) await engine.run(deleteKeysSql(table, key, stored.slice(i, i + 10_000), engine.dialect));
  const n = data[key]?.length ?? 0;
  for (let i = 0; i < n; i += CHUNK) {
    const slice = (c: string) => (data[c] ?? []).slice(i, i + CHUNK);
    await engine.insertRows(table, cols, { columns: cols.map((c) => (engine.dialect === 'clickhouse' ? toSeconds(slice(c)) : (slice(c) as CellValue[]))) });
  }
}

/** Copy the rows of `table` tagged with `sourceId` from the scratch workspace into the engine, in chunks. */
async function copyTable(scratch: Engine, engine: Engine, table: string, sourceId: number, onChunk?: (done: number) => void): Promise<void> {
  const have = new Set((await engine.tableColumns(table)).map((c) => c.name));
  const scratchCols = await scratch.tableColumns(table);
  // customer traits and product columns the import added (store/import/columns.ts) are added to the engine's table too
  for (const c of scratchCols) {
    if (have.has(c.name) || (table !== 'customers' && table !== 'products' && table !== 'places')) continue;
    await addWorkspaceColumn(engine, table, { name: c.name, type: PORTABLE[c.kind] });
    have.add(c.name);
  }
  const cols = scratchCols.map((c) => c.name).filter((c) => have.has(c));
  // Chunks by ranges of DuckDB's rowid, which its scan filters directly (a LIMIT … OFFSET re-reads and sorts
  // every row before the offset: quadratic, minutes per import at 10 M lines).
  const span = await scratch.one<{ lo: number | null; hi: number | null }>(`SELECT min(rowid) AS lo, max(rowid) AS hi FROM ${table} WHERE source_id = ?`, [sourceId]);
  if (span?.lo === null || span?.lo === undefined || span.hi === null) return;
  const lo = Number(span.lo);
  const hi = Number(span.hi);
  const seconds = engine.dialect === 'clickhouse';
  for (let from = lo; from <= hi; from += CHUNK) {
    const data = await scratch.columns(`SELECT ${cols.join(', ')} FROM ${table} WHERE source_id = ? AND rowid >= ${from} AND rowid < ${from + CHUNK} ORDER BY rowid`, [sourceId]);
    if ((data[cols[0]!]?.length ?? 0) > 0) {
      await engine.insertRows(table, cols, { columns: cols.map((c) => (c === 'row_key' ? bigints(data[c]!) : seconds ? toSeconds(data[c]!) : (data[c] as CellValue[]))) });
    }
    onChunk?.(Math.min(1, (from + CHUNK - lo) / (hi - lo + 1)));
  }
}
