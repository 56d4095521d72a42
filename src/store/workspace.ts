/**
 * The workspace: a folder with `segmint.yaml` and one embedded DuckDB file. This is the only file that
 * imports @duckdb/node-api; everything else talks to the database through the small `Db` interface.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { DOUBLE, DuckDBInstance, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { SegmintError } from '../core/errors.ts';
import { DEFAULT_MEMORY_LIMIT, defaultConfig, parseConfig, parseMemoryLimit, serialiseConfig, type WorkspaceConfig } from './config.ts';
import { hasUnfinishedWrites, recoverUnfinishedWrites, type RecoveredWrite } from './journal.ts';
import { migrate } from './migrations.ts';
import { writeFileAtomic } from './atomic-write.ts';

export const CONFIG_FILE = 'segmint.yaml';
export const DATABASE_FILE = 'segmint.duckdb';

/** A value that can be bound as a query parameter. */
export type Param = string | number | boolean | null | bigint | Date;
/** A row read from the database with BIGINTs turned into numbers (when safe) and timestamps into Dates. */
export type Row = Record<string, unknown>;

/** The database as the rest of Segmint sees it. */
export interface Db {
  run(sql: string, params?: readonly Param[]): Promise<void>;
  all<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T[]>;
  one<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  /** Column-wise read: each column as an array (numbers as Float64Array when `numeric` names them). */
  columns(sql: string, params?: readonly Param[]): Promise<Record<string, unknown[]>>;
  /** Runs `fn` in one transaction: all of it is committed, or none of it. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Append rows of doubles to an existing table, one array per column in table order (model output). */
  appendDoubles(table: string, columns: readonly ArrayLike<number>[]): Promise<void>;
}

function toJs(v: unknown): unknown {
  if (typeof v === 'bigint') {
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  return v;
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

class DuckDb implements Db {
  private inTransaction = false;
  constructor(private readonly conn: DuckDBConnection) {}

  async run(sql: string, params?: readonly Param[]): Promise<void> {
    await this.conn.run(sql, ...bind(params));
  }

  async all<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(sql, ...bind(params));
    return reader.getRowObjectsJS().map((r) => convertRow(r as Record<string, unknown>) as T);
  }

  async one<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  async columns(sql: string, params?: readonly Param[]): Promise<Record<string, unknown[]>> {
    const reader = await this.conn.runAndReadAll(sql, ...bind(params));
    const cols = reader.getColumnsObjectJS() as Record<string, unknown[]>;
    const out: Record<string, unknown[]> = {};
    for (const [k, v] of Object.entries(cols)) out[k] = v.map(toJs);
    return out;
  }

  async appendDoubles(table: string, columns: readonly ArrayLike<number>[]): Promise<void> {
    const app = await this.conn.createAppender(table);
    try {
      const n = columns[0]?.length ?? 0;
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
    }
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn();
    await this.conn.run('BEGIN TRANSACTION');
    this.inTransaction = true;
    try {
      const result = await fn();
      await this.conn.run('COMMIT');
      return result;
    } catch (e) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      this.inTransaction = false;
    }
  }
}

/** Where DuckDB spills what does not fit in its memory limit, inside the workspace folder. */
export const TEMP_DIR = '.segmint-tmp';

/**
 * DuckDB's memory limit in bytes: SEGMINT_MEMORY_LIMIT, else `configured` (segmint.yaml memoryLimit), else the
 * smaller of 1 GB and a quarter of the machine's memory (docs/data-model.md, "Memory").
 */
export function memoryLimitBytes(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = env.SEGMINT_MEMORY_LIMIT?.trim();
  if (fromEnv) return parseMemoryLimit(fromEnv, 'SEGMINT_MEMORY_LIMIT', totalmem());
  return configured ? parseMemoryLimit(configured, 'memoryLimit', totalmem()) : DEFAULT_MEMORY_LIMIT(totalmem());
}

/** Bound DuckDB's memory to `bytes` and let it spill to `tempDir` (in-memory databases: DuckDB's default). */
async function limitMemory(conn: DuckDBConnection, bytes: number, tempDir?: string): Promise<void> {
  await conn.run(`SET memory_limit = '${Math.floor(bytes / 2 ** 20)}MiB'`);
  if (tempDir) await conn.run(`SET temp_directory = '${tempDir.replaceAll("'", "''")}'`);
}

/** Options for opening a workspace. */
export interface OpenOptions {
  /** create the folder, config and database when missing (default false) */
  create?: boolean;
  /** open the database read-only */
  readOnly?: boolean;
}

/** An open workspace. Call `close()` when done: DuckDB keeps the file locked while it is open. */
export class Workspace {
  /** writes that a killed process left unfinished, undone when this workspace was opened (store/journal.ts) */
  recovered: RecoveredWrite[] = [];
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly config: WorkspaceConfig,
    readonly db: Db,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /** Open the workspace in `dir` (see `OpenOptions`). `recovering` is internal: a read-only open reopened after recovery, which does not reopen again. */
  static async open(dir: string, options: OpenOptions = {}, recovering = false): Promise<Workspace> {
    const root = resolve(dir);
    const configPath = join(root, CONFIG_FILE);
    const dbPath = join(root, DATABASE_FILE);
    if (!existsSync(configPath)) {
      if (!options.create) {
        throw new SegmintError('workspace-not-found', `no workspace at ${root}: ${CONFIG_FILE} is missing`, {
          hint: `create one with \`segmint init ${dir}\`, or pass --workspace DIR (or set SEGMINT_WORKSPACE)`,
        });
      }
      mkdirSync(root, { recursive: true });
      writeFileSync(configPath, serialiseConfig(defaultConfig()));
    }
    const config = parseConfig(readFileSync(configPath, 'utf8'), configPath);
    const memoryLimit = memoryLimitBytes(config.memoryLimit);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(dbPath, options.readOnly ? { access_mode: 'READ_ONLY' } : {});
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (/lock/i.test(msg)) {
        throw new SegmintError('workspace-locked', `the workspace database ${dbPath} is in use by another process`, {
          hint: 'wait for the other segmint command to finish, then try again',
          exitCode: 1,
          cause: e,
        });
      }
      throw new SegmintError('workspace-unreadable', `cannot open ${dbPath}: ${msg}`, {
        hint: 'check that the file is a Segmint workspace database and not damaged',
        exitCode: 1,
        cause: e,
      });
    }
    const conn = await instance.connect();
    // UTC inside: timestamps with an offset are converted to UTC, never to the machine's zone.
    await conn.run("SET TimeZone = 'UTC'");
    await limitMemory(conn, memoryLimit, join(root, TEMP_DIR));
    const db = new DuckDb(conn);
    const ws = new Workspace(root, config, db, instance, conn);
    try {
      await migrate(db, { readOnly: options.readOnly ?? false });
      if (options.readOnly) {
        // A write left unfinished by a killed process can only be undone with write access: reopen once.
        if (!recovering && (await hasUnfinishedWrites(db))) {
          ws.close();
          (await Workspace.open(dir, { ...options, readOnly: false })).close();
          return Workspace.open(dir, options, true);
        }
      } else {
        ws.recovered = await recoverUnfinishedWrites(db);
      }
    } catch (e) {
      ws.close();
      throw e;
    }
    return ws;
  }

  /** Write the (changed) configuration back to segmint.yaml, atomically (a temporary file in the folder, fsync, rename): a crash leaves the old file or the new one. */
  saveConfig(config: WorkspaceConfig): void {
    writeFileAtomic(join(this.dir, CONFIG_FILE), serialiseConfig(config));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/** Open an in-memory database (for tests and for one-off reads of files). */
export async function openMemoryDb(): Promise<{ db: Db; close: () => void }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  await limitMemory(conn, memoryLimitBytes(undefined));
  return {
    db: new DuckDb(conn),
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
