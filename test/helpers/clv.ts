/** CLV test helpers: the CDNOW calibration summary as patterns, and optimum checks independent of the optimiser. */
import assert from 'node:assert/strict';
import { numericGradient, numericHessian, invertSpd } from '../../src/models/optimize.ts';
import { lbeta } from '../../src/models/special.ts';
import { toPatterns, type Pattern } from '../../src/models/clv/patterns.ts';
import { readCsv } from './csv.ts';
import { shared } from './workspace.ts';

export const cdnowSummary = shared('cdnow/cdnow_customers_summary.csv');
export const cdnowWithSpend = shared('cdnow/cdnow_customers_summary_with_transactions.csv');
export const donations = shared('lifetimes-donations/donations.csv');

export function cdnowPatterns(): Pattern[] {
  const rows = readCsv(cdnowSummary.path).rows.map((r) => r.map(Number));
  return toPatterns(rows.map((r) => r[1]!), rows.map((r) => r[2]!), rows.map((r) => r[3]!));
}

/**
 * At a maximum of `ll` (natural parameters): each ∂LL/∂ln θ ≈ 0 by central differences, and the
 * finite-difference Hessian of −LL in log space is positive definite. Returns that Hessian's inverse.
 */
export function assertMaximum(ll: (theta: number[]) => number, theta: number[], names: readonly string[]): number[][] {
  const f = (v: number[]) => ll(v.map(Math.exp));
  const g = numericGradient(f, theta.map(Math.log), 1e-6);
  g.forEach((d, i) => assert.ok(Math.abs(d) < 1e-2, `∂LL/∂ln ${names[i]} = ${d}`));
  const inv = invertSpd(numericHessian((v) => -f(v), theta.map(Math.log)));
  assert.ok(inv, 'the Hessian of −LL is positive definite at the optimum');
  return inv;
}

/**
 * E[h(p)] for p ~ Beta(a, b) by the midpoint rule after the substitution p = u^(1/a), which removes the
 * p^(a−1) singularity at 0 (so a < 1 is fine; b ≥ 1 keeps the other end smooth). An independent reference
 * for the BG/NBD-family expectations, which are such integrals once λ is integrated out in closed form.
 */
export function betaExpectation(a: number, b: number, h: (p: number) => number, steps = 200000): number {
  let s = 0;
  for (let k = 0; k < steps; k++) {
    const p = Math.pow((k + 0.5) / steps, 1 / a);
    s += Math.pow(1 - p, b - 1) * h(p);
  }
  return s / steps / a / Math.exp(lbeta(a, b));
}
