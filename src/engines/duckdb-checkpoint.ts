/**
 * Crash-safe checkpoints of the embedded DuckDB file.
 *
 * A DuckDB checkpoint writes table data to free blocks (copy on write), but it rewrites the file's live
 * metadata blocks (each 256 KiB, holding 64 metadata sub-blocks) in place, adding new sub-blocks beside the
 * ones the current header still reads; only then does it write the new header. When the process is killed
 * during one of those 256 KiB writes, the kernel may have copied part of it: the block is torn, its checksum
 * no longer matches, and the header on disk can no longer be read. Seen here: `campaign import` killed while
 * it closed (DuckDB checkpoints on shutdown) left "IO Error: Corrupt database file: computed checksum …
 * does not match stored checksum in block at location 274432", the first metadata block, in 2 of 4 CI runs.
 *
 * So Segmint takes every checkpoint itself, like a database's double-write buffer:
 * 1. automatic checkpoints are off (on shutdown, and by WAL size at commit): see `CHECKPOINT_SETTINGS`;
 * 2. `safeCheckpoint` copies the live metadata blocks (`PRAGMA metadata_info`) and the header's iteration
 *    into `segmint.duckdb.before` (written to a temporary name, synced, renamed), then runs CHECKPOINT, then
 *    deletes the copy;
 * 3. before DuckDB opens a file, `restoreInterruptedCheckpoint` looks for a copy left by a process that is
 *    gone: when the newest header is still the one the copy was taken under (its iteration and a digest of its
 *    bytes, so never another database put in the file's place), the checkpoint never finished and the
 *    blocks are written back (the WAL, which the checkpoint had not yet removed, then replays the commits);
 *    when the header moved on, the checkpoint finished and the copy is stale. Either way the copy is deleted.
 * A kill while the copy itself is written leaves a temporary file (named by the writer's pid, deleted once that
 * process is gone) or a copy that fails its hash: the checkpoint had not begun, so it is deleted.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The settings that leave every checkpoint to `safeCheckpoint` (set on each read-write open of a file). */
export const CHECKPOINT_SETTINGS = ['PRAGMA disable_checkpoint_on_shutdown', "SET wal_autocheckpoint = '1000TB'"];

/** The copy's file name beside the database (it starts with the database's name, so exports never write over it). */
export const beforeImagePath = (dbPath: string) => `${dbPath}.before`;

/** DuckDB's file layout: a main header and two database headers of 4 KiB each, then the blocks. */
export const HEADER_BYTES = 3 * 4096;
const MAGIC = Buffer.from('SEGMINT-BEFORE-1');

/**
 * The newest database header: its iteration, which changes exactly when a checkpoint's header is written, and a
 * digest of its 4 KiB (the blocks it points to, its block count …), which tells this database from another.
 */
export function newestHeader(dbPath: string): { iteration: bigint; digest: string } {
  const fd = openSync(dbPath, 'r');
  try {
    const buf = Buffer.alloc(8192);
    if (readSync(fd, buf, 0, 8192, 4096) < 8192) return { iteration: -1n, digest: '' };
    const a = buf.readBigUInt64LE(8), b = buf.readBigUInt64LE(4096 + 8);
    const newest = a > b ? buf.subarray(0, 4096) : buf.subarray(4096);
    return { iteration: a > b ? a : b, digest: createHash('sha256').update(newest).digest('hex') };
  } finally {
    closeSync(fd);
  }
}

/** This process, as `restoreInterruptedCheckpoint` recognises it later: its pid and (on Linux) its start time. */
function processStamp(pid = process.pid): string | undefined {
  try {
    // field 22 of /proc/PID/stat, after the command name in parentheses
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${pid}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  } catch {
    if (process.platform === 'linux') return undefined;
    try {
      process.kill(pid, 0);
      return `${pid}:`;
    } catch {
      return undefined;
    }
  }
}

/** What the copy holds besides the blocks. */
export interface BeforeImage {
  writer: string;
  /** the newest header's iteration and digest when the copy was taken (`newestHeader`) */
  iteration: string;
  header: string;
  blockSize: number;
  blocks: number[];
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // a directory that cannot be opened for sync (not on Linux): the rename is still atomic
  }
}

/**
 * Write the copy of `blocks` (DuckDB block ids of `blockSize` bytes) as they are in the file now, with the
 * header iteration they belong to; synced and in place (by rename) before this returns.
 */
export function writeBeforeImage(dbPath: string, blockSize: number, blocks: number[]): void {
  const header = newestHeader(dbPath);
  const meta: BeforeImage = { writer: processStamp() ?? `${process.pid}:`, iteration: header.iteration.toString(), header: header.digest, blockSize, blocks };
  const head = Buffer.from(JSON.stringify(meta));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  // named by this process, so that another process opening the database never takes it for a dead one's
  const tmp = `${beforeImagePath(dbPath)}.${process.pid}.tmp`;
  const db = openSync(dbPath, 'r');
  const out = openSync(tmp, 'w');
  try {
    const hash = createHash('sha256');
    const put = (b: Buffer) => { writeSync(out, b); hash.update(b); };
    put(MAGIC);
    put(len);
    put(head);
    const block = Buffer.alloc(blockSize);
    for (const id of blocks) {
      const n = readSync(db, block, 0, blockSize, HEADER_BYTES + id * blockSize);
      if (n !== blockSize) throw new Error(`metadata block ${id} of ${dbPath}: read ${n} of ${blockSize} bytes`);
      put(block);
    }
    writeSync(out, hash.digest());
    fsyncSync(out);
  } finally {
    closeSync(out);
    closeSync(db);
  }
  renameSync(tmp, beforeImagePath(dbPath));
  syncDir(dirname(dbPath));
}

/** The copy, or undefined when it is incomplete (its writer was killed before the checkpoint began). */
export function readBeforeImage(path: string): { meta: BeforeImage; data: Buffer; at: number } | undefined {
  const data = readFileSync(path);
  if (data.length < MAGIC.length + 4 + 32 || !data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const body = data.subarray(0, data.length - 32);
  if (!createHash('sha256').update(body).digest().equals(data.subarray(data.length - 32))) return undefined;
  const headLen = data.readUInt32LE(MAGIC.length);
  const at = MAGIC.length + 4 + headLen;
  const meta = JSON.parse(data.subarray(MAGIC.length + 4, at).toString('utf8')) as BeforeImage;
  if (body.length !== at + meta.blocks.length * meta.blockSize) return undefined;
  return { meta, data, at };
}

/** What `restoreInterruptedCheckpoint` found. */
export type RestoreOutcome = 'none' | 'restored' | 'stale' | 'incomplete' | 'in-use';

/**
 * Before DuckDB opens `dbPath`: undo a checkpoint that a killed process left half-written (see the file
 * comment). A copy whose writer is still running is left alone (that process holds the file; DuckDB's own
 * lock then answers the open).
 */
export function restoreInterruptedCheckpoint(dbPath: string): RestoreOutcome {
  const path = beforeImagePath(dbPath);
  // a copy its writer did not finish (killed before its checkpoint began): deleted once that process is gone
  const prefix = `${basename(path)}.`;
  for (const f of existsSync(dirname(path)) ? readdirSync(dirname(path)) : []) {
    const pid = f.startsWith(prefix) && f.endsWith('.tmp') ? Number(f.slice(prefix.length, -4)) : NaN;
    if (Number.isInteger(pid) && pid !== process.pid && processStamp(pid) === undefined) unlinkSync(join(dirname(path), f));
  }
  if (!existsSync(path)) return 'none';
  const image = readBeforeImage(path);
  if (!image) {
    unlinkSync(path);
    return 'incomplete';
  }
  const { meta, data, at } = image;
  const [pid] = meta.writer.split(':');
  if (Number(pid) !== process.pid && processStamp(Number(pid)) === meta.writer) return 'in-use';
  let outcome: RestoreOutcome = 'stale';
  // the same database (a copy of the folder too) with the header the copy was taken under: the checkpoint
  // never wrote its own
  const now = existsSync(dbPath) ? newestHeader(dbPath) : undefined;
  if (now && now.iteration.toString() === meta.iteration && now.digest === meta.header) {
    const fd = openSync(dbPath, 'r+');
    try {
      meta.blocks.forEach((id, k) => {
        const block = data.subarray(at + k * meta.blockSize, at + (k + 1) * meta.blockSize);
        writeSync(fd, block, 0, block.length, HEADER_BYTES + id * meta.blockSize);
      });
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    outcome = 'restored';
  }
  unlinkSync(path);
  syncDir(dirname(dbPath));
  return outcome;
}

/** The size of the WAL beside `dbPath` (0 when there is none). */
export function walBytes(dbPath: string): number {
  return statSync(`${dbPath}.wal`, { throwIfNoEntry: false })?.size ?? 0;
}
