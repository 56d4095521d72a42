/**
 * The state of one k-means fit, optionally shared with worker threads. Rows are processed in chunks of CHUNK
 * rows, which the threads claim one at a time; per-chunk sums make the totals — hence the centres — identical
 * whatever the number of threads and whichever thread did a chunk. The calling thread waits on
 * an Atomics flag, so the fit stays a synchronous function.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
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
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const base = workerData;
// the rows and arrays of the state the thread works for (job 3 binds it to another state's, sent on base.port)
let w = base;
const nap = new Int32Array(new SharedArrayBuffer(4));
const kern = new Function('return ' + w.src)();
let gen = 0, bound = 0;
for (;;) {
  Atomics.wait(base.sync, 0, gen);
  gen = Atomics.load(base.sync, 0);
  const job = base.ctl[0];
  if (job === 0) break;
  if (job === 3) {
    // each binding taken once (sync[4] counts them: a thread that woke late may see the job before its number)
    const b = Atomics.load(base.sync, 4);
    if (b === bound) continue;
    bound = b;
    // posted before the job was announced; waited for a little should it not be visible yet
    let m = receiveMessageOnPort(base.port);
    for (let tries = 0; m === undefined && tries < 10000; tries++) { Atomics.wait(nap, 0, 0, 1); m = receiveMessageOnPort(base.port); }
    // never seen (it cannot happen, but): this thread claims no chunk until the next binding, the calling thread does them
    w = m === undefined ? null : Object.assign({}, base, m.message);
    Atomics.add(base.sync, 1, 1);
    Atomics.notify(base.sync, 1);
    continue;
  }
  if (w === null) continue;
  // chunks claimed one at a time from the shared counter, as the calling thread does; a claimed chunk's job is read
  // after the claim (a thread that woke late may claim a chunk of a later job, whose fields were set before it opened)
  const n = w.labels.length, chunks = Math.ceil(n / w.chunk);
  for (let g = Atomics.add(base.sync, 2, 1); g < chunks; g = Atomics.add(base.sync, 2, 1)) {
    const lo = g * w.chunk, hi = Math.min(n, lo + w.chunk);
    if (base.ctl[0] === 1) w.chunkRes[g] = kern.estep(w.X, w.C, w.k, w.labels, w.upper, w.lower, w.half, w.shift, base.ctl[1], base.ctl[2], base.ctl[3], base.ctl[4] === 1, lo, hi, w.sums, w.chunk);
    else kern.candidateRange(w.X, base.ctl[5], w.closest, w.candDist, lo, hi, w.chunkPot, w.chunk);
    if (Atomics.add(base.sync, 3, 1) + 1 >= chunks) Atomics.notify(base.sync, 3);
  }
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
  /** per chunk: its E-step's changed labels */
  readonly chunkRes: Float64Array;
  readonly chunks: number;
  /** the worker threads and their control words: this state's own, or those of the state it borrowed them from */
  private readonly team: Team;
  private readonly ctl: Float64Array;
  private readonly sync: Int32Array;
  private get workers(): Worker[] {
    return this.team.workers;
  }
  /** threads that share the rows: 1 + the workers that started (a runtime without worker threads gives 1) */
  get running(): number {
    return this.workers.length + 1;
  }
  private readonly kern;

  /**
   * `host`: a state whose worker threads this one borrows (e.g. the k-means starts on a sample while the fit on all
   * rows waits): no thread started, the host's bound to this state's arrays when this one runs and back when the host
   * runs again; closing this state leaves them to the host. A host without workers lends none (`threadsWanted` then).
   */
  constructor(X: Float64Array, readonly d: number, readonly k: number, threadsWanted: number, host?: KMeansState) {
    const borrow = host !== undefined && host.running > 1 && host.d === d && host.k === k ? host.team : undefined;
    const threads = (this.threads = borrow ? borrow.workers.length + 1 : Math.max(1, Math.min(2, threadsWanted)));
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
    this.closest = f64(n); this.candDist = f64(n); this.chunkPot = f64(this.chunks); this.chunkRes = f64(this.chunks);
    this.kern = kernels(d);
    if (borrow) {
      this.team = borrow;
      ({ ctl: this.ctl, sync: this.sync } = borrow);
      return;
    }
    this.ctl = f64(8);
    // [generation, threads that took the last binding, next chunk to claim, chunks done, bindings]
    this.sync = new Int32Array(shared ? new SharedArrayBuffer(20) : new ArrayBuffer(20));
    this.team = { workers: [], ports: [], ctl: this.ctl, sync: this.sync, bound: this, owner: this };
    const src = parallelKernelSource(d);
    for (let t = 0; t < threads - 1; t++) {
      try {
        const { port1, port2 } = new MessageChannel();
        const w = new Worker(WORKER, {
          eval: true,
          workerData: { src, ...this.arrays(), ctl: this.ctl, sync: this.sync, chunk: CHUNK, port: port2 },
          transferList: [port2],
        });
        w.unref();
        port1.unref();
        this.team.workers.push(w);
        this.team.ports.push(port1);
      } catch {
        // no worker threads here (a restricted runtime): this thread does all the rows
        break;
      }
    }
  }

  /** The arrays a worker thread works on for this state. */
  private arrays() {
    return { X: this.X, C: this.C, k: this.k, labels: this.labels, upper: this.upper, lower: this.lower, half: this.half, shift: this.shift,
      sums: this.sums, closest: this.closest, candDist: this.candDist, chunkPot: this.chunkPot, chunkRes: this.chunkRes };
  }

  /** Wait until sync[at] reaches `target` (the workers that took a binding, or the chunks done). */
  private awaitCount(at: 1 | 3, target: number): void {
    let waited = 0;
    for (let now = Atomics.load(this.sync, at); now < target; now = Atomics.load(this.sync, at)) {
      if (Atomics.wait(this.sync, at, now, 1000) === 'timed-out' && ++waited > 600) {
        throw new SegmintError('internal-error', 'a k-means worker thread did not answer within 10 minutes', { exitCode: 1 });
      }
    }
  }

  /** Bind the team's workers to this state's arrays (job 3: each takes them from its port), when they work for another. */
  private bind(): void {
    const W = this.workers.length;
    if (W === 0 || this.team.bound === this) return;
    // the count reset, the arrays posted and the binding numbered before the job is announced
    Atomics.store(this.sync, 1, 0);
    for (const port of this.team.ports) port.postMessage(this.arrays());
    Atomics.add(this.sync, 4, 1);
    this.ctl[0] = 3;
    Atomics.add(this.sync, 0, 1);
    Atomics.notify(this.sync, 0);
    this.awaitCount(1, W);
    this.team.bound = this;
  }

  /**
   * Run job 1 (E-step) or 2 (k-means++ candidate) on every chunk; returns the summed results (changed labels).
   * The threads claim chunks one at a time from a shared counter, so that one slowed down (a busy machine)
   * leaves more of them to the other, and this thread waits only for the chunks a worker claimed (not for a worker
   * that has not woken up yet: it then finds no chunk left); each chunk's sums are its own, so the results do not
   * depend on who did which.
   */
  private run(job: 1 | 2, mine: (lo: number, hi: number) => number): number {
    const W = this.workers.length;
    this.bind();
    // the job's fields before its chunks open (a late worker reads them after claiming one)
    this.ctl[0] = job;
    Atomics.store(this.sync, 3, 0);
    Atomics.store(this.sync, 2, 0);
    if (W > 0) {
      Atomics.add(this.sync, 0, 1);
      Atomics.notify(this.sync, 0);
    }
    for (let g = Atomics.add(this.sync, 2, 1); g < this.chunks; g = Atomics.add(this.sync, 2, 1)) {
      this.chunkRes[g] = mine(g * CHUNK, Math.min(this.n, (g + 1) * CHUNK));
      Atomics.add(this.sync, 3, 1);
    }
    if (W > 0) this.awaitCount(3, this.chunks);
    let total = 0;
    for (let g = 0; g < this.chunks; g++) total += this.chunkRes[g]!;
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

  /** Stop the worker threads (a state that borrowed them leaves them to their owner). */
  close(): void {
    if (this.workers.length === 0 || this.team.owner !== this) return;
    this.ctl[0] = 0;
    Atomics.add(this.sync, 0, 1);
    Atomics.notify(this.sync, 0);
    for (const w of this.workers) void w.terminate();
    for (const p of this.team.ports) p.close();
  }
}

/** Worker threads shared by a state and those that borrow them; `bound`: the state whose arrays they work on now. */
interface Team {
  workers: Worker[];
  ports: MessagePort[];
  ctl: Float64Array;
  sync: Int32Array;
  bound: KMeansState;
  owner: KMeansState;
}
