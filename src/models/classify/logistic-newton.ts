/**
 * The damped-Newton logistic fit of campaign/logistic.ts (`fitLogisticBlocks`: the same objective, steps, line
 * search, stopping rule, first step by a subsample's inverse Hessian, and covariance) over a design held as columns
 * (design.ts `designBlocks` with its `values`), with its passes over the rows split between this thread and a
 * worker thread on two cores (logistic-pool.ts). A pass's sums are added chunk by chunk in chunk order, so the fit
 * is the same to the last bit on one thread or two; against campaign/logistic.ts (one running sum over the rows)
 * the sums differ by rounding only.
 */
import { SegmintError } from '../../core/errors.ts';
import type { LogisticModel, LogisticOptions } from '../campaign/logistic.ts';
import { dampedNewton } from '../damped-newton.ts';
import { PASS_F, PASS_G, PASS_H } from './logistic-passes.ts';
import { PassPool } from './logistic-pool.ts';

/** The columnar design the fit reads: design.ts `designBlocks` with the dense columns' values. */
export interface ColumnDesign {
  n: number;
  p: number;
  /** the dense design columns (0-based), in the order of `values` */
  dense: Int32Array;
  values: Float64Array[];
  /** the one-hot columns, numbered group by group */
  sparse: Int32Array;
  groups: number;
  /** n × groups: the number (index into `sparse`) of the column holding the row's 1, −1 for none */
  codes: Int32Array;
}

/**
 * The passes in θ's order (intercept first, design column c at c + 1): the pool's totals moved back into the
 * gradient and the lower triangle of the Hessian, as campaign/logistic.ts `sweep` returns them.
 */
function passes(d: ColumnDesign, pool: PassPool) {
  const { p, dense, sparse } = d;
  const m = p + 1;
  const md = dense.length + 1;
  const ns = sparse.length;
  // θ index of each pass-order position: the intercept, the dense columns, the one-hot columns
  const at = Int32Array.from({ length: m }, (_, k) => (k === 0 ? 0 : k < md ? dense[k - 1]! + 1 : sparse[k - md]! + 1));
  const thPass = new Float64Array(m);
  return (th: Float64Array, which: 0 | 1, g: Float64Array | null, h: Float64Array | null): number => {
    for (let k = 0; k < m; k++) thPass[k] = th[at[k]!]!;
    const tot = pool.run(g ? (h ? PASS_H : PASS_G) : PASS_F, thPass, which);
    const f = tot[0]!;
    if (!g) return f;
    const oG = 1;
    const oGs = oG + md;
    const oH = oGs + ns;
    const oC = oH + md * md;
    const oS = oC + ns * md;
    for (let a = 0; a < md; a++) g[at[a]!] = tot[oG + a]!;
    for (let q = 0; q < ns; q++) g[sparse[q]! + 1] = tot[oGs + q]!;
    if (!h) return f;
    const put = (i: number, j: number, value: number) => {
      if (i >= j) h[i * m + j] = value;
      else h[j * m + i] = value;
    };
    h.fill(0);
    for (let a = 0; a < md; a++) for (let b = 0; b <= a; b++) put(at[a]!, at[b]!, tot[oH + a * md + b]!);
    for (let s = 0; s < ns; s++) {
      const cs = sparse[s]! + 1;
      for (let a = 0; a < md; a++) put(cs, at[a]!, tot[oC + s * md + a]!);
      put(cs, cs, tot[oC + s * md]!); // x² = x on a 0/1 column
      for (let t = 0; t < s; t++) put(cs, sparse[t]! + 1, tot[oS + s * ns + t]!);
    }
    return f;
  };
}

/** Whether a pass adds a row's terms in column order: the dense columns ascending, then the one-hot ones ascending. */
function inColumnOrder(d: ColumnDesign): boolean {
  const order = [...d.dense, ...d.sparse];
  return order.every((c, k) => k === 0 || c > order[k - 1]!);
}

/**
 * Fit over a columnar design (see the file comment) with `threads` threads (1 or 2). The options of
 * `fitLogisticBlocks` (`standardize` and `oneHot` are the design's business and ignored).
 */
export function fitLogisticColumns(d: ColumnDesign, yIn: ArrayLike<number>, o: LogisticOptions, threads: number): LogisticModel {
  const y = Float64Array.from(yIn);
  const { n, p } = d;
  if (y.length !== n || (o.weights && o.weights.length !== n) || d.codes.length !== n * d.groups || d.dense.length + d.sparse.length !== p || d.values.length !== d.dense.length)
    throw new SegmintError('invalid-design', `a design of ${n} rows needs ${n} outcomes, got ${y.length}`);
  const C = o.C ?? 1;
  if (!(C > 0)) throw new SegmintError('invalid-design', `C must be positive, got ${C}`, { hint: 'C is the inverse regularisation strength: larger means less shrinkage' });
  if (n === 0) throw new SegmintError('invalid-design', 'the design has no rows', { hint: 'fit on at least one row per outcome' });
  for (let i = 0; i < n; i++)
    if (y[i] !== 0 && y[i] !== 1) throw new SegmintError('invalid-design', `outcomes must be 0 or 1, row ${i + 1} has ${y[i]}`, { hint: 'logistic regression models a binary outcome' });
  const pool = new PassPool(d.values, d.codes, d.groups, d.sparse.length, y, o.weights, threads);
  try {
    return newton(d, pool, C, o);
  } finally {
    pool.close();
  }
}

/** The damped Newton's method of campaign/logistic.ts (damped-newton.ts), its passes by the pool (eta arrays 0 and 1). */
function newton(d: ColumnDesign, pool: PassPool, C: number, o: LogisticOptions): LogisticModel {
  const { p } = d;
  const lambda = Number.isFinite(C) ? 1 / C : 0;
  const { theta, f, iterations, converged, scaledCovariance, current } = dampedNewton(p + 1, passes(d, pool), lambda, o);
  const coefficients = Array.from(theta.subarray(1));
  const intercept = theta[0]!;
  const model: LogisticModel = {
    p, C, standardized: false, intercept, coefficients, means: null, scales: null, scaledIntercept: intercept, scaledCoefficients: coefficients,
    scaledCovariance, iterations, converged, objective: f,
  };
  if (o.linearPredictors) model.linearPredictors = inColumnOrder(d) ? pool.eta(current) : null;
  return model;
}
