/**
 * Choosing k: k-means for every k in a range, scored by inertia (with the elbow found by the largest
 * distance from the chord, as in Kneedle — Satopää et al. 2011), silhouette on a seeded sample,
 * Calinski-Harabasz, Davies-Bouldin, stability (mean adjusted Rand index between restarts) and the
 * smallest cluster's share. The choice: the highest silhouette among the k whose every cluster holds at
 * least `minShare` of the rows and whose restarts agree (stability ≥ 0.8), relaxing first stability, then
 * the size rule when no k meets them; the reason says so in words.
 */
import { SegmintError } from '../../core/errors.ts';
import { assignNearest, distinctRows, fitKMeans, type KMeansFit } from './kmeans.ts';
import { fitMiniBatchStarts } from './minibatch.ts';
import { wardFitter } from './ward.ts';
import { fitGaussianMixture, type Covariance, type GmmFit } from './gmm.ts';
import { kernels } from './kernels.ts';
import { adjustedRandIndex, calinskiHarabasz, daviesBouldin, sampleRows, silhouetteSamples, takeRows } from './metrics.ts';
import { grouped } from '../../core/numbers.ts';

export interface ChooseKParams {
  kMin?: number;
  kMax?: number;
  seed?: number;
  /** restarts per k (default 3; at least 2 for a stability figure) */
  nInit?: number;
  /** smallest acceptable cluster share (default 0.02) */
  minShare?: number;
  /** rows for the silhouette and the stability (default 10,000) */
  sampleSize?: number;
  /** above this many rows, each k is fitted on a seeded sample of this size and every row assigned to the nearest centre (default 200,000) */
  fitSampleSize?: number;
  maxIter?: number;
  /** 'kmeans' (default), 'minibatch', 'ward' (one tree cut at every k) or 'gmm' (chosen by BIC) */
  algorithm?: 'kmeans' | 'minibatch' | 'ward' | 'gmm';
  /** gmm: 'full' (default) or 'diag' */
  covariance?: Covariance;
}

export interface KScore {
  k: number;
  inertia: number;
  silhouette: number;
  calinskiHarabasz: number;
  daviesBouldin: number;
  /** mean pairwise adjusted Rand index of the restarts' labels on the sample (1 with one restart) */
  stability: number;
  /** gmm only: Bayesian information criterion (lower is better) */
  bic?: number;
  smallestShare: number;
  /** every cluster ≥ minShare */
  sizesOk: boolean;
  stable: boolean;
}

export interface KChoice {
  k: number;
  reason: string;
  /** k at the elbow of the inertia curve, null when the curve has no clear bend */
  elbow: number | null;
  scores: KScore[];
  /** the best k-means fit for every k tried, in the order of `scores` (labels of all rows) */
  fits: KMeansFit[];
  /** the per-row silhouettes of each fit on the `sampleSize` sample (null when the sample holds one cluster), in the order of `scores` */
  silhouettes: (Float64Array | null)[];
  /** rows the k-means of each k was fitted on (n unless above fitSampleSize) */
  fittedOn: number;
  /** gmm: the best mixture of every k, in the order of `scores` */
  mixtures?: GmmFit[];
  sampleSize: number;
  seed: number;
}

export const STABILITY_THRESHOLD = 0.8;

/** The elbow of a decreasing curve: the point farthest from the chord of the normalised curve (null below 0.05). */
export function elbowOf(ks: readonly number[], y: readonly number[]): number | null {
  if (ks.length < 3) return null;
  const x0 = ks[0]!, x1 = ks[ks.length - 1]!;
  const ymax = Math.max(...y), ymin = Math.min(...y);
  if (!(ymax > ymin)) return null;
  let best = -1, arg: number | null = null;
  for (let i = 0; i < ks.length; i++) {
    const xn = (ks[i]! - x0) / (x1 - x0), yn = (y[i]! - ymin) / (ymax - ymin);
    const yc0 = (y[0]! - ymin) / (ymax - ymin), yc1 = (y[y.length - 1]! - ymin) / (ymax - ymin);
    // distance below the chord from (0, yc0) to (1, yc1)
    const dist = (yc0 + (yc1 - yc0) * xn - yn) / Math.hypot(1, yc1 - yc0);
    if (dist > best) { best = dist; arg = ks[i]!; }
  }
  return best >= 0.05 ? arg : null;
}

const f2 = (x: number) => x.toFixed(2), f3 = (x: number) => x.toFixed(3);

/** Fit and score k-means for k = kMin..kMax and choose k. Errors: `too-few-customers`, `invalid-option`. */
export function chooseK(X: Float64Array, d: number, params: ChooseKParams = {}): KChoice {
  const n = X.length / d;
  const seed = params.seed ?? 0, nInit = params.nInit ?? 3, minShare = params.minShare ?? 0.02, sampleSize = params.sampleSize ?? 10000;
  const kMin = params.kMin ?? 2;
  if (!Number.isInteger(kMin) || kMin < 2) throw new SegmintError('invalid-option', `kMin ${kMin}: expected a whole number ≥ 2`);
  if (!(minShare >= 0 && minShare < 0.5)) throw new SegmintError('invalid-option', `minShare ${minShare}: expected a share from 0 to below 0.5`);
  if (!Number.isInteger(sampleSize) || sampleSize < 10) throw new SegmintError('invalid-option', `sampleSize ${sampleSize}: expected a whole number ≥ 10`);
  const distinct = distinctRows(X, d, (params.kMax ?? 10) + 1);
  // the silhouette is defined for 2 ≤ k ≤ n − 1 (and k clusters need k distinct rows)
  const kMax = Math.min(params.kMax ?? 10, distinct, n - 1);
  if (kMax < kMin) {
    throw new SegmintError('too-few-customers', `choosing k from ${kMin} needs at least ${kMin + 1} customers with ${kMin} distinct feature rows; there are ${n} customers and ${Math.min(distinct, n)} distinct rows`, {
      hint: 'give k yourself (--k N), or cluster more customers',
    });
  }
  const sample = sampleRows(n, sampleSize, seed);
  const Xs = sample.length === n ? X : takeRows(X, d, sample);
  const fitSampleSize = params.fitSampleSize ?? 200_000;
  const ward = params.algorithm === 'ward' ? wardFitter(X, d, seed) : null;
  const gmm = params.algorithm === 'gmm';
  const mixtures: GmmFit[] = [];
  const fitRows = !ward && !gmm && n > fitSampleSize ? sampleRows(n, fitSampleSize, seed ^ 0x2545f491) : null;
  const Xf = fitRows ? takeRows(X, d, fitRows) : X;
  const scores: KScore[] = [], fits: KMeansFit[] = [], silhouettes: (Float64Array | null)[] = [];
  // the starts' labels for the stability: on (up to sampleSize of) the rows they were fitted on
  const stabilityRows = fitRows ? sampleRows(fitRows.length, sampleSize, seed) : sample;
  for (let k = kMin; k <= kMax; k++) {
    let fit = ward ? ward(k) : gmm ? gmmStarts(X, d, k, seed, nInit, { covariance: params.covariance ?? 'full', maxIter: params.maxIter }, mixtures) : params.algorithm === 'minibatch' ? fitMiniBatchStarts(Xf, d, { k, seed, nInit }) : fitKMeans(Xf, d, { k, seed, nInit, maxIter: params.maxIter });
    const starts = fit.startLabels.map((l) => (stabilityRows.length === l.length ? l : Int32Array.from(stabilityRows, (i) => l[i]!)));
    if (fitRows) {
      const labels = new Int32Array(n);
      fit = { ...fit, labels, inertia: assignNearest(X, d, fit.centroids, labels, new Float64Array(n)) };
    }
    const sizes = new Float64Array(k);
    for (const l of fit.labels) sizes[l]!++;
    const sampled = (labels: Int32Array) => (sample.length === n ? labels : Int32Array.from(sample, (i) => labels[i]!));
    const labelsS = sampled(fit.labels);
    let stability = 1;
    if (starts.length > 1) {
      const ls = starts;
      let s = 0, m = 0;
      for (let a = 0; a < ls.length; a++) for (let b = a + 1; b < ls.length; b++) { s += adjustedRandIndex(ls[a]!, ls[b]!); m++; }
      stability = s / m;
    }
    // the restarts' labels are only needed for the stability: release them
    fits.push({ ...fit, startLabels: [fit.labels] });
    const smallestShare = Math.min(...sizes) / n;
    // a sample can miss a small cluster; silhouette needs two clusters in it
    const used = new Set(labelsS).size;
    const sil = used >= 2 && used < labelsS.length ? silhouetteSamples(Xs, d, labelsS) : null;
    silhouettes.push(sil);
    const silhouette = sil ? sil.reduce((a, b) => a + b, 0) / sil.length : 0;
    scores.push({
      k, inertia: fit.inertia, silhouette,
      calinskiHarabasz: calinskiHarabasz(X, d, fit.labels), daviesBouldin: daviesBouldin(X, d, fit.labels),
      stability, smallestShare, sizesOk: smallestShare >= minShare, stable: stability >= STABILITY_THRESHOLD,
      ...(gmm ? { bic: mixtures[mixtures.length - 1]!.bic } : {}),
    });
  }
  const elbow = elbowOf(scores.map((s) => s.k), scores.map((s) => s.inertia));
  const { chosen, parts } = explainChoice(scores, { minShare, gmm, elbow });
  if (fitRows) parts.push(`each k was fitted on a seeded sample of ${grouped(fitRows.length)} of the ${grouped(n)} rows, then every row assigned to its nearest centre`);
  return { k: chosen.k, reason: `${parts.join('; ')}.`, elbow, scores, fits, silhouettes, fittedOn: Xf.length / d, sampleSize: sample.length, seed, ...(gmm ? { mixtures } : {}) };
}

/** The choice among the scored k and its reason in words (without the note on fitting on a sample). */
export function explainChoice(scores: readonly KScore[], o: { minShare: number; gmm: boolean; elbow: number | null }): { chosen: KScore; parts: string[] } {
  const { minShare, gmm, elbow } = o;
  // mixtures are chosen by BIC (lower is better), the others by silhouette
  const criterion = gmm ? 'the lowest BIC' : 'the highest silhouette';
  const value = (s: KScore) => (gmm ? -s.bic! : s.silhouette);
  const shown = (s: KScore) => (gmm ? `BIC ${s.bic!.toFixed(1)}, silhouette ${f3(s.silhouette)}` : f3(s.silhouette));
  const pick = (list: readonly KScore[]) => list.reduce((a, b) => (value(b) > value(a) ? b : a));
  const good = scores.filter((s) => s.sizesOk && s.stable), sized = scores.filter((s) => s.sizesOk);
  const stable = scores.filter((s) => s.stable);
  const chosen = good.length ? pick(good) : sized.length ? pick(sized) : pick(stable.length ? stable : scores);
  const bestCh = scores.reduce((a, b) => (b.calinskiHarabasz > a.calinskiHarabasz ? b : a));
  const bestDb = scores.reduce((a, b) => (b.daviesBouldin < a.daviesBouldin ? b : a));
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const parts = [
    good.length
      ? `k = ${chosen.k} has ${criterion} (${shown(chosen)}) among the k whose every cluster holds at least ${pct(minShare)} of the customers and whose restarts agree (adjusted Rand index ≥ ${STABILITY_THRESHOLD})`
      : sized.length
        // the stable k (if any) all have a cluster below minShare: say so, rather than "no k was stable (best 1.00)"
        ? `k = ${chosen.k} has ${criterion} (${shown(chosen)}) among the k whose every cluster holds at least ${pct(minShare)}; none of these k was stable across restarts (best ${f2(Math.max(...sized.map((s) => s.stability)))}, below ${STABILITY_THRESHOLD})${
          stable.length ? `, and the k whose restarts agree (${stable.map((s) => `${s.k}: stability ${f2(s.stability)}, smallest cluster ${pct(s.smallestShare)}`).join('; ')}) have a cluster below ${pct(minShare)}` : ''}`
        : `no k keeps every cluster at ${pct(minShare)} of the customers or more; k = ${chosen.k} has ${criterion} (${shown(chosen)})${stable.length ? ' of the k stable across restarts' : ''}`,
    `its smallest cluster holds ${pct(chosen.smallestShare)}, stability ${f2(chosen.stability)}`,
    elbow === null ? 'the inertia curve has no clear elbow' : elbow === chosen.k ? `the inertia curve bends at the same k` : `the inertia curve bends at k = ${elbow}`,
    `Calinski-Harabasz is highest at k = ${bestCh.k}, Davies-Bouldin lowest at k = ${bestDb.k}`,
  ];
  const excluded = scores.filter((s) => !s.sizesOk || !s.stable).map((s) => `${s.k} (${!s.sizesOk ? `smallest cluster ${pct(s.smallestShare)}` : `stability ${f2(s.stability)}`})`);
  if (excluded.length && good.length) parts.push(`left out: k = ${excluded.join(', ')}`);
  return { chosen, parts };
}

/** nInit mixtures from k-means starts with seeds seed + s; the highest likelihood is pushed to `out` and returned as a fit. */
export function gmmStarts(X: Float64Array, d: number, k: number, seed: number, nInit: number, em: { covariance: Covariance; maxIter?: number; tol?: number }, out: GmmFit[]): KMeansFit {
  const fits = Array.from({ length: nInit }, (_, s) => fitGaussianMixture(X, d, { k, ...em, seed: seed + s }));
  const best = fits.reduce((a, b) => (b.logLikelihood > a.logLikelihood ? b : a));
  out.push(best);
  const { sqDist } = kernels(d);
  let inertia = 0;
  for (let i = 0; i < best.labels.length; i++) inertia += sqDist(X, i, best.means, best.labels[i]!);
  return { k, d, centroids: best.means, labels: best.labels, inertia, iterations: best.iterations, converged: best.converged, seed, nInit, startLabels: fits.map((f) => f.labels), startInertias: fits.map((f) => -f.logLikelihood) };
}
