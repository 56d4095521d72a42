/**
 * Fresh shared memory made resident on another thread while the calling thread does other work (issue #15). The first
 * write to a page costs the writer a page fault; on this project's machines (virtual machines whose memory the host
 * backs on first use) that is about 3.5 ms per MiB, so the 64 MB matrix of a 1,000,000 × 8 clustering cost its
 * filling loop about 0.2 s on the main thread while the second core had nothing to do.
 *
 * A worker writes one 32-bit word of each 4 KiB page, from the end backwards (the caller fills from the start), with
 * Atomics.compareExchange(0 → 0): a write, so the page is made resident, that never changes a value — a word the
 * caller has already written is left as it is, whatever the order of the two threads. Nothing waits for the worker:
 * a page it has not reached yet is faulted by the caller as before.
 */
import { Worker } from 'node:worker_threads';

const SOURCE = `
const { workerData } = require('node:worker_threads');
const a = new Int32Array(workerData);
for (let i = (Math.ceil(a.length / 1024) - 1) * 1024; i >= 0; i -= 1024) Atomics.compareExchange(a, i, 0, 0);
`;

/** Start making `buffer`'s pages resident on a worker thread of its own; returns at once, with a promise of the worker's end (callers need not wait for it). */
export function prefault(buffer: SharedArrayBuffer): Promise<void> {
  try {
    const w = new Worker(SOURCE, { eval: true, workerData: buffer });
    // never keeps the process alive; a failure only means the caller faults the pages itself
    w.unref();
    return new Promise((done) => {
      w.on('error', () => done());
      w.on('exit', () => done());
    });
  } catch {
    // no worker threads here: the pages are faulted by the caller
    return Promise.resolve();
  }
}
