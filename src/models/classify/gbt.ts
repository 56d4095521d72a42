/**
 * Gradient-boosted trees for a binary outcome, histogram-based (Friedman 2001; Ke et al. 2017 LightGBM;
 * scikit-learn's `HistGradientBoostingClassifier`, whose defaults and split rules it follows). Pure kernels
 * over typed arrays, no per-row objects.
 *
 * Model: log-odds F(x) = F₀ + Σₘ fₘ(x), F₀ = logit(Σ wᵢyᵢ / Σ wᵢ), each fₘ a tree grown on the gradients
 * gᵢ = wᵢ(pᵢ − yᵢ) and hessians hᵢ = wᵢpᵢ(1 − pᵢ) of the binomial log loss at pᵢ = σ(F(xᵢ)), with leaf value
 * −ν·G/(H + λ) (one Newton step, shrunk by the learning rate ν). Columns are binned first (bin-mapper.ts);
 * categorical design columns (`DesignColumn.categorical`, level codes) are split natively by category sets;
 * missing values (NaN) go to the side learnt at each split.
 *
 * Early stopping (off by default) holds out a stratified, seeded `validationFraction` of the rows and stops
 * when the held-out log loss has not fallen by more than `tol` below its value `nIterNoChange` iterations
 * earlier (scikit-learn's `_should_stop` with scoring='loss').
 *
 * On large data (≥ 2,000,000 rows × columns, two cores) the trees grow with a worker thread sharing the
 * histograms, partitions and gradients (tree-grower.ts; SEGMINT_THREADS=1 turns it off): the same trees bit for
 * bit. Prediction walks each tree as routing tables over the binned rows (tree.ts `compileTree`).
 */

import { SegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { applyBins, fitBinMapper, type BinMapper } from './bin-mapper.ts';
import { binsBuffer, defaultTreeThreads, TreeGrower } from './tree-grower.ts';
import { addCompiledPredictions, addTreePredictions, compileTree, treeFromJSON, treeToJSON, type CompiledTree, type Tree, type TreeJSON } from './tree.ts';
import type { Classifier, ClassifierJSON, DesignOptions, FeatureImportance, FittedClassifier, TrainingSet } from './types.ts';

/** Parameters of `fitGbt`, scikit-learn's names in camelCase and its defaults (early stopping off). */
export interface GbtParams {
  [key: string]: unknown;
  /** shrinkage ν of each tree. Default 0.1 */
  learningRate?: number;
  /** boosting iterations (trees). Default 100 */
  maxIter?: number;
  /** leaves per tree. Default 31 */
  maxLeafNodes?: number;
  /** depth limit; null = none. Default null */
  maxDepth?: number | null;
  /** rows each leaf must hold. Default 20 */
  minSamplesLeaf?: number;
  /** λ in the leaf values and gains. Default 0 */
  l2Regularization?: number;
  /** bins per column for non-missing values, 2 … 255. Default 255 */
  maxBins?: number;
  /** Default false */
  earlyStopping?: boolean;
  /** Default 0.1 */
  validationFraction?: number;
  /** Default 10 */
  nIterNoChange?: number;
  /** Default 1e-7 */
  tol?: number;
  /** the binning sample and the early-stopping hold-out. Default 0 */
  seed?: number;
}

/** `GbtParams` with every default filled in. */
export interface ResolvedGbtParams {
  [key: string]: unknown;
  learningRate: number;
  maxIter: number;
  maxLeafNodes: number;
  maxDepth: number | null;
  minSamplesLeaf: number;
  l2Regularization: number;
  maxBins: number;
  earlyStopping: boolean;
  validationFraction: number;
  nIterNoChange: number;
  tol: number;
  seed: number;
}

export const GBT_DESIGN: DesignOptions = { categorical: 'codes', numeric: 'raw', missing: 'nan' };

function bad(message: string): never {
  throw new SegmintError('invalid-model-params', message, { hint: 'see docs/models.md, "Gradient-boosted trees"' });
}

/** Validate and complete the parameters. */
export function resolveGbtParams(params: GbtParams = {}): ResolvedGbtParams {
  const known = new Set(['learningRate', 'maxIter', 'maxLeafNodes', 'maxDepth', 'minSamplesLeaf', 'l2Regularization', 'maxBins', 'earlyStopping', 'validationFraction', 'nIterNoChange', 'tol', 'seed']);
  for (const k of Object.keys(params)) if (!known.has(k)) bad(`unknown gradient-boosted trees parameter '${k}'`);
  const r: ResolvedGbtParams = {
    learningRate: params.learningRate ?? 0.1,
    maxIter: params.maxIter ?? 100,
    maxLeafNodes: params.maxLeafNodes ?? 31,
    maxDepth: params.maxDepth ?? null,
    minSamplesLeaf: params.minSamplesLeaf ?? 20,
    l2Regularization: params.l2Regularization ?? 0,
    maxBins: params.maxBins ?? 255,
    earlyStopping: params.earlyStopping ?? false,
    validationFraction: params.validationFraction ?? 0.1,
    nIterNoChange: params.nIterNoChange ?? 10,
    tol: params.tol ?? 1e-7,
    seed: params.seed ?? 0,
  };
  const whole = (name: string, v: number, min: number): void => {
    if (!(Number.isInteger(v) && v >= min)) bad(`${name} must be a whole number ≥ ${min}, got ${v}`);
  };
  if (!(r.learningRate > 0)) bad(`learningRate must be positive, got ${r.learningRate}`);
  whole('maxIter', r.maxIter, 1);
  whole('maxLeafNodes', r.maxLeafNodes, 2);
  if (r.maxDepth !== null) whole('maxDepth', r.maxDepth, 1);
  whole('minSamplesLeaf', r.minSamplesLeaf, 1);
  if (!(r.l2Regularization >= 0)) bad(`l2Regularization must be ≥ 0, got ${r.l2Regularization}`);
  whole('maxBins', r.maxBins, 2);
  if (r.maxBins > 255) bad(`maxBins must be at most 255, got ${r.maxBins}`);
  if (typeof r.earlyStopping !== 'boolean') bad(`earlyStopping must be true or false, got ${String(r.earlyStopping)}`);
  if (!(r.validationFraction > 0 && r.validationFraction < 1)) bad(`validationFraction must be between 0 and 1, got ${r.validationFraction}`);
  whole('nIterNoChange', r.nIterNoChange, 1);
  if (!(r.tol >= 0)) bad(`tol must be ≥ 0, got ${r.tol}`);
  whole('seed', r.seed, 0);
  return r;
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** The fitted state: plain JSON inside `ClassifierJSON.state`. */
export interface GbtState {
  baseline: number;
  bins: BinMapper;
  trees: TreeJSON[];
  /** design column names, and the input feature of each */
  columns: string[];
  features: string[];
  /** held-out log loss per iteration when early stopping */
  validationLoss: number[];
  /** training log loss (weighted mean) per iteration */
  trainLoss: number[];
}

/** A fitted gradient-boosted trees model. Immutable. */
export class GbtModel implements FittedClassifier {
  readonly algorithm = 'gbt' as const;
  readonly p: number;
  /** the trees as routing tables, made on the first prediction */
  private compiled: CompiledTree[] | null = null;
  /** the fit's log-odds of its training rows, until `trainingProbabilities` takes them */
  #training: Float64Array | null = null;

  constructor(
    readonly params: ResolvedGbtParams,
    readonly baseline: number,
    readonly bins: BinMapper,
    readonly trees: readonly Tree[],
    readonly columns: readonly string[],
    readonly features: readonly string[],
    readonly trainLoss: readonly number[],
    readonly validationLoss: readonly number[],
    readonly converged: boolean,
    readonly warnings: readonly string[],
  ) {
    this.p = bins.columns.length;
  }

  /** Log-odds per row of an n × p row-major design. */
  decisionFunction(x: Float64Array, n: number, out?: Float64Array): Float64Array {
    const raw = out ?? new Float64Array(n);
    raw.fill(this.baseline);
    // in blocks, so the binned rows stay small and in cache across trees
    const block = 8192;
    const binned = new Uint8Array(Math.min(n, block) * this.p);
    const trees = (this.compiled ??= this.trees.map(compileTree));
    for (let s = 0; s < n; s += block) {
      const m = Math.min(block, n - s);
      const xb = x.subarray(s * this.p, (s + m) * this.p);
      const bb = binned.subarray(0, m * this.p);
      applyBins(this.bins, xb, m, bb);
      const rb = raw.subarray(s, s + m);
      for (const t of trees) addCompiledPredictions(t, bb, m, this.p, rb);
    }
    return raw;
  }

  predictProba(x: Float64Array, n: number, out?: Float64Array): Float64Array {
    const raw = this.decisionFunction(x, n, out);
    for (let i = 0; i < n; i++) raw[i] = sigmoid(raw[i]!);
    return raw;
  }

  /**
   * P(y = 1) of the rows `fitGbt` was given, from the log-odds the fit kept up to date (F₀, then each tree's
   * leaf value added in tree order: the very sums `decisionFunction` takes, so the same values to the bit)
   * instead of binning the rows again and walking every tree. Null after early stopping (the fit's rows are
   * a subset) or once taken.
   */
  trainingProbabilities(): Float64Array | null {
    const raw = this.#training;
    this.#training = null;
    if (!raw) return null;
    for (let i = 0; i < raw.length; i++) raw[i] = sigmoid(raw[i]!);
    return raw;
  }

  /** Keep the fit's log-odds of every training row for `trainingProbabilities` (fitGbt only). */
  keepTrainingLogOdds(raw: Float64Array): void {
    this.#training = raw;
  }

  /** Total split gain per input feature, largest first (LightGBM's importance_type='gain'). */
  gainImportance(): FeatureImportance[] {
    const total = new Map<string, number>();
    for (const f of this.features) total.set(f, 0);
    for (const t of this.trees) {
      for (let k = 0; k < t.feature.length; k++) {
        const j = t.feature[k]!;
        if (j >= 0) total.set(this.features[j]!, total.get(this.features[j]!)! + t.gain[k]!);
      }
    }
    return [...total].map(([name, value]) => ({ name, kind: 'gain' as const, value })).sort((a, b) => b.value - a.value);
  }

  importance(): FeatureImportance[] {
    return this.gainImportance();
  }

  get iterations(): number {
    return this.trees.length;
  }

  toJSON(): ClassifierJSON {
    const state: GbtState = {
      baseline: this.baseline,
      bins: this.bins,
      trees: this.trees.map(treeToJSON),
      columns: [...this.columns],
      features: [...this.features],
      validationLoss: [...this.validationLoss],
      trainLoss: [...this.trainLoss],
    };
    return {
      algorithm: 'gbt',
      params: { ...this.params },
      state: state as unknown as Record<string, unknown>,
      iterations: this.trees.length,
      converged: this.converged,
      warnings: [...this.warnings],
    };
  }

  static fromJSON(json: ClassifierJSON): GbtModel {
    if (json.algorithm !== 'gbt') throw new SegmintError('invalid-model', `expected a gbt model, got '${json.algorithm}'`);
    const s = json.state as unknown as GbtState;
    if (typeof s.baseline !== 'number' || !Array.isArray(s.trees) || !s.bins || !Array.isArray(s.bins.columns) || !Array.isArray(s.columns)) {
      throw new SegmintError('invalid-model', 'the stored gbt model is incomplete (baseline, bins, trees, columns)');
    }
    const params = resolveGbtParams(json.params as GbtParams);
    return new GbtModel(params, s.baseline, s.bins, s.trees.map(treeFromJSON), s.columns, s.features, s.trainLoss ?? [], s.validationLoss ?? [], json.converged, json.warnings);
  }
}

function checkTrainingSet(data: TrainingSet): void {
  const { x, n, p } = data.design;
  if (x.length !== n * p || data.y.length !== n) {
    throw new SegmintError('invalid-design', `a design of ${n}×${p} needs ${n * p} values and ${n} outcomes, got ${x.length} and ${data.y.length}`);
  }
  if (n === 0) throw new SegmintError('invalid-design', 'the design has no rows');
  if (data.weights && data.weights.length !== n) throw new SegmintError('invalid-design', `${n} rows need ${n} weights, got ${data.weights.length}`);
  for (let i = 0; i < n; i++) {
    const y = data.y[i];
    if (y !== 0 && y !== 1) throw new SegmintError('invalid-design', `outcomes must be 0 or 1, row ${i + 1} has ${y}`);
    const w = data.weights ? data.weights[i]! : 1;
    if (!(w >= 0 && Number.isFinite(w))) throw new SegmintError('invalid-design', `weights must be finite and ≥ 0, row ${i + 1} has ${w}`);
  }
  for (let k = 0; k < x.length; k++) {
    const v = x[k]!;
    if (v === Infinity || v === -Infinity) throw new SegmintError('invalid-design', `row ${Math.floor(k / p) + 1}, column ${(k % p) + 1} is ${v}`, { hint: 'trees take finite values or NaN for missing' });
  }
}

/** Stratified seeded split: indices of the held-out rows (a `fraction` of each class, rounded). */
function stratifiedHoldout(y: Float64Array, fraction: number, seed: number): Uint8Array {
  const n = y.length;
  const held = new Uint8Array(n);
  const rng = new Random(seed, 0x76616c);
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (y[i] === cls) rows.push(i);
    rng.shuffle(rows);
    const m = Math.round(rows.length * fraction);
    for (let k = 0; k < m; k++) held[rows[k]!] = 1;
  }
  return held;
}

function subsetRows(x: Float64Array, p: number, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length * p);
  for (let k = 0; k < rows.length; k++) out.set(x.subarray(rows[k]! * p, rows[k]! * p + p), k * p);
  return out;
}

/** How `fitGbt` runs (not what it fits: the trees are the same whatever these say). */
export interface GbtRunOptions {
  /** 1 or 2; default: 2 on large data when two cores exist (see tree-grower.ts `defaultTreeThreads`) */
  threads?: number;
}

/** Fit gradient-boosted trees (see the file comment). Deterministic given `params.seed`. */
export function fitGbt(data: TrainingSet, params: GbtParams = {}, run: GbtRunOptions = {}): GbtModel {
  const prm = resolveGbtParams(params);
  checkTrainingSet(data);
  const { design } = data;
  const p = design.p;
  const categorical = design.encoding.columns.map((c) => c.categorical === true);
  if (categorical.length !== p) throw new SegmintError('invalid-design', `the design has ${p} columns but its encoding ${categorical.length}`);
  const warnings: string[] = [];

  let x = design.x;
  let y = data.y;
  let w = data.weights ?? null;
  let n = design.n;
  let xVal: Float64Array | null = null, yVal: Float64Array | null = null, wVal: Float64Array | null = null;
  let nVal = 0;
  if (prm.earlyStopping) {
    const held = stratifiedHoldout(data.y, prm.validationFraction, prm.seed);
    const train: number[] = [], val: number[] = [];
    for (let i = 0; i < n; i++) (held[i] ? val : train).push(i);
    if (val.length === 0 || train.length === 0) bad(`validationFraction ${prm.validationFraction} leaves no rows on one side of ${n}`);
    xVal = subsetRows(design.x, p, val);
    yVal = Float64Array.from(val, (i) => data.y[i]!);
    wVal = data.weights ? Float64Array.from(val, (i) => data.weights![i]!) : null;
    nVal = val.length;
    x = subsetRows(design.x, p, train);
    y = Float64Array.from(train, (i) => data.y[i]!);
    w = data.weights ? Float64Array.from(train, (i) => data.weights![i]!) : null;
    n = train.length;
  }

  let sw = 0, swy = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i]! : 1;
    sw += wi;
    swy += wi * y[i]!;
  }
  if (!(sw > 0)) throw new SegmintError('invalid-design', 'the weights sum to 0');
  const prior = swy / sw;
  if (prior <= 0 || prior >= 1) throw new SegmintError('invalid-design', `every training row has outcome ${prior <= 0 ? 0 : 1}`, { hint: 'a classifier needs rows of both outcomes' });
  const baseline = Math.log(prior / (1 - prior));

  const mapper = fitBinMapper(x, n, p, categorical, { maxBins: prm.maxBins, seed: prm.seed });
  const threads = run.threads ?? defaultTreeThreads(n, p);
  const bins = applyBins(mapper, x, n, binsBuffer(n * p, threads > 1));
  const binsVal = xVal ? applyBins(mapper, xVal, nVal) : null;
  const grower = new TreeGrower(bins, n, p, mapper.columns, y, w, { threads, maxLeafNodes: prm.maxLeafNodes });
  try {
    const model = boost(grower, prm, baseline, sw, binsVal, yVal, wVal, nVal, p, mapper, design, warnings);
    // every row of the design was a training row (no hold-out): its log-odds are the training predictions
    if (!prm.earlyStopping) model.keepTrainingLogOdds(grower.raw);
    return model;
  } finally {
    grower.close();
  }
}

function boost(
  grower: TreeGrower, prm: ResolvedGbtParams, baseline: number, sw: number,
  binsVal: Uint8Array | null, yVal: Float64Array | null, wVal: Float64Array | null, nVal: number, p: number,
  mapper: BinMapper, design: TrainingSet['design'], warnings: string[],
): GbtModel {
  const growerParams = {
    maxLeafNodes: prm.maxLeafNodes,
    maxDepth: prm.maxDepth ?? Infinity,
    minSamplesLeaf: prm.minSamplesLeaf,
    l2Regularization: prm.l2Regularization,
    learningRate: prm.learningRate,
  };

  const raw = grower.raw;
  raw.fill(baseline);
  const rawVal = binsVal ? new Float64Array(nVal).fill(baseline) : null;
  const trees: Tree[] = [];
  const trainLoss: number[] = [];
  const validationLoss: number[] = [];
  let stopped = false;
  for (let it = 0; it < prm.maxIter; it++) {
    const loss = grower.gradients();
    if (it > 0) trainLoss.push(loss / sw);
    const tree = grower.grow(growerParams);
    trees.push(tree);
    if (rawVal && binsVal && yVal) {
      addTreePredictions(tree, binsVal, nVal, p, rawVal);
      let vl = 0, vw = 0;
      for (let i = 0; i < nVal; i++) {
        const wi = wVal ? wVal[i]! : 1;
        vl += wi * (softplus(rawVal[i]!) - yVal[i]! * rawVal[i]!);
        vw += wi;
      }
      validationLoss.push(vl / vw);
      const m = validationLoss.length;
      if (m > prm.nIterNoChange) {
        const reference = validationLoss[m - 1 - prm.nIterNoChange]!;
        let improved = false;
        for (let k = m - prm.nIterNoChange; k < m; k++) if (validationLoss[k]! < reference - prm.tol) improved = true;
        if (!improved) { stopped = true; break; }
      }
    }
  }
  // the loss at the final trees (the gradients themselves are not used)
  trainLoss.push(grower.gradients() / sw);
  const converged = prm.earlyStopping ? stopped : true;
  if (prm.earlyStopping && !stopped) warnings.push(`early stopping did not trigger within maxIter = ${prm.maxIter} iterations`);
  const columns = design.encoding.columns.map((c) => c.name);
  const features = design.encoding.columns.map((c) => c.feature);
  return new GbtModel(prm, baseline, mapper, trees, columns, features, trainLoss, validationLoss, converged, warnings);
}

/** Gradient-boosted trees as a `Classifier` (see types.ts). */
export const gbtClassifier: Classifier<GbtParams> = {
  algorithm: 'gbt',
  designOptions: GBT_DESIGN,
  fit: (data, params) => fitGbt(data, params),
  fromJSON: (json) => GbtModel.fromJSON(json),
};
