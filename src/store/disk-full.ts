/**
 * A full disk, told as such. DuckDB reports it as an IO error ("No space left on device") from the
 * statement that could not write, and every later statement of that transaction then fails with "Current
 * transaction is aborted"; both become the SegmintError `disk-full` (exit 1) when the disk is indeed full.
 */
import { statfsSync } from 'node:fs';
import { SegmintError, isSegmintError } from '../core/errors.ts';

/** Free bytes below which an aborted transaction is put down to a full disk. */
const NEARLY_FULL = 64 * 1024 * 1024;

function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}

/** `e` as a `disk-full` SegmintError when it says the disk (holding `dir`) is full; otherwise `e` itself. */
export function asDiskFull(e: unknown, dir: string): unknown {
  if (isSegmintError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const noSpace = /No space left on device|ENOSPC|disk is full/i.test(message);
  const aborted = /Current transaction is aborted/i.test(message);
  if (!noSpace && !aborted) return e;
  const free = freeBytes(dir);
  if (!noSpace && (free === undefined || free >= NEARLY_FULL)) return e;
  return new SegmintError('disk-full', `the disk holding ${dir} is full${free !== undefined ? ` (${Math.round(free / 1024 / 1024)} MiB free)` : ''}: nothing was written, the workspace is as it was before`, {
    hint: 'free some space (an import needs room for its data and the database log), or move the workspace to a larger disk, then run the command again',
    exitCode: 1,
    cause: e,
  });
}
