/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing Science 24(2)).
 * The likelihood of one customer's (x, t_x, T) is eq. (6) of the paper, written as A1·A2·(A3 + δ(x>0)·A4)
 * (Fader & Hardie's implementation note); it is summed over unique patterns with weights.
 */
import { digamma, hyp2f1, lgamma, logAddExp } from '../special.ts';
import { maximizeLikelihood, type FitOptions, type MleFit } from './fit.ts';
import { maxT, toPatternSet, type Pattern, type PatternSet } from './patterns.ts';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** ln L of one pattern. */
export function bgnbdLogLikelihood(p: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const lnA1 = lgamma(r + x) + r * Math.log(alpha) - lgamma(r);
  const lnA2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
  const lnA3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return lnA1 + lnA2 + lnA3;
  const lnA4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return lnA1 + lnA2 + logAddExp(lnA3, lnA4);
}

/**
 * Σ weight · ln L over a pattern set, and with `grad` the gradient with respect to ln r, ln α, ln a, ln b
 * (the derivatives of A1..A4 with digamma ψ; the A3/A4 mixture weights w3, w4).
 */
export function bgnbdSetLogLikelihood(p: BgNbdParams, s: PatternSet, grad?: number[]): number {
  return dropoutMixtureSetLogLikelihood(p, s, 0, grad);
}

/**
 * The BG/NBD likelihood family: `shift` 0 is BG/NBD, 1 is MBG/NBD (a chance to drop out at the first
 * purchase too), whose A2 and A4 read x + 1 where BG/NBD reads x and whose A4 is there for every customer:
 *   A2 = Γ(a+b)Γ(b+x+s)/(Γ(b)Γ(a+b+x+s)),  A4 = δ(x+s > 0) · a/(b+x+s−1) · (α+t_x)^−(r+x).
 */
export function dropoutMixtureSetLogLikelihood(p: BgNbdParams, s: PatternSet, shift: 0 | 1, grad?: number[]): number {
  const { r, alpha, a, b } = p;
  const nx = s.ux.length;
  const c1 = new Float64Array(nx);
  const c4 = new Float64Array(nx);
  const dr1 = new Float64Array(nx);
  const da1 = new Float64Array(nx);
  const db1 = new Float64Array(nx);
  const base = r * Math.log(alpha) - lgamma(r) + lgamma(a + b) - lgamma(b);
  const dBase = grad ? { r: -digamma(r) + Math.log(alpha), ab: digamma(a + b), b: -digamma(b) } : undefined;
  for (let j = 0; j < nx; j++) {
    const x = s.ux[j]!;
    const xs = x + shift;
    c1[j] = base + lgamma(r + x) + lgamma(b + xs) - lgamma(a + b + xs);
    c4[j] = xs > 0 ? Math.log(a) - Math.log(b + xs - 1) : -Infinity;
    if (dBase) {
      dr1[j] = dBase.r + digamma(r + x);
      da1[j] = dBase.ab - digamma(a + b + xs);
      db1[j] = dBase.ab + dBase.b + digamma(b + xs) - digamma(a + b + xs);
    }
  }
  const lT = new Float64Array(s.uT.length);
  for (let k = 0; k < lT.length; k++) lT[k] = Math.log(alpha + s.uT[k]!);
  const ltx = new Float64Array(s.utx.length);
  for (let k = 0; k < ltx.length; k++) ltx[k] = Math.log(alpha + s.utx[k]!);
  // per distinct x: r + x, whether A4 is there, and b + x + shift − 1
  const rxj = new Float64Array(nx);
  const has4 = new Uint8Array(nx);
  const b4 = new Float64Array(nx);
  for (let j = 0; j < nx; j++) {
    rxj[j] = r + s.ux[j]!;
    has4[j] = s.ux[j]! + shift > 0 ? 1 : 0;
    b4[j] = b + s.ux[j]! + shift - 1;
  }
  const { xi, Ti, txi, weight } = s;
  const n = s.size;
  let ll = 0;
  let gr = 0;
  let gal = 0;
  let ga = 0;
  let gb = 0;
  if (!grad) {
    for (let i = 0; i < n; i++) {
      const j = xi[i]!;
      const rx = rxj[j]!;
      const l3 = -rx * lT[Ti[i]!]!;
      let mix = l3;
      if (has4[j]) {
        // ln(e^l3 + e^l4) with one exp
        const l4 = c4[j]! - rx * ltx[txi[i]!]!;
        const d = l4 - l3;
        mix = (d > 0 ? l4 : l3) + Math.log1p(Math.exp(-Math.abs(d)));
      }
      ll += weight[i]! * (c1[j]! + mix);
    }
    return ll;
  }
  // 1/(α+T) and 1/(α+t_x) per distinct value, for the gradient
  const iTu = new Float64Array(s.uT.length);
  for (let k = 0; k < iTu.length; k++) iTu[k] = 1 / (alpha + s.uT[k]!);
  const itxu = new Float64Array(s.utx.length);
  for (let k = 0; k < itxu.length; k++) itxu[k] = 1 / (alpha + s.utx[k]!);
  for (let i = 0; i < n; i++) {
    const j = xi[i]!;
    const w = weight[i]!;
    const rx = rxj[j]!;
    const kT = Ti[i]!;
    const lt = lT[kT]!;
    const l3 = -rx * lt;
    // ln(e^l3 + e^l4) with one exp, and the share w4 = e^l4 / (e^l3 + e^l4)
    let mix = l3;
    let w4 = 0;
    let lx = 0;
    let ix = 0;
    if (has4[j]) {
      const kx = txi[i]!;
      lx = ltx[kx]!;
      ix = itxu[kx]!;
      const l4 = c4[j]! - rx * lx;
      const d = l4 - l3;
      const e = Math.exp(-Math.abs(d));
      mix = (d > 0 ? l4 : l3) + Math.log1p(e);
      w4 = d > 0 ? 1 / (1 + e) : e / (1 + e);
    }
    ll += w * (c1[j]! + mix);
    const w3 = 1 - w4;
    gr += w * (dr1[j]! - w3 * lt - w4 * lx);
    gal += w * (r / alpha - rx * (w3 * iTu[kT]! + w4 * ix));
    ga += w * (da1[j]! + w4 / a);
    gb += w * (db1[j]! - (has4[j] ? w4 / b4[j]! : 0));
  }
  if (grad) {
    grad[0] = gr * r;
    grad[1] = gal * alpha;
    grad[2] = ga * a;
    grad[3] = gb * b;
  }
  return ll;
}

export type BgNbdFit = MleFit & { params: BgNbdParams & Record<string, number> };

const unpack = (t: number[]): BgNbdParams => ({ r: t[0]!, alpha: t[1]!, a: t[2]!, b: t[3]! });

/** Maximum likelihood (BFGS with the analytic gradient, Nelder–Mead fallback, several starts). */
export function fitBgNbd(patterns: readonly Pattern[] | PatternSet, options: FitOptions = {}): BgNbdFit {
  const s = 'size' in patterns ? patterns : toPatternSet(patterns);
  return maximizeLikelihood({
    model: 'BG/NBD', names: ['r', 'alpha', 'a', 'b'], customers: s.total,
    // lifetimes' penalty: time rescaled so that max T = 1 (α divided by max T), on the mean likelihood
    penaltyScale: [1, 1 / maxT(s), 1, 1],
    logLikelihood: (t) => bgnbdSetLogLikelihood(unpack(t), s),
    valueAndGradientLog: (t) => {
      const g = [0, 0, 0, 0];
      return [bgnbdSetLogLikelihood(unpack(t), s, g), g];
    },
  }, options) as BgNbdFit;
}

/** P(alive | x, t_x, T), FHL 2005 eq. (11); 1 without repeat purchases. */
export function bgnbdPAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = p;
  return 1 / (1 + (a / (b + x - 1)) * Math.exp((r + x) * Math.log((alpha + T) / (alpha + tx))));
}

/** E[X(t)]: expected repeat purchases of a new customer in (0, t], FHL 2005 eq. (9). */
export function bgnbdExpected(p: BgNbdParams, t: number): number {
  const { r, alpha, a, b } = p;
  if (t <= 0) return 0;
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, t / (alpha + t)));
}

/** E[Y(t) | alive, x, T]: the first factor of FHL 2005 eq. (10), which does not depend on t_x. */
export function bgnbdExpectedIfAlive(p: BgNbdParams, t: number, x: number, T: number): number {
  const { r, alpha, a, b } = p;
  if (t <= 0) return 0;
  // ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; z) with z = t/(α+T+t), rewritten by Euler's transformation
  // (A&S 15.3.3) as (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z): for a large x the first form is 0 · ∞ = NaN
  const z = t / (alpha + T + t);
  const h = hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z);
  return ((a + b + x - 1) / (a - 1)) * (1 - Math.pow(1 - z, a - 1) * h);
}

/** E[Y(t) | x, t_x, T]: expected purchases in the next t periods, FHL 2005 eq. (10). */
export function bgnbdConditionalExpected(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  return bgnbdExpectedIfAlive(p, t, x, T) * bgnbdPAlive(p, x, tx, T);
}
