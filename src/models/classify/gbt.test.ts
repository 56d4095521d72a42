import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isSegmintError } from '../../core/errors.ts';
import { applyDesign, learnDesign } from './design.ts';
import { fitGbt, GbtModel, GBT_DESIGN } from './gbt.ts';
import { numericThresholds } from './bin-mapper.ts';
import type { DesignMatrix } from './types.ts';
import { bankFull, rankAuc, telcoChurn, type Labelled } from '../../../test/helpers/tree-data.ts';

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
  return {
    x, n, p: 3,
    encoding: {
      options: GBT_DESIGN,
      features: [{ name: 'x0', kind: 'numeric' }, { name: 'x1', kind: 'numeric' }, { name: 'c', kind: 'categorical' }],
      columns: [
        { name: 'x0', feature: 'x0', kind: 'numeric' },
        { name: 'x1', feature: 'x1', kind: 'numeric' },
        { name: 'c', feature: 'c', kind: 'codes', levels: ['0', '1', '2', '3', '4', '5'], categorical: true },
      ],
    },
  };
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
