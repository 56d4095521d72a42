/**
 * The workspace: a folder with `segmint.yaml` and one embedded DuckDB file. The database is reached through
 * the engines layer (src/engines/), which alone imports a driver; everything here talks to it as a `Db`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { SegmintError } from '../core/errors.ts';
import type { DuckDbEngine } from '../engines/duckdb.ts';
import type { Engine } from '../engines/types.ts';
import { DEFAULT_MEMORY_LIMIT, defaultConfig, parseConfig, parseMemoryLimit, serialiseConfig, type WorkspaceConfig } from './config.ts';
import { hasUnfinishedWrites, recoverUnfinishedWrites, type RecoveredWrite } from './journal.ts';
import { migrate } from './migrations.ts';
import { openConfiguredEngine } from './engine-setting.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { walBytes } from '../engines/duckdb-checkpoint.ts';

export type { Param, Row } from '../engines/types.ts';

export const CONFIG_FILE = 'segmint.yaml';
export const DATABASE_FILE = 'segmint.duckdb';

/** The database as the rest of Segmint sees it: an engine of src/engines/ (docs/engines.md). */
export type Db = Engine;

/** A read-write open checkpoints when the WAL has grown past this (DuckDB's own automatic threshold is 16 MiB). */
const WAL_CHECKPOINT_BYTES = 4 * 2 ** 20;

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
    /** the embedded DuckDB engine, or undefined for a PostgreSQL or ClickHouse workspace */
    private readonly engine: DuckDbEngine | undefined,
    private readonly closeEngine?: () => Promise<void>,
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
    if (config.engine) return Workspace.openServer(root, config, options);
    const memoryLimit = memoryLimitBytes(config.memoryLimit);
    let engine: DuckDbEngine;
    try {
      engine = await (await loadDuckDb()).openDuckDb(dbPath, { readOnly: options.readOnly ?? false, memoryLimitBytes: memoryLimit, tempDir: join(root, TEMP_DIR) });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      // DuckDB's own words for a file another process holds ("Could not set lock on file …: Conflicting lock is
      // held in …"); not any message with "lock" in it (a damaged file's "block …" is not a lock)
      if (/could not set lock|conflicting lock/i.test(msg)) {
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
    const db: Db = engine;
    const ws = new Workspace(root, config, db, engine);
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
        // writes outside a journalled one (migrations, labels, notes) wait in the WAL for the next checkpoint
        if (ws.recovered.length > 0 || walBytes(dbPath) > WAL_CHECKPOINT_BYTES) await engine.checkpoint();
      }
    } catch (e) {
      ws.close();
      throw e;
    }
    return ws;
  }

  /** A workspace whose tables live in PostgreSQL or ClickHouse (segmint.yaml `engine:`). */
  private static async openServer(root: string, config: WorkspaceConfig, options: OpenOptions): Promise<Workspace> {
    const opened = await openConfiguredEngine(config.engine!, { create: options.create ?? false });
    const ws = new Workspace(root, config, opened.db, undefined, opened.close);
    try {
      await migrate(opened.db, { readOnly: false });
      ws.recovered = await recoverUnfinishedWrites(opened.db);
    } catch (e) {
      await ws.closeAsync();
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
    if (this.engine) this.engine.closeSync();
    else void this.closeEngine?.();
  }

  /** Close, and for a PostgreSQL or ClickHouse workspace wait until its connections are closed. */
  async closeAsync(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.engine) this.engine.closeSync();
    else await this.closeEngine?.();
  }
}

/** The DuckDB engine, loaded when a database is first opened (so `segmint --help` never loads the driver). */
const loadDuckDb = () => import('../engines/duckdb.ts');

/** Open an in-memory database (for tests and for one-off reads of files). */
export async function openMemoryDb(): Promise<{ db: Db; close: () => void }> {
  const engine = await (await loadDuckDb()).openDuckDb(':memory:', { memoryLimitBytes: memoryLimitBytes(undefined) });
  return { db: engine, close: () => engine.closeSync() };
}
