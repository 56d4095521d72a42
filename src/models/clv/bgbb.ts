/**
 * BG/BB for discrete purchase opportunities, such as annual donations (Fader, Hardie & Shang 2010,
 * "Customer-base analysis in a discrete-time noncontractual setting", Marketing Science 29(6), eq. 5):
 *   L(α,β,γ,δ | x, t_x, n) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
 *                          + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ)
 * with x transactions in n opportunities, the last at t_x. Summed over patterns with weights.
 */
import { SegmintError } from '../../core/errors.ts';
import { lbeta, lgamma, logAddExp } from '../special.ts';
import { maximizeLikelihood, type FitOptions, type MleFit } from './fit.ts';

export interface BgBbParams {
  alpha: number;
  beta: number;
  gamma: number;
  delta: number;
}

export interface BgBbPattern {
  x: number;
  tx: number;
  n: number;
  weight: number;
}

/** ln L of one pattern (x transactions in n opportunities, the last at t_x), eq. 5. */
export function bgbbLogLikelihood(o: BgBbParams, x: number, tx: number, n: number): number {
  const { alpha: a, beta: b, gamma: g, delta: d } = o;
  const base = lbeta(a, b) + lbeta(g, d);
  let s = lbeta(a + x, b + n - x) + lbeta(g, d + n) - base;
  for (let i = 0; i <= n - tx - 1; i++) s = logAddExp(s, lbeta(a + x, b + tx - x + i) + lbeta(g + 1, d + tx + i) - base);
  return s;
}

/** Refuse patterns that cannot happen, with the rule they break. */
function checkBgBbPatterns(patterns: readonly BgBbPattern[]): void {
  for (const p of patterns) {
    if (!Number.isInteger(p.x) || !Number.isInteger(p.tx) || !Number.isInteger(p.n) || p.x < 0 || p.x > p.tx || p.tx > p.n || (p.x === 0 && p.tx !== 0) || (p.x > 0 && p.tx < 1) || !(p.weight > 0)) {
      throw new SegmintError('invalid-summary', `pattern frequency ${p.x}, recency ${p.tx}, periods ${p.n}, weight ${p.weight}: expected whole numbers 0 ≤ frequency ≤ recency ≤ periods and a positive weight`, {
        hint: 'recency is the opportunity of the last transaction (0 when there is none)',
      });
    }
  }
}

export type BgBbFit = MleFit & { params: BgBbParams & Record<string, number> };

/** Maximum likelihood over weighted patterns (BFGS with central differences, Nelder–Mead fallback). */
export function fitBgBb(patterns: readonly BgBbPattern[], options: FitOptions = {}): BgBbFit {
  checkBgBbPatterns(patterns);
  const total = patterns.reduce((s, p) => s + p.weight, 0);
  return maximizeLikelihood({
    model: 'BG/BB', names: ['alpha', 'beta', 'gamma', 'delta'], customers: total,
    logLikelihood: (t) => {
      const o = { alpha: t[0]!, beta: t[1]!, gamma: t[2]!, delta: t[3]! };
      return patterns.reduce((s, p) => s + p.weight * bgbbLogLikelihood(o, p.x, p.tx, p.n), 0);
    },
  }, options) as BgBbFit;
}

/**
 * P(alive at opportunity n + m | x, t_x, n). The default m = 1 is the paper's P(alive in period n + 1) (FHS 2010,
 * eq. 11), the chance to be there for the next opportunity: with it, E[X(n, n+1)] = P(alive) · (α+x)/(α+β+n).
 * m = 0 is "survived opportunity n", which is 1 for x = t_x = n.
 */
export function bgbbPAlive(o: BgBbParams, x: number, tx: number, n: number, m = 1): number {
  const l = lbeta(o.alpha + x, o.beta + n - x) - lbeta(o.alpha, o.beta) + lbeta(o.gamma, o.delta + n + m) - lbeta(o.gamma, o.delta);
  return Math.min(1, Math.exp(l - bgbbLogLikelihood(o, x, tx, n)));
}

/** Γ(1+δ+k)/Γ(γ+δ+k) in logs. */
const lnGammaRatio = (o: BgBbParams, k: number) => lgamma(1 + o.delta + k) - lgamma(o.gamma + o.delta + k);

/** E[X(n, n + n*) | x, t_x, n]: expected transactions in the next n* opportunities (FHS 2010, eq. 13). */
export function bgbbConditionalExpected(o: BgBbParams, nStar: number, x: number, tx: number, n: number): number {
  if (nStar <= 0) return 0;
  const { alpha: a, beta: b, gamma: g, delta: d } = o;
  const lead = lbeta(a + x + 1, b + n - x) - lbeta(a, b) - bgbbLogLikelihood(o, x, tx, n) + lgamma(g + d) - lgamma(1 + d);
  // δ/(γ−1) · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)] is positive for γ on either side of 1
  return (d / (g - 1)) * Math.exp(lead) * (Math.exp(lnGammaRatio(o, n)) - Math.exp(lnGammaRatio(o, n + nStar)));
}

/** E[X(n)]: expected transactions of a new customer in the first n opportunities (FHS 2010, eq. 8). */
export function bgbbExpected(o: BgBbParams, n: number): number {
  if (n <= 0) return 0;
  const { alpha: a, beta: b, gamma: g, delta: d } = o;
  return (a / (a + b)) * (d / (g - 1)) * -Math.expm1(lgamma(g + d) - lgamma(1 + d) + lnGammaRatio(o, n));
}

const lchoose = (n: number, k: number) => lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);

/** P(X(n) = x): the distribution of transactions in the first n opportunities (FHS 2010, eq. 7). */
export function bgbbProbabilityOfPurchases(o: BgBbParams, n: number, x: number): number {
  const { alpha: a, beta: b, gamma: g, delta: d } = o;
  let s = Math.exp(lchoose(n, x) + lbeta(a + x, b + n - x) - lbeta(a, b) + lbeta(g, d + n) - lbeta(g, d));
  for (let i = x; i <= n - 1; i++) s += Math.exp(lchoose(i, x) + lbeta(a + x, b + i - x) - lbeta(a, b) + lbeta(g + 1, d + i) - lbeta(g, d));
  return s;
}
