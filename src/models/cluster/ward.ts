/**
 * Agglomerative clustering with Ward's (1963) criterion: repeatedly merge the two clusters whose union
 * increases the within-cluster sum of squares least, Δ(A, B) = |A||B| / (|A| + |B|) · ‖c_A − c_B‖². Built
 * with the nearest-neighbour chain (valid because Ward's linkage is reducible), O(n²) time and O(n) memory
 * from the clusters' centroids and sizes. Merge heights are √(2Δ), as scipy's `linkage(X, 'ward')`
 * reports them (the Euclidean distance for two single rows). The dendrogram is cut at k clusters by
 * undoing the k − 1 highest merges. Above `maxRows` rows (default 20,000) the tree is built on a seeded
 * sample and every row joins the cluster with the nearest centroid.
 */
import { SegmintError } from '../../core/errors.ts';
import { kernels } from './kernels.ts';
import { assignNearest, distinctRows, type KMeansFit } from './kmeans.ts';
import { sampleRows, takeRows } from './metrics.ts';

export interface Merge {
  /** merged clusters: 0..n−1 are rows, n + m the cluster made by merge m (scipy's numbering) */
  a: number;
  b: number;
  height: number;
  size: number;
}

/** The n − 1 merges in increasing height (ties in the order found), scipy's linkage matrix as objects. */
export function wardLinkage(X: Float64Array, d: number): Merge[] {
  const n = X.length / d;
  const C = Float64Array.from(X), size = new Float64Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const id = Int32Array.from({ length: n }, (_, i) => i); // slot → scipy cluster id
  const { sqDist } = kernels(d);
  const ward = (p: number, q: number) => ((size[p]! * size[q]!) / (size[p]! + size[q]!)) * sqDist(C, p, C, q);
  const merges: Merge[] = [];
  const chain: number[] = [];
  let remaining = n;
  while (remaining > 1) {
    if (chain.length === 0) { let s = 0; while (!active[s]) s++; chain.push(s); }
    const top = chain[chain.length - 1]!, prev = chain.length > 1 ? chain[chain.length - 2]! : -1;
    // nearest active neighbour of top; prefer prev on ties so that the chain terminates
    let best = -1, bestD = Infinity;
    if (prev >= 0) { best = prev; bestD = ward(top, prev); }
    for (let s = 0; s < n; s++) {
      if (!active[s] || s === top) continue;
      const v = ward(top, s);
      if (v < bestD) { bestD = v; best = s; }
    }
    if (best === prev) {
      // reciprocal nearest neighbours: merge into the slot of the smaller index
      chain.pop(); chain.pop();
      const p = Math.min(top, prev), q = Math.max(top, prev);
      const sp = size[p]!, sq = size[q]!;
      for (let j = 0; j < d; j++) C[p * d + j] = (sp * C[p * d + j]! + sq * C[q * d + j]!) / (sp + sq);
      size[p] = sp + sq;
      active[q] = 0;
      merges.push({ a: Math.min(id[p]!, id[q]!), b: Math.max(id[p]!, id[q]!), height: Math.sqrt(2 * bestD), size: sp + sq });
      id[p] = n + merges.length - 1;
      remaining--;
    } else chain.push(best);
  }
  // increasing height; renumber the merged clusters to the sorted order (stable)
  const order = merges.map((_, m) => m).sort((x, y) => merges[x]!.height - merges[y]!.height || x - y);
  const rank = new Int32Array(merges.length);
  order.forEach((m, r) => (rank[m] = r));
  const renum = (c: number) => (c < n ? c : n + rank[c - n]!);
  return order.map((m) => { const g = merges[m]!; const a = renum(g.a), b = renum(g.b); return { a: Math.min(a, b), b: Math.max(a, b), height: g.height, size: g.size }; });
}

/** Labels 0..k−1 of the n rows after the first n − k merges (clusters numbered by their smallest row). */
export function cutTree(merges: readonly Merge[], n: number, k: number): Int32Array {
  if (!Number.isInteger(k) || k < 1 || k > n) throw new SegmintError('invalid-k', `k ${k}: expected a whole number from 1 to ${n}`);
  const parent = Int32Array.from({ length: 2 * n - 1 }, (_, i) => i);
  const find = (x: number): number => { while (parent[x] !== x) { parent[x] = parent[parent[x]!]!; x = parent[x]!; } return x; };
  for (let m = 0; m < n - k; m++) {
    const g = merges[m]!;
    parent[find(g.a)] = n + m; parent[find(g.b)] = n + m;
  }
  const labelOf = new Map<number, number>();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!labelOf.has(r)) labelOf.set(r, labelOf.size);
    labels[i] = labelOf.get(r)!;
  }
  return labels;
}

/** Cutting a tree of duplicate rows into more clusters than distinct rows leaves a centroid no row is nearest to. */
function checkDistinct(T: Float64Array, d: number, k: number): void {
  const distinct = distinctRows(T, d, k);
  if (distinct < k) throw new SegmintError('invalid-k', `k ${k} is more than the ${distinct} distinct rows (of the tree): some clusters would be empty`, { hint: 'choose a smaller k' });
}

/** The k × d means of the tree rows T by their cut labels. */
function cutCentroids(T: Float64Array, d: number, labels: Int32Array, k: number): Float64Array {
  const centroids = new Float64Array(k * d), cnt = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) { cnt[labels[i]!]!++; for (let j = 0; j < d; j++) centroids[labels[i]! * d + j]! += T[i * d + j]!; }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) centroids[c * d + j]! /= cnt[c]!;
  return centroids;
}

/** Above this many rows the tree is built on a seeded sample of them. */
export const WARD_MAX_ROWS = 20_000;

/**
 * Ward as a centroid model for any k from one tree: the cut's centroids, and every row assigned to the
 * nearest of them (so the stored segmentation is the one new customers get, in process and in SQL).
 */
export function wardFitter(X: Float64Array, d: number, seed = 0, maxRows = WARD_MAX_ROWS): (k: number) => KMeansFit {
  const n = X.length / d;
  const rows = n > maxRows ? sampleRows(n, maxRows, seed ^ 0x77617264) : null;
  const T = rows ? takeRows(X, d, rows) : X;
  const m = T.length / d;
  let merges: Merge[] | undefined;
  return (k: number): KMeansFit => {
    if (!Number.isInteger(k) || k < 1 || k > m) throw new SegmintError('invalid-k', `k ${k}: expected a whole number from 1 to the ${m} rows of the tree`);
    checkDistinct(T, d, k);
    merges ??= wardLinkage(T, d);
    const centroids = cutCentroids(T, d, cutTree(merges, m, k), k);
    const labels = new Int32Array(n);
    const inertia = assignNearest(X, d, centroids, labels, new Float64Array(n));
    return { k, d, centroids, labels, inertia, iterations: n - 1, converged: true, seed, nInit: 1, startLabels: [labels], startInertias: [inertia] };
  };
}
