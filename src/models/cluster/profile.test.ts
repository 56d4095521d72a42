import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../random.ts';
import { fitPreprocess, meanSd } from './preprocess.ts';
import { profileClusters, profileClustersStaged } from './profile.ts';

/** Each cluster's mean of `values` as meanSd gives it on the cluster's present values, gathered in row order. */
function gatheredMeans(values: Float64Array, labels: Int32Array, k: number): number[] {
  return Array.from({ length: k }, (_, c) => {
    const mine = Float64Array.from(values.filter((x, i) => labels[i] === c && !Number.isNaN(x)));
    return mine.length ? meanSd(mine).mean : NaN;
  });
}

test('cluster means from one pass over the rows are exactly meanSd of each cluster\'s values (missing values left out; huge values take meanSd itself)', () => {
  const rng = new Random(4);
  const n = 5000, k = 5;
  const labels = Int32Array.from({ length: n }, () => rng.int(0, k - 1));
  const a = Float64Array.from({ length: n }, (_, i) => (i % 97 === 0 ? NaN : rng.normal() * 1e3 + 0.1 * i));
  const b = Float64Array.from({ length: n }, () => Math.exp(rng.normal() * 3));
  for (const cols of [[a, b], [a, Float64Array.from(b, (x, i) => (i === 10 ? 1e200 : x))]]) {
    const { profiles } = profileClustersStaged(cols.map((values, j) => ({ name: `f${j}`, values })), labels, k);
    cols.forEach((values, j) => assert.deepEqual(profiles.map((p) => p.features[j]!.mean), gatheredMeans(values, labels, k)));
  }
});

test('profiles given preprocessing\'s figures of the same columns (count, median, mean and sd) equal the profiles that compute them', () => {
  const rng = new Random(6);
  const n = 70_000, k = 4;
  const labels = Int32Array.from({ length: n }, () => rng.int(0, k - 1));
  const cols = [
    Float64Array.from({ length: n }, () => rng.normal() * 10 + 3),
    Float64Array.from({ length: n }, (_, i) => (i % 13 === 0 ? NaN : Math.exp(rng.normal() * 2))),
    Float64Array.from({ length: n }, () => rng.int(0, 3)),
  ].map((values, j) => ({ name: `f${j}`, values }));
  for (const params of [{}, { log1p: ['f0'] }, { scaling: 'robust' as const }, { winsorize: 0.01 }]) {
    const pre = fitPreprocess(cols.map((c) => ({ ...c, kind: 'numeric' as const })), params);
    const known = cols.map((c) => pre.raw.get(c.name));
    assert.ok(known.every((f) => f !== undefined && f.median === f.median));
    assert.deepEqual(profileClusters(cols, labels, k, { known }), profileClusters(cols, labels, k), JSON.stringify(params));
  }
});
