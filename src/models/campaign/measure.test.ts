// The lift kernel: cell summaries from per-customer arrays against sums written out, pooling segments equals
// summarising without them, and comparisons that lack a figure say null (never NaN).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareArms, measureLift, poolSegments, summariseCells } from './measure.ts';
import { newcombe, normalQuantile } from './stats.ts';

test('summaries per cell, pooled over segments, equal a direct computation', () => {
  const arm = Int32Array.from([0, 0, 1, 1, 1, 0, 1, 0]);
  const seg = Int32Array.from([0, 1, 0, 1, 1, 0, 0, 1]);
  const y = Float64Array.from([1, 5, 2, Number.NaN, 7, 3, 4, 9]);
  const s = summariseCells(['c', 't'], ['x', 'y'], arm, seg, y);
  // cell (x, c): 1, 3 → mean 2, var 2; (x, t): 2, 4 → 3, 2; (y, c): 5, 9 → 7, 8; (y, t): 7 (NaN left out) → 7, 0
  assert.deepEqual([...s.n], [2, 2, 2, 1]);
  assert.deepEqual([...s.mean], [2, 3, 7, 7]);
  assert.deepEqual([...s.variance], [2, 2, 8, 0]);
  // pooled: control 1, 3, 5, 9 → mean 4.5, var (12.25 + 2.25 + 0.25 + 20.25)/3; treated 2, 4, 7 → 13/3
  const p = poolSegments(s);
  assert.equal(p[0]!.n, 4);
  assert.ok(Math.abs(p[0]!.mean - 4.5) < 1e-12 && Math.abs(p[0]!.variance - 35 / 3) < 1e-12);
  assert.ok(Math.abs(p[1]!.mean - 13 / 3) < 1e-12);
  const v = [2, 4, 7].reduce((a, x) => a + (x - 13 / 3) ** 2, 0) / 2;
  assert.ok(Math.abs(p[1]!.variance - v) < 1e-12);
});

test('a proportion: Newcombe interval, pooled z test, incremental responders; both arms zero is p = 1', () => {
  const c = compareArms('proportion', { n: 200, mean: 0.2, variance: 0 }, { n: 100, mean: 0.1, variance: 0 });
  const [lo, hi] = newcombe(40, 200, 10, 100, normalQuantile(0.975));
  assert.deepEqual([c.lift, c.liftLow, c.liftHigh], [0.2 - 0.1, lo, hi]);
  assert.ok(Math.abs(c.incremental! - 20) < 1e-9 && Math.abs(c.incrementalLow! - 200 * lo) < 1e-9);
  // z = 0.1 / √(p̄ q̄ (1/200 + 1/100)), p̄ = 50/300
  const z = 0.1 / Math.sqrt((50 / 300) * (250 / 300) * (1 / 200 + 1 / 100));
  assert.ok(z > 2.1 && z < 2.2 && c.pValue! > 0.02 && c.pValue! < 0.04, `${c.pValue}`);
  const none = compareArms('proportion', { n: 50, mean: 0, variance: 0 }, { n: 60, mean: 0, variance: 0 });
  assert.equal(none.pValue, 1);
  assert.equal(none.relativeLift, null);
});

test('missing figures are null: an empty arm, a zero control mean, a one-customer arm', () => {
  const s = { arms: ['c', 't'], segments: ['x', 'y'], n: Float64Array.from([0, 5, 3, 1]), mean: Float64Array.from([0, 2, 0, 4]), variance: Float64Array.from([0, 1, 0, 0]) };
  const l = measureLift(s, 'mean', 0);
  const [x, y] = l.bySegment;
  assert.equal(x!.lift, null);
  assert.equal(x!.pValue, null);
  assert.equal(x!.pHolm, null);
  assert.equal(y!.pValue, null);
  assert.equal(y!.relativeLift, null);
  assert.equal(y!.lift, 4);
  const text = JSON.stringify(l);
  assert.ok(!text.includes('NaN') && !text.includes('null,"liftLow":NaN'));
  for (const k of [...l.overall, ...l.bySegment]) for (const v of Object.values(k)) assert.ok(v === null || typeof v === 'string' || Number.isFinite(v), JSON.stringify(k));
});
