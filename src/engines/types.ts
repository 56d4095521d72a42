/**
 * The connection layer's contract: one `Engine` per open database, whatever the engine. It runs SQL text with
 * its parameters — the output of `compile(ir, engine.dialect)` from src/sql — and reads rows, columns or
 * numeric columns back with the same JavaScript types on every engine (docs/engines.md, "The connection
 * layer"). The files beside this one are the only ones that import a database driver.
 */
import { SegmintError } from '../core/errors.ts';
import type { DialectName } from '../sql/index.ts';

/** A value that can be bound as a query parameter (compiled parameters are a subset). */
export type Param = string | number | boolean | null | bigint | Date;

/**
 * A row as read back, on every engine: whole numbers (BIGINT, Int64, UInt64 …) as numbers when they are safe
 * integers and as decimal text otherwise; DECIMAL/NUMERIC as the nearest double; timestamps and dates as
 * `Date`s in UTC; booleans as booleans (ClickHouse's UInt8 stays a number); NULL as null.
 */
export type Row = Record<string, unknown>;

/** A value for bulk insert: a `Param`, and `undefined` for NULL. */
export type CellValue = Param | undefined;

/**
 * Data for `insertRows`: rows (each in the order of the column names), or one array per column (numeric
 * columns may be typed arrays).
 */
export type InsertData = readonly (readonly CellValue[])[] | { readonly columns: readonly ArrayLike<CellValue>[] };

/** A type reduced to what Segmint's code needs to know of it, the same on every engine. */
export type ColumnKind = 'text' | 'integer' | 'double' | 'decimal' | 'boolean' | 'timestamp' | 'date' | 'other';

/** One column of a table, as introspected: its name, the engine's own type name, and the type's kind. */
export interface ColumnInfo {
  name: string;
  /** the type as the engine spells it (`VARCHAR`, `character varying`, `Nullable(String)` …) */
  type: string;
  kind: ColumnKind;
}

/** Options of `createTableAs`. */
export interface CreateTableOptions {
  /**
   * A table that lives for this connection only (DuckDB, PostgreSQL). ClickHouse over HTTP has no session
   * here, so there it is an ordinary table with the `Memory` engine, which the caller drops.
   */
  temporary?: boolean;
  /** replace a table of the same name (DuckDB `CREATE OR REPLACE`; elsewhere DROP IF EXISTS first) */
  replace?: boolean;
  /** ClickHouse: the MergeTree sorting key (default none: `ORDER BY tuple()`); ignored elsewhere */
  orderBy?: readonly string[];
}

/** The database as the rest of Segmint sees it. */
export interface Engine {
  /** the SQL dialect to compile for */
  readonly dialect: DialectName;
  /**
   * Whether `transaction` is atomic. ClickHouse has no transactions: there a run must become visible by
   * one final write (write everything under a run id nothing reads yet, then the one row that publishes it).
   */
  readonly transactional: boolean;

  /** Run a statement, ignoring any result. */
  run(sql: string, params?: readonly Param[]): Promise<void>;
  /** Run a query and read every row (see `Row` for the types). */
  all<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T[]>;
  /** The first row, or undefined. */
  one<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  /**
   * `one`, stopped on the engine when it runs past `ms`: the query itself is cancelled (DuckDB interrupts its
   * connection, PostgreSQL `pg_cancel_backend`, ClickHouse `max_execution_time`), so it stops using the
   * machine, and the call rejects with `query-timeout` (see `queryTimeout`).
   */
  oneWithin<T extends Row = Row>(sql: string, params: readonly Param[] | undefined, ms: number): Promise<T | undefined>;
  /** Column-wise read: each column as an array of the values `all` would give, in the query's column order. */
  columns(sql: string, params?: readonly Param[]): Promise<Record<string, unknown[]>>;
  /**
   * The named columns as Float64Array (feature matrices): numbers as they are, whole numbers given as text
   * parsed, booleans as 0/1, NULL as NaN. A name the query does not return is an error (`unknown-column`).
   * `expectedRows`, when the caller knows it, lets an engine write the rows straight into arrays of that
   * length (DuckDB: not chunk by chunk and then joined); a wrong guess costs time, not correctness. `shared`:
   * the arrays on SharedArrayBuffers, which a worker thread is sent without a copy (DuckDB; other engines may
   * give ordinary arrays).
   */
  numericColumns(sql: string, params: readonly Param[] | undefined, names: readonly string[], expectedRows?: number, shared?: boolean): Promise<Record<string, Float64Array>>;
  /**
   * Runs `fn` in one transaction: all of it is committed, or none of it (a nested call joins the outer
   * one). On ClickHouse (`transactional` false) `fn` simply runs.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Embedded DuckDB only: write the committed changes into the database file with a crash-safe checkpoint
   * (engines/duckdb-checkpoint.ts); the servers checkpoint themselves.
   */
  checkpoint?(): Promise<void>;
  /**
   * Embedded DuckDB only: `write` (a run's rows, a million at a time) with the compression a bulk write of
   * per-run rows can afford (engines/duckdb.ts); the other engines choose their own. `uniqueText`: the run's
   * text columns are unique ids or mostly NULL, so dictionary compression is not tried either.
   */
  runRowsWrite?<T>(write: () => Promise<T>, options?: { uniqueText?: boolean }): Promise<T>;
  /**
   * Embedded DuckDB only: the temporary view `name` over the rows of the Parquet file at `path` (a cache kept in the
   * workspace folder, pipeline/clv-purchase-cache.ts); `dropFileView` drops it.
   */
  fileView?(name: string, path: string): Promise<void>;
  dropFileView?(name: string): Promise<void>;

  /**
   * Bulk insert into an existing table: DuckDB's appender, PostgreSQL `COPY … FROM STDIN`, ClickHouse an
   * INSERT in JSONEachRow. Values are converted to each column's type; a non-finite number is stored as
   * NULL (as `appendDoubles` does). Returns the number of rows inserted.
   */
  insertRows(table: string, columnNames: readonly string[], data: InsertData): Promise<number>;
  /** Append rows of doubles to an existing table, one array per column in table order (model output); non-finite values as NULL. */
  appendDoubles(table: string, columns: readonly ArrayLike<number>[]): Promise<void>;
  /** `CREATE TABLE name AS query` (see `CreateTableOptions`). */
  createTableAs(name: string, query: string, params?: readonly Param[], options?: CreateTableOptions): Promise<void>;
  /** `INSERT INTO table (columns) query`; all columns in table order when `columns` is omitted. */
  insertSelect(table: string, columns: readonly string[] | undefined, query: string, params?: readonly Param[]): Promise<void>;

  /** The columns of a table or view in table order (`schema.table` or a name on the search path); [] when it does not exist. */
  tableColumns(table: string): Promise<ColumnInfo[]>;
  /** Whether a table or view of this name exists. */
  tableExists(table: string): Promise<boolean>;

  /** Close the connection; the engine is unusable after. */
  close(): Promise<void>;

  /**
   * Another connection to the same database (DuckDB), for reads beside a writer: it sees committed data only.
   * Absent where the engine's driver pools connections itself (PostgreSQL, ClickHouse).
   */
  connect?(): Promise<Engine>;

  /**
   * A number that changes after every call on this engine has finished (DuckDB: the connection that owns the
   * database, not those of `connect()`). DuckDB locks its file, so every commit to it is made by this process,
   * through this engine: a cache of what the `connect()` readers read is current while the number is unchanged.
   * Absent where other processes may write (PostgreSQL, ClickHouse): ask the database instead.
   */
  writeCount?(): number;
}

/** Split `schema.table` into its parts; a name without a dot has no schema. Quoted parts are not supported. */
export function splitTableName(table: string): { schema: string | undefined; name: string } {
  const dot = table.indexOf('.');
  return dot < 0 ? { schema: undefined, name: table } : { schema: table.slice(0, dot), name: table.slice(dot + 1) };
}

/** Integers the engine returned as bigint or as text: a number when safe, decimal text otherwise. */
export function safeInteger(v: bigint | string): number | string {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  return b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(b) : b.toString();
}

/** A value read back as a number for `numericColumns` (NULL → NaN). */
export function toDouble(v: unknown): number {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return v.trim() === '' ? NaN : Number(v);
  if (v instanceof Date) return v.getTime();
  return NaN;
}

/** Rows from `InsertData`, whichever shape it came in, checked against the number of columns. */
export function* rowsOf(data: InsertData, width: number): Generator<readonly CellValue[]> {
  if ('columns' in data) {
    const cols = data.columns;
    if (cols.length !== width) throw new Error(`insertRows: ${cols.length} column arrays for ${width} column names`);
    const n = cols[0]?.length ?? 0;
    for (const c of cols) if (c.length !== n) throw new Error(`insertRows: column arrays of different lengths (${n} and ${c.length})`);
    const row: CellValue[] = new Array<CellValue>(width);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < width; j++) row[j] = cols[j]![i];
      yield row;
    }
    return;
  }
  let i = 0;
  for (const r of data as readonly (readonly CellValue[])[]) {
    if (r.length !== width) throw new Error(`insertRows: row ${i} has ${r.length} values for ${width} column names`);
    i++;
    yield r;
  }
}

/** The number of rows in `InsertData`. */
export function rowCountOf(data: InsertData): number {
  return 'columns' in data ? (data.columns[0]?.length ?? 0) : (data as readonly unknown[]).length;
}

/** `YYYY-MM-DD HH:MM:SS[.mmm]` in UTC (the text form every engine reads as a timestamp). */
export function utcText(d: Date, millis = true): string {
  const iso = d.toISOString();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return millis && d.getUTCMilliseconds() !== 0 ? `${base}${iso.slice(19, 23)}` : base;
}

/** A number as text that reads back as the same double (keeps -0, which `String` drops). */
export function numberText(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

/** The named columns of a column-wise read as Float64Array (see `Engine.numericColumns`). */
export function pickNumeric(cols: Record<string, readonly unknown[]>, names: readonly string[]): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const name of names) {
    const c = cols[name];
    if (!c) throw unknownColumn(name, Object.keys(cols));
    const a = new Float64Array(c.length);
    for (let i = 0; i < c.length; i++) a[i] = toDouble(c[i]);
    out[name] = a;
  }
  return out;
}

/** The error for a column `numericColumns` was asked for and the query does not return. */
export function unknownColumn(name: string, have: readonly string[]): Error {
  return new Error(`numericColumns: the query returns no column ${JSON.stringify(name)} (it returns ${have.map((h) => JSON.stringify(h)).join(', ') || 'nothing'})`);
}

/**
 * `fn` in one transaction on an engine that has them: `exec` runs BEGIN, COMMIT or ROLLBACK on the engine's
 * one connection; a call made while `state` is already in a transaction joins it.
 */
export async function inTransaction<T>(state: { open: boolean }, exec: (sql: string) => Promise<unknown>, fn: () => Promise<T>): Promise<T> {
  if (state.open) return fn();
  await exec('BEGIN TRANSACTION');
  state.open = true;
  try {
    const result = await fn();
    await exec('COMMIT');
    return result;
  } catch (e) {
    await exec('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    state.open = false;
  }
}

/** The error `oneWithin` rejects with when its query ran past its time and was cancelled. */
export function queryTimeout(ms: number, cause?: unknown): SegmintError {
  return new SegmintError('query-timeout', `the query ran longer than ${ms / 1000} s and was stopped`, { hint: 'narrow the query, or run it as a job', cause });
}
