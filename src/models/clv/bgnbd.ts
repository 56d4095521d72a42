/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing Science 24(2)).
 * The likelihood of one customer's (x, t_x, T) is eq. (6) of the paper, written as A1·A2·(A3 + δ(x>0)·A4)
 * (Fader & Hardie's implementation note); it is summed over unique patterns with weights, so a million
 * customers cost about as much as their few thousand distinct patterns.
 */
import { SegmintError } from '../../core/errors.ts';
import { nelderMead } from '../optimize.ts';
import { lgamma, logAddExp } from '../special.ts';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface Pattern {
  /** repeat purchases */
  x: number;
  /** time of the last purchase since the first */
  tx: number;
  /** time since the first purchase to the end of calibration */
  T: number;
  /** customers with this pattern */
  weight: number;
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

/** Σ weight · ln L over the patterns. */
export function bgnbdTotalLogLikelihood(p: BgNbdParams, patterns: readonly Pattern[]): number {
  let s = 0;
  for (const q of patterns) s += q.weight * bgnbdLogLikelihood(p, q.x, q.tx, q.T);
  return s;
}

/** Group per-customer rows into unique (x, t_x, T) patterns with weights. */
export function toPatterns(x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>): Pattern[] {
  const m = new Map<string, Pattern>();
  for (let i = 0; i < x.length; i++) {
    if (x[i]! < 0 || tx[i]! < 0 || tx[i]! > T[i]! + 1e-9 || !Number.isFinite(T[i]!)) {
      throw new SegmintError('invalid-summary', `row ${i + 1}: frequency ${x[i]}, recency ${tx[i]}, T ${T[i]}: expected frequency ≥ 0 and 0 ≤ recency ≤ T`, {
        hint: 'recency larger than T means the summary was computed with another end date',
      });
    }
    const k = `${x[i]}|${tx[i]}|${T[i]}`;
    const p = m.get(k);
    if (p) p.weight++;
    else m.set(k, { x: x[i]!, tx: tx[i]!, T: T[i]!, weight: 1 });
  }
  return [...m.values()];
}

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

/** Maximum likelihood in log-parameter space (Nelder–Mead with restarts). */
export function fitBgNbd(patterns: readonly Pattern[], options: { penalizer?: number } = {}): BgNbdFit {
  if (patterns.length === 0) throw new SegmintError('empty-summary', 'no customers to fit', { hint: 'import transactions first' });
  const pen = options.penalizer ?? 0;
  const unpack = (v: number[]): BgNbdParams => ({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) });
  const n = patterns.reduce((s, p) => s + p.weight, 0);
  const objective = (v: number[]) => {
    const p = unpack(v);
    const ll = bgnbdTotalLogLikelihood(p, patterns);
    const value = -ll / n + pen * (p.r ** 2 + p.alpha ** 2 + p.a ** 2 + p.b ** 2);
    return Number.isFinite(value) ? value : 1e300;
  };
  const r = nelderMead(objective, [0, 0, 0, 0], { tolerance: 1e-13, maxIterations: 20000, restarts: 3 });
  const params = unpack(r.x);
  if (!r.converged) {
    throw new SegmintError('convergence-error', `BG/NBD did not converge after ${r.iterations} iterations`, {
      hint: 'check the summary (period, calibration end) or add a small --penalizer such as 0.001', exitCode: 1,
    });
  }
  return { params, logLikelihood: bgnbdTotalLogLikelihood(params, patterns), iterations: r.iterations, converged: r.converged };
}
