/**
 * The fitted cluster model: preprocessing + centroids (in the scaled space) + names. Immutable, JSON
 * round-trips exactly, and assigns new customers to the nearest centroid — in process here, in SQL
 * through features/cluster-assignment.ts, with the same arithmetic in the same order.
 */
import { SegmintError } from '../../core/errors.ts';
import { chooseK, gmmStarts, type KChoice, type KScore } from './choose-k.ts';
import { fitKMeans, type KMeansFit } from './kmeans.ts';
import { fitMiniBatchStarts } from './minibatch.ts';
import { WARD_MAX_ROWS, wardFitter } from './ward.ts';
import { fitKPrototypes } from './kprototypes.ts';
import { calinskiDavies, sampleRows, silhouetteSamplesLater, takeRows } from './metrics.ts';
import { fitPreprocess, pca, transform, type InputColumn, type Preprocessing, type PreprocessParams } from './preprocess.ts';
import { profileClustersStaged, type ClusterProfile } from './profile.ts';
import { kernels } from './kernels.ts';
import { choleskyInverse, type Covariance, type GmmFit } from './gmm.ts';
import { grouped } from '../../core/numbers.ts';

export const MODEL_FORMAT = 'segmint-cluster-model';

/** kmeans, minibatch and ward assign to the nearest centroid; gmm to the most probable component. */
export type ClusterAlgorithm = 'kmeans' | 'minibatch' | 'ward' | 'gmm' | 'kprototypes';
export const ALGORITHMS: readonly ClusterAlgorithm[] = ['kmeans', 'minibatch', 'ward', 'gmm', 'kprototypes'];
/** How each algorithm is named to people, and what one of its iterations is called. */
export const ALGORITHM_LABELS: Record<ClusterAlgorithm, { name: string; steps: string }> = {
  kmeans: { name: 'k-means', steps: 'iterations' },
  minibatch: { name: 'mini-batch k-means', steps: 'steps' },
  ward: { name: 'Ward clustering', steps: 'merges' },
  gmm: { name: 'Gaussian mixture', steps: 'EM iterations' },
  kprototypes: { name: 'k-prototypes', steps: 'iterations' },
};

/**
 * k-prototypes' categorical part: a row's score for cluster c is the squared distance of its scaled
 * numbers to the centroid plus γ for every categorical feature whose value is not the cluster's mode (a
 * missing value matches no mode).
 */
export interface PrototypesJSON {
  gamma: number;
  /** per categorical feature: its name and each cluster's mode (null: the cluster never saw a value) */
  categorical: { name: string; modes: (string | null)[] }[];
}

/**
 * A Gaussian mixture's assignment: component c scores q_c + bias_c with q_c = (z − μ_c)ᵀ P_c (z − μ_c),
 * P_c = Σ_c⁻¹ and bias_c = ln det Σ_c − 2 ln w_c; the lowest score is the most probable component, and
 * p_c = exp(−(s_c − s_min)/2) / Σ_j exp(−(s_j − s_min)/2) its membership probability.
 */
export interface MixtureJSON {
  covariance: Covariance;
  weights: number[];
  /** per component: d × d (full, row-major) or d (diag) */
  precisions: number[][];
  bias: number[];
}

/** q = (z − μ)ᵀ P (z − μ) summed as the SQL sums it: diagonal terms, then 2·P_jl·e_j·e_l for j < l, row by row. */
export function quadraticForm(mix: MixtureJSON, c: number, e: ArrayLike<number>, d: number): number {
  const P = mix.precisions[c]!;
  let q = 0, first = true;
  const add = (t: number) => { q = first ? t : q + t; first = false; };
  for (let j = 0; j < d; j++) {
    if (mix.covariance === 'diag') { add((P[j]! * e[j]!) * e[j]!); continue; }
    add((P[j * d + j]! * e[j]!) * e[j]!);
    for (let l = j + 1; l < d; l++) add(((2 * P[j * d + l]!) * e[j]!) * e[l]!);
  }
  return q;
}

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
  /** gmm only */
  mixture?: MixtureJSON;
  /** kprototypes only */
  prototypes?: PrototypesJSON;
}

export interface Assignment {
  labels: Int32Array;
  /** Euclidean distance to the assigned centroid in the scaled space (gmm: the Mahalanobis distance) */
  distances: Float64Array;
  /** gmm only: the membership probability of the assigned component */
  probabilities?: Float64Array;
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

  /** Nearest centroid (gmm: most probable component) of already-scaled rows; ties go to the lower cluster, as the SQL CASE does. */
  assignScaled(X: Float64Array): Assignment {
    const d = this.json.preprocessing.steps.length, k = this.json.k, n = X.length / d;
    const labels = new Int32Array(n), distances = new Float64Array(n);
    const mix = this.json.mixture;
    if (!mix) {
      // nearest centroid: the kernel for d features (the same sums, in feature order from 0)
      const { sqDist } = kernels(d);
      for (let i = 0; i < n; i++) {
        let best = Infinity, arg = 0;
        for (let c = 0; c < k; c++) { const s = sqDist(X, i, this.C, c); if (s < best) { best = s; arg = c; } }
        labels[i] = arg;
        distances[i] = Math.sqrt(best);
      }
      return { labels, distances };
    }
    const probabilities = mix ? new Float64Array(n) : undefined;
    const e = new Float64Array(d), score = new Float64Array(k), q = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      let best = Infinity, arg = 0;
      for (let c = 0; c < k; c++) {
        let s = 0;
        if (mix) {
          for (let j = 0; j < d; j++) e[j] = X[i * d + j]! - this.C[c * d + j]!;
          q[c] = quadraticForm(mix, c, e, d);
          s = q[c]! + mix.bias[c]!;
        } else for (let j = 0; j < d; j++) { const t = X[i * d + j]! - this.C[c * d + j]!; s += t * t; }
        score[c] = s;
        if (s < best) { best = s; arg = c; }
      }
      labels[i] = arg;
      if (mix) {
        let z = 0;
        // exponents floored at −700 as in the SQL (PostgreSQL refuses an exp() that underflows)
        for (let c = 0; c < k; c++) z += Math.exp(Math.max((best - score[c]!) / 2, -700));
        probabilities![i] = 1 / z;
        distances[i] = Math.sqrt(Math.max(0, q[arg]!));
      } else distances[i] = Math.sqrt(best);
    }
    return probabilities ? { labels, distances, probabilities } : { labels, distances };
  }

  /** Assign raw rows (by column name; missing values are imputed as fitted). */
  assign(columns: readonly InputColumn[]): Assignment {
    const X = transform(this.json.preprocessing, columns);
    const pro = this.json.prototypes;
    if (!pro) return this.assignScaled(X);
    const byName = new Map(columns.map((c) => [c.name, c]));
    const cats = pro.categorical.map((f) => {
      const c = byName.get(f.name);
      if (!c || c.kind !== 'categorical') throw new SegmintError('unknown-feature', `the model needs the categorical feature ${f.name}`);
      return c.values;
    });
    return this.assignPrototypes(X, cats);
  }

  /** k-prototypes: nearest prototype by the numeric squared distance plus γ per categorical mismatch. */
  assignPrototypes(X: Float64Array, cats: readonly (readonly (string | null)[])[]): Assignment {
    const pro = this.json.prototypes!;
    const d = this.json.preprocessing.steps.length, k = this.json.k, n = cats[0]?.length ?? X.length / d;
    const labels = new Int32Array(n), distances = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let best = Infinity, arg = 0;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) { const t = X[i * d + j]! - this.C[c * d + j]!; s += t * t; }
        pro.categorical.forEach((f, j) => { const v = cats[j]![i]; s += v !== null && v === f.modes[c] ? 0 : pro.gamma; });
        if (s < best) { best = s; arg = c; }
      }
      labels[i] = arg;
      distances[i] = Math.sqrt(best);
    }
    return { labels, distances };
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
    if (j.algorithm === 'kprototypes' && (!j.prototypes || !Number.isFinite(j.prototypes.gamma) || j.prototypes.categorical.some((c) => c.modes.length !== j.k))) throw bad('a kprototypes model needs γ and k modes per categorical feature');
    if (j.algorithm === 'gmm') {
      const m = j.mixture, per = m?.covariance === 'full' ? d * d : d;
      if (!m || m.precisions?.length !== j.k || m.bias?.length !== j.k || m.precisions.some((p) => p.length !== per || !p.every(Number.isFinite)) || !m.bias.every(Number.isFinite)) throw bad('a gmm model needs a mixture with k precisions and biases');
    }
    return new ClusterModel(j);
  }
}

export interface ClusterParams extends PreprocessParams {
  /** 'kmeans' (default), 'minibatch' (Sculley 2010, for very large inputs), 'ward' (Ward 1963; a tree of up to 20,000 rows) or 'gmm' (Gaussian mixture, k by BIC) */
  algorithm?: ClusterAlgorithm;
  /** gmm: 'full' (default) or 'diag' covariance matrices */
  covariance?: Covariance;
  /** kprototypes: weight of a categorical mismatch (default half the mean sd of the scaled numbers) */
  gamma?: number;
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

/** k-prototypes on the scaled numbers and the categorical codes; the modes as level names go to `out`. */
function prototypesFit(X: Float64Array, d: number, cats: Extract<InputColumn, { kind: 'categorical' }>[], kept: Int32Array, k: number, seed: number,
  params: ClusterParams, out: PrototypesJSON[]): KMeansFit {
  const n = kept.length;
  const levels = cats.map((c) => [...new Set(Array.from(kept, (i) => c.values[i]).filter((v): v is string => v !== null))].sort());
  const codes = new Int32Array(n * cats.length);
  cats.forEach((c, j) => { const idx = new Map(levels[j]!.map((l, t) => [l, t])); for (let r = 0; r < n; r++) { const v = c.values[kept[r]!]; codes[r * cats.length + j] = v === null || v === undefined ? -1 : idx.get(v)!; } });
  const f = fitKPrototypes(X, d, codes, cats.length, { k, seed, nInit: params.nInit, maxIter: params.maxIter, gamma: params.gamma });
  out.push({ gamma: f.gamma, categorical: cats.map((c, j) => ({ name: c.name, modes: Array.from({ length: k }, (_, q) => levels[j]![f.modes[q * cats.length + j]!] ?? null) })) });
  return { k, d, centroids: f.means, labels: f.labels, inertia: f.cost, iterations: f.iterations, converged: f.converged, seed, nInit: params.nInit ?? 3, startLabels: [f.labels], startInertias: [f.cost] };
}

/** The stored form of a fitted mixture: precisions and the score bias ln det Σ − 2 ln w per component. */
function mixtureJSON(g: GmmFit): MixtureJSON {
  const d = g.d, per = g.covariance === 'full' ? d * d : d;
  const precisions: number[][] = [], bias: number[] = [];
  for (let c = 0; c < g.k; c++) {
    const S = g.covariances.subarray(c * per, c * per + per);
    if (g.covariance === 'full') {
      const { inverse, logDet } = choleskyInverse(S, d);
      precisions.push(Array.from(inverse)); bias.push(logDet - 2 * Math.log(g.weights[c]!));
    } else {
      precisions.push(Array.from(S, (v) => 1 / v)); bias.push(Array.from(S).reduce((a, v) => a + Math.log(v), 0) - 2 * Math.log(g.weights[c]!));
    }
  }
  return { covariance: g.covariance, weights: Array.from(g.weights), precisions, bias };
}

export interface ClusterFitOptions {
  /** revenue per input row, for the "substantial" criterion */
  revenue?: Float64Array;
  /** per input row, whether the customer can be contacted (true or 1) */
  hasContact?: ArrayLike<boolean | number>;
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
  /** each kept row's cluster under the final model (nearest centroid, ties to the lower; what its SQL computes): the stored assignment */
  assigned: Int32Array;
  /** each kept row's distance to its `assigned` cluster */
  distances: Float64Array;
  /** gmm: the membership probability of each kept row's component */
  probabilities?: Float64Array;
  choice: (Omit<KChoice, 'fits' | 'mixtures' | 'silhouettes'>) | null;
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
  const staged = fitClustersStaged(columns, params, options);
  for (const step of staged.steps) step();
  return staged.result;
}

/**
 * `fitClusters` in two parts: `result` at once with the model (its names), the labels and the assignment — what
 * the stored or written rows need — and `steps` that, run in order, fill in the rest of it (the profiles' medians
 * and personas, the silhouette, Calinski-Harabasz, Davies-Bouldin and the 2-D picture): the same result in the end,
 * so that a caller can write the assignment in the engine while this thread finishes the report (issue #15).
 */
export function fitClustersStaged(columns: readonly InputColumn[], params: ClusterParams = {}, options: ClusterFitOptions = {}): { result: ClusterResult; steps: (() => void)[] } {
  const algorithm = params.algorithm ?? 'kmeans';
  if (!ALGORITHMS.includes(algorithm)) throw new SegmintError('invalid-option', `algorithm ${String(algorithm)}: expected ${ALGORITHMS.join(', ')}`);
  const seed = params.seed ?? 0, sampleSize = params.sampleSize ?? 10000, minShare = params.minShare ?? 0.02;
  const rows = columns[0]?.values.length ?? 0;
  // one customer: every feature is constant, but saying so (and "choose other features") would mislead
  if (rows === 1) throw new SegmintError('too-few-customers', 'clustering needs at least 2 customers; there is 1', { hint: 'cluster more customers' });
  if ((params.k ?? 'auto') === 'auto' && rows > 0 && rows < 3) {
    throw new SegmintError('too-few-customers', `choosing k needs at least 3 customers; there ${rows === 1 ? 'is 1' : `are ${rows}`}`, { hint: 'give k yourself (--k N), or cluster more customers' });
  }
  // k-prototypes keeps categorical traits as they are (matching dissimilarity); the others one-hot encode them
  const proto = algorithm === 'kprototypes';
  if (proto && (params.k ?? 'auto') === 'auto') throw new SegmintError('k-required', 'k-prototypes needs the number of clusters', { hint: 'give it: --k N (choose it with kmeans and --categorical first)' });
  const catCols = proto ? columns.filter((c): c is Extract<InputColumn, { kind: 'categorical' }> => c.kind === 'categorical') : [];
  const pre = fitPreprocess(proto ? columns.filter((c) => c.kind === 'numeric') : columns, params);
  const { X, kept } = pre;
  const d = pre.preprocessing.steps.length, n = kept.length;
  const warnings = [...pre.warnings];
  let fit: KMeansFit, choice: KChoice | null = null;
  const gmmOut: GmmFit[] = [];
  const protoOut: PrototypesJSON[] = [];
  const k = params.k ?? 'auto';
  if (k === 'auto') {
    choice = chooseK(X, d, { kMin: params.kMin, kMax: params.kMax, seed, nInit: params.nInit, minShare, sampleSize, maxIter: params.maxIter, fitSampleSize: params.fitSampleSize, algorithm: algorithm as Exclude<ClusterAlgorithm, 'kprototypes'>, covariance: params.covariance });
    fit = choice.fits[choice.scores.findIndex((s: KScore) => s.k === choice!.k)]!;
    // fitted on a sample of the rows: Lloyd iterations on all rows from its centres
    if (choice.fittedOn < n && algorithm === 'kmeans') fit = { ...fitKMeans(X, d, { k: fit.k, seed, maxIter: params.maxIter, tol: params.tol, init: fit.centroids, assign: true }), nInit: fit.nInit };
  } else {
    fit = proto ? prototypesFit(X, d, catCols, kept, k, seed, params, protoOut)
      : algorithm === 'gmm' ? gmmStarts(X, d, k, seed, params.nInit ?? 3, { covariance: params.covariance ?? 'full', maxIter: params.maxIter, tol: params.tol }, gmmOut)
      : algorithm === 'ward' ? wardFitter(X, d, seed)(k)
      : algorithm === 'minibatch' ? fitMiniBatchStarts(X, d, { k, seed, nInit: params.nInit })
      // k given: the starts compete on a sample, and only the best is iterated on all rows (kmeans.ts refineBest)
      // (and every row's nearest final centre and distance from one more E-step on its threads: `assign`)
      : fitKMeans(X, d, { k, seed, nInit: params.nInit, maxIter: params.maxIter, tol: params.tol, refineBest: true, assign: true });
  }
  // a mixture's members are its most probable component under the stored model (what the SQL computes)
  let mixture: MixtureJSON | undefined;
  // the final model has the same means and mixture, so this assignment is its assignment too
  let gmmAssigned: ReturnType<ClusterModel['assignScaled']> | undefined;
  if (algorithm === 'gmm') {
    const g = choice ? choice.mixtures![choice.scores.findIndex((s: KScore) => s.k === choice!.k)]! : gmmOut[0]!;
    mixture = mixtureJSON(g);
    const provisional = ClusterModel.create({
      format: MODEL_FORMAT, version: 1, algorithm, k: g.k, preprocessing: pre.preprocessing, centroids: Array.from({ length: g.k }, (_, c) => Array.from(g.means.subarray(c * d, c * d + d))),
      names: Array.from({ length: g.k }, () => ''), seed, nInit: fit.nInit, iterations: fit.iterations, converged: fit.converged, inertia: fit.inertia, warnings: [], mixture,
    });
    gmmAssigned = provisional.assignScaled(X);
    fit = { ...fit, labels: gmmAssigned.labels };
    if (new Set(fit.labels).size < g.k) warnings.push(`${g.k - new Set(fit.labels).size} mixture components are no customer's most probable one`);
  }
  if (!fit.converged) warnings.push(`${ALGORITHM_LABELS[algorithm].name} stopped after ${fit.iterations} ${ALGORITHM_LABELS[algorithm].steps} without converging`);
  if (algorithm === 'ward' && n > WARD_MAX_ROWS) warnings.push(`the Ward tree was built on a seeded sample of ${grouped(WARD_MAX_ROWS)} of the ${n} customers; every customer joins the nearest cluster centroid`);
  const K = fit.k;
  const sizes = new Float64Array(K);
  for (const l of fit.labels) sizes[l]!++;
  const small = [...sizes].filter((s) => s / n < minShare);
  if (small.length > 0) {
    const least = Math.min(...small);
    warnings.push(`the minimum cluster size could not be kept: ${small.length} of the ${K} clusters hold less than ${(minShare * 100).toFixed(1)}% of the customers (the smallest ${least} customer${least === 1 ? '' : 's'}, ${(100 * least / n).toFixed(1)}%)`);
  }

  const sample = sampleRows(n, sampleSize, seed);
  const Xs = sample.length === n ? X : takeRows(X, d, sample);
  const labelsS = Int32Array.from(sample, (i) => fit.labels[i]!);
  const usedS = new Set(labelsS).size;
  // the choice of k scored these very labels on the same sample: its silhouettes and quality measures are reused
  const chosenAt = choice ? choice.scores.findIndex((x: KScore) => x.k === choice!.k) : -1;
  const scored = chosenAt >= 0 && choice!.fits[chosenAt]!.labels === fit.labels ? chosenAt : -1;
  // the sample's silhouette (its pairs: the largest part of what follows the fit) computed in a worker thread while
  // this one profiles, assigns and measures; its per-cluster means are put into the profiles once it is done
  const silhouetteJob = usedS >= 2 && usedS < labelsS.length && !proto
    ? (scored >= 0 && choice!.silhouettes[scored] ? { result: () => choice!.silhouettes[scored]! } : silhouetteSamplesLater(Xs, d, labelsS))
    : null;
  // the quality measures are Euclidean: for k-prototypes they would ignore the categorical part
  const many = K >= 2 && K < n && !proto;
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
  // kept rows only (every row when none was excluded: the columns as they are, no copy)
  const all = kept.length === rows;
  const keptOf = (v: ArrayLike<number>) => (all && v instanceof Float64Array ? v : Float64Array.from(kept, (i) => v[i]!));
  const { profiles, steps: profileSteps } = profileClustersStaged(numeric.map((c) => ({ name: c.name, values: keptOf(c.values) })), fit.labels, K, {
    revenue: options.revenue ? keptOf(options.revenue) : undefined,
    hasContact: options.hasContact ? Uint8Array.from(kept, (i) => (options.hasContact![i] ? 1 : 0)) : undefined,
    // filled in below, from the silhouette job
    silhouette: silhouetteJob === null ? undefined : Array.from({ length: K }, () => 0),
    separation: K >= 2 ? separation : undefined,
    // preprocessing's figures of the same values (kept rows, as they are)
    known: numeric.map((c) => pre.raw.get(c.name)),
    ...(proto ? { categorical: catCols.map((c) => ({ name: c.name, values: Array.from(kept, (i) => c.values[i] ?? null) })) } : {}),
  });
  const model = ClusterModel.create({
    format: MODEL_FORMAT, version: 1, algorithm, k: K, preprocessing: pre.preprocessing,
    centroids: Array.from({ length: K }, (_, c) => Array.from(fit.centroids.subarray(c * d, c * d + d))),
    names: profiles.map((p) => p.name), seed, nInit: fit.nInit, iterations: fit.iterations, converged: fit.converged, inertia: fit.inertia, warnings,
    ...(mixture ? { mixture } : {}),
    ...(proto ? { prototypes: protoOut[0]! } : {}),
  });
  // k-means: the fit's own assignment to its final centres (the model's centroids; assignScaled's sums, on two threads)
  const fitAssigned: Assignment | undefined = algorithm === 'kmeans' && fit.assigned && fit.distances ? { labels: fit.assigned, distances: fit.distances } : undefined;
  const { labels: assigned, distances, probabilities } = proto ? model.assignPrototypes(X, catCols.map((c) => Array.from(kept, (i) => c.values[i] ?? null))) : (gmmAssigned ?? fitAssigned ?? model.assignScaled(X));
  const { fits: _fits, mixtures: _mixtures, silhouettes: _silhouettes, ...choiceOut } = choice ?? { fits: null, mixtures: null, silhouettes: null };
  // what the steps fill in: placeholders in their places (the result's keys keep their order)
  const quality: ClusterQuality = { inertia: fit.inertia, silhouette: null, calinskiHarabasz: null, daviesBouldin: null, sampleSize: sample.length };
  const picture = { rows: Int32Array.from(sample, (i) => kept[i]!), x: new Float64Array(0), y: new Float64Array(0), explained: [] as number[] };
  const result: ClusterResult = {
    model, kept, labels: fit.labels, assigned, distances, ...(probabilities ? { probabilities } : {}), choice: choice ? (choiceOut as Omit<KChoice, 'fits' | 'mixtures' | 'silhouettes'>) : null, profiles,
    quality,
    picture, missing: pre.missing, excluded: pre.excluded, iterations: fit.iterations, converged: fit.converged, warnings,
  };
  const steps: (() => void)[] = [
    ...profileSteps,
    () => {
      const pc = pca(Xs, d, 2);
      const m = pc.components.length / d;
      picture.x = Float64Array.from({ length: sample.length }, (_, i) => pc.scores[i * m]!);
      picture.y = Float64Array.from({ length: sample.length }, (_, i) => (m > 1 ? pc.scores[i * m + 1]! : 0));
      picture.explained = Array.from(pc.explained);
    },
    () => {
      const measured = many && scored < 0 ? calinskiDavies(X, d, fit.labels) : null;
      quality.calinskiHarabasz = many ? (scored >= 0 ? choice!.scores[scored]!.calinskiHarabasz : measured!.calinskiHarabasz) : null;
      quality.daviesBouldin = many ? (scored >= 0 ? choice!.scores[scored]!.daviesBouldin : measured!.daviesBouldin) : null;
    },
    () => {
      if (!silhouetteJob) return;
      const s = silhouetteJob.result();
      const sum = new Float64Array(K), cnt = new Float64Array(K), perCluster = new Float64Array(K).fill(NaN);
      for (let i = 0; i < s.length; i++) { sum[labelsS[i]!]! += s[i]!; cnt[labelsS[i]!]!++; }
      quality.silhouette = sum.reduce((a, b) => a + b, 0) / s.length;
      for (let c = 0; c < K; c++) perCluster[c] = cnt[c]! > 0 ? sum[c]! / cnt[c]! : NaN;
      for (const p of profiles) p.criteria.differentiable.silhouette = Number.isNaN(perCluster[p.cluster]!) ? 0 : perCluster[p.cluster]!;
    },
  ];
  return { result, steps };
}
