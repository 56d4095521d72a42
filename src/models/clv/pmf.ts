/**
 * The distribution of the number of repeat purchases: P(X(t) = n) for a new customer under BG/NBD (Fader,
 * Hardie & Lee 2005, eq. 8), MBG/NBD (Batislam et al. 2007: a chance to drop out at time 0 too) and Pareto/NBD
 * (the conditional expression below at an empty history), and for Pareto/NBD the conditional
 * P(X(T, T + t) = n | x, t_x, T) of Fader & Hardie's note 028 ("The Pareto/NBD model: the conditional PMF",
 * eq. 16). All in logs; docs/models.md ("The number of purchases") states them.
 */
import { hyp2f1, lgamma } from '../special.ts';
import type { BgNbdParams } from './bgnbd.ts';
import type { MbgNbdParams } from './mbgnbd.ts';
import { paretonbdLogLikelihood, type ParetoNbdParams } from './paretonbd.ts';

const lbeta = (a: number, b: number) => lgamma(a) + lgamma(b) - lgamma(a + b);

/**
 * P(N(t) ≥ n) under the NBD (λ ~ Gamma(r, α)): 1 − (α/(α+t))^r Σ_{j<n} Γ(r+j)/(Γ(r) j!) (t/(α+t))^j; 1 for n = 0.
 * The terms are summed from ln values so that a large n does not overflow.
 */
function nbdAtLeast(r: number, alpha: number, t: number, n: number): number {
  const lq = Math.log(alpha / (alpha + t));
  const lp = Math.log(t / (alpha + t));
  let below = 0;
  for (let j = 0; j < n; j++) below += Math.exp(lgamma(r + j) - lgamma(r) - lgamma(j + 1) + r * lq + j * lp);
  return Math.max(0, 1 - below);
}

/** ln of the NBD probability Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n. */
const lnNbd = (r: number, alpha: number, t: number, n: number) =>
  lgamma(r + n) - lgamma(r) - lgamma(n + 1) + r * Math.log(alpha / (alpha + t)) + (n > 0 ? n * Math.log(t / (alpha + t)) : 0);

/**
 * BG/NBD P(X(t) = n), FHL 2005 eq. (8): alive after n purchases and n purchases in (0, t], or dropped out at the
 * n-th purchase made before t: B(a, b+n)/B(a, b)·NBD(n) + δ(n>0)·B(a+1, b+n−1)/B(a, b)·P(N(t) ≥ n).
 */
export function bgnbdProbabilityOfPurchases(p: BgNbdParams, t: number, n: number): number {
  const { r, alpha, a, b } = p;
  if (t <= 0) return n === 0 ? 1 : 0;
  const first = Math.exp(lbeta(a, b + n) - lbeta(a, b) + lnNbd(r, alpha, t, n));
  const second = n > 0 ? Math.exp(lbeta(a + 1, b + n - 1) - lbeta(a, b)) * nbdAtLeast(r, alpha, t, n) : 0;
  return first + second;
}

/**
 * MBG/NBD P(X(t) = n): the drop-out chance applies at time 0 too, so B(a, b+n+1)/B(a, b)·NBD(n) +
 * B(a+1, b+n)/B(a, b)·P(N(t) ≥ n) (for n = 0 the second term is the chance to drop out at once).
 */
export function mbgnbdProbabilityOfPurchases(p: MbgNbdParams, t: number, n: number): number {
  const { r, alpha, a, b } = p;
  if (t <= 0) return n === 0 ? 1 : 0;
  return Math.exp(lbeta(a, b + n + 1) - lbeta(a, b) + lnNbd(r, alpha, t, n)) + Math.exp(lbeta(a + 1, b + n) - lbeta(a, b)) * nbdAtLeast(r, alpha, t, n);
}

/**
 * Pareto/NBD P(X(T, T+t) = n | x, t_x, T), Fader & Hardie note 028 eq. (16): with L the likelihood of the history
 * and A = max(α, β), z(u) = |α − β|/(A + u), q = s + 1 when α ≥ β else r + x + n,
 *   δ(n=0)·(1 − P(alive)) + t^n/n!·Γ(r+x+n)α^rβ^s/(Γ(r)(α+T+t)^(r+x+n)(β+T+t)^s)/L
 *   + α^rβ^s B(r+x+n, s+1)/(Γ(r)Γ(s)) · [Γ(r+s+x) ₂F₁(r+s+x, q; r+s+x+n+1; z(T))/(A+T)^(r+s+x)
 *       − Σ_{i=0..n} t^i/i! · Γ(r+s+x+i) ₂F₁(r+s+x+i, q; r+s+x+n+1; z(T+t))/(A+T+t)^(r+s+x+i)] / L.
 * At an empty history (x = t_x = T = 0) it is the unconditional P(X(t) = n).
 */
export function paretonbdConditionalProbabilityOfPurchases(p: ParetoNbdParams, t: number, n: number, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = p;
  if (t <= 0) return n === 0 ? 1 : 0;
  const lnL = paretonbdLogLikelihood(p, x, tx, T);
  const base = r * Math.log(alpha) + s * Math.log(beta) - lgamma(r);
  const pAlive = Math.exp(base + lgamma(r + x) - (r + x) * Math.log(alpha + T) - s * Math.log(beta + T) - lnL);
  const big = Math.max(alpha, beta);
  const q = alpha >= beta ? s + 1 : r + x + n;
  const c = r + s + x + n + 1;
  const rsx = r + s + x;
  const first = Math.exp((n > 0 ? n * Math.log(t) : 0) - lgamma(n + 1) + base + lgamma(r + x + n) - (r + x + n) * Math.log(alpha + T + t) - s * Math.log(beta + T + t) - lnL);
  const lnK = base - lgamma(s) + lbeta(r + x + n, s + 1) - lnL;
  const z0 = Math.abs(alpha - beta) / (big + T);
  const second = Math.exp(lnK + lgamma(rsx) + Math.log(hyp2f1(rsx, q, c, z0)) - rsx * Math.log(big + T));
  const z1 = Math.abs(alpha - beta) / (big + T + t);
  let third = 0;
  for (let i = 0; i <= n; i++) {
    third += Math.exp(lnK + (i > 0 ? i * Math.log(t) : 0) - lgamma(i + 1) + lgamma(rsx + i) + Math.log(hyp2f1(rsx + i, q, c, z1)) - (rsx + i) * Math.log(big + T + t));
  }
  const v = (n === 0 ? 1 - pAlive : 0) + first + second - third;
  // the difference of the last two terms is a small positive integral; rounding may leave it a hair below 0
  return Math.min(1, Math.max(0, v));
}

/** Pareto/NBD P(X(t) = n) for a new customer: the conditional probability at an empty history. */
export function paretonbdProbabilityOfPurchases(p: ParetoNbdParams, t: number, n: number): number {
  return paretonbdConditionalProbabilityOfPurchases(p, t, n, 0, 0, 0);
}
