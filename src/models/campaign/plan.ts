/**
 * Planning a test: the customers each arm needs to detect a given lift, or the smallest lift a given size can
 * detect, at a significance level and power, for a two-sided test of one treatment arm against control.
 * Proportions: the normal approximation without continuity correction (Fleiss, Levin & Paik 2003, 4.14, with
 * unequal allocation); means: the two-sample normal approximation. Pure, no I/O.
 */
import { normalQuantile } from './stats.ts';

export interface PlanInput {
  kind: 'proportion' | 'mean';
  /** the control's rate (proportion) or mean */
  baseline: number;
  /** the outcome's standard deviation (means only) */
  sd?: number;
  /** two-sided significance level, default 0.05 */
  alpha?: number;
  /** default 0.8 */
  power?: number;
  /** treatment customers per control customer, default 1 */
  ratio?: number;
}

export interface PlanSize {
  /** absolute lift (treatment − control) */
  lift: number;
  control: number;
  treatment: number;
}

const z = (alpha: number, power: number) => [normalQuantile(1 - alpha / 2), normalQuantile(power)] as const;

/** The control size needed for an absolute `lift` (not rounded). */
function controlSize(i: PlanInput, lift: number): number {
  const [za, zb] = z(i.alpha ?? 0.05, i.power ?? 0.8);
  const r = i.ratio ?? 1;
  if (i.kind === 'mean') return ((za + zb) ** 2 * (i.sd ?? 0) ** 2 * (1 + 1 / r)) / lift ** 2;
  const [p0, p1] = [i.baseline, i.baseline + lift];
  const pbar = (p0 + r * p1) / (1 + r);
  const num = za * Math.sqrt(pbar * (1 - pbar) * (1 + 1 / r)) + zb * Math.sqrt(p0 * (1 - p0) + (p1 * (1 - p1)) / r);
  return num ** 2 / lift ** 2;
}

/** Customers per arm (rounded up) to detect an absolute `lift` (e.g. 0.01 = one percentage point). */
export function sampleSize(i: PlanInput, lift: number): PlanSize {
  const n0 = Math.ceil(controlSize(i, lift) - 1e-9);
  const r = i.ratio ?? 1;
  return { lift, control: n0, treatment: Math.ceil(r * n0 - 1e-9) };
}

/** The smallest absolute lift (upwards) that `control` customers (and ratio × as many treated) detect. */
export function minimumDetectableEffect(i: PlanInput, control: number): number {
  if (i.kind === 'mean') {
    const [za, zb] = z(i.alpha ?? 0.05, i.power ?? 0.8);
    return (za + zb) * (i.sd ?? 0) * Math.sqrt((1 + 1 / (i.ratio ?? 1)) / control);
  }
  // controlSize falls as the lift grows: bisect on (0, 1 − baseline)
  let lo = 0;
  let hi = 1 - i.baseline;
  if (controlSize(i, hi) > control) return Number.NaN;
  for (let k = 0; k < 200 && hi - lo > 1e-12; k++) {
    const mid = (lo + hi) / 2;
    if (controlSize(i, mid) > control) lo = mid;
    else hi = mid;
  }
  return hi;
}
