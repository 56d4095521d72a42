import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCsv } from '../../../test/helpers/csv.ts';
import { shared } from '../../../test/helpers/workspace.ts';
import { bgnbdLogLikelihood, fitBgNbd, toPatterns } from './bgnbd.ts';

test('BG/NBD log-likelihood of a hand-computed case', () => {
  // r=1, α=1, a=1, b=2, x=1, t_x=1, T=2: A1 = Γ(2)/Γ(1) = 1; A2 = Γ(3)Γ(3)/(Γ(2)Γ(4)) = 4/6;
  // A3 = 1/3² = 1/9; A4 = (1/(2+1−1)) · 1/2² = 1/8; L = (2/3)(1/9 + 1/8) = 17/108
  const ll = bgnbdLogLikelihood({ r: 1, alpha: 1, a: 1, b: 2 }, 1, 1, 2);
  assert.ok(Math.abs(ll - Math.log(17 / 108)) < 1e-12, `${ll}`);
  // x = 0: L = A1·A2·A3 = 1 · 1 · (1/(1+2))^1 = 1/3
  assert.ok(Math.abs(bgnbdLogLikelihood({ r: 1, alpha: 1, a: 1, b: 2 }, 0, 0, 2) - Math.log(1 / 3)) < 1e-12);
});

const cdnow = shared('cdnow/cdnow_customers_summary.csv');
test('BG/NBD parameters match the published CDNOW estimates', { skip: cdnow.skip }, () => {
  const rows = readCsv(cdnow.path).rows.map((r) => r.map(Number));
  const patterns = toPatterns(rows.map((r) => r[1]!), rows.map((r) => r[2]!), rows.map((r) => r[3]!));
  const fit = fitBgNbd(patterns);
  // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4
  assert.equal(Number(fit.params.r.toFixed(3)), 0.243);
  assert.equal(Number(fit.params.alpha.toFixed(3)), 4.414);
  assert.equal(Number(fit.params.a.toFixed(3)), 0.793);
  assert.equal(Number(fit.params.b.toFixed(3)), 2.426);
  assert.equal(Number(fit.logLikelihood.toFixed(1)), -9582.4);
  assert.ok(fit.converged);
});

test('BG/NBD: the gradient of the log-likelihood vanishes at the fitted optimum (finite differences)', { skip: cdnow.skip }, () => {
  const rows = readCsv(cdnow.path).rows.map((r) => r.map(Number));
  const patterns = toPatterns(rows.map((r) => r[1]!), rows.map((r) => r[2]!), rows.map((r) => r[3]!));
  const fit = fitBgNbd(patterns);
  const keys = ['r', 'alpha', 'a', 'b'] as const;
  const ll = (p: typeof fit.params) => patterns.reduce((s, q) => s + q.weight * bgnbdLogLikelihood(p, q.x, q.tx, q.T), 0);
  for (const k of keys) {
    const h = 1e-6 * fit.params[k];
    const g = (ll({ ...fit.params, [k]: fit.params[k] + h }) - ll({ ...fit.params, [k]: fit.params[k] - h })) / (2 * h);
    // relative to the scale of the log-likelihood per unit of the parameter
    assert.ok(Math.abs(g * fit.params[k]) < 1e-2, `∂LL/∂${k} · ${k} = ${g * fit.params[k]}`);
  }
});

test('toPatterns refuses recency larger than T with a hint', () => {
  assert.throws(() => toPatterns([1], [5], [3]), (e: { code: string; hint: string }) => e.code === 'invalid-summary' && /end date/.test(e.hint));
});
