/**
 * Crash-safe file replacement: the new content is written to a temporary file in the same folder, flushed
 * to disk (fsync), then renamed over the target, so a reader (or a crash) sees either the old file or the
 * new one, never a truncated mix. The folder is fsynced too where the platform allows, so the rename lasts.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** `mode`: the new file's permissions (default 0644; e.g. 0600 for secrets). */
export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', mode);
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  // make the rename itself durable (not possible on Windows, where a folder cannot be opened)
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // best effort
  }
}
