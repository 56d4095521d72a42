/**
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987, "Counting your customers: who are they and what will
 * they do next?", Management Science 33(1)). The likelihood in the form of Fader & Hardie's "A note on
 * deriving the Pareto/NBD model and related expressions" (2005) and their note on implementing it (eq. 2–4):
 *   L = Γ(r+x)α^r β^s / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A0 ],
 * with, for α ≥ β,
 *   A0 = ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+t_x)) / (α+t_x)^(r+s+x) − ₂F₁(…; (α−β)/(α+T)) / (α+T)^(r+s+x),
 * and for α < β the same with α ↔ β and s+1 replaced by r+x (evaluated through Euler's transformation, see logA0).
 */
import { digamma, hyp2f1, lgamma, logAddExp } from '../special.ts';
import { maximizeLikelihood, type FitOptions, type MleFit } from './fit.ts';
import { maxT, pairs, thinnedPatternSet, toPatternSet, type Pattern, type PatternSet } from './patterns.ts';

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

/**
 * ln ₂F₁ of A0 at z: ₂F₁(r+s+x, s+1; r+s+x+1; z) for α ≥ β. For α < β, ₂F₁(r+s+x, r+x; r+s+x+1; z) grows like
 * (1−z)^−(r+x) and overflows for a large x (a NaN likelihood), so past r + x = 1 it is taken by Euler's
 * transformation (A&S 15.3.3) in logs, (1−z)^(1−r−x) · ₂F₁(1, s+1; r+s+x+1; z) (the slower series below r + x = 1).
 */
function lnA0Hyp(p: ParetoNbdParams, x: number, z: number): number {
  const rsx = p.r + p.s + x;
  if (p.alpha >= p.beta) return Math.log(hyp2f1(rsx, p.s + 1, rsx + 1, z));
  if (p.r + x <= 1) return Math.log(hyp2f1(rsx, p.r + x, rsx + 1, z));
  return (1 - p.r - x) * Math.log1p(-z) + Math.log(hyp2f1(1, p.s + 1, rsx + 1, z));
}

/** ln A0 (the integral over the death time before T), computed as a difference in logs. */
function logA0(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = p;
  const rsx = r + s + x;
  const hi = alpha >= beta ? alpha : beta;
  const lo = alpha >= beta ? beta : alpha;
  const l1 = lnA0Hyp(p, x, (hi - lo) / (hi + tx)) - rsx * Math.log(hi + tx);
  const l2 = lnA0Hyp(p, x, (hi - lo) / (hi + T)) - rsx * Math.log(hi + T);
  // l1 ≥ l2 because the integrand is positive on (t_x, T); equal when t_x = T
  return l1 + Math.log(-Math.expm1(l2 - l1));
}

/** ln L of one pattern. */
export function paretonbdLogLikelihood(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = p;
  const c = lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const l1 = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  if (tx >= T) return c + l1;
  const l2 = Math.log(s / (r + s + x)) + logA0(p, x, tx, T);
  return c + logAddExp(l1, l2);
}

/** Each pattern's index among the distinct (x, t_x) and (x, T) pairs of a set, computed once per set. */
interface PairIndex {
  /** per pair: index into ux, and into utx (or uT) */
  txX: Int32Array;
  txV: Int32Array;
  txOf: Int32Array;
  TX: Int32Array;
  TV: Int32Array;
  TOf: Int32Array;
}

const PAIRS = new WeakMap<PatternSet, PairIndex>();

function pairIndex(set: PatternSet): PairIndex {
  let p = PAIRS.get(set);
  if (!p) {
    const t = pairs(set.xi, set.txi, set.utx.length);
    const u = pairs(set.xi, set.Ti, set.uT.length);
    p = { txX: t.a, txV: t.b, txOf: t.of, TX: u.a, TV: u.b, TOf: u.of };
    PAIRS.set(set, p);
  }
  return p;
}

const BY_PAIR = new WeakMap<PatternSet, { start: Int32Array; tx: Int32Array; weight: Float64Array }>();

/**
 * A set's patterns ordered by their (x, T) pair (a counting sort, once per set): each pair's run, and per pattern its
 * weight and 5 × its (x, t_x) pair's index (−1 where t_x = T, which has no A0 term).
 */
function patternsByPair(set: PatternSet, ix: PairIndex): { start: Int32Array; tx: Int32Array; weight: Float64Array } {
  let v = BY_PAIR.get(set);
  if (!v) {
    const nT = ix.TX.length;
    const start = new Int32Array(nT + 1);
    for (let i = 0; i < set.size; i++) start[ix.TOf[i]! + 1] = start[ix.TOf[i]! + 1]! + 1;
    for (let k = 0; k < nT; k++) start[k + 1] = start[k + 1]! + start[k]!;
    const next = start.slice(0, nT);
    const tx = new Int32Array(set.size);
    const weight = new Float64Array(set.size);
    for (let i = 0; i < set.size; i++) {
      const at = next[ix.TOf[i]!]!;
      next[ix.TOf[i]!] = at + 1;
      tx[at] = set.tx[i]! < set.T[i]! ? 5 * ix.txOf[i]! : -1;
      weight[at] = set.weight[i]!;
    }
    v = { start, tx, weight };
    BY_PAIR.set(set, v);
  }
  return v;
}

/** ln of A0's first term per distinct (x, t_x) and of its second term per distinct (x, T): the two ₂F₁, the costly part. */
function lnA0Pairs(p: ParetoNbdParams, set: PatternSet, ix: PairIndex): { a1: Float64Array; a2: Float64Array } {
  const { r, alpha, s, beta } = p;
  const hi = alpha >= beta ? alpha : beta;
  const lo = alpha >= beta ? beta : alpha;
  const a1 = new Float64Array(ix.txX.length);
  for (let k = 0; k < a1.length; k++) {
    const x = set.ux[ix.txX[k]!]!;
    const tx = set.utx[ix.txV[k]!]!;
    a1[k] = lnA0Hyp(p, x, (hi - lo) / (hi + tx)) - (r + s + x) * Math.log(hi + tx);
  }
  const a2 = new Float64Array(ix.TX.length);
  for (let k = 0; k < a2.length; k++) {
    const x = set.ux[ix.TX[k]!]!;
    const T = set.uT[ix.TV[k]!]!;
    a2[k] = lnA0Hyp(p, x, (hi - lo) / (hi + T)) - (r + s + x) * Math.log(hi + T);
  }
  return { a1, a2 };
}

/**
 * Σ weight · ln L over a pattern set. The same arithmetic as paretonbdLogLikelihood per pattern, with its
 * terms computed once per distinct x (the Γ terms), per distinct (x, t_x) and per distinct (x, T) (the two
 * ₂F₁ of A0, the costly part): a million customers' patterns share far fewer such pairs.
 */
export function paretonbdSetLogLikelihood(p: ParetoNbdParams, set: PatternSet): number {
  const { r, alpha, s, beta } = p;
  const ix = pairIndex(set);
  const nx = set.ux.length;
  const c = new Float64Array(nx);
  const ls = new Float64Array(nx);
  for (let j = 0; j < nx; j++) {
    c[j] = lgamma(r + set.ux[j]!) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
    ls[j] = Math.log(s / (r + s + set.ux[j]!));
  }
  // per (x, t_x): ln of A0's first term; per (x, T): ln of its second term and the alive term l1
  const { a1, a2 } = lnA0Pairs(p, set, ix);
  const l1 = new Float64Array(ix.TX.length);
  for (let k = 0; k < l1.length; k++) {
    const x = set.ux[ix.TX[k]!]!;
    const T = set.uT[ix.TV[k]!]!;
    l1[k] = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  }
  // e^(l2 − l1) = q · (e^(t1 − a2) − 1) with q = e^(ln(s/(r+s+x)) + a2 − l1) per (x, T): two transcendental
  // functions per pattern (expm1, log1p); where q is not a finite positive number, the logs as above
  const q = new Float64Array(ix.TX.length);
  for (let k = 0; k < q.length; k++) q[k] = Math.exp(ls[ix.TX[k]!]! + a2[k]! - l1[k]!);
  let ll = 0;
  for (let i = 0; i < set.size; i++) {
    const j = set.xi[i]!;
    const k = ix.TOf[i]!;
    let v = c[j]! + l1[k]!;
    if (set.tx[i]! < set.T[i]!) {
      const t1 = a1[ix.txOf[i]!]!;
      const y = q[k]! * Math.expm1(t1 - a2[k]!);
      if (y < Infinity && q[k]! > 0) v += Math.log1p(y);
      else {
        // ln(e^l1 + e^l2) with one exp: l2 = ln(s/(r+s+x)) + ln A0
        const d = ls[j]! + t1 + Math.log(-Math.expm1(a2[k]! - t1)) - l1[k]!;
        v = d > 0 ? v + d + Math.log1p(Math.exp(-d)) : d === -Infinity ? v : v + Math.log1p(Math.exp(d));
      }
    }
    ll += set.weight[i]! * v;
  }
  return ll;
}

/** Terms of the ₂F₁ series in lnTail before a pair falls back to central differences of logA0 (z close to 1). */
const TAIL_TERMS = 2000;

/**
 * ln F(t) and its gradient in (r, α, s, β) into out[o..o+4], where F(t) = ∫_t^∞ (α+τ)^−m (β+τ)^−n dτ with m = r+x,
 * n = s+1 (A0 = (r+s+x)·(F(t_x) − F(T))). With h = max(α, β), z = |α−β|/(h+t), A = m+n−1, e the exponent of the
 * smaller base (n when α ≥ β) and o the other: F = (h+t)^−A / A · (1−z)^(1−e) · G, G = Σ_k (o)_k/(A+1)_k z^k
 * (the ₂F₁ of A0 after Euler's transformation, a series of positive terms), whose derivatives in o, A+1 and z are
 * summed along it. Where it converges slowly (z close to 1), central differences of the closed form logA0.
 */
function lnTail(p: ParetoNbdParams, x: number, t: number, out: Float64Array, at: number): void {
  const { r, alpha, s, beta } = p;
  const ge = alpha >= beta;
  const m = r + x;
  const n = s + 1;
  const A = m + n - 1;
  const C = A + 1;
  const u = (ge ? alpha : beta) + t;
  const z = Math.abs(alpha - beta) / u;
  const o = ge ? m : n;
  const e = ge ? n : m;
  let G = 1;
  let Go = 0;
  let GC = 0;
  let Gz = 0;
  // pz = Π_{j<k} (o+j)/(C+j) · z^(k−1): the k-th term is pz·z, its z-derivative k·pz
  let pz = o / C;
  let Ho = 1 / o;
  let HC = 1 / C;
  let k = 1;
  for (; k < TAIL_TERMS; k++) {
    const v = pz * z;
    G += v;
    Go += v * Ho;
    GC -= v * HC;
    Gz += k * pz;
    if (k * pz * (1 + Ho + HC) <= 1e-17 * G) break;
    pz *= ((o + k) / (C + k)) * z;
    Ho += 1 / (o + k);
    HC += 1 / (C + k);
  }
  if (k >= TAIL_TERMS) {
    lnTailByDifferences(p, x, t, out, at);
    return;
  }
  const lu = Math.log(u);
  const l1z = Math.log1p(-z);
  out[at] = -A * lu - Math.log(A) + (1 - e) * l1z + Math.log(G);
  // ∂/∂m and ∂/∂n at fixed u, z; then α and β through u and z
  const common = -lu - 1 / A + GC / G;
  const dm = common + (ge ? Go / G : -l1z);
  const dn = common + (ge ? -l1z : Go / G);
  const du = -A / u;
  const dz = (e - 1) / (1 - z) + Gz / G;
  // the larger of α, β moves u and z (∂z = (1−z)/u), the smaller moves z only (∂z = −1/u)
  const dHi = du + (dz * (1 - z)) / u;
  const dLo = -dz / u;
  out[at + 1] = dm;
  out[at + 2] = ge ? dHi : dLo;
  out[at + 3] = dn;
  out[at + 4] = ge ? dLo : dHi;
}

/** lnTail from logA0's closed form, its gradient by central differences (for z close to 1, where the series is slow). */
function lnTailByDifferences(p: ParetoNbdParams, x: number, t: number, out: Float64Array, at: number): void {
  const lnF = (q: ParetoNbdParams) => {
    const hi = Math.max(q.alpha, q.beta);
    const rsx = q.r + q.s + x;
    return lnA0Hyp(q, x, Math.abs(q.alpha - q.beta) / (hi + t)) - rsx * Math.log(hi + t) - Math.log(rsx);
  };
  out[at] = lnF(p);
  const keys = ['r', 'alpha', 's', 'beta'] as const;
  keys.forEach((key, i) => {
    const h = 1e-6 * Math.max(1, p[key]);
    out[at + 1 + i] = (lnF({ ...p, [key]: p[key] + h }) - lnF({ ...p, [key]: p[key] - h })) / (2 * h);
  });
}

/**
 * paretonbdSetLogLikelihood with its gradient with respect to ln r, ln α, ln s, ln β in one pass (into `grad`):
 * ln L = c + l1 + ln(1 + y), y = e^(l2 − l1), l2 = ln s + ln(F(t_x) − F(T)) (lnTail), so
 * ∇ln L = ∇c + ∇l1 + y/(1+y) · (∇l2 − ∇l1), ∇ln(F(t_x) − F(T)) = ∇ln F(t_x) + (∇ln F(t_x) − ∇ln F(T)) / (F(t_x)/F(T) − 1).
 */
export function paretonbdSetLogLikelihoodGradient(p: ParetoNbdParams, set: PatternSet, grad: number[]): number {
  const { r, alpha, s, beta } = p;
  const ix = pairIndex(set);
  const nx = set.ux.length;
  const c = new Float64Array(nx);
  const cr = new Float64Array(nx);
  const base = -lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const dBase = -digamma(r) + Math.log(alpha);
  for (let j = 0; j < nx; j++) {
    c[j] = base + lgamma(r + set.ux[j]!);
    cr[j] = dBase + digamma(r + set.ux[j]!);
  }
  const lnS = Math.log(s);
  const lnB = Math.log(beta);
  // per (x, t_x): ln F(t_x) and its gradient; per (x, T): ln F(T), l1 and their gradients
  const f1 = new Float64Array(5 * ix.txX.length);
  for (let k = 0; k < ix.txX.length; k++) lnTail(p, set.ux[ix.txX[k]!]!, set.utx[ix.txV[k]!]!, f1, 5 * k);
  const nT = ix.TX.length;
  const f2 = new Float64Array(5 * nT);
  const l1 = new Float64Array(nT);
  const lAT = new Float64Array(nT);
  const iAT = new Float64Array(nT);
  const lBT = new Float64Array(nT);
  const iBT = new Float64Array(nT);
  const q = new Float64Array(nT);
  for (let k = 0; k < nT; k++) {
    const x = set.ux[ix.TX[k]!]!;
    const T = set.uT[ix.TV[k]!]!;
    lnTail(p, x, T, f2, 5 * k);
    lAT[k] = Math.log(alpha + T);
    iAT[k] = 1 / (alpha + T);
    lBT[k] = Math.log(beta + T);
    iBT[k] = 1 / (beta + T);
    l1[k] = -(r + x) * lAT[k]! - s * lBT[k]!;
    q[k] = Math.exp(lnS + f2[5 * k]! - l1[k]!);
  }
  // the patterns by (x, T) pair: the pair's terms once, per pattern only A0's share (log1p, expm1) and its gradient
  const o = patternsByPair(set, ix);
  let ll = 0;
  let gr = 0;
  let ga = 0;
  let gs = 0;
  let gb = 0;
  for (let k = 0; k < nT; k++) {
    const j = ix.TX[k]!;
    const x = set.ux[j]!;
    const b = 5 * k;
    const qk = q[k]!;
    const f2k = f2[b]!;
    let sw = 0;
    let sv = 0;
    let sa = 0;
    let sb = 0;
    let pr = 0;
    let pa = 0;
    let ps = 0;
    let pb = 0;
    for (let i = o.start[k]!; i < o.start[k + 1]!; i++) {
      const w = o.weight[i]!;
      sw += w;
      const a = o.tx[i]!;
      // t_x = T: no A0
      if (a < 0) continue;
      const f1a = f1[a]!;
      const E = Math.expm1(f1a - f2k);
      const y = qk * E;
      let w2: number;
      if (y < Infinity && qk > 0) {
        sv += w * Math.log1p(y);
        w2 = y / (1 + y);
      } else {
        const d = lnS + f1a + Math.log(-Math.expm1(f2k - f1a)) - l1[k]!;
        sv += d > 0 ? w * (d + Math.log1p(Math.exp(-d))) : d === -Infinity ? 0 : w * Math.log1p(Math.exp(d));
        w2 = d > 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d));
      }
      if (w2 > 0 && E > 0) {
        // ∇l2 − ∇l1 = ∇ln F(t_x)·(1 + 1/E) − ∇ln F(T)/E + ∇(ln s − l1), the pair's parts summed with w·w2 and w·w2/E
        const ww = w * w2;
        const wi = ww / E;
        const u = ww + wi;
        sa += ww;
        sb += wi;
        pr += u * f1[a + 1]!;
        pa += u * f1[a + 2]!;
        ps += u * f1[a + 3]!;
        pb += u * f1[a + 4]!;
      }
    }
    ll += sw * (c[j]! + l1[k]!) + sv;
    gr += sw * (cr[j]! - lAT[k]!) + pr - f2[b + 1]! * sb + lAT[k]! * sa;
    ga += sw * (r / alpha - (r + x) * iAT[k]!) + pa - f2[b + 2]! * sb + (r + x) * iAT[k]! * sa;
    gs += sw * (lnB - lBT[k]!) + ps - f2[b + 3]! * sb + (1 / s + lBT[k]!) * sa;
    gb += sw * (s / beta - s * iBT[k]!) + pb - f2[b + 4]! * sb + s * iBT[k]! * sa;
  }
  grad[0] = gr * r;
  grad[1] = ga * alpha;
  grad[2] = gs * s;
  grad[3] = gb * beta;
  return ll;
}

export type ParetoNbdFit = MleFit & { params: ParetoNbdParams & Record<string, number> };

/** Maximum likelihood (BFGS with the analytic gradient, from a fit on thinned patterns for a large set; Nelder–Mead fallback, several starts). */
export function fitParetoNbd(patterns: readonly Pattern[] | PatternSet, options: FitOptions = {}): ParetoNbdFit {
  const set = 'size' in patterns ? patterns : toPatternSet(patterns);
  // a large set: BFGS first on thinned patterns (thinnedPatternSet), then on all from there (maximizeLikelihood)
  const thin = thinnedPatternSet(set);
  const gradientOn = (s: PatternSet) => (t: number[]): [number, number[]] => {
    const g = [0, 0, 0, 0];
    return [paretonbdSetLogLikelihoodGradient({ r: t[0]!, alpha: t[1]!, s: t[2]!, beta: t[3]! }, s, g), g];
  };
  return maximizeLikelihood({
    model: 'Pareto/NBD', names: ['r', 'alpha', 's', 'beta'], customers: set.total, patterns: set.size,
    // lifetimes' penalty: time rescaled so that max T = 1 (α and β divided by max T), on the summed likelihood
    penaltyScale: [1, 1 / maxT(set), 1, 1 / maxT(set)], penaltyOnSum: true,
    logLikelihood: (t) => paretonbdSetLogLikelihood({ r: t[0]!, alpha: t[1]!, s: t[2]!, beta: t[3]! }, set),
    valueAndGradientLog: gradientOn(set),
    ...(thin ? { coarse: { customers: thin.total, valueAndGradientLog: gradientOn(thin) } } : {}),
  }, options) as ParetoNbdFit;
}

/**
 * paretonbdPAlive of every pattern of a set, with A0's two ₂F₁ once per distinct (x, t_x) and (x, T) as in
 * paretonbdSetLogLikelihood: P(alive) = 1/(1 + y), y = e^(l2 − l1) (1 where t_x = T).
 */
export function paretonbdSetPAlive(p: ParetoNbdParams, set: PatternSet): Float64Array {
  const { r, alpha, s, beta } = p;
  const ix = pairIndex(set);
  const { a1, a2 } = lnA0Pairs(p, set, ix);
  const ml1 = new Float64Array(ix.TX.length);
  for (let k = 0; k < ml1.length; k++) {
    const x = set.ux[ix.TX[k]!]!;
    const T = set.uT[ix.TV[k]!]!;
    // −l1 + ln(s/(r+s+x))
    ml1[k] = (r + x) * Math.log(alpha + T) + s * Math.log(beta + T) + Math.log(s / (r + s + x));
  }
  const out = new Float64Array(set.size);
  for (let i = 0; i < set.size; i++) {
    if (!(set.tx[i]! < set.T[i]!)) {
      out[i] = 1;
      continue;
    }
    const k = ix.TOf[i]!;
    const t1 = a1[ix.txOf[i]!]!;
    // l = ln y as paretonbdPAlive computes it: ln(s/(r+s+x)) − l1 + ln A0, ln A0 = t1 + ln(1 − e^(a2 − t1))
    const l = ml1[k]! + t1 + Math.log(-Math.expm1(a2[k]! - t1));
    out[i] = 1 / (1 + Math.exp(l));
  }
  return out;
}

/** P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A0). */
export function paretonbdPAlive(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = p;
  if (tx >= T) return 1;
  const l = Math.log(s / (r + s + x)) + (r + x) * Math.log(alpha + T) + s * Math.log(beta + T) + logA0(p, x, tx, T);
  return 1 / (1 + Math.exp(l));
}

/** ((β+T)/(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)], with its limit (β+T)·ln((β+T+t)/(β+T)) at s = 1. */
function lifetimeFactor(s: number, b: number, t: number): number {
  if (Math.abs(s - 1) < 1e-9) return b * Math.log((b + t) / b);
  return (b / (s - 1)) * -Math.expm1((s - 1) * Math.log(b / (b + t)));
}

/** E[X(t)] = rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)] (Schmittlein et al. 1987, eq. 17). */
export function paretonbdExpected(p: ParetoNbdParams, t: number): number {
  if (t <= 0) return 0;
  return (p.r / p.alpha) * lifetimeFactor(p.s, p.beta, t);
}

/** E[Y(t) | alive, x, T] = (r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)]. */
export function paretonbdExpectedIfAlive(p: ParetoNbdParams, t: number, x: number, T: number): number {
  if (t <= 0) return 0;
  return ((p.r + x) / (p.alpha + T)) * lifetimeFactor(p.s, p.beta + T, t);
}

/** E[Y(t) | x, t_x, T] = E[Y(t) | alive, x, T] · P(alive) (Schmittlein et al. 1987, eq. 22). */
export function paretonbdConditionalExpected(p: ParetoNbdParams, t: number, x: number, tx: number, T: number): number {
  return paretonbdExpectedIfAlive(p, t, x, T) * paretonbdPAlive(p, x, tx, T);
}
