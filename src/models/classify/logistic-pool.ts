/**
 * The passes of a logistic fit over its rows, shared with a worker thread on two cores (logistic-worker.ts; the
 * protocol in logistic-pool-protocol.ts). Rows go in chunks that the threads claim one at a time, each chunk's sums
 * into a slot of its own, added in chunk order: the totals are the same to the last bit whatever the number of
 * threads and whoever did which chunk. The calling thread waits on an Atomics counter, so a fit stays synchronous.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SegmintError } from '../../core/errors.ts';
import { claimChunks, CTL_ETA, CTL_JOB, CTL_THETA, DONE, firstChunk, GEN, MAX_CHUNKS, NEXT, type PoolShared } from './logistic-pool-protocol.ts';
import { passChunk, passScratch, slotSize, type PassData, type PassScratch } from './logistic-passes.ts';

const CHUNK_ROWS = 16_384;
/** Rows below which a second thread costs more than it saves (starting it: some 30 ms). */
const PARALLEL_ROWS = 200_000;

/** Threads for a fit on n rows: 2 when the rows are many and two cores exist (SEGMINT_THREADS=1 turns it off). */
export function logisticThreads(n: number): number {
  const env = Number(process.env.SEGMINT_THREADS);
  const cap = Number.isInteger(env) && env >= 1 ? Math.min(env, 2) : 2;
  return n >= PARALLEL_ROWS ? Math.max(1, Math.min(cap, availableParallelism())) : 1;
}

/** A typed array on shared memory (what a worker thread can read without a copy). */
export function sharedF64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(n * 8));
}

export function sharedI32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

const onShared = (a: Float64Array): Float64Array => {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = sharedF64(a.length);
  s.set(a);
  return s;
};

function startWorker(shared: PoolShared): Worker | null {
  try {
    // compiled, the worker is logistic-worker.js beside this file; run from the sources (tests, tsx), the .ts file,
    // which a worker loads once it has registered tsx's loader itself (Node 20 does not pass --import tsx's hooks on)
    const sources = import.meta.url.endsWith('.ts');
    const url = new URL(sources ? './logistic-worker.ts' : './logistic-worker.js', import.meta.url);
    const w = sources
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true, workerData: shared })
      : new Worker(url, { workerData: shared });
    w.unref();
    // a worker that fails to load leaves its chunks to the calling thread (claimed, not assigned)
    w.on('error', () => undefined);
    return w;
  } catch {
    return null;
  }
}

export class PassPool {
  readonly n: number;
  /** (intercept, dense columns) and one-hot columns */
  readonly md: number;
  readonly ns: number;
  readonly slot: number;
  readonly #shared: PoolShared;
  readonly #data: PassData;
  readonly #scratch: PassScratch;
  readonly #workers: Worker[] = [];
  readonly #totals: Float64Array;
  #gen = 0;

  constructor(values: Float64Array[], codes: Int32Array, groups: number, ns: number, y: Float64Array, w: Float64Array | undefined, threads: number) {
    const n = (this.n = y.length);
    this.md = values.length + 1;
    this.ns = ns;
    this.slot = slotSize(this.md, ns);
    const parallel = threads > 1;
    const chunkRows = Math.max(CHUNK_ROWS, Math.ceil(n / MAX_CHUNKS));
    const chunks = Math.max(1, Math.ceil(n / chunkRows));
    const f64 = (len: number) => (parallel ? sharedF64(len) : new Float64Array(len));
    this.#shared = {
      n, groups, ns, chunks, chunkRows,
      values: parallel ? values.map(onShared) : values,
      codes: parallel && !(codes.buffer instanceof SharedArrayBuffer) ? (() => { const c = sharedI32(codes.length); c.set(codes); return c; })() : codes,
      y: parallel ? onShared(y) : y,
      w: w ? (parallel ? onShared(w) : w) : null,
      eta0: f64(n), eta1: f64(n),
      parts: f64(chunks * this.slot),
      ctl: f64(CTL_THETA + this.md + ns),
      sync: parallel ? sharedI32(3) : new Int32Array(3),
    };
    const s = this.#shared;
    this.#data = { n, values: s.values, codes: s.codes, groups, ns, y: s.y, w: s.w };
    this.#scratch = passScratch(this.md);
    this.#totals = new Float64Array(this.slot);
    for (let t = 1; t < threads; t++) {
      const worker = startWorker(s);
      if (!worker) break;
      this.#workers.push(worker);
    }
  }

  /** the linear predictors of the pass that wrote into eta array `which` */
  eta(which: 0 | 1): Float64Array {
    return which === 0 ? this.#shared.eta0 : this.#shared.eta1;
  }

  /**
   * One pass at θ (pass order: intercept, dense, one-hot) computing `mode` (logistic-passes.ts), the linear
   * predictors into eta array `which`. Returns the totals (a slot, see logistic-passes.ts; valid until the next pass).
   */
  run(mode: number, theta: Float64Array, which: 0 | 1): Float64Array {
    const s = this.#shared;
    const { ctl, sync, chunks, chunkRows, n } = s;
    ctl[CTL_JOB] = mode;
    ctl[CTL_ETA] = which;
    ctl.set(theta, CTL_THETA);
    const gen = ++this.#gen;
    Atomics.store(sync, DONE, 0);
    Atomics.store(sync, NEXT, firstChunk(gen));
    if (this.#workers.length) {
      Atomics.store(sync, GEN, gen);
      Atomics.notify(sync, GEN);
    }
    const eta = this.eta(which);
    const slot = this.slot;
    claimChunks(sync, gen, chunks, (c) => passChunk(this.#data, theta, mode, c * chunkRows, Math.min(n, (c + 1) * chunkRows), eta, s.parts, c * slot, this.#scratch));
    let waited = 0;
    for (let done = Atomics.load(sync, DONE); done < chunks; done = Atomics.load(sync, DONE)) {
      if (Atomics.wait(sync, DONE, done, 1000) === 'timed-out' && ++waited > 600)
        throw new SegmintError('internal-error', 'a logistic-fit worker thread did not finish its rows within 10 minutes', { exitCode: 1 });
    }
    // the chunks' sums in chunk order
    const tot = this.#totals;
    const parts = s.parts;
    tot.set(parts.subarray(0, slot));
    for (let c = 1; c < chunks; c++) {
      const o = c * slot;
      for (let k = 0; k < slot; k++) tot[k]! += parts[o + k]!;
    }
    return tot;
  }

  /** Stop the workers (they exit their loop). */
  close(): void {
    if (!this.#workers.length) return;
    const { ctl, sync } = this.#shared;
    ctl[CTL_JOB] = 0;
    Atomics.store(sync, GEN, ++this.#gen);
    Atomics.notify(sync, GEN);
    this.#workers.length = 0;
  }
}
