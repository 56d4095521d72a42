/**
 * The state of one k-means fit, optionally shared with worker threads. Rows are processed in chunks of CHUNK
 * rows, which the threads claim one at a time; per-chunk sums make the totals — hence the centres — identical
 * whatever the number of threads and whichever thread did a chunk. The calling thread waits on
 * an Atomics flag, so the fit stays a synchronous function.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SegmintError } from '../../core/errors.ts';
import { kernels, parallelKernelSource } from './kernels.ts';

export const CHUNK = 16384;
/** Below this many rows × clusters a thread costs more than it saves. */
const PARALLEL_MIN_WORK = 1_000_000;

/** Default threads for n rows and k clusters: 2 when the work is large and two cores exist (SEGMINT_THREADS=1 turns it off). */
export function defaultThreads(n: number, k: number): number {
  const env = Number(process.env.SEGMINT_THREADS);
  const cap = Number.isInteger(env) && env >= 1 ? Math.min(env, 2) : 2;
  return n * k >= PARALLEL_MIN_WORK ? Math.max(1, Math.min(cap, availableParallelism())) : 1;
}

const WORKER = `
const { workerData } = require('node:worker_threads');
const w = workerData;
const kern = new Function('return ' + w.src)();
let gen = 0;
for (;;) {
  Atomics.wait(w.sync, 0, gen);
  gen = Atomics.load(w.sync, 0);
  const job = w.ctl[0];
  if (job === 0) break;
  // chunks claimed one at a time from the shared counter, as the calling thread does
  const n = w.labels.length, chunks = Math.ceil(n / w.chunk);
  let total = 0;
  for (let g = Atomics.add(w.sync, 2, 1); g < chunks; g = Atomics.add(w.sync, 2, 1)) {
    const lo = g * w.chunk, hi = Math.min(n, lo + w.chunk);
    if (job === 1) total += kern.estep(w.X, w.C, w.k, w.labels, w.upper, w.lower, w.half, w.shift, w.ctl[1], w.ctl[2], w.ctl[3], w.ctl[4] === 1, lo, hi, w.sums, w.chunk);
    else kern.candidateRange(w.X, w.ctl[5], w.closest, w.candDist, lo, hi, w.chunkPot, w.chunk);
  }
  w.result[w.slot] = total;
  Atomics.add(w.sync, 1, 1);
  Atomics.notify(w.sync, 1);
}
`;

export class KMeansState {
  readonly n: number;
  readonly threads: number;
  readonly X: Float64Array;
  readonly C: Float64Array;
  readonly labels: Int32Array;
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  readonly half: Float64Array;
  readonly shift: Float64Array;
  /** per chunk: k·d sums, then k counts */
  readonly sums: Float64Array;
  readonly closest: Float64Array;
  readonly candDist: Float64Array;
  readonly chunkPot: Float64Array;
  readonly chunks: number;
  private readonly ctl: Float64Array;
  private readonly sync: Int32Array;
  private readonly result: Float64Array;
  private readonly workers: Worker[] = [];
  /** threads that share the rows: 1 + the workers that started (a runtime without worker threads gives 1) */
  get running(): number {
    return this.workers.length + 1;
  }
  private readonly kern;

  constructor(X: Float64Array, readonly d: number, readonly k: number, threadsWanted: number) {
    const threads = (this.threads = Math.max(1, Math.min(2, threadsWanted)));
    const n = (this.n = X.length / d);
    this.chunks = Math.max(1, Math.ceil(n / CHUNK));
    const shared = threads > 1;
    const f64 = (len: number) => new Float64Array(shared ? new SharedArrayBuffer(len * 8) : new ArrayBuffer(len * 8));
    // rows already in shared memory (fitPreprocess puts large matrices there) are shared as they are
    if (shared && !(X.buffer instanceof SharedArrayBuffer)) { this.X = f64(X.length); this.X.set(X); } else this.X = X;
    this.C = f64(k * d);
    this.labels = new Int32Array(shared ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4));
    this.upper = f64(n); this.lower = f64(n); this.half = f64(k); this.shift = f64(k);
    this.sums = f64(this.chunks * (k * d + k));
    this.closest = f64(n); this.candDist = f64(n); this.chunkPot = f64(this.chunks);
    this.ctl = f64(8); this.result = f64(threads);
    // [generation, threads done, next chunk to claim]
    this.sync = new Int32Array(shared ? new SharedArrayBuffer(12) : new ArrayBuffer(12));
    this.kern = kernels(d);
    const src = parallelKernelSource(d);
    for (let t = 0; t < threads - 1; t++) {
      try {
        const w = new Worker(WORKER, {
          eval: true,
          workerData: { src, X: this.X, C: this.C, k, labels: this.labels, upper: this.upper, lower: this.lower, half: this.half, shift: this.shift,
            sums: this.sums, closest: this.closest, candDist: this.candDist, chunkPot: this.chunkPot, ctl: this.ctl, sync: this.sync, result: this.result, slot: t, chunk: CHUNK },
        });
        w.unref();
        this.workers.push(w);
      } catch {
        // no worker threads here (a restricted runtime): this thread does all the rows
        break;
      }
    }
  }

  /**
   * Run job 1 (E-step) or 2 (k-means++ candidate) on every chunk; returns the summed results (changed labels).
   * The threads claim chunks one at a time from a shared counter, so that one slowed down (a busy machine)
   * leaves more of them to the other; each chunk's sums are its own, so the results do not depend on who did which.
   */
  private run(job: 1 | 2, mine: (lo: number, hi: number) => number): number {
    const W = this.workers.length;
    Atomics.store(this.sync, 2, 0);
    if (W > 0) {
      this.ctl[0] = job;
      Atomics.store(this.sync, 1, 0);
      Atomics.add(this.sync, 0, 1);
      Atomics.notify(this.sync, 0);
    }
    let own = 0;
    for (let g = Atomics.add(this.sync, 2, 1); g < this.chunks; g = Atomics.add(this.sync, 2, 1)) own += mine(g * CHUNK, Math.min(this.n, (g + 1) * CHUNK));
    let waited = 0;
    while (W > 0 && Atomics.load(this.sync, 1) < W) {
      if (Atomics.wait(this.sync, 1, Atomics.load(this.sync, 1), 1000) === 'timed-out' && ++waited > 600) {
        throw new SegmintError('internal-error', 'a k-means worker thread did not answer within 10 minutes', { exitCode: 1 });
      }
    }
    let total = own;
    for (let t = 0; t < W; t++) total += this.result[t]!;
    return total;
  }

  /** E-step over all rows (sums zeroed first); returns the number of changed labels. */
  estep(full: boolean, r1: number, maxShift: number, secondShift: number): number {
    this.sums.fill(0);
    this.ctl[1] = r1; this.ctl[2] = maxShift; this.ctl[3] = secondShift; this.ctl[4] = full ? 1 : 0;
    return this.run(1, (lo, hi) => this.kern.estep(this.X, this.C, this.k, this.labels, this.upper, this.lower, this.half, this.shift, r1, maxShift, secondShift, full, lo, hi, this.sums, CHUNK));
  }

  /** Candidate b's potential: candDist filled, Σ over chunks in order. */
  candidate(b: number): number {
    this.ctl[5] = b;
    this.run(2, (lo, hi) => { this.kern.candidateRange(this.X, b, this.closest, this.candDist, lo, hi, this.chunkPot, CHUNK); return 0; });
    let pot = 0;
    for (let g = 0; g < this.chunks; g++) pot += this.chunkPot[g]!;
    return pot;
  }

  /** Cluster totals (k·d sums, then k counts) from the per-chunk sums, in chunk order. */
  totals(): Float64Array {
    const stride = this.k * this.d + this.k, out = new Float64Array(stride);
    for (let g = 0; g < this.chunks; g++) for (let j = 0; j < stride; j++) out[j]! += this.sums[g * stride + j]!;
    return out;
  }

  close(): void {
    if (this.workers.length === 0) return;
    this.ctl[0] = 0;
    Atomics.add(this.sync, 0, 1);
    Atomics.notify(this.sync, 0);
    for (const w of this.workers) void w.terminate();
  }
}
