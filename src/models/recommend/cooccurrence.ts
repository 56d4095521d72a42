/**
 * Item-to-item co-occurrence over purchase histories ("customers who bought X also bought Y") and the
 * similarities derived from it (docs/recommend.md):
 *
 * - cosine: c_ij / sqrt(n_i n_j), multiplied by c_ij / (c_ij + λ) so that pairs seen by few customers count
 *   less (the shrinkage of Koren 2008 / Sarwar et al. 2001 item-based CF);
 * - lift: (c_ij + λ) / (e_ij + λ) with e_ij = n_i n_j / N the count expected if the items were bought
 *   independently; λ pulls rare pairs toward 1 (no association).
 *
 * c_ij is the number of customers who bought both, n_i the customers who bought i, N the customers.
 */
import { SegmintError } from '../../core/errors.ts';
import type { History } from './history.ts';
import { itemCustomers } from './history.ts';

export type Similarity = 'cosine' | 'lift';

/** The largest catalogue counted as a dense matrix (8,000 items: 256 MB of counts). */
export const MAX_DENSE_ITEMS = 8000;

export interface Cooccurrence {
  nItems: number;
  nCustomers: number;
  /** customers per item */
  itemCount: Float64Array;
  /** customers per pair, nItems × nItems, symmetric (diagonal 0) */
  pairs: Uint32Array;
}

/** Count the customers who bought each pair of items. */
export function countPairs(h: History): Cooccurrence {
  const n = h.nItems;
  if (n > MAX_DENSE_ITEMS) {
    throw new SegmintError('catalogue-too-large', `${n} items: pair counts are kept for at most ${MAX_DENSE_ITEMS} items`, { hint: 'keep the most bought items (maxItems) or group products by category' });
  }
  const pairs = new Uint32Array(n * n);
  const { offsets, items } = h;
  for (let c = 0; c < h.nCustomers; c++) {
    const a = offsets[c]!;
    const b = offsets[c + 1]!;
    for (let p = a; p < b; p++) {
      const row = items[p]! * n;
      for (let q = p + 1; q < b; q++) pairs[row + items[q]!]!++;
    }
  }
  // items ascending per customer: only the upper triangle was filled; mirror it
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs[j * n + i] = pairs[i * n + j]!;
  return { nItems: n, nCustomers: h.nCustomers, itemCount: itemCustomers(h), pairs };
}

/** The similarity of items i and j from their counts (0 when never bought together). */
export function similarity(kind: Similarity, c: number, ni: number, nj: number, nCustomers: number, shrinkage: number): number {
  if (c <= 0 || ni <= 0 || nj <= 0) return 0;
  if (kind === 'cosine') return (c / Math.sqrt(ni * nj)) * (c / (c + shrinkage));
  const e = (ni * nj) / nCustomers;
  return (c + shrinkage) / (e + shrinkage);
}

export interface Neighbours {
  nItems: number;
  /** item i's neighbours are neighbour[offsets[i] .. offsets[i+1]), most similar first */
  offsets: Int32Array;
  neighbour: Int32Array;
  weight: Float64Array;
  similarity: Similarity;
  shrinkage: number;
}

export interface NeighbourOptions {
  similarity?: Similarity;
  /** λ (default 10 for cosine, 5 for lift) */
  shrinkage?: number;
  /** neighbours kept per item (default 50) */
  perItem?: number;
  /** pairs bought by fewer customers are ignored (default 2) */
  minPairCustomers?: number;
}

/**
 * The most similar items of each item. With lift, only pairs above 1 (bought together more than by chance)
 * are kept and the weight is ln(lift), so unrelated pairs add nothing to a score.
 */
export function neighbours(co: Cooccurrence, opts: NeighbourOptions = {}): Neighbours {
  const kind = opts.similarity ?? 'cosine';
  const lambda = opts.shrinkage ?? (kind === 'cosine' ? 10 : 5);
  const m = opts.perItem ?? 50;
  const minC = opts.minPairCustomers ?? 2;
  const n = co.nItems;
  const offsets = new Int32Array(n + 1);
  const nb: number[] = [];
  const wt: number[] = [];
  const candJ: number[] = [];
  const candW: number[] = [];
  for (let i = 0; i < n; i++) {
    offsets[i] = nb.length;
    candJ.length = 0;
    candW.length = 0;
    const ni = co.itemCount[i]!;
    for (let j = 0; j < n; j++) {
      const c = co.pairs[i * n + j]!;
      if (c < minC || j === i) continue;
      let w = similarity(kind, c, ni, co.itemCount[j]!, co.nCustomers, lambda);
      if (kind === 'lift') w = w > 1 ? Math.log(w) : 0;
      if (w > 0) {
        candJ.push(j);
        candW.push(w);
      }
    }
    const order = candJ.map((_, k) => k).sort((a, b) => candW[b]! - candW[a]! || candJ[a]! - candJ[b]!);
    for (const k of order.slice(0, m)) {
      nb.push(candJ[k]!);
      wt.push(candW[k]!);
    }
  }
  offsets[n] = nb.length;
  return { nItems: n, offsets, neighbour: Int32Array.from(nb), weight: Float64Array.from(wt), similarity: kind, shrinkage: lambda };
}
