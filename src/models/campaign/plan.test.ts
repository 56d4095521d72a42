// Sample sizes and minimum detectable effects against the formulas written out with scipy's quantiles
// (z₀.₉₇₅ = 1.959963984540054, z₀.₈ = 0.8416212335729143).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minimumDetectableEffect, sampleSize } from './plan.ts';

const [ZA, ZB] = [1.959963984540054, 0.8416212335729143];

test('two proportions: Fleiss without continuity correction, equal and unequal arms', () => {
  // p0 = 5%, p1 = 6%, r = 1: p̄ = 0.055; n = (ZA √(2 p̄ q̄) + ZB √(p0 q0 + p1 q1))² / 0.01² = 8,157.7 → 8,158
  const n = (ZA * Math.sqrt(2 * 0.055 * 0.945) + ZB * Math.sqrt(0.05 * 0.95 + 0.06 * 0.94)) ** 2 / 1e-4;
  assert.equal(Math.ceil(n), 8158);
  assert.deepEqual(sampleSize({ kind: 'proportion', baseline: 0.05 }, 0.01), { lift: 0.01, control: 8158, treatment: 8158 });
  // a 10% control (r = 9 treated per control customer): p̄ = (0.05 + 9·0.06)/10 = 0.059
  const n9 = (ZA * Math.sqrt(0.059 * 0.941 * (1 + 1 / 9)) + ZB * Math.sqrt(0.05 * 0.95 + (0.06 * 0.94) / 9)) ** 2 / 1e-4;
  const s9 = sampleSize({ kind: 'proportion', baseline: 0.05, ratio: 9 }, 0.01);
  assert.equal(s9.control, Math.ceil(n9));
  assert.equal(s9.treatment, Math.ceil(9 * s9.control));
  assert.ok(s9.control < 8158 && s9.control > 8158 / 2, `${s9.control}`);
});

test('means: (ZA + ZB)² σ² (1 + 1/r) / d², and the MDE inverts the sample size', () => {
  const want = Math.ceil(((ZA + ZB) ** 2 * 15.9 ** 2 * 2) / 0.5 ** 2);
  assert.equal(sampleSize({ kind: 'mean', baseline: 1.08, sd: 15.9 }, 0.5).control, want);
  const mde = minimumDetectableEffect({ kind: 'mean', baseline: 1.08, sd: 15.9 }, 20000);
  assert.ok(Math.abs(mde - (ZA + ZB) * 15.9 * Math.sqrt(2 / 20000)) < 1e-12);
  // proportions: the MDE of the size found for a lift is that lift (to the rounding of the size)
  const p = { kind: 'proportion' as const, baseline: 0.1062 };
  const d = minimumDetectableEffect(p, 21306);
  assert.ok(Math.abs(sampleSize(p, d).control - 21306) <= 1, `${d}`);
  assert.ok(d > 0.008 && d < 0.009, `${d}`);
  assert.ok(Number.isNaN(minimumDetectableEffect({ kind: 'proportion', baseline: 0.5 }, 2)));
});
