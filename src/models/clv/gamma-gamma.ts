/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves for customer base
 * analysis", JMR 42(4); Fader & Hardie's note "The Gamma-Gamma model of monetary value"). For a customer
 * with x ≥ 1 repeat purchases of mean value z̄, the likelihood of z̄ is
 *   Γ(px+q) / (Γ(px) Γ(q)) · γ^q · z̄^(px−1) · x^(px) / (γ + x z̄)^(px+q).
 * Customers without repeat purchases or with z̄ ≤ 0 carry no information here and are excluded (counted).
 */
import { SegmintError } from '../../core/errors.ts';
import { nelderMead } from '../optimize.ts';
import { lgamma } from '../special.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export function gammaGammaLogLikelihood(o: GammaGammaParams, x: number, zbar: number): number {
  const px = o.p * x;
  return lgamma(px + o.q) - lgamma(px) - lgamma(o.q) + o.q * Math.log(o.gamma) + (px - 1) * Math.log(zbar) + px * Math.log(x) - (px + o.q) * Math.log(o.gamma + x * zbar);
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  customers: number;
  excluded: { noRepeatPurchases: number; nonPositiveSpend: number };
  converged: boolean;
}

export function fitGammaGamma(x: ArrayLike<number>, zbar: ArrayLike<number>): GammaGammaFit {
  const xs: number[] = [];
  const zs: number[] = [];
  let noRepeat = 0;
  let nonPositive = 0;
  for (let i = 0; i < x.length; i++) {
    if (!(x[i]! >= 1)) noRepeat++;
    else if (!(zbar[i]! > 0)) nonPositive++;
    else {
      xs.push(x[i]!);
      zs.push(zbar[i]!);
    }
  }
  if (xs.length === 0) {
    throw new SegmintError('empty-summary', 'no customer has repeat purchases with a positive mean spend', { hint: 'the Gamma-Gamma model needs repeat buyers' });
  }
  const unpack = (v: number[]): GammaGammaParams => ({ p: Math.exp(v[0]!), q: Math.exp(v[1]!), gamma: Math.exp(v[2]!) });
  const ll = (o: GammaGammaParams) => {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += gammaGammaLogLikelihood(o, xs[i]!, zs[i]!);
    return s;
  };
  const r = nelderMead((v) => {
    const value = -ll(unpack(v)) / xs.length;
    return Number.isFinite(value) ? value : 1e300;
  }, [0, 0, 0], { tolerance: 1e-13, maxIterations: 20000, restarts: 3 });
  const params = unpack(r.x);
  return { params, logLikelihood: ll(params), customers: xs.length, excluded: { noRepeatPurchases: noRepeat, nonPositiveSpend: nonPositive }, converged: r.converged };
}
