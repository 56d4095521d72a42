import { test } from 'node:test';
import assert from 'node:assert/strict';
import { presentValues, quantileSelect, quantilesSelect, selectInPlace } from './quantile.ts';
import { Random } from '../random.ts';

/** The reference: sort, then interpolate between order statistics ⌊(n − 1)p⌋ and the next (numpy's 'linear'). */
function sortedQuantile(values: Float64Array, p: number): number {
  const s = Float64Array.from(values).sort();
  const h = (s.length - 1) * p, lo = Math.floor(h), hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

test('quantiles by selection equal the sorted quantiles on 3,000 random inputs with ties, in any order', () => {
  const rng = new Random(7);
  for (let t = 0; t < 3000; t++) {
    const n = 1 + rng.int(0, 80);
    const ties = t % 3 === 0;
    const v = Float64Array.from({ length: n }, () => (ties ? rng.int(0, 3) : rng.uniform(-50, 50)));
    for (const p of [0, 0.01, 0.25, 0.5, 0.75, 0.99, 1]) assert.equal(quantileSelect(Float64Array.from(v), p), sortedQuantile(v, p), `n ${n} p ${p}`);
    // several quantiles from one scratch array
    const s = Float64Array.from(v);
    assert.deepEqual([0.5, 0.75, 0.25].map((p) => quantileSelect(s, p)), [0.5, 0.75, 0.25].map((p) => sortedQuantile(v, p)));
  }
});

test('numpy 1.24 quantiles of a fixed input, and the k-th order statistic in place', () => {
  // np.quantile([7, 1, 3, 3, 10, 2], [0.5, 0.25, 0.9]) -> [3.0, 2.25, 8.5]
  const v = Float64Array.from([7, 1, 3, 3, 10, 2]);
  assert.deepEqual([0.5, 0.25, 0.9].map((p) => quantileSelect(Float64Array.from(v), p)), [3, 2.25, 8.5]);
  const a = Float64Array.from(v);
  assert.equal(selectInPlace(a, 4), 7);
  assert.ok(a.subarray(0, 4).every((x) => x <= 7) && a[5]! >= 7);
  assert.ok(Number.isNaN(quantileSelect(new Float64Array(0), 0.5)));
  assert.deepEqual(Array.from(presentValues([1, NaN, 2, NaN])), [1, 2]);
});

test('several quantiles from one selection equal the sorted quantiles, in the order asked, with ties and repeats', () => {
  const rng = new Random(11);
  for (let t = 0; t < 2000; t++) {
    const n = 1 + rng.int(0, 90);
    const v = Float64Array.from({ length: n }, () => (t % 2 ? rng.int(0, 4) : rng.uniform(-5, 5)));
    const ps = [0.5, 0.75, 0.25, 0.9, 0.1, 0.5, 1, 0].slice(0, 1 + (t % 8));
    assert.deepEqual(quantilesSelect(Float64Array.from(v), ps), ps.map((p) => sortedQuantile(v, p)), `n ${n} ps ${ps.join(' ')}`);
  }
  // the 1,000,000-row case the profiles take: the quartiles of a large column
  const big = Float64Array.from({ length: 200_001 }, () => rng.normal());
  assert.deepEqual(quantilesSelect(Float64Array.from(big), [0.5, 0.75, 0.25]), [0.5, 0.75, 0.25].map((p) => sortedQuantile(big, p)));
});
