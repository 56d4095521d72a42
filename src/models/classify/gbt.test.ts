import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isSegmintError } from '../../core/errors.ts';
import { applyDesign, learnDesign } from './design.ts';
import { fitGbt, GbtModel, GBT_DESIGN } from './gbt.ts';
import { numericThresholds } from './bin-mapper.ts';
import { binsBuffer, TreeGrower } from './tree-grower.ts';
import type { DesignMatrix } from './types.ts';
import { bankFull, rankAuc, telcoChurn, type Labelled } from '../../../test/helpers/tree-data.ts';
import { twoNumericOneCategorical } from '../../../test/helpers/tree-synthetic.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../test/fixtures/models/${name}`, import.meta.url), 'utf8'));

interface Small {
  sklearn: string;
  thresholds: Record<string, { values: number[]; maxBins: number; thresholds: number[] }>;
  X: (number | null)[][];
  y: number[];
  sampleWeight: number[];
  cases: { name: string; params: Record<string, number>; weights: boolean; decision: number[] }[];
}
const small = fixture('gbt-small-reference.json') as Small;

/** The small fixture as a design: two numeric columns and a categorical one (codes 0 … 5). */
function smallDesign(): DesignMatrix {
  const n = small.X.length;
  const x = new Float64Array(n * 3);
  small.X.forEach((row, i) => row.forEach((v, j) => (x[i * 3 + j] = v === null ? NaN : v)));
  return twoNumericOneCategorical(x, n, ['x0', 'x1', 'c'], ['0', '1', '2', '3', '4', '5']);
}

test(`bin thresholds equal scikit-learn ${small.sklearn}'s _find_binning_thresholds (midpoints; midpoint percentiles)`, () => {
  for (const [name, t] of Object.entries(small.thresholds)) {
    const got = numericThresholds(Float64Array.from(t.values), t.maxBins);
    assert.equal(got.length, t.thresholds.length, name);
    got.forEach((v, k) => assert.ok(Math.abs(v - t.thresholds[k]!) <= 1e-12 * Math.max(1, Math.abs(v)), `${name} threshold ${k}: ${v} vs ${t.thresholds[k]}`));
  }
});

for (const c of small.cases) {
  test(`log-odds equal scikit-learn ${small.sklearn}'s HistGradientBoostingClassifier on every row: ${c.name}`, () => {
    const design = smallDesign();
    const model = fitGbt({ design, y: Float64Array.from(small.y), weights: c.weights ? Float64Array.from(small.sampleWeight) : undefined }, c.params);
    const f = model.decisionFunction(design.x, design.n);
    let worst = 0;
    for (let i = 0; i < design.n; i++) worst = Math.max(worst, Math.abs(f[i]! - c.decision[i]!));
    // scikit-learn keeps gradients and hessians in float32: the same trees give log-odds equal to ~1e-5
    assert.ok(worst < 1e-4, `largest difference ${worst}`);
  });
}

test('a model round-trips through JSON with the same predictions; importance sums the split gains', () => {
  const design = smallDesign();
  const model = fitGbt({ design, y: Float64Array.from(small.y) }, { maxIter: 12 });
  const back = GbtModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
  assert.deepEqual([...back.predictProba(design.x, design.n)], [...model.predictProba(design.x, design.n)]);
  const imp = model.importance();
  assert.deepEqual(imp.map((r) => r.kind), ['gain', 'gain', 'gain']);
  let total = 0;
  for (const t of model.trees) for (let k = 0; k < t.gain.length; k++) total += t.gain[k]!;
  assert.ok(Math.abs(imp.reduce((s, r) => s + r.value, 0) - total) < 1e-9 * total);
  assert.ok(imp[0]!.value >= imp[1]!.value && imp[1]!.value >= imp[2]!.value);
});

test('a row with a missing value follows the learnt direction; unseen missing values go to the larger child', () => {
  // x0 missing on a fifth of the rows, all of them positive: the split on x0 must send missing with the 1s
  const n = 500;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i % 5 === 0) { x[i] = NaN; y[i] = 1; } else { x[i] = i; y[i] = i > 250 ? 1 : 0; }
  }
  const design: DesignMatrix = { x, n, p: 1, encoding: { options: GBT_DESIGN, features: [{ name: 'a', kind: 'numeric' }], columns: [{ name: 'a', feature: 'a', kind: 'numeric' }] } };
  const model = fitGbt({ design, y }, { maxIter: 30 });
  const p = model.predictProba(Float64Array.from([NaN, 10, 400]), 3);
  assert.ok(p[0]! > 0.9 && p[1]! < 0.1 && p[2]! > 0.9, `${[...p]}`);
  // no missing value in training: a missing value goes where most training rows went
  const full = fitGbt({ design: { ...design, x: Float64Array.from(x, (v, i) => (Number.isNaN(v) ? i : v)) }, y }, { maxIter: 1, maxLeafNodes: 2 });
  const t = full.trees[0]!;
  assert.equal(t.missingLeft[0], t.count[t.left[0]!]! > t.count[t.right[0]!]! ? 1 : 0);
});

test('bad parameters and designs are coded errors', () => {
  const design = smallDesign();
  const y = Float64Array.from(small.y);
  for (const params of [{ learningRate: 0 }, { maxLeafNodes: 1 }, { maxBins: 256 }, { minSamplesLeaf: 0.5 }, { nope: 1 }]) {
    assert.throws(() => fitGbt({ design, y }, params), (e) => isSegmintError(e, 'invalid-model-params'));
  }
  assert.throws(() => fitGbt({ design, y: new Float64Array(design.n) }, {}), (e) => isSegmintError(e, 'invalid-design'));
  assert.throws(() => fitGbt({ design, y: y.map((v) => v * 2) }, {}), (e) => isSegmintError(e, 'invalid-design'));
});

test('early stopping stops once the held-out loss stops improving', () => {
  const design = smallDesign();
  const model = fitGbt({ design, y: Float64Array.from(small.y) }, { maxIter: 500, earlyStopping: true, learningRate: 0.5 });
  assert.ok(model.trees.length < 500 && model.converged, `${model.trees.length} trees`);
  assert.equal(model.validationLoss.length, model.trees.length);
});

// ---- real data: 5-fold AUC beside scikit-learn's on the same folds and encoding --------------------------

interface Reference {
  sklearn: string;
  results: { dataset: string; classWeight: string | null; foldAuc: number[]; meanAuc: number; columns: string[] }[];
}
const dataDir = process.env.SEGMINT_SHARED_DATA;

function crossValidatedAuc(data: Labelled, balanced: boolean): number[] {
  const n = data.y.length;
  const out: number[] = [];
  for (let k = 0; k < 5; k++) {
    const train: number[] = [], held: number[] = [];
    for (let i = 0; i < n; i++) (i % 5 === k ? held : train).push(i);
    const encoding = learnDesign(data.columns, GBT_DESIGN, train);
    const y = Float64Array.from(train, (i) => data.y[i]!);
    let weights: Float64Array | undefined;
    if (balanced) {
      // scikit-learn's class_weight='balanced': n / (2 · n_class)
      const pos = y.reduce((s, v) => s + v, 0);
      weights = y.map((v) => (v === 1 ? y.length / (2 * pos) : y.length / (2 * (y.length - pos))));
    }
    const model = fitGbt({ design: applyDesign(encoding, data.columns, train), y, weights }, {});
    const test = applyDesign(encoding, data.columns, held);
    out.push(rankAuc(model.predictProba(test.x, test.n), Float64Array.from(held, (i) => data.y[i]!)));
  }
  return out;
}

for (const [dataset, load] of [['bank-full', bankFull], ['telco-churn', telcoChurn]] as const) {
  for (const balanced of [false, true]) {
    test(`${dataset}${balanced ? ', balanced class weights' : ''}: 5-fold AUC within 0.005 of scikit-learn's HistGradientBoostingClassifier`, { skip: dataDir ? false : 'SEGMINT_SHARED_DATA is not set' }, () => {
      const all = fixture('gbt-reference.json') as Reference;
      const ref = all.results.find((r) => r.dataset === dataset && (r.classWeight === 'balanced') === balanced)!;
      const data = load(dataDir!);
      assert.deepEqual(data.columns.map((c) => c.name), ref.columns);
      const aucs = crossValidatedAuc(data, balanced);
      const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
      console.log(`${dataset}${balanced ? ' balanced' : ''}: mean AUC ${mean.toFixed(5)} (scikit-learn ${all.sklearn}: ${ref.meanAuc.toFixed(5)}); folds ${aucs.map((a) => a.toFixed(4)).join(' ')}`);
      assert.ok(Math.abs(mean - ref.meanAuc) <= 0.005, `mean AUC ${mean} vs ${ref.meanAuc}`);
      aucs.forEach((a, k) => assert.ok(Math.abs(a - ref.foldAuc[k]!) <= 0.01, `fold ${k}: ${a} vs ${ref.foldAuc[k]}`));
    });
  }
}

// ---- two threads: the same trees as one ------------------------------------------------------------------

test('grown with a worker thread (half the columns of each large histogram, half the gradient rows), the trees and losses are exactly those of one thread', () => {
  // 30,000 rows: the root and the first levels are shared with the worker (nodes of ≥ 8,192 rows)
  const n = 30_000, p = 5;
  const x = new Float64Array(n * p);
  const y = new Float64Array(n);
  const weights = new Float64Array(n);
  let s = 7;
  const next = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  for (let i = 0; i < n; i++) {
    const a = next() * 4 - 2, b = next() * 100, c = Math.floor(next() * 6);
    x[i * p] = a;
    x[i * p + 1] = next() < 0.05 ? NaN : b;
    x[i * p + 2] = c;
    x[i * p + 3] = next();
    x[i * p + 4] = Math.round(next() * 3);
    y[i] = next() < 1 / (1 + Math.exp(-(a * a - 1 + (b > 60 ? 0.8 : 0) + (c === 2 ? -1 : 0.2)))) ? 1 : 0;
    weights[i] = 0.5 + next();
  }
  const design: DesignMatrix = {
    x, n, p,
    encoding: {
      options: GBT_DESIGN,
      features: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, kind: name === 'c' ? 'categorical' as const : 'numeric' as const })),
      columns: ['a', 'b', 'c', 'd', 'e'].map((name) => (name === 'c'
        ? { name, feature: name, kind: 'codes' as const, levels: ['0', '1', '2', '3', '4', '5'], categorical: true }
        : { name, feature: name, kind: 'numeric' as const })),
    },
  };
  for (const w of [undefined, weights]) {
    const one = fitGbt({ design, y, weights: w }, { maxIter: 8, maxLeafNodes: 15 }, { threads: 1 });
    const two = fitGbt({ design, y, weights: w }, { maxIter: 8, maxLeafNodes: 15 }, { threads: 2 });
    assert.deepEqual(two.toJSON(), one.toJSON());
    assert.ok(one.trees.some((t) => t.categorical.some((v) => v === 1)), 'a categorical split is exercised');
    assert.ok(one.trees[0]!.feature.length > 20, 'the trees have many nodes');
  }
});

test('the worker thread is used when asked for (bins in shared memory) and stopped by close()', () => {
  const n = 20_000, p = 2;
  const bins = binsBuffer(n * p, true);
  for (let k = 0; k < n * p; k++) bins[k] = k % 7;
  const y = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const cols = [0, 1].map(() => ({ categorical: false, thresholds: [1, 2, 3, 4, 5, 6].map((v) => v - 0.5), nonMissingBins: 7, hasMissing: false }));
  const grow = (threads: number) => {
    const g = new TreeGrower(bins, n, p, cols, y, null, { threads, maxLeafNodes: 4 });
    try {
      g.raw.fill(0.1);
      const loss = g.gradients();
      const t = g.grow({ maxLeafNodes: 4, maxDepth: Infinity, minSamplesLeaf: 20, l2Regularization: 0, learningRate: 0.1 });
      return { threaded: g.threaded, loss, t, raw: [...g.raw] };
    } finally {
      g.close();
    }
  };
  const one = grow(1), two = grow(2);
  assert.equal(one.threaded, false);
  assert.equal(two.threaded, true);
  assert.equal(two.loss, one.loss);
  assert.deepEqual(two.t, one.t);
  assert.deepEqual(two.raw, one.raw);
});
