/**
 * The silhouette's pairwise sums (metrics.ts silhouetteSamples) as one generated function per number of features,
 * run in this thread or — for a fit's sample, while this thread profiles the clusters — in a worker thread. The
 * same source runs in both, so the values are the same to the last bit wherever they are computed. Like
 * kernels.ts, the source holds only numbers and fixed identifiers, no user text.
 */
import { Worker } from 'node:worker_threads';
import { SegmintError } from '../../core/errors.ts';
import { pairBlockBody } from './kernels.ts';

/** (X, n, labels, k, sizes) → per-row silhouette; labels 0..k−1, sizes the rows per label (checked by the caller). */
type SilhouetteFn = (X: Float64Array, n: number, labels: ArrayLike<number>, k: number, sizes: ArrayLike<number>) => Float64Array;

/**
 * Rows sorted by cluster (then row): the distances from row i to a cluster's rows are one contiguous run, summed in
 * a register, and the mirrored sums (row j's distance to i's cluster) go to one dense array; each pair computed once.
 */
function source(d: number): string {
  const range = Array.from({ length: d }, (_, t) => t);
  // rows p and p + 1 against rows [from, to): each row's loads of Y[o + t] shared by the two, each distance the
  // arithmetic of pairBlock, each sum in the same order (acc[0], acc[1] carried in; mirror[q] gets row p's, then p + 1's)
  const pairBlock2 = `
    const r = p * ${d}; ${range.map((t) => `const x${t} = Y[r + ${t}], z${t} = Y[r + ${d + t}];`).join(' ')}
    let a1 = acc[0], a2 = acc[1];
    for (let q = from; q < to; q++) {
      const o = q * ${d}; ${range.map((t) => `const y${t} = Y[o + ${t}]; const e${t} = x${t} - y${t}, f${t} = z${t} - y${t};`).join(' ')}
      const d1 = Math.sqrt(0 + ${range.map((t) => `e${t} * e${t}`).join(' + ')});
      const d2 = Math.sqrt(0 + ${range.map((t) => `f${t} * f${t}`).join(' + ')});
      a1 += d1; a2 += d2; mirror[q] += d1; mirror[q] += d2;
    }
    acc[0] = a1; acc[1] = a2;`;
  return `(function () {
  function pairBlock(Y, p, from, to, mirror) {${pairBlockBody(d)}}
  function pairBlock2(Y, p, from, to, mirror, acc) {${pairBlock2}}
  return function silhouette(X, n, labels, k, sizes) {
    const start = new Int32Array(k + 1);
    for (let c = 0; c < k; c++) start[c + 1] = start[c] + sizes[c];
    // by cluster, then by row (a counting sort: the order of a sort on (label, row))
    const order = new Int32Array(n), fill = start.slice(0, k);
    for (let i = 0; i < n; i++) order[fill[labels[i]]++] = i;
    const Y = new Float64Array(n * ${d});
    for (let r = 0; r < n; r++) { const o = order[r] * ${d}; for (let t = 0; t < ${d}; t++) Y[r * ${d} + t] = X[o + t]; }
    const sums = new Float64Array(n * k);
    const mirror = new Float64Array(n);
    const acc = new Float64Array(2);
    for (let a = 0; a < k; a++) {
      mirror.fill(0);
      let r = start[a];
      // two rows at a time: the same sums as one row at a time (below), in the same order
      for (; r + 1 < start[a + 1]; r += 2) {
        for (let b = a; b < k; b++) {
          if (b === a) {
            // row r's first pair is with row r + 1 itself (0 + d: the sum one row at a time starts so too)
            acc[0] = pairBlock(Y, r, r + 1, r + 2, mirror); acc[1] = 0;
            pairBlock2(Y, r, r + 2, start[b + 1], mirror, acc);
          } else {
            acc[0] = 0; acc[1] = 0;
            pairBlock2(Y, r, start[b], start[b + 1], mirror, acc);
          }
          sums[r * k + b] += acc[0];
          sums[(r + 1) * k + b] += acc[1];
        }
      }
      for (; r < start[a + 1]; r++) {
        for (let b = a; b < k; b++) sums[r * k + b] += pairBlock(Y, r, b === a ? r + 1 : start[b], start[b + 1], mirror);
      }
      for (let q = start[a]; q < n; q++) sums[q * k + a] += mirror[q];
    }
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const i = order[r], li = labels[i];
      if (sizes[li] <= 1) { out[i] = 0; continue; }
      const a = sums[r * k + li] / (sizes[li] - 1);
      let b = Infinity;
      for (let c = 0; c < k; c++) if (c !== li && sizes[c] > 0) { const m = sums[r * k + c] / sizes[c]; if (m < b) b = m; }
      const m = Math.max(a, b);
      out[i] = m > 0 ? (b - a) / m : 0;
    }
    return out;
  };
})()`;
}

const cache = new Map<number, SilhouetteFn>();

/** The silhouette function for `d` features (built on first use). */
export function silhouetteKernel(d: number): SilhouetteFn {
  if (!Number.isInteger(d) || d < 1 || d > 4096) throw new RangeError(`silhouette: d ${d}`);
  let f = cache.get(d);
  if (!f) { f = new Function(`return ${source(d)}`)() as SilhouetteFn; cache.set(d, f); }
  return f;
}

// the worker: the rows and labels in shared memory, the result written into it, a flag raised when done
const WORKER = `
const { workerData: w } = require('node:worker_threads');
try {
  const f = new Function('return ' + w.src)();
  w.out.set(f(w.X, w.n, w.labels, w.k, w.sizes));
  Atomics.store(w.flag, 0, 1);
} catch (e) {
  Atomics.store(w.flag, 0, 2);
}
Atomics.notify(w.flag, 0);
`;

/** Below this many rows the pairs take less time than starting a thread. */
const WORKER_MIN_ROWS = 2000;

/**
 * Start the per-row silhouette of `X` (n × d) in a worker thread, when there is one and the rows are many enough;
 * `result()` waits for it (or computes it here, when no worker started or it failed). Labels and sizes as checked by
 * metrics.ts silhouetteSamples.
 */
export function silhouetteLater(X: Float64Array, d: number, labels: ArrayLike<number>, k: number, sizes: ArrayLike<number>): { result: () => Float64Array } {
  const n = X.length / d;
  const here = () => silhouetteKernel(d)(X, n, labels, k, sizes);
  if (n < WORKER_MIN_ROWS || typeof SharedArrayBuffer !== 'function') return { result: here };
  const shared = <T extends Float64Array | Int32Array>(make: (b: SharedArrayBuffer) => T, from: ArrayLike<number>, bytes: number): T => { const a = make(new SharedArrayBuffer(from.length * bytes)); a.set(from); return a; };
  const out = new Float64Array(new SharedArrayBuffer(n * 8));
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker;
  try {
    worker = new Worker(WORKER, {
      eval: true,
      workerData: {
        src: source(d), n, k, out, flag,
        X: shared((b) => new Float64Array(b), X, 8), labels: shared((b) => new Int32Array(b), labels, 4), sizes: shared((b) => new Float64Array(b), sizes, 8),
      },
    });
    worker.unref();
  } catch {
    return { result: here };
  }
  return {
    result: () => {
      let waited = 0;
      while (Atomics.load(flag, 0) === 0) {
        if (Atomics.wait(flag, 0, 0, 1000) === 'timed-out' && ++waited > 600) {
          void worker.terminate();
          throw new SegmintError('internal-error', 'the silhouette worker thread did not answer within 10 minutes', { exitCode: 1 });
        }
      }
      void worker.terminate();
      // a worker that failed (e.g. out of memory): the same function here
      return Atomics.load(flag, 0) === 1 ? Float64Array.from(out) : here();
    },
  };
}
