/**
 * k-means (Lloyd 1982) with greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with scikit-learn's
 * 2 + ⌊ln k⌋ local trials per centre) and Hamerly's (2010) bounds, which skip the distance computations
 * that cannot change a point's centre (Elkan's 2003 per-centre bounds were measured slower here: their
 * bookkeeping costs more than the distances they save at k = 8, d = 8). The labels and centres are those of plain Lloyd iterations from the
 * same seeds; only the work differs. Pure, over a row-major Float64Array (n rows × d columns).
 */
import { SegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { kernels } from './kernels.ts';
import { sampleRows, takeRows } from './metrics.ts';
import { defaultThreads, KMeansState } from './parallel.ts';

export interface KMeansParams {
  /** number of clusters, 1 ≤ k ≤ distinct rows */
  k: number;
  /** seed of the k-means++ draws (default 0) */
  seed?: number;
  /** independent k-means++ starts; the lowest inertia wins (default 3) */
  nInit?: number;
  /** Lloyd iterations per start (default 300, as scikit-learn) */
  maxIter?: number;
  /** relative tolerance: stop when the summed squared centre shift ≤ tol × mean per-feature variance (default 1e-4, as scikit-learn) */
  tol?: number;
  /**
   * above twice this many rows, each start is seeded and iterated to convergence on a seeded sample of
   * this many rows first, then iterated on all rows from there (default 100,000; 0 turns it off)
   */
  presample?: number;
  /** start from these centres (k × d) instead of k-means++ (then one start) */
  init?: Float64Array;
  /**
   * with a presample: every start is seeded and iterated on the same sample, and only the one with the lowest
   * inertia on it is iterated on all rows (one pass of Lloyd over all rows instead of one per start; default false)
   */
  refineBest?: boolean;
  /**
   * also return `assigned` and `distances`: every row's nearest final centre (ties to the lower) and its distance, as
   * ClusterModel.assignScaled computes them (the same sums), from one full E-step on the fit's threads
   */
  assign?: boolean;
  /** 1 or 2 threads (default 2 for large inputs on a machine with two cores or more); the result does not depend on it */
  threads?: number;
}

export interface KMeansFit {
  k: number;
  d: number;
  /** k × d, row-major */
  centroids: Float64Array;
  labels: Int32Array;
  /** sum of squared distances of the rows to their centre */
  inertia: number;
  /** Lloyd iterations of the winning start */
  iterations: number;
  converged: boolean;
  seed: number;
  nInit: number;
  /** the labels of every start, for stability measures (the winner's is `labels`) */
  startLabels: Int32Array[];
  startInertias: number[];
  /** with `assign`: each row's nearest centre of `centroids` (ties to the lower) */
  assigned?: Int32Array;
  /** with `assign`: each row's Euclidean distance to its `assigned` centre */
  distances?: Float64Array;
}

/**
 * Every row's nearest centre of C (ties to the lower) and its distance: a full E-step (the square root of the smallest
 * sum of squared differences, summed in feature order as kernels.ts sqDist sums them) on the state's threads.
 */
function assignAll(st: KMeansState, C: Float64Array): { assigned: Int32Array; distances: Float64Array } {
  st.C.set(C);
  st.estep(true, -1, 0, 0);
  // the state's own arrays: no thread writes them once the fit is over
  return { assigned: st.labels, distances: st.upper };
}

/** scikit-learn's `_tolerance`: tol × the mean over features of the population variance. */
export function relativeTolerance(X: Float64Array, d: number, tol: number): number {
  const n = X.length / d;
  if (tol === 0 || n === 0) return 0;
  // two row-major passes (means, then squared deviations): sequential memory access, the sums in locals (kernels.ts)
  const mean = new Float64Array(d), ss = new Float64Array(d);
  kernels(d).moments(X, n, mean, ss);
  let total = 0;
  for (let j = 0; j < d; j++) total += ss[j]! / n;
  return (total / d) * tol;
}

/**
 * Greedy k-means++: the first centre uniformly at random, then each next centre the best (lowest
 * potential) of 2 + ⌊ln k⌋ candidates drawn with probability proportional to the squared distance to
 * the nearest centre chosen so far (scikit-learn `_kmeans_plusplus`).
 */
export function kmeansPlusPlus(X: Float64Array, d: number, k: number, rng: Random, state?: KMeansState): Float64Array {
  const st = state ?? new KMeansState(X, d, k, 1);
  const n = st.n, Xs = st.X;
  const C = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(0, n - 1);
  C.set(Xs.subarray(first * d, first * d + d), 0);
  // the distances to the first centre: a candidate's run against an infinite "closest"
  st.closest.fill(Infinity);
  st.candidate(first);
  st.closest.set(st.candDist);
  const cum = new Float64Array(n);
  const bestDist = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) { acc += st.closest[i]!; cum[i] = acc; }
    let bestPot = Infinity, bestId = -1;
    for (let t = 0; t < trials; t++) {
      const r = rng.next() * acc;
      // the first index with cum ≥ r (numpy searchsorted, side left), at most n − 1
      let lo = 0, hi = n - 1;
      while (lo < hi) { const mid = (lo + hi) >>> 1; if (cum[mid]! < r) lo = mid + 1; else hi = mid; }
      const p = st.candidate(lo);
      if (p < bestPot) { bestPot = p; bestId = lo; bestDist.set(st.candDist); }
    }
    C.set(Xs.subarray(bestId * d, bestId * d + d), c * d);
    st.closest.set(bestDist);
  }
  return C;
}

/** Nearest centre of every row (ties to the lower index), with the squared distance; returns the inertia. */
export function assignNearest(X: Float64Array, d: number, C: Float64Array, labels: Int32Array, dist2: Float64Array): number {
  const n = X.length / d, k = C.length / d;
  const { sqDist } = kernels(d);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity, arg = 0;
    for (let c = 0; c < k; c++) {
      const s = sqDist(X, i, C, c);
      if (s < best) { best = s; arg = c; }
    }
    labels[i] = arg;
    dist2[i] = best;
    inertia += best;
  }
  return inertia;
}

interface Run { centroids: Float64Array; labels: Int32Array; inertia: number; iterations: number; converged: boolean }

/** Lloyd iterations from `C0` with Hamerly's bounds (kernels.ts estep). */
function lloydHamerly(st: KMeansState, C0: Float64Array, maxIter: number, tolAbs: number): Run {
  const { n, d, k, C, labels, shift, half } = st;
  const X = st.X;
  C.set(C0);
  labels.fill(-1);
  st.estep(true, -1, 0, 0);
  let iterations = 0, converged = false, full = false;
  const next = new Float64Array(k * d);
  while (iterations < maxIter) {
    iterations++;
    // M-step: the means of the current labels
    const tot = st.totals();
    const counts = tot.subarray(k * d);
    let empty = false;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) { empty = true; continue; }
      for (let j = 0; j < d; j++) next[c * d + j] = tot[c * d + j]! / counts[c]!;
    }
    if (empty) { relocateEmpty(X, d, C, labels, Float64Array.from(counts), next); full = true; }
    let shiftTot = 0, r1 = -1, r2 = -1;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) { const e = next[c * d + j]! - C[c * d + j]!; s += e * e; }
      shiftTot += s;
      shift[c] = Math.sqrt(s);
      if (r1 < 0 || shift[c]! > shift[r1]!) { r2 = r1; r1 = c; } else if (r2 < 0 || shift[c]! > shift[r2]!) r2 = c;
    }
    C.set(next);
    for (let c = 0; c < k; c++) {
      let m = Infinity;
      for (let o = 0; o < k; o++) if (o !== c) { let s = 0; for (let j = 0; j < d; j++) s += (C[c * d + j]! - C[o * d + j]!) ** 2; if (s < m) m = s; }
      half[c] = Math.sqrt(m) / 2;
    }
    // E-step: the labels for the new centres (relocated rows break the bounds: one full pass restores them)
    const changed = st.estep(full, r1, r1 >= 0 ? shift[r1]! : 0, r2 >= 0 ? shift[r2]! : 0);
    full = false;
    if (changed === 0 || shiftTot <= tolAbs) { converged = true; break; }
  }
  // labels are the nearest centres of C (the last E-step); inertia exactly from them
  const { sqDist } = kernels(d);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += sqDist(X, i, C, labels[i]!);
  return { centroids: Float64Array.from(C), labels: Int32Array.from(labels), inertia, iterations, converged };
}

/** scikit-learn's `_relocate_empty_clusters`: an empty cluster takes the row farthest from its centre. */
function relocateEmpty(X: Float64Array, d: number, C: Float64Array, labels: Int32Array, counts: Float64Array, next: Float64Array): void {
  const n = labels.length, k = counts.length;
  const { sqDist } = kernels(d);
  const empties: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empties.push(c);
  const far = new Float64Array(n);
  for (let i = 0; i < n; i++) far[i] = sqDist(X, i, C, labels[i]!);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => far[b]! - far[a]! || a - b);
  let p = 0;
  for (const c of empties) {
    while (p < n && counts[labels[order[p]!]!]! <= 1) p++;
    if (p >= n) break;
    const i = order[p++]!, old = labels[i]!;
    for (let j = 0; j < d; j++) {
      // move row i from its cluster's mean to the empty one
      next[old * d + j] = (next[old * d + j]! * counts[old]! - X[i * d + j]!) / (counts[old]! - 1);
      next[c * d + j] = X[i * d + j]!;
    }
    counts[old]!--; counts[c] = 1; labels[i] = c;
  }
}

/** Count the distinct rows (exact comparison), up to `limit`. */
export function distinctRows(X: Float64Array, d: number, limit = Infinity): number {
  const n = X.length / d;
  const seen = new Set<string>();
  for (let i = 0; i < n && seen.size < limit; i++) seen.add(Array.prototype.join.call(X.subarray(i * d, i * d + d), ','));
  return seen.size;
}

/**
 * Fit k-means. Throws `invalid-k` for k outside 1..distinct rows, `no-rows` for empty input and
 * `invalid-value` for non-finite values (impute or drop them first, see preprocess.ts).
 *
 * @example fitKMeans(X, 3, { k: 5, seed: 7 }).centroids
 */
export function fitKMeans(X: Float64Array, d: number, params: KMeansParams): KMeansFit {
  const { k } = params;
  const seed = params.seed ?? 0, nInit = params.nInit ?? 3, maxIter = params.maxIter ?? 300, tol = params.tol ?? 1e-4;
  if (!Number.isInteger(d) || d < 1 || X.length % d !== 0) throw new SegmintError('invalid-argument', `a matrix of ${X.length} values does not have ${d} columns`);
  const n = X.length / d;
  if (n === 0) throw new SegmintError('no-rows', 'no rows to cluster', { hint: 'check the input and the missing-value policy' });
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i]!)) throw new SegmintError('invalid-value', `row ${Math.floor(i / d)}, column ${i % d}: ${X[i]} is not a finite number`, { hint: 'impute or exclude missing values first' });
  }
  if (!Number.isInteger(nInit) || nInit < 1) throw new SegmintError('invalid-option', `nInit ${nInit}: expected a whole number ≥ 1`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new SegmintError('invalid-option', `maxIter ${maxIter}: expected a whole number ≥ 1`);
  if (!(tol >= 0)) throw new SegmintError('invalid-option', `tol ${tol}: expected a number ≥ 0`);
  if (!Number.isInteger(k) || k < 1) throw new SegmintError('invalid-k', `k ${k}: expected a whole number ≥ 1`, { hint: 'e.g. k 5' });
  if (k > n || distinctRows(X, d, k) < k) {
    throw new SegmintError('invalid-k', `k ${k} is more than the ${Math.min(n, distinctRows(X, d))} distinct rows: some clusters would be empty`, { hint: 'choose a smaller k' });
  }
  const tolAbs = relativeTolerance(X, d, tol);
  let best: Run | undefined;
  const startLabels: Int32Array[] = [], startInertias: number[] = [];
  let assigned: ReturnType<typeof assignAll> | undefined;
  const state = new KMeansState(X, d, k, params.threads ?? defaultThreads(n, k));
  try {
    if (params.init && params.init.length !== k * d) throw new SegmintError('invalid-argument', `init has ${params.init.length} values, expected k × d = ${k * d}`);
    const presample = params.presample ?? 100_000;
    // coarse to fine: the iterations far from convergence run on a sample, the last ones on all rows
    const start = (s: number, rng: Random): Float64Array => {
      if (!(presample > 0) || n <= 2 * presample) return kmeansPlusPlus(X, d, k, rng, state);
      const S = takeRows(X, d, sampleRows(n, presample, (seed + Math.imul(s + 1, 0x9e3779b1)) >>> 0));
      if (distinctRows(S, d, k) < k) return kmeansPlusPlus(X, d, k, rng, state);
      const sub = new KMeansState(S, d, k, params.threads ?? defaultThreads(presample, k), state);
      try {
        return lloydHamerly(sub, kmeansPlusPlus(S, d, k, rng, sub), maxIter, relativeTolerance(S, d, tol)).centroids;
      } finally {
        sub.close();
      }
    };
    if (params.refineBest && !params.init && presample > 0 && n > 2 * presample) {
      const S = takeRows(X, d, sampleRows(n, presample, (seed + 0x9e3779b1) >>> 0));
      if (distinctRows(S, d, k) >= k) {
        const sub = new KMeansState(S, d, k, params.threads ?? defaultThreads(presample, k), state);
        let seedBest: Run | undefined;
        try {
          for (let s = 0; s < nInit; s++) {
            const run = lloydHamerly(sub, kmeansPlusPlus(S, d, k, new Random(seed, s), sub), maxIter, relativeTolerance(S, d, tol));
            if (!seedBest || run.inertia < seedBest.inertia) seedBest = run;
          }
        } finally {
          sub.close();
        }
        best = lloydHamerly(state, seedBest!.centroids, maxIter, tolAbs);
        startLabels.push(best.labels);
        startInertias.push(best.inertia);
        return { k, d, centroids: best.centroids, labels: best.labels, inertia: best.inertia, iterations: best.iterations, converged: best.converged, seed, nInit, startLabels, startInertias,
          ...(params.assign ? assignAll(state, best.centroids) : {}) };
      }
    }
    for (let s = 0; s < (params.init ? 1 : nInit); s++) {
      const rng = new Random(seed, s);
      const run = lloydHamerly(state, params.init ?? start(s, rng), maxIter, tolAbs);
      startLabels.push(run.labels);
      startInertias.push(run.inertia);
      if (!best || run.inertia < best.inertia) best = run;
    }
    if (params.assign) assigned = assignAll(state, best!.centroids);
  } finally {
    state.close();
  }
  return { k, d, centroids: best!.centroids, labels: best!.labels, inertia: best!.inertia, iterations: best!.iterations, converged: best!.converged, seed, nInit: startLabels.length, startLabels, startInertias, ...assigned };
}
