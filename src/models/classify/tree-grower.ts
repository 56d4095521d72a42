/**
 * Grows one regression tree on gradients and hessians, leaf-wise (best-first, as LightGBM and scikit-learn's
 * `TreeGrower`): the leaf with the largest split gain is split next until `maxLeafNodes` leaves, `maxDepth`,
 * or no leaf has a split with positive gain that leaves `minSamplesLeaf` rows (and a hessian ≥ 1e-3) on
 * each side. A node's histogram is built from its rows only for the smaller child; the larger child's is
 * the parent's minus the smaller's (histogram subtraction, Ke et al. 2017 §2).
 * A node's rows (their bins, gradients and row numbers) lie together in memory, in ascending row order: a
 * split moves them, stably, into a second buffer with the left child's first (and back for the next
 * level), so a histogram reads its rows in order instead of gathering them from all over. Pure, no
 * allocation per row; buffers are reused across trees.
 *
 * The per-row work (histograms, gradients) runs in kernels compiled from source (hist-kernels.ts). With
 * `threads` = 2 a worker thread runs the same kernels on shared memory: the columns [p/2, p) of each
 * histogram of a node with ≥ 8,192 rows while this thread does [0, p/2), and the gradients of the first half
 * of the rows while this thread does the second. Every histogram cell and gradient sum is taken over the same
 * rows in the same order either way, so the trees do not depend on the threads. This thread waits on an
 * Atomics flag: growing stays synchronous.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SegmintError } from '../../core/errors.ts';
import type { ColumnBins } from './bin-mapper.ts';
import { histKernels, histKernelSource, rowBytes, type HistKernels } from './hist-kernels.ts';
import { emptySplit, findBestSplit, MIN_HESSIAN_TO_SPLIT, type SplitCandidate } from './split-finder.ts';
import { allocTree, type Tree } from './tree.ts';

export interface GrowerParams {
  maxLeafNodes: number;
  /** Infinity: no limit */
  maxDepth: number;
  minSamplesLeaf: number;
  l2Regularization: number;
  learningRate: number;
}

const EPS = 1e-15;
// local copies of bin-mapper's MISSING_BIN and split-finder's HIST_BINS / HIST_STRIDE: an imported binding
// read in a hot loop costs a getter call under some loaders
const MISSING_BIN = 255;
const HIST_BINS = 256;
const HIST_STRIDE = 3;

/** Below this many rows × columns a second thread costs more than it saves. */
const PARALLEL_MIN_CELLS = 2_000_000;
/** A node's histogram or partition is shared with the worker from this many rows (below, the wake-up costs more). */
const PARALLEL_MIN_NODE_ROWS = 8192;
/** Histograms kept in shared memory at most (bytes); a larger tree shape grows on one thread. */
const PARALLEL_MAX_HIST_BYTES = 256 * 2 ** 20;

/** Threads for growing on n rows × p columns: 2 when the work is large and two cores exist (SEGMINT_THREADS=1 turns it off). */
export function defaultTreeThreads(n: number, p: number): number {
  const env = Number(process.env.SEGMINT_THREADS);
  const cap = Number.isInteger(env) && env >= 1 ? Math.min(env, 2) : 2;
  return n * p >= PARALLEL_MIN_CELLS ? Math.max(1, Math.min(cap, availableParallelism())) : 1;
}

/** A Uint8Array of n bytes, in shared memory when `shared` (for the bins a worker reads). */
export function binsBuffer(n: number, shared: boolean): Uint8Array {
  return new Uint8Array(shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
}

/** parent −= child, bin by bin: the larger child's histogram. */
function subtractHistogram(parent: Float64Array, child: Float64Array): void {
  const m = parent.length;
  for (let q = 0; q < m; q++) parent[q] = parent[q]! - child[q]!;
}

// The worker. A job is cut in two chunks that either thread may take (Atomics.compareExchange on CTL_CLAIM,
// which holds the job's generation and the next chunk): this thread posts the job, then takes chunks itself
// until none is left, and waits only for a chunk the worker took and has not finished. A worker that is not
// running when the job is posted (the machine's other processes hold the cores) thus costs no waiting: this
// thread does both chunks, and the fit is never much slower than on one thread. Jobs:
// 1 histogram (slot) of rows [start, end) of bins buffer `buf` (0 the original order, 1 and 2 the
//   partitioned): chunk 0 the columns [0, p/2), chunk 1 the columns [p/2, p);
// 2 partition rows [start, end) of buffer `buf` into buffer `dst` on column f by the shared set `left`, nLeft
//   rows going left: chunk 0 the rows [start, mid) forwards from positions start and start + nLeft, chunk 1
//   the rows [mid, end) backwards from positions start + nLeft and end (partitionBack: no count of the first
//   half's left rows is needed); each chunk's last left position into CTL_RESULT + chunk, which must agree;
// 3 gradients: chunk 0 rows [0, mid) (Σ loss into out[0]), chunk 1 rows [mid, n) (into out[1]).
// Every chunk does the same sums in the same order whichever thread runs it: the trees do not depend on it.
const CTL_GEN = 0, CTL_DONE = 1, CTL_JOB = 2, CTL_SLOT = 3, CTL_START = 4, CTL_END = 5, CTL_ERROR = 6, CTL_BUF = 7;
const CTL_DST = 8, CTL_F = 9, CTL_NLEFT = 10, CTL_MID = 11, CTL_CLAIM = 12, CTL_STOP = 13, CTL_RESULT = 14;
const CHUNKS = 2;
/** CTL_CLAIM's word: the generation's low 24 bits, then the next chunk in the low 4 bits. */
const CLAIM_SHIFT = 4;
const GEN_MASK = 0xffffff;
/**
 * The chunk protocol's two functions as source, compiled in this thread and in the worker alike (so both run
 * the same code): `claimChunk(ctl, gen)` takes the next chunk of generation gen, or −1 when none is left or
 * the job posted is no longer gen's (a worker that woke late); `runChunk(i, ctl, kern, …)` runs chunk i of
 * the posted job (see above) with `kern` the kernels of the columns [0, p/2) and [p/2, p).
 */
const PROTOCOL = `({
  claimChunk(ctl, gen) {
    for (;;) {
      const c = Atomics.load(ctl, ${CTL_CLAIM});
      const i = c & ${(1 << CLAIM_SHIFT) - 1};
      if (c >>> ${CLAIM_SHIFT} !== (gen & ${GEN_MASK}) || i >= ${CHUNKS}) return -1;
      if (Atomics.compareExchange(ctl, ${CTL_CLAIM}, c, c + 1) === c) return i;
    }
  },
  runChunk(i, ctl, kern, slots, bins, bins32, gh, ids, left, raw, y, w, out) {
    const job = ctl[${CTL_JOB}], b = ctl[${CTL_BUF}], start = ctl[${CTL_START}], end = ctl[${CTL_END}], mid = ctl[${CTL_MID}];
    if (job === 1) kern[i].hist(slots[ctl[${CTL_SLOT}]], bins[b], gh[b], start, end);
    else if (job === 2) {
      const t = ctl[${CTL_DST}], f = ctl[${CTL_F}], l = start + ctl[${CTL_NLEFT}];
      ctl[${CTL_RESULT} + i] = i === 0
        ? kern[0].partition(bins[b], bins32[b], gh[b], ids[b], bins32[t], gh[t], ids[t], start, mid, start, l, f, left)
        : kern[0].partitionBack(bins[b], bins32[b], gh[b], ids[b], bins32[t], gh[t], ids[t], mid, end, l, end, f, left);
    } else kern[0].gradients(raw, y, w, gh[0], i === 0 ? start : mid, i === 0 ? mid : end, out, i);
  },
})`;
interface Protocol {
  claimChunk(ctl: Int32Array, gen: number): number;
  runChunk(
    i: number, ctl: Int32Array, kern: readonly HistKernels[], slots: readonly Float64Array[],
    bins: readonly Uint8Array[], bins32: readonly Uint32Array[], gh: readonly Float64Array[], ids: readonly Uint32Array[],
    left: Uint32Array, raw: Float64Array, y: Float64Array, w: Float64Array | null, out: Float64Array,
  ): void;
}
let protocol: Protocol | null = null;
const chunkProtocol = (): Protocol => (protocol ??= new Function(`return ${PROTOCOL}`)() as Protocol);
const WORKER = `
const { workerData: d } = require('node:worker_threads');
const kern = [new Function('return ' + d.srcA)(), new Function('return ' + d.srcB)()];
const { claimChunk, runChunk } = new Function('return ' + d.protocol)();
const slots = [];
for (let s = 0; s < d.slots; s++) slots.push(new Float64Array(d.hist, s * d.histSize * 8, d.histSize));
const ctl = d.ctl;
const bins32 = d.bins.map((b) => new Uint32Array(b.buffer, b.byteOffset, b.length / 4));
let gen = 0;
for (;;) {
  Atomics.wait(ctl, ${CTL_GEN}, gen);
  gen = Atomics.load(ctl, ${CTL_GEN});
  if (Atomics.load(ctl, ${CTL_STOP}) !== 0) break;
  for (;;) {
    const i = claimChunk(ctl, gen);
    if (i < 0) break;
    try {
      runChunk(i, ctl, kern, slots, d.bins, bins32, d.gh, d.ids, d.left, d.raw, d.y, d.w, d.out);
    } catch (e) {
      ctl[${CTL_ERROR}] = 1;
    }
    Atomics.add(ctl, ${CTL_DONE}, 1);
    Atomics.notify(ctl, ${CTL_DONE});
  }
}
`;

/** Add v to raw[ids[k]] for k in [start, end). */
function addLeafValue(raw: Float64Array, idx: Uint32Array, start: number, end: number, v: number): void {
  for (let k = start; k < end; k++) {
    const row = idx[k]!;
    raw[row] = raw[row]! + v;
  }
}

export interface GrowerOptions {
  /** 2: a worker thread takes half the columns of each large histogram and half the rows of the gradients (bins given in shared memory, see `binsBuffer`, are not copied). Default 1 */
  threads?: number;
  /** the most leaves a tree will have (the shared histograms are sized for them). Default 31 */
  maxLeafNodes?: number;
}

export class TreeGrower {
  /** each training row's log-odds so far: the caller fills it with the baseline; `grow` adds the leaf values */
  readonly raw: Float64Array;
  private readonly histSize: number;
  /** histograms (numbered), and the numbers free */
  private readonly slots: Float64Array[] = [];
  private readonly free: number[] = [];
  /** slots 0 … sharedSlots − 1 are in the buffer the worker shares */
  private sharedSlots = 0;
  /**
   * Rows in three buffers: 0 in row order (the root), 1 and 2 partitioned — a node's rows lie together, in
   * row order, in the buffer its parent's partition wrote (children of a node in 1 go to 2 and back). Each
   * holds the bins (row-major, `rowBytes(p)` a row, also as 32-bit words), gradient and hessian interleaved
   * (buffer 0's are the gradients of `gradients()`), and the row numbers.
   */
  private readonly bins8: Uint8Array[];
  private readonly bins32: Uint32Array[];
  private readonly gh: Float64Array[];
  private readonly ids: Uint32Array[];
  private readonly y: Float64Array;
  private readonly w: Float64Array | null;
  /** Σ loss of the rows [0, n/2) (the worker's, with a worker) and of [n/2, n) */
  private readonly sums: Float64Array;
  private readonly all: HistKernels;
  /** with a worker: the kernels of the columns [0, p/2) and [p/2, p) (a job's chunks 0 and 1) */
  private halves: HistKernels[] = [];
  private worker: Worker | null = null;
  private readonly ctl: Int32Array;
  private readonly half: number;
  private readonly leftSet: Uint32Array;

  /**
   * `bins`: the n × p row-major bins; `y` the outcomes (0/1), `w` the weights or null. The trees are the
   * same whatever the threads: each histogram cell is summed over the same rows in the same order, and the
   * root's sums and the loss are taken in a fixed order. Call `close` when done.
   */
  constructor(
    bins: Uint8Array,
    private readonly n: number,
    private readonly p: number,
    private readonly columns: readonly ColumnBins[],
    y: Float64Array,
    w: Float64Array | null,
    options: GrowerOptions = {},
  ) {
    this.histSize = p * HIST_BINS * HIST_STRIDE;
    const slotCount = (options.maxLeafNodes ?? 31) + 2;
    const shared = (options.threads ?? 1) > 1 && p >= 2 && slotCount * this.histSize * 8 <= PARALLEL_MAX_HIST_BYTES;
    const buffer = (bytes: number): ArrayBuffer | SharedArrayBuffer => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const f64 = (len: number): Float64Array => new Float64Array(buffer(len * 8));
    const q = rowBytes(p);
    // the bins with rows padded to whole words (as given when they already are, in shared memory if need be)
    let b0: Uint8Array;
    if (q === p && bins.byteOffset === 0 && (!shared || bins.buffer instanceof SharedArrayBuffer)) b0 = bins;
    else {
      b0 = new Uint8Array(buffer(n * q));
      if (q === p) b0.set(bins.subarray(0, n * p));
      else for (let i = 0; i < n; i++) b0.set(bins.subarray(i * p, i * p + p), i * q);
    }
    this.bins8 = [b0, new Uint8Array(buffer(n * q)), new Uint8Array(buffer(n * q))];
    this.bins32 = this.bins8.map((b) => new Uint32Array(b.buffer, b.byteOffset, (n * q) / 4));
    this.gh = [f64(2 * n), f64(2 * n), f64(2 * n)];
    const u32 = (len: number): Uint32Array => new Uint32Array(buffer(len * 4));
    const id0 = u32(n);
    for (let i = 0; i < n; i++) id0[i] = i;
    this.ids = [id0, u32(n), u32(n)];
    this.leftSet = u32(8);
    this.raw = f64(n);
    this.y = f64(n);
    this.y.set(y);
    this.w = w ? f64(n) : null;
    if (w) this.w!.set(w);
    this.sums = f64(2);
    this.ctl = new Int32Array(buffer(4 * 32));
    this.half = n >>> 1;
    this.all = histKernels(p, 0, p);
    if (!shared) return;
    // histograms in one shared buffer, enough for every leaf of a tree at once (the most alive)
    const split = p >>> 1;
    const hist = new SharedArrayBuffer(slotCount * this.histSize * 8);
    try {
      this.worker = new Worker(WORKER, {
        eval: true,
        workerData: {
          srcA: histKernelSource(p, 0, split), srcB: histKernelSource(p, split, p), protocol: PROTOCOL,
          slots: slotCount, histSize: this.histSize, hist, ctl: this.ctl,
          bins: this.bins8, gh: this.gh, ids: this.ids, left: this.leftSet, raw: this.raw, y: this.y, w: this.w, out: this.sums,
        },
      });
      this.worker.unref();
    } catch {
      // no worker threads here (a restricted runtime): this thread does everything
      this.worker = null;
      return;
    }
    for (let s = 0; s < slotCount; s++) this.slots.push(new Float64Array(hist, s * this.histSize * 8, this.histSize));
    for (let s = slotCount - 1; s >= 0; s--) this.free.push(s);
    this.sharedSlots = slotCount;
    this.halves = [histKernels(p, 0, split), histKernels(p, split, p)];
  }

  /** Whether a worker thread shares the work. */
  get threaded(): boolean {
    return this.worker !== null;
  }

  /** Stop the worker (if any). The grower cannot grow after. */
  close(): void {
    const w = this.worker;
    if (!w) return;
    this.worker = null;
    Atomics.store(this.ctl, CTL_STOP, 1);
    Atomics.add(this.ctl, CTL_GEN, 1);
    Atomics.notify(this.ctl, CTL_GEN);
    void w.terminate();
  }

  /**
   * Run a job of two chunks (see `runChunk`) with the worker: post it, take chunks until none is left, then
   * wait for the ones the worker took. The job's fields are in ctl already.
   */
  private runJob(): void {
    const c = this.ctl;
    const gen = (Atomics.load(c, CTL_GEN) + 1) | 0;
    Atomics.store(c, CTL_DONE, 0);
    Atomics.store(c, CTL_CLAIM, (gen & GEN_MASK) << CLAIM_SHIFT);
    Atomics.store(c, CTL_GEN, gen);
    Atomics.notify(c, CTL_GEN);
    const { claimChunk, runChunk } = chunkProtocol();
    let error: unknown = null;
    for (;;) {
      const i = claimChunk(c, gen);
      if (i < 0) break;
      try {
        runChunk(i, c, this.halves, this.slots, this.bins8, this.bins32, this.gh, this.ids, this.leftSet, this.raw, this.y, this.w, this.sums);
      } catch (e) {
        error ??= e;
      }
      Atomics.add(c, CTL_DONE, 1);
    }
    let waited = 0;
    for (;;) {
      const done = Atomics.load(c, CTL_DONE);
      if (done >= CHUNKS) break;
      if (Atomics.wait(c, CTL_DONE, done, 1000) === 'timed-out' && ++waited > 600) {
        throw new SegmintError('internal-error', 'a tree-growing worker thread did not answer within 10 minutes', { exitCode: 1 });
      }
    }
    if (error !== null) throw error;
    if (c[CTL_ERROR] !== 0) {
      c[CTL_ERROR] = 0;
      throw new SegmintError('internal-error', 'a tree-growing worker thread failed', { exitCode: 1 });
    }
  }

  /**
   * Gradients and hessians of the binomial log loss at `raw` (weights applied), for the next `grow`.
   * Returns the Σ of the (weighted) log loss over the rows at `raw`.
   */
  gradients(): number {
    const { raw, y, w, n, half, sums } = this;
    const gh = this.gh[0]!;
    if (this.worker) {
      const c = this.ctl;
      c[CTL_JOB] = 3; c[CTL_START] = 0; c[CTL_MID] = half; c[CTL_END] = n;
      this.runJob();
    } else {
      this.all.gradients(raw, y, w, gh, 0, half, sums, 0);
      this.all.gradients(raw, y, w, gh, half, n, sums, 1);
    }
    return sums[0]! + sums[1]!;
  }

  private takeHist(): number {
    const s = this.free.pop();
    if (s !== undefined) return s;
    // more leaves than the shared slots were sized for: a histogram of this thread's own
    this.slots.push(new Float64Array(this.histSize));
    return this.slots.length - 1;
  }

  /** The histogram of rows [start, end) of buffer `buf` into slot s. */
  private histogram(s: number, buf: number, start: number, end: number): void {
    const hist = this.slots[s]!;
    const bins = this.bins8[buf]!, gh = this.gh[buf]!;
    if (this.worker && s < this.sharedSlots && end - start >= PARALLEL_MIN_NODE_ROWS) {
      const c = this.ctl;
      c[CTL_JOB] = 1; c[CTL_SLOT] = s; c[CTL_BUF] = buf; c[CTL_START] = start; c[CTL_END] = end;
      this.runJob();
    } else this.all.hist(hist, bins, gh, start, end);
  }

  /**
   * Move rows [s0, e) of buffer src into buffer dst, the nLeft whose bin in column f is in `leftSet` first;
   * returns the end of the left part. With a worker (a large node) the first half of the rows is moved
   * forwards and the second half backwards (from the ends of the two parts), each by either thread.
   */
  private partition(src: number, dst: number, s0: number, e: number, nLeft: number, f: number): number {
    const { bins8, bins32, gh, ids, leftSet } = this;
    if (!this.worker || e - s0 < 2 * PARALLEL_MIN_NODE_ROWS) {
      return this.all.partition(bins8[src]!, bins32[src]!, gh[src]!, ids[src]!, bins32[dst]!, gh[dst]!, ids[dst]!, s0, e, s0, s0 + nLeft, f, leftSet);
    }
    const c = this.ctl;
    c[CTL_JOB] = 2; c[CTL_BUF] = src; c[CTL_DST] = dst; c[CTL_F] = f; c[CTL_NLEFT] = nLeft;
    c[CTL_START] = s0; c[CTL_MID] = s0 + ((e - s0) >>> 1); c[CTL_END] = e;
    this.runJob();
    // the first half's left rows end where the second half's begin, unless nLeft was wrong
    return c[CTL_RESULT]! === c[CTL_RESULT + 1]! ? s0 + nLeft : -1;
  }

  /**
   * Grow a tree on the gradients of the last `gradients()` call, and add each training row's leaf value to
   * `raw`.
   */
  grow(params: GrowerParams): Tree {
    const { n, columns, raw, leftSet } = this;
    const gh0 = this.gh[0]!;
    const maxNodes = 2 * params.maxLeafNodes - 1;
    const start = new Int32Array(maxNodes), end = new Int32Array(maxNodes), depth = new Int32Array(maxNodes);
    const where = new Uint8Array(maxNodes);
    const G = new Float64Array(maxNodes), H = new Float64Array(maxNodes), C = new Float64Array(maxNodes);
    const hists = new Int32Array(maxNodes).fill(-1);
    const splits: (SplitCandidate | null)[] = new Array<SplitCandidate | null>(maxNodes).fill(null);
    const tree = allocTree(maxNodes);
    const constraints = { minSamplesLeaf: params.minSamplesLeaf, l2: params.l2Regularization };
    let nodes = 1;
    // the root's sums in row order (one pass; the halves' sums of `gradients` would round differently)
    let sg = 0, sh = 0;
    for (let i = 0; i < n; i++) { sg += gh0[2 * i]!; sh += gh0[2 * i + 1]!; }
    start[0] = 0; end[0] = n; G[0] = sg; H[0] = sh; C[0] = n; where[0] = 0;

    const canSplit = (k: number): boolean => depth[k]! < params.maxDepth && C[k]! >= 2 * params.minSamplesLeaf && H[k]! >= MIN_HESSIAN_TO_SPLIT;
    const release = (k: number): void => {
      if (hists[k]! >= 0) this.free.push(hists[k]!);
      hists[k] = -1;
    };
    const search = (k: number): void => {
      const s = findBestSplit(this.slots[hists[k]!]!, columns, G[k]!, H[k]!, C[k]!, constraints, emptySplit());
      if (s.gain > 0) splits[k] = s;
      else release(k);
    };

    if (params.maxLeafNodes > 1 && canSplit(0)) {
      hists[0] = this.takeHist();
      this.histogram(hists[0], 0, 0, n);
      search(0);
    }
    let leaves = 1;
    for (;;) {
      let k = -1;
      let bestGain = 0;
      for (let q = 0; q < nodes; q++) {
        const s = splits[q];
        if (s && s.gain > bestGain) { bestGain = s.gain; k = q; }
      }
      if (k < 0) break;
      const s = splits[k]!;
      splits[k] = null;
      // move the rows of node k into the other partitioned buffer, left child's first (stable)
      const f = s.feature;
      const e = end[k]!;
      if (s.categorical) leftSet.set(s.leftBins);
      else {
        // numeric: bins ≤ s.bin, and the missing bin when missing values go left
        leftSet.fill(0);
        for (let b = 0; b <= s.bin; b++) leftSet[b >>> 5] = leftSet[b >>> 5]! | (1 << (b & 31));
        if (s.missingLeft) leftSet[MISSING_BIN >>> 5] = leftSet[MISSING_BIN >>> 5]! | (1 << (MISSING_BIN & 31));
      }
      const src = where[k]!, dst = src === 1 ? 2 : 1;
      const l = this.partition(src, dst, start[k]!, e, s.countLeft, f);
      if (l !== start[k]! + s.countLeft) throw new SegmintError('internal-error', `a tree node's left child has ${l - start[k]!} rows, its histogram counted ${s.countLeft}`);
      const a = nodes++, b = nodes++;
      start[a] = start[k]!; end[a] = l; start[b] = l; end[b] = e;
      where[a] = where[b] = dst;
      G[a] = s.gradientLeft; H[a] = s.hessianLeft; C[a] = s.countLeft;
      G[b] = G[k]! - s.gradientLeft; H[b] = H[k]! - s.hessianLeft; C[b] = C[k]! - s.countLeft;
      depth[a] = depth[b] = depth[k]! + 1;
      tree.feature[k] = f;
      tree.left[k] = a;
      tree.right[k] = b;
      tree.gain[k] = s.gain;
      tree.missingLeft[k] = s.missingLeft ? 1 : 0;
      if (s.categorical) {
        tree.categorical[k] = 1;
        tree.leftBins.set(s.leftBins, k * 8);
      } else {
        tree.bin[k] = s.bin;
        const t = columns[f]!.thresholds;
        tree.threshold[k] = s.bin < t.length ? t[s.bin]! : Infinity;
      }
      leaves++;
      if (leaves >= params.maxLeafNodes) {
        release(k);
        break;
      }
      const splitA = canSplit(a), splitB = canSplit(b);
      if (splitA || splitB) {
        const small = C[a]! <= C[b]! ? a : b;
        const large = small === a ? b : a;
        const parentHist = hists[k]!;
        hists[k] = -1;
        const hs = this.takeHist();
        this.histogram(hs, dst, start[small]!, end[small]!);
        subtractHistogram(this.slots[parentHist]!, this.slots[hs]!);
        hists[small] = hs;
        hists[large] = parentHist;
        if (splitA) search(a); else release(a);
        if (splitB) search(b); else release(b);
      } else {
        release(k);
      }
    }
    // leaves: values, and the training rows' predictions
    for (let q = 0; q < nodes; q++) {
      release(q);
      tree.count[q] = C[q]!;
      if (tree.feature[q]! >= 0) continue;
      const v = (-params.learningRate * G[q]!) / (H[q]! + params.l2Regularization + EPS);
      tree.value[q] = v;
      addLeafValue(raw, this.ids[where[q]!]!, start[q]!, end[q]!, v);
    }
    return nodes === maxNodes ? tree : sliceTree(tree, nodes);
  }
}

function sliceTree(t: Tree, nodes: number): Tree {
  return {
    feature: t.feature.slice(0, nodes),
    bin: t.bin.slice(0, nodes),
    threshold: t.threshold.slice(0, nodes),
    missingLeft: t.missingLeft.slice(0, nodes),
    categorical: t.categorical.slice(0, nodes),
    leftBins: t.leftBins.slice(0, nodes * 8),
    left: t.left.slice(0, nodes),
    right: t.right.slice(0, nodes),
    value: t.value.slice(0, nodes),
    gain: t.gain.slice(0, nodes),
    count: t.count.slice(0, nodes),
  };
}
