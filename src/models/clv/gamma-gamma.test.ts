import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMaximum, cdnowWithSpend } from '../../../test/helpers/clv.ts';
import { numericGradient } from '../optimize.ts';
import { readCsv } from '../../../test/helpers/csv.ts';
import { fitGammaGamma, gammaGammaExpectedSpend, gammaGammaLogLikelihood, gammaGammaSetLogLikelihood, spendData } from './gamma-gamma.ts';

test('Gamma-Gamma log-likelihood of a hand-computed case', () => {
  // p=1, q=2, γ=3, x=1, z̄=1: Γ(3)/(Γ(1)Γ(2)) · 3² · 1⁰ · 1¹ / (3+1)³ = 2 · 9 / 64
  assert.ok(Math.abs(gammaGammaLogLikelihood({ p: 1, q: 2, gamma: 3 }, 1, 1) - Math.log(18 / 64)) < 1e-12);
  // E[M | x, z̄] = p(γ + x z̄)/(px + q − 1): (1·(3 + 2·5))/(2 + 1) = 13/3
  assert.ok(Math.abs(gammaGammaExpectedSpend({ p: 1, q: 2, gamma: 3 }, 2, 5) - 13 / 3) < 1e-12);
});

test('Gamma-Gamma parameters and expected spend match the published CDNOW figures', { skip: cdnowWithSpend.skip }, () => {
  const rows = readCsv(cdnowWithSpend.path).rows.map((r) => r.map(Number));
  const fit = fitGammaGamma(rows.map((r) => r[1]!), rows.map((r) => r[4]!));
  // Fader, Hardie & Lee (2005, JMR): p = 6.25, q = 3.74, γ = 15.44 on the 946 repeat buyers
  assert.equal(Number(fit.params.p.toFixed(2)), 6.25);
  assert.equal(Number(fit.params.q.toFixed(2)), 3.74);
  // The file's z̄ is rounded to cents: the paper's γ = 15.44 comes out as 15.45 (as lifetimes reports on this file).
  assert.ok(Math.abs(fit.params.gamma - 15.44) < 0.015, `γ = ${fit.params.gamma}`);
  assert.equal(fit.customers, 946);
  assert.equal(fit.excluded.noRepeatPurchases, 2357 - 946);
  assert.ok(fit.converged);
  assert.equal(fit.warnings.length, 0, 'spend is hardly correlated with frequency on CDNOW');
  const buyers = rows.filter((r) => r[1]! > 0);
  const data = spendData(buyers.map((r) => r[1]!), buyers.map((r) => r[4]!));
  assertMaximum((t) => gammaGammaSetLogLikelihood({ p: t[0]!, q: t[1]!, gamma: t[2]! }, data), [fit.params.p, fit.params.q, fit.params.gamma], ['p', 'q', 'gamma']);
  // Hardie's spreadsheet (note 025), E[M] of the first ten customers
  const published = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];
  rows.slice(0, 10).forEach((r, i) => assert.ok(Math.abs(gammaGammaExpectedSpend(fit.params, r[1]!, r[4]!) - published[i]!) < 0.015, `customer ${i + 1}`));
});

test('Gamma-Gamma: customers without repeats or with non-positive spend are counted; correlated spend is a warning', () => {
  const x = [0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 2, 3];
  const z = [0, 9, 14, 15, 26, 22, 41, 35, 52, 48, 77, -5, 0];
  const fit = fitGammaGamma(x, z);
  assert.deepEqual(fit.excluded, { noRepeatPurchases: 1, nonPositiveSpend: 2 });
  assert.equal(fit.customers, 10);
  assert.ok(fit.warnings.some((w) => /correlated/.test(w)));
  assert.throws(() => fitGammaGamma([0, 0], [0, 0]), (e: { code: string }) => e.code === 'empty-summary');
});

test('Gamma-Gamma: the analytic gradient agrees with central differences', () => {
  const data = spendData([1, 2, 2, 5, 9], [12, 30, 8, 22, 41]);
  const f = (v: number[]) => gammaGammaSetLogLikelihood({ p: Math.exp(v[0]!), q: Math.exp(v[1]!), gamma: Math.exp(v[2]!) }, data);
  const theta = [3, 2.5, 40];
  const g = [0, 0, 0];
  gammaGammaSetLogLikelihood({ p: theta[0]!, q: theta[1]!, gamma: theta[2]! }, data, g);
  numericGradient(f, theta.map(Math.log), 1e-6).forEach((d, i) => assert.ok(Math.abs(d - g[i]!) < 1e-6, `component ${i}: ${d} vs ${g[i]}`));
});

test('Gamma-Gamma with weights equals the fit on the rows repeated (lifetimes\' test_using_weights_col_gives_correct_results), penalty included', { skip: cdnowWithSpend.skip }, () => {
  const rows = readCsv(cdnowWithSpend.path).rows.map((r) => r.map(Number));
  // (frequency, mean spend) pairs with their counts
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(`${r[1]}|${r[4]}`, (counts.get(`${r[1]}|${r[4]}`) ?? 0) + 1);
  const keys = [...counts.keys()].map((k) => k.split('|').map(Number));
  assert.ok(keys.length < rows.length, 'some customers share a pattern');
  for (const penalizer of [0, 0.1]) {
    const plain = fitGammaGamma(rows.map((r) => r[1]!), rows.map((r) => r[4]!), { penalizer });
    const weighted = fitGammaGamma(keys.map((k) => k[0]!), keys.map((k) => k[1]!), { penalizer, weights: [...counts.values()] });
    for (const k of ['p', 'q', 'gamma'] as const) assert.ok(Math.abs(weighted.params[k] - plain.params[k]) < 1e-6 * plain.params[k], `${k} at ${penalizer}: ${weighted.params[k]} against ${plain.params[k]}`);
    assert.ok(Math.abs(weighted.logLikelihood - plain.logLikelihood) < 1e-6 * Math.abs(plain.logLikelihood));
    assert.equal(weighted.customers, plain.customers);
    assert.deepEqual(weighted.excluded, plain.excluded);
    assert.ok(Math.abs(weighted.frequencySpendCorrelation - plain.frequencySpendCorrelation) < 1e-12);
  }
});
