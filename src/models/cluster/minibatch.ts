/**
 * Mini-batch k-means (Sculley 2010, "Web-scale k-means clustering", WWW 2010): k-means++ on a seeded
 * initial sample, then steps over seeded batches — the rows of a batch are assigned to their nearest centres,
 * then each pulls its centre towards it with a per-centre learning rate 1 / (rows the centre has absorbed),
 * as scikit-learn's MiniBatchKMeans.
 * Stops when the exponentially weighted batch inertia has not improved for `maxNoImprovement` steps, or
 * after `maxIter` passes over the data. Every row is then assigned to its nearest centre. Far cheaper than
 * Lloyd on very large inputs, at a somewhat higher inertia.
 */
import { SegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { kernels } from './kernels.ts';
import { assignNearest, distinctRows, fitKMeans, kmeansPlusPlus, type KMeansFit } from './kmeans.ts';
import { sampleRows, takeRows } from './metrics.ts';

export interface MiniBatchParams {
  k: number;
  seed?: number;
  /** rows per batch (default 1024, as scikit-learn) */
  batchSize?: number;
  /** passes over the data at most (default 100) */
  maxIter?: number;
  /** steps without improvement of the smoothed batch inertia before stopping (default 10) */
  maxNoImprovement?: number;
}

/** Fit mini-batch k-means; the result has the shape of a k-means fit (one start). */
export function fitMiniBatchKMeans(X: Float64Array, d: number, params: MiniBatchParams): KMeansFit {
  const { k } = params;
  const seed = params.seed ?? 0, batch = params.batchSize ?? 1024, maxIter = params.maxIter ?? 100, patience = params.maxNoImprovement ?? 10;
  const n = X.length / d;
  if (n === 0) throw new SegmintError('no-rows', 'no rows to cluster');
  if (!Number.isInteger(k) || k < 1 || k > n || distinctRows(X, d, k) < k) throw new SegmintError('invalid-k', `k ${k}: expected a whole number from 1 to the ${Math.min(n, distinctRows(X, d))} distinct rows`, { hint: 'choose a smaller k' });
  if (!Number.isInteger(batch) || batch < 1) throw new SegmintError('invalid-option', `batchSize ${batch}: expected a whole number ≥ 1`);
  for (let i = 0; i < X.length; i++) if (!Number.isFinite(X[i]!)) throw new SegmintError('invalid-value', `row ${Math.floor(i / d)}: ${X[i]} is not a finite number`, { hint: 'impute or exclude missing values first' });
  const rng = new Random(seed, 0x6d62);
  // scikit-learn seeds on 3 × batch rows (at least k)
  let S = takeRows(X, d, sampleRows(n, Math.max(3 * batch, k), seed ^ 0x6d62));
  if (distinctRows(S, d, k) < k) S = X;
  const C = kmeansPlusPlus(S, d, k, rng);
  const counts = new Float64Array(k);
  const steps = Math.max(1, Math.ceil((maxIter * n) / batch));
  let ewa = NaN, best = Infinity, noImprovement = 0, step = 0, converged = false;
  const alpha = Math.min(1, (2 * batch) / (n + 1));
  const rows = new Int32Array(batch), nearest = new Int32Array(batch);
  for (; step < steps; step++) {
    for (let b = 0; b < batch; b++) rows[b] = rng.int(0, n - 1);
    const inertia = miniBatchStep(X, d, C, counts, rows, nearest) / batch;
    ewa = Number.isNaN(ewa) ? inertia : ewa * (1 - alpha) + inertia * alpha;
    if (ewa < best) { best = ewa; noImprovement = 0; } else if (++noImprovement >= patience) { converged = true; break; }
  }
  const labels = new Int32Array(n);
  const total = assignNearest(X, d, C, labels, new Float64Array(n));
  const used = new Set(labels).size;
  if (used < k) {
    // a centre no row is nearest to: two Lloyd iterations from here relocate it (scikit-learn's rule)
    const polished = fitKMeans(X, d, { k, seed, init: C, maxIter: 2 });
    return { ...polished, iterations: step + 1 + polished.iterations, converged, seed, nInit: 1 };
  }
  return { k, d, centroids: C, labels, inertia: total, iterations: step + 1, converged, seed, nInit: 1, startLabels: [labels], startInertias: [total] };
}

/**
 * One mini-batch step (Sculley 2010, Algorithm 1): every row of the batch is first assigned to its nearest
 * centre of C as it stands (ties to the lower centre), then, row by row, that centre moves towards it with
 * the learning rate 1 / (rows the centre has absorbed). Updates C and counts in place; returns the batch's
 * squared distances to the centres before the step. `nearest` is scratch space of the batch's length.
 */
export function miniBatchStep(X: Float64Array, d: number, C: Float64Array, counts: Float64Array, rows: Int32Array, nearest: Int32Array): number {
  const k = counts.length, { sqDist } = kernels(d);
  let inertia = 0;
  for (let b = 0; b < rows.length; b++) {
    let bestD = Infinity, arg = 0;
    for (let c = 0; c < k; c++) { const s = sqDist(X, rows[b]!, C, c); if (s < bestD) { bestD = s; arg = c; } }
    nearest[b] = arg;
    inertia += bestD;
  }
  for (let b = 0; b < rows.length; b++) {
    const i = rows[b]!, c = nearest[b]!;
    counts[c]!++;
    const eta = 1 / counts[c]!;
    for (let j = 0; j < d; j++) C[c * d + j]! += eta * (X[i * d + j]! - C[c * d + j]!);
  }
  return inertia;
}

/** `nInit` mini-batch fits with seeds (seed, start); the lowest inertia wins, every start's labels kept. */
export function fitMiniBatchStarts(X: Float64Array, d: number, params: MiniBatchParams & { nInit?: number }): KMeansFit {
  const nInit = params.nInit ?? 3;
  const fits = Array.from({ length: nInit }, (_, s) => fitMiniBatchKMeans(X, d, { ...params, seed: (params.seed ?? 0) + s * 7919 }));
  const best = fits.reduce((a, b) => (b.inertia < a.inertia ? b : a));
  return { ...best, seed: params.seed ?? 0, nInit, startLabels: fits.map((f) => f.labels), startInertias: fits.map((f) => f.inertia) };
}
