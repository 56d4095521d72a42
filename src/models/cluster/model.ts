/**
 * The fitted cluster model: preprocessing + centroids (in the scaled space) + names. Immutable, JSON
 * round-trips exactly, and assigns new customers to the nearest centroid — in process here, in SQL
 * through features/cluster-assignment.ts, with the same arithmetic in the same order.
 */
import { SegmintError } from '../../core/errors.ts';
import { chooseK, type KChoice, type KScore } from './choose-k.ts';
import { fitKMeans, type KMeansFit } from './kmeans.ts';
import { fitMiniBatchStarts } from './minibatch.ts';
import { wardFitter } from './ward.ts';
import { calinskiHarabasz, daviesBouldin, sampleRows, silhouetteSamples, takeRows } from './metrics.ts';
import { fitPreprocess, pca, transform, type InputColumn, type Preprocessing, type PreprocessParams } from './preprocess.ts';
import { profileClusters, type ClusterProfile } from './profile.ts';

export const MODEL_FORMAT = 'segmint-cluster-model';

/** Algorithms whose model is centroids + nearest-centroid assignment. */
export type ClusterAlgorithm = 'kmeans' | 'minibatch' | 'ward';
const ALGORITHMS: readonly ClusterAlgorithm[] = ['kmeans', 'minibatch', 'ward'];

export interface ClusterModelJSON {
  format: typeof MODEL_FORMAT;
  version: 1;
  algorithm: ClusterAlgorithm;
  k: number;
  preprocessing: Preprocessing;
  /** k rows of steps.length numbers, in the scaled space */
  centroids: number[][];
  names: string[];
  seed: number;
  nInit: number;
  iterations: number;
  converged: boolean;
  inertia: number;
  warnings: string[];
}

export interface Assignment {
  labels: Int32Array;
  /** Euclidean distance to the assigned centroid in the scaled space */
  distances: Float64Array;
}

export class ClusterModel {
  readonly json: Readonly<ClusterModelJSON>;
  private readonly C: Float64Array;

  private constructor(json: ClusterModelJSON) {
    this.json = Object.freeze(structuredClone(json));
    this.C = Float64Array.from(json.centroids.flat());
  }

  get k(): number { return this.json.k; }
  get names(): readonly string[] { return this.json.names; }
  get preprocessing(): Preprocessing { return this.json.preprocessing; }

  /** @internal built by fitClusters */
  static create(json: ClusterModelJSON): ClusterModel { return new ClusterModel(json); }

  /** Nearest centroid of already-scaled rows; ties go to the lower cluster (as the SQL CASE does). */
  assignScaled(X: Float64Array): Assignment {
    const d = this.json.preprocessing.steps.length, k = this.json.k, n = X.length / d;
    const labels = new Int32Array(n), distances = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let best = Infinity, arg = 0;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) { const e = X[i * d + j]! - this.C[c * d + j]!; s += e * e; }
        if (s < best) { best = s; arg = c; }
      }
      labels[i] = arg;
      distances[i] = Math.sqrt(best);
    }
    return { labels, distances };
  }

  /** Assign raw rows (by column name; missing values are imputed as fitted). */
  assign(columns: readonly InputColumn[]): Assignment {
    return this.assignScaled(transform(this.json.preprocessing, columns));
  }

  toJSON(): ClusterModelJSON { return structuredClone(this.json) as ClusterModelJSON; }

  /** Rebuild a model from `toJSON()` output; `invalid-model` when the shape is wrong. */
  static fromJSON(json: unknown): ClusterModel {
    const j = json as ClusterModelJSON;
    const bad = (why: string) => new SegmintError('invalid-model', `not a Segmint cluster model: ${why}`, { hint: 'pass the JSON written by toJSON()' });
    if (!j || typeof j !== 'object' || j.format !== MODEL_FORMAT) throw bad(`format is not ${MODEL_FORMAT}`);
    if (j.version !== 1) throw bad(`version ${String(j.version)} is unknown`);
    if (!ALGORITHMS.includes(j.algorithm)) throw bad(`algorithm ${String(j.algorithm)} is unknown`);
    const d = j.preprocessing?.steps?.length;
    if (!d || !Array.isArray(j.centroids) || j.centroids.length !== j.k || j.centroids.some((c) => c.length !== d || !c.every(Number.isFinite))) throw bad(`expected ${j.k} centroids of ${d} finite numbers`);
    if (!Array.isArray(j.names) || j.names.length !== j.k) throw bad(`expected ${j.k} names`);
    return new ClusterModel(j);
  }
}

export interface ClusterParams extends PreprocessParams {
  /** 'kmeans' (default), 'minibatch' (Sculley 2010, for very large inputs) or 'ward' (Ward 1963; a tree of up to 20,000 rows) */
  algorithm?: ClusterAlgorithm;
  /** a number of clusters, or 'auto' (default) to choose from kMin..kMax */
  k?: number | 'auto';
  kMin?: number;
  kMax?: number;
  seed?: number;
  nInit?: number;
  maxIter?: number;
  tol?: number;
  minShare?: number;
  /** rows for the silhouette, the stability and the 2-D picture (default 10,000) */
  sampleSize?: number;
  /** k auto: above this many rows each k is fitted on a sample of this size (default 200,000; chooseK) */
  fitSampleSize?: number;
}

export interface ClusterFitOptions {
  /** revenue per input row, for the "substantial" criterion */
  revenue?: Float64Array;
  hasContact?: ArrayLike<boolean>;
}

export interface ClusterQuality {
  inertia: number;
  /** mean silhouette on the sample */
  silhouette: number | null;
  calinskiHarabasz: number | null;
  daviesBouldin: number | null;
  sampleSize: number;
}

export interface ClusterResult {
  model: ClusterModel;
  /** input row indices that were clustered */
  kept: Int32Array;
  /** cluster of each kept row */
  labels: Int32Array;
  distances: Float64Array;
  choice: (Omit<KChoice, 'fits'>) | null;
  profiles: ClusterProfile[];
  quality: ClusterQuality;
  /** the 2-D principal-component picture of the sample rows */
  picture: { rows: Int32Array; x: Float64Array; y: Float64Array; explained: number[] };
  missing: Record<string, number>;
  excluded: number;
  iterations: number;
  converged: boolean;
  warnings: string[];
}

/**
 * Preprocess, choose k (or take it), fit k-means, profile and name the clusters.
 *
 * @example fitClusters([{ name: 'income', kind: 'numeric', values }], { k: 'auto', seed: 1 }).profiles
 */
export function fitClusters(columns: readonly InputColumn[], params: ClusterParams = {}, options: ClusterFitOptions = {}): ClusterResult {
  const algorithm = params.algorithm ?? 'kmeans';
  if (!ALGORITHMS.includes(algorithm)) throw new SegmintError('invalid-option', `algorithm ${String(algorithm)}: expected ${ALGORITHMS.join(', ')}`);
  const seed = params.seed ?? 0, sampleSize = params.sampleSize ?? 10000, minShare = params.minShare ?? 0.02;
  const rows = columns[0]?.values.length ?? 0;
  if ((params.k ?? 'auto') === 'auto' && rows > 0 && rows < 3) {
    throw new SegmintError('too-few-customers', `choosing k needs at least 3 customers; there ${rows === 1 ? 'is 1' : `are ${rows}`}`, { hint: 'give k yourself (--k N), or cluster more customers' });
  }
  const pre = fitPreprocess(columns, params);
  const { X, kept } = pre;
  const d = pre.preprocessing.steps.length, n = kept.length;
  const warnings = [...pre.warnings];
  let fit: KMeansFit, choice: KChoice | null = null;
  const k = params.k ?? 'auto';
  if (k === 'auto') {
    choice = chooseK(X, d, { kMin: params.kMin, kMax: params.kMax, seed, nInit: params.nInit, minShare, sampleSize, maxIter: params.maxIter, fitSampleSize: params.fitSampleSize, algorithm });
    fit = choice.fits[choice.scores.findIndex((s: KScore) => s.k === choice!.k)]!;
    // fitted on a sample of the rows: Lloyd iterations on all rows from its centres
    if (choice.fittedOn < n && algorithm === 'kmeans') fit = { ...fitKMeans(X, d, { k: fit.k, seed, maxIter: params.maxIter, tol: params.tol, init: fit.centroids }), nInit: fit.nInit };
  } else {
    fit = algorithm === 'ward' ? wardFitter(X, d, seed)(k)
      : algorithm === 'minibatch' ? fitMiniBatchStarts(X, d, { k, seed, nInit: params.nInit })
      : fitKMeans(X, d, { k, seed, nInit: params.nInit, maxIter: params.maxIter, tol: params.tol });
  }
  if (!fit.converged) warnings.push(`${algorithm === 'kmeans' ? 'k-means' : 'mini-batch k-means'} stopped after ${fit.iterations} ${algorithm === 'kmeans' ? 'iterations' : 'steps'} without converging`);
  if (algorithm === 'ward' && n > 20_000) warnings.push(`the Ward tree was built on a seeded sample of 20,000 of the ${n} customers; every customer joins the nearest cluster centroid`);
  const K = fit.k;
  const sizes = new Float64Array(K);
  for (const l of fit.labels) sizes[l]!++;
  const small = [...sizes].filter((s) => s / n < minShare).length;
  if (small > 0) warnings.push(`${small} of the ${K} clusters hold less than ${(minShare * 100).toFixed(1)}% of the customers`);

  const sample = sampleRows(n, sampleSize, seed);
  const Xs = sample.length === n ? X : takeRows(X, d, sample);
  const labelsS = Int32Array.from(sample, (i) => fit.labels[i]!);
  const usedS = new Set(labelsS).size;
  let silhouette: number | null = null;
  const perCluster = new Float64Array(K).fill(NaN);
  if (usedS >= 2 && usedS < labelsS.length) {
    const s = silhouetteSamples(Xs, d, labelsS);
    const sum = new Float64Array(K), cnt = new Float64Array(K);
    for (let i = 0; i < s.length; i++) { sum[labelsS[i]!]! += s[i]!; cnt[labelsS[i]!]!++; }
    silhouette = sum.reduce((a, b) => a + b, 0) / s.length;
    for (let c = 0; c < K; c++) perCluster[c] = cnt[c]! > 0 ? sum[c]! / cnt[c]! : NaN;
  }
  const many = K >= 2 && K < n;
  const separation = Array.from({ length: K }, (_, c) => {
    let m = Infinity;
    for (let o = 0; o < K; o++) if (o !== c) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (fit.centroids[c * d + j]! - fit.centroids[o * d + j]!) ** 2;
      m = Math.min(m, Math.sqrt(s));
    }
    return Number.isFinite(m) ? m : 0;
  });
  const numeric = columns.filter((c): c is Extract<InputColumn, { kind: 'numeric' }> => c.kind === 'numeric');
  const profiles = profileClusters(numeric.map((c) => ({ name: c.name, values: Float64Array.from(kept, (i) => c.values[i]!) })), fit.labels, K, {
    revenue: options.revenue ? Float64Array.from(kept, (i) => options.revenue![i]!) : undefined,
    hasContact: options.hasContact ? Array.from(kept, (i) => Boolean(options.hasContact![i])) : undefined,
    silhouette: silhouette === null ? undefined : Array.from(perCluster, (v) => (Number.isNaN(v) ? 0 : v)),
    separation: K >= 2 ? separation : undefined,
  });
  const model = ClusterModel.create({
    format: MODEL_FORMAT, version: 1, algorithm, k: K, preprocessing: pre.preprocessing,
    centroids: Array.from({ length: K }, (_, c) => Array.from(fit.centroids.subarray(c * d, c * d + d))),
    names: profiles.map((p) => p.name), seed, nInit: fit.nInit, iterations: fit.iterations, converged: fit.converged, inertia: fit.inertia, warnings,
  });
  const { distances } = model.assignScaled(X);
  const pc = pca(Xs, d, 2);
  const m = pc.components.length / d;
  const picture = {
    rows: Int32Array.from(sample, (i) => kept[i]!),
    x: Float64Array.from({ length: sample.length }, (_, i) => pc.scores[i * m]!),
    y: Float64Array.from({ length: sample.length }, (_, i) => (m > 1 ? pc.scores[i * m + 1]! : 0)),
    explained: Array.from(pc.explained),
  };
  const { fits: _fits, ...choiceOut } = choice ?? { fits: null };
  return {
    model, kept, labels: fit.labels, distances, choice: choice ? (choiceOut as Omit<KChoice, 'fits'>) : null, profiles,
    quality: {
      inertia: fit.inertia, silhouette,
      calinskiHarabasz: many ? calinskiHarabasz(X, d, fit.labels) : null,
      daviesBouldin: many ? daviesBouldin(X, d, fit.labels) : null,
      sampleSize: sample.length,
    },
    picture, missing: pre.missing, excluded: pre.excluded, iterations: fit.iterations, converged: fit.converged, warnings,
  };
}
