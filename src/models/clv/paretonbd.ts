/**
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987, "Counting your customers: who are they and what will
 * they do next?", Management Science 33(1)). The likelihood in the form of Fader & Hardie's "A note on
 * deriving the Pareto/NBD model and related expressions" (2005) and their note on implementing it (eq. 2–4):
 *   L = Γ(r+x)α^r β^s / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A0 ],
 * with, for α ≥ β,
 *   A0 = ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+t_x)) / (α+t_x)^(r+s+x) − ₂F₁(…; (α−β)/(α+T)) / (α+T)^(r+s+x),
 * and for α < β the same with α ↔ β and s+1 replaced by r+x (evaluated through Euler's transformation, see logA0).
 */
import { hyp2f1, lgamma, logAddExp } from '../special.ts';
import { maximizeLikelihood, type FitOptions, type MleFit } from './fit.ts';
import { maxT, toPatternSet, type Pattern, type PatternSet } from './patterns.ts';

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

/** The distinct (a[i], b[i]) pairs of two index columns, with each row's pair. */
function pairs(a: Int32Array, b: Int32Array, nb: number): { a: Int32Array; b: Int32Array; of: Int32Array } {
  const seen = new Map<number, number>();
  const of = new Int32Array(a.length);
  const pa: number[] = [];
  const pb: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const key = a[i]! * nb + b[i]!;
    let j = seen.get(key);
    if (j === undefined) {
      j = pa.length;
      seen.set(key, j);
      pa.push(a[i]!);
      pb.push(b[i]!);
    }
    of[i] = j;
  }
  return { a: Int32Array.from(pa), b: Int32Array.from(pb), of };
}

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

/**
 * Σ weight · ln L over a pattern set. The same arithmetic as paretonbdLogLikelihood per pattern, with its
 * terms computed once per distinct x (the Γ terms), per distinct (x, t_x) and per distinct (x, T) (the two
 * ₂F₁ of A0, the costly part): a million customers' patterns share far fewer such pairs.
 */
export function paretonbdSetLogLikelihood(p: ParetoNbdParams, set: PatternSet): number {
  const { r, alpha, s, beta } = p;
  const hi = alpha >= beta ? alpha : beta;
  const lo = alpha >= beta ? beta : alpha;
  const ix = pairIndex(set);
  const nx = set.ux.length;
  const c = new Float64Array(nx);
  const ls = new Float64Array(nx);
  for (let j = 0; j < nx; j++) {
    c[j] = lgamma(r + set.ux[j]!) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
    ls[j] = Math.log(s / (r + s + set.ux[j]!));
  }
  // per (x, t_x): ln of A0's first term; per (x, T): ln of its second term and the alive term l1
  const a1 = new Float64Array(ix.txX.length);
  for (let k = 0; k < a1.length; k++) {
    const x = set.ux[ix.txX[k]!]!;
    const tx = set.utx[ix.txV[k]!]!;
    a1[k] = lnA0Hyp(p, x, (hi - lo) / (hi + tx)) - (r + s + x) * Math.log(hi + tx);
  }
  const a2 = new Float64Array(ix.TX.length);
  const l1 = new Float64Array(ix.TX.length);
  for (let k = 0; k < a2.length; k++) {
    const x = set.ux[ix.TX[k]!]!;
    const T = set.uT[ix.TV[k]!]!;
    a2[k] = lnA0Hyp(p, x, (hi - lo) / (hi + T)) - (r + s + x) * Math.log(hi + T);
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

export type ParetoNbdFit = MleFit & { params: ParetoNbdParams & Record<string, number> };

/** Maximum likelihood (BFGS with central differences, Nelder–Mead fallback, several starts). */
export function fitParetoNbd(patterns: readonly Pattern[] | PatternSet, options: FitOptions = {}): ParetoNbdFit {
  const set = 'size' in patterns ? patterns : toPatternSet(patterns);
  return maximizeLikelihood({
    model: 'Pareto/NBD', names: ['r', 'alpha', 's', 'beta'], customers: set.total,
    // lifetimes' penalty: time rescaled so that max T = 1 (α and β divided by max T), on the summed likelihood
    penaltyScale: [1, 1 / maxT(set), 1, 1 / maxT(set)], penaltyOnSum: true,
    logLikelihood: (t) => paretonbdSetLogLikelihood({ r: t[0]!, alpha: t[1]!, s: t[2]!, beta: t[3]! }, set),
  }, options) as ParetoNbdFit;
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
