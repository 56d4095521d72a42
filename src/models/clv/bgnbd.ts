/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing Science 24(2)).
 * The likelihood of one customer's (x, t_x, T) is eq. (6) of the paper, written as A1·A2·(A3 + δ(x>0)·A4)
 * (Fader & Hardie's implementation note); it is summed over unique patterns with weights.
 */
import { digamma, hyp2f1, lgamma, logAddExp } from '../special.ts';
import { maximizeLikelihood, type FitOptions, type LogLikelihoodDerivatives, type MleFit, type MleSpec } from './fit.ts';
import { byFrequency, maxT, thinnedPatternSet, toPatternSet, type Pattern, type PatternSet } from './patterns.ts';

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

/** ψ′(x), the trigamma function, for x > 0: recurrence up to x ≥ 10, then the asymptotic series (A&S 6.4.12). */
export function trigamma(x: number): number {
  let s = 0;
  while (x < 10) {
    s += 1 / (x * x);
    x += 1;
  }
  const f = 1 / (x * x);
  return s + 1 / x + f / 2 + (f / x) * (1 / 6 - f * (1 / 30 - f * (1 / 42 - f * (1 / 30 - f * (5 / 66 - f * (691 / 2730 - f * (7 / 6)))))));
}

/**
 * dropoutMixtureSetLogLikelihood with its gradient and analytic Hessian in (ln r, ln α, ln a, ln b), for Newton's
 * method and the standard errors. Per pattern ln L = C(x) + M with C the Γ terms and M = ln(e^l3 + e^l4) (M = l3
 * without A4); with w3, w4 the shares of e^l3 and e^l4 and D = ∇l4 − ∇l3, ∇M = w3∇l3 + w4∇l4 and
 * ∇²M = w3∇²l3 + w4∇²l4 + w3w4·DDᵀ. The patterns are visited by frequency (byFrequency), so the per-x terms are
 * summed once per x and the per-pattern loop sums eleven weighted terms.
 */
export function dropoutMixtureSetDerivatives(p: BgNbdParams, s: PatternSet, shift: 0 | 1): LogLikelihoodDerivatives {
  const { r, alpha, a, b } = p;
  const o = byFrequency(s);
  const lT = new Float64Array(s.uT.length);
  const iT = new Float64Array(s.uT.length);
  for (let k = 0; k < lT.length; k++) {
    lT[k] = Math.log(alpha + s.uT[k]!);
    iT[k] = 1 / (alpha + s.uT[k]!);
  }
  const ltx = new Float64Array(s.utx.length);
  const itx = new Float64Array(s.utx.length);
  for (let k = 0; k < ltx.length; k++) {
    ltx[k] = Math.log(alpha + s.utx[k]!);
    itx[k] = 1 / (alpha + s.utx[k]!);
  }
  const lnAlpha = Math.log(alpha);
  const lna = Math.log(a);
  const base = r * lnAlpha - lgamma(r) + lgamma(a + b) - lgamma(b);
  const dr0 = lnAlpha - digamma(r);
  const psiAB = digamma(a + b);
  const psiB = digamma(b);
  const triR = trigamma(r);
  const triAB = trigamma(a + b);
  const triB = trigamma(b);
  // natural-parameter sums: value, gradient (r, α, a, b) and the Hessian's ten entries
  let ll = 0;
  let gr = 0;
  let gal = 0;
  let ga = 0;
  let gb = 0;
  let hrr = 0;
  let hral = 0;
  let halal = 0;
  let hra = 0;
  let hrb = 0;
  let hala = 0;
  let halb = 0;
  let haa = 0;
  let hab = 0;
  let hbb = 0;
  const { Ti, txi, weight, start, total } = o;
  for (let j = 0; j < s.ux.length; j++) {
    const W = total[j]!;
    const x = s.ux[j]!;
    const xs = x + shift;
    const rx = r + x;
    const abx = a + b + xs;
    // C(x) = base + ln Γ(r+x) + ln Γ(b+x+s) − ln Γ(a+b+x+s), for the W customers with this x
    ll += W * (base + lgamma(rx) + lgamma(b + xs) - lgamma(abx));
    const psiABX = digamma(abx);
    const triABX = trigamma(abx);
    gr += W * (dr0 + digamma(rx));
    gal += (W * r) / alpha;
    ga += W * (psiAB - psiABX);
    gb += W * (psiAB - psiB + digamma(b + xs) - psiABX);
    hrr += W * (trigamma(rx) - triR);
    hral += W / alpha;
    halal -= (W * r) / (alpha * alpha);
    haa += W * (triAB - triABX);
    hab += W * (triAB - triABX);
    hbb += W * (triAB - triB + trigamma(b + xs) - triABX);
    const lo = start[j]!;
    const hi = start[j + 1]!;
    if (xs > 0) {
      const c4 = lna - Math.log(b + xs - 1);
      const ib4 = 1 / (b + xs - 1);
      let sMix = 0;
      let s4 = 0;
      let sv = 0;
      let sR = 0;
      let sA = 0;
      let sA2 = 0;
      let sDr = 0;
      let sDa = 0;
      let sDrDr = 0;
      let sDrDa = 0;
      let sDaDa = 0;
      for (let i = lo; i < hi; i++) {
        const w = weight[i]!;
        const kT = Ti[i]!;
        const kx = txi[i]!;
        const lt = lT[kT]!;
        const lx = ltx[kx]!;
        const it = iT[kT]!;
        const ix = itx[kx]!;
        const l3 = -rx * lt;
        const l4 = c4 - rx * lx;
        const d = l4 - l3;
        // ln(e^l3 + e^l4) with one exp, and the shares w4 = e^l4 / (e^l3 + e^l4), w3 = 1 − w4
        const e = Math.exp(-Math.abs(d));
        const q = 1 / (1 + e);
        const w4 = d > 0 ? q : e * q;
        const w3 = d > 0 ? e * q : q;
        sMix += w * ((d > 0 ? l4 : l3) + Math.log1p(e));
        const ww3 = w * w3;
        const ww4 = w * w4;
        const wv = ww4 * w3;
        s4 += ww4;
        sv += wv;
        sR += ww3 * lt + ww4 * lx;
        sA += ww3 * it + ww4 * ix;
        sA2 += ww3 * it * it + ww4 * ix * ix;
        // D = (ln(α+T) − ln(α+t_x), (r+x)(1/(α+T) − 1/(α+t_x)), 1/a, −1/(b+x+s−1)); the (r+x) is put back below
        const Dr = lt - lx;
        const Da = it - ix;
        const vDr = wv * Dr;
        const vDa = wv * Da;
        sDr += vDr;
        sDa += vDa;
        sDrDr += vDr * Dr;
        sDrDa += vDr * Da;
        sDaDa += vDa * Da;
      }
      ll += sMix;
      gr -= sR;
      gal -= rx * sA;
      ga += s4 / a;
      gb -= s4 * ib4;
      hrr += sDrDr;
      hral += rx * sDrDa - sA;
      halal += rx * sA2 + rx * rx * sDaDa;
      hra += sDr / a;
      hrb -= sDr * ib4;
      hala += (rx * sDa) / a;
      halb -= rx * sDa * ib4;
      haa += (sv - s4) / (a * a);
      hab -= (sv * ib4) / a;
      hbb += (s4 + sv) * ib4 * ib4;
    } else {
      // no A4: M = l3 = −(r+x) ln(α+T)
      let sL = 0;
      let sI = 0;
      let sI2 = 0;
      for (let i = lo; i < hi; i++) {
        const w = weight[i]!;
        const kT = Ti[i]!;
        const it = iT[kT]!;
        sL += w * lT[kT]!;
        sI += w * it;
        sI2 += w * it * it;
      }
      ll -= rx * sL;
      gr -= sL;
      gal -= rx * sI;
      hral -= sI;
      halal += rx * sI2;
    }
  }
  // to log space: ∂/∂ln θᵢ = θᵢ gᵢ, ∂²/∂ln θᵢ∂ln θⱼ = θᵢθⱼ Hᵢⱼ + δᵢⱼ θᵢ gᵢ
  const th = [r, alpha, a, b];
  const g = [gr, gal, ga, gb];
  const H = [hrr, hral, hra, hrb, hral, halal, hala, halb, hra, hala, haa, hab, hrb, halb, hab, hbb];
  const hessian = H.map((h, k) => {
    const i = k >> 2;
    const jj = k & 3;
    return th[i]! * th[jj]! * h + (i === jj ? th[i]! * g[i]! : 0);
  });
  return { value: ll, gradient: g.map((v, i) => v * th[i]!), hessian };
}

export type BgNbdFit = MleFit & { params: BgNbdParams & Record<string, number> };

const unpack = (t: number[]): BgNbdParams => ({ r: t[0]!, alpha: t[1]!, a: t[2]!, b: t[3]! });

/**
 * The analytic second derivatives of the BG/NBD family for maximizeLikelihood's Newton fit, and the thinned patterns'
 * (thinnedPatternSet) for its start on a large set.
 */
export function mixtureDerivatives(s: PatternSet, shift: 0 | 1): Pick<MleSpec, 'derivativesLog' | 'coarse'> {
  const thin = thinnedPatternSet(s);
  const at = (set: PatternSet) => (t: number[]) => dropoutMixtureSetDerivatives(unpack(t), set, shift);
  return { derivativesLog: at(s), ...(thin ? { coarse: { customers: thin.total, derivativesLog: at(thin) } } : {}) };
}

/**
 * Maximum likelihood: Newton's method with the analytic Hessian (from a fit on thinned patterns for a large set);
 * where it does not reach an interior optimum, BFGS with the analytic gradient, Nelder–Mead fallback, several starts.
 */
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
    ...mixtureDerivatives(s, 0),
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
