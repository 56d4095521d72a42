/**
 * BG/BB for discrete purchase opportunities, such as annual donations (Fader, Hardie & Shang 2010,
 * "Customer-base analysis in a discrete-time noncontractual setting", Marketing Science 29(6), eq. 5):
 *   L(α,β,γ,δ | x, t_x, n) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
 *                          + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ)
 * with x transactions in n opportunities, the last at t_x. Summed over patterns with weights.
 */
import { SegmintError } from '../../core/errors.ts';
import { nelderMead } from '../optimize.ts';
import { lbeta, logAddExp } from '../special.ts';

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

export function bgbbLogLikelihood(o: BgBbParams, x: number, tx: number, n: number): number {
  const { alpha: a, beta: b, gamma: g, delta: d } = o;
  const base = lbeta(a, b) + lbeta(g, d);
  let s = lbeta(a + x, b + n - x) + lbeta(g, d + n) - base;
  for (let i = 0; i <= n - tx - 1; i++) s = logAddExp(s, lbeta(a + x, b + tx - x + i) + lbeta(g + 1, d + tx + i) - base);
  return s;
}

export function fitBgBb(patterns: readonly BgBbPattern[]): { params: BgBbParams; logLikelihood: number; converged: boolean } {
  for (const p of patterns) {
    if (p.x < 0 || p.x > p.tx || p.tx > p.n || (p.x === 0 && p.tx !== 0)) {
      throw new SegmintError('invalid-summary', `pattern frequency ${p.x}, recency ${p.tx}, periods ${p.n}: expected 0 ≤ frequency ≤ recency ≤ periods`, {
        hint: 'recency is the opportunity of the last transaction (0 when there is none)',
      });
    }
  }
  const unpack = (v: number[]): BgBbParams => ({ alpha: Math.exp(v[0]!), beta: Math.exp(v[1]!), gamma: Math.exp(v[2]!), delta: Math.exp(v[3]!) });
  const total = patterns.reduce((s, p) => s + p.weight, 0);
  const ll = (o: BgBbParams) => patterns.reduce((s, p) => s + p.weight * bgbbLogLikelihood(o, p.x, p.tx, p.n), 0);
  const r = nelderMead((v) => {
    const value = -ll(unpack(v)) / total;
    return Number.isFinite(value) ? value : 1e300;
  }, [0, 0, 0, 0], { tolerance: 1e-13, maxIterations: 20000, restarts: 3 });
  const params = unpack(r.x);
  return { params, logLikelihood: ll(params), converged: r.converged };
}
