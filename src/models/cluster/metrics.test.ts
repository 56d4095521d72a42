import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSegmintError } from '../../core/errors.ts';
import { adjustedRandIndex, calinskiDavies, calinskiHarabasz, daviesBouldin, sampleRows, silhouetteSamples, silhouetteSamplesLater, silhouetteScore } from './metrics.ts';
import { Random } from '../random.ts';

// A fixed input with a singleton cluster; the reference values are scikit-learn 1.2.1's
// (silhouette_score, silhouette_samples, calinski_harabasz_score, davies_bouldin_score).
const X = Float64Array.from([1, 2, 1.5, 1.8, 5, 8, 8, 8, 1, 0.6, 9, 11, 8, 2, 10, 2, 9, 3, 4, 7, 4.5, 7.5, 12, 0]);
const y = [0, 0, 1, 1, 0, 1, 2, 2, 2, 1, 1, 3];
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('silhouette, Calinski-Harabasz and Davies-Bouldin equal scikit-learn 1.2.1 on a fixed input', () => {
  close(silhouetteScore(X, 2, y), 0.5699414030864787);
  const ref = [0.8791561975818422, 0.8779790087905206, 0.6371693228109219, 0.4050768574997817, 0.8353599008852474, 0.4178758762573282,
    0.6182793192416021, 0.3964466094067263, 0.6666666666666666, 0.4919013636788414, 0.6133857142182662, 0];
  silhouetteSamples(X, 2, y).forEach((s, i) => close(s, ref[i]!));
  close(calinskiHarabasz(X, 2, y), 20.960238048525277, 1e-9);
  close(daviesBouldin(X, 2, y), 0.38651598094679307);
});

test('silhouette of a row is 0 when it is alone or when a = b = 0 (duplicate rows), as scikit-learn', () => {
  const D = Float64Array.from([0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  // scikit-learn 1.2.1: silhouette 1.0, Davies-Bouldin 0.0, Calinski-Harabasz 1.0 (no within-cluster spread)
  close(silhouetteScore(D, 2, [0, 0, 1, 1, 1]), 1);
  close(daviesBouldin(D, 2, [0, 0, 1, 1, 1]), 0);
  close(calinskiHarabasz(D, 2, [0, 0, 1, 1, 1]), 1);
  assert.equal(silhouetteSamples(X, 2, y)[11], 0);
});

test('silhouette equals a brute-force computation from its definition on random rows', () => {
  const n = 60, d = 3;
  const R = Float64Array.from({ length: n * d }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
  const lab = Array.from({ length: n }, (_, i) => (i * 7) % 4);
  const dist = (i: number, j: number) => Math.hypot(...[0, 1, 2].map((t) => R[i * d + t]! - R[j * d + t]!));
  let total = 0;
  for (let i = 0; i < n; i++) {
    const mean = (c: number) => { const m = [...Array(n).keys()].filter((j) => j !== i && lab[j] === c); return m.reduce((s, j) => s + dist(i, j), 0) / m.length; };
    const a = mean(lab[i]!), b = Math.min(...[0, 1, 2, 3].filter((c) => c !== lab[i]).map(mean));
    total += (b - a) / Math.max(a, b);
  }
  close(silhouetteScore(R, d, lab), total / n, 1e-12);
});

test('silhouette to the last bit as one row at a time sums it (rows by cluster, each pair once, mirrored sums), whatever the cluster sizes\' parity', () => {
  // the sums of silhouette.ts before rows were taken two at a time, written out plainly
  const reference = (Z: Float64Array, d: number, labels: Int32Array, k: number): Float64Array => {
    const n = labels.length, sizes = new Float64Array(k);
    for (const l of labels) sizes[l]!++;
    const start = new Int32Array(k + 1);
    for (let c = 0; c < k; c++) start[c + 1] = start[c]! + sizes[c]!;
    const order = new Int32Array(n), fill = start.slice(0, k);
    for (let i = 0; i < n; i++) order[fill[labels[i]!]!++] = i;
    const dist = (r: number, q: number) => { let s = 0; for (let t = 0; t < d; t++) { const e = Z[order[r]! * d + t]! - Z[order[q]! * d + t]!; s = s + e * e; } return Math.sqrt(s); };
    const sums = new Float64Array(n * k), mirror = new Float64Array(n);
    for (let a = 0; a < k; a++) {
      mirror.fill(0);
      for (let r = start[a]!; r < start[a + 1]!; r++) for (let b = a; b < k; b++) {
        let acc = 0;
        for (let q = b === a ? r + 1 : start[b]!; q < start[b + 1]!; q++) { const x = dist(r, q); acc += x; mirror[q]! += x; }
        sums[r * k + b]! += acc;
      }
      for (let q = start[a]!; q < n; q++) sums[q * k + a]! += mirror[q]!;
    }
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const i = order[r]!, li = labels[i]!;
      if (sizes[li]! <= 1) continue;
      const a = sums[r * k + li]! / (sizes[li]! - 1);
      let b = Infinity;
      for (let c = 0; c < k; c++) if (c !== li && sizes[c]! > 0) b = Math.min(b, sums[r * k + c]! / sizes[c]!);
      const m = Math.max(a, b);
      out[i] = m > 0 ? (b - a) / m : 0;
    }
    return out;
  };
  for (let t = 0; t < 60; t++) {
    const n = 9 + ((t * 37) % 70), d = 1 + (t % 9), k = 2 + (t % 5);
    const Z = Float64Array.from({ length: n * d }, (_, i) => (Math.sin((i + t) * 12.9898) * 43758.5453) % 1);
    const labels = Int32Array.from({ length: n }, (_, i) => (i < k ? i : Math.floor(Math.abs(Math.sin(i * 7.7 + t)) * k) % k));
    const got = silhouetteSamples(Z, d, labels), want = reference(Z, d, labels, k);
    for (let i = 0; i < n; i++) assert.ok(Object.is(got[i], want[i]), `case ${t} row ${i}: ${got[i]} against ${want[i]}`);
  }
});

test('quality measures refuse one cluster or one cluster per row', () => {
  assert.throws(() => silhouetteScore(X, 2, y.map(() => 0)), (e) => isSegmintError(e, 'invalid-argument'));
  assert.throws(() => calinskiHarabasz(X, 2, y.map((_, i) => i)), (e) => isSegmintError(e, 'invalid-argument'));
});

test('adjusted Rand index equals scikit-learn 1.2.1 and is 1 for a relabelled partition', () => {
  close(adjustedRandIndex([0, 0, 1, 1, 2, 2, 2, 3, 3, 0], [1, 1, 0, 0, 2, 2, 3, 3, 3, 1]), 0.6959459459459459);
  close(adjustedRandIndex([0, 0, 0, 1], [0, 1, 2, 3]), 0);
  assert.equal(adjustedRandIndex([0, 0, 1, 1, 2], [2, 2, 0, 0, 1]), 1);
  assert.equal(adjustedRandIndex([0, 1, 2], [2, 1, 0]), 1);
});

test('row samples are seeded, distinct and ascending', () => {
  const s = sampleRows(1000, 100, 3);
  assert.equal(new Set(s).size, 100);
  assert.deepEqual([...s], [...s].sort((a, b) => a - b));
  assert.deepEqual(s, sampleRows(1000, 100, 3));
  assert.notDeepEqual(s, sampleRows(1000, 100, 4));
  assert.equal(sampleRows(10, 100, 3).length, 10);
});

test('the silhouette in a worker thread and Calinski-Harabasz with Davies-Bouldin in one go equal the plain functions bit for bit', () => {
  const rng = new Random(11);
  // 3,000 rows: above the size from which the silhouette goes to a worker; a cluster of one row among them
  for (const [n, d, k] of [[3000, 3, 5], [12, 2, 4]] as const) {
    const R = Float64Array.from({ length: n * d }, () => rng.normal() * 3);
    const lab = Int32Array.from({ length: n }, (_, i) => (i < k ? i : 1 + rng.int(0, k - 2)));
    assert.deepEqual(silhouetteSamplesLater(R, d, lab).result(), silhouetteSamples(R, d, lab));
    assert.deepEqual(calinskiDavies(R, d, lab), { calinskiHarabasz: calinskiHarabasz(R, d, lab), daviesBouldin: daviesBouldin(R, d, lab) });
  }
  assert.deepEqual(calinskiDavies(X, 2, y), { calinskiHarabasz: calinskiHarabasz(X, 2, y), daviesBouldin: daviesBouldin(X, 2, y) });
  assert.throws(() => calinskiDavies(X, 2, y.map(() => 0)), (e) => isSegmintError(e, 'invalid-argument'));
});
