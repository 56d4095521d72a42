import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSegmintError } from '../../core/errors.ts';
import { readCsv } from '../../../test/helpers/csv.ts';
import { shared } from '../../../test/helpers/workspace.ts';
import { generateDataset } from '../../generate/index.ts';
import { adjustedRandIndex } from './metrics.ts';
import { ClusterModel, fitClusters } from './model.ts';
import type { InputColumn } from './preprocess.ts';

const numeric = (name: string, values: number[]): InputColumn => ({ name, kind: 'numeric', values: Float64Array.from(values) });

test('k-means recovers the planted grocery segments from department shares (ARI ≥ 0.9 against ground_truth.csv)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'segmint-cluster-'));
  try {
    const r = await generateDataset({ preset: 'grocery', customers: 2000, seed: 3, outDir: dir });
    const truth = readCsv(r.files.groundTruth).rows;
    const tx = readCsv(r.files.transactions);
    const [ci, di, ai] = ['customer_id', 'department', 'amount'].map((h) => tx.header.indexOf(h));
    const deps = ['produce', 'meat', 'dairy', 'bakery', 'pantry', 'gourmet', 'household'];
    const spend = new Map<string, number[]>();
    for (const row of tx.rows) {
      const a = Number(row[ai!]);
      if (!(a > 0)) continue;
      const v = spend.get(row[ci!]!) ?? deps.map(() => 0);
      v[deps.indexOf(row[di!]!)]! += a;
      spend.set(row[ci!]!, v);
    }
    const ids = truth.map((t) => t[0]!).filter((id) => spend.has(id));
    const segments = [...new Set(truth.map((t) => t[1]!))];
    const segmentOf = new Map(truth.map((t) => [t[0]!, segments.indexOf(t[1]!)]));
    const cols = deps.map((d, j) => numeric(`${d}_share`, ids.map((id) => { const v = spend.get(id)!; return v[j]! / v.reduce((a, b) => a + b, 0); })));
    const res = fitClusters(cols, { k: segments.length, seed: 1 });
    const ari = adjustedRandIndex(res.labels, Int32Array.from(ids, (id) => segmentOf.get(id)!));
    assert.ok(ari >= 0.9, `ARI ${ari}`);
    // each planted department lover is found and named after its department
    for (const name of ['Produce lovers', 'Meat lovers', 'Gourmet lovers']) assert.ok(res.model.names.includes(name), res.model.names.join(', '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const mall = shared('mall-customers/Mall_Customers.csv');
test('Mall customers: k = 5 is chosen and the five income × spending groups are found and named', { skip: mall.skip }, () => {
  const { rows } = readCsv(mall.path);
  const res = fitClusters([numeric('annual_income_k', rows.map((r) => Number(r[3]))), numeric('spending_score', rows.map((r) => Number(r[4])))], { seed: 1 });
  assert.equal(res.choice?.k, 5);
  assert.match(res.choice!.reason, /highest silhouette \(0\.55\d\)/);
  const names = [...res.model.names].sort();
  assert.deepEqual(names, ['Average customers', 'High-income high-spend customers', 'High-income low-spend customers', 'Low-income high-spend customers', 'Low-income low-spend customers'].sort());
  // the textbook groups: e.g. high income (mean ≈ 87k$) with a high spending score (≈ 82)
  const rich = res.profiles.find((p) => p.name === 'High-income high-spend customers')!;
  assert.ok(Math.abs(rich.features[0]!.mean - 86.5) < 1 && Math.abs(rich.features[1]!.mean - 82.1) < 1);
  assert.equal(res.profiles.reduce((s, p) => s + p.customers, 0), 200);
});

test('a model round-trips through JSON and assigns new rows to the nearest centroid, ties to the lower cluster', () => {
  const x = [1, 1.2, 0.8, 10, 10.5, 9.5, 20, 21, 19];
  const res = fitClusters([numeric('spend', x), numeric('visits', x.map((v) => v * 2 + (v % 3)))], { k: 3, seed: 2 });
  const json = JSON.parse(JSON.stringify(res.model));
  const back = ClusterModel.fromJSON(json);
  assert.deepEqual(back.toJSON(), res.model.toJSON());
  const again = back.assign([numeric('spend', x), numeric('visits', x.map((v) => v * 2 + (v % 3)))]);
  assert.deepEqual(again.labels, res.labels);
  assert.throws(() => ClusterModel.fromJSON({ ...json, centroids: [[1]] }), (e) => isSegmintError(e, 'invalid-model'));
  assert.throws(() => ClusterModel.fromJSON({ format: 'x' }), (e) => isSegmintError(e, 'invalid-model'));
});

test('missing values are imputed with the median and counted, or the rows excluded', () => {
  const spend = [1, 2, NaN, 10, 11, 12, NaN, 30], visits = [1, 1, 2, 5, 5, 6, 9, 9];
  const imp = fitClusters([numeric('spend', spend), numeric('visits', visits)], { k: 2, seed: 1 });
  assert.deepEqual(imp.missing, { spend: 2 });
  assert.equal(imp.labels.length, 8);
  assert.equal((imp.model.preprocessing.steps[0] as { impute: number }).impute, 10.5);
  assert.ok(imp.warnings.some((w) => /spend: 2 missing values imputed with the median/.test(w)));
  const exc = fitClusters([numeric('spend', spend), numeric('visits', visits)], { k: 2, seed: 1, missing: 'exclude' });
  assert.equal(exc.excluded, 2);
  assert.deepEqual([...exc.kept], [0, 1, 3, 4, 5, 7]);
  for (const p of [...imp.profiles, ...exc.profiles]) for (const f of p.features) assert.ok(Number.isFinite(f.mean) && Number.isFinite(f.z));
});

test('constant columns are dropped with a warning; all constant is no-variable-features; one customer cannot choose k', () => {
  const res = fitClusters([numeric('spend', [1, 2, 10, 11]), numeric('flag', [1, 1, 1, 1])], { k: 2 });
  assert.deepEqual(res.model.preprocessing.steps.map((s) => s.name), ['spend']);
  assert.ok(res.warnings.some((w) => w.startsWith('flag is constant')));
  assert.throws(() => fitClusters([numeric('flag', [1, 1, 1])], { k: 2 }), (e) => isSegmintError(e, 'no-variable-features'));
  assert.throws(() => fitClusters([numeric('spend', [1, 2])], { k: 'auto' }), (e) => isSegmintError(e, 'too-few-customers'));
  // one customer with k given: too few customers (not "every feature is constant, choose other features")
  assert.throws(() => fitClusters([numeric('spend', [5]), numeric('visits', [2])], { k: 1 }), (e) => isSegmintError(e, 'too-few-customers') && /at least 2 customers; there is 1/.test((e as Error).message));
  assert.throws(() => fitClusters([numeric('spend', [1, 2, 2, 1, 1])], { k: 3 }), (e) => isSegmintError(e, 'invalid-k'));
  // duplicates only reduce the k range that can be tried
  const dup = fitClusters([numeric('spend', [1, 1, 1, 5, 5, 5, 9, 9, 9])], { k: 'auto', kMax: 10 });
  assert.deepEqual(dup.choice!.scores.map((s) => s.k), [2, 3]);
  assert.equal(dup.choice!.k, 3);
});

test('categorical traits are one-hot encoded and k-means separates them', () => {
  const region: InputColumn = { name: 'region', kind: 'categorical', values: ['north', 'north', 'south', 'south', null, 'north'] };
  const res = fitClusters([numeric('spend', [1, 1.1, 1, 1.2, 1.1, 1]), region], { k: 2, seed: 1 });
  assert.deepEqual(res.model.preprocessing.steps.map((s) => (s.kind === 'one-hot' ? `${s.name}=${s.level}` : s.name)), ['spend', 'region=(missing)', 'region=north', 'region=south']);
  assert.deepEqual(res.missing, { region: 1 });
  assert.equal(res.labels[0], res.labels[1]);
  assert.equal(res.labels[2], res.labels[3]);
});

test('a Gaussian mixture model round-trips through JSON and gives the same labels and probabilities', () => {
  const x = [1, 1.2, 0.8, 1.1, 10, 10.5, 9.5, 10.2, 20, 21, 19, 20.5];
  const cols = [numeric('spend', x), numeric('visits', x.map((v, i) => v * 2 + (i % 3)))];
  const res = fitClusters(cols, { algorithm: 'gmm', covariance: 'diag', k: 3, seed: 2 });
  // the three groups of four are the mixture's components
  assert.equal(adjustedRandIndex(res.labels, Int32Array.from({ length: 12 }, (_, i) => Math.floor(i / 4))), 1);
  const back = ClusterModel.fromJSON(JSON.parse(JSON.stringify(res.model)));
  assert.deepEqual(back.toJSON(), res.model.toJSON());
  const a = back.assign(cols);
  assert.deepEqual(a.labels, res.labels);
  assert.deepEqual(a.probabilities, res.probabilities);
  assert.ok(res.probabilities!.every((p) => p > 0 && p <= 1));
  assert.throws(() => ClusterModel.fromJSON({ ...res.model.toJSON(), mixture: undefined }), (e) => isSegmintError(e, 'invalid-model'));
});

test('k-prototypes through fitClusters: categorical traits kept as they are, modes in the model, JSON round trip', () => {
  const spend = [1, 1.2, 0.8, 1.1, 1, 1.3, 0.9, 1.05];
  const region: InputColumn = { name: 'region', kind: 'categorical', values: ['north', 'north', 'north', null, 'south', 'south', 'south', 'south'] };
  const cols = [numeric('spend', spend), region];
  const res = fitClusters(cols, { algorithm: 'kprototypes', k: 2, seed: 1, gamma: 10 });
  assert.deepEqual([...res.model.json.prototypes!.categorical[0]!.modes].sort(), ['north', 'south']);
  assert.equal(res.labels[0], res.labels[1]);
  assert.notEqual(res.labels[0], res.labels[5]);
  assert.equal(res.quality.silhouette, null);
  const back = ClusterModel.fromJSON(JSON.parse(JSON.stringify(res.model)));
  assert.deepEqual(back.assign(cols).labels, res.labels);
  assert.throws(() => fitClusters(cols, { algorithm: 'kprototypes' }), (e) => isSegmintError(e, 'k-required'));
});

test('a run stopped by maxIter says which algorithm stopped, and a Gaussian mixture honours maxIter', () => {
  // three overlapping groups, so neither EM nor Lloyd settles in one iteration
  const x = Array.from({ length: 600 }, (_, i) => (i % 3) * 1.5 + Math.sin(i * 12.9898) * 2);
  const y = Array.from({ length: 600 }, (_, i) => (i % 3) + Math.cos(i * 78.233) * 2);
  const cols = [numeric('spend', x), numeric('visits', y)];
  const gmm = fitClusters(cols, { k: 3, seed: 1, algorithm: 'gmm', maxIter: 1, nInit: 1 });
  assert.ok(gmm.warnings.some((w) => /^Gaussian mixture stopped after 1 EM iterations without converging/.test(w)), gmm.warnings.join('; '));
  const km = fitClusters(cols, { k: 3, seed: 1, algorithm: 'kmeans', maxIter: 1, nInit: 1 });
  assert.ok(km.warnings.some((w) => /^k-means stopped after 1 iterations/.test(w)), km.warnings.join('; '));
});
