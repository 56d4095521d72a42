/**
 * Output files: write per-customer rows to CSV, Parquet or JSON (chosen by the file's extension), check an
 * output path before any work is done, and write every output through a temporary file in the same folder
 * that is renamed over the target at the end, so a failed or killed write never leaves a half-written file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { SegmintError } from '../core/errors.ts';
import { EXPORT_FORMATS, exportQuery, type ExportOptions } from '../engines/export-file.ts';
import { compile } from '../sql/compile.ts';
import { col, eq, num, select, table, type Query } from '../sql/ir.ts';
import { writeFileAtomic as replaceFile } from '../store/atomic-write.ts';
import { workspaceTimezone } from '../store/timezone.ts';
import { CONFIG_FILE, DATABASE_FILE, type Db, type Param, type Workspace } from '../store/workspace.ts';

/** The extensions `copyToFile` writes. */
export const TABLE_EXTENSIONS: readonly string[] = Object.keys(EXPORT_FORMATS);

/** True for a workspace's own file names: segmint.yaml and segmint.duckdb with DuckDB's side files (segmint.duckdb.wal, …). */
export function isWorkspaceFileName(name: string): boolean {
  const n = name.toLowerCase();
  return n === CONFIG_FILE || n.startsWith(DATABASE_FILE);
}

export interface OutFileOptions {
  /** replace an existing file (`--force`) */
  force?: boolean;
  /** the command's workspace folder: its own files are refused (so are those of any folder holding a workspace) */
  workspaceDir?: string;
  /** only these extensions (e.g. TABLE_EXTENSIONS); default any */
  extensions?: readonly string[];
  /** a missing parent folder is accepted (the caller creates it) instead of refused */
  createParent?: boolean;
  /** the option in messages (default `--out`) */
  option?: string;
}

const lstat = (p: string): Stats | undefined => lstatSync(p, { throwIfNoEntry: false });

function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** True when `dir` is the workspace folder or holds a workspace. */
function isWorkspaceDir(dir: string, workspaceReal: string | undefined): boolean {
  return dir === workspaceReal || existsSync(join(dir, CONFIG_FILE)) || existsSync(join(dir, DATABASE_FILE));
}

/** The real paths an output path can reach: its name in its real folder and, for a symbolic link, the link's target. */
function reachedPaths(path: string, realParent: string): string[] {
  const out = [join(realParent, basename(path))];
  if (lstat(path)?.isSymbolicLink()) {
    try {
      out.push(realpathSync(path));
    } catch {
      // a dangling link: where it points
      out.push(resolve(realParent, readlinkSync(path)));
    }
  }
  return out;
}

function refuseWorkspaceFile(option: string, file: string, reached: string[], workspaceReal: string | undefined): void {
  for (const p of reached) {
    if (isWorkspaceFileName(basename(p)) && isWorkspaceDir(dirname(p), workspaceReal)) {
      throw new SegmintError('out-is-workspace-file', `${option} ${file} is the workspace file ${p}`, {
        hint: 'the workspace\'s own files are never overwritten: choose another name', details: { option, file, path: p },
      });
    }
  }
}

/** The real folder of `path`, or a coded error (exit 2) when it is missing or not a folder. */
function realFolder(option: string, file: string, path: string): string {
  const parent = dirname(path);
  const st = statSync(parent, { throwIfNoEntry: false });
  if (!st?.isDirectory()) {
    throw new SegmintError('out-folder-missing', `${option} ${file}: the folder ${parent} ${st ? 'is not a folder' : 'does not exist'}`, {
      hint: 'create the folder first, or choose another path', details: { option, file, folder: parent },
    });
  }
  return realpathSync(parent);
}

/**
 * Check an output path before any work is done; returns its absolute path. Refuses, with exit code 2:
 * a workspace's own files (`out-is-workspace-file`, also through `..` or a symbolic link: real paths are
 * compared), an unknown extension (`invalid-option`), a missing folder (`out-folder-missing`), a folder
 * (`out-is-folder`) and an existing file without `force` (`out-exists`).
 */
export function checkOutFile(file: string, o: OutFileOptions = {}): string {
  const option = o.option ?? '--out';
  const path = resolve(file);
  const ext = extname(path).toLowerCase();
  if (o.extensions && !o.extensions.includes(ext)) {
    throw new SegmintError('invalid-option', `${option} ${file}: unknown extension "${ext || '(none)'}"`, { hint: `use ${o.extensions.join(', ').replace(/, ([^,]*)$/, ' or $1')}` });
  }
  if (o.createParent && !existsSync(dirname(path))) return path;
  const reached = reachedPaths(path, realFolder(option, file, path));
  refuseWorkspaceFile(option, file, reached, o.workspaceDir === undefined ? undefined : realOrResolved(o.workspaceDir));
  const st = lstat(path);
  if (st && statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new SegmintError('out-is-folder', `${option} ${file} is a folder`, { hint: 'name a file in it, e.g. ' + join(file, 'out' + (ext || '.csv')) });
  }
  if (st && !o.force) {
    throw new SegmintError('out-exists', `${option} ${file} already exists${path === file ? '' : ` (${path})`}`, { hint: 'pass --force to replace it, or choose another name', details: { option, file: path } });
  }
  return path;
}

/**
 * Check an output folder before any work is done (`segmint generate --out DIR`); returns its absolute path.
 * Refuses a folder that holds a workspace, or is the non-empty `workspaceDir` (`out-is-workspace`), and, without
 * `force`, one that already holds any of `names` (`out-exists`). A missing folder is fine (the caller creates it).
 */
export function checkOutFolder(dir: string, names: readonly string[], o: Omit<OutFileOptions, 'extensions' | 'createParent'> = {}): string {
  const option = o.option ?? '--out';
  const path = resolve(dir);
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return path;
  if (!st.isDirectory()) throw new SegmintError('invalid-option', `${option} ${dir} is a file, but a folder is expected`, { hint: 'name a new or existing folder' });
  const real = realpathSync(path);
  const entries = readdirSync(real);
  const wsReal = o.workspaceDir === undefined ? undefined : realOrResolved(o.workspaceDir);
  if (entries.some(isWorkspaceFileName) || (real === wsReal && entries.length > 0)) {
    throw new SegmintError('out-is-workspace', `${option} ${dir} is a workspace folder (${real})`, { hint: 'write generated data to a folder of its own, e.g. --out gen/', details: { option, folder: real } });
  }
  const existing = names.filter((n) => entries.includes(n));
  if (existing.length && !o.force) {
    throw new SegmintError('out-exists', `${option} ${dir} already holds ${existing.join(', ')}`, { hint: 'pass --force to replace them, or choose another folder', details: { option, folder: real, files: existing } });
  }
  return path;
}

/** A new temporary path next to `path` (same folder, so the final rename is atomic). */
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** Rename the finished temporary file over `path`; on failure remove it. */
function commit(tmp: string, path: string): void {
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Write `text` to `path` through a temporary file in the same folder, flushed and renamed over `path` when
 * complete (store/atomic-write.ts): readers see the old file or the new one, never a part. Refuses a
 * workspace's own files and a missing folder.
 */
export function writeFileAtomic(path: string, text: string): void {
  const target = resolve(path);
  refuseWorkspaceFile('--out', path, reachedPaths(target, realFolder('--out', path, target)), undefined);
  replaceFile(target, text);
}

/**
 * Write the rows of `select` (SQL compiled for `db.dialect`, with its `params`) to `file`; the extension picks
 * the format. The engine layer writes them (engines/export-file.ts: DuckDB's COPY, or the rows of PostgreSQL
 * and ClickHouse through a scratch DuckDB) to a temporary file that replaces `file` when complete. Returns the
 * absolute path and the number of rows written. Refuses an unknown extension, a missing folder and a
 * workspace's own files (checkOutFile checks an existing file and --force before the work). With `timezone`,
 * every timestamp column is written as ISO 8601 text with its offset in that zone (`2017-06-01T13:53:00-04:00`);
 * `kinds` names boolean columns ClickHouse gives as 0/1.
 */
export async function copyToFile(db: Db, select: string, file: string, params?: readonly Param[], options: ExportOptions = {}): Promise<{ file: string; rows: number }> {
  const ext = extname(file).toLowerCase();
  const format = EXPORT_FORMATS[ext];
  if (!format) {
    throw new SegmintError('invalid-option', `--out ${file}: unknown extension "${ext || '(none)'}"`, { hint: 'use .csv, .parquet, .json or .ndjson' });
  }
  const path = resolve(file);
  refuseWorkspaceFile('--out', file, reachedPaths(path, realFolder('--out', file, path)), undefined);
  const tmp = tempPath(path);
  let rows: number;
  try {
    rows = await exportQuery(db, select, params, tmp, format, options);
  } catch (e) {
    rmSync(tmp, { force: true, recursive: true });
    throw e;
  }
  commit(tmp, path);
  return { file: path, rows };
}

/** Write the rows of the IR query `q`, compiled for the workspace's engine, to `file` (see `copyToFile`). */
export async function exportRows(db: Db, q: Query, file: string, options: ExportOptions = {}): Promise<{ file: string; rows: number }> {
  const c = compile(q, db.dialect);
  return copyToFile(db, c.sql, file, c.params, options);
}

/**
 * Write the per-customer rows of a value (RFM/LRFMP) run; first and last purchase as ISO 8601 with the
 * offset in `timezone` (default: the workspace's zone, store/timezone.ts).
 */
export async function exportRunScores(ws: Workspace, runId: number, file: string, scoreColumns: string[], timezone?: string): Promise<{ file: string; rows: number }> {
  const cols = ['customer_id', 'recency_days', 'frequency', 'monetary', 'mean_order_value', 'tenure_days', 'periodicity_days', 'return_rate',
    'distinct_products', 'basket_size', 'first_purchase', 'last_purchase', ...scoreColumns, 'score_code', 'segment'];
  const q = select({ select: cols.map((c) => ({ expr: col(c), as: c })), from: table('run_scores'), where: eq(col('run_id'), num(runId)), orderBy: [col('customer_id')] });
  return exportRows(ws.db, q, file, { timezone: timezone ?? await workspaceTimezone(ws.db, ws.config) });
}
