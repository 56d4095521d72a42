/**
 * Cluster quality measures, defined as scikit-learn defines them (docs/models.md):
 * silhouette (Rousseeuw 1987), Calinski-Harabasz (Caliński & Harabasz 1974), Davies-Bouldin (Davies &
 * Bouldin 1979) and the adjusted Rand index (Hubert & Arabie 1985). Rows are a row-major Float64Array
 * (n × d), labels 0..k−1.
 */
import { SegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { kernels } from './kernels.ts';
import { silhouetteKernel, silhouetteLater } from './silhouette.ts';

function labelCount(labels: ArrayLike<number>): number {
  let k = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! + 1 > k) k = labels[i]! + 1;
  return k;
}

function checkLabels(n: number, labels: ArrayLike<number>, what: string): { k: number; sizes: Float64Array; used: number } {
  if (labels.length !== n) throw new SegmintError('invalid-argument', `${what}: ${labels.length} labels for ${n} rows`);
  const k = labelCount(labels);
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (!Number.isInteger(l) || l < 0) throw new SegmintError('invalid-argument', `${what}: label ${l} is not a whole number ≥ 0`);
    sizes[l]!++;
  }
  let used = 0;
  for (let c = 0; c < k; c++) if (sizes[c]! > 0) used++;
  if (used < 2 || used > n - 1) {
    throw new SegmintError('invalid-argument', `${what}: ${used} clusters among ${n} rows; it is defined for 2 to n − 1 clusters`);
  }
  return { k, sizes, used };
}

/**
 * Per-row silhouette s(i) = (b − a) / max(a, b) with a the mean distance to the other members of its
 * cluster and b the smallest mean distance to another cluster; 0 for a row alone in its cluster and
 * when a = b = 0 (scikit-learn `silhouette_samples`). Exact Euclidean distances, each pair computed once.
 */
export function silhouetteSamples(X: Float64Array, d: number, labels: ArrayLike<number>): Float64Array {
  const n = X.length / d;
  const { k, sizes } = checkLabels(n, labels, 'silhouette');
  return silhouetteKernel(d)(X, n, labels, k, sizes);
}

/** `silhouetteSamples` started in a worker thread (silhouette.ts): `result()` gives the same values, once computed. */
export function silhouetteSamplesLater(X: Float64Array, d: number, labels: ArrayLike<number>): { result: () => Float64Array } {
  const n = X.length / d;
  const { k, sizes } = checkLabels(n, labels, 'silhouette');
  return silhouetteLater(X, d, labels, k, sizes);
}

/** Mean silhouette over the rows (scikit-learn `silhouette_score`). */
export function silhouetteScore(X: Float64Array, d: number, labels: ArrayLike<number>): number {
  const s = silhouetteSamples(X, d, labels);
  let t = 0;
  for (let i = 0; i < s.length; i++) t += s[i]!;
  return t / s.length;
}

/**
 * A seeded uniform sample of `size` distinct row indices (all rows, in order, when n ≤ size), ascending:
 * Knuth's selection sampling (Algorithm S), one draw per row.
 */
export function sampleRows(n: number, size: number, seed: number): Int32Array {
  if (n <= size) return Int32Array.from({ length: n }, (_, i) => i);
  const rng = new Random(seed, 0x5a3);
  const out = new Int32Array(size);
  let m = 0;
  for (let i = 0; i < n && m < size; i++) if ((n - i) * rng.next() < size - m) out[m++] = i;
  return out;
}

/** The rows `rows` of X (row-major, d columns). */
export function takeRows(X: Float64Array, d: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) {
    const a = rows[r]! * d, b = r * d;
    for (let j = 0; j < d; j++) out[b + j] = X[a + j]!;
  }
  return out;
}

function centroidsOf(X: Float64Array, d: number, labels: ArrayLike<number>, k: number, sizes: Float64Array): Float64Array {
  const C = new Float64Array(k * d);
  for (let i = 0; i < labels.length; i++) for (let t = 0; t < d; t++) C[labels[i]! * d + t]! += X[i * d + t]!;
  for (let c = 0; c < k; c++) if (sizes[c]! > 0) for (let t = 0; t < d; t++) C[c * d + t]! /= sizes[c]!;
  return C;
}

/**
 * Calinski-Harabasz: [B / (k − 1)] / [W / (n − k)] with B the between-cluster and W the within-cluster
 * sum of squares; 1 when W = 0 (scikit-learn).
 */
export function calinskiHarabasz(X: Float64Array, d: number, labels: ArrayLike<number>): number {
  const n = X.length / d;
  const { k, sizes, used } = checkLabels(n, labels, 'Calinski-Harabasz');
  const C = centroidsOf(X, d, labels, k, sizes);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t]! += X[i * d + t]!;
  for (let t = 0; t < d; t++) mean[t]! /= n;
  let B = 0, W = 0;
  for (let c = 0; c < k; c++) for (let t = 0; t < d; t++) { const e = C[c * d + t]! - mean[t]!; B += sizes[c]! * e * e; }
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) { const e = X[i * d + t]! - C[labels[i]! * d + t]!; W += e * e; }
  return W === 0 ? 1 : (B * (n - used)) / (W * (used - 1));
}

/**
 * Davies-Bouldin: the mean over clusters of max_{j≠i} (s_i + s_j) / d(c_i, c_j), s the mean distance of a
 * cluster's rows to its centroid; 0 when all s or all centroid distances are 0 (scikit-learn).
 */
export function daviesBouldin(X: Float64Array, d: number, labels: ArrayLike<number>): number {
  const n = X.length / d;
  const { k, sizes } = checkLabels(n, labels, 'Davies-Bouldin');
  const C = centroidsOf(X, d, labels, k, sizes);
  const s = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let q = 0;
    for (let t = 0; t < d; t++) { const e = X[i * d + t]! - C[labels[i]! * d + t]!; q += e * e; }
    s[labels[i]!]! += Math.sqrt(q);
  }
  return daviesFromScatter(C, d, k, sizes, s);
}

/**
 * Calinski-Harabasz and Davies-Bouldin together, each exactly as its own function gives it (the same sums in the
 * same order), in two passes over the rows instead of five: the centroids with the overall mean, then each row's
 * squared distance to its centroid, summed for W and rooted for the clusters' scatter.
 */
export function calinskiDavies(X: Float64Array, d: number, labels: ArrayLike<number>): { calinskiHarabasz: number; daviesBouldin: number } {
  const n = X.length / d;
  const { k, sizes, used } = checkLabels(n, labels, 'Calinski-Harabasz');
  const C = new Float64Array(k * d), mean = new Float64Array(d);
  // both passes over the rows written out for d (kernels.ts): the sums of the loops over t, in the same order
  const kern = kernels(d);
  kern.clusterSums(X, n, labels, C, mean);
  for (let c = 0; c < k; c++) if (sizes[c]! > 0) for (let t = 0; t < d; t++) C[c * d + t]! /= sizes[c]!;
  for (let t = 0; t < d; t++) mean[t]! /= n;
  let B = 0;
  for (let c = 0; c < k; c++) for (let t = 0; t < d; t++) { const e = C[c * d + t]! - mean[t]!; B += sizes[c]! * e * e; }
  const s = new Float64Array(k);
  const W = kern.withinSums(X, n, labels, C, s);
  return { calinskiHarabasz: W === 0 ? 1 : (B * (n - used)) / (W * (used - 1)), daviesBouldin: daviesFromScatter(C, d, k, sizes, s) };
}

/** Davies-Bouldin from the centroids and each cluster's summed distances to its centroid (daviesBouldin's last part). */
function daviesFromScatter(C: Float64Array, d: number, k: number, sizes: Float64Array, s: Float64Array): number {
  const ids = [...Array(k).keys()].filter((c) => sizes[c]! > 0);
  for (const c of ids) s[c]! /= sizes[c]!;
  const dist = (a: number, b: number) => { let q = 0; for (let t = 0; t < d; t++) { const e = C[a * d + t]! - C[b * d + t]!; q += e * e; } return Math.sqrt(q); };
  if (ids.every((c) => s[c]! === 0)) return 0;
  if (ids.every((a) => ids.every((b) => a === b || dist(a, b) === 0))) return 0;
  let total = 0;
  for (const a of ids) {
    let worst = 0;
    for (const b of ids) {
      if (a === b) continue;
      const dab = dist(a, b);
      const r = dab === 0 ? 0 : (s[a]! + s[b]!) / dab;
      if (r > worst) worst = r;
    }
    total += worst;
  }
  return total / ids.length;
}

const comb2 = (x: number) => (x * (x - 1)) / 2;

/**
 * Adjusted Rand index of two labelings (Hubert & Arabie 1985): (Σ C(n_ij,2) − E) / (½(Σ C(a_i,2) +
 * Σ C(b_j,2)) − E), E = Σ C(a_i,2) Σ C(b_j,2) / C(n,2); 1 for identical partitions up to renaming,
 * and 1 when both put every row alone or all rows together (scikit-learn).
 */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new SegmintError('invalid-argument', `adjusted Rand index: ${n} and ${b.length} labels`);
  const ka = labelCount(a), kb = labelCount(b);
  const cont = new Map<number, number>();
  const ra = new Float64Array(ka), rb = new Float64Array(kb);
  for (let i = 0; i < n; i++) {
    const key = a[i]! * kb + b[i]!;
    cont.set(key, (cont.get(key) ?? 0) + 1);
    ra[a[i]!]!++; rb[b[i]!]!++;
  }
  let sumIJ = 0, sumA = 0, sumB = 0;
  for (const v of cont.values()) sumIJ += comb2(v);
  for (const v of ra) sumA += comb2(v);
  for (const v of rb) sumB += comb2(v);
  const total = comb2(n);
  if (total === 0) return 1;
  const expected = (sumA * sumB) / total;
  const maxIndex = (sumA + sumB) / 2;
  if (maxIndex === expected) return 1;
  return (sumIJ - expected) / (maxIndex - expected);
}
