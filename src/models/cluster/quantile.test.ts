import { test } from 'node:test';
import assert from 'node:assert/strict';
import { presentValues, quantileOf, quantilesOf, quantileSelect, quantilesSelect, selectInPlace } from './quantile.ts';
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

test('quantiles by buckets (the column left as it is, NaN left out) equal the sorted quantiles of the present values, on large skewed, tied and two-valued columns', () => {
  const rng = new Random(5);
  const kinds: [string, () => number][] = [
    ['normal', () => rng.normal()], ['ties', () => rng.int(0, 5)], ['skewed', () => Math.exp(5 * rng.normal())], ['missing', () => (rng.next() < 0.1 ? NaN : rng.normal())],
    ['outlier', () => (rng.next() < 0.001 ? 1e12 : rng.normal())], ['wide', () => (rng.next() < 0.5 ? -1e308 : 1e308 * rng.next())], ['infinite', () => (rng.next() < 0.01 ? -Infinity : rng.normal())],
  ];
  const ps = [0, 0.001, 0.25, 0.5, 0.75, 0.999, 1];
  for (const [name, draw] of kinds) {
    for (const n of [1, 3, 4097, 30_001]) {
      const v = Float64Array.from({ length: n }, draw);
      const before = Float64Array.from(v);
      const present = presentValues(v);
      const want = ps.map((p) => (present.length ? sortedQuantile(present, p) : NaN));
      assert.deepEqual(ps.map((p) => quantileOf(v, p)), want, `${name} n ${n}`);
      assert.deepEqual(quantilesOf(v, ps), want, `${name} n ${n}`);
      assert.deepEqual(v, before);
    }
  }
  // ranks k and k + 1 in different buckets: the largest of one, the smallest of the next
  const halves = Float64Array.from({ length: 10_000 }, (_, i) => (i % 2 ? 3 : -1));
  assert.equal(quantileOf(halves, 0.5), 1);
  assert.deepEqual(quantilesOf(halves, [0.25, 0.5, 0.75]), [-1, 1, 3]);
});

test('quantiles of large columns (the ranks bracketed from a sample, one pass) equal the sorted quantiles, on orders a strided sample could misjudge', () => {
  const rng = new Random(3);
  const kinds: [string, (i: number) => number][] = [
    ['normal', () => rng.normal()], ['ties', () => rng.int(0, 5)], ['skewed', () => Math.exp(5 * rng.normal())], ['missing', () => (rng.next() < 0.3 ? NaN : rng.normal())],
    ['wide', () => (rng.next() < 0.5 ? -1e308 : 1e308 * rng.next())], ['infinite', () => (rng.next() < 0.01 ? -Infinity : rng.normal())],
    ['sorted', (i) => i], ['reversed', (i) => -i], ['sawtooth', (i) => i % 1000],
    // the rows the sample reads (every 4th from row 2 at 65,536 rows, every 8th from row 4 at 140,001) all hold 1e9: the bracket misses
    ['sampled-rows-high', (i) => (i % 4 === 2 || i % 8 === 4 ? 1e9 : i % 100)], ['half-missing', (i) => (i % 2 ? NaN : i % 7)],
    ['two-halves', (i) => (i % 2 ? 3 : -1)],
  ];
  const ps = [0, 0.001, 0.25, 0.5, 0.75, 0.999, 1];
  for (const [name, draw] of kinds) {
    for (const n of [65_536, 140_001]) {
      const v = Float64Array.from({ length: n }, (_, i) => draw(i));
      const before = Float64Array.from(v);
      const present = presentValues(v);
      const want = ps.map((p) => (present.length ? sortedQuantile(present, p) : NaN));
      assert.deepEqual(ps.map((p) => quantileOf(v, p)), want, `${name} n ${n}`);
      assert.deepEqual(quantilesOf(v, ps), want, `${name} n ${n}`);
      assert.deepEqual(v, before);
    }
  }
});
