import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isSegmintError } from '../../core/errors.ts';
import { averagePathLength, fitIsolationForest, IsolationForestModel } from './isolation-forest.ts';
import { centroidDistance, centroidReasons } from './centroid-distance.ts';
import { fitKMeans } from '../cluster/kmeans.ts';
import { ccGeneral, rankAuc } from '../../../test/helpers/tree-data.ts';

interface Reference {
  sklearn: string;
  planted: { X: number[][]; y: number[]; centres: number[][]; aucBySeed: number[]; meanAuc: number };
  ccGeneral: { columns: string[]; rows: number; scoreSeed0: number[]; seedToSeedSpearman: number; seedToSeedTop1Overlap: number };
}
const ref = JSON.parse(readFileSync(new URL('../../../test/fixtures/models/outlier-reference.json', import.meta.url), 'utf8')) as Reference;
const planted = ref.planted;
const X = Float64Array.from(planted.X.flat());
const n = planted.X.length;
const p = planted.X[0]!.length;

test('c(n) is the average unsuccessful-search path length of Liu et al. (2008), eq. 1', () => {
  assert.equal(averagePathLength(1), 0);
  assert.equal(averagePathLength(2), 1);
  // the harmonic number H(i) is taken as ln i + γ (as the paper and scikit-learn): c(3) = 2(ln 2 + γ) − 4/3
  assert.ok(Math.abs(averagePathLength(3) - (2 * (Math.LN2 + 0.5772156649015329) - 4 / 3)) < 1e-12);
  // … which tends to the exact 2 H(n − 1) − 2(n − 1)/n as n grows
  for (const m of [256, 5000]) {
    let h = 0;
    for (let i = 1; i < m; i++) h += 1 / i;
    const exact = 2 * h - (2 * (m - 1)) / m;
    assert.ok(Math.abs(averagePathLength(m) - exact) < 0.005, `${m}: ${averagePathLength(m)} vs ${exact}`);
  }
  assert.ok(Math.abs(averagePathLength(256) - 10.2448) < 1e-3);
});

test(`planted outliers: AUC beside scikit-learn ${ref.sklearn}'s IsolationForest (mean over its seeds ${ref.planted.meanAuc.toFixed(4)})`, () => {
  const aucs = [0, 1, 2].map((seed) => rankAuc(fitIsolationForest(X, n, p, { seed }).score(X, n), planted.y));
  const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
  console.log(`planted: AUC ${aucs.map((a) => a.toFixed(4)).join(' ')} (scikit-learn ${planted.aucBySeed.map((a) => a.toFixed(4)).join(' ')})`);
  assert.ok(mean >= planted.meanAuc - 0.005, `mean AUC ${mean} vs ${planted.meanAuc}`);
});

test('scores lie in (0, 1]; contamination puts the threshold at the (1 − c) quantile; same seed, same forest; JSON round trip', () => {
  const model = fitIsolationForest(X, n, p, { seed: 3, contamination: 0.02 });
  const s = model.score(X, n);
  for (const v of s) assert.ok(v > 0 && v <= 1);
  const above = s.filter((v) => v > model.threshold).length;
  assert.ok(Math.abs(above - 0.02 * n) <= 1, `${above} rows above the threshold`);
  // same seed, same forest; JSON round trip
  const again = IsolationForestModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
  assert.deepEqual([...again.score(X, n)], [...s]);
  assert.deepEqual([...fitIsolationForest(X, n, p, { seed: 3, contamination: 0.02 }).score(X, n)], [...s]);
});

test('explain: an outlier far out in one column names that column first', () => {
  const model = fitIsolationForest(X, n, p, { seed: 1 });
  const row = [0.1, -0.2, 30, 0.3, 0, -0.1];
  const reasons = model.explain(row);
  assert.equal(reasons[0]!.column, 2);
  assert.ok(reasons[0]!.z > 3);
  assert.ok(Math.abs(reasons.reduce((a, r) => a + r.share, 0) - 1) < 1e-12);
});

test('distance to the nearest k-means centre separates the planted outliers too', () => {
  const km = fitKMeans(X, p, { k: 3, seed: 0 });
  const { score, nearest } = centroidDistance(X, n, p, km.centroids, 3);
  const auc = rankAuc(score, planted.y);
  console.log(`planted: nearest-centre distance AUC ${auc.toFixed(4)}`);
  assert.ok(auc > 0.99, `AUC ${auc}`);
  const reasons = centroidReasons([0, 0, 9, 0, 0, 0], km.centroids, p, nearest[0]!);
  assert.equal(reasons[0]!.column, 2);
});

test('bad input is a coded error', () => {
  assert.throws(() => fitIsolationForest(X, n, p, { contamination: 0.7 }), (e) => isSegmintError(e, 'invalid-model-params'));
  assert.throws(() => fitIsolationForest(X, n, p, { maxSamples: n + 1 }), (e) => isSegmintError(e, 'invalid-model-params'));
  assert.throws(() => fitIsolationForest(Float64Array.from([1, NaN, 2, 3]), 2, 2), (e) => isSegmintError(e, 'invalid-design'));
});

const dataDir = process.env.SEGMINT_SHARED_DATA;

/** Spearman rank correlation (average ranks for ties). */
function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const rank = (v: ArrayLike<number>): Float64Array => {
    const order = Array.from({ length: v.length }, (_, i) => i).sort((i, j) => v[i]! - v[j]!);
    const r = new Float64Array(v.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && v[order[j + 1]!] === v[order[i]!]) j++;
      for (let k = i; k <= j; k++) r[order[k]!] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a), rb = rank(b);
  const m = ra.length, mean = (m - 1) / 2;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < m; i++) {
    sab += (ra[i]! - mean) * (rb[i]! - mean);
    saa += (ra[i]! - mean) ** 2;
    sbb += (rb[i]! - mean) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

test('cc-general: scores agree with scikit-learn\'s as closely as two of its seeds agree', { skip: dataDir ? false : 'SEGMINT_SHARED_DATA is not set' }, () => {
  const columns = ccGeneral(dataDir!);
  assert.deepEqual(columns.map((c) => c.name), ref.ccGeneral.columns);
  const m = ref.ccGeneral.rows;
  const q = columns.length;
  const x = new Float64Array(m * q);
  columns.forEach((c, j) => {
    if (c.kind !== 'numeric') throw new Error(`${c.name} is not numeric`);
    // missing values filled with the column mean, as the reference script does
    let sum = 0, cnt = 0;
    for (const v of c.values) if (!Number.isNaN(v)) { sum += v; cnt++; }
    for (let i = 0; i < m; i++) x[i * q + j] = Number.isNaN(c.values[i]!) ? sum / cnt : c.values[i]!;
  });
  const model = fitIsolationForest(x, m, q, { seed: 0, contamination: 0.01 });
  const ours = model.score(x, m);
  const rho = spearman(ours, ref.ccGeneral.scoreSeed0);
  const k = Math.round(0.01 * m);
  const top = (s: ArrayLike<number>): Set<number> => new Set(Array.from({ length: m }, (_, i) => i).sort((a, b) => s[b]! - s[a]!).slice(0, k));
  const tOurs = top(ours), tRef = top(ref.ccGeneral.scoreSeed0);
  const overlap = [...tOurs].filter((i) => tRef.has(i)).length / k;
  // AUC of our score for scikit-learn's top 1 % as labels
  const labels = Float64Array.from({ length: m }, (_, i) => (tRef.has(i) ? 1 : 0));
  const auc = rankAuc(ours, labels);
  console.log(`cc-general: Spearman ${rho.toFixed(4)} (scikit-learn seed 0 vs 1: ${ref.ccGeneral.seedToSeedSpearman.toFixed(4)}), top-1 % overlap ${overlap.toFixed(3)} (seed to seed ${ref.ccGeneral.seedToSeedTop1Overlap.toFixed(3)}), AUC for scikit-learn's top 1 % ${auc.toFixed(4)}`);
  assert.ok(rho >= ref.ccGeneral.seedToSeedSpearman - 0.03, `Spearman ${rho}`);
  assert.ok(overlap >= ref.ccGeneral.seedToSeedTop1Overlap - 0.15, `overlap ${overlap}`);
  assert.ok(auc > 0.98, `AUC ${auc}`);
});
