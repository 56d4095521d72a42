import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../random.ts';
import { chooseK, elbowOf } from './choose-k.ts';
import { fitKMeans } from './kmeans.ts';
import { adjustedRandIndex } from './metrics.ts';
import { fitClusters } from './model.ts';

function blobs(centres: number[][], perCluster: number, seed: number, sd = 1) {
  const d = centres[0]!.length, rng = new Random(seed), n = centres.length * perCluster;
  const X = new Float64Array(n * d), truth = new Int32Array(n);
  for (let i = 0; i < n; i++) { truth[i] = i % centres.length; for (let j = 0; j < d; j++) X[i * d + j] = centres[truth[i]!]![j]! + sd * rng.normal(); }
  return { X, d, truth };
}

test('the elbow is the point farthest below the chord; a straight line has none', () => {
  assert.equal(elbowOf([2, 3, 4, 5, 6], [100, 40, 30, 25, 22]), 3);
  assert.equal(elbowOf([2, 3, 4, 5], [40, 30, 20, 10]), null);
  assert.equal(elbowOf([2, 3], [5, 1]), null);
});

test('choosing k finds four planted clusters and says why, with every score in the table', () => {
  const { X, d } = blobs([[0, 0], [8, 0], [0, 8], [8, 8]], 150, 3);
  const c = chooseK(X, d, { seed: 1 });
  assert.equal(c.k, 4);
  assert.equal(c.elbow, 4);
  assert.deepEqual(c.scores.map((s) => s.k), [2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.match(c.reason, /^k = 4 has the highest silhouette \(0\.\d{3}\)/);
  assert.match(c.reason, /the inertia curve bends at the same k/);
  for (const s of c.scores) for (const v of [s.inertia, s.silhouette, s.calinskiHarabasz, s.daviesBouldin, s.stability, s.smallestShare]) assert.ok(Number.isFinite(v));
});

test('the minimum segment size: a 1% crumb far away fails every k at 2%, and is its own cluster at 0.5%', () => {
  const big = blobs([[0, 0], [6, 0], [0, 6]], 330, 5);
  const X = new Float64Array([...big.X, ...Array.from({ length: 20 }, (_, i) => 40 + (i % 5) * 0.1)]);
  const strict = chooseK(X, 2, { seed: 2, kMax: 6 });
  assert.ok(strict.scores.every((s) => !s.sizesOk));
  assert.match(strict.reason, /^no k keeps every cluster at 2\.0% of the customers or more; k = 4 has the highest silhouette/);
  const loose = chooseK(X, 2, { seed: 2, kMax: 6, minShare: 0.005 });
  assert.equal(loose.k, 4);
  assert.ok(loose.scores.find((s) => s.k === 4)!.sizesOk);
});

test('above fitSampleSize each k is fitted on a sample, every row is assigned, and the final fit polishes on all rows', () => {
  const { X, d, truth } = blobs([[0, 0, 0], [6, 0, 0], [0, 6, 0]], 1000, 7);
  const c = chooseK(X, d, { seed: 3, fitSampleSize: 600, kMax: 5 });
  assert.equal(c.fittedOn, 600);
  assert.equal(c.k, 3);
  assert.equal(c.fits[1]!.labels.length, 3000);
  assert.match(c.reason, /fitted on a seeded sample of 600 of the 3,000 rows/);
  const cols = [0, 1, 2].map((j) => ({ name: `f${j}`, kind: 'numeric' as const, values: Float64Array.from({ length: 3000 }, (_, i) => X[i * d + j]!) }));
  const r = fitClusters(cols, { seed: 3, fitSampleSize: 600, kMax: 5, scaling: 'none' });
  assert.equal(r.choice?.fittedOn, 600);
  const ari = adjustedRandIndex(r.labels, truth);
  assert.ok(ari > 0.95, `ARI ${ari}`);
  assert.ok(r.converged);
});

/**
 * Brute force: every label is the nearest centre, no cluster is empty, and plain Lloyd iterations on all
 * rows from the returned centres, run until no label changes, lower the inertia by less than 0.1% (the
 * fit stopped by scikit-learn's tolerance, a little before the exact fixed point).
 */
function assertLloydOptimum(X: Float64Array, d: number, C0: ArrayLike<number>, labels: ArrayLike<number>, inertia: number) {
  const n = X.length / d, k = C0.length / d, C = Float64Array.from(C0), L = new Int32Array(n);
  let total = 0;
  for (let it = 0; it < 1000; it++) {
    let changed = 0;
    total = 0;
    for (let i = 0; i < n; i++) {
      let best = Infinity, arg = -1;
      for (let c = 0; c < k; c++) { let s = 0; for (let j = 0; j < d; j++) s += (X[i * d + j]! - C[c * d + j]!) ** 2; if (s < best) { best = s; arg = c; } }
      if (it === 0) assert.equal(labels[i], arg, `row ${i} is not with its nearest centre`);
      if (L[i] !== arg) changed++;
      L[i] = arg;
      total += best;
    }
    if (it === 0) assert.ok(Math.abs(total - inertia) <= 1e-9 * inertia, `inertia ${inertia} vs ${total}`);
    if (it > 0 && changed === 0) break;
    const sums = new Float64Array(k * d), cnt = new Float64Array(k);
    for (let i = 0; i < n; i++) { cnt[L[i]!]!++; for (let j = 0; j < d; j++) sums[L[i]! * d + j]! += X[i * d + j]!; }
    for (let c = 0; c < k; c++) { assert.ok(cnt[c]! > 0, `cluster ${c} is empty`); for (let j = 0; j < d; j++) C[c * d + j] = sums[c * d + j]! / cnt[c]!; }
  }
  assert.ok(inertia <= total * 1.001, `inertia ${inertia}: Lloyd on all rows reaches ${total}`);
}

test('large-input shortcuts end in a Lloyd optimum of all rows: k chosen on a sample, and starts iterated on a presample', () => {
  const { X, d } = blobs([[0, 0, 0], [3, 0, 0], [0, 3, 0]], 1000, 12, 1.5);
  const cols = [0, 1, 2].map((j) => ({ name: `f${j}`, kind: 'numeric' as const, values: Float64Array.from({ length: 3000 }, (_, i) => X[i * d + j]!) }));
  const r = fitClusters(cols, { seed: 4, fitSampleSize: 600, kMin: 3, kMax: 3, scaling: 'none' });
  assert.equal(r.choice?.fittedOn, 600);
  assertLloydOptimum(X, d, r.model.json.centroids.flat(), r.labels, r.quality.inertia);
  const pre = fitKMeans(X, d, { k: 3, seed: 4, presample: 500 });
  assertLloydOptimum(X, d, pre.centroids, pre.labels, pre.inertia);
});

test('Ward: one tree cut at every k chooses the planted four, and the model assigns by nearest centroid', () => {
  const { X, d, truth } = blobs([[0, 0], [8, 0], [0, 8], [8, 8]], 100, 9);
  const cols = [0, 1].map((j) => ({ name: `f${j}`, kind: 'numeric' as const, values: Float64Array.from({ length: 400 }, (_, i) => X[i * d + j]!) }));
  const r = fitClusters(cols, { algorithm: 'ward', seed: 1 });
  assert.equal(r.choice?.k, 4);
  assert.equal(r.model.json.algorithm, 'ward');
  assert.ok(adjustedRandIndex(r.labels, truth) > 0.99);
  assert.deepEqual(r.model.assign(cols).labels, r.labels);
});
