/**
 * The damped Newton's method of the L2-regularised logistic fits (campaign/logistic.ts over a design read a block
 * of rows at a time, classify/logistic-newton.ts over feature columns with its passes on two threads): the same
 * steps, line search, stopping rule, first step by an approximate inverse Hessian, and covariance, whatever runs
 * the passes over the rows. Pure.
 */
import { SegmintError } from '../core/errors.ts';

/**
 * One pass over the rows at θ (intercept first, m values): the unpenalised objective (returned), each row's linear
 * predictor written into buffer `slot` (0 or 1: the driver keeps the current point's in one and tries a step in the
 * other), and, when given, the gradient into `g` and the lower triangle of the Hessian into `h` (m × m, row-major).
 */
export type Sweep = (theta: Float64Array, slot: 0 | 1, g: Float64Array | null, h: Float64Array | null) => number;

export interface NewtonOptions {
  /** stop when the Newton decrement falls below this (relative to the objective). Default 1e-20 */
  tolerance?: number;
  maxIterations?: number;
  /** starting values (intercept first); default 0 */
  start?: ArrayLike<number>;
  /** the inverse of an approximation of the Hessian at `start` for the first step (see campaign/logistic.ts) */
  startInverseHessian?: ArrayLike<number>;
  /** also return the inverse of the penalised Hessian at the solution */
  covariance?: boolean;
}

export interface NewtonResult {
  theta: Float64Array;
  /** the penalised objective at θ */
  f: number;
  iterations: number;
  converged: boolean;
  /** with `covariance`: the inverse Hessian at θ, row-major m × m; null if not asked for or singular */
  scaledCovariance: number[] | null;
  /** the sweep buffer (0 or 1) that holds θ's linear predictors */
  current: 0 | 1;
}

/** Solve the symmetric positive definite system A x = b (A of size m×m, row-major) by Cholesky; A is overwritten. */
export function choleskySolve(a: Float64Array, b: Float64Array, m: number): Float64Array | null {
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

/** The inverse of a symmetric positive definite m×m matrix (row-major), or null when it is not positive definite. */
export function invertSpd(a: Float64Array, m: number): Float64Array | null {
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

/** Damped Newton from `o.start` (or 0): penalty λ‖θ₁…‖²/2 on all but the intercept. */
export function dampedNewton(m: number, sweep: Sweep, lambda: number, o: NewtonOptions): NewtonResult {
  const theta = new Float64Array(m);
  if (o.start) {
    if (o.start.length !== m) throw new SegmintError('invalid-design', `a start needs ${m} values (intercept first), got ${o.start.length}`);
    theta.set(o.start);
  }
  let cur: 0 | 1 = 0; // the linear-predictor buffer holding θ's
  const penalty = (th: Float64Array): number => {
    let pen = 0;
    for (let j = 1; j < m; j++) pen += th[j]! ** 2;
    return (lambda * pen) / 2;
  };
  const g = new Float64Array(m);
  const h = new Float64Array(m * m);
  let approx = o.startInverseHessian && o.start && o.startInverseHessian.length === m * m ? o.startInverseHessian : null;
  // the objective at the start and its gradient and Hessian there (the gradient alone with an approximate Hessian): one pass
  let f = sweep(theta, cur, g, approx ? null : h) + penalty(theta);
  if (!Number.isFinite(f)) throw new SegmintError('invalid-design', `the objective at the start is ${f}: the design holds a value that is not a finite number`, { hint: 'fill or drop missing feature values before fitting' });
  /** whether g and h hold the gradient and Hessian at θ (the pass that evaluated an accepted full step computes them) */
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
      // the first step by the approximate inverse Hessian (g holds the gradient at the start); when it is not a
      // clear descent, the step is taken again with the rows' Hessian
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
    if (!step) break; // singular Hessian: unpenalised and separable or collinear; reported as not converged
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
    // damped Newton: halve the step until the objective decreases (Armijo, c = 1e-4) or, near the
    // optimum where the decrease is below the objective's rounding, does not grow beyond that rounding
    const rounding = 64 * Number.EPSILON * Math.max(1, Math.abs(f));
    if (decrement <= rounding) {
      // the predicted decrease is below the objective's rounding: the gradient is at its floating-point noise
      // (ill-conditioned designs never reach `tol`, and over many rows the objective's own rounding exceeds the
      // decrease, so a line search would halve at random). The full Newton step leaves an error of the order of
      // the decrement squared: take it and stop.
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
      // the full step is nearly always taken: its pass also computes the gradient and Hessian there
      fTrial = sweep(trial, other, t === 1 ? gTrial : null, t === 1 ? hTrial : null) + penalty(trial);
      if (fTrial <= f - 1e-4 * t * decrement || (decrement <= rounding && fTrial <= f + rounding)) break;
    }
    if (!(fTrial <= f + rounding)) break; // no descent: reported as not converged
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
      // the Hessian at the final θ (a converged fit stops before moving, so hLast is already there)
      if (!haveDerivatives) sweep(theta, cur, g, h);
      for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) h[b * m + a] = h[a * m + b]!;
      for (let j = 1; j < m; j++) h[j * m + j]! += lambda;
      hLast.set(h);
    }
    const inv = invertSpd(hLast, m);
    scaledCovariance = inv ? Array.from(inv) : null;
  }
  return { theta, f, iterations, converged, scaledCovariance, current: cur };
}
