/**
 * Per-customer uplift — the change in the probability of a binary outcome that the treatment causes — from
 * pre-treatment features, with logistic regression (./logistic.ts). Pure, deterministic per seed.
 *
 * - two-model (T-learner; Hansotia & Rukstales 2002): one model on the treated rows, one on the control
 *   rows; uplift = P(y = 1 | x, treated) − P(y = 1 | x, control);
 * - class transformation (Jaskowski & Jaroszewicz 2012): one model of z = y·t + (1 − y)(1 − t) on all rows;
 *   uplift = 2·P(z = 1 | x) − 1. The identity needs P(t = 1) = ½; when the arms differ in size the rows are
 *   weighted n / (2·n_arm) so that each arm carries half the weight (weights 1 when the arms are equal).
 */

import { SegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { buildDesign, inferEncoding, type Design, type FeatureEncoding, type FeatureValue } from './design.ts';
import { fitLogistic, predictLogistic, type LogisticModel } from './logistic.ts';
import { qiniCoefficient, qiniCurve, randomTargeting, upliftAtK, upliftAuc, upliftCurve, type Curve, type RandomTargeting } from './qini.ts';

export type UpliftMethod = 'two-model' | 'class-transformation';
export const UPLIFT_METHODS: readonly UpliftMethod[] = ['two-model', 'class-transformation'];

export interface UpliftFitOptions {
  method?: UpliftMethod;
  /** scikit-learn's C for each logistic regression. Default 1 */
  C?: number;
  /** z-score the features inside each regression. Default true */
  standardize?: boolean;
}

export interface UpliftModel {
  method: UpliftMethod;
  /** two-model: [treated, control]; class transformation: [the model of z] */
  models: LogisticModel[];
  treated: number;
  control: number;
}

function armSizes(t: ArrayLike<number>): { treated: number; control: number } {
  let treated = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] !== 0 && t[i] !== 1) throw new SegmintError('invalid-uplift-input', `treatment flags must be 0 or 1, row ${i + 1} has ${t[i]}`);
    treated += t[i]!;
  }
  const control = t.length - treated;
  if (treated === 0 || control === 0)
    throw new SegmintError('empty-arm', `the training rows hold ${treated} treated and ${control} control customers`, { hint: 'uplift needs both arms: check the treatment and control arm names' });
  return { treated, control };
}

/** The listed rows of `x` (n × p). */
function subset(x: Float64Array, p: number, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length * p);
  for (let k = 0; k < rows.length; k++) for (let j = 0, r = rows[k]! * p; j < p; j++) out[k * p + j] = x[r + j]!;
  return out;
}

/** Fit an uplift model on the design `x` (n × p), outcomes `y` (0/1) and treatment flags `t` (1 treated, 0 control). */
export function fitUplift(x: Float64Array, n: number, p: number, y: ArrayLike<number>, t: ArrayLike<number>, o: UpliftFitOptions = {}): UpliftModel {
  const method = o.method ?? 'two-model';
  if (!UPLIFT_METHODS.includes(method)) throw new SegmintError('invalid-option', `unknown uplift method '${String(method)}'`, { hint: `use one of ${UPLIFT_METHODS.join(', ')}` });
  if (y.length !== n || t.length !== n) throw new SegmintError('invalid-design', `${n} rows need ${n} outcomes and treatment flags, got ${y.length} and ${t.length}`);
  const { treated, control } = armSizes(t);
  const lo = { C: o.C ?? 1, standardize: o.standardize ?? true };
  if (method === 'two-model') {
    const models = [1, 0].map((arm) => {
      const rows: number[] = [];
      for (let i = 0; i < n; i++) if (t[i] === arm) rows.push(i);
      return fitLogistic(subset(x, p, rows), rows.length, p, Float64Array.from(rows, (i) => y[i]!), lo);
    });
    return { method, models, treated, control };
  }
  const z = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    z[i] = y[i] === t[i] ? 1 : 0;
    weights[i] = t[i] === 1 ? n / (2 * treated) : n / (2 * control);
  }
  return { method, models: [fitLogistic(x, n, p, z, { ...lo, weights })], treated, control };
}

/** Predicted uplift of each row of `x` (n × p). */
export function predictUplift(model: UpliftModel, x: Float64Array, n: number): Float64Array {
  const a = predictLogistic(model.models[0]!, x, n);
  if (model.method === 'two-model') {
    const b = predictLogistic(model.models[1]!, x, n);
    for (let i = 0; i < n; i++) a[i] = a[i]! - b[i]!;
  } else for (let i = 0; i < n; i++) a[i] = 2 * a[i]! - 1;
  return a;
}

/**
 * A seeded split of rows 0 … n−1: a Fisher–Yates shuffle by `new Random(seed)`, the first
 * round(n · testShare) rows of it held out for testing; both lists in row order.
 */
export function splitRows(n: number, testShare: number, seed: number): { train: number[]; test: number[] } {
  if (!(testShare > 0 && testShare < 1)) throw new SegmintError('invalid-option', `the test share must be between 0 and 1, got ${testShare}`, { hint: 'e.g. 0.5 for half the rows' });
  // Random.shuffle's Fisher–Yates on a typed array (the same draws, so the same order)
  const rng = new Random(seed);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  const size = Math.round(n * testShare);
  return { test: Array.from(order.slice(0, size).sort()), train: Array.from(order.slice(size).sort()) };
}

export interface UpliftEvaluation {
  /** normalised areas (sklift qini_auc_score and uplift_auc_score) */
  qiniCoefficient: number;
  upliftAuc: number;
  /** uplift at the top `k` share of the test rows (sklift uplift_at_k, strategy overall) */
  upliftAtK: number;
  k: number;
  random: RandomTargeting;
  qini: Curve;
  uplift: Curve;
}

export interface UpliftStudyOptions extends UpliftFitOptions {
  features: readonly string[];
  testShare?: number;
  seed?: number;
  /** the share targeted for uplift@k and the send list. Default 0.3 */
  k?: number;
  /** random rankings for the baseline. Default 100 */
  permutations?: number;
}

export interface UpliftStudy {
  method: UpliftMethod;
  encoding: FeatureEncoding[];
  columns: string[];
  model: UpliftModel;
  train: { rows: number; treated: number; control: number };
  test: { rows: number; treated: number; control: number };
  evaluation: UpliftEvaluation;
  testRows: number[];
  /** the predicted uplift of every row of the table (train and test) */
  scores: Float64Array;
}

/**
 * The whole study on one table: encode `features`, split the rows (seeded), fit on the training rows,
 * score every row and evaluate on the held-out rows against random targeting.
 */
export function upliftStudy(table: Record<string, readonly FeatureValue[]>, y: ArrayLike<number>, t: ArrayLike<number>, o: UpliftStudyOptions): UpliftStudy {
  const n = y.length;
  const k = o.k ?? 0.3;
  const encoding = inferEncoding(table, o.features);
  const all: Design = buildDesign(table, encoding);
  if (all.n !== n || t.length !== n) throw new SegmintError('invalid-design', `the table has ${all.n} rows, the outcomes ${n} and the treatment flags ${t.length}`);
  const { train, test } = splitRows(n, o.testShare ?? 0.5, o.seed ?? 0);
  const pick = (rows: number[], v: ArrayLike<number>) => Float64Array.from(rows, (i) => v[i]!);
  const yTrain = pick(train, y);
  const tTrain = pick(train, t);
  const model = fitUplift(subset(all.x, all.p, train), train.length, all.p, yTrain, tTrain, o);
  const scores = predictUplift(model, all.x, n);
  const yTest = pick(test, y);
  const tTest = pick(test, t);
  const sTest = pick(test, scores);
  const evaluation: UpliftEvaluation = {
    qiniCoefficient: qiniCoefficient(yTest, tTest, sTest),
    upliftAuc: upliftAuc(yTest, tTest, sTest),
    upliftAtK: upliftAtK(yTest, tTest, sTest, k),
    k,
    random: randomTargeting(yTest, tTest, k, { permutations: o.permutations, seed: o.seed }),
    qini: qiniCurve(yTest, tTest, sTest),
    uplift: upliftCurve(yTest, tTest, sTest),
  };
  const treatedTest = tTest.reduce((s, v) => s + v, 0);
  return {
    method: model.method,
    encoding,
    columns: all.columns,
    model,
    train: { rows: train.length, treated: model.treated, control: model.control },
    test: { rows: test.length, treated: treatedTest, control: test.length - treatedTest },
    evaluation,
    testRows: test,
    scores,
  };
}

/**
 * The send list for next time: the `k` share (or whole number) of rows with the highest predicted uplift,
 * best first (ties in row order), and only rows whose uplift is positive when `positiveOnly`.
 */
export function topByUplift(scores: ArrayLike<number>, k: number, positiveOnly = false): number[] {
  const n = scores.length;
  const size = k < 1 ? Math.floor(n * k) : Math.min(n, Math.floor(k));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const top = order.slice(0, size);
  return positiveOnly ? top.filter((i) => scores[i]! > 0) : top;
}
