import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMaximum, betaExpectation, cdnowPatterns, cdnowSummary } from '../../../test/helpers/clv.ts';
import { numericGradient } from '../optimize.ts';
import { bgnbdConditionalExpected, bgnbdExpected, bgnbdExpectedIfAlive, bgnbdLogLikelihood, bgnbdPAlive, bgnbdSetLogLikelihood, fitBgNbd } from './bgnbd.ts';
import { toPatternSet, toPatterns } from './patterns.ts';

test('BG/NBD log-likelihood of a hand-computed case', () => {
  // r=1, α=1, a=1, b=2, x=1, t_x=1, T=2: A1 = Γ(2)/Γ(1) = 1; A2 = Γ(3)Γ(3)/(Γ(2)Γ(4)) = 4/6;
  // A3 = 1/3² = 1/9; A4 = (1/(2+1−1)) · 1/2² = 1/8; L = (2/3)(1/9 + 1/8) = 17/108
  const ll = bgnbdLogLikelihood({ r: 1, alpha: 1, a: 1, b: 2 }, 1, 1, 2);
  assert.ok(Math.abs(ll - Math.log(17 / 108)) < 1e-12, `${ll}`);
  // x = 0: L = A1·A2·A3 = 1 · 1 · (1/(1+2))^1 = 1/3
  assert.ok(Math.abs(bgnbdLogLikelihood({ r: 1, alpha: 1, a: 1, b: 2 }, 0, 0, 2) - Math.log(1 / 3)) < 1e-12);
});

test('BG/NBD: the analytic gradient agrees with central differences away from the optimum', () => {
  const set = toPatternSet(toPatterns([0, 1, 3, 7, 2], [0, 1, 4, 9, 2], [5, 5, 6, 10, 8]));
  const theta = [0.7, 3.1, 0.6, 2.2];
  const f = (v: number[]) => bgnbdSetLogLikelihood({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) }, set);
  const g = [0, 0, 0, 0];
  bgnbdSetLogLikelihood({ r: theta[0]!, alpha: theta[1]!, a: theta[2]!, b: theta[3]! }, set, g);
  numericGradient(f, theta.map(Math.log), 1e-6).forEach((d, i) => assert.ok(Math.abs(d - g[i]!) < 1e-6, `component ${i}: ${d} vs ${g[i]}`));
});

test('BG/NBD parameters match the published CDNOW estimates', { skip: cdnowSummary.skip }, () => {
  const fit = fitBgNbd(cdnowPatterns());
  // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4
  assert.equal(Number(fit.params.r.toFixed(3)), 0.243);
  assert.equal(Number(fit.params.alpha.toFixed(3)), 4.414);
  assert.equal(Number(fit.params.a.toFixed(3)), 0.793);
  assert.equal(Number(fit.params.b.toFixed(3)), 2.426);
  assert.equal(Number(fit.logLikelihood.toFixed(1)), -9582.4);
  assert.ok(fit.converged);
  assert.ok(Object.values(fit.standardErrors).every((s) => s !== null && s > 0));
});

test('BG/NBD: gradient ≈ 0 and a positive-definite finite-difference Hessian at the optimum; its standard errors', { skip: cdnowSummary.skip }, () => {
  const set = toPatternSet(cdnowPatterns());
  const fit = fitBgNbd(set);
  const p = fit.params;
  const inv = assertMaximum((t) => bgnbdSetLogLikelihood({ r: t[0]!, alpha: t[1]!, a: t[2]!, b: t[3]! }, set), [p.r, p.alpha, p.a, p.b], ['r', 'alpha', 'a', 'b']);
  // the reported standard error of r is the delta-method one from this Hessian
  assert.ok(Math.abs(fit.standardErrors.r! - p.r * Math.sqrt(inv[0]![0]!)) < 1e-3 * fit.standardErrors.r!);
});

test('BG/NBD predictions match the paper and Hardie\'s spreadsheet on CDNOW', { skip: cdnowSummary.skip }, () => {
  const { params } = fitBgNbd(cdnowPatterns());
  // FHL 2005: a customer with x = 2, t_x = 30.43, T = 38.86 is expected to make 1.226 purchases in the next 39 weeks
  assert.equal(Number(bgnbdConditionalExpected(params, 39, 2, 30.43, 38.86).toFixed(3)), 1.226);
  // E[X(t)] of the cumulative-tracking sheet (as recorded in lifetimes' tests)
  const times = [0.1429, 1, 3, 31.8571, 32, 78];
  const published = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576];
  times.forEach((t, i) => assert.ok(Math.abs(bgnbdExpected(params, t) - published[i]!) < 5e-4, `E[X(${t})] = ${bgnbdExpected(params, t)}`));
  assert.equal(bgnbdPAlive(params, 0, 0, 38), 1);
  assert.ok(bgnbdPAlive(params, 5, 5, 38) < bgnbdPAlive(params, 5, 35, 38));
});

test('BG/NBD: a penalty shrinks the estimates; a summary without repeat buyers is a ConvergenceError with a hint', { skip: cdnowSummary.skip }, () => {
  const pats = cdnowPatterns();
  const plain = fitBgNbd(pats);
  const pen = fitBgNbd(pats, { penalizer: 0.1 });
  assert.ok(pen.params.alpha < plain.params.alpha && pen.params.b < plain.params.b);
  assert.throws(() => fitBgNbd(toPatterns([0, 0, 0], [0, 0, 0], [5, 6, 7])), (e: { code: string; hint: string }) => e.code === 'convergence-error' && /penalizer/.test(e.hint));
});

test('toPatterns refuses recency larger than T with a hint', () => {
  assert.throws(() => toPatterns([1], [5], [3]), (e: { code: string; hint: string }) => e.code === 'invalid-summary' && /end date/.test(e.hint));
});

test('toPatterns refuses a missing or negative weight as an invalid summary (it was a convergence error after 0 iterations)', () => {
  for (const w of [NaN, -5, 0]) {
    assert.throws(() => toPatterns([1, 2], [2, 3], [30, 30], [1, w]), (e: { code: string; message: string; hint: string }) => e.code === 'invalid-summary' && /^row 2: weight/.test(e.message) && /weights column/.test(e.hint), `weight ${w}`);
  }
});

test('BG/NBD: E[Y(t) | alive] equals its integral over p ~ Beta(a, b + x), and stays finite for a huge frequency', () => {
  // alive after x repeats: λ ~ Gamma(r + x, α + T), p ~ Beta(a, b + x), and E[Y(t) | λ, p] = (1 − e^(−λpt))/p,
  // so E[Y(t) | alive] = E_p[(1 − ((α+T)/(α+T+pt))^(r+x)) / p]
  const p = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
  // the last two: a daily buyer over six years (in weeks) and a three-year horizon, where ((α+T)/(α+T+t))^(r+x)
  // underflows and ₂F₁ overflows (the product was NaN)
  for (const [t, x, T] of [[39, 2, 38.86], [52, 0, 20], [10, 7, 30], [156, 2100, 300], [52, 3000, 100]] as const) {
    const direct = betaExpectation(p.a, p.b + x, (q) => (1 - Math.pow((p.alpha + T) / (p.alpha + T + q * t), p.r + x)) / q);
    const e = bgnbdExpectedIfAlive(p, t, x, T);
    // 1e-6: the midpoint rule's own error for x = 2100, where Beta(a, b + x + 1) crowds near 0
    assert.ok(Math.abs(e / direct - 1) < 1e-6, `t = ${t}, x = ${x}, T = ${T}: ${e} vs ${direct}`);
  }
  assert.ok(Number.isFinite(bgnbdConditionalExpected(p, 52, 1e5, 100, 100)));
});
