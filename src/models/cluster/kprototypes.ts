/**
 * k-prototypes for mixed numeric and categorical traits (Huang 1998): the dissimilarity of a row to a
 * prototype is the squared Euclidean distance over the (scaled) numeric features plus γ times the number
 * of categorical features that differ; a prototype is the mean of its rows' numbers and the mode of each
 * categorical feature (ties to the smallest code). Lloyd-style iterations until no row changes cluster (an
 * emptied cluster takes the row farthest from its prototype);
 * `nInit` seeded starts from k distinct rows, the lowest cost wins. γ defaults to half the mean standard
 * deviation of the numeric features (the kmodes library's default, after Huang's suggestion).
 */
import { SegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';

export interface KPrototypesParams {
  k: number;
  /** weight of one categorical mismatch against squared numeric distance */
  gamma?: number;
  seed?: number;
  nInit?: number;
  maxIter?: number;
}

export interface KPrototypesFit {
  k: number;
  /** k × dNum numeric prototype values */
  means: Float64Array;
  /** k × dCat category codes (the modes) */
  modes: Int32Array;
  labels: Int32Array;
  /** Σ dissimilarity of the rows to their prototypes */
  cost: number;
  gamma: number;
  iterations: number;
  converged: boolean;
}

/**
 * Fit k-prototypes. `num` is n × dNum (row-major), `cat` n × dCat category codes (0..levels−1, −1 for a
 * missing value, which matches nothing).
 */
export function fitKPrototypes(num: Float64Array, dNum: number, cat: Int32Array, dCat: number, params: KPrototypesParams): KPrototypesFit {
  const n = dNum > 0 ? num.length / dNum : cat.length / dCat;
  const { k } = params;
  const nInit = params.nInit ?? 3, maxIter = params.maxIter ?? 100;
  if (dNum + dCat === 0) throw new SegmintError('no-features', 'k-prototypes needs at least one feature');
  if ((dNum > 0 && num.length !== n * dNum) || (dCat > 0 && cat.length !== n * dCat)) throw new SegmintError('invalid-argument', 'numeric and categorical parts have different row counts');
  const key = (i: number) => `${Array.prototype.join.call(num.subarray(i * dNum, i * dNum + dNum), ',')}|${Array.prototype.join.call(cat.subarray(i * dCat, i * dCat + dCat), ',')}`;
  // are there k distinct rows? (stop counting at k)
  const seen = new Set<string>();
  for (let i = 0; i < n && seen.size < k; i++) seen.add(key(i));
  if (!Number.isInteger(k) || k < 1 || seen.size < k) throw new SegmintError('invalid-k', `k ${k}: expected a whole number from 1 to the number of distinct rows`, { hint: 'choose a smaller k' });
  let gamma = params.gamma;
  if (gamma === undefined) {
    let sdSum = 0;
    for (let j = 0; j < dNum; j++) {
      let m = 0; for (let i = 0; i < n; i++) m += num[i * dNum + j]!; m /= n;
      let v = 0; for (let i = 0; i < n; i++) v += (num[i * dNum + j]! - m) ** 2;
      sdSum += Math.sqrt(v / n);
    }
    gamma = dNum > 0 ? (0.5 * sdSum) / dNum : 1;
  }
  if (!(gamma >= 0)) throw new SegmintError('invalid-option', `gamma ${gamma}: expected a number ≥ 0`);
  const g = gamma;
  const levels = Array.from({ length: dCat }, (_, j) => { let m = 0; for (let i = 0; i < n; i++) m = Math.max(m, cat[i * dCat + j]! + 1); return m; });
  const dissim = (i: number, means: Float64Array, modes: Int32Array, c: number) => {
    let s = 0;
    for (let j = 0; j < dNum; j++) { const e = num[i * dNum + j]! - means[c * dNum + j]!; s += e * e; }
    for (let j = 0; j < dCat; j++) if (cat[i * dCat + j] !== modes[c * dCat + j] || cat[i * dCat + j]! < 0) s += g;
    return s;
  };
  let best: KPrototypesFit | undefined, bestFull = false;
  for (let s = 0; s < nInit; s++) {
    const rng = new Random(params.seed ?? 0, 0x6b70 + s);
    // k distinct rows at random (Huang's initialisation)
    const pool = allDistinct(n, key, k, rng);
    const means = new Float64Array(k * dNum), modes = new Int32Array(k * dCat);
    pool.forEach((i, c) => { means.set(num.subarray(i * dNum, i * dNum + dNum), c * dNum); modes.set(cat.subarray(i * dCat, i * dCat + dCat), c * dCat); });
    const labels = new Int32Array(n).fill(-1);
    let iterations = 0, converged = false;
    // each row to its nearest prototype (ties to the lower cluster); returns the number of changed labels
    const assign = () => {
      let changed = 0;
      for (let i = 0; i < n; i++) {
        let b = Infinity, arg = 0;
        for (let c = 0; c < k; c++) { const v = dissim(i, means, modes, c); if (v < b) { b = v; arg = c; } }
        if (labels[i] !== arg) { changed++; labels[i] = arg; }
      }
      return changed;
    };
    while (iterations < maxIter) {
      iterations++;
      const changed = assign();
      // an emptied cluster takes the row farthest from its prototype (of a cluster with more rows; as
      // scikit-learn relocates k-means' empty clusters), so that no cluster is empty
      const cnt = new Float64Array(k);
      for (let i = 0; i < n; i++) cnt[labels[i]!]!++;
      let relocated = false;
      for (let c = 0; c < k; c++) {
        if (cnt[c] !== 0) continue;
        let far = -1, farD = -1;
        for (let i = 0; i < n; i++) if (cnt[labels[i]!]! > 1) { const v = dissim(i, means, modes, labels[i]!); if (v > farD) { farD = v; far = i; } }
        if (far < 0) break;
        cnt[labels[far]!]!--; cnt[c] = 1; labels[far] = c; relocated = true;
      }
      // update: means and modes
      const sums = new Float64Array(k * dNum);
      const freq = levels.map((L) => new Float64Array(k * L));
      for (let i = 0; i < n; i++) {
        const c = labels[i]!;
        for (let j = 0; j < dNum; j++) sums[c * dNum + j]! += num[i * dNum + j]!;
        for (let j = 0; j < dCat; j++) if (cat[i * dCat + j]! >= 0) freq[j]![c * levels[j]! + cat[i * dCat + j]!]!++;
      }
      for (let c = 0; c < k; c++) {
        if (cnt[c] === 0) continue;
        for (let j = 0; j < dNum; j++) means[c * dNum + j] = sums[c * dNum + j]! / cnt[c]!;
        for (let j = 0; j < dCat; j++) {
          let m = -1, mf = 0;
          for (let v = 0; v < levels[j]!; v++) if (freq[j]![c * levels[j]! + v]! > mf) { mf = freq[j]![c * levels[j]! + v]!; m = v; }
          if (m >= 0) modes[c * dCat + j] = m;
        }
      }
      if (changed === 0 && !relocated) { converged = true; break; }
    }
    // stopped by maxIter: the labels of the last prototypes (what the model assigns, in process and in SQL)
    if (!converged) assign();
    let cost = 0;
    for (let i = 0; i < n; i++) cost += dissim(i, means, modes, labels[i]!);
    // a start that ends with an empty cluster (a relocated row went back) loses to any start that fills all k
    const full = new Set(labels).size === k;
    if (!best || (full && !bestFull) || (full === bestFull && cost < best.cost)) { best = { k, means, modes, labels, cost, gamma: g, iterations, converged }; bestFull = full; }
  }
  if (!bestFull) throw new SegmintError('invalid-k', `k-prototypes could not fill ${k} clusters: every start ended with an empty one`, { hint: 'choose a smaller k, or more starts (nInit)' });
  return best!;
}

/** k distinct rows (by value) drawn at random. */
function allDistinct(n: number, key: (i: number) => string, k: number, rng: Random): number[] {
  const out: number[] = [];
  const keys = new Set<string>();
  for (let tries = 0; out.length < k && tries < 50 * k; tries++) {
    const i = rng.int(0, n - 1), s = key(i);
    if (!keys.has(s)) { keys.add(s); out.push(i); }
  }
  // rare: the random draws kept hitting duplicates; take the first distinct rows instead
  for (let i = 0; out.length < k && i < n; i++) { const s = key(i); if (!keys.has(s)) { keys.add(s); out.push(i); } }
  return out;
}
