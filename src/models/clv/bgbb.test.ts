import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMaximum, donations } from '../../../test/helpers/clv.ts';
import { readCsv } from '../../../test/helpers/csv.ts';
import { bgbbConditionalExpected, bgbbExpected, bgbbLogLikelihood, bgbbPAlive, bgbbProbabilityOfPurchases, fitBgBb } from './bgbb.ts';

const load = () => readCsv(donations.path).rows.map((r) => r.map(Number)).map(([x, tx, n, w]) => ({ x: x!, tx: tx!, n: n!, weight: w! }));

test('BG/BB parameters match the published donation estimates (Fader, Hardie & Shang 2010)', { skip: donations.skip }, () => {
  const pats = load();
  const fit = fitBgBb(pats);
  assert.equal(pats.reduce((s, r) => s + r.weight, 0), 11104);
  // published: α = 1.204, β = 0.750, γ = 0.657, δ = 2.783, LL = −33,225.6
  assert.equal(Number(fit.params.alpha.toFixed(3)), 1.204);
  assert.equal(Number(fit.params.beta.toFixed(3)), 0.75);
  assert.equal(Number(fit.params.gamma.toFixed(3)), 0.657);
  assert.equal(Number(fit.params.delta.toFixed(3)), 2.783);
  assert.equal(Number(fit.logLikelihood.toFixed(1)), -33225.6);
  const p = fit.params;
  assertMaximum((t) => pats.reduce((s, q) => s + q.weight * bgbbLogLikelihood({ alpha: t[0]!, beta: t[1]!, gamma: t[2]!, delta: t[3]! }, q.x, q.tx, q.n), 0),
    [p.alpha, p.beta, p.gamma, p.delta], ['alpha', 'beta', 'gamma', 'delta']);
});

test('BG/BB predictions match the paper\'s spreadsheet on the donations', { skip: donations.skip }, () => {
  const pats = load();
  const { params } = fitBgBb(pats);
  // Expected repeat donations 1996-2001 → next 5 years, summed over donors: 12,884.2 ("Exp Tot", column F)
  const total = pats.reduce((s, q) => s + q.weight * bgbbConditionalExpected(params, 5, q.x, q.tx, q.n), 0);
  assert.equal(Number(total.toFixed(1)), 12884.2);
  // In-sample fit: donors with 0 and with 6 of 6 repeat donations, 3,454.9 and 1,253.1 expected
  assert.equal(Number((11104 * bgbbProbabilityOfPurchases(params, 6, 0)).toFixed(1)), 3454.9);
  assert.equal(Number((11104 * bgbbProbabilityOfPurchases(params, 6, 6)).toFixed(1)), 1253.1);
  // E[X(6)] equals the mean of the distribution P(X(6) = x)
  const mean = [0, 1, 2, 3, 4, 5, 6].reduce((s, x) => s + x * bgbbProbabilityOfPurchases(params, 6, x), 0);
  assert.ok(Math.abs(bgbbExpected(params, 6) - mean) < 1e-9);
  assert.ok(bgbbPAlive(params, 6, 6, 6) > bgbbPAlive(params, 1, 1, 6));
});

test('BG/BB likelihood of a hand-computed case', () => {
  // one opportunity, no transaction: P = β/(α+β)·δ/(γ+δ) + γ/(γ+δ) = 1/2·1/2 + 1/2 with all parameters 1
  assert.ok(Math.abs(bgbbLogLikelihood({ alpha: 1, beta: 1, gamma: 1, delta: 1 }, 0, 0, 1) - Math.log(0.75)) < 1e-12);
  assert.throws(() => fitBgBb([{ x: 2, tx: 1, n: 3, weight: 1 }]), (e: { code: string }) => e.code === 'invalid-summary');
});

test('BG/BB P(alive) is the paper\'s P(alive in period n + 1): the next opportunity\'s expected transactions are P(alive) · E[p]', () => {
  // FHS 2010 eq. 11 against eq. 13 with n* = 1: a customer transacts at n + 1 only when alive then, with the
  // chance p, whose posterior given alive is Beta(α + x, β + n − x) (published donation estimates)
  const o = { alpha: 1.204, beta: 0.75, gamma: 0.657, delta: 2.783 };
  for (const [x, tx, n] of [[3, 4, 6], [6, 6, 6], [1, 1, 6], [0, 0, 6], [2, 5, 6]] as const) {
    const next = bgbbConditionalExpected(o, 1, x, tx, n);
    const pAlive = bgbbPAlive(o, x, tx, n);
    assert.ok(Math.abs(next - pAlive * (o.alpha + x) / (o.alpha + o.beta + n)) < 1e-12, `x = ${x}, t_x = ${tx}: P(alive) ${pAlive}`);
  }
  // a donor who gave at every opportunity is alive through n for sure, but may still leave before n + 1
  assert.ok(bgbbPAlive(o, 6, 6, 6) < 1 && bgbbPAlive(o, 6, 6, 6, 0) === 1);
});
