/**
 * Matching the clusters of two runs, so that the names and notes people gave one run's clusters carry over
 * to the next: an optimal one-to-one assignment (the Hungarian algorithm) on the distances between the two
 * runs' cluster centres in the standardised feature space, pairs further apart than a threshold left unmatched.
 * Pure: no I/O. docs/models.md ("Carrying labels over") states the rule.
 */

/**
 * The optimal assignment of rows to columns of a cost matrix (n × m, any shape): the column of each row, -1
 * for a row left over when there are more rows than columns, minimising the total cost. The Hungarian
 * algorithm with potentials (Kuhn 1955, Munkres 1957; the O(n²m) shortest-augmenting-path form of Jonker &
 * Volgenant), the problem scipy.optimize.linear_sum_assignment solves.
 */
export function optimalAssignment(cost: readonly (readonly number[])[]): number[] {
  const n = cost.length, m = n ? cost[0]!.length : 0;
  for (const row of cost) {
    if (row.length !== m) throw new RangeError('optimalAssignment: the cost matrix rows differ in length');
    for (const c of row) if (!Number.isFinite(c)) throw new RangeError('optimalAssignment: every cost must be a finite number');
  }
  if (n === 0 || m === 0) return new Array<number>(n).fill(-1);
  if (n > m) {
    // more rows than columns: assign the columns to rows, then read it back
    const colToRow = optimalAssignment(Array.from({ length: m }, (_, j) => Array.from({ length: n }, (_, i) => cost[i]![j]!)));
    const out = new Array<number>(n).fill(-1);
    colToRow.forEach((i, j) => (out[i] = j));
    return out;
  }
  // 1-based potentials u (rows), v (columns); p[j] = the row holding column j (0: none); way[j] = the previous column on the path
  const u = new Float64Array(n + 1), v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1), way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1), used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity, j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1]![j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) { minv[j] = cur; way[j] = j0; }
        if (minv[j]! < delta) { delta = minv[j]!; j1 = j; }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) { u[p[j]!]! += delta; v[j]! -= delta; } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    // flip the augmenting path
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const out = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j]! > 0) out[p[j]! - 1] = j - 1;
  return out;
}

/** A cluster's centre in the standardised feature space: per feature (cluster mean − population mean) / population sd. */
export interface ClusterCentre {
  cluster: number;
  z: Readonly<Record<string, number>>;
}

/**
 * Two centres further apart than this root-mean-square difference per feature (in population standard
 * deviations) are not the same cluster: half a standard deviation on every compared feature.
 */
export const MATCH_THRESHOLD = 0.5;

export interface ClusterMatch {
  /** the features both runs have (sorted): the distances are over these only */
  features: string[];
  threshold: number;
  /** per cluster of the new run (in the order given): the old run's cluster it is, or null; and the distance to it (to the nearest old cluster when unmatched; null when nothing could be compared) */
  pairs: { cluster: number; from: number | null; distance: number | null }[];
}

/** Root-mean-square difference of two centres over `features`. */
export function centreDistance(a: ClusterCentre, b: ClusterCentre, features: readonly string[]): number {
  let s = 0;
  for (const f of features) { const t = a.z[f]! - b.z[f]!; s += t * t; }
  return Math.sqrt(s / features.length);
}

/**
 * Which cluster of the old run each cluster of the new run is: the one-to-one assignment of least total
 * distance over the features both runs share, where a pair further apart than `threshold` costs the threshold
 * (it is no match, so it does not bend the other pairs) and is left unmatched.
 */
export function matchClusters(previous: readonly ClusterCentre[], next: readonly ClusterCentre[], threshold = MATCH_THRESHOLD): ClusterMatch {
  const has = (c: ClusterCentre, f: string) => Number.isFinite(c.z[f]);
  const names = new Set([...previous, ...next].flatMap((c) => Object.keys(c.z)));
  const features = [...names].filter((f) => previous.every((c) => has(c, f)) && next.every((c) => has(c, f))).sort();
  if (features.length === 0 || previous.length === 0) {
    return { features, threshold, pairs: next.map((c) => ({ cluster: c.cluster, from: null, distance: null })) };
  }
  const d = next.map((a) => previous.map((b) => centreDistance(a, b, features)));
  const assigned = optimalAssignment(d.map((row) => row.map((x) => Math.min(x, threshold))));
  return {
    features, threshold,
    pairs: next.map((c, i) => {
      const j = assigned[i]!;
      if (j >= 0 && d[i]![j]! <= threshold) return { cluster: c.cluster, from: previous[j]!.cluster, distance: d[i]![j]! };
      return { cluster: c.cluster, from: null, distance: Math.min(...d[i]!) };
    }),
  };
}
