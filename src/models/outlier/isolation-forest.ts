/**
 * Isolation forest (Liu, Ting & Zhou 2008): outliers are the rows that random axis-parallel cuts isolate
 * in few steps. Pure, over a row-major Float64Array (n rows × p columns, no missing values: impute first).
 *
 * Each of `nEstimators` trees is grown on `maxSamples` rows drawn without replacement (default
 * min(256, n)): a node picks a column uniformly among those not constant on its rows and a cut uniformly
 * between their minimum and maximum (x ≤ cut goes left), until one row is left, all rows are equal, or
 * the depth limit ⌈log₂ maxSamples⌉ is reached. A row's path length in a tree is the depth of its leaf
 * plus c(size of the leaf), the average path length of an unsuccessful search in a binary search tree of
 * that many rows (Liu et al. 2008, eq. 1):
 *
 *   c(n) = 2 H(n − 1) − 2 (n − 1) / n,   H(i) ≈ ln i + 0.5772156649 (Euler's constant);  c(2) = 1, c(1) = 0
 *
 * and its anomaly score s(x) = 2^(−E[h(x)] / c(maxSamples)) (eq. 2): near 1 for outliers, ≤ 0.5 for the
 * rest. This is scikit-learn's IsolationForest (its `score_samples` is −s). With a `contamination` rate
 * c the threshold is the (1 − c) quantile of the training scores (linear interpolation), and a row is an
 * outlier when its score is above it.
 *
 * Why a row is unusual (`explain`): each split on the row's path adds 1/h to its column, h the row's path
 * length in that tree — the columns that isolate it early weigh most (the depth-based local importance of
 * Carletti, Terzi & Susto 2023, "Interpretable anomaly detection with DIFFI") — shares summed to 1, shown
 * beside the robust z-score of the row's value in that column.
 */

import { SegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';

export interface IsolationForestParams {
  /** trees. Default 100 */
  nEstimators?: number;
  /** rows per tree. Default min(256, n) */
  maxSamples?: number;
  /** share of rows called outliers, 0 < c < 0.5; null: threshold 0.5 (scikit-learn's 'auto'). Default null */
  contamination?: number | null;
  /** Default 0 */
  seed?: number;
}

const EULER = 0.5772156649015329;

/** c(n): the average path length of an unsuccessful search in a binary search tree of n rows. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER) - (2 * (n - 1)) / n;
}

interface IsoTree {
  /** split column, −1 at a leaf */
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** leaf: depth + c(rows in the leaf) */
  pathAtLeaf: Float64Array;
}

export interface IsolationForestJSON {
  nEstimators: number;
  maxSamples: number;
  contamination: number | null;
  seed: number;
  p: number;
  threshold: number;
  /** per column: median and robust scale of the training rows (for the z-scores of `explain`) */
  median: number[];
  scale: number[];
  trees: { feature: number[]; threshold: number[]; left: number[]; right: number[]; pathAtLeaf: number[] }[];
}

function bad(message: string): never {
  throw new SegmintError('invalid-model-params', message, { hint: 'see docs/models.md, "Outliers"' });
}

/** Grow one isolation tree on rows `rows` of x. */
function growTree(x: Float64Array, p: number, rows: Uint32Array, heightLimit: number, rng: Random): IsoTree {
  const cap = 2 * rows.length;
  const feature = new Int32Array(cap).fill(-1), left = new Int32Array(cap).fill(-1), right = new Int32Array(cap).fill(-1);
  const threshold = new Float64Array(cap), pathAtLeaf = new Float64Array(cap);
  const lo = new Float64Array(p), hi = new Float64Array(p);
  const candidates = new Int32Array(p);
  let nodes = 0;
  // explicit stack: (node, start, end, depth)
  const stack: number[] = [];
  const root = nodes++;
  stack.push(root, 0, rows.length, 0);
  while (stack.length) {
    const depth = stack.pop()!, end = stack.pop()!, start = stack.pop()!, node = stack.pop()!;
    const size = end - start;
    let m = 0;
    if (size > 1 && depth < heightLimit) {
      lo.fill(Infinity);
      hi.fill(-Infinity);
      for (let k = start; k < end; k++) {
        const base = rows[k]! * p;
        for (let j = 0; j < p; j++) {
          const v = x[base + j]!;
          if (v < lo[j]!) lo[j] = v;
          if (v > hi[j]!) hi[j] = v;
        }
      }
      for (let j = 0; j < p; j++) if (hi[j]! > lo[j]!) candidates[m++] = j;
    }
    if (m === 0) {
      pathAtLeaf[node] = depth + averagePathLength(size);
      continue;
    }
    const f = candidates[Math.floor(rng.next() * m)]!;
    let cut = lo[f]! + rng.next() * (hi[f]! - lo[f]!);
    if (cut >= hi[f]!) cut = lo[f]!;
    // partition rows[start, end) on x ≤ cut
    let i = start, j = end - 1;
    while (i <= j) {
      if (x[rows[i]! * p + f]! <= cut) i++;
      else {
        const t = rows[i]!; rows[i] = rows[j]!; rows[j] = t; j--;
      }
    }
    feature[node] = f;
    threshold[node] = cut;
    const a = nodes++, b = nodes++;
    left[node] = a;
    right[node] = b;
    stack.push(a, start, i, depth + 1, b, i, end, depth + 1);
  }
  return { feature: feature.slice(0, nodes), threshold: threshold.slice(0, nodes), left: left.slice(0, nodes), right: right.slice(0, nodes), pathAtLeaf: pathAtLeaf.slice(0, nodes) };
}

/** Robust centre and scale per column: median and IQR / 1.349 (else 1.4826 · MAD, else sd, else 1). */
function robustScale(x: Float64Array, n: number, p: number): { median: number[]; scale: number[] } {
  const median: number[] = [], scale: number[] = [];
  const col = new Float64Array(n);
  const q = (s: Float64Array, pr: number): number => {
    const h = (s.length - 1) * pr, f = Math.floor(h);
    return s[f]! + (h - f) * ((s[Math.min(f + 1, s.length - 1)]!) - s[f]!);
  };
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < n; i++) col[i] = x[i * p + j]!;
    col.sort();
    const med = q(col, 0.5);
    let s = (q(col, 0.75) - q(col, 0.25)) / 1.349;
    if (!(s > 0)) {
      const dev = Float64Array.from(col, (v) => Math.abs(v - med)).sort();
      s = 1.4826 * q(dev, 0.5);
    }
    if (!(s > 0)) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += col[i]!;
      mean /= n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (col[i]! - mean) ** 2;
      s = Math.sqrt(ss / n);
    }
    median.push(med);
    scale.push(s > 0 ? s : 1);
  }
  return { median, scale };
}

/** Linear-interpolation quantile of a copy of `v`. */
export function quantile(v: Float64Array, pr: number): number {
  const s = Float64Array.from(v).sort();
  const h = (s.length - 1) * pr, f = Math.floor(h);
  return s[f]! + (h - f) * (s[Math.min(f + 1, s.length - 1)]! - s[f]!);
}

/** One column's part in why a row is unusual. */
export interface OutlierReason {
  column: number;
  /** share of the row's isolation attributed to the column (sums to 1 over columns) */
  share: number;
  /** (value − median) / robust scale */
  z: number;
}

export class IsolationForestModel {
  constructor(
    readonly nEstimators: number,
    readonly maxSamples: number,
    readonly contamination: number | null,
    readonly seed: number,
    readonly p: number,
    /** rows scoring above this are outliers */
    readonly threshold: number,
    readonly median: readonly number[],
    readonly scale: readonly number[],
    private readonly trees: readonly IsoTree[],
  ) {}

  /** Anomaly score s(x) ∈ (0, 1] per row of an n × p design (higher: more unusual). */
  score(x: Float64Array, n: number, out?: Float64Array): Float64Array {
    checkDesign(x, n, this.p);
    const depth = out ?? new Float64Array(n);
    depth.fill(0);
    const p = this.p;
    for (const t of this.trees) {
      const { feature, threshold, left, right, pathAtLeaf } = t;
      for (let i = 0; i < n; i++) {
        let node = 0;
        let f = feature[0]!;
        while (f >= 0) {
          node = x[i * p + f]! <= threshold[node]! ? left[node]! : right[node]!;
          f = feature[node]!;
        }
        depth[i] = depth[i]! + pathAtLeaf[node]!;
      }
    }
    const norm = averagePathLength(this.maxSamples) * this.trees.length;
    for (let i = 0; i < n; i++) depth[i] = Math.pow(2, -depth[i]! / norm);
    return depth;
  }

  /** Per column, the share of a row's isolation (see the file comment), largest first, with z-scores. */
  explain(row: ArrayLike<number>): OutlierReason[] {
    const p = this.p;
    const weight = new Float64Array(p);
    const used: number[] = [];
    for (const t of this.trees) {
      const { feature, threshold, left, right, pathAtLeaf } = t;
      used.length = 0;
      let node = 0;
      while (feature[node]! >= 0) {
        const f = feature[node]!;
        used.push(f);
        node = row[f]! <= threshold[node]! ? left[node]! : right[node]!;
      }
      const h = pathAtLeaf[node]!;
      if (h > 0) for (const f of used) weight[f] = weight[f]! + 1 / h;
    }
    let total = 0;
    for (let j = 0; j < p; j++) total += weight[j]!;
    const out: OutlierReason[] = [];
    for (let j = 0; j < p; j++) out.push({ column: j, share: total > 0 ? weight[j]! / total : 0, z: (row[j]! - this.median[j]!) / this.scale[j]! });
    return out.sort((a, b) => b.share - a.share || Math.abs(b.z) - Math.abs(a.z));
  }

  toJSON(): IsolationForestJSON {
    return {
      nEstimators: this.nEstimators, maxSamples: this.maxSamples, contamination: this.contamination, seed: this.seed, p: this.p,
      threshold: this.threshold, median: [...this.median], scale: [...this.scale],
      trees: this.trees.map((t) => ({ feature: [...t.feature], threshold: [...t.threshold], left: [...t.left], right: [...t.right], pathAtLeaf: [...t.pathAtLeaf] })),
    };
  }

  static fromJSON(j: IsolationForestJSON): IsolationForestModel {
    if (!j || !Array.isArray(j.trees) || typeof j.p !== 'number' || typeof j.threshold !== 'number') throw new SegmintError('invalid-model', 'the stored isolation forest is incomplete');
    const trees = j.trees.map((t) => ({ feature: Int32Array.from(t.feature), threshold: Float64Array.from(t.threshold), left: Int32Array.from(t.left), right: Int32Array.from(t.right), pathAtLeaf: Float64Array.from(t.pathAtLeaf) }));
    return new IsolationForestModel(j.nEstimators, j.maxSamples, j.contamination, j.seed, j.p, j.threshold, j.median, j.scale, trees);
  }
}

function checkDesign(x: Float64Array, n: number, p: number): void {
  if (x.length !== n * p) throw new SegmintError('invalid-design', `a design of ${n}×${p} needs ${n * p} values, got ${x.length}`);
  for (let k = 0; k < x.length; k++) {
    if (!Number.isFinite(x[k]!)) throw new SegmintError('invalid-design', `row ${Math.floor(k / p) + 1}, column ${(k % p) + 1} is ${x[k]}`, { hint: 'fill missing values before scoring outliers' });
  }
}

/** Fit an isolation forest (see the file comment). Deterministic given `seed`. */
export function fitIsolationForest(x: Float64Array, n: number, p: number, params: IsolationForestParams = {}): IsolationForestModel {
  const nEstimators = params.nEstimators ?? 100;
  const seed = params.seed ?? 0;
  const contamination = params.contamination ?? null;
  if (!(Number.isInteger(nEstimators) && nEstimators >= 1)) bad(`nEstimators must be a whole number ≥ 1, got ${nEstimators}`);
  if (!(Number.isInteger(seed) && seed >= 0)) bad(`seed must be a whole number ≥ 0, got ${seed}`);
  if (contamination !== null && !(contamination > 0 && contamination < 0.5)) bad(`contamination must be between 0 and 0.5, got ${contamination}`);
  if (n < 2 || p < 1) throw new SegmintError('invalid-design', `an isolation forest needs at least 2 rows and 1 column, got ${n}×${p}`);
  checkDesign(x, n, p);
  const maxSamples = params.maxSamples ?? Math.min(256, n);
  if (!(Number.isInteger(maxSamples) && maxSamples >= 2 && maxSamples <= n)) bad(`maxSamples must be a whole number from 2 to the ${n} rows, got ${maxSamples}`);
  const heightLimit = Math.ceil(Math.log2(maxSamples));
  const rng = new Random(seed, 0x69666f72);
  const all = new Uint32Array(n);
  const trees: IsoTree[] = [];
  for (let t = 0; t < nEstimators; t++) {
    rng.reseed(seed, t + 1);
    // partial Fisher–Yates: maxSamples distinct rows
    for (let i = 0; i < n; i++) all[i] = i;
    for (let i = 0; i < maxSamples; i++) {
      const j = i + Math.floor(rng.next() * (n - i));
      const tmp = all[i]!; all[i] = all[j]!; all[j] = tmp;
    }
    trees.push(growTree(x, p, all.slice(0, maxSamples), heightLimit, rng));
  }
  const { median, scale } = robustScale(x, n, p);
  const provisional = new IsolationForestModel(nEstimators, maxSamples, contamination, seed, p, 0.5, median, scale, trees);
  const threshold = contamination === null ? 0.5 : quantile(provisional.score(x, n), 1 - contamination);
  return new IsolationForestModel(nEstimators, maxSamples, contamination, seed, p, threshold, median, scale, trees);
}
