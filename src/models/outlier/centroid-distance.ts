/**
 * Distance to the nearest cluster centre as an outlier score: a simple alternative to the isolation
 * forest for customers already clustered (the centres of a k-means model, in the same scaled space as the
 * rows). Pure, over row-major Float64Arrays.
 *
 * score(x) = min_c ‖x − μ_c‖ (Euclidean); with a contamination rate c the threshold is the (1 − c)
 * quantile of the training scores (linear interpolation) and a row above it is an outlier. Why a row is
 * unusual: the share of each column in the squared distance to its nearest centre, (x_j − μ_cj)² / ‖x − μ_c‖².
 */

import { SegmintError } from '../../core/errors.ts';

export interface CentroidDistance {
  /** distance to the nearest centre per row */
  score: Float64Array;
  /** the nearest centre per row */
  nearest: Int32Array;
}

/** Score n rows (n × p) against k centres (k × p). */
export function centroidDistance(x: Float64Array, n: number, p: number, centres: Float64Array, k: number): CentroidDistance {
  if (x.length !== n * p || centres.length !== k * p || k < 1) {
    throw new SegmintError('invalid-design', `need ${n}×${p} rows and ${k}×${p} centres, got ${x.length} and ${centres.length} values`);
  }
  const score = new Float64Array(n);
  const nearest = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity, arg = 0;
    for (let c = 0; c < k; c++) {
      let d = 0;
      for (let j = 0; j < p; j++) {
        const e = x[i * p + j]! - centres[c * p + j]!;
        d += e * e;
      }
      if (d < best) { best = d; arg = c; }
    }
    if (!Number.isFinite(best)) throw new SegmintError('invalid-design', `row ${i + 1} has a missing or infinite value`, { hint: 'fill missing values before scoring outliers' });
    score[i] = Math.sqrt(best);
    nearest[i] = arg;
  }
  return { score, nearest };
}

/** Per column, the share of the squared distance from `row` to centre `c`, largest first. */
export function centroidReasons(row: ArrayLike<number>, centres: Float64Array, p: number, c: number): { column: number; share: number; difference: number }[] {
  const diffs: { column: number; share: number; difference: number }[] = [];
  let total = 0;
  for (let j = 0; j < p; j++) {
    const d = row[j]! - centres[c * p + j]!;
    total += d * d;
    diffs.push({ column: j, share: d * d, difference: d });
  }
  for (const r of diffs) r.share = total > 0 ? r.share / total : 0;
  return diffs.sort((a, b) => b.share - a.share);
}
