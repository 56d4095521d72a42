import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bgnbdExpected } from './bgnbd.ts';
import { expectedCumulativeRepeatPurchases, incrementsOf, seasonalDepartures, trackingSeries } from './tracking.ts';

const m = { kind: 'bgnbd' as const, params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 } };

test('expected cumulative repeat purchases: each customer counts from their first purchase, weights are customers', () => {
  // three customers born at 0, 0 and 2.5: at t = 4, 2·E[X(4)] + E[X(1.5)]; before 2.5 the third adds nothing
  const c = expectedCumulativeRepeatPurchases(m, [0, 2.5, 0], undefined, [1, 2.5, 4]);
  const E = (t: number) => bgnbdExpected(m.params, t);
  assert.ok(Math.abs(c[0]! - 2 * E(1)) < 1e-12);
  assert.ok(Math.abs(c[1]! - 2 * E(2.5)) < 1e-12);
  assert.ok(Math.abs(c[2]! - (2 * E(4) + E(1.5))) < 1e-12);
  const w = expectedCumulativeRepeatPurchases(m, [0, 2.5], [2, 1], [1, 2.5, 4]);
  assert.deepEqual(Array.from(w), Array.from(c));
  assert.deepEqual(Array.from(incrementsOf([1, 3, 6])), [1, 2, 3]);
});

test('seasonal departures: holdout periods departing by more than any calibration period did', () => {
  const pts = trackingSeries(m, [0], [100], [5, 6, 4, 5, 30, 6], 4);
  const s = seasonalDepartures(pts);
  const calMax = Math.max(...pts.slice(0, 4).map((p) => Math.abs(p.actual - p.expected)));
  assert.equal(s.threshold, calMax);
  assert.deepEqual(s.periods.map((p) => p.period), pts.slice(4).filter((p) => Math.abs(p.actual - p.expected) > calMax).map((p) => p.period));
  assert.ok(s.periods.some((p) => p.period === 5));
  assert.deepEqual(pts.map((p) => p.holdout), [false, false, false, false, true, true]);
});
