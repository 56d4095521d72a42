/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves for customer base
 * analysis", JMR 42(4); Fader & Hardie's note "The Gamma-Gamma model of monetary value"). For a customer
 * with x ≥ 1 repeat purchases of mean value z̄, the likelihood of z̄ is
 *   Γ(px+q) / (Γ(px) Γ(q)) · γ^q · z̄^(px−1) · x^(px) / (γ + x z̄)^(px+q).
 * Customers without repeat purchases or with z̄ ≤ 0 carry no information here and are excluded (counted).
 */
import { SegmintError } from '../../core/errors.ts';
import { digamma, lgamma } from '../special.ts';
import { trigamma } from './bgnbd.ts';
import { maximizeLikelihood, type FitOptions, type LogLikelihoodDerivatives, type MleFit } from './fit.ts';
import { index } from './patterns.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** ln L of one repeat buyer: x repeat purchases of mean value z̄ > 0. */
export function gammaGammaLogLikelihood(o: GammaGammaParams, x: number, zbar: number): number {
  const px = o.p * x;
  return lgamma(px + o.q) - lgamma(px) - lgamma(o.q) + o.q * Math.log(o.gamma) + (px - 1) * Math.log(zbar) + px * Math.log(x) - (px + o.q) * Math.log(o.gamma + x * zbar);
}

/** Repeat buyers as columns, with the distinct frequencies indexed (Γ terms are computed once per frequency). */
export interface SpendData {
  x: Float64Array;
  z: Float64Array;
  /** customers per row (all 1 without weights) */
  w: Float64Array;
  lnZ: Float64Array;
  ux: Float64Array;
  xi: Int32Array;
}

/** Index the distinct frequencies of repeat buyers (x ≥ 1, z̄ > 0). */
export function spendData(x: ArrayLike<number>, z: ArrayLike<number>, weights?: ArrayLike<number>): SpendData {
  const xs = Float64Array.from(x);
  const { u, i } = index(xs);
  const zs = Float64Array.from(z);
  // logs in a plain loop (TypedArray.from with a map function goes through the iterator protocol)
  const lnZ = new Float64Array(zs.length);
  for (let k = 0; k < zs.length; k++) lnZ[k] = Math.log(zs[k]!);
  return { x: xs, z: zs, w: weights ? Float64Array.from(weights) : new Float64Array(xs.length).fill(1), lnZ, ux: u, xi: i };
}

/** Σ ln L over the repeat buyers; with `grad`, the gradient with respect to ln p, ln q, ln γ. */
export function gammaGammaSetLogLikelihood(o: GammaGammaParams, d: SpendData, grad?: number[]): number {
  const { p, q, gamma } = o;
  const nx = d.ux.length;
  const cx = new Float64Array(nx);
  const dp = new Float64Array(nx);
  const dq = new Float64Array(nx);
  const lgq = lgamma(q);
  const lng = Math.log(gamma);
  const psq = grad ? digamma(q) : 0;
  for (let j = 0; j < nx; j++) {
    const x = d.ux[j]!;
    const px = p * x;
    cx[j] = lgamma(px + q) - lgamma(px) - lgq + q * lng + px * Math.log(x);
    if (grad) {
      const ps = digamma(px + q);
      dp[j] = x * (ps - digamma(px) + Math.log(x));
      dq[j] = ps - psq + lng;
    }
  }
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gg = 0;
  for (let i = 0; i < d.x.length; i++) {
    const j = d.xi[i]!;
    const x = d.ux[j]!;
    const px = p * x;
    const den = gamma + x * d.z[i]!;
    const lden = Math.log(den);
    const w = d.w[i]!;
    ll += w * (cx[j]! + (px - 1) * d.lnZ[i]! - (px + q) * lden);
    if (grad) {
      gp += w * (dp[j]! + x * (d.lnZ[i]! - lden));
      gq += w * (dq[j]! - lden);
      gg += w * (q / gamma - (px + q) / den);
    }
  }
  if (grad) {
    grad[0] = gp * p;
    grad[1] = gq * q;
    grad[2] = gg * gamma;
  }
  return ll;
}

const SPEND_BY_FREQUENCY = new WeakMap<SpendData, { start: Int32Array; z: Float64Array; lnZ: Float64Array; w: Float64Array }>();

/** The rows of spend data ordered by distinct x (a counting sort, once per data), with each x's run. */
function spendByFrequency(d: SpendData): { start: Int32Array; z: Float64Array; lnZ: Float64Array; w: Float64Array } {
  let v = SPEND_BY_FREQUENCY.get(d);
  if (!v) {
    const nx = d.ux.length;
    const start = new Int32Array(nx + 1);
    for (let i = 0; i < d.xi.length; i++) start[d.xi[i]! + 1] = start[d.xi[i]! + 1]! + 1;
    for (let j = 0; j < nx; j++) start[j + 1] = start[j + 1]! + start[j]!;
    const next = start.slice(0, nx);
    const z = new Float64Array(d.xi.length);
    const lnZ = new Float64Array(d.xi.length);
    const w = new Float64Array(d.xi.length);
    for (let i = 0; i < d.xi.length; i++) {
      const k = next[d.xi[i]!]!;
      next[d.xi[i]!] = k + 1;
      z[k] = d.z[i]!;
      lnZ[k] = d.lnZ[i]!;
      w[k] = d.w[i]!;
    }
    v = { start, z, lnZ, w };
    SPEND_BY_FREQUENCY.set(d, v);
  }
  return v;
}

/**
 * gammaGammaSetLogLikelihood with its gradient and analytic Hessian in (ln p, ln q, ln γ), for Newton's method and the
 * standard errors: per row ln L = C(x) + (px − 1) ln z̄ − (px + q) ln(γ + x z̄), whose only per-row terms are
 * ln(γ + x z̄) and its inverse powers, summed per distinct x (the rows visited by x) and combined with the Γ terms there.
 */
export function gammaGammaSetDerivatives(o: GammaGammaParams, d: SpendData): LogLikelihoodDerivatives {
  const { p, q, gamma } = o;
  const nx = d.ux.length;
  // per distinct x: Σw, Σw ln z̄, Σw ln(γ + x z̄), Σw/(γ + x z̄), Σw/(γ + x z̄)², over the rows in order of x
  const W = new Float64Array(nx);
  const SZ = new Float64Array(nx);
  const SL = new Float64Array(nx);
  const SI = new Float64Array(nx);
  const SI2 = new Float64Array(nx);
  const o2 = spendByFrequency(d);
  const { ux } = d;
  for (let j = 0; j < nx; j++) {
    const x = ux[j]!;
    let sw = 0;
    let sz = 0;
    let sl = 0;
    let si = 0;
    let si2 = 0;
    for (let i = o2.start[j]!; i < o2.start[j + 1]!; i++) {
      const wi = o2.w[i]!;
      const den = gamma + x * o2.z[i]!;
      const id = 1 / den;
      sw += wi;
      sz += wi * o2.lnZ[i]!;
      sl += wi * Math.log(den);
      si += wi * id;
      si2 += wi * id * id;
    }
    W[j] = sw;
    SZ[j] = sz;
    SL[j] = sl;
    SI[j] = si;
    SI2[j] = si2;
  }
  const lgq = lgamma(q);
  const lng = Math.log(gamma);
  const psq = digamma(q);
  const trq = trigamma(q);
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gg = 0;
  let hpp = 0;
  let hpq = 0;
  let hpg = 0;
  let hqq = 0;
  let hqg = 0;
  let hgg = 0;
  for (let j = 0; j < nx; j++) {
    const x = ux[j]!;
    const px = p * x;
    const lx = Math.log(x);
    const psi = digamma(px + q);
    const tri = trigamma(px + q);
    ll += W[j]! * (lgamma(px + q) - lgamma(px) - lgq + q * lng + px * lx) + (px - 1) * SZ[j]! - (px + q) * SL[j]!;
    gp += x * (W[j]! * (psi - digamma(px) + lx) + SZ[j]! - SL[j]!);
    gq += W[j]! * (psi - psq + lng) - SL[j]!;
    gg += (W[j]! * q) / gamma - (px + q) * SI[j]!;
    hpp += W[j]! * x * x * (tri - trigamma(px));
    hpq += W[j]! * x * tri;
    hpg -= x * SI[j]!;
    hqq += W[j]! * (tri - trq);
    hqg += W[j]! / gamma - SI[j]!;
    hgg += (-W[j]! * q) / (gamma * gamma) + (px + q) * SI2[j]!;
  }
  // to log space: ∂/∂ln θᵢ = θᵢ gᵢ, ∂²/∂ln θᵢ∂ln θⱼ = θᵢθⱼ Hᵢⱼ + δᵢⱼ θᵢ gᵢ
  const th = [p, q, gamma];
  const g = [gp, gq, gg];
  const H = [hpp, hpq, hpg, hpq, hqq, hqg, hpg, hqg, hgg];
  return {
    value: ll,
    gradient: g.map((v, i) => v * th[i]!),
    hessian: H.map((h, k) => {
      const i = Math.floor(k / 3);
      const jj = k % 3;
      return th[i]! * th[jj]! * h + (i === jj ? th[i]! * g[i]! : 0);
    }),
  };
}

export type GammaGammaFit = MleFit & {
  params: GammaGammaParams & Record<string, number>;
  customers: number;
  excluded: { noRepeatPurchases: number; nonPositiveSpend: number };
  /** Pearson correlation of frequency and mean spend among the fitted customers (the model assumes none) */
  frequencySpendCorrelation: number;
};

/** |correlation| from which the independence assumption is reported as doubtful. */
const SPEND_CORRELATION_WARNING = 0.3;

/**
 * Fit on per-customer frequency and mean repeat spend; customers without repeats or with z̄ ≤ 0 are excluded
 * and counted; a frequency–spend correlation of |ρ| ≥ 0.3 is a warning.
 */
export function fitGammaGamma(x: ArrayLike<number>, zbar: ArrayLike<number>, options: FitOptions & { weights?: ArrayLike<number> } = {}): GammaGammaFit {
  let noRepeat = 0;
  let nonPositive = 0;
  // the repeat buyers with a positive mean spend, as typed columns (counted first)
  const keep = new Uint8Array(x.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const w = options.weights ? options.weights[i]! : 1;
    if (!(w > 0) || !Number.isFinite(w)) {
      throw new SegmintError('invalid-summary', `row ${i + 1}: weight ${w}: expected a positive number of customers`, { hint: 'the weights column counts the customers with the row\'s frequency and mean spend' });
    }
    if (!(x[i]! >= 1)) noRepeat += w;
    else if (!(zbar[i]! > 0) || !Number.isFinite(zbar[i]!)) nonPositive += w;
    else {
      keep[i] = 1;
      m++;
    }
  }
  const xs = new Float64Array(m);
  const zs = new Float64Array(m);
  const ws = new Float64Array(m);
  for (let i = 0, k = 0; i < x.length; i++) {
    if (!keep[i]) continue;
    xs[k] = x[i]!;
    zs[k] = zbar[i]!;
    ws[k++] = options.weights ? options.weights[i]! : 1;
  }
  const customers = ws.reduce((s, w) => s + w, 0);
  if (customers < 3) {
    throw new SegmintError('empty-summary', `${customers} customers have repeat purchases with a positive mean spend: the Gamma-Gamma model needs more`, {
      hint: 'fit the spend model on a longer calibration period, or fit the purchase model alone with --spend none', exitCode: 1,
    });
  }
  const data = spendData(xs, zs, ws);
  const unpack = (t: number[]) => ({ p: t[0]!, q: t[1]!, gamma: t[2]! });
  // lifetimes' GammaGammaFitter: −Σ w ln L / Σ w + λ·(p² + q² + γ²)
  const fit = maximizeLikelihood({
    model: 'Gamma-Gamma', names: ['p', 'q', 'gamma'], customers,
    logLikelihood: (t) => gammaGammaSetLogLikelihood(unpack(t), data),
    valueAndGradientLog: (t) => {
      const g = [0, 0, 0];
      return [gammaGammaSetLogLikelihood(unpack(t), data, g), g];
    },
    derivativesLog: (t) => gammaGammaSetDerivatives(unpack(t), data),
  }, options);
  const rho = correlation(xs, zs, ws);
  const warnings = [...fit.warnings];
  if (Math.abs(rho) >= SPEND_CORRELATION_WARNING) {
    warnings.push(`frequency and mean spend are correlated (Pearson ${rho.toFixed(2)}) among the ${customers} repeat buyers: the Gamma-Gamma model assumes they are independent, so expected spend may be biased`);
  }
  if (fit.params.q! <= 1) warnings.push(`Gamma-Gamma q = ${fit.params.q!.toFixed(3)} ≤ 1: the population mean spend is infinite, expected spend of customers without repeats is not defined`);
  return {
    ...fit, warnings, params: fit.params as GammaGammaFit['params'],
    customers, excluded: { noRepeatPurchases: noRepeat, nonPositiveSpend: nonPositive }, frequencySpendCorrelation: rho,
  };
}

/** Pearson correlation of a and b with each row counted w times. */
function correlation(a: Float64Array, b: Float64Array, w: Float64Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    n += w[i]!;
    sa += w[i]! * a[i]!;
    sb += w[i]! * b[i]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += w[i]! * (a[i]! - ma) * (b[i]! - mb);
    saa += w[i]! * (a[i]! - ma) ** 2;
    sbb += w[i]! * (b[i]! - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * E[M | x, z̄] = p(γ + x z̄)/(px + q − 1): the expected mean spend per purchase, a weighted average of the
 * population mean pγ/(q−1) and the customer's own z̄ (FHL 2005 JMR, eq. 3). For x = 0 it is the population
 * mean. Undefined (NaN) where px + q − 1 ≤ 0, and for a repeat buyer whose mean value is not positive (the
 * model is of positive spend; such customers are left out of the fit too).
 */
export function gammaGammaExpectedSpend(o: GammaGammaParams, x: number, zbar: number): number {
  if (x > 0 && !(zbar > 0)) return NaN;
  const den = o.p * x + o.q - 1;
  const v = (o.p * (o.gamma + x * (x > 0 ? zbar : 0))) / den;
  return den > 0 && v > 0 ? v : NaN;
}

/**
 * gammaGammaExpectedSpend in SQL over the columns `x` (repeat purchases) and `zbar` (their mean value):
 * `reason` is why it is undefined ('non-positive-spend' for a repeat buyer without a positive mean,
 * 'spend-undefined' where px + q − 1 ≤ 0), NULL where it is defined, and `spend` its value there.
 */
export function gammaGammaSpendSql(o: GammaGammaParams, x: string, zbar: string): { reason: string; spend: string } {
  const den = `(${o.p} * ${x} + ${o.q} - 1)`;
  const reason = `CASE WHEN ${x} > 0 AND NOT coalesce(${zbar} > 0, false) THEN 'non-positive-spend' WHEN ${den} <= 0 THEN 'spend-undefined' END`;
  const spend = `CASE WHEN (${reason}) IS NULL THEN ${o.p} * (${o.gamma} + CASE WHEN ${x} > 0 THEN ${x} * ${zbar} ELSE 0 END) / ${den} END`;
  return { reason, spend };
}
