/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares) over a
 * row-major Float64Array design, with an unpenalised intercept. Pure, deterministic, no I/O.
 *
 * Objective (scikit-learn's convention for `LogisticRegression(penalty='l2', C)` with lbfgs / newton-cg):
 *
 *   minimise  Σᵢ wᵢ · [−yᵢ log σ(ηᵢ) − (1 − yᵢ) log(1 − σ(ηᵢ))]  +  ‖β‖² / (2C),   ηᵢ = b + xᵢ·β
 *
 * with the intercept b outside the penalty. `standardize` z-scores every column first (mean and population
 * standard deviation, as scikit-learn's StandardScaler; a constant column keeps scale 1), so the penalty
 * weighs the features alike; the model then holds the coefficients of both scales.
 */

import { SegmintError } from '../../core/errors.ts';
import { dampedNewton } from '../damped-newton.ts';
import { blockPass, passLayout, PASS_F, PASS_G, PASS_H, sigmoid } from '../logistic-block.ts';

export interface LogisticOptions {
  /** inverse regularisation strength (scikit-learn's C); Infinity fits without a penalty. Default 1 */
  C?: number;
  /** z-score the columns before fitting. Default false */
  standardize?: boolean;
  /** per-row weights (scikit-learn's sample_weight). Default 1 each */
  weights?: Float64Array;
  /** stop when the Newton decrement falls below this. Default 1e-20 */
  tolerance?: number;
  maxIterations?: number;
  /** starting values (intercept first, p + 1 values) on the fitted scale, e.g. a fit on all rows for a CV fold */
  start?: ArrayLike<number>;
  /** also return the inverse Hessian at the solution (`scaledCovariance`). Default false */
  covariance?: boolean;
  /**
   * groups of columns (0-based) in which every row holds at most one 1 and zeros elsewhere — the one-hot
   * levels of a categorical feature, a missing indicator: the passes over the rows then skip their zeros
   * (same sums, far fewer products). A group whose values are not like that is treated as dense columns.
   * Ignored with `standardize`.
   */
  oneHot?: readonly (readonly number[])[];
  /**
   * the inverse of an approximation of the Hessian at `start` ((p + 1)², row-major), e.g. a subsample fit's
   * scaled to the rows: the first step takes it instead of the rows' Hessian, so the first pass over the rows
   * computes the gradient alone. Later steps, the stopping rule and `covariance` use the rows' Hessian.
   */
  startInverseHessian?: ArrayLike<number>;
  /** also return the training rows' linear predictors at the solution when they are `predictLogistic`'s (`linearPredictors`). Default false */
  linearPredictors?: boolean;
}

export interface LogisticModel {
  /** number of features (columns of the design, without the intercept) */
  p: number;
  C: number;
  standardized: boolean;
  /** intercept and coefficients on the scale of the design given to `fitLogistic` */
  intercept: number;
  coefficients: number[];
  /** with `standardize`: the column means and scales, and the coefficients on the z-scored columns */
  means: number[] | null;
  scales: number[] | null;
  scaledIntercept: number;
  scaledCoefficients: number[];
  /**
   * with `covariance`: the inverse of the objective's Hessian at the solution, (XᵀWX + λ·I₀)⁻¹ over
   * (intercept, coefficients) on the fitted (z-scored when `standardize`) scale, row-major (p+1)×(p+1); with
   * C = Infinity the usual asymptotic covariance of the maximum-likelihood estimates. null if not requested
   * or singular.
   */
  scaledCovariance: number[] | null;
  iterations: number;
  converged: boolean;
  /** value of the objective at the solution */
  objective: number;
  /**
   * with `linearPredictors`: each training row's linear predictor at the solution, added in the order
   * `predictLogistic` adds them (so their sigmoids are its probabilities to the last bit); null when the
   * design's one-hot columns do not all come after its dense ones (the passes add those last) or it is standardised
   */
  linearPredictors?: Float64Array | null;
}

export { sigmoid };

const BLOCK = 256;

/**
 * A design read a block of rows at a time, as the passes over the rows read it: the dense columns written out
 * column by column, the one-hot columns as the number of the column holding each row's 1 (see
 * `LogisticOptions.oneHot`). `fitLogistic` makes one over a row-major matrix; classify/design.ts makes one
 * over the feature columns (`designBlocks`), so a fit needs no n × p matrix.
 */
export interface DesignBlocks {
  n: number;
  /** columns of the design (dense and one-hot) */
  p: number;
  /** the dense columns (0-based design columns), in the order `fill` writes them */
  dense: Int32Array;
  /** the one-hot columns (0-based design columns), numbered group by group: a group's numbers are consecutive */
  sparse: Int32Array;
  groups: number;
  /** n × groups, row-major: the number (index into `sparse`) of the column holding the row's 1, −1 for none */
  codes: Int32Array;
  /** dense column j (of `dense`) of rows [from, from + len) into out[j·stride + k], k < len; finite values */
  fill(from: number, len: number, out: Float64Array, stride: number): void;
}

function layout(z: Float64Array, n: number, p: number, oneHot: readonly (readonly number[])[] | undefined): DesignBlocks {
  const taken = new Uint8Array(p);
  const sparse: number[] = [];
  const codeCols: Int32Array[] = [];
  for (const group of oneHot ?? []) {
    if (!group.length || group.some((c) => !Number.isInteger(c) || c < 0 || c >= p || taken[c])) continue;
    const first = sparse.length;
    const codes = new Int32Array(n);
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      let code = -1;
      const row = i * p;
      for (let k = 0; k < group.length; k++) {
        const v = z[row + group[k]!]!;
        if (v === 0) continue;
        if (v !== 1 || code >= 0) { ok = false; break; }
        code = first + k;
      }
      codes[i] = code;
    }
    if (!ok) continue;
    for (const c of group) { taken[c] = 1; sparse.push(c); }
    codeCols.push(codes);
  }
  const dense: number[] = [];
  for (let c = 0; c < p; c++) if (!taken[c]) dense.push(c);
  const groups = codeCols.length;
  const codes = new Int32Array(n * groups);
  for (let gi = 0; gi < groups; gi++) {
    const cc = codeCols[gi]!;
    for (let i = 0; i < n; i++) codes[i * groups + gi] = cc[i]!;
  }
  const cols = Int32Array.from(dense);
  const pd = cols.length;
  const fill = (from: number, len: number, out: Float64Array, stride: number): void => {
    for (let k = 0; k < len; k++) {
      const row = (from + k) * p;
      for (let j = 0; j < pd; j++) out[j * stride + k] = z[row + cols[j]!]!;
    }
  };
  return { n, p, dense: cols, sparse: Int32Array.from(sparse), groups, codes, fill };
}

/**
 * One pass over the rows at θ (intercept first, original column order): the linear predictors into `eta`, and
 * the unpenalised weighted log-loss (returned); with `g` and `h` also its gradient and the lower triangle of its
 * Hessian (m = p + 1) there. Each block of rows is read (`fill`) once for all of these. The dense columns go
 * in blocks transposed to column-major, so the inner loops run over contiguous arrays; a row's one-hot 1s add
 * its dense values (times its weight) to their rows of the Hessian, and its weight to the pairs of 1s it holds.
 * A row's linear predictor adds its terms in column order (dense, then one-hot); every sum adds its terms in
 * row order, so a value is the same whether or not the gradient is asked for.
 */
function sweep(
  src: DesignBlocks, y: Float64Array, w: Float64Array | undefined, th: Float64Array, eta: Float64Array, g: Float64Array | null, h: Float64Array | null,
): number {
  const { n, p, dense, sparse, groups, codes } = src;
  const m = p + 1;
  const pd = dense.length;
  const md = pd + 1; // intercept and the dense columns
  const ns = sparse.length;
  const bd = Float64Array.from(dense, (c) => th[c + 1]!);
  const bs = Float64Array.from(sparse, (c) => th[c + 1]!);
  const withGradient = g !== null;
  const withHessian = withGradient && h !== null;
  const mode = withHessian ? PASS_H : withGradient ? PASS_G : PASS_F;
  const lay = passLayout(0, md, ns);
  const out = new Float64Array(withGradient ? lay.end : 0);
  const gd = out.subarray(lay.g, lay.g + md);
  const gs = out.subarray(lay.gs, lay.gs + ns);
  const hd = out.subarray(lay.h, lay.h + md * md);
  const cross = out.subarray(lay.c, lay.c + ns * md); // one-hot column × (intercept, dense columns)
  const ss = out.subarray(lay.s, lay.s + ns * ns); // one-hot pairs of different groups, lower triangle
  const cols = new Float64Array(md * BLOCK);
  cols.fill(1, 0, BLOCK); // the intercept's column
  const r = new Float64Array(BLOCK);
  const v = new Float64Array(BLOCK);
  const vx = new Float64Array(BLOCK);
  const denseCols = cols.subarray(BLOCK);
  const rows = { codes, groups, ns, y, w };
  let f = 0;
  for (let start = 0; start < n; start += BLOCK) {
    const len = Math.min(BLOCK, n - start);
    src.fill(start, len, denseCols, BLOCK);
    f = blockPass(cols, BLOCK, len, md, th[0]!, bd, bs, rows, start, mode, eta.subarray(start, start + len), r, v, vx, out, lay, f);
  }
  if (!withGradient) return f;
  // back to the original order (θ index: 0 the intercept, c + 1 column c), into the lower triangle
  const at = Int32Array.from({ length: md }, (_, a) => (a === 0 ? 0 : dense[a - 1]! + 1));
  if (!withHessian) {
    for (let a = 0; a < md; a++) g[at[a]!] = gd[a]!;
    for (let q = 0; q < ns; q++) g[sparse[q]! + 1] = gs[q]!;
    return f;
  }
  const put = (i: number, j: number, value: number) => {
    if (i >= j) h[i * m + j] = value;
    else h[j * m + i] = value;
  };
  h.fill(0);
  for (let a = 0; a < md; a++) {
    g[at[a]!] = gd[a]!;
    for (let b = 0; b <= a; b++) put(at[a]!, at[b]!, hd[a * md + b]!);
  }
  for (let s = 0; s < ns; s++) {
    const cs = sparse[s]! + 1;
    g[cs] = gs[s]!;
    for (let a = 0; a < md; a++) put(cs, at[a]!, cross[s * md + a]!);
    put(cs, cs, cross[s * md]!); // x² = x on a 0/1 column
    for (let t = 0; t < s; t++) put(cs, sparse[t]! + 1, ss[s * ns + t]!);
  }
  return f;
}

/** Column means and population standard deviations (a constant column gets scale 1). */
export function columnScales(x: Float64Array, n: number, p: number): { means: number[]; scales: number[] } {
  const means = new Array<number>(p).fill(0);
  const scales = new Array<number>(p).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) means[j]! += x[i * p + j]!;
  for (let j = 0; j < p; j++) means[j] = means[j]! / n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < p; j++) {
      const d = x[i * p + j]! - means[j]!;
      scales[j]! += d * d;
    }
  for (let j = 0; j < p; j++) {
    const sd = Math.sqrt(scales[j]! / n);
    scales[j] = sd > 1e-12 * Math.max(1, Math.abs(means[j]!)) ? sd : 1;
  }
  return { means, scales };
}

/** The checks common to both fits: C, the sizes, 0/1 outcomes. */
function checkFit(n: number, y: Float64Array, o: LogisticOptions): number {
  const C = o.C ?? 1;
  if (!(C > 0)) throw new SegmintError('invalid-design', `C must be positive, got ${C}`, { hint: 'C is the inverse regularisation strength: larger means less shrinkage' });
  if (n === 0) throw new SegmintError('invalid-design', 'the design has no rows', { hint: 'fit on at least one row per outcome' });
  for (let i = 0; i < n; i++)
    if (y[i] !== 0 && y[i] !== 1) throw new SegmintError('invalid-design', `outcomes must be 0 or 1, row ${i + 1} has ${y[i]}`, { hint: 'logistic regression models a binary outcome' });
  return C;
}

/**
 * Fit the model (see the file comment). `x` holds n rows of p values, `y` the 0/1 outcomes.
 * Throws `invalid-design` on mismatched sizes, non-finite values or outcomes other than 0/1.
 */
export function fitLogistic(x: Float64Array, n: number, p: number, yIn: ArrayLike<number>, o: LogisticOptions = {}): LogisticModel {
  const y = Float64Array.from(yIn); // one array type in the hot loops
  if (x.length !== n * p || y.length !== n || (o.weights && o.weights.length !== n))
    throw new SegmintError('invalid-design', `a design of ${n}×${p} needs ${n * p} values and ${n} outcomes, got ${x.length} and ${y.length}`);
  const C = checkFit(n, y, o);
  for (let k = 0; k < x.length; k++)
    if (!Number.isFinite(x[k]!)) throw new SegmintError('invalid-design', `row ${Math.floor(k / p) + 1}, column ${(k % p) + 1} is ${x[k]}`, { hint: 'fill or drop missing feature values before fitting' });

  let z = x;
  let means: number[] | null = null;
  let scales: number[] | null = null;
  if (o.standardize) {
    ({ means, scales } = columnScales(x, n, p));
    z = new Float64Array(n * p);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) z[i * p + j] = (x[i * p + j]! - means[j]!) / scales[j]!;
  }
  return newton(layout(z, n, p, o.standardize ? undefined : o.oneHot), y, C, o, means, scales);
}

/**
 * `fitLogistic` over a design read a block at a time (`DesignBlocks`, e.g. classify/design.ts's
 * `designBlocks` over the feature columns): the same fit, the same sums, without an n × p matrix.
 * `standardize` and `oneHot` are the blocks' business and are ignored.
 */
export function fitLogisticBlocks(src: DesignBlocks, yIn: ArrayLike<number>, o: LogisticOptions = {}): LogisticModel {
  const y = Float64Array.from(yIn);
  const n = src.n;
  if (y.length !== n || (o.weights && o.weights.length !== n) || src.codes.length !== n * src.groups || src.dense.length + src.sparse.length !== src.p)
    throw new SegmintError('invalid-design', `a design of ${n} rows needs ${n} outcomes, got ${y.length}`);
  return newton(src, y, checkFit(n, y, o), o, null, null);
}

/** Damped Newton from `o.start` (or 0) over the rows of `src` (see the file comment). */
function newton(src: DesignBlocks, y: Float64Array, C: number, o: LogisticOptions, means: number[] | null, scales: number[] | null): LogisticModel {
  const { n, p } = src;
  const w = o.weights;
  const lambda = Number.isFinite(C) ? 1 / C : 0;
  // θ = (b, β₁ … β_p); the linear predictors of the current point and of a trial step in two buffers
  const etas = [new Float64Array(n), new Float64Array(n)] as const;
  const { theta, f, iterations, converged, scaledCovariance, current } = dampedNewton(p + 1, (th, slot, g, h) => sweep(src, y, w, th, etas[slot], g, h), lambda, o);
  const eta = etas[current];
  const scaledCoefficients = Array.from(theta.subarray(1));
  const scaledIntercept = theta[0]!;
  let intercept = scaledIntercept;
  let coefficients = scaledCoefficients;
  if (means && scales) {
    coefficients = scaledCoefficients.map((b, j) => b / scales![j]!);
    intercept = scaledIntercept - coefficients.reduce((s, b, j) => s + b * means![j]!, 0);
  }
  const model: LogisticModel = { p, C, standardized: !!(means && scales), intercept, coefficients, means, scales, scaledIntercept, scaledCoefficients, scaledCovariance, iterations, converged, objective: f };
  if (o.linearPredictors) model.linearPredictors = !(means && scales) && inColumnOrder(src) ? eta : null;
  return model;
}

/** Whether a pass adds a row's terms in column order: the dense columns ascending, then the one-hot ones ascending. */
function inColumnOrder(src: DesignBlocks): boolean {
  const order = [...src.dense, ...src.sparse];
  return order.every((c, k) => k === 0 || c > order[k - 1]!);
}

/** P(y = 1) for each row of `x` (n rows of the model's p columns, on the scale given to `fitLogistic`). */
export function predictLogistic(model: LogisticModel, x: Float64Array, n: number, out = new Float64Array(n)): Float64Array {
  const p = model.p;
  if (x.length !== n * p) throw new SegmintError('invalid-design', `expected ${n}×${p} = ${n * p} values, got ${x.length}`);
  const beta = model.coefficients;
  for (let i = 0; i < n; i++) {
    let e = model.intercept;
    const row = i * p;
    for (let j = 0; j < p; j++) e += x[row + j]! * beta[j]!;
    out[i] = sigmoid(e);
  }
  return out;
}
