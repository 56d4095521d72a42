import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCsv } from '../../../test/helpers/csv.ts';
import { shared } from '../../../test/helpers/workspace.ts';
import { fitGammaGamma, gammaGammaLogLikelihood } from './gamma-gamma.ts';

test('Gamma-Gamma log-likelihood of a hand-computed case', () => {
  // p=1, q=2, γ=3, x=1, z̄=1: Γ(3)/(Γ(1)Γ(2)) · 3² · 1⁰ · 1¹ / (3+1)³ = 2 · 9 / 64
  assert.ok(Math.abs(gammaGammaLogLikelihood({ p: 1, q: 2, gamma: 3 }, 1, 1) - Math.log(18 / 64)) < 1e-12);
});

const cdnow = shared('cdnow/cdnow_customers_summary_with_transactions.csv');
test('Gamma-Gamma parameters match the published CDNOW estimates', { skip: cdnow.skip }, () => {
  const rows = readCsv(cdnow.path).rows.map((r) => r.map(Number));
  const fit = fitGammaGamma(rows.map((r) => r[1]!), rows.map((r) => r[4]!));
  // Fader, Hardie & Lee (2005, JMR): p = 6.25, q = 3.74, γ = 15.44 on the 946 repeat buyers
  assert.equal(Number(fit.params.p.toFixed(2)), 6.25);
  assert.equal(Number(fit.params.q.toFixed(2)), 3.74);
  // The file's z̄ is rounded to cents: the paper's γ = 15.44 comes out as 15.45 (as lifetimes reports on this file).
  assert.ok(Math.abs(fit.params.gamma - 15.44) < 0.015, `γ = ${fit.params.gamma}`);
  assert.equal(fit.customers, 946);
  assert.equal(fit.excluded.noRepeatPurchases, 2357 - 946);
  assert.ok(fit.converged);
});
