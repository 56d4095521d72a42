import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { fitKPrototypes } from './kprototypes.ts';
import { adjustedRandIndex } from './metrics.ts';

test('k-prototypes separates groups that differ only in their categories, with the modes as prototypes', () => {
  // (standardised) income is the same for everyone; contract type and channel define the two groups, region
  // mostly (10% noise)
  const rng = new Random(3), n = 400;
  const num = Float64Array.from({ length: n }, () => rng.normal());
  const cat = new Int32Array(n * 3), truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    truth[i] = i % 2;
    cat[i * 3] = rng.bernoulli(0.9) ? truth[i]! : 1 - truth[i]!;
    cat[i * 3 + 1] = 2 * truth[i]!;
    cat[i * 3 + 2] = 1 - truth[i]!;
  }
  const f = fitKPrototypes(num, 1, cat, 3, { k: 2, gamma: 5, seed: 1 });
  assert.equal(adjustedRandIndex(f.labels, truth), 1);
  const modes = [[...f.modes.subarray(0, 3)], [...f.modes.subarray(3, 6)]].sort((a, b) => a[0]! - b[0]!);
  assert.deepEqual(modes, [[0, 0, 1], [1, 2, 0]]);
  assert.ok(f.converged);
});

test('k-prototypes cost: squared numeric distance plus γ per mismatch, computed by hand', () => {
  // rows (x, c): (0, 0), (1, 0), (10, 1), (11, 1); k = 2 gives prototypes (0.5, 0) and (10.5, 1), cost 4 × 0.25 = 1
  const f = fitKPrototypes(Float64Array.from([0, 1, 10, 11]), 1, Int32Array.from([0, 0, 1, 1]), 1, { k: 2, gamma: 3, seed: 2 });
  assert.equal(f.cost, 1);
  assert.equal(f.labels[0], f.labels[1]);
  assert.notEqual(f.labels[0], f.labels[2]);
  // the default γ is half the mean numeric standard deviation: sd of 0, 1, 10, 11 is √25.25
  assert.ok(Math.abs(fitKPrototypes(Float64Array.from([0, 1, 10, 11]), 1, Int32Array.from([0, 0, 1, 1]), 1, { k: 2 }).gamma - 0.5 * Math.sqrt(25.25)) < 1e-12);
  assert.throws(() => fitKPrototypes(Float64Array.from([1, 1]), 1, Int32Array.from([0, 0]), 1, { k: 2 }), (e) => isSegmintError(e, 'invalid-k'));
});

test('k-prototypes stopped by maxIter: every label is the nearest prototype, and the cost is computed from them', () => {
  const rng = new Random(9), n = 40;
  const num = Float64Array.from({ length: n }, () => Math.round(rng.normal() * 3));
  const cat = Int32Array.from({ length: n }, () => Math.floor(rng.next() * 3));
  for (let seed = 0; seed < 20; seed++) {
    const f = fitKPrototypes(num, 1, cat, 1, { k: 4, gamma: 1, seed, maxIter: 1 });
    // brute force: the dissimilarity of every row to every prototype
    let cost = 0;
    for (let i = 0; i < n; i++) {
      const dis = [0, 1, 2, 3].map((c) => (num[i]! - f.means[c]!) ** 2 + (cat[i] === f.modes[c] ? 0 : 1));
      const best = Math.min(...dis);
      assert.equal(dis.indexOf(best), f.labels[i], `seed ${seed}, row ${i}`);
      cost += best;
    }
    assert.ok(Math.abs(cost - f.cost) < 1e-9 * Math.max(1, cost));
  }
});

test('k-prototypes never returns an empty cluster: an emptied cluster takes the row farthest from its prototype', () => {
  for (let s = 0; s < 100; s++) {
    const rng = new Random(s);
    const n = 6 + (s % 40), k = 2 + (s % 7);
    // few distinct numbers, 15% missing categories: clusters empty out during the iterations
    const num = Float64Array.from({ length: n }, () => Math.round(rng.normal() * 2));
    const cat = Int32Array.from({ length: n }, () => (rng.next() < 0.15 ? -1 : Math.floor(rng.next() * 3)));
    let f;
    // k above the distinct rows, or no start fills k clusters: invalid-k, never an empty cluster
    try { f = fitKPrototypes(num, 1, cat, 1, { k, seed: s, gamma: [0.1, 1, 5][s % 3] }); } catch (e) { assert.ok(isSegmintError(e, 'invalid-k'), String(e)); continue; }
    assert.equal(new Set(f.labels).size, k, `seed ${s}: ${k - new Set(f.labels).size} empty clusters`);
    assert.ok(f.means.every(Number.isFinite));
  }
});
