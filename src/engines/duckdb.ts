/**
 * DuckDB, embedded: a file (the workspace's `segmint.duckdb`) or `:memory:`. The only file that imports
 * @duckdb/node-api. Parameters bind as `?` or `$n`; bulk insert uses DuckDB's appender.
 */
import { createRequire } from 'node:module';
import type {
  DuckDBAppender,
  DuckDBConnection,
  DuckDBDecimalType,
  DuckDBInstance as DuckDBInstanceType,
  DuckDBType,
  DuckDBValue,
} from '@duckdb/node-api';
// The driver is CommonJS: require() loads it about twice as fast as an ESM import, which has every one of its
// files scanned for named exports first (issue #15: the price of any command on a workspace before its work begins).
const {
  dateValue,
  decimalValue,
  DOUBLE,
  DuckDBDataChunk,
  DuckDBDoubleVector,
  DuckDBInstance,
  DuckDBTypeId,
  INTEGER,
  JSDuckDBValueConverter,
  timestampTZValue,
  timestampValue,
} = createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api');
import { quoteIdent, quoteString } from '../sql/index.ts';
import { counted, type CallCount } from './duckdb-calls.ts';
import { beforeImagePath, CHECKPOINT_SETTINGS, restoreInterruptedCheckpoint, writeBeforeImage } from './duckdb-checkpoint.ts';
import { collectYoung } from './young-gc.ts';
import { unlinkSync } from 'node:fs';
import {
  rowsOf,
  safeInteger,
  splitTableName,
  unknownColumn,
  toDouble,
  inTransaction,
  queryTimeout,
  type CellValue,
  type ColumnInfo,
  type ColumnKind,
  type CreateTableOptions,
  type Engine,
  type InsertData,
  type Param,
  type Row,
} from './types.ts';

/**
 * The driver's C bindings (its own dependency, resolved from it), for `numericColumns` and `appendDoubles` only: a DOUBLE
 * vector's values and validity read straight from a chunk cost about a third of the driver's vector objects (issue #15:
 * 1,000,000 × 8 doubles in 0.09 s instead of 0.25 s; the driver builds a type, a vector and a validity object per column
 * per 2,048 rows), and a chunk's DOUBLE column is written by one copy from the JS array (the driver's vector object reads
 * the vector's data first: 0.4 s of the main thread for `clv predict`'s 262,707 patterns × 8 columns at bench/clv).
 */
interface RawBindings {
  data_chunk_get_vector(chunk: unknown, column: number): unknown;
  vector_get_data(vector: unknown, bytes: number): Uint8Array;
  vector_get_validity(vector: unknown, bytes: number): Uint8Array | null | undefined;
  copy_data_to_vector(vector: unknown, targetByteOffset: number, source: ArrayBufferLike, sourceByteOffset: number, byteCount: number): void;
}
let rawBindings: RawBindings | null | undefined;
function bindings(): RawBindings | null {
  if (rawBindings === undefined) {
    try {
      const api = createRequire(import.meta.url).resolve('@duckdb/node-api');
      rawBindings = createRequire(api)('@duckdb/node-bindings') as RawBindings;
    } catch {
      rawBindings = null;
    }
  }
  return rawBindings;
}

function toJs(v: unknown): unknown {
  return typeof v === 'bigint' ? safeInteger(v) : v;
}

function convertRow(r: Record<string, unknown>): Row {
  const out: Row = {};
  for (const k of Object.keys(r)) out[k] = toJs(r[k]);
  return out;
}

/**
 * Bind types: the driver binds a JS number that is a whole number as BIGINT, and fails ("bigint out of int64
 * range") on one such as 1e200; those bind as DOUBLE. Undefined entries keep the driver's inference.
 */
function bindTypes(params: readonly Param[]): DuckDBType[] | undefined {
  if (!params.some((p) => typeof p === 'number' && Number.isInteger(p) && !Number.isSafeInteger(p))) return undefined;
  return params.map((p) => (typeof p === 'number' && Number.isInteger(p) && !Number.isSafeInteger(p) ? DOUBLE : undefined)) as DuckDBType[];
}

/** The driver's (values, types) arguments for `params`. */
function bind(params: readonly Param[] | undefined): [DuckDBValue[] | undefined, DuckDBType[] | undefined] {
  return params ? [[...params] as DuckDBValue[], bindTypes(params)] : [undefined, undefined];
}

/** The kind of a DuckDB type name (`VARCHAR`, `DECIMAL(12,2)`, `TIMESTAMP WITH TIME ZONE` …). */
export function duckdbKind(type: string): ColumnKind {
  const t = type.toUpperCase();
  if (t === 'VARCHAR' || t.startsWith('VARCHAR(') || t === 'TEXT' || t === 'UUID') return 'text';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(t)) return 'integer';
  if (t === 'DOUBLE' || t === 'FLOAT' || t === 'REAL') return 'double';
  if (t.startsWith('DECIMAL')) return 'decimal';
  if (t === 'BOOLEAN') return 'boolean';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'DATE') return 'date';
  return 'other';
}

const MICROS_PER_MS = 1000n;
const MS_PER_DAY = 86_400_000;

function asDate(v: CellValue, what: string): Date {
  const d = v instanceof Date ? v : new Date(typeof v === 'number' ? v : String(v));
  if (Number.isNaN(d.getTime())) throw new Error(`insertRows: ${what}: ${String(v)} is not a timestamp`);
  return d;
}

function asBigInt(v: CellValue, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return BigInt(v.trim());
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new Error(`insertRows: ${what}: ${String(v)} is not a whole number`);
}

/** Append one value of a column of type `type` (null/undefined and non-finite numbers as NULL). */
function appendValue(app: DuckDBAppender, type: DuckDBType, v: CellValue, what: string): void {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) {
    app.appendNull();
    return;
  }
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
      app.appendVarchar(v instanceof Date ? v.toISOString() : String(v));
      return;
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.FLOAT: {
      const n = toDouble(v);
      if (Number.isNaN(n)) throw new Error(`insertRows: ${what}: ${String(v)} is not a number`);
      if (type.typeId === DuckDBTypeId.DOUBLE) app.appendDouble(n);
      else app.appendFloat(n);
      return;
    }
    case DuckDBTypeId.BIGINT:
      app.appendBigInt(asBigInt(v, what));
      return;
    case DuckDBTypeId.HUGEINT:
      app.appendHugeInt(asBigInt(v, what));
      return;
    case DuckDBTypeId.UBIGINT:
      app.appendUBigInt(asBigInt(v, what));
      return;
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UTINYINT: {
      const n = Number(asBigInt(v, what));
      if (type.typeId === DuckDBTypeId.INTEGER) app.appendInteger(n);
      else if (type.typeId === DuckDBTypeId.SMALLINT) app.appendSmallInt(n);
      else if (type.typeId === DuckDBTypeId.TINYINT) app.appendTinyInt(n);
      else if (type.typeId === DuckDBTypeId.UINTEGER) app.appendUInteger(n);
      else if (type.typeId === DuckDBTypeId.USMALLINT) app.appendUSmallInt(n);
      else app.appendUTinyInt(n);
      return;
    }
    case DuckDBTypeId.BOOLEAN:
      app.appendBoolean(typeof v === 'string' ? /^(t|true|1|y|yes)$/i.test(v) : Boolean(v));
      return;
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as DuckDBDecimalType;
      const n = toDouble(v);
      if (Number.isNaN(n)) throw new Error(`insertRows: ${what}: ${String(v)} is not a number`);
      app.appendDecimal(decimalValue(BigInt(Math.round(n * 10 ** scale)), width, scale));
      return;
    }
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ: {
      const micros = BigInt(asDate(v, what).getTime()) * MICROS_PER_MS;
      if (type.typeId === DuckDBTypeId.TIMESTAMP) app.appendTimestamp(timestampValue(micros));
      else app.appendTimestampTZ(timestampTZValue(micros));
      return;
    }
    case DuckDBTypeId.DATE:
      app.appendDate(dateValue(Math.floor(asDate(v, what).getTime() / MS_PER_DAY)));
      return;
    default:
      app.appendValue(v as DuckDBValue, type);
  }
}

/** The types whole chunks are written for: DOUBLE, INTEGER, VARCHAR and BOOLEAN columns. */
const CHUNK_TYPES = new Set<number>([DuckDBTypeId.DOUBLE, DuckDBTypeId.INTEGER, DuckDBTypeId.VARCHAR, DuckDBTypeId.BOOLEAN]);

/**
 * Whether columnar data can go in whole chunks: every column DOUBLE (numbers), INTEGER (whole numbers in
 * range), VARCHAR (strings) or BOOLEAN (booleans), NULL (null, undefined, a non-finite number) anywhere. Anything else takes the
 * value-by-value path, which converts and reports bad values.
 */
function chunkable(types: readonly DuckDBType[], columns: readonly ArrayLike<CellValue>[]): boolean {
  if (columns.length !== types.length || !types.every((t) => CHUNK_TYPES.has(t.typeId))) return false;
  const n = columns[0]?.length ?? 0;
  return columns.every((c, j) => {
    if (c.length !== n) return false;
    const id = types[j]!.typeId;
    if ((c instanceof Float64Array && id === DuckDBTypeId.DOUBLE) || (c instanceof Int32Array && (id === DuckDBTypeId.DOUBLE || id === DuckDBTypeId.INTEGER))) return true;
    const want = id === DuckDBTypeId.VARCHAR ? 'string' : id === DuckDBTypeId.BOOLEAN ? 'boolean' : 'number';
    for (let i = 0; i < n; i++) {
      const v = c[i];
      if (v === null || v === undefined) continue;
      if (typeof v !== want) return false;
      if (id === DuckDBTypeId.INTEGER && Number.isFinite(v) && !(Number.isInteger(v) && (v as number) >= -2147483648 && (v as number) <= 2147483647)) return false;
    }
    return true;
  });
}

/** Append columnar data in chunks of 2,048 rows, each column set in JS and copied to the engine once per chunk. */
function appendChunks(app: DuckDBAppender, types: readonly DuckDBType[], columns: readonly ArrayLike<CellValue>[]): number {
  const n = columns[0]?.length ?? 0;
  for (let from = 0; from < n; from += 2048) {
    const rows = Math.min(2048, n - from);
    const chunk = DuckDBDataChunk.create([...types], rows);
    columns.forEach((c, j) => {
      const vec = chunk.getColumnVector(j);
      if (types[j]!.typeId === DuckDBTypeId.VARCHAR || types[j]!.typeId === DuckDBTypeId.BOOLEAN) {
        for (let r = 0; r < rows; r++) vec.setItem(r, (c[from + r] ?? null) as string | boolean | null);
      } else {
        const items = (vec as unknown as { items: Float64Array | Int32Array }).items;
        for (let r = 0; r < rows; r++) {
          const x = c[from + r];
          if (typeof x === 'number' && Number.isFinite(x)) items[r] = x;
          else vec.setItem(r, null);
        }
      }
      vec.flush();
    });
    app.appendDataChunk(chunk);
  }
  return n;
}

/** Options for `openDuckDb`. */
export interface DuckDbOptions {
  /** open the database file read-only */
  readOnly?: boolean;
  /** DuckDB's memory limit in bytes (rounded down to MiB); DuckDB's own default when omitted */
  memoryLimitBytes?: number;
  /** where DuckDB spills what does not fit in memory (file databases) */
  tempDir?: string;
}

/** Whether a[from..to) holds no NaN or infinity. */
function allFinite(a: Float64Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

/** NaN where a validity mask (32 rows a word, bit 0 = NULL) marks a NULL among the first `rows` values. */
function nullsToNaN(part: Float64Array, words: Uint32Array, rows: number): void {
  for (let w = 0; w < words.length; w++) {
    const word = words[w]!;
    if (word === 0xffffffff) continue;
    for (let b = 0; b < 32 && w * 32 + b < rows; b++) if (((word >>> b) & 1) === 0) part[w * 32 + b] = NaN;
  }
}

/** DuckDB behind the `Engine` contract. */
export class DuckDbEngine implements Engine {
  readonly dialect = 'duckdb' as const;
  readonly transactional = true;
  private readonly tx = { open: false };
  private closed = false;
  private tempSeq = 0;
  /** runRowsWrite calls in progress */
  private runRowsDepth = 0;
  /** the connection's calls in flight (duckdb-calls.ts: it is closed when they have settled) */
  private readonly calls: CallCount = { n: 0, idle: undefined };
  private readonly conn: DuckDBConnection;

  constructor(
    private readonly instance: DuckDBInstanceType,
    conn: DuckDBConnection,
    /** false for a connection made by `connect()`: closing it leaves the database open */
    private readonly ownsInstance = true,
    /** calls finished on the owning connection (`writeCount`), shared with the connections of `connect()` */
    private readonly writes = { n: 0 },
    /** the database file when it is open read-write (checkpoints are taken by `checkpoint`), else undefined */
    private readonly file?: string,
  ) {
    this.conn = counted(conn, this.calls);
  }

  /**
   * Make the committed writes part of the database file, crash-safely (engines/duckdb-checkpoint.ts): the live
   * metadata blocks are copied aside, then CHECKPOINT, then the copy is deleted. Nothing for a read-only or
   * in-memory database. A checkpoint that other connections' open transactions hold off is left for later.
   */
  async checkpoint(): Promise<void> {
    if (!this.file) return;
    const blocks = (await this.all<{ block_id: number }>('PRAGMA metadata_info')).map((r) => Number(r.block_id));
    const size = await this.one<{ block_size: number }>('SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()');
    writeBeforeImage(this.file, Number(size?.block_size), blocks);
    try {
      await this.run('CHECKPOINT');
    } catch (e) {
      // DuckDB refuses before writing anything while another connection's transaction is open; any other
      // failure may have written blocks, so the copy stays for the next open to restore
      if (/cannot checkpoint|other (write )?transactions/i.test(String((e as Error).message))) unlinkSync(beforeImagePath(this.file));
      else throw e;
      return;
    }
    unlinkSync(beforeImagePath(this.file));
  }

  /**
   * A run's rows written without FSST among DuckDB's compression choices for strings (issue #15). Each row group
   * of a bulk insert is compressed as it is written, and for the customer ids of a run (unique strings, where
   * dictionary compression does not help) DuckDB tried FSST's symbol table on every segment: 100-150 ms of
   * `segmint rfm`'s insert into run_scores (866-870 → 714-776 ms in new processes at bench/rfm). The ids are then
   * stored uncompressed: 27.8 → 33.8 MiB for that run of 923,349 customers (docs/engines.md). The setting
   * is the database's (DuckDB has it global), set for the write and reset after it; nested writes keep it.
   * `uniqueText` (clv predict's customers: their ids, a key and spends, a mostly NULL reason): dictionary
   * compression is not tried either, whose analysis of a million unique ids cost 60 ms of that insert (bench/clv).
   */
  async runRowsWrite<T>(write: () => Promise<T>, options: { uniqueText?: boolean } = {}): Promise<T> {
    if (!this.file) return write();
    if (this.runRowsDepth++ === 0) await this.conn.run(`SET disabled_compression_methods = '${options.uniqueText ? 'fsst,dictionary' : 'fsst'}'`);
    try {
      return await write();
    } finally {
      // a failed reset (the connection gone) costs only compression: the write's own outcome is what is reported
      if (--this.runRowsDepth === 0) await this.conn.run('RESET disabled_compression_methods').catch(() => undefined);
    }
  }

  writeCount(): number {
    return this.writes.n;
  }

  /** After a call on the owning connection (reads too: it cannot tell them apart), what readers cached may be stale. */
  private wrote(): void {
    if (this.ownsInstance) this.writes.n++;
  }

  async oneWithin<T extends Row = Row>(sql: string, params: readonly Param[] | undefined, ms: number): Promise<T | undefined> {
    // a connection of its own, so that the interrupt stops this query and no other
    const c = await this.connect();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      c.conn.interrupt();
    }, ms);
    try {
      return await c.one<T>(sql, params);
    } catch (e) {
      throw timedOut ? queryTimeout(ms, e) : e;
    } finally {
      clearTimeout(timer);
      c.closeSync();
    }
  }

  /**
   * Another connection to the same database, e.g. for reads beside a writer (the server): each connection has
   * its own transactions, so it sees committed data only, and queries on different connections run in parallel.
   * Closing it closes only the connection; it must be closed before the engine that made it.
   */
  async connect(): Promise<DuckDbEngine> {
    const conn = await this.instance.connect();
    try {
      await conn.run("SET TimeZone = 'UTC'");
    } catch (e) {
      conn.closeSync();
      throw e;
    }
    return new DuckDbEngine(this.instance, conn, false, this.writes, this.file);
  }

  async run(sql: string, params?: readonly Param[]): Promise<void> {
    await this.conn.run(sql, ...bind(params));
    this.wrote();
  }

  async all<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(sql, ...bind(params));
    this.wrote();
    return reader.getRowObjectsJS().map((r) => convertRow(r as Record<string, unknown>) as T);
  }

  async one<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  async columns(sql: string, params?: readonly Param[]): Promise<Record<string, unknown[]>> {
    const reader = await this.conn.runAndReadAll(sql, ...bind(params));
    this.wrote();
    const cols = reader.getColumnsObjectJS() as Record<string, unknown[]>;
    const out: Record<string, unknown[]> = {};
    for (const [k, v] of Object.entries(cols)) out[k] = v.map(toJs);
    return out;
  }

  async numericColumns(sql: string, params: readonly Param[] | undefined, names: readonly string[], expectedRows?: number, shared = false): Promise<Record<string, Float64Array>> {
    // streamed: chunk by chunk as the engine produces them (reading a materialized result's chunks back by
    // index cost more than the query itself at 1,000,000 rows, issue #15); with `expectedRows` straight into
    // arrays of that length (fresh memory costs: chunks and then a joined copy touched twice as much)
    const result = await this.conn.stream(sql, ...bind(params));
    this.wrote();
    const have = result.columnNames();
    const at = names.map((name) => have.indexOf(name));
    const missing = names.find((_, t) => at[t]! < 0);
    if (missing !== undefined) throw unknownColumn(missing, have);
    const raw = bindings();
    const doubles = at.map((j) => result.columnTypeId(j) === DuckDBTypeId.DOUBLE);
    const cap = expectedRows !== undefined && Number.isInteger(expectedRows) && expectedRows > 0 ? expectedRows : 0;
    const alloc = (length: number) => (shared ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length));
    const whole: Float64Array[] = names.map(() => alloc(cap));
    const parts: Float64Array[][] = names.map(() => []);
    let n = 0;
    let filled = 0; // rows in `whole`: the leading chunks that fit
    // one fetch ahead: the engine produces the next chunk on its thread while this one is copied here (a fetch at a
    // time, as the result allows; each chunk is the caller's own, so the one being copied stays valid)
    let next: ReturnType<typeof result.fetchChunk> | undefined = result.fetchChunk();
    try {
      for (let chunks = 1; ; chunks++) {
        // the chunks read so far collected every 16 (young-gc.ts): their native memory reused for the next ones
        if (chunks % 16 === 0) collectYoung();
        const c = await next;
        next = undefined;
        if (!c || c.rowCount === 0) break;
        next = result.fetchChunk();
        const rows = c.rowCount;
        // rows that fit the expected length go into it; any beyond, chunk by chunk as before
        const into = filled === n && n + rows <= cap;
        const rawChunk = raw ? (c as unknown as { chunk?: unknown }).chunk : undefined;
        at.forEach((j, t) => {
          const part = into ? whole[t]!.subarray(n, n + rows) : new Float64Array(rows);
          if (rawChunk !== undefined && doubles[t]) {
            // DOUBLE: the values and the validity words straight from the chunk (see `bindings`)
            const v = raw!.data_chunk_get_vector(rawChunk, j);
            const data = raw!.vector_get_data(v, rows * 8);
            part.set(new Float64Array(data.buffer, data.byteOffset, rows));
            const valid = raw!.vector_get_validity(v, Math.ceil(rows / 64) * 8);
            if (valid) nullsToNaN(part, new Uint32Array(valid.buffer, valid.byteOffset, Math.ceil(rows / 32)), rows);
            if (!into) parts[t]!.push(part);
            return;
          }
          const vec = c.getColumnVector(j);
          if (vec instanceof DuckDBDoubleVector) {
            // DOUBLE columns are copied from the engine's vectors as they are: the values, then NaN where the
            // validity mask (absent when no value is NULL; not public) has a 0 bit, read a 32-bit word at a time
            const { items, validity } = vec as unknown as { items: Float64Array; validity: { data: BigUint64Array | null } };
            part.set(items.subarray(0, rows));
            if (validity.data) nullsToNaN(part, new Uint32Array(validity.data.buffer, validity.data.byteOffset, Math.ceil(rows / 32)), rows);
          } else {
            // other types as `all` reads them
            let r = 0;
            for (const v of c.convertColumnValues(j, JSDuckDBValueConverter)) part[r++] = toDouble(toJs(v));
          }
          if (!into) parts[t]!.push(part);
        });
        if (into) filled += rows;
        n += rows;
      }
    } finally {
      // a copy that failed leaves its fetch running: settled before the result is dropped
      if (next) await next.catch(() => undefined);
    }
    const out: Record<string, Float64Array> = {};
    names.forEach((name, t) => {
      const ps = parts[t]!;
      if (ps.length === 0) { out[name] = filled === cap ? whole[t]! : whole[t]!.subarray(0, filled); return; }
      if (filled === 0 && ps.length === 1 && !shared) { out[name] = ps[0]!; return; }
      const a = alloc(n);
      a.set(whole[t]!.subarray(0, filled));
      let offset = filled;
      for (const p of ps) { a.set(p, offset); offset += p.length; }
      out[name] = a;
    });
    return out;
  }

  async appendDoubles(table: string, columns: readonly ArrayLike<number>[]): Promise<void> {
    const app = await this.conn.createAppender(table);
    try {
      const n = columns[0]?.length ?? 0;
      // a table of DOUBLE columns takes whole chunks: each column set in JS and copied to the engine once per 2,048 rows;
      // an INTEGER column too, given as an Int32Array (a run id beside doubles), copied the same way
      const int = (j: number) => columns[j] instanceof Int32Array && app.columnType(j).typeId === DuckDBTypeId.INTEGER;
      if (app.columnCount === columns.length && columns.every((_, j) => app.columnType(j).typeId === DuckDBTypeId.DOUBLE || int(j))) {
        const types = columns.map((_, j) => (int(j) ? INTEGER : DOUBLE));
        const raw = bindings();
        // the bindings refuse a SharedArrayBuffer ("Invalid argument": cluster's distances come from the k-means
        // threads' shared memory): such rows go through this buffer of one chunk
        const bounce = raw && columns.some((c) => c instanceof Float64Array && c.buffer instanceof SharedArrayBuffer) ? new Float64Array(2048) : undefined;
        for (let from = 0; from < n; from += 2048) {
          const rows = Math.min(2048, n - from), chunk = DuckDBDataChunk.create(types, rows);
          columns.forEach((c, j) => {
            if (c instanceof Int32Array && types[j] === INTEGER) {
              if (raw) raw.copy_data_to_vector(raw.data_chunk_get_vector((chunk as unknown as { chunk: unknown }).chunk, j), 0, c.buffer, c.byteOffset + from * 4, rows * 4);
              else {
                const v = chunk.getColumnVector(j);
                for (let r = 0; r < rows; r++) v.setItem(r, c[from + r]!);
                v.flush();
              }
              return;
            }
            // a Float64Array's rows all finite: copied into the vector at once (see `bindings`)
            if (raw && c instanceof Float64Array && allFinite(c, from, from + rows)) {
              const vector = raw.data_chunk_get_vector((chunk as unknown as { chunk: unknown }).chunk, j);
              if (c.buffer instanceof SharedArrayBuffer) {
                bounce!.set(c.subarray(from, from + rows));
                raw.copy_data_to_vector(vector, 0, bounce!.buffer, 0, rows * 8);
              } else raw.copy_data_to_vector(vector, 0, c.buffer, c.byteOffset + from * 8, rows * 8);
              return;
            }
            const v = chunk.getColumnVector(j);
            // the values straight into the vector's items; setItem (validity too) only for a non-finite value
            const items = (v as unknown as { items: Float64Array }).items;
            for (let r = 0; r < rows; r++) { const x = c[from + r]!; if (Number.isFinite(x)) items[r] = x; else v.setItem(r, null); }
            v.flush();
          });
          app.appendDataChunk(chunk);
        }
        app.flushSync();
        return;
      }
      for (let i = 0; i < n; i++) {
        for (const c of columns) {
          const v = c[i]!;
          if (Number.isFinite(v)) app.appendDouble(v);
          else app.appendNull();
        }
        app.endRow();
      }
      app.flushSync();
    } finally {
      app.closeSync();
      this.wrote();
    }
  }

  async insertRows(table: string, columnNames: readonly string[], data: InsertData): Promise<number> {
    const cols = await this.tableColumns(table);
    if (cols.length === 0) throw new Error(`insertRows: no table ${table}`);
    const inOrder = cols.length === columnNames.length && cols.every((c, i) => c.name === columnNames[i]);
    if (inOrder) return this.append(table, columnNames, data);
    // The appender fills every column in table order: stage the given columns, then INSERT … SELECT.
    const known = new Set(cols.map((c) => c.name));
    const missing = columnNames.filter((c) => !known.has(c));
    if (missing.length > 0) throw new Error(`insertRows: ${table} has no column ${missing.join(', ')}`);
    const stage = `__segmint_insert_${++this.tempSeq}`;
    const list = columnNames.map(quoteIdent).join(', ');
    await this.run(`CREATE TEMP TABLE ${quoteIdent(stage)} AS SELECT ${list} FROM ${qualified(table)} LIMIT 0`);
    try {
      const n = await this.append(stage, columnNames, data);
      await this.run(`INSERT INTO ${qualified(table)} (${list}) SELECT ${list} FROM ${quoteIdent(stage)}`);
      return n;
    } finally {
      await this.run(`DROP TABLE IF EXISTS ${quoteIdent(stage)}`);
    }
  }

  /** Append rows with DuckDB's appender to a table whose columns are exactly `columnNames`. */
  private async append(table: string, columnNames: readonly string[], data: InsertData): Promise<number> {
    const { schema, name } = splitTableName(table);
    const app = await this.conn.createAppender(name, schema ?? null);
    let n = 0;
    try {
      const types = columnNames.map((_, j) => app.columnType(j));
      if ('columns' in data && chunkable(types, data.columns)) {
        n = appendChunks(app, types, data.columns);
        app.flushSync();
        return n;
      }
      for (const row of rowsOf(data, columnNames.length)) {
        for (let j = 0; j < types.length; j++) appendValue(app, types[j]!, row[j], `${table}.${columnNames[j]} row ${n}`);
        app.endRow();
        n++;
      }
      app.flushSync();
    } finally {
      app.closeSync();
      this.wrote();
    }
    return n;
  }

  async createTableAs(name: string, query: string, params?: readonly Param[], options: CreateTableOptions = {}): Promise<void> {
    const head = `CREATE ${options.replace ? 'OR REPLACE ' : ''}${options.temporary ? 'TEMP ' : ''}TABLE ${qualified(name)}`;
    await this.run(`${head} AS ${query}`, params);
  }

  async fileView(name: string, path: string): Promise<void> {
    await this.run(`CREATE TEMP VIEW ${quoteIdent(name)} AS SELECT * FROM read_parquet(${quoteString(path)})`);
  }

  async dropFileView(name: string): Promise<void> {
    await this.run(`DROP VIEW IF EXISTS ${quoteIdent(name)}`);
  }

  async insertSelect(table: string, columns: readonly string[] | undefined, query: string, params?: readonly Param[]): Promise<void> {
    const list = columns ? ` (${columns.map(quoteIdent).join(', ')})` : '';
    await this.run(`INSERT INTO ${qualified(table)}${list} ${query}`, params);
  }

  async tableColumns(table: string): Promise<ColumnInfo[]> {
    const { schema, name } = splitTableName(table);
    // Temporary tables first, as DuckDB resolves names; then the schema asked for (or the current one).
    const rows = await this.all<{ name: string; type: string; db: string }>(
      `SELECT column_name AS name, data_type AS type, database_name AS db FROM duckdb_columns()
       WHERE table_name = $1 AND schema_name = coalesce($2, current_schema())
         AND (database_name = 'temp' OR database_name = current_database())
       ORDER BY database_name = 'temp' DESC, column_index`,
      [name, schema ?? null],
    );
    const db = rows[0]?.db;
    return rows.filter((r) => r.db === db).map((r) => ({ name: r.name, type: r.type, kind: duckdbKind(r.type) }));
  }

  async tableExists(table: string): Promise<boolean> {
    const { schema, name } = splitTableName(table);
    const r = await this.one<{ n: number }>(
      `SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = $1 AND schema_name = coalesce($2, current_schema())
         AND (database_name = 'temp' OR database_name = current_database())`,
      [name, schema ?? null],
    );
    const v = await this.one<{ n: number }>(
      `SELECT count(*) AS n FROM duckdb_views() WHERE view_name = $1 AND schema_name = coalesce($2, current_schema())
         AND (database_name = 'temp' OR database_name = current_database())`,
      [name, schema ?? null],
    );
    return (r?.n ?? 0) + (v?.n ?? 0) > 0;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.tx, (sql) => this.conn.run(sql), fn);
    } finally {
      // after COMMIT (or ROLLBACK): the readers see it now
      this.wrote();
    }
  }

  /** Close at once (DuckDB keeps a file locked while it is open). */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    const close = () => {
      this.conn.closeSync();
      if (this.ownsInstance) this.instance.closeSync();
    };
    if (this.calls.n === 0) return close();
    // a call still runs (a reader's query when a server stops): closing under it deadlocks the driver
    // (duckdb-calls.ts), so it is interrupted and the connection closed as soon as it has settled
    this.calls.idle = close;
    this.conn.interrupt();
  }

  async close(): Promise<void> {
    this.closeSync();
  }
}

/** `schema.table` or `table`, quoted. */
function qualified(table: string): string {
  const { schema, name } = splitTableName(table);
  return schema === undefined ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * Open DuckDB at `path` (a file, or `:memory:`), in UTC, with the memory limit and spill folder given. Errors
 * of the driver (a locked or damaged file) are thrown as they are: the caller says what they mean.
 */
export async function openDuckDb(path: string, options: DuckDbOptions = {}): Promise<DuckDbEngine> {
  const file = path !== ':memory:' && path !== '';
  // a checkpoint a killed process left half-written is undone before DuckDB reads the file
  if (file) restoreInterruptedCheckpoint(path);
  const instance = await DuckDBInstance.create(path, options.readOnly ? { access_mode: 'READ_ONLY' } : {});
  let conn: DuckDBConnection | undefined;
  try {
    conn = await instance.connect();
    // UTC inside: timestamps with an offset are converted to UTC, never to the machine's zone.
    await conn.run("SET TimeZone = 'UTC'");
    if (options.memoryLimitBytes !== undefined) await conn.run(`SET memory_limit = '${Math.floor(options.memoryLimitBytes / 2 ** 20)}MiB'`);
    if (options.tempDir) await conn.run(`SET temp_directory = ${quoteString(options.tempDir)}`);
    // every checkpoint is Segmint's own, crash-safe one (none on shutdown, none by WAL size at a commit)
    if (file && !options.readOnly) for (const sql of CHECKPOINT_SETTINGS) await conn.run(sql);
    return new DuckDbEngine(instance, conn, true, { n: 0 }, file && !options.readOnly ? path : undefined);
  } catch (e) {
    conn?.closeSync();
    instance.closeSync();
    throw e;
  }
}
