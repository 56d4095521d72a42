import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { assignNearest, fitKMeans, kmeansPlusPlus, relativeTolerance } from './kmeans.ts';
import { adjustedRandIndex } from './metrics.ts';
import { fitMiniBatchKMeans, miniBatchStep } from './minibatch.ts';
import { KMeansState } from './parallel.ts';

/** Gaussian blobs around `centres` (sd 1), with the true labels. */
function blobs(centres: number[][], perCluster: number, seed: number): { X: Float64Array; d: number; truth: Int32Array } {
  const d = centres[0]!.length, rng = new Random(seed);
  const n = centres.length * perCluster;
  const X = new Float64Array(n * d), truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % centres.length;
    truth[i] = c;
    for (let j = 0; j < d; j++) X[i * d + j] = centres[c]![j]! + rng.normal();
  }
  return { X, d, truth };
}

/** Plain Lloyd iterations, written from the definition, for comparison with the bounded version. */
function plainLloyd(X: Float64Array, d: number, C0: Float64Array, iters: number): Int32Array {
  const n = X.length / d, k = C0.length / d, C = Float64Array.from(C0), labels = new Int32Array(n);
  for (let it = 0; it < iters; it++) {
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (X[i * d + j]! - C[c * d + j]!) ** 2;
        if (s < best) { best = s; labels[i] = c; }
      }
    }
    const sums = new Float64Array(k * d), cnt = new Float64Array(k);
    for (let i = 0; i < n; i++) { cnt[labels[i]!]!++; for (let j = 0; j < d; j++) sums[labels[i]! * d + j]! += X[i * d + j]!; }
    for (let c = 0; c < k; c++) if (cnt[c]! > 0) for (let j = 0; j < d; j++) C[c * d + j] = sums[c * d + j]! / cnt[c]!;
  }
  return labels;
}

test('k-means recovers well-separated planted clusters (ARI 1) and is identical for the same seed', () => {
  const { X, d, truth } = blobs([[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10], [10, 10, 10]], 200, 1);
  const fit = fitKMeans(X, d, { k: 5, seed: 3 });
  assert.equal(adjustedRandIndex(fit.labels, truth), 1);
  assert.ok(fit.converged);
  assert.deepEqual(fitKMeans(X, d, { k: 5, seed: 3 }), fit);
});

test('Hamerly-bounded iterations give the same labels as plain Lloyd iterations from the same start', () => {
  const { X, d } = blobs([[0, 0], [2, 0], [0, 2], [2, 2], [1, 1]], 300, 2);
  const C0 = kmeansPlusPlus(X, d, 5, new Random(9, 0));
  const fit = fitKMeans(X, d, { k: 5, seed: 9, nInit: 1, tol: 0 });
  assert.deepEqual(fit.labels, plainLloyd(X, d, C0, fit.iterations + 1));
  // the inertia is the sum of squared distances to the returned centres
  let inertia = 0;
  for (let i = 0; i < X.length / d; i++) for (let j = 0; j < d; j++) inertia += (X[i * d + j]! - fit.centroids[fit.labels[i]! * d + j]!) ** 2;
  assert.ok(Math.abs(inertia - fit.inertia) < 1e-9 * inertia);
});

test('Hamerly-bounded iterations equal plain Lloyd on 600 random inputs: integer grids with duplicates and ties, 1–3 features, k 2–10', () => {
  let compared = 0;
  for (let seed = 0; seed < 600; seed++) {
    const rng = new Random(seed + 1000);
    const d = 1 + (seed % 3), n = 10 + (seed % 120), k = 2 + (seed % 9);
    // half of the inputs on a coarse integer grid (many duplicate rows and equidistant rows), half Gaussian
    const X = Float64Array.from({ length: n * d }, () => (seed % 2 ? Math.floor(rng.next() * (seed % 4 === 1 ? 3 : 5)) : rng.normal()));
    let fit;
    try { fit = fitKMeans(X, d, { k, seed, nInit: 1, tol: 0, presample: 0 }); } catch { continue; } // k above the distinct rows
    compared++;
    const C0 = kmeansPlusPlus(X, d, k, new Random(seed, 0));
    assert.deepEqual(fit.labels, plainLloyd(X, d, C0, fit.iterations + 1), `seed ${seed}`);
    // and every final label is the nearest returned centre, ties to the lower one
    for (let i = 0; i < n; i++) {
      let best = Infinity, arg = -1;
      for (let c = 0; c < k; c++) { let s = 0; for (let j = 0; j < d; j++) s += (X[i * d + j]! - fit.centroids[c * d + j]!) ** 2; if (s < best) { best = s; arg = c; } }
      assert.equal(fit.labels[i], arg, `seed ${seed}, row ${i}`);
    }
  }
  assert.ok(compared > 500, `${compared} inputs compared`);
});

test('k-means++ picks distinct data rows as centres, and more restarts never raise the inertia', () => {
  const { X, d } = blobs([[0, 0], [3, 0], [0, 3]], 100, 4);
  const C = kmeansPlusPlus(X, d, 3, new Random(1));
  const rows = new Set<string>();
  for (let c = 0; c < 3; c++) {
    const key = `${C[c * 2]},${C[c * 2 + 1]}`;
    rows.add(key);
    assert.ok([...Array(300).keys()].some((i) => X[i * 2] === C[c * 2] && X[i * 2 + 1] === C[c * 2 + 1]));
  }
  assert.equal(rows.size, 3);
  const one = fitKMeans(X, d, { k: 3, seed: 5, nInit: 1 }), five = fitKMeans(X, d, { k: 3, seed: 5, nInit: 5 });
  assert.ok(five.inertia <= one.inertia);
  assert.equal(five.startLabels.length, 5);
});

test('relative tolerance is tol times the mean per-feature population variance (scikit-learn)', () => {
  // columns [1,2,3,4] (variance 1.25) and [0,0,0,4] (variance 3): mean 2.125
  const X = Float64Array.from([1, 0, 2, 0, 3, 0, 4, 4]);
  assert.ok(Math.abs(relativeTolerance(X, 2, 1e-4) - 2.125e-4) < 1e-18);
});

test('k-means on duplicates: k up to the distinct rows works, more is invalid-k, no empty or NaN cluster', () => {
  const X = Float64Array.from([0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 9, 9]);
  const fit = fitKMeans(X, 2, { k: 3, seed: 1 });
  assert.equal(new Set(fit.labels).size, 3);
  assert.ok(fit.centroids.every(Number.isFinite));
  assert.throws(() => fitKMeans(X, 2, { k: 4 }), (e) => isSegmintError(e, 'invalid-k'));
  assert.throws(() => fitKMeans(Float64Array.from([1, 2]), 2, { k: 2 }), (e) => isSegmintError(e, 'invalid-k'));
  assert.throws(() => fitKMeans(Float64Array.from([1, NaN]), 1, { k: 1 }), (e) => isSegmintError(e, 'invalid-value'));
  assert.throws(() => fitKMeans(new Float64Array(0), 2, { k: 1 }), (e) => isSegmintError(e, 'no-rows'));
  // one customer, k = 1
  assert.deepEqual([...fitKMeans(Float64Array.from([3, 4]), 2, { k: 1 }).centroids], [3, 4]);
});

test('k-means with a worker thread gives exactly the single-thread fit', () => {
  const { X, d } = blobs([[0, 0, 0], [1.5, 0, 0], [0, 1.5, 0], [0, 0, 1.5]], 10000, 6);
  const one = fitKMeans(X, d, { k: 4, seed: 2, nInit: 2, threads: 1 });
  const two = fitKMeans(X, d, { k: 4, seed: 2, nInit: 2, threads: 2 });
  // the two-thread fit really ran a worker (else it would compare one thread with itself)
  const state = new KMeansState(X, d, 4, 2);
  assert.equal(state.running, 2);
  state.close();
  assert.ok(one.iterations > 2);
  assert.deepEqual(two, one);
});

test('k-means starts on a sample run on the fit\'s worker thread (borrowed, then handed back) and give exactly the single-thread fit', () => {
  const { X, d } = blobs([[0, 0, 0], [1.5, 0, 0], [0, 1.5, 0], [0, 0, 1.5]], 10000, 6);
  // presample 3,000 of 40,000 rows: each start is seeded and iterated on a sample first (refineBest: one shared sample)
  for (const refineBest of [false, true]) {
    const one = fitKMeans(X, d, { k: 4, seed: 3, nInit: 3, threads: 1, presample: 3000, refineBest });
    const two = fitKMeans(X, d, { k: 4, seed: 3, nInit: 3, threads: 2, presample: 3000, refineBest });
    assert.deepEqual(two, one);
  }
  // a state on other rows borrows the host's worker; the host runs on its own rows again afterwards
  const host = new KMeansState(X, d, 4, 2);
  const S = X.slice(0, 3000 * d);
  const sub = new KMeansState(S, d, 4, 1, host);
  assert.equal(sub.running, 2);
  sub.C.set(X.subarray(0, 4 * d));
  host.C.set(X.subarray(0, 4 * d));
  const alone = new KMeansState(S, d, 4, 1);
  alone.C.set(X.subarray(0, 4 * d));
  assert.equal(sub.estep(true, -1, 0, 0), alone.estep(true, -1, 0, 0));
  assert.deepEqual(sub.labels, alone.labels);
  sub.close();
  assert.equal(host.running, 2);
  const hostAlone = new KMeansState(X, d, 4, 1);
  hostAlone.C.set(X.subarray(0, 4 * d));
  assert.equal(host.estep(true, -1, 0, 0), hostAlone.estep(true, -1, 0, 0));
  assert.deepEqual(host.labels, hostAlone.labels);
  assert.deepEqual(host.totals(), hostAlone.totals());
  host.close();
});

test('k-means assign: every row\'s nearest final centre (ties to the lower) and distance, exactly as a plain scan gives them', () => {
  const { X, d } = blobs([[0, 0, 0], [1.5, 0, 0], [0, 1.5, 0], [0, 0, 1.5]], 10000, 7);
  for (const threads of [1, 2]) {
    const f = fitKMeans(X, d, { k: 4, seed: 1, nInit: 2, threads, presample: 3000, refineBest: true, assign: true });
    const labels = new Int32Array(X.length / d), dist2 = new Float64Array(X.length / d);
    assignNearest(X, d, f.centroids, labels, dist2);
    assert.deepEqual(f.assigned, labels);
    assert.deepEqual(f.distances, dist2.map(Math.sqrt));
  }
});

test('mini-batch k-means recovers separated clusters, is seeded, and lands within 2% of the Lloyd inertia', () => {
  const { X, d, truth } = blobs([[0, 0, 0], [8, 0, 0], [0, 8, 0], [0, 0, 8]], 2000, 8);
  const mb = fitMiniBatchKMeans(X, d, { k: 4, seed: 1, batchSize: 256 });
  assert.ok(adjustedRandIndex(mb.labels, truth) > 0.999);
  assert.deepEqual(fitMiniBatchKMeans(X, d, { k: 4, seed: 1, batchSize: 256 }), mb);
  const lloyd = fitKMeans(X, d, { k: 4, seed: 1 });
  assert.ok(mb.inertia <= lloyd.inertia * 1.02, `${mb.inertia} vs ${lloyd.inertia}`);
  assert.equal(new Set(mb.labels).size, 4);
  assert.throws(() => fitMiniBatchKMeans(X.subarray(0, 6), d, { k: 3 }), (e) => isSegmintError(e, 'invalid-k'));
});

test('a mini-batch step assigns the whole batch first, then moves each centre to the running mean (Sculley 2010, Algorithm 1)', () => {
  // 1-D: centres 0 and 10; the batch 4, 6, 6, 9 with earlier counts 1 and 3. All four rows are assigned against
  // the centres before the step: 4 → centre 0, 6 → centre 10 (|6 − 10| = 4 < 6), 9 → centre 10. Centre 0 becomes
  // (1·0 + 4) / 2 = 2; centre 10 becomes (3·10 + 6 + 6 + 9) / 6 = 8.5 (scikit-learn's batch update, the same
  // numbers). Moving centre 0 to 2 before assigning the next row (the code before this test) sent the first 6
  // to centre 0 on the tie |6 − 2| = |6 − 10|, which is not the algorithm.
  const X = Float64Array.from([4, 6, 6, 9]);
  const C = Float64Array.from([0, 10]), counts = Float64Array.from([1, 3]);
  const inertia = miniBatchStep(X, 1, C, counts, Int32Array.from([0, 1, 2, 3]), new Int32Array(4));
  assert.equal(inertia, 16 + 16 + 16 + 1);
  assert.ok(Math.abs(C[0]! - 2) < 1e-12 && Math.abs(C[1]! - 8.5) < 1e-12, `${C[0]} ${C[1]}`);
  assert.deepEqual([...counts], [2, 6]);
});
