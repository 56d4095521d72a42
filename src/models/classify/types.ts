/**
 * The contract between the classifiers of `segmint model` (logistic regression in logistic.ts, gradient-boosted
 * trees in gbt.ts) and the code around them: the design-matrix builder (design.ts), cross-validation and
 * metrics (metrics.ts, cv.ts), the pipeline that stores a model and the scoring of customers.
 *
 * Data are columnar going in (one typed array per feature, `FeatureColumn`), and a design matrix going to a
 * classifier: n rows × p columns, ROW-MAJOR in one Float64Array (`x[i * p + j]`). Outcomes are 0/1 in a
 * Float64Array; weights (class weights times sample weights) a Float64Array of n values, all 1 when absent.
 * Pure: no I/O, no randomness other than from `params.seed`.
 */

/** One input feature, columnar. Numeric: NaN is missing. Categorical: codes index `levels`, −1 is missing. */
export type FeatureColumn =
  | { name: string; kind: 'numeric'; values: Float64Array }
  | { name: string; kind: 'categorical'; codes: Int32Array; levels: string[] };

/**
 * How features become design columns. The logistic model uses
 * `{ categorical: 'onehot', numeric: 'standardize', missing: 'impute-mean' }`; trees use
 * `{ categorical: 'codes', numeric: 'raw', missing: 'nan' }` (a categorical column holds its level code as a
 * number, missing is NaN; `DesignColumn.categorical` tells the tree which columns are categorical).
 */
export interface DesignOptions {
  /**
   * 'onehot': one 0/1 column per level seen in training (scikit-learn OneHotEncoder, drop=None); a missing
   *   value is its own level `(missing)` when training had one, an unseen level is all zeros.
   * 'onehot-drop-first': the same without the first (sorted) level's column — identifiable without a penalty.
   * 'codes': one column holding the level index (0 … levels−1), missing or unseen = NaN.
   */
  categorical: 'onehot' | 'onehot-drop-first' | 'codes';
  /** 'standardize': (v − mean) / population sd of the training rows (after imputation); 'raw': as is */
  numeric: 'standardize' | 'raw';
  /**
   * numeric missing values. 'impute-mean': the training mean, plus a 0/1 column `NAME (missing)` when the
   * training rows had any missing value (scikit-learn SimpleImputer(strategy='mean', add_indicator=True)).
   * 'nan': left as NaN (for trees, which route missing values themselves).
   */
  missing: 'impute-mean' | 'nan';
}

/** One column of a design matrix and where it came from. */
export interface DesignColumn {
  /** `tenure`, `Contract=Two year`, `TotalCharges (missing)` */
  name: string;
  /** the input feature it encodes */
  feature: string;
  kind: 'numeric' | 'indicator' | 'missing-indicator' | 'codes';
  /** 'onehot': the level; 'codes': every level (index = code) */
  level?: string;
  levels?: string[];
  /** 'numeric': the centre and scale applied ((v − center) / scale) and the fill for missing values */
  center?: number;
  scale?: number;
  fill?: number;
  /** true for a 'codes' column: a tree may split it by category sets */
  categorical?: boolean;
}

/** The encoding learnt on training rows: plain JSON, applied unchanged to rows being scored. */
export interface DesignEncoding {
  options: DesignOptions;
  features: { name: string; kind: 'numeric' | 'categorical' }[];
  columns: DesignColumn[];
}

export interface DesignMatrix {
  /** n × p, row-major */
  x: Float64Array;
  n: number;
  p: number;
  encoding: DesignEncoding;
}

/** Everything a classifier is fitted on. */
export interface TrainingSet {
  design: DesignMatrix;
  /** 0/1 outcomes, n values */
  y: Float64Array;
  /** per-row weights (class weight × sample weight), n values; absent = 1 each */
  weights?: Float64Array;
}

/** Why a feature matters. `kind` says what `value` is. */
export interface FeatureImportance {
  /** design column (logistic) or input feature (trees) */
  name: string;
  /** 'coefficient' (log-odds per unit of the design column), 'gain' (total loss reduction), 'permutation' (AUC drop) */
  kind: 'coefficient' | 'gain' | 'permutation';
  value: number;
  /** logistic: standard error, z = value / standardError and two-sided p-value */
  standardError?: number;
  z?: number;
  pValue?: number;
}

/** What a fitted classifier serialises to; `algorithm` picks the `fromJSON`. */
export interface ClassifierJSON {
  algorithm: 'logistic' | 'gbt';
  /** the params it was fitted with (validated), including the seed */
  params: Record<string, unknown>;
  /** the algorithm's own fitted state (coefficients, trees, …) */
  state: Record<string, unknown>;
  iterations: number;
  converged: boolean;
  warnings: string[];
}

/** A fitted, immutable classifier over design matrices with the encoding it was trained on. */
export interface FittedClassifier {
  readonly algorithm: 'logistic' | 'gbt';
  /** number of design columns it expects */
  readonly p: number;
  /** P(y = 1) per row of `x` (n × p, row-major, encoded like the training design) */
  predictProba(x: Float64Array, n: number, out?: Float64Array): Float64Array;
  /** P(y = 1) of the rows it was fitted on, the values `predictProba` gives them, when the fit already has them (else null; taken once) */
  trainingProbabilities?(): Float64Array | null;
  /** importance of each design column (logistic) or feature (trees), largest |value| first */
  importance(): FeatureImportance[];
  toJSON(): ClassifierJSON;
}

/**
 * A classifier algorithm. `fit` validates `params` (SegmintError 'invalid-model-params', exit 2) and throws
 * 'invalid-design' on mismatched sizes or outcomes other than 0/1. It must be deterministic given params.seed.
 */
export interface Classifier<P extends Record<string, unknown> = Record<string, unknown>> {
  readonly algorithm: 'logistic' | 'gbt';
  /** the design this algorithm wants (see DesignOptions) */
  readonly designOptions: DesignOptions;
  fit(data: TrainingSet, params: P): FittedClassifier;
  fromJSON(json: ClassifierJSON): FittedClassifier;
}
