import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseFit, impliedDropout, pAliveSpread, weightedQuantiles } from './diagnostics.ts';
import { bgnbdPAlive } from './bgnbd.ts';
import type { Pattern } from './patterns.ts';

const patterns: Pattern[] = [
  { x: 0, tx: 0, T: 30, weight: 50 }, { x: 1, tx: 2, T: 38, weight: 20 }, { x: 3, tx: 10, T: 38, weight: 10 },
  { x: 6, tx: 35, T: 38, weight: 10 }, { x: 8, tx: 5, T: 39, weight: 10 },
];

test('weighted quantiles: the smallest value whose cumulative weight reaches q', () => {
  // values 1, 2, 3 with weights 1, 2, 7 (total 10): 5 % → 1, 10 % → 1, 11 % → 2, 30 % → 2, 31 % → 3
  assert.deepEqual(weightedQuantiles([3, 1, 2], [7, 1, 2], [0.05, 0.1, 0.11, 0.3, 0.31, 1]), [1, 1, 2, 2, 3, 3]);
  const s = pAliveSpread([0.2, 0.9, 1], [1, 1, 8]);
  assert.deepEqual(s, { p05: 0.2, p50: 1, p95: 1, shareBelowActive: 0.1 });
});

test('diagnoseFit: a sound BG/NBD (the CDNOW estimates) has no issue; a = 4.9e-6, b = 2,493 is a model without drop-out with an uninformative P(alive)', () => {
  const sound = { params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, standardErrors: { r: 0.0125, alpha: 0.378, a: 0.185, b: 0.705 }, boundary: [], hessianPositiveDefinite: true };
  const d = diagnoseFit('bgnbd', sound, patterns);
  assert.deepEqual(d.issues, []);
  assert.equal(d.degenerate, false);
  assert.equal(d.pAliveInformative, true);
  // P(alive) of the x = 8, t_x = 5, T = 39 customers (10 of 100) by FHL eq. 11, written out
  const p8 = 1 / (1 + (0.793 / (2.426 + 8 - 1)) * ((4.414 + 39) / (4.414 + 5)) ** (0.243 + 8));
  assert.ok(Math.abs(bgnbdPAlive(sound.params, 8, 5, 39) - p8) < 1e-15);
  assert.ok(Math.abs(d.pAlive.p05 - p8) < 1e-15);

  const demo = { params: { r: 0.7235, alpha: 9.365, a: 4.9e-6, b: 2493 }, standardErrors: { r: 0.028, alpha: 0.42, a: null, b: 545952 }, boundary: ['a'], hessianPositiveDefinite: true };
  assert.ok(Math.abs(impliedDropout({ kind: 'bgnbd', params: demo.params }, 39) - 4.9e-6 / (4.9e-6 + 2493)) < 1e-20);
  const g = diagnoseFit('bgnbd', demo, patterns);
  assert.deepEqual(g.issues.map((i) => i.code), ['no-dropout', 'large-standard-error', 'p-alive-not-informative']);
  assert.equal(g.degenerate, true);
  assert.equal(g.weak, true);
  assert.equal(g.pAliveInformative, false);
  assert.match(g.issues[0]!.message, /a → 0 is on the boundary/);
  assert.deepEqual(g.issues[1]!.parameters, ['b']);

  // Pareto/NBD with s → 0: the share expected to drop out within the longest T, 1 − (β/(β+T))^s, is nil
  const pnbd = diagnoseFit('paretonbd', { params: { r: 0.72, alpha: 9.4, s: 8e-12, beta: 8222 }, standardErrors: { r: null, alpha: null, s: null, beta: null }, boundary: ['s'], hessianPositiveDefinite: false }, patterns);
  assert.deepEqual(pnbd.issues.map((i) => i.code), ['no-dropout', 'hessian-not-positive-definite', 'p-alive-not-informative']);
});
