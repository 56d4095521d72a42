/**
 * Train a classifier with k-fold cross-validation: each fold's design is learnt on its training rows only
 * (imputation means, scales, levels), the model fitted there (class weights from those rows) and scored on
 * the held-out rows. The out-of-fold probabilities give the pooled calibration curve and gain/lift table;
 * the final model is fitted on every row. Any `Classifier` (types.ts) plugs in. Pure.
 */

import { SegmintError } from '../../core/errors.ts';
import { applyDesign, designSource, eachDesignBlock, lazyDesign, learnDesign } from './design.ts';
import { auc, brierScore, calibrationCurve, classWeights, foldRows, gainLift, logLoss, stratifiedFolds, type CalibrationBin, type GainRow } from './metrics.ts';
import { permutationImportance } from './permutation-importance.ts';
import type { Classifier, DesignEncoding, DesignMatrix, FeatureColumn, FeatureImportance, FittedClassifier } from './types.ts';

export interface TrainOptions {
  /** folds (k ≥ 2), or a fold per row (0 … k−1), e.g. a reference's. 0: no cross-validation. Default 5 */
  folds?: number | Int32Array;
  /** seed of the fold assignment. Default 0 */
  seed?: number;
  classWeight?: 'balanced' | 'none';
  /** the params of a fold's fit given the model fitted on every row (a warm start). Default: the params */
  foldParams?: (full: FittedClassifier) => Record<string, unknown>;
  /** permutation importance on the first fold's held-out rows, with that fold's model (permutation-importance.ts) */
  permutation?: { repeats?: number; seed?: number };
}

export interface FoldResult {
  fold: number;
  trainRows: number;
  testRows: number;
  auc: number;
  logLoss: number;
}

export interface CrossValidation {
  k: number;
  /** the fold of each row */
  assignment: Int32Array;
  folds: FoldResult[];
  /** mean and sample standard deviation of the folds' AUC; mean log loss */
  auc: number;
  aucSd: number;
  logLoss: number;
  /** over the pooled out-of-fold probabilities */
  pooledAuc: number;
  brier: number;
  calibration: CalibrationBin[];
  gainLift: GainRow[];
  /** out-of-fold P(y = 1) of each row */
  outOfFold: Float64Array;
  /** with `permutation`: AUC drop per input feature on the first fold's held-out rows */
  permutationImportance: (FeatureImportance & { sd: number })[] | null;
}

export interface TrainResult {
  model: FittedClassifier;
  encoding: DesignEncoding;
  /** null with folds = 0 */
  cv: CrossValidation | null;
  rows: number;
  positives: number;
  /** metrics of the final model on its own training rows (optimistic; the CV figures are the honest ones) */
  trainingAuc: number;
}

function checkTarget(y: Float64Array): number {
  let pos = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new SegmintError('invalid-design', `the target must be 0 or 1, row ${i + 1} has ${y[i]}`);
    pos += y[i]!;
  }
  if (pos === 0 || pos === y.length) throw new SegmintError('single-class', `the target has only one class (${pos} positives of ${y.length} rows)`, { hint: 'a classifier needs customers with and without the outcome' });
  return pos;
}

const take = (a: Float64Array, rows: Int32Array): Float64Array => Float64Array.from(rows, (i) => a[i]!);

/** P(y = 1) of every row of a design: from its matrix when built, else encoded and predicted a block at a time. */
function predictDesign(model: FittedClassifier, design: DesignMatrix): Float64Array {
  const source = designSource(design);
  if (!source) return model.predictProba(design.x, design.n);
  const out = new Float64Array(design.n);
  eachDesignBlock(design.encoding, source.columns, (x, from, to) => model.predictProba(x, to - from, out.subarray(from, to)), { rows: source.rows });
  return out;
}

/** Fit `classifier` on every row of `columns` and cross-validate it (see the file comment). */
export function trainClassifier<P extends Record<string, unknown>>(
  classifier: Classifier<P>, columns: readonly FeatureColumn[], y: Float64Array, params: P, o: TrainOptions = {},
): TrainResult {
  const positives = checkTarget(y);
  const mode = o.classWeight ?? 'none';
  const encoding = learnDesign(columns, classifier.designOptions);
  // built only if the classifier reads the matrix (trees do; logistic reads the columns a block at a time)
  const design = lazyDesign(encoding, columns);
  if (design.n !== y.length) throw new SegmintError('invalid-design', `${design.n} feature rows but ${y.length} outcomes`);
  const model = classifier.fit({ design, y, weights: mode === 'none' ? undefined : classWeights(y, mode) }, params);
  const trainingAuc = auc(y, model.trainingProbabilities?.() ?? predictDesign(model, design));

  const foldsOpt = o.folds ?? 5;
  if (foldsOpt === 0) return { model, encoding, cv: null, rows: y.length, positives, trainingAuc };
  const assignment = typeof foldsOpt === 'number' ? stratifiedFolds(y, foldsOpt, o.seed ?? 0) : foldsOpt;
  if (assignment.length !== y.length) throw new SegmintError('invalid-folds', `${assignment.length} fold assignments for ${y.length} rows`);
  const k = typeof foldsOpt === 'number' ? foldsOpt : Math.max(...assignment) + 1;
  const foldParams = (o.foldParams ? o.foldParams(model) : params) as P;
  const outOfFold = new Float64Array(y.length);
  const folds: FoldResult[] = [];
  let permutation: (FeatureImportance & { sd: number })[] | null = null;
  for (const [f, { train, test }] of foldRows(assignment, k).entries()) {
    if (test.length === 0) throw new SegmintError('invalid-folds', `fold ${f} has no rows`);
    const yTrain = take(y, train);
    const yTest = take(y, test);
    checkTarget(yTrain);
    const enc = learnDesign(columns, classifier.designOptions, train);
    const dTrain = lazyDesign(enc, columns, train);
    const fitted = classifier.fit({ design: dTrain, y: yTrain, weights: mode === 'none' ? undefined : classWeights(yTrain, mode) }, foldParams);
    const dTest = applyDesign(enc, columns, test);
    const pTest = fitted.predictProba(dTest.x, dTest.n);
    for (let t = 0; t < test.length; t++) outOfFold[test[t]!] = pTest[t]!;
    if (f === 0 && o.permutation) permutation = permutationImportance(fitted, dTest, yTest, { repeats: o.permutation.repeats ?? 5, seed: o.permutation.seed ?? o.seed ?? 0 });
    folds.push({ fold: f, trainRows: train.length, testRows: test.length, auc: auc(yTest, pTest), logLoss: logLoss(yTest, pTest) });
  }
  const mean = folds.reduce((s, r) => s + r.auc, 0) / k;
  const sd = Math.sqrt(folds.reduce((s, r) => s + (r.auc - mean) ** 2, 0) / Math.max(1, k - 1));
  const cv: CrossValidation = {
    k, assignment, folds, auc: mean, aucSd: sd,
    logLoss: folds.reduce((s, r) => s + r.logLoss, 0) / k,
    pooledAuc: auc(y, outOfFold),
    brier: brierScore(y, outOfFold),
    calibration: calibrationCurve(y, outOfFold),
    gainLift: gainLift(y, outOfFold),
    outOfFold,
    permutationImportance: permutation,
  };
  return { model, encoding, cv, rows: y.length, positives, trainingAuc };
}
