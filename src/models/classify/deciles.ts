/**
 * Deciles by rank (the `decile` a score run stores): rows ranked by score, highest first, ties in row order,
 * and rank r (0-based) of n in group min(groups, ⌊r·groups/n⌋ + 1) — the same as sorting the row indices with
 * a comparator, without one: the scores are sorted as a typed array, the group boundaries read off it, and
 * each row placed by comparing with the (at most groups − 1) boundary values; rows equal to a boundary value
 * are placed by how many equal rows come before them. Pure, O(n log n).
 */

/** The group (1 = highest scores) of every row. Scores must not be NaN. */
export function groupsByRank(score: Float64Array, groups = 10): Int32Array {
  return rankGroups(score, groups).groups;
}

/**
 * `groupsByRank`, and whether the groups depend on the order of tied rows: some rows of a boundary value fall
 * in the group above it and some in the group below (else any order of the rows gives the same groups).
 */
export function rankGroups(score: Float64Array, groups = 10): { groups: Int32Array; tiesSplit: boolean } {
  const n = score.length;
  const out = new Int32Array(n);
  let tiesSplit = false;
  if (n === 0) return { groups: out, tiesSplit };
  const sorted = Float64Array.from(score).sort();
  // boundary k (1 … groups − 1): the first rank of group k + 1, its value, and how many rows of that value rank before it
  const value = new Float64Array(groups);
  const before = new Float64Array(groups);
  const seen = new Float64Array(groups);
  let b = 0;
  for (let k = 1; k < groups; k++) {
    const first = Math.ceil((k * n) / groups);
    if (first >= n) break;
    const v = sorted[n - 1 - first]!;
    // rows above v: those after v's last position in the ascending order
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    value[b] = v;
    before[b] = first - (n - lo);
    if (before[b]! > 0) tiesSplit = true; // the row at rank `first` is v too, and goes below the boundary
    b++;
  }
  for (let i = 0; i < n; i++) {
    const v = score[i]!;
    let g = 1;
    for (let k = 0; k < b; k++) {
      const t = value[k]!;
      if (v > t) break;
      if (v < t) { g++; continue; }
      // equal to the boundary value: after the boundary once `before` equal rows have been placed
      if (seen[k]! >= before[k]!) g++;
      seen[k]!++;
    }
    out[i] = g;
  }
  return { groups: out, tiesSplit };
}
