/**
 * Maximum likelihood for the purchase and spend models, shared by all of them. The parameters are optimised
 * in log space (so they stay positive) by BFGS; where BFGS stops short, Nelder–Mead from its last point and
 * BFGS again; when that fails too, the next starting point. An optional L2 penalty λ·Σ(cᵢθᵢ)² on the mean
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
import { bfgs, hessianFromGradient, invertSpd, nelderMead, numericHessian, type MinimizeResult } from '../optimize.ts';

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
   * multipliers of the parameters inside the penalty, λ·Σ(cᵢθᵢ)² (default all 1): 1/max T for the parameters
   * in time units, which is the penalty on lifetimes' parameters after it rescales time so that max T = 1
   */
  penaltyScale?: readonly number[];
  /** the penalty is added to the summed −ln L (lifetimes' Pareto/NBD) rather than to the mean (default false) */
  penaltyOnSum?: boolean;
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
  method: 'bfgs' | 'nelder-mead+bfgs' | 'nelder-mead';
  penalizer: number;
  /** parameters whose estimate is on the boundary θ → 0 (kept, without a standard error) */
  boundary: string[];
  /** whether the Hessian of −ln L at the estimate (without the boundary parameters) is positive definite */
  hessianPositiveDefinite: boolean;
  warnings: string[];
}

const BAD = 1e300;

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
  const fg = spec.valueAndGradientLog
    ? (v: number[]): [number, number[]] => {
      const th = v.map(Math.exp);
      const [ll, gl] = spec.valueAndGradientLog!(th);
      const value = -ll / n + penalty(th);
      return [Number.isFinite(value) ? value : BAD, gl.map((d, i) => -d / n + 2 * lam * (c[i]! * th[i]!) ** 2)];
    }
    : undefined;
  const starts = options.starts ?? [new Array(k).fill(1), new Array(k).fill(0.5), new Array(k).fill(3)];
  let best: (MinimizeResult & { method: MleFit['method'] }) | undefined;
  let iterations = 0;
  for (const s of starts) {
    const v0 = s.map(Math.log);
    let r: MinimizeResult & { method: MleFit['method'] } = { ...bfgs(f, v0, { valueAndGradient: fg }), method: 'bfgs' };
    iterations += r.iterations;
    if (!r.converged || r.value >= BAD) {
      const nm = nelderMead(f, r.value < BAD ? r.x : v0, { tolerance: 1e-12, maxIterations: 20000, restarts: 2 });
      const polished = bfgs(f, nm.x, { valueAndGradient: fg });
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
  const H = spec.valueAndGradientLog
    ? hessianFromGradient((u) => {
      const g = spec.valueAndGradientLog!(full(u))[1];
      return free.map((i) => -g[i]!);
    }, u0)
    : numericHessian((u) => -spec.logLikelihood(full(u)), u0);
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
