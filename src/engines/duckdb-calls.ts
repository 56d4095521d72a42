/**
 * A DuckDB connection whose asynchronous calls are counted, so that it is never closed under a running call.
 *
 * The driver deadlocks when a connection is closed while a query runs on it: closing drops the connection's
 * reference to its client context, the worker thread running the query then drops the last one while it holds
 * that context's lock, and the context's destructor waits for the same lock for ever (CI, 2026-12-03: a studio
 * test's process hung after its last test, its worker thread in ~ClientContext → ClientContext::LockContext, the
 * mutex owned by that thread). `DuckDbEngine.closeSync` closes a busy connection when its calls have settled.
 */

/** Calls in flight on one connection, and what to run when the last of them settles. */
export interface CallCount {
  n: number;
  idle: (() => void) | undefined;
}

/** The asynchronous calls of the driver's connection and streamed results (each runs on a worker thread). */
const COUNTED = new Set(['run', 'runAndRead', 'runAndReadAll', 'runAndReadUntil', 'stream', 'streamAndRead', 'streamAndReadAll', 'streamAndReadUntil',
  'start', 'startStream', 'prepare', 'extractStatements', 'createAppender', 'fetchChunk', 'fetchAllChunks', 'getRows', 'readAll', 'readUntil']);

function settled(calls: CallCount): void {
  calls.n--;
  if (calls.n === 0 && calls.idle) {
    const idle = calls.idle;
    calls.idle = undefined;
    idle();
  }
}

/** `target` (a connection, or a result it returned) with its asynchronous calls counted in `calls`. */
export function counted<T extends object>(target: T, calls: CallCount): T {
  return new Proxy(target, {
    get(t, key) {
      const v: unknown = Reflect.get(t, key, t);
      if (typeof v !== 'function') return v;
      const f = v as (...args: unknown[]) => unknown;
      if (typeof key !== 'string' || !COUNTED.has(key)) return f.bind(t);
      return (...args: unknown[]) => {
        calls.n++;
        let out: unknown;
        try {
          out = f.apply(t, args);
        } catch (e) {
          settled(calls);
          throw e;
        }
        if (!(out instanceof Promise)) {
          settled(calls);
          return out;
        }
        return out.then(
          (r: unknown) => {
            settled(calls);
            // a streamed result fetches its chunks on the worker threads too
            return r !== null && typeof r === 'object' && 'fetchChunk' in r ? counted(r, calls) : r;
          },
          (e: unknown) => {
            settled(calls);
            throw e;
          },
        );
      };
    },
  });
}
