/**
 * Distributions and intervals for campaign measurement: the normal, Student t and chi-square distributions,
 * Wilson and Newcombe intervals for proportions, Welch's t for means, and the Holm and Benjamini–Hochberg
 * corrections. Pure, no I/O. docs/campaigns.md gives the formulas and references.
 */
import { lgamma } from '../special.ts';

const EPS = 1e-16;

/** Regularised lower incomplete gamma P(a, x) (series for x < a + 1, else 1 − the continued fraction). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x < a + 1) return gammaSeries(a, x);
  return 1 - gammaContinued(a, x);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in the far tail. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) return 1 - gammaSeries(a, x);
  return gammaContinued(a, x);
}

function gammaSeries(a: number, x: number): number {
  let ap = a;
  let sum = 1 / a;
  let del = sum;
  for (let n = 0; n < 10000; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lgamma(a));
}

/** Lentz's continued fraction for Q(a, x) (Numerical Recipes 6.2). */
function gammaContinued(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lgamma(a)) * h;
}

/** erfc(x), through Q(1/2, x²). */
export function erfc(x: number): number {
  return x >= 0 ? gammaQ(0.5, x * x) : 1 + gammaP(0.5, x * x);
}

/** Φ(x), the standard normal distribution function. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** 1 − Φ(x), accurate in the upper tail. */
export function normalSf(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

/** Φ⁻¹(p): Wichura's algorithm AS 241 (PPND16, relative error about 1e-16). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return q * (((((((2509.0809287301227 * r + 33430.57558358813) * r + 67265.7709270087) * r + 45921.95393154987) * r
      + 13731.69376550946) * r + 1971.5909503065513) * r + 133.14166789178438) * r + 3.3871328727963665)
      / (((((((5226.495278852546 * r + 28729.085735721943) * r + 39307.89580009271) * r + 21213.794301586597) * r
        + 5394.196021424751) * r + 687.1870074920579) * r + 42.31333070160091) * r + 1);
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x = (((((((0.0007745450142783414 * r + 0.022723844989269184) * r + 0.2417807251774506) * r + 1.2704582524523684) * r
      + 3.6478483247632045) * r + 5.769497221460691) * r + 4.630337846156546) * r + 1.4234371107496835)
      / (((((((1.0507500716444169e-9 * r + 0.0005475938084995345) * r + 0.015198666563616457) * r + 0.14810397642748008) * r
        + 0.6897673349851) * r + 1.6763848301838038) * r + 2.053191626637759) * r + 1);
  } else {
    r -= 5;
    x = (((((((2.0103343992922881e-7 * r + 0.000027115555687434876) * r + 0.0012426609473880784) * r + 0.026532189526576124) * r
      + 0.29656057182850487) * r + 1.7848265399172913) * r + 5.463784911164114) * r + 6.657904643501103)
      / (((((((2.0442631033899397e-15 * r + 1.421511758316446e-7) * r + 0.000018463183175100548) * r + 0.0007868691311456133) * r
        + 0.014875361290850615) * r + 0.1369298809227358) * r + 0.599832206555888) * r + 1);
  }
  return q < 0 ? -x : x;
}

/** Regularised incomplete beta I_x(a, b) (continued fraction, Numerical Recipes 6.4). */
export function betaInc(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinued(x, a, b)) / a;
  return 1 - (front * betaContinued(1 - x, b, a)) / b;
}

function betaContinued(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** P(|T| > |t|) for Student's t with `df` degrees of freedom (the two-sided p-value). */
export function studentTwoSided(t: number, df: number): number {
  if (!Number.isFinite(df)) return 2 * normalSf(Math.abs(t));
  return betaInc(df / (df + t * t), df / 2, 0.5);
}

/** The Student t quantile: the t with P(T ≤ t) = p (bisection, then Newton steps, on the distribution function). */
export function studentQuantile(p: number, df: number): number {
  if (!Number.isFinite(df) || df > 1e7) return normalQuantile(p);
  if (p === 0.5) return 0;
  const upper = p > 0.5;
  const tail = upper ? 1 - p : p; // P(T > t) for the positive t sought
  const sf = (t: number) => 0.5 * betaInc(df / (df + t * t), df / 2, 0.5);
  let lo = 0;
  let hi = Math.max(1, -normalQuantile(tail) * 2);
  while (sf(hi) > tail) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (sf(mid) > tail) lo = mid;
    else hi = mid;
  }
  const t = (lo + hi) / 2;
  return upper ? t : -t;
}

/** P(X > x) for chi-square with `df` degrees of freedom. */
export function chiSquareSf(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
}

/** Wilson's score interval for x successes in n trials at normal quantile z: [low, high]. */
export function wilson(x: number, n: number, z: number): [number, number] {
  if (n <= 0) return [0, 1];
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Newcombe's hybrid score interval (his method 10, 1998) for p1 − p0, from the Wilson intervals of each
 * proportion: (d − √((p1 − l1)² + (u0 − p0)²), d + √((u1 − p1)² + (p0 − l0)²)).
 */
export function newcombe(x1: number, n1: number, x0: number, n0: number, z: number): [number, number] {
  const [p1, p0] = [x1 / n1, x0 / n0];
  const [l1, u1] = wilson(x1, n1, z);
  const [l0, u0] = wilson(x0, n0, z);
  const d = p1 - p0;
  return [d - Math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + Math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)];
}

/** The pooled two-proportion z test: two-sided p-value (1 when neither arm has a success or both only successes). */
export function twoProportionP(x1: number, n1: number, x0: number, n0: number): number {
  const p = (x1 + x0) / (n1 + n0);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n0));
  if (!(se > 0)) return 1;
  return 2 * normalSf(Math.abs((x1 / n1 - x0 / n0) / se));
}

/** Welch's comparison of two means from (n, mean, sample variance) of each group. */
export interface Welch {
  diff: number;
  se: number;
  df: number;
  t: number;
  p: number;
  low: number;
  high: number;
}

/** Welch's t interval and test for mean1 − mean0 at confidence 1 − alpha; undefined when a group has fewer than 2 values. */
export function welch(n1: number, m1: number, v1: number, n0: number, m0: number, v0: number, alpha = 0.05): Welch | undefined {
  if (n1 < 2 || n0 < 2) return undefined;
  const [a, b] = [v1 / n1, v0 / n0];
  const se = Math.sqrt(a + b);
  const diff = m1 - m0;
  if (!(se > 0)) return { diff, se: 0, df: n1 + n0 - 2, t: 0, p: diff === 0 ? 1 : 0, low: diff, high: diff };
  const df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n0 - 1));
  const t = diff / se;
  const q = studentQuantile(1 - alpha / 2, df);
  return { diff, se, df, t, p: studentTwoSided(t, df), low: diff - q * se, high: diff + q * se };
}

/** Holm's step-down adjusted p-values (as statsmodels' multipletests(method='holm')). */
export function holm(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((_, i) => i).sort((a, b) => p[a]! - p[b]!);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach((i, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p[i]!));
    out[i] = running;
  });
  return out;
}

/** Benjamini–Hochberg adjusted p-values (the false discovery rate; statsmodels' method='fdr_bh'). */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((_, i) => i).sort((a, b) => p[b]! - p[a]!);
  const out = new Array<number>(m);
  let running = 1;
  order.forEach((i, k) => {
    const rank = m - k;
    running = Math.min(running, (m / rank) * p[i]!);
    out[i] = Math.min(1, running);
  });
  return out;
}
