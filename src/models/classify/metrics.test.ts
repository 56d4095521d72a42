// Metrics and the design builder against brute-force computations written out here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { applyDesign, buildDesign, categoricalColumn, learnDesign, numericColumn } from './design.ts';
import { auc, calibrationCurve, classWeights, foldRows, gainLift, logLoss, stratifiedFolds } from './metrics.ts';

function sample(n: number, seed: number, ties = false) {
  const r = new Random(seed);
  const y = Float64Array.from({ length: n }, () => (r.bernoulli(0.3) ? 1 : 0));
  const p = Float64Array.from(y, (v) => {
    const x = Math.min(0.999, Math.max(0.001, 0.3 + 0.25 * v + 0.2 * r.normal()));
    return ties ? Math.round(x * 10) / 10 : x;
  });
  return { y, p };
}

test('AUC is the share of (positive, negative) pairs ranked right, ties one half (every pair counted)', () => {
  for (const ties of [false, true]) {
    const { y, p } = sample(400, ties ? 2 : 1, ties);
    let right = 0;
    let pairs = 0;
    for (let i = 0; i < y.length; i++)
      for (let j = 0; j < y.length; j++)
        if (y[i] === 1 && y[j] === 0) {
          pairs++;
          right += p[i]! > p[j]! ? 1 : p[i] === p[j] ? 0.5 : 0;
        }
    assert.ok(Math.abs(auc(y, p) - right / pairs) < 1e-12, `ties=${ties}`);
  }
  // weights: a weight of 2 counts a row twice
  const y = [1, 0, 1, 0, 0];
  const p = [0.9, 0.8, 0.3, 0.5, 0.1];
  assert.ok(Math.abs(auc(y, p, [1, 1, 2, 1, 1]) - auc([1, 0, 1, 1, 0, 0], [0.9, 0.8, 0.3, 0.3, 0.5, 0.1])) < 1e-12);
  assert.ok(Number.isNaN(auc([1, 1], [0.2, 0.3])));
});

test('log loss, calibration bins and gain/lift by decile (written out)', () => {
  const { y, p } = sample(1003, 3);
  let ll = 0;
  for (let i = 0; i < y.length; i++) ll -= y[i] ? Math.log(p[i]!) : Math.log(1 - p[i]!);
  assert.ok(Math.abs(logLoss(y, p) - ll / y.length) < 1e-12);

  const cal = calibrationCurve(y, p, 10);
  assert.equal(cal.reduce((s, b) => s + b.count, 0), y.length);
  for (const b of cal) {
    const rows = [...p.keys()].filter((i) => p[i]! >= b.lower && (p[i]! < b.upper || (b.upper === 1 && p[i] === 1)));
    assert.equal(rows.length, b.count);
    assert.ok(Math.abs(b.observedRate - rows.reduce((s, i) => s + y[i]!, 0) / rows.length) < 1e-12);
  }

  const g = gainLift(y, p, 10);
  const sorted = [...p.keys()].sort((a, b) => p[b]! - p[a]! || a - b);
  const total = y.reduce((s, v) => s + v, 0);
  let cum = 0;
  let start = 0;
  for (const row of g) {
    const part = sorted.slice(start, start + row.count);
    start += row.count;
    const pos = part.reduce((s, i) => s + y[i]!, 0);
    cum += pos;
    assert.equal(row.positives, pos);
    assert.ok(Math.abs(row.lift - pos / row.count / (total / y.length)) < 1e-12);
    assert.ok(Math.abs(row.cumulativeGain - cum / total) < 1e-12);
  }
  assert.deepEqual(g.map((r) => r.count), [100, 100, 100, 101, 100, 100, 101, 100, 100, 101]);
  assert.equal(g[9]!.cumulativeGain, 1);
});

test('stratified folds keep each class spread evenly; fold rows partition the data', () => {
  const { y } = sample(1001, 4);
  const fold = stratifiedFolds(y, 5, 9);
  const pos = y.reduce((s, v) => s + v, 0);
  for (let f = 0; f < 5; f++) {
    const rows = [...fold.keys()].filter((i) => fold[i] === f);
    const p = rows.filter((i) => y[i] === 1).length;
    assert.ok(Math.abs(p - pos / 5) <= 1, `fold ${f}: ${p} positives`);
    assert.ok(Math.abs(rows.length - 1001 / 5) <= 1);
  }
  assert.deepEqual(Array.from(stratifiedFolds(y, 5, 9)), Array.from(fold), 'seeded');
  assert.notDeepEqual(Array.from(stratifiedFolds(y, 5, 10)), Array.from(fold));
  const parts = foldRows(fold, 5);
  for (const { train, test: held } of parts) assert.equal(train.length + held.length, 1001);
  assert.deepEqual(parts.flatMap((x) => Array.from(x.test)).sort((a, b) => a - b), [...y.keys()]);
  assert.throws(() => stratifiedFolds([1, 0, 0, 0], 2), (e: unknown) => isSegmintError(e, 'invalid-folds'));
});

test('balanced class weights give each class half the total weight (scikit-learn n / (2 n_c))', () => {
  const y = [1, 0, 0, 0, 1, 0, 0, 0];
  const w = classWeights(y, 'balanced');
  assert.deepEqual(Array.from(w), y.map((v) => (v ? 8 / 4 : 8 / 12)));
  assert.throws(() => classWeights([1, 1], 'balanced'), (e: unknown) => isSegmintError(e, 'single-class'));
});

test('design: mean imputation with a missing indicator, standardisation, one-hot with (missing), unseen levels', () => {
  const cols = [numericColumn('x', [1, null, 3, 5]), categoricalColumn('c', ['b', 'a', null, 'b'])];
  const d = buildDesign(cols, { categorical: 'onehot', numeric: 'standardize', missing: 'impute-mean' });
  assert.deepEqual(d.encoding.columns.map((c) => c.name), ['x', 'x (missing)', 'c=(missing)', 'c=a', 'c=b']);
  const mean = 3;
  const sd = Math.sqrt(((1 - 3) ** 2 + 0 + 0 + (5 - 3) ** 2) / 4);
  const row = (i: number) => Array.from(d.x.subarray(i * 5, i * 5 + 5));
  assert.deepEqual(row(0), [(1 - mean) / sd, 0, 0, 0, 1]);
  assert.deepEqual(row(1), [0, 1, 0, 1, 0]);
  assert.deepEqual(row(2), [0, 0, 1, 0, 0]);
  // learnt on rows 0 and 3 only: no missing value there, so no indicator; level a unseen → zeros
  const enc = learnDesign(cols, { categorical: 'onehot-drop-first', numeric: 'raw', missing: 'impute-mean' }, [0, 3]);
  assert.deepEqual(enc.columns.map((c) => c.name), ['x']);
  const held = applyDesign(enc, cols, [1, 2]);
  assert.deepEqual(Array.from(held.x), [3, 3]);
  // codes for trees: levels seen in training, NaN for missing or unseen
  const codes = buildDesign(cols, { categorical: 'codes', numeric: 'raw', missing: 'nan' });
  assert.deepEqual(codes.encoding.columns[1]!.levels, ['a', 'b']);
  assert.deepEqual(Array.from(codes.x), [1, 1, NaN, 0, 3, NaN, 5, 1]);
  // scoring new rows whose level codes differ: matched by level text
  const later = applyDesign(d.encoding, [numericColumn('x', [3]), categoricalColumn('c', ['a'])]);
  assert.deepEqual(Array.from(later.x), [0, 0, 0, 1, 0]);
  assert.throws(() => applyDesign(d.encoding, [numericColumn('x', [1])]), (e: unknown) => isSegmintError(e, 'invalid-design'));
});
