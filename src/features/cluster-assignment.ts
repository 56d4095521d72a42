/**
 * Assigning customers to a fitted cluster model in the warehouse: the model's preprocessing (impute,
 * floor, log1p, clip, scale, one-hot) and the nearest centroid, compiled from the IR for any dialect. The
 * arithmetic is the in-process one (models/cluster/model.ts) step for step — constants are bound as
 * doubles, squared differences summed in feature order, ties to the lower cluster — so both agree.
 */
import { SegmintError } from '../core/errors.ts';
import { LOG1P_FLOOR, MISSING_LEVEL, scaleBounds, Z_TINY } from '../core/cluster-guards.ts';
import { abs, add, and, caseWhen, cast, coalesce, col, div, eq, exp, greatest, least, le, lit, ln, lt, mul, NULL, num, select, sqrt, sub, subquery, type Expr, type Select, type Source } from '../sql/ir.ts';

/** The parts of a cluster model (ClusterModelJSON) the SQL needs. */
export interface AssignableModel {
  k: number;
  preprocessing: {
    steps: readonly (
      | { kind: 'numeric'; name: string; impute: number; floor?: number; log1p: boolean; clipLow: number | null; clipHigh: number | null; center: number; scale: number }
      | { kind: 'one-hot'; name: string; level: string; center: number; scale: number }
    )[];
  };
  centroids: readonly (readonly number[])[];
  names: readonly string[];
  /** a Gaussian mixture: score q_c + bias_c with q_c = (z − μ_c)ᵀ P_c (z − μ_c) (models/cluster/model.ts MixtureJSON) */
  mixture?: { covariance: 'full' | 'diag'; precisions: readonly (readonly number[])[]; bias: readonly number[] };
  /** k-prototypes: γ per categorical feature whose value is not the cluster's mode */
  prototypes?: { gamma: number; categorical: readonly { name: string; modes: readonly (string | null)[] }[] };
}

export interface AssignmentQueryOptions {
  /** the table or subquery holding one row per customer */
  from: Source;
  /** its customer id column (output as customer_id) */
  idColumn: string;
  /** the source column of a feature, when it differs from the feature name */
  columnOf?: Readonly<Record<string, string>>;
}

/**
 * SELECT customer_id, cluster (0-based), cluster_name, distance (Euclidean in the scaled space; Mahalanobis for
 * a mixture), probability (a mixture's membership probability, else NULL) for every row of `from`. Throws `invalid-model` when the centroids do not fit the steps.
 */
export function clusterAssignmentQuery(model: AssignableModel, options: AssignmentQueryOptions): Select {
  const { steps } = model.preprocessing;
  const d = steps.length, k = model.k;
  if (d === 0 || model.centroids.length !== k || model.centroids.some((c) => c.length !== d) || model.names.length !== k) {
    throw new SegmintError('invalid-model', `a cluster model needs ${k} centroids of ${d} numbers and ${k} names`);
  }
  const source = (name: string) => col(options.columnOf?.[name] ?? name);
  const z = steps.map((s): Expr => {
    if (s.kind === 'one-hot') {
      const hit = caseWhen([[eq(coalesce(cast(source(s.name), 'varchar'), lit(MISSING_LEVEL)), lit(s.level)), num(1)]], num(0));
      return div(sub(hit, lit(s.center)), lit(s.scale));
    }
    let v: Expr = coalesce(cast(source(s.name), 'double'), lit(s.impute));
    if (s.floor !== undefined) v = greatest(v, lit(s.floor));
    if (s.log1p) v = ln(greatest(add(num(1), v), lit(LOG1P_FLOOR)));
    if (s.clipLow !== null) v = greatest(v, lit(s.clipLow));
    if (s.clipHigh !== null) v = least(v, lit(s.clipHigh));
    const [lo, hi] = scaleBounds(s);
    const t = sub(least(greatest(v, lit(lo)), lit(hi)), lit(s.center));
    return caseWhen([[lt(abs(t), lit(Z_TINY * s.scale)), num(0)]], div(t, lit(s.scale)));
  });
  const scaled = select({
    select: [
      { expr: cast(col(options.idColumn), 'varchar'), as: 'customer_id' },
      ...z.map((expr, j) => ({ expr, as: `z${j}` })),
      // k-prototypes compares categorical values as text
      ...(model.prototypes?.categorical ?? []).map((f, j) => ({ expr: cast(source(f.name), 'varchar'), as: `v${j}` })),
    ],
    from: options.from,
  });
  const mix = model.mixture;
  const e = (c: number, j: number) => sub(col(`z${j}`), lit(model.centroids[c]![j]!));
  // the terms in the order the in-process code adds them
  const terms = (c: number): Expr[] => {
    if (!mix) return Array.from({ length: d }, (_, j) => mul(e(c, j), e(c, j)));
    const P = mix.precisions[c]!;
    if (mix.covariance === 'diag') return Array.from({ length: d }, (_, j) => mul(mul(lit(P[j]!), e(c, j)), e(c, j)));
    const out: Expr[] = [];
    for (let j = 0; j < d; j++) {
      out.push(mul(mul(lit(P[j * d + j]!), e(c, j)), e(c, j)));
      for (let l = j + 1; l < d; l++) out.push(mul(mul(lit(2 * P[j * d + l]!), e(c, j)), e(c, l)));
    }
    return out;
  };
  const pro = model.prototypes;
  const mismatches = (c: number): Expr[] => (pro ? pro.categorical.map((f, j) => {
    const mode = f.modes[c];
    return mode === null || mode === undefined ? lit(pro.gamma) : caseWhen([[eq(col(`v${j}`), lit(mode)), num(0)]], lit(pro.gamma));
  }) : []);
  const quadratic = (c: number) => [...terms(c), ...mismatches(c)].reduce((s, t) => add(s, t));
  const quadratics = select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, ...Array.from({ length: k }, (_, c) => ({ expr: quadratic(c), as: `q${c}` }))],
    from: subquery(scaled, 'z'),
  });
  const distances = select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      ...Array.from({ length: k }, (_, c) => ({ expr: col(`q${c}`), as: `q${c}` })),
      ...Array.from({ length: k }, (_, c) => ({ expr: mix ? add(col(`q${c}`), lit(mix.bias[c]!)) : col(`q${c}`), as: `d${c}` })),
    ],
    from: subquery(quadratics, 'q'),
  });
  // the first c with d_c ≤ every later d_j is the nearest centroid, ties to the lower c
  const whens = Array.from({ length: k - 1 }, (_, c) => [and(...Array.from({ length: k - 1 - c }, (_, t) => le(col(`d${c}`), col(`d${c + 1 + t}`)))), num(c)] as const);
  const nearest = k === 1 ? num(0) : caseWhen(whens, num(k - 1));
  const labelled = select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: nearest, as: 'cluster' },
      ...Array.from({ length: k }, (_, c) => ({ expr: col(`q${c}`), as: `q${c}` })),
      ...Array.from({ length: k }, (_, c) => ({ expr: col(`d${c}`), as: `d${c}` })),
      // the chosen cluster's score: the smallest (ties pick the lower c, with the same value)
      { expr: k === 1 ? col('d0') : least(...Array.from({ length: k }, (_, c) => col(`d${c}`))), as: 'd_min' },
    ],
    from: subquery(distances, 'd'),
  });
  const pick = (f: (c: number) => Expr) => (k === 1 ? f(0) : caseWhen(Array.from({ length: k - 1 }, (_, c) => [eq(col('cluster'), num(c)), f(c)] as const), f(k - 1)));
  return select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: col('cluster'), as: 'cluster' },
      { expr: pick((c) => lit(model.names[c]!)), as: 'cluster_name' },
      { expr: pick((c) => (mix ? sqrt(greatest(col(`q${c}`), num(0))) : sqrt(col(`d${c}`)))), as: 'distance' },
      // membership probability of the chosen component: 1 / Σ_c exp((s_chosen − s_c) / 2), each exponent at least
      // −700 (PostgreSQL raises an underflow error where exp() would give 0; e^−700 adds nothing to a sum ≥ 1)
      { expr: mix ? div(num(1), Array.from({ length: k }, (_, c) => exp(greatest(div(sub(col('d_min'), col(`d${c}`)), num(2)), num(-700)))).reduce((a, b) => add(a, b))) : cast(NULL, 'double'), as: 'probability' },
    ],
    from: subquery(labelled, 'a'),
  });
}
