/**
 * Maximum likelihood for the purchase and spend models, shared by all of them. The parameters are optimised
 * in log space (so they stay positive): by Newton's method where the model gives its Hessian (BG/NBD, MBG/NBD; on a
 * large set from the optimum on thinned patterns), when that reaches an interior optimum with a positive-definite
 * Hessian; else by BFGS; where BFGS stops short, Nelder–Mead from its last point and BFGS again; when that fails
 * too, the next starting point. An optional L2 penalty λ·Σ(cᵢθᵢ)² on the mean
 * (or summed) negative log-likelihood: with the scales cᵢ the purchase models give, lifetimes' `penalizer_coef`. Standard errors from the
 * inverse Hessian of −ln L (delta method from log space). Convergence is reported; a `ConvergenceError` with
 * a hint is thrown when no start converges, a parameter runs off to infinity, or the optimum is flat.
 *
 * @example
 * ```ts
 * const fit = maximizeLikelihood({ model: 'BG/NBD', names: ['r', 'alpha', 'a', 'b'], customers: 2357, logLikelihood: (t) => ll(t) });
 * fit.params.r; fit.standardErrors.r; fit.converged;
 * ```
 */
import { ConvergenceError, SegmintError } from '../../core/errors.ts';
import { bfgs, hessianFromGradient, hessianFromGradientForward, invertSpd, nelderMead, numericHessian, type MinimizeResult } from '../optimize.ts';

/**
 * Pattern sets from this size on take the standard errors' Hessian by forward differences of the gradient
 * (hessianFromGradientForward: within about 1e-6 of central differences, for 3 fewer calls of a 4-parameter gradient:
 * 0.11 s of Pareto/NBD's fit at 262,707 patterns, on `clv fit --model auto`'s critical path).
 */
export const FORWARD_HESSIAN_PATTERNS = 100_000;

export interface MleSpec {
  model: string;
  names: readonly string[];
  /** Σ weight · ln L at the natural parameters (may be non-finite far from the optimum) */
  logLikelihood: (theta: number[]) => number;
  /** Σ weight · ln L and its gradient ∂/∂ ln θ in one pass, when the gradient is known analytically */
  valueAndGradientLog?: (theta: number[]) => [number, number[]];
  /** customers (Σ weights): the objective is the mean log-likelihood */
  customers: number;
  /**
   * distinct patterns the likelihood runs over, when it runs over a pattern set: from FORWARD_HESSIAN_PATTERNS on, the
   * standard errors' Hessian takes forward differences of the gradient (n + 1 calls instead of 2n)
   */
  patterns?: number;
  /**
   * multipliers of the parameters inside the penalty, λ·Σ(cᵢθᵢ)² (default all 1): 1/max T for the parameters
   * in time units, which is the penalty on lifetimes' parameters after it rescales time so that max T = 1
   */
  penaltyScale?: readonly number[];
  /** the penalty is added to the summed −ln L (lifetimes' Pareto/NBD) rather than to the mean (default false) */
  penaltyOnSum?: boolean;
  /**
   * Σ weight · ln L with its gradient and Hessian in ln θ, when known analytically: the fit is then Newton's method
   * (from the optimum of `coarse`, when given), with BFGS as before where Newton does not reach an interior optimum
   */
  derivativesLog?: (theta: number[]) => LogLikelihoodDerivatives;
  /**
   * the same likelihood on a thinned sample of the patterns (weights scaled up to the customers), for a cheap start:
   * Newton's with `derivativesLog`; else BFGS's on it with `valueAndGradientLog`, the full fit's BFGS then starting
   * from its optimum with its inverse Hessian
   */
  coarse?: { customers: number; derivativesLog?: (theta: number[]) => LogLikelihoodDerivatives; valueAndGradientLog?: (theta: number[]) => [number, number[]] };
}

/** Σ weight · ln L with its gradient and Hessian with respect to the logs of the parameters. */
export interface LogLikelihoodDerivatives {
  value: number;
  /** ∂/∂ ln θᵢ */
  gradient: number[];
  /** ∂²/∂ ln θᵢ ∂ ln θⱼ, k × k row by row */
  hessian: number[];
}

export interface FitOptions {
  /** L2 penalty on the parameters (default 0) */
  penalizer?: number;
  /** starting points in natural scale (default: all ones, all 0.5 and all 3) */
  starts?: number[][];
  /**
   * keep an estimate whose Hessian is not positive definite (no standard errors, `hessianPositiveDefinite`
   * false) instead of a ConvergenceError: model comparison reports such a fit as degenerate
   */
  allowFlat?: boolean;
}

export interface MleFit {
  params: Record<string, number>;
  /** from the inverse Hessian; null when the Hessian is not positive definite */
  standardErrors: Record<string, number | null>;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  /** the optimiser that produced the estimate */
  method: 'newton' | 'bfgs' | 'nelder-mead+bfgs' | 'nelder-mead';
  penalizer: number;
  /** parameters whose estimate is on the boundary θ → 0 (kept, without a standard error) */
  boundary: string[];
  /** whether the Hessian of −ln L at the estimate (without the boundary parameters) is positive definite */
  hessianPositiveDefinite: boolean;
  warnings: string[];
}

const BAD = 1e300;
/** BFGS's and Newton's convergence: every component of the objective's gradient (per customer, in ln θ) below this */
const GRADIENT_TOLERANCE = 1e-7;
/** Newton polishes a converged estimate down to this gradient while the gradient still falls (see newton) */
const POLISH_TOLERANCE = 1e-11;

interface NewtonPoint {
  x: number[];
  /** the objective −ln L / n + penalty, its gradient and Hessian */
  value: number;
  g: number[];
  H: number[];
  /** ln L and its Hessian in ln θ */
  ll: number;
  llHessian: number[];
}

/**
 * Newton's method on the objective −ln L / n + penalty in ln θ, with a backtracking line search; where the Hessian is
 * not positive definite the step is damped (H + μI, μ growing) and no coordinate moves by more than 3 at once.
 * Converged as BFGS is (the largest gradient component below the tolerance), then polished while the gradient still
 * falls, down to `polish` (BFGS ends far below its tolerance on these likelihoods, which are flat in a direction or
 * two: Newton stopping at the tolerance would leave the estimates 1e-6 away from it). Undefined where it stalls
 * before converging or the values are not finite (the caller then falls back to BFGS).
 */
function newton(at: (v: number[]) => NewtonPoint, v0: number[], polish: number, maxIterations = 60): { point: NewtonPoint; iterations: number } | undefined {
  const k = v0.length;
  let cur = at(v0);
  const finite = (q: NewtonPoint) => Number.isFinite(q.value) && q.g.every(Number.isFinite) && q.H.every(Number.isFinite);
  const largest = (g: number[]) => Math.max(...g.map(Math.abs));
  for (let it = 0; it < maxIterations; it++) {
    if (!finite(cur)) return undefined;
    const gmax = largest(cur.g);
    const converged = gmax < GRADIENT_TOLERANCE;
    if (gmax < polish) return { point: cur, iterations: it };
    let p: number[] | undefined;
    const scale = Math.max(...cur.H.filter((_, i) => i % (k + 1) === 0).map(Math.abs), 1e-12);
    for (let mu = 0; !p && mu < 1e12 * scale; mu = mu ? mu * 10 : 1e-8 * scale) p = solveSpd(cur.H, cur.g, k, mu);
    if (!p) p = cur.g.map((v) => -v);
    const big = Math.max(...p.map(Math.abs));
    if (big > 3) p = p.map((v) => (3 * v) / big);
    let slope = cur.g.reduce((s, v, i) => s + v * p![i]!, 0);
    if (!(slope < 0)) {
      p = cur.g.map((v) => -v);
      slope = -cur.g.reduce((s, v) => s + v * v, 0);
    }
    let next: NewtonPoint | undefined;
    for (let step = 1, tries = 0; tries < 40; tries++, step /= 2) {
      const q = at(cur.x.map((v, i) => v + step * p![i]!));
      if (!finite(q)) continue;
      // the Armijo condition, or (at the floor of the values' rounding, near the optimum) a smaller gradient
      if (q.value <= cur.value + 1e-4 * step * slope || (q.value <= cur.value + 1e-13 * (1 + Math.abs(cur.value)) && largest(q.g) < gmax)) {
        next = q;
        break;
      }
      if (converged) break;
    }
    // converged and no further progress: the floor of the arithmetic
    if (converged && !(next && largest(next.g) < gmax)) return { point: cur, iterations: it };
    if (!next) return undefined;
    cur = next;
  }
  return largest(cur.g) < GRADIENT_TOLERANCE ? { point: cur, iterations: maxIterations } : undefined;
}

/** Solve (H + μI) p = −g for a k × k row-major H by Cholesky; undefined when H + μI is not positive definite. */
function solveSpd(H: number[], g: number[], k: number, mu: number): number[] | undefined {
  const L = new Array<number>(k * k).fill(0);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = H[i * k + j]! + (i === j ? mu : 0);
      for (let m = 0; m < j; m++) s -= L[i * k + m]! * L[j * k + m]!;
      if (i === j) {
        if (!(s > 0)) return undefined;
        L[i * k + i] = Math.sqrt(s);
      } else L[i * k + j] = s / L[j * k + j]!;
    }
  }
  const y = new Array<number>(k);
  for (let i = 0; i < k; i++) {
    let s = -g[i]!;
    for (let m = 0; m < i; m++) s -= L[i * k + m]! * y[m]!;
    y[i] = s / L[i * k + i]!;
  }
  const p = new Array<number>(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let m = i + 1; m < k; m++) s -= L[m * k + i]! * p[m]!;
    p[i] = s / L[i * k + i]!;
  }
  return p;
}

/**
 * The fit by Newton's method where the likelihood has an analytic Hessian: from the coarse likelihood's optimum (or
 * from v0), to the same convergence criterion as BFGS, with standard errors from the analytic Hessian. Only an
 * interior optimum with a positive-definite Hessian is returned; otherwise undefined, and BFGS fits as before.
 */
function newtonFit(spec: MleSpec, v0: number[], lam: number, c: readonly number[], pen: number): MleFit | undefined {
  const k = spec.names.length;
  const objective = (d: (theta: number[]) => LogLikelihoodDerivatives, n: number) => (v: number[]): NewtonPoint => {
    const th = v.map(Math.exp);
    const e = d(th);
    const value = -e.value / n + lam * th.reduce((s, t, i) => s + (c[i]! * t) ** 2, 0);
    return {
      x: v, value, ll: e.value, llHessian: e.hessian,
      g: e.gradient.map((gi, i) => -gi / n + 2 * lam * (c[i]! * th[i]!) ** 2),
      H: e.hessian.map((h, ij) => -h / n + (ij % (k + 1) === 0 ? 4 * lam * (c[ij / (k + 1)]! * th[ij / (k + 1)]!) ** 2 : 0)),
    };
  };
  let iterations = 0;
  let start = v0;
  if (spec.coarse?.derivativesLog) {
    const r = newton(objective(spec.coarse.derivativesLog, spec.coarse.customers), v0, GRADIENT_TOLERANCE);
    if (r && r.point.x.every((v) => v > -12 && v < 18)) {
      start = r.point.x;
      iterations += r.iterations;
    }
  }
  const r = newton(objective(spec.derivativesLog!, spec.customers), start, POLISH_TOLERANCE);
  if (!r) return undefined;
  const { x, ll, llHessian } = r.point;
  if (!Number.isFinite(ll) || !x.every((v) => v > -12 && v < 18)) return undefined;
  const inv = invertSpd(Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => -llHessian[i * k + j]!)));
  if (!inv) return undefined;
  const params: Record<string, number> = {};
  const standardErrors: Record<string, number | null> = {};
  spec.names.forEach((name, i) => {
    const theta = Math.exp(x[i]!);
    params[name] = theta;
    const se = theta * Math.sqrt(inv[i]![i]!);
    standardErrors[name] = Number.isFinite(se) ? se : null;
  });
  return {
    params, standardErrors, logLikelihood: ll, iterations: iterations + r.iterations, converged: true, method: 'newton', penalizer: pen,
    boundary: [], hessianPositiveDefinite: true, warnings: [],
  };
}

/** Maximise `spec.logLikelihood` over positive parameters (see the file comment). */
export function maximizeLikelihood(spec: MleSpec, options: FitOptions = {}): MleFit {
  const pen = options.penalizer ?? 0;
  if (!(pen >= 0) || !Number.isFinite(pen)) {
    throw new SegmintError('invalid-option', `--penalizer ${pen}: expected a number ≥ 0`, { hint: 'e.g. --penalizer 0.001; 0 is plain maximum likelihood' });
  }
  const k = spec.names.length;
  const n = spec.customers;
  // the objective is always −ln L / n + penalty; a penalty on the sum is λ/n on the mean
  const lam = spec.penaltyOnSum ? pen / n : pen;
  const c = spec.penaltyScale ?? new Array<number>(k).fill(1);
  const penalty = (th: number[]) => lam * th.reduce((s, t, i) => s + (c[i]! * t) ** 2, 0);
  const f = (v: number[]) => {
    const th = v.map(Math.exp);
    const value = -spec.logLikelihood(th) / n + penalty(th);
    return Number.isFinite(value) ? value : BAD;
  };
  const objectiveFg = (vg: (theta: number[]) => [number, number[]], nn: number) => (v: number[]): [number, number[]] => {
    const th = v.map(Math.exp);
    const [ll, gl] = vg(th);
    const value = -ll / nn + penalty(th);
    return [Number.isFinite(value) ? value : BAD, gl.map((d, i) => -d / nn + 2 * lam * (c[i]! * th[i]!) ** 2)];
  };
  const fg = spec.valueAndGradientLog ? objectiveFg(spec.valueAndGradientLog, n) : undefined;
  const starts = options.starts ?? [new Array(k).fill(1), new Array(k).fill(0.5), new Array(k).fill(3)];
  if (spec.derivativesLog) {
    const fast = newtonFit(spec, starts[0]!.map(Math.log), lam, c, pen);
    if (fast) return fast;
  }
  let best: (MinimizeResult & { method: MleFit['method'] }) | undefined;
  let iterations = 0;
  if (!spec.derivativesLog && spec.coarse?.valueAndGradientLog && fg) {
    // BFGS on the thinned patterns first, then on all of them from that optimum with the thinned likelihood's inverse
    // Hessian (finite differences of its gradient), where the curvature is nearly right from the first step
    const cfg = objectiveFg(spec.coarse.valueAndGradientLog, spec.coarse.customers);
    const c0 = bfgs((v) => cfg(v)[0], starts[0]!.map(Math.log), { valueAndGradient: cfg, gradientTolerance: GRADIENT_TOLERANCE });
    iterations += c0.iterations;
    // (a starting guess of the curvature: forward differences, n + 1 gradient calls on the thinned patterns)
    const inv = c0.converged && c0.x.every((v) => v > -12 && v < 18) ? invertSpd(hessianFromGradientForward((v) => cfg(v)[1], c0.x, 1e-6)) : undefined;
    if (inv) {
      const r = bfgs(f, c0.x, { valueAndGradient: fg, gradientTolerance: GRADIENT_TOLERANCE, initialInverseHessian: inv });
      iterations += r.iterations;
      if (r.converged && r.value < BAD) best = { ...r, method: 'bfgs' };
    }
  }
  for (const s of starts) {
    if (best?.converged) break;
    const v0 = s.map(Math.log);
    let r: MinimizeResult & { method: MleFit['method'] } = { ...bfgs(f, v0, { valueAndGradient: fg, gradientTolerance: GRADIENT_TOLERANCE }), method: 'bfgs' };
    iterations += r.iterations;
    if (!r.converged || r.value >= BAD) {
      const nm = nelderMead(f, r.value < BAD ? r.x : v0, { tolerance: 1e-12, maxIterations: 20000, restarts: 2 });
      const polished = bfgs(f, nm.x, { valueAndGradient: fg, gradientTolerance: GRADIENT_TOLERANCE });
      iterations += nm.iterations + polished.iterations;
      // BFGS's polish when it converges; else Nelder–Mead's own result when its simplex converged (a kinked or
      // noisy likelihood, where gradients mislead)
      r = polished.converged && polished.value <= nm.value ? { ...polished, method: 'nelder-mead+bfgs' } : { ...nm, method: 'nelder-mead' };
    }
    if (!best || (r.converged && !best.converged) || (r.converged === best.converged && r.value < best.value)) best = r;
    // the next start is tried only when this one did not converge
    if (best.converged) break;
  }
  const theta = best!.x.map(Math.exp);
  const ll = spec.logLikelihood(theta);
  if (!best!.converged || !Number.isFinite(ll)) {
    throw new ConvergenceError(`${spec.model} did not converge after ${iterations} iterations from ${starts.length} starts`, {
      hint: 'check the summary (period, calibration end: do customers have repeat purchases?) or add a small penalty such as --penalizer 0.001',
      details: { model: spec.model, iterations, logLikelihood: Number.isFinite(ll) ? ll : null },
    });
  }
  // ln θ above 18 (θ ≈ 6.6e7) is a parameter running off to infinity: the model is not identified.
  const high = best!.x.findIndex((v) => v > 18);
  // ln θ below −12 (θ ≈ 6e-6) is an estimate on the boundary θ → 0, which can be a real answer (BG/NBD's a → 0:
  // no customer seems to drop out): it is kept, reported, and left out of the Hessian.
  const pinned = best!.x.map((v) => v < -12);
  if (high >= 0 || pinned.every(Boolean)) {
    const i = high >= 0 ? high : 0;
    throw new ConvergenceError(`${spec.model}: ${spec.names[i]} ran off to ${theta[i]!.toExponential(2)}, the edge of the parameter space, so the data do not identify the model`, {
      hint: 'check that customers have repeat purchases and the period suits the data (--period week), or add a small penalty such as --penalizer 0.001',
      details: { model: spec.model, iterations, logLikelihood: ll, params: Object.fromEntries(spec.names.map((n, j) => [n, theta[j]])) },
    });
  }
  const warnings: string[] = [];
  spec.names.forEach((name, i) => {
    if (pinned[i]) warnings.push(`${spec.model}: the estimate of ${name} is on the boundary ${name} → 0 (${theta[i]!.toExponential(1)}); it has no standard error`);
  });
  const free = spec.names.map((_, i) => i).filter((i) => !pinned[i]);
  const full = (u: number[]) => {
    const v = [...best!.x];
    free.forEach((i, j) => (v[i] = u[j]!));
    return v.map(Math.exp);
  };
  const u0 = free.map((i) => best!.x[i]!);
  const negGradient = (u: number[]) => {
    const g = spec.valueAndGradientLog!(full(u))[1];
    return free.map((i) => -g[i]!);
  };
  const H = !spec.valueAndGradientLog ? numericHessian((u) => -spec.logLikelihood(full(u)), u0)
    : (spec.patterns ?? 0) >= FORWARD_HESSIAN_PATTERNS ? hessianFromGradientForward(negGradient, u0) : hessianFromGradient(negGradient, u0);
  const inv = invertSpd(H);
  if (!inv && pinned.some(Boolean)) {
    warnings.push(`${spec.model}: with ${spec.names.filter((_, i) => pinned[i]).join(', ')} → 0 the other parameters are not all identified, so there are no standard errors`);
  } else if (!inv && pen === 0 && !options.allowFlat) {
    throw new ConvergenceError(`${spec.model}: the log-likelihood is flat at the estimate (its Hessian is not negative definite), so the data do not identify the parameters`, {
      hint: 'check that customers have repeat purchases and the period suits the data, or add a small penalty such as --penalizer 0.001',
      details: { model: spec.model, iterations, logLikelihood: ll },
    });
  }
  else if (!inv) warnings.push(`${spec.model}: the Hessian is not positive definite at the ${pen ? 'penalised ' : ''}estimate, so there are no standard errors`);
  const params: Record<string, number> = {};
  const standardErrors: Record<string, number | null> = {};
  spec.names.forEach((name, i) => {
    params[name] = theta[i]!;
    const j = free.indexOf(i);
    const se = inv && j >= 0 ? theta[i]! * Math.sqrt(inv[j]![j]!) : NaN;
    standardErrors[name] = Number.isFinite(se) ? se : null;
  });
  return {
    params, standardErrors, logLikelihood: ll, iterations, converged: true, method: best!.method, penalizer: pen,
    boundary: spec.names.filter((_, i) => pinned[i]), hessianPositiveDefinite: inv !== undefined, warnings,
  };
}
