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

/** Solve the symmetric positive definite system A x = b (A of size m×m, row-major) by Cholesky; A is overwritten. */
function choleskySolve(a: Float64Array, b: Float64Array, m: number): Float64Array | null {
  for (let j = 0; j < m; j++) {
    let d = a[j * m + j]!;
    for (let k = 0; k < j; k++) d -= a[j * m + k]! ** 2;
    if (!(d > 0)) return null;
    const l = Math.sqrt(d);
    a[j * m + j] = l;
    for (let i = j + 1; i < m; i++) {
      let s = a[i * m + j]!;
      for (let k = 0; k < j; k++) s -= a[i * m + k]! * a[j * m + k]!;
      a[i * m + j] = s / l;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < m; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= a[i * m + k]! * x[k]!;
    x[i] = s / a[i * m + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < m; k++) s -= a[k * m + i]! * x[k]!;
    x[i] = s / a[i * m + i]!;
  }
  return x;
}

function invertSpd(a: Float64Array, m: number): Float64Array | null {
  const inv = new Float64Array(m * m);
  const unit = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    unit.fill(0);
    unit[c] = 1;
    const col = choleskySolve(Float64Array.from(a), unit, m);
    if (!col) return null;
    for (let r = 0; r < m; r++) inv[r * m + c] = col[r]!;
  }
  return inv;
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

/** campaign/logistic.ts `newton`, step for step, its passes by the pool (eta arrays 0 and 1: the current and the trial point's). */
function newton(d: ColumnDesign, pool: PassPool, C: number, o: LogisticOptions): LogisticModel {
  const { p } = d;
  const sweep = passes(d, pool);
  const lambda = Number.isFinite(C) ? 1 / C : 0;
  const m = p + 1;
  const theta = new Float64Array(m);
  if (o.start) {
    if (o.start.length !== m) throw new SegmintError('invalid-design', `a start needs ${m} values (intercept first), got ${o.start.length}`);
    theta.set(o.start);
  }
  let cur: 0 | 1 = 0; // the eta array holding θ's linear predictors
  const penalty = (th: Float64Array): number => {
    let pen = 0;
    for (let j = 1; j < m; j++) pen += th[j]! ** 2;
    return (lambda * pen) / 2;
  };
  const g = new Float64Array(m);
  const h = new Float64Array(m * m);
  let approx = o.startInverseHessian && o.start && o.startInverseHessian.length === m * m ? o.startInverseHessian : null;
  let f = sweep(theta, cur, g, approx ? null : h) + penalty(theta);
  if (!Number.isFinite(f)) throw new SegmintError('invalid-design', `the objective at the start is ${f}: the design holds a value that is not a finite number`, { hint: 'fill or drop missing feature values before fitting' });
  let haveDerivatives = !approx;
  const maxIt = o.maxIterations ?? 100;
  const tol = o.tolerance ?? 1e-20;
  let iterations = 0;
  let converged = false;
  const hLast = new Float64Array(m * m);
  const trial = new Float64Array(m);
  const gTrial = new Float64Array(m);
  const hTrial = new Float64Array(m * m);
  for (; iterations < maxIt; iterations++) {
    if (approx) {
      const hi = approx;
      approx = null;
      for (let j = 1; j < m; j++) g[j]! += lambda * theta[j]!;
      const step = new Float64Array(m);
      for (let a = 0; a < m; a++) {
        let sa = 0;
        for (let b = 0; b < m; b++) sa += hi[a * m + b]! * g[b]!;
        step[a] = sa;
      }
      let decrement = 0;
      for (let a = 0; a < m; a++) decrement += g[a]! * step[a]!;
      const rounding = 64 * Number.EPSILON * Math.max(1, Math.abs(f));
      if (decrement > rounding) {
        for (let a = 0; a < m; a++) trial[a] = theta[a]! - step[a]!;
        const fTrial = sweep(trial, cur === 0 ? 1 : 0, gTrial, hTrial) + penalty(trial);
        if (fTrial <= f - 1e-4 * decrement) {
          theta.set(trial);
          cur = cur === 0 ? 1 : 0;
          f = fTrial;
          g.set(gTrial);
          h.set(hTrial);
          haveDerivatives = true;
          continue;
        }
      }
      iterations--; // not a step: the first step again, by the rows' Hessian
      continue;
    }
    if (!haveDerivatives) sweep(theta, cur, g, h);
    haveDerivatives = false;
    for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) h[b * m + a] = h[a * m + b]!;
    for (let j = 1; j < m; j++) {
      g[j]! += lambda * theta[j]!;
      h[j * m + j]! += lambda;
    }
    hLast.set(h);
    const step = choleskySolve(h, g, m);
    if (!step) break;
    let decrement = 0;
    for (let a = 0; a < m; a++) decrement += g[a]! * step[a]!;
    let largest = 0;
    let stepSize = 0;
    for (let a = 0; a < m; a++) {
      largest = Math.max(largest, Math.abs(theta[a]!));
      stepSize = Math.max(stepSize, Math.abs(step[a]!));
    }
    if (decrement / 2 <= tol * Math.max(1, Math.abs(f)) || stepSize <= 1e-15 * (1 + largest)) {
      converged = true;
      break;
    }
    const rounding = 64 * Number.EPSILON * Math.max(1, Math.abs(f));
    if (decrement <= rounding) {
      for (let a = 0; a < m; a++) theta[a] = theta[a]! - step[a]!;
      f = sweep(theta, cur, null, null) + penalty(theta);
      iterations++;
      converged = true;
      break;
    }
    let t = 1;
    let fTrial = Infinity;
    const other: 0 | 1 = cur === 0 ? 1 : 0;
    for (let halvings = 0; halvings < 60; halvings++, t /= 2) {
      for (let a = 0; a < m; a++) trial[a] = theta[a]! - t * step[a]!;
      fTrial = sweep(trial, other, t === 1 ? gTrial : null, t === 1 ? hTrial : null) + penalty(trial);
      if (fTrial <= f - 1e-4 * t * decrement || (decrement <= rounding && fTrial <= f + rounding)) break;
    }
    if (!(fTrial <= f + rounding)) break;
    theta.set(trial);
    cur = other;
    f = fTrial;
    if (t === 1) {
      g.set(gTrial);
      h.set(hTrial);
      haveDerivatives = true;
    }
  }

  let scaledCovariance: number[] | null = null;
  if (o.covariance) {
    if (!converged) {
      if (!haveDerivatives) sweep(theta, cur, g, h);
      for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) h[b * m + a] = h[a * m + b]!;
      for (let j = 1; j < m; j++) h[j * m + j]! += lambda;
      hLast.set(h);
    }
    const inv = invertSpd(hLast, m);
    scaledCovariance = inv ? Array.from(inv) : null;
  }
  const coefficients = Array.from(theta.subarray(1));
  const intercept = theta[0]!;
  const model: LogisticModel = {
    p, C, standardized: false, intercept, coefficients, means: null, scales: null, scaledIntercept: intercept, scaledCoefficients: coefficients,
    scaledCovariance, iterations, converged, objective: f,
  };
  if (o.linearPredictors) model.linearPredictors = inColumnOrder(d) ? pool.eta(cur) : null;
  return model;
}
