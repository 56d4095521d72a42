/**
 * L2-regularised logistic regression as a `Classifier` (types.ts): the damped-Newton kernel of
 * models/campaign/logistic.ts (scikit-learn's `LogisticRegression(penalty='l2', C)` objective with an
 * unpenalised intercept) over a design that design.ts has already one-hot encoded, imputed and standardised,
 * with the standard errors of the coefficients from the inverse Hessian of the objective at the solution.
 *
 * With C = Infinity the standard errors are the usual maximum-likelihood ones (statsmodels' Logit `bse`);
 * with a finite C they are those of the penalised estimate, sqrt(diag((XᵀWX + I/C)⁻¹)), which understate the
 * uncertainty of a shrunken coefficient — the docs say so.
 */

import { SegmintError } from '../../core/errors.ts';
import { fitLogistic, fitLogisticBlocks, predictLogistic, sigmoid, type LogisticModel } from '../campaign/logistic.ts';
import { normalCdf } from '../campaign/stats.ts';
import { designBlocks, designSource } from './design.ts';
import { fitLogisticColumns } from './logistic-newton.ts';
import { predictLogisticColumns } from './logistic-predict.ts';
import { logisticThreads } from './logistic-pool.ts';
import type { Classifier, ClassifierJSON, DesignEncoding, DesignMatrix, DesignOptions, FeatureColumn, FeatureImportance, FittedClassifier, TrainingSet } from './types.ts';

export interface LogisticParams extends Record<string, unknown> {
  /** inverse regularisation strength (scikit-learn's C); Infinity: no penalty. Default 1 */
  C?: number;
  /** Newton iterations at most. Default 100 */
  maxIterations?: number;
  /** starting values (intercept first) on the design's scale, e.g. the fit on all rows for a CV fold */
  start?: number[];
}

export const LOGISTIC_DESIGN: DesignOptions = { categorical: 'onehot', numeric: 'standardize', missing: 'impute-mean' };

interface LogisticState {
  intercept: number;
  coefficients: number[];
  columns: string[];
  /** standard errors, intercept first (null when the Hessian is singular) */
  standardErrors: number[] | null;
  objective: number;
}

function validate(params: LogisticParams): { C: number; maxIterations: number; start?: number[] } {
  const known = new Set(['C', 'maxIterations', 'start']);
  for (const k of Object.keys(params))
    if (!known.has(k)) throw new SegmintError('invalid-model-params', `logistic regression has no parameter '${k}'`, { hint: `its parameters are: ${[...known].join(', ')}` });
  const C = params.C ?? 1;
  if (typeof C !== 'number' || !(C > 0)) throw new SegmintError('invalid-model-params', `C must be a positive number, got ${String(C)}`, { hint: 'C is the inverse regularisation strength: larger means less shrinkage; Infinity fits without a penalty' });
  const maxIterations = params.maxIterations ?? 100;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new SegmintError('invalid-model-params', `maxIterations must be a positive integer, got ${String(maxIterations)}`);
  return { C, maxIterations, ...(params.start ? { start: params.start } : {}) };
}

/**
 * The design's one-hot columns for the kernel (`LogisticOptions.oneHot`): each categorical feature's level
 * columns, and each missing indicator on its own — at most one 1 per row in each, so the passes over the rows
 * skip their zeros. The kernel checks the values and treats a group that is not like that as dense.
 */
export function oneHotGroups(encoding: DesignEncoding): number[][] {
  const groups = new Map<string, number[]>();
  const out: number[][] = [];
  encoding.columns.forEach((c, j) => {
    if (c.kind === 'missing-indicator') out.push([j]);
    if (c.kind !== 'indicator') return;
    let g = groups.get(c.feature);
    if (!g) {
      g = [];
      groups.set(c.feature, g);
      out.push(g);
    }
    g.push(j);
  });
  return out;
}

/** Rows above which a fit starts from the fit on a subsample (every k-th row). */
const SUBSAMPLE_ABOVE = 200_000;

/**
 * Starting values for a large fit: the fit on every k-th row (about 50,000 rows) with C scaled by k, so that the
 * penalty weighs the same against the data. Newton's method on all rows then needs two or three steps instead
 * of five or six; it still converges to the full data's optimum (the same stopping rule), so this changes the
 * time, not the answer.
 */
function subsampleStart(design: DesignMatrix, y: Float64Array, w: Float64Array | undefined, C: number, oneHot: number[][]): { start: number[]; inverseHessian: number[] | undefined } | undefined {
  const { n, p } = design;
  if (n <= SUBSAMPLE_ABOVE) return undefined;
  const k = Math.floor(n / 50_000);
  const rows = Math.ceil(n / k);
  const picked = Int32Array.from({ length: rows }, (_, r) => r * k);
  const ys = Float64Array.from(picked, (i) => y[i]!);
  const ws = w ? Float64Array.from(picked, (i) => w[i]!) : undefined;
  let pos = 0;
  for (let r = 0; r < rows; r++) pos += ys[r]!;
  if (pos === 0 || pos === rows) return undefined;
  const options = { C: Number.isFinite(C) ? C / k : C, weights: ws, maxIterations: 50, oneHot, covariance: true };
  const source = designSource(design);
  // the design is not built: the picked rows read from the feature columns (the same values), no matrix
  const blocks = source ? designBlocks(design.encoding, source.columns, source.rows ? Int32Array.from(picked, (i) => source.rows![i]!) : picked) : null;
  let m: LogisticModel;
  if (blocks?.values) m = fitLogisticColumns({ ...blocks, values: blocks.values }, ys, options, 1);
  else if (blocks) m = fitLogisticBlocks(blocks, ys, options);
  else {
    const x = design.x;
    const xs = new Float64Array(rows * p);
    for (let r = 0; r < rows; r++) xs.set(x.subarray(picked[r]! * p, picked[r]! * p + p), r * p);
    m = fitLogistic(xs, rows, p, ys, options);
  }
  if (!m.converged) return undefined;
  // its Hessian stands for the rows' (scaled by their share of the weight) in the first Newton step on every row
  let all = n, some = rows;
  if (w && ws) {
    all = 0;
    some = 0;
    for (let i = 0; i < n; i++) all += w[i]!;
    for (let r = 0; r < rows; r++) some += ws[r]!;
  }
  const cov = m.scaledCovariance;
  return { start: [m.intercept, ...m.coefficients], inverseHessian: cov ? cov.map((v) => (v * some) / all) : undefined };
}

class FittedLogistic implements FittedClassifier {
  readonly algorithm = 'logistic' as const;
  readonly p: number;
  readonly #json: ClassifierJSON;
  readonly #state: LogisticState;
  readonly #kernel: LogisticModel;
  /** the training rows' linear predictors from the fit, until taken */
  #training: Float64Array | null;

  constructor(json: ClassifierJSON, training: Float64Array | null = null) {
    this.#json = json;
    this.#training = training;
    this.#state = json.state as unknown as LogisticState;
    this.p = this.#state.coefficients.length;
    const s = this.#state;
    this.#kernel = {
      p: this.p, C: Number(json.params.C ?? 1), standardized: false, intercept: s.intercept, coefficients: s.coefficients,
      means: null, scales: null, scaledIntercept: s.intercept, scaledCoefficients: s.coefficients, scaledCovariance: null,
      iterations: json.iterations, converged: json.converged, objective: s.objective,
    };
  }

  get intercept(): number {
    return this.#state.intercept;
  }

  get coefficients(): readonly number[] {
    return this.#state.coefficients;
  }

  /** standard errors, intercept first, or null when the Hessian was singular */
  get standardErrors(): readonly number[] | null {
    return this.#state.standardErrors;
  }

  predictProba(x: Float64Array, n: number, out?: Float64Array): Float64Array {
    return predictLogistic(this.#kernel, x, n, out as Float64Array<ArrayBuffer> | undefined);
  }

  trainingProbabilities(): Float64Array | null {
    const eta = this.#training;
    this.#training = null;
    if (!eta) return null;
    for (let i = 0; i < eta.length; i++) eta[i] = sigmoid(eta[i]!);
    return eta;
  }

  importance(): FeatureImportance[] {
    const s = this.#state;
    return s.coefficients
      .map((value, j): FeatureImportance => {
        const se = s.standardErrors?.[j + 1];
        if (se === undefined || !(se > 0)) return { name: s.columns[j]!, kind: 'coefficient', value };
        const z = value / se;
        return { name: s.columns[j]!, kind: 'coefficient', value, standardError: se, z, pValue: 2 * normalCdf(-Math.abs(z)) };
      })
      .sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.name.localeCompare(b.name));
  }

  toJSON(): ClassifierJSON {
    return structuredClone(this.#json);
  }
}

export type { FittedLogistic };

/**
 * P(y = 1) of every row of `columns` (encoded by `encoding`) into `out` when `model` is a logistic model, read
 * column by column (logistic-predict.ts: the same probabilities as `predictProba` over `eachDesignBlock`); false
 * (nothing written) for another classifier or an encoding that reader does not handle.
 */
export function logisticProbabilities(model: FittedClassifier, encoding: DesignEncoding, columns: readonly FeatureColumn[], out: Float64Array): boolean {
  return model instanceof FittedLogistic && predictLogisticColumns(encoding, columns, model.intercept, model.coefficients, out);
}

export const logisticClassifier: Classifier<LogisticParams> = {
  algorithm: 'logistic',
  designOptions: LOGISTIC_DESIGN,
  fit(data: TrainingSet, params: LogisticParams): FittedClassifier {
    const prm = validate(params);
    const { n, p, encoding } = data.design;
    const oneHot = oneHotGroups(encoding);
    const sub = prm.start ? undefined : subsampleStart(data.design, data.y, data.weights, prm.C, oneHot);
    const start = prm.start ?? sub?.start;
    // the fit's last pass has the training rows' linear predictors: the training AUC needs no pass of its own
    const options = { C: prm.C, maxIterations: prm.maxIterations, weights: data.weights, start, startInverseHessian: sub?.inverseHessian, covariance: true, oneHot, linearPredictors: true };
    // a design not built yet is read from its feature columns a block at a time (the same values and sums)
    const source = designSource(data.design);
    let m;
    if (source) {
      // the passes over the rows on two threads when the rows are many (logistic-pool.ts): the same fit
      const threads = logisticThreads(n);
      const blocks = designBlocks(encoding, source.columns, source.rows, { shared: threads > 1 });
      m = blocks.values ? fitLogisticColumns({ ...blocks, values: blocks.values }, data.y, options, threads) : fitLogisticBlocks(blocks, data.y, options);
    } else m = fitLogistic(data.design.x, n, p, data.y, options);
    const warnings: string[] = [];
    if (!m.converged) warnings.push(`Newton's method stopped after ${m.iterations} iterations without converging${Number.isFinite(prm.C) ? '' : ' (no penalty: the classes may be separable or columns collinear; try a finite C)'}`);
    const cov = m.scaledCovariance;
    const standardErrors = cov ? Array.from({ length: p + 1 }, (_, j) => Math.sqrt(cov[j * (p + 1) + j]!)) : null;
    if (!cov) warnings.push('the Hessian is singular: no standard errors');
    const state: LogisticState = { intercept: m.intercept, coefficients: m.coefficients, columns: encoding.columns.map((c) => c.name), standardErrors, objective: m.objective };
    const json: ClassifierJSON = {
      algorithm: 'logistic',
      params: { C: Number.isFinite(prm.C) ? prm.C : 'Infinity', maxIterations: prm.maxIterations },
      state: state as unknown as Record<string, unknown>,
      iterations: m.iterations,
      converged: m.converged,
      warnings,
    };
    return new FittedLogistic(json, m.linearPredictors ?? null);
  },
  fromJSON(json: ClassifierJSON): FittedClassifier {
    if (json.algorithm !== 'logistic') throw new SegmintError('invalid-model', `expected a logistic model, got '${json.algorithm}'`);
    const s = json.state as Partial<LogisticState>;
    if (!Array.isArray(s.coefficients) || typeof s.intercept !== 'number' || !Array.isArray(s.columns) || s.columns.length !== s.coefficients.length)
      throw new SegmintError('invalid-model', 'a stored logistic model needs an intercept, coefficients and their columns');
    return new FittedLogistic(structuredClone(json));
  },
};
