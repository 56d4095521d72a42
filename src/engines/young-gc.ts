/**
 * A minor (young-generation) garbage collection on demand, for long reads of DuckDB chunks (engines/duckdb.ts).
 * The driver frees a chunk's native memory (2,048 rows × its columns) only when the JS object that holds it is
 * collected, and V8 does not know about that memory: a streamed read of 1,000,000 × 8 doubles kept every one of
 * its 489 chunks (64 MB) until the end, each in fresh memory, and first-touched memory is dear here (a page fault,
 * about 3 ms CPU per MiB on this project's machines). A scavenge every few chunks lets the memory of the chunks read
 * be reused: 30,000-36,000 page faults → 17,000-19,000 for that read, 0.7-0.8 → 0.35-0.5 s CPU (issue #15).
 * V8's `gc` is taken once from a context made while --expose-gc is set for that moment (the process's own when it
 * was started with it); where that fails nothing is collected.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;
let gc: Gc | null | undefined;

function collector(): Gc | null {
  if (gc !== undefined) return gc;
  gc = null;
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return (gc = own as Gc);
  try {
    setFlagsFromString('--expose-gc');
    const got = runInNewContext('gc') as unknown;
    if (typeof got === 'function') gc = got as Gc;
  } catch {
    gc = null;
  } finally {
    // only the context above gets it: worker threads and contexts made later are as they were
    setFlagsFromString('--no-expose-gc');
  }
  return gc;
}

/** A scavenge of the young generation (about a millisecond): young objects no longer referenced, and their native memory, freed. */
export function collectYoung(): void {
  collector()?.({ type: 'minor' });
}
