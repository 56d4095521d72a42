/** Special functions for the likelihoods: log Γ (Lanczos, g = 7, n = 9; relative error below 1e-13). */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const xx = x - 1;
  let a = LANCZOS[0]!;
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln B(a, b). */
export const lbeta = (a: number, b: number) => lgamma(a) + lgamma(b) - lgamma(a + b);

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** ψ(x) = d ln Γ(x)/dx for x > 0: recurrence up to x ≥ 6, then the asymptotic series (Abramowitz & Stegun 6.3.18). */
export function digamma(x: number): number {
  let s = 0;
  while (x < 6) {
    s -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return s + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

/** Sign of Γ(x) (x not a non-positive integer). */
function gammaSign(x: number): number {
  return x > 0 || Math.floor(x) % 2 === 0 ? 1 : -1;
}

function hyp2f1Series(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 0; k < 200000; k++) {
    term *= ((a + k) * (b + k)) / ((c + k) * (k + 1)) * z;
    sum += term;
    if (Math.abs(term) <= 1e-16 * Math.abs(sum)) return sum;
  }
  return sum;
}

/**
 * Gauss's hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1 and c > 0, as the BTYD expectations need it.
 * The power series for z ≤ 0.8. Above, with d = c − a − b: for 0 < |d| < 1 the 1 − z connection formula
 * (A&S 15.3.6), whose two series converge fast there and have positive third parameters 1 ∓ d (but for |d| ≥ 0.99,
 * where it cancels two poles, and |d| ≤ 1e-6); otherwise for
 * d < 0 Euler's transformation (1 − z)^d ₂F₁(c−a, c−b; c; z) (A&S 15.3.3), whose series converges at z = 1;
 * otherwise the plain series, which then converges at z = 1 too.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (z === 0) return 1;
  const d = c - a - b;
  if (z <= 0.8) return hyp2f1Series(a, b, c, z);
  // the two terms of the connection formula have poles at d = 0 and d = ±1 that cancel: next to them the
  // cancellation loses about 1e-16/|d| and 1e-16/(1 − |d|)² (1e-7 from ±1 gave 2e-4); the other branches are exact there
  if (Math.abs(d) < 0.99 && Math.abs(d) > 1e-6) {
    const w = 1 - z;
    const t1 = gammaSign(c) * gammaSign(d) * gammaSign(c - a) * gammaSign(c - b)
      * Math.exp(lgamma(c) + lgamma(d) - lgamma(c - a) - lgamma(c - b)) * hyp2f1Series(a, b, 1 - d, w);
    const t2 = gammaSign(c) * gammaSign(-d) * gammaSign(a) * gammaSign(b)
      * Math.exp(d * Math.log(w) + lgamma(c) + lgamma(-d) - lgamma(a) - lgamma(b)) * hyp2f1Series(c - a, c - b, d + 1, w);
    // with a large a or b (Pareto/NBD's r+s+x for a frequent buyer) the two terms are huge and cancel: the loss is
    // about 1e-16 · max(|t1|, |t2|) / |t1 + t2|, so past 1e-12 the series below, slower but without cancellation
    if (Math.abs(t1 + t2) * 1e4 >= Math.max(Math.abs(t1), Math.abs(t2))) return t1 + t2;
  }
  if (d < 0) return Math.pow(1 - z, d) * hyp2f1Series(c - a, c - b, c, z);
  return hyp2f1Series(a, b, c, z);
}
