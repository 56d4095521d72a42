// Logistic regression against scikit-learn and statsmodels on telco-churn and bank-full
// (test/fixtures/models/logistic_reference.py → logistic_reference.json, library versions recorded there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isSegmintError } from '../../core/errors.ts';
import { buildDesign, categoricalColumn, numericColumn } from './design.ts';
import { trainClassifier } from './cv.ts';
import { logisticClassifier, type FittedLogistic } from './logistic.ts';
import type { FeatureColumn } from './types.ts';

const DATA = process.env.SEGMINT_SHARED_DATA;
const skip = DATA ? false : 'SEGMINT_SHARED_DATA is not set: the telco-churn and bank-marketing files are not available';
const REF = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../test/fixtures/models/logistic_reference.json'), 'utf8'));

interface RefSet {
  rows: number; positives: number; target: string; positive: string; numeric: string[]; categorical: string[]; C: number;
  columns: string[]; intercept: number; coefficients: number[]; objective: number;
  lbfgs: { objective: number; maxAbsDifferenceFromNewtonCholesky: number };
  standardErrorsPenalised: number[];
  balanced: { intercept: number; coefficients: number[] };
  unpenalised: { numeric: string[]; categorical: string[]; columns: string[]; params: number[]; bse: number[]; converged: boolean };
  cv: { folds: string; auc: number[]; logLoss: number[]; pooledAuc: number; aucLbfgs: number[] };
}

/** A delimited file with a header; quotes stripped (neither file quotes a delimiter). */
function readTable(path: string, sep: string): Map<string, string[]> {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const unq = (s: string) => s.replace(/^"(.*)"$/, '$1');
  const header = lines[0]!.split(sep).map(unq);
  const cols = new Map(header.map((h) => [h, [] as string[]]));
  for (const line of lines.slice(1)) line.split(sep).forEach((v, j) => cols.get(header[j]!)!.push(unq(v)));
  return cols;
}

function load(ref: RefSet, file: string, sep: string) {
  const t = readTable(file, sep);
  const num = (name: string): FeatureColumn => numericColumn(name, t.get(name)!.map((v) => (v.trim() === '' ? null : Number(v))));
  const columns = [...ref.numeric.map(num), ...ref.categorical.map((c) => categoricalColumn(c, t.get(c)!))];
  const y = Float64Array.from(t.get(ref.target)!, (v) => (v === ref.positive ? 1 : 0));
  return { t, num, columns, y };
}

const telcoFile = () => resolve(DATA!, 'telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv');
const bankFile = () => resolve(DATA!, 'bank-marketing/bank-full.csv');

function checkDataset(name: string, ref: RefSet, file: string, sep: string) {
  const { t, num, columns, y } = load(ref, file, sep);
  assert.equal(y.length, ref.rows);
  assert.equal(y.reduce((s, v) => s + v, 0), ref.positives);
  const design = buildDesign(columns, logisticClassifier.designOptions);
  assert.deepEqual(design.encoding.columns.map((c) => c.name), ref.columns, `${name}: the design's columns are the reference's`);

  // coefficients at C = 1 equal scikit-learn's to 1e-6
  const model = logisticClassifier.fit({ design, y }, { C: ref.C }) as FittedLogistic;
  const worst = Math.max(Math.abs(model.intercept - ref.intercept), ...model.coefficients.map((b, j) => Math.abs(b - ref.coefficients[j]!)));
  assert.ok(worst < 1e-6, `${name}: largest coefficient difference from sklearn ${worst}`);
  // … and its objective is not above lbfgs's, whose coefficients stop ${ref.lbfgs.maxAbsDifferenceFromNewtonCholesky} away
  const json = model.toJSON();
  assert.ok((json.state.objective as number) <= ref.lbfgs.objective + 1e-9 * ref.lbfgs.objective, `${name}: objective ${String(json.state.objective)} vs lbfgs ${ref.lbfgs.objective}`);
  assert.ok(Math.abs((json.state.objective as number) - ref.objective) < 1e-8 * ref.objective);
  // standard errors of the penalised fit: sqrt(diag((X'WX + I0/C)^-1)) computed with numpy
  const se = model.standardErrors!;
  for (const [j, s] of ref.standardErrorsPenalised.entries()) assert.ok(Math.abs(se[j]! - s) < 1e-6 * s, `${name}: SE ${j} ${se[j]} vs ${s}`);
  const imp = model.importance();
  const tenureLike = imp.find((i) => i.name === ref.columns[1])!;
  assert.ok(Math.abs(tenureLike.z! - tenureLike.value / tenureLike.standardError!) < 1e-12);

  // class_weight='balanced'
  const balanced = trainClassifier(logisticClassifier, columns, y, { C: ref.C }, { folds: 0, classWeight: 'balanced' }).model as FittedLogistic;
  const worstB = Math.max(Math.abs(balanced.intercept - ref.balanced.intercept), ...balanced.coefficients.map((b, j) => Math.abs(b - ref.balanced.coefficients[j]!)));
  assert.ok(worstB < 1e-6, `${name}: balanced, largest coefficient difference ${worstB}`);

  // no penalty on an identifiable drop-first design: statsmodels' maximum-likelihood estimates and SEs
  const mleColumns = [...ref.unpenalised.numeric.map(num), ...ref.unpenalised.categorical.map((c) => categoricalColumn(c, t.get(c)!))];
  const dMle = buildDesign(mleColumns, { ...logisticClassifier.designOptions, categorical: 'onehot-drop-first' });
  assert.deepEqual(dMle.encoding.columns.map((c) => c.name), ref.unpenalised.columns);
  assert.ok(ref.unpenalised.converged);
  const mle = logisticClassifier.fit({ design: dMle, y }, { C: Infinity }) as FittedLogistic;
  const params = [mle.intercept, ...mle.coefficients];
  for (const [j, b] of ref.unpenalised.params.entries()) assert.ok(Math.abs(params[j]! - b) < 1e-6, `${name}: MLE ${j} ${params[j]} vs statsmodels ${b}`);
  for (const [j, s] of ref.unpenalised.bse.entries()) assert.ok(Math.abs(mle.standardErrors![j]! - s) < 1e-6 * s, `${name}: MLE SE ${j} ${mle.standardErrors![j]} vs statsmodels ${s}`);

  // 5-fold CV on scikit-learn's StratifiedKFold folds: each fold's AUC and log loss equal sklearn's
  const folds = Int32Array.from(ref.cv.folds, (c) => Number(c));
  const cv = trainClassifier(logisticClassifier, columns, y, { C: ref.C }, { folds }).cv!;
  for (const [f, r] of cv.folds.entries()) {
    assert.ok(Math.abs(r.auc - ref.cv.auc[f]!) < 1e-9, `${name}: fold ${f} AUC ${r.auc} vs sklearn ${ref.cv.auc[f]}`);
    assert.ok(Math.abs(r.logLoss - ref.cv.logLoss[f]!) < 1e-7, `${name}: fold ${f} log loss ${r.logLoss} vs sklearn ${ref.cv.logLoss[f]}`);
  }
  assert.ok(Math.abs(cv.pooledAuc - ref.cv.pooledAuc) < 1e-9);
  // warm-started folds (as `segmint model train` runs them) land on the same optimum
  if (name !== 'telco') return cv;
  const warm = trainClassifier(logisticClassifier, columns, y, { C: ref.C }, { folds, foldParams: (full) => ({ C: ref.C, start: [(full as FittedLogistic).intercept, ...(full as FittedLogistic).coefficients] }) }).cv!;
  for (const [f, r] of warm.folds.entries()) assert.ok(Math.abs(r.auc - ref.cv.auc[f]!) < 1e-9, `${name}: warm fold ${f}`);
  return cv;
}

test('telco-churn: coefficients, standard errors and 5-fold AUC equal scikit-learn / statsmodels', { skip }, () => {
  const cv = checkDataset('telco', REF.telco as RefSet, telcoFile(), ',');
  assert.ok(cv.auc > 0.84 && cv.auc < 0.85, `${cv.auc}`);
});

test('bank-full: coefficients, standard errors and 5-fold AUC equal scikit-learn / statsmodels', { skip }, () => {
  const cv = checkDataset('bank', REF.bank as RefSet, bankFile(), ';');
  assert.ok(cv.auc > 0.9 && cv.auc < 0.91, `${cv.auc}`);
});

test('no-penalty fit on separable data: not converged, warned', () => {
  const columns = [numericColumn('x', [1, 2, 3, 4, 5, 6])];
  const design = buildDesign(columns, logisticClassifier.designOptions);
  const m = logisticClassifier.fit({ design, y: Float64Array.from([0, 0, 0, 1, 1, 1]) }, { C: Infinity, maxIterations: 30 });
  const json = m.toJSON();
  assert.equal(json.converged, false);
  assert.match(json.warnings.join(' '), /separable/);
});

test('params are validated; a stored model round-trips through JSON', () => {
  const columns = [numericColumn('x', [1, 2, 3, 4, 5, 6]), categoricalColumn('c', ['a', 'b', 'a', 'b', 'a', null])];
  const design = buildDesign(columns, logisticClassifier.designOptions);
  const y = Float64Array.from([0, 1, 0, 1, 1, 0]);
  assert.throws(() => logisticClassifier.fit({ design, y }, { C: -1 }), (e: unknown) => isSegmintError(e, 'invalid-model-params'));
  assert.throws(() => logisticClassifier.fit({ design, y }, { penalty: 'l1' }), (e: unknown) => isSegmintError(e, 'invalid-model-params'));
  const m = logisticClassifier.fit({ design, y }, { C: 0.5 });
  const again = logisticClassifier.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
  assert.deepEqual(Array.from(again.predictProba(design.x, design.n)), Array.from(m.predictProba(design.x, design.n)));
  assert.deepEqual(again.importance(), m.importance());
  assert.throws(() => logisticClassifier.fromJSON({ ...m.toJSON(), state: {} }), (e: unknown) => isSegmintError(e, 'invalid-model'));
});

test('a first Newton step by an approximate inverse Hessian (a subsample fit\'s) reaches the same optimum and standard errors', async () => {
  // (the covariance is the inverse Hessian at the iterate before the last, rounding-level step: to 1e-7 relative)
  const { fitLogistic } = await import('../campaign/logistic.ts');
  const { Random } = await import('../random.ts');
  const r = new Random(7);
  const n = 20_000, p = 6;
  const x = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let eta = -0.5;
    for (let j = 0; j < p; j++) {
      const v = j < 3 ? r.normal() : (Math.floor(r.next() * 3) === j - 3 ? 1 : 0); // columns 3–5: one-hot
      x[i * p + j] = v;
      eta += (j % 2 ? 0.6 : -0.4) * v;
    }
    y[i] = r.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  const oneHot = [[3, 4, 5]];
  const plain = fitLogistic(x, n, p, y, { C: 1, covariance: true, oneHot });
  // a subsample (every 10th row) fit as the start, its inverse Hessian scaled to the rows
  const k = 10, rows = n / k;
  const xs = new Float64Array(rows * p);
  const ys = new Float64Array(rows);
  for (let s = 0; s < rows; s++) {
    xs.set(x.subarray(s * k * p, s * k * p + p), s * p);
    ys[s] = y[s * k]!;
  }
  const sub = fitLogistic(xs, rows, p, ys, { C: 1 / k, covariance: true, oneHot });
  const start = [sub.intercept, ...sub.coefficients];
  for (const scale of [1 / k, 1e6]) {
    // 1e6: a step far too long, not a descent: taken again by the rows' Hessian
    const m = fitLogistic(x, n, p, y, { C: 1, covariance: true, oneHot, start, startInverseHessian: sub.scaledCovariance!.map((v) => v * scale) });
    assert.ok(m.converged);
    assert.ok(Math.abs(m.intercept - plain.intercept) < 1e-9, `scale ${scale}: intercept ${m.intercept} vs ${plain.intercept}`);
    m.coefficients.forEach((b, j) => assert.ok(Math.abs(b - plain.coefficients[j]!) < 1e-9, `scale ${scale}: β${j} ${b} vs ${plain.coefficients[j]}`));
    m.scaledCovariance!.forEach((v, j) => assert.ok(Math.abs(v - plain.scaledCovariance![j]!) <= 1e-7 * Math.abs(plain.scaledCovariance![j]!) + 1e-15, `scale ${scale}: covariance ${j}`));
  }
});
