/**
 * MBG/NBD (Batislam, Denizel & Filiztekin 2007, "Empirical validation and comparison of models for customer
 * base analysis", IJRM 24(3)): the BG/NBD with a chance to drop out at time 0 too, right after the first
 * purchase, so that a customer without repeat purchases is not certainly alive. Per customer
 *   L = Γ(r+x)α^r/Γ(r) · Γ(a+b)Γ(b+x+1)/(Γ(b)Γ(a+b+x+1)) · [(α+T)^−(r+x) + a/(b+x) · (α+t_x)^−(r+x)].
 */
import { hyp2f1, lgamma, logAddExp } from '../special.ts';
import { maximizeLikelihood, type FitOptions, type MleFit } from './fit.ts';
import { maxT, toPatternSet, type Pattern, type PatternSet } from './patterns.ts';
import { dropoutMixtureSetLogLikelihood, mixtureDerivatives, type BgNbdParams } from './bgnbd.ts';

export type MbgNbdParams = BgNbdParams;

/** ln L of one pattern. */
export function mbgnbdLogLikelihood(p: MbgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const c = lgamma(r + x) + r * Math.log(alpha) - lgamma(r) + lgamma(a + b) + lgamma(b + x + 1) - lgamma(b) - lgamma(a + b + x + 1);
  const l3 = -(r + x) * Math.log(alpha + T);
  const l4 = Math.log(a / (b + x)) - (r + x) * Math.log(alpha + tx);
  return c + logAddExp(l3, l4);
}

/** Σ weight · ln L over a pattern set, and with `grad` its gradient in ln r, ln α, ln a, ln b (the BG/NBD kernel, shifted). */
export function mbgnbdSetLogLikelihood(p: MbgNbdParams, s: PatternSet, grad?: number[]): number {
  return dropoutMixtureSetLogLikelihood(p, s, 1, grad);
}

export type MbgNbdFit = MleFit & { params: MbgNbdParams & Record<string, number> };

const unpack = (t: number[]): MbgNbdParams => ({ r: t[0]!, alpha: t[1]!, a: t[2]!, b: t[3]! });

/** Maximum likelihood as fitBgNbd: Newton's method with the analytic Hessian, else BFGS, Nelder–Mead, several starts. */
export function fitMbgNbd(patterns: readonly Pattern[] | PatternSet, options: FitOptions = {}): MbgNbdFit {
  const s = 'size' in patterns ? patterns : toPatternSet(patterns);
  return maximizeLikelihood({
    model: 'MBG/NBD', names: ['r', 'alpha', 'a', 'b'], customers: s.total,
    // lifetimes' penalty: time rescaled so that max T = 1 (α divided by max T), on the mean likelihood
    penaltyScale: [1, 1 / maxT(s), 1, 1],
    logLikelihood: (t) => mbgnbdSetLogLikelihood(unpack(t), s),
    valueAndGradientLog: (t) => {
      const g = [0, 0, 0, 0];
      return [mbgnbdSetLogLikelihood(unpack(t), s, g), g];
    },
    ...mixtureDerivatives(s, 1),
  }, options) as MbgNbdFit;
}

/** P(alive | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)), below 1 even without repeats. */
export function mbgnbdPAlive(p: MbgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  return 1 / (1 + (a / (b + x)) * Math.exp((r + x) * Math.log((alpha + T) / (alpha + tx))));
}

/** E[X(t)] = b/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))] (Batislam et al. 2007). */
export function mbgnbdExpected(p: MbgNbdParams, t: number): number {
  const { r, alpha, a, b } = p;
  if (t <= 0) return 0;
  return (b / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1(r, b + 1, a + b, t / (alpha + t)));
}

/** E[Y(t) | alive, x, T] = (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))]. */
export function mbgnbdExpectedIfAlive(p: MbgNbdParams, t: number, x: number, T: number): number {
  const { r, alpha, a, b } = p;
  if (t <= 0) return 0;
  // as in BG/NBD, Euler's transformation (A&S 15.3.3) keeps a large x finite: ((α+T)/(α+T+t))^(r+x) ·
  // ₂F₁(r+x, b+x+1; a+b+x; z) = (1−z)^(a−1) · ₂F₁(a+b−r, a−1; a+b+x; z), z = t/(α+T+t)
  const z = t / (alpha + T + t);
  const h = hyp2f1(a + b - r, a - 1, a + b + x, z);
  return ((a + b + x) / (a - 1)) * (1 - Math.pow(1 - z, a - 1) * h);
}

/** E[Y(t) | x, t_x, T] = E[Y(t) | alive, x, T] · P(alive). */
export function mbgnbdConditionalExpected(p: MbgNbdParams, t: number, x: number, tx: number, T: number): number {
  return mbgnbdExpectedIfAlive(p, t, x, T) * mbgnbdPAlive(p, x, tx, T);
}
