import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMaximum, betaExpectation, cdnowPatterns, cdnowSummary } from '../../../test/helpers/clv.ts';
import { fitMbgNbd, mbgnbdConditionalExpected, mbgnbdExpected, mbgnbdExpectedIfAlive, mbgnbdLogLikelihood, mbgnbdPAlive, mbgnbdSetLogLikelihood } from './mbgnbd.ts';
import { numericGradient } from '../optimize.ts';
import { toPatternSet, toPatterns } from './patterns.ts';

test('MBG/NBD log-likelihood of a hand-computed case', () => {
  // r=1, α=1, a=1, b=2, x=0, T=2. Directly: drop out at time 0 with p ~ Beta(1, 2), E[p] = 1/3; otherwise no
  // purchase in (0, 2] with λ ~ Exp(1), E[e^(−2λ)] = 1/3: P = 1/3 + 2/3 · 1/3 = 5/9.
  assert.ok(Math.abs(mbgnbdLogLikelihood({ r: 1, alpha: 1, a: 1, b: 2 }, 0, 0, 2) - Math.log(5 / 9)) < 1e-12);
});

test('MBG/NBD parameters match the recorded CDNOW fit (BTYDplus, as in lifetimes\' tests)', { skip: cdnowSummary.skip }, () => {
  const set = toPatternSet(cdnowPatterns());
  const fit = fitMbgNbd(set);
  // BTYDplus mbgcnbd with k = 1 on CDNOW: r = 0.525, α = 6.183, a = 0.891, b = 1.614
  assert.deepEqual([fit.params.r, fit.params.alpha, fit.params.a, fit.params.b].map((v) => Number(v.toFixed(3))), [0.525, 6.183, 0.891, 1.614]);
  const p = fit.params;
  assertMaximum((t) => mbgnbdSetLogLikelihood({ r: t[0]!, alpha: t[1]!, a: t[2]!, b: t[3]! }, set), [p.r, p.alpha, p.a, p.b], ['r', 'alpha', 'a', 'b']);
  // unlike BG/NBD, a customer without repeat purchases may be gone
  assert.ok(mbgnbdPAlive(p, 0, 0, 38) < 1);
  // the worked case of the BG/NBD paper (x = 2, t_x = 30.43, T = 38.86): E[Y(39) | alive] · P(alive), the first
  // factor against its integral (see the test below)
  const alive = betaExpectation(p.a, p.b + 3, (q) => (1 - Math.pow((p.alpha + 38.86) / (p.alpha + 38.86 + 39 * q), p.r + 2)) / q);
  assert.ok(Math.abs(mbgnbdConditionalExpected(p, 39, 2, 30.43, 38.86) - alive * mbgnbdPAlive(p, 2, 30.43, 38.86)) < 1e-7);
});

test('MBG/NBD expectations equal their integrals over p ~ Beta, and stay finite for a huge frequency', () => {
  const p = { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };
  // a new customer drops out at time 0 with chance p, else buys like a BG/NBD customer: E[X(t) | λ, p] =
  // (1/p − 1)(1 − e^(−λpt)), and λ ~ Gamma(r, α) integrates to E_p[(1/p − 1)(1 − (α/(α+pt))^r)]
  for (const t of [1, 10, 39, 78]) {
    const direct = betaExpectation(p.a, p.b, (q) => (1 / q - 1) * (1 - Math.pow(p.alpha / (p.alpha + q * t), p.r)));
    assert.ok(Math.abs(mbgnbdExpected(p, t) / direct - 1) < 1e-7, `E[X(${t})] = ${mbgnbdExpected(p, t)} vs ${direct}`);
  }
  // alive after x repeats (x + 1 drop-out chances survived): p ~ Beta(a, b + x + 1), λ ~ Gamma(r + x, α + T)
  for (const [t, x, T] of [[39, 2, 38.86], [52, 0, 20], [10, 7, 30], [156, 2100, 300]] as const) {
    const direct = betaExpectation(p.a, p.b + x + 1, (q) => (1 - Math.pow((p.alpha + T) / (p.alpha + T + q * t), p.r + x)) / q);
    const e = mbgnbdExpectedIfAlive(p, t, x, T);
    // 1e-6: the midpoint rule's own error for x = 2100, where Beta(a, b + x + 1) crowds near 0
    assert.ok(Math.abs(e / direct - 1) < 1e-6, `t = ${t}, x = ${x}, T = ${T}: ${e} vs ${direct}`);
  }
});

test('MBG/NBD set likelihood equals the per-customer closed form, and its gradient equals central differences', () => {
  const set = toPatternSet(toPatterns([0, 1, 3, 7, 2, 0], [0, 1, 4, 9, 2, 0], [5, 5, 6, 10, 8, 12], [3, 1, 2, 1, 4, 2]));
  const theta = [0.6, 5.5, 0.9, 1.7];
  const p = { r: theta[0]!, alpha: theta[1]!, a: theta[2]!, b: theta[3]! };
  const direct = set.x.reduce((acc, x, i) => acc + set.weight[i]! * mbgnbdLogLikelihood(p, x, set.tx[i]!, set.T[i]!), 0);
  const g = [0, 0, 0, 0];
  assert.ok(Math.abs(mbgnbdSetLogLikelihood(p, set, g) - direct) < 1e-10);
  const f = (v: number[]) => mbgnbdSetLogLikelihood({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) }, set);
  numericGradient(f, theta.map(Math.log), 1e-6).forEach((d, i) => assert.ok(Math.abs(d - g[i]!) < 1e-6, `component ${i}: ${d} vs ${g[i]}`));
});
