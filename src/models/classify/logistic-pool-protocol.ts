/**
 * What the calling thread and the worker threads of a logistic fit share (logistic-pool.ts, logistic-worker.ts):
 * the design and outcomes, two arrays of linear predictors, one slot of sums per chunk of rows, the pass to run
 * (`ctl`) and three counters (`sync`). Importing nothing at run time: the worker loads it.
 *
 * A pass is published by writing `ctl` (the mode, θ in pass order, which eta array), then sync[NEXT] = its
 * generation's tag with chunk 0, then sync[GEN] = its generation. Threads claim chunks by compare-and-swap on
 * sync[NEXT], which holds the generation in its upper 15 bits: a thread that read an older pass's θ cannot claim
 * a chunk of a newer pass. Each finished chunk adds 1 to sync[DONE]; the pass is over when that is the chunk count.
 */

import type { PassData } from './logistic-passes.ts';

export const GEN = 0;
export const NEXT = 1;
export const DONE = 2;

export const CTL_JOB = 0;
export const CTL_ETA = 1;
export const CTL_THETA = 2;

/** at most this many chunks in a pass (the lower 16 bits of sync[NEXT]) */
export const MAX_CHUNKS = 0xfff0;

/** The pass's data (logistic-passes.ts `PassData`) and the pool's shared state. */
export interface PoolShared extends PassData {
  eta0: Float64Array;
  eta1: Float64Array;
  parts: Float64Array;
  ctl: Float64Array;
  sync: Int32Array;
  chunks: number;
  chunkRows: number;
}

const tagOf = (gen: number): number => (gen & 0x7fff) << 16;

/** sync[NEXT] for the start of pass `gen`. */
export function firstChunk(gen: number): number {
  return tagOf(gen);
}

/** Claim and run chunks of pass `gen` until none is left (or a newer pass is published). */
export function claimChunks(sync: Int32Array, gen: number, chunks: number, run: (chunk: number) => void): void {
  const tag = tagOf(gen);
  for (;;) {
    const cur = Atomics.load(sync, NEXT);
    if ((cur & 0x7fff0000) !== tag) return;
    const c = cur & 0xffff;
    if (c >= chunks) return;
    if (Atomics.compareExchange(sync, NEXT, cur, cur + 1) !== cur) continue;
    run(c);
    Atomics.add(sync, DONE, 1);
    Atomics.notify(sync, DONE);
  }
}
