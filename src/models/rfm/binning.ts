/**
 * Score binning for RFM and LRFMP (docs/models.md, "Scores"). Quantile edges follow the linear
 * interpolation of quantile_cont / numpy's default; a value equal to an edge goes to the lower bin, so
 * ties never split across bins and the result is deterministic. These kernels are the in-process twin of
 * the SQL in src/features: the SQL computes the same edges with the engine's quantile function.
 */
import { SegmintError } from '../../core/errors.ts';

/** Linear-interpolation quantile of sorted values (numpy "linear", DuckDB quantile_cont). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** The k−1 inner edges of k quantile bins: the quantiles at 1/k, 2/k, …, (k−1)/k. */
export function quantileEdges(values: ArrayLike<number>, bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 2 || bins > 10) {
    throw new SegmintError('invalid-option', `bins must be a whole number from 2 to 10, got ${bins}`, { hint: 'e.g. --bins 5' });
  }
  const sorted = Float64Array.from(values).sort();
  const edges: number[] = [];
  for (let j = 1; j < bins; j++) edges.push(quantileSorted(sorted, j / bins));
  return edges;
}

/**
 * Bin of `x` given ascending inner edges: 1 + the number of edges strictly below x. With `higherIsBetter`
 * false (recency) the order is reversed so that the best customers get the top score.
 */
export function scoreOf(x: number, edges: readonly number[], higherIsBetter = true): number {
  let b = 1;
  for (const e of edges) if (e < x) b++;
  return higherIsBetter ? b : edges.length + 2 - b;
}

/** Explicit thresholds (from the config) must be ascending and finite. */
export function checkThresholds(name: string, edges: readonly number[], bins: number): void {
  if (edges.length !== bins - 1 || edges.some((e, i) => !Number.isFinite(e) || (i > 0 && e <= edges[i - 1]!))) {
    throw new SegmintError('invalid-thresholds', `${name} thresholds ${JSON.stringify(edges)}: expected ${bins - 1} ascending numbers for ${bins} bins`, {
      hint: `give ${bins - 1} increasing cut points, e.g. [30, 90, 180, 365] for recency days with 5 bins`,
    });
  }
}
