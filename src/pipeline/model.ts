/**
 * Propensity and churn classifiers (`segmint model train|score|list`, issue #19): the customers' traits and
 * behaviour as columnar features, a 0/1 target from a labelled trait or from an audience rule evaluated at a
 * later date, a classifier from src/models/classify (k-fold cross-validated), stored as a run of kind `model`;
 * scoring stores P(outcome) per customer as a run of kind `model-score` (run_model_scores), which rules read as
 * `model.NAME.probability` and `model.NAME.decile`. Every query is IR compiled for the workspace's engine.
 * docs/models.md ("Classifiers") defines the figures.
 */
import { SegmintError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { METRIC_COLUMNS } from '../features/customer-metrics.ts';
import { trainClassifier, type CrossValidation } from '../models/classify/cv.ts';
import { groupsByRank, rankGroups } from '../models/classify/deciles.ts';
import { eachDesignBlock } from '../models/classify/design.ts';
import { logisticProbabilities } from '../models/classify/logistic.ts';
import { classifierFor, CLASSIFIER_ALGORITHMS, type ClassifierAlgorithm } from '../models/classify/registry.ts';
import type { ClassifierJSON, DesignEncoding, FeatureColumn, FeatureImportance } from '../models/classify/types.ts';
import { customerOrder, loadFrame, type FeatureSource } from './model-frame.ts';
import { compile } from '../sql/compile.ts';
import { cast, col, createTableAs, dropTable, eq, inList, insertSelect, isNotNull, lit, num, rowNumber, select, subquery, table, tempName } from '../sql/ir.ts';
import { recordRun, storeRun } from '../store/runs.ts';
import type { Db, Workspace } from '../store/workspace.ts';
import { loadAudienceSchema, prepareAudience } from './audience.ts';
import { all, anyRow, dayText, exec } from './run-query.ts';
import { resolveTraits } from './trait-columns.ts';
import { checkDate, resolveAsOf } from './value.ts';
import { grouped } from '../core/numbers.ts';

/** customers columns that are bookkeeping, never features */
const BOOKKEEPING = new Set(['customer_id', 'source_id', 'first_seen', 'updated_at']);
/** the numeric behaviour metrics used as features (features/customer-metrics.ts) */
export const BEHAVIOUR_FEATURES = METRIC_COLUMNS.filter((c) => !['customer_id', 'first_purchase', 'last_purchase'].includes(c));
const NAME_RE = /^[a-z][a-z0-9_]{0,62}$/;

export interface ModelTrainOptions {
  /** a customers trait (boolean, 0/1, or text with `positive`) or an audience rule */
  target: string;
  /** the value of a text target that counts as 1 (default: yes/true/1/y when the trait holds it) */
  positive?: string;
  /** traits, behaviour metrics and stored results (`rfm.segment`); default every trait but the target and id, plus behaviour */
  features?: string[];
  algorithm?: ClassifierAlgorithm;
  folds?: number;
  seed?: number;
  classWeight?: 'balanced' | 'none';
  /** the algorithm's params (logistic: C) */
  params?: Record<string, unknown>;
  /** behaviour before this date (YYYY-MM-DD); a rule target is evaluated at asOf + horizon days */
  asOf?: string;
  /** days after the as-of date a rule target looks at. Default 90 */
  horizon?: number;
}

export interface ModelTrainResult {
  name: string;
  runId: number;
  algorithm: ClassifierAlgorithm;
  target: { kind: 'trait' | 'rule'; text: string; positive: string | null; outcomeAsOf: string | null };
  asOf: string | null;
  customers: number;
  positives: number;
  features: string[];
  columns: number;
  cv: Omit<CrossValidation, 'outOfFold' | 'assignment'> | null;
  trainingAuc: number;
  importance: FeatureImportance[];
  iterations: number;
  converged: boolean;
  warnings: string[];
}

/** What a `model` run stores in its summary: everything `score` needs. */
export interface StoredModel {
  name: string;
  algorithm: ClassifierAlgorithm;
  target: ModelTrainResult['target'];
  features: string[];
  /** the feature columns' kinds as trained (a behaviour metric, a trait, a stored result) */
  sources: FeatureSource[];
  encoding: DesignEncoding;
  classifier: ClassifierJSON;
  behaviour: boolean;
  cv: ModelTrainResult['cv'];
  customers: number;
  positives: number;
}

export type { FeatureSource };

export interface ModelScoreResult {
  name: string;
  runId: number;
  modelRun: number;
  asOf: string | null;
  customers: number;
  meanProbability: number;
  /** customers per decile, 1 = highest probabilities */
  deciles: number[];
  warnings: string[];
}

export interface ModelListing {
  name: string;
  /** a classifier (`segmint model train`) or outlier scores (`segmint model outliers`) */
  kind: 'classifier' | 'outliers';
  runId: number;
  /** classifiers: logistic or gbt; outliers: iforest or centroid */
  algorithm: string;
  /** classifiers: the target; outliers: '' */
  target: string;
  asOf: string | null;
  createdAt: string;
  customers: number;
  auc: number | null;
  /** classifiers: the latest score run of this model, if any; outliers: the run itself (it holds the scores) */
  scoreRun: number | null;
  /** outliers: customers above the threshold */
  unusual?: number;
}

/**
 * Classifiers (`model` runs) and outlier scores (`outliers` runs) share the names rules read (`model.NAME.…`):
 * a name one kind holds cannot be given to the other.
 */
export async function checkNameFree(db: Db, name: string, kind: 'model' | 'outliers'): Promise<void> {
  const other = kind === 'model' ? 'outliers' : 'model';
  const rows = await all<{ params: unknown }>(db, select({ select: [{ expr: cast(col('params'), 'varchar'), as: 'params' }], from: table('runs'), where: eq(col('kind'), lit(other)) }));
  if (!rows.some((r) => (JSON.parse(String(r.params)) as { name?: unknown }).name === name)) return;
  throw new SegmintError('invalid-option', kind === 'model'
    ? `model name ${name}: outlier scores of that name are stored (segmint model outliers ${name}); rules read model.${name}.score`
    : `outlier scores ${name}: a classifier of that name is trained (segmint model train ${name}); rules read model.${name}.probability`, { hint: 'give another name: rules read model.NAME.… of either kind' });
}

export function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw new SegmintError('invalid-option', `model name '${name}': use lower-case letters, digits and _ (starting with a letter)`, { hint: 'e.g. segmint model train churn --target churn; rules then read model.churn.probability' });
}

const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const NUMERIC_KINDS = new Set(['integer', 'double', 'decimal']);

/** The default features and the kinds of named ones: traits, behaviour metrics, stored results. */
export async function featureSources(db: Db, names: readonly string[] | undefined, exclude: ReadonlySet<string>, behaviour: boolean, warnings: string[]): Promise<FeatureSource[]> {
  const cols = await db.tableColumns('customers');
  const schema = await loadAudienceSchema(db);
  const kindOf = new Map(cols.map((c) => [c.name, c.kind]));
  const traitSource = (name: string): FeatureSource | null => {
    const k = kindOf.get(name);
    if (k === undefined) return null;
    if (k === 'timestamp' || k === 'date') return null;
    return { name, from: 'trait', kind: k !== undefined && NUMERIC_KINDS.has(k) ? 'numeric' : 'categorical' };
  };
  if (!names) {
    const out: FeatureSource[] = [];
    for (const c of cols) {
      if (BOOKKEEPING.has(c.name) || exclude.has(c.name)) continue;
      const s = traitSource(c.name);
      if (!s) {
        warnings.push(`trait ${c.name} (${c.kind}) is left out of the default features: dates are not features; behaviour metrics such as recency_days are`);
        continue;
      }
      out.push(s);
    }
    if (behaviour) for (const b of BEHAVIOUR_FEATURES) if (!kindOf.has(b)) out.push({ name: b, from: 'behaviour', kind: 'numeric' });
    return out;
  }
  const out: FeatureSource[] = [];
  for (const name of [...new Set(names)]) {
    if (exclude.has(name)) throw new SegmintError('invalid-option', `--features ${name}: it is the target (or the id)`, { hint: 'a model cannot use its own target as a feature' });
    const t = traitSource(name);
    if (t) {
      out.push(t);
      continue;
    }
    if (kindOf.has(name)) throw new SegmintError('invalid-option', `--features ${name}: a ${kindOf.get(name)} trait cannot be a feature`, { hint: 'use numbers, text or booleans; for dates use behaviour metrics such as recency_days' });
    if ((BEHAVIOUR_FEATURES as readonly string[]).includes(name)) {
      if (!behaviour) throw new SegmintError('no-transactions', `--features ${name}: a behaviour metric, and this workspace has no transactions`, { hint: 'import transactions first, or use traits' });
      out.push({ name, from: 'behaviour', kind: 'numeric' });
      continue;
    }
    if (name.includes('.')) {
      resolveTraits(schema, [name]); // unknown results and fields: did-you-mean
      const src = schema.scores[name.slice(0, name.indexOf('.'))]!;
      out.push({ name, from: 'result', kind: src.fields[name.slice(name.indexOf('.') + 1)] === 'number' ? 'numeric' : 'categorical' });
      continue;
    }
    const candidates = [...cols.map((c) => c.name).filter((c) => !BOOKKEEPING.has(c)), ...(behaviour ? BEHAVIOUR_FEATURES : [])];
    const g = didYouMean(name, candidates);
    throw new SegmintError('unknown-feature', `--features ${name}: no trait, behaviour metric or stored result of that name${g ? `; did you mean ${g}?` : ''}`, { hint: `features: ${candidates.slice(0, 20).join(', ')}${candidates.length > 20 ? ', …' : ''}` });
  }
  if (!out.length) throw new SegmintError('invalid-option', '--features names no feature');
  return out;
}

const YES = new Set(['yes', 'true', '1', 'y', 't']);

/** The 0/1 target of a trait column (as level codes), or an error saying what to give. */
function traitTarget(name: string, c: { codes: Int32Array; levels: string[] }, positive: string | undefined): { y: Float64Array; keep: Int32Array; positive: string } {
  const counts = new Float64Array(c.levels.length);
  let kept = 0;
  for (let i = 0; i < c.codes.length; i++) {
    const k = c.codes[i]!;
    if (k >= 0) { counts[k]!++; kept++; }
  }
  const levels = c.levels.filter((_, k) => counts[k]! > 0);
  let pos = positive;
  if (pos === undefined) {
    const yes = levels.filter((l) => YES.has(l.toLowerCase()));
    if (levels.length === 2 && yes.length === 1) pos = yes[0]!;
    else throw new SegmintError('invalid-target', `--target ${name} holds ${levels.length} values (${levels.slice(0, 6).join(', ')}${levels.length > 6 ? ', …' : ''}): say which one is the outcome`, { hint: `add --positive VALUE, e.g. --positive ${JSON.stringify(levels[0] ?? 'yes')}` });
  }
  const posCode = c.levels.indexOf(pos);
  if (posCode < 0 || !(counts[posCode]! > 0)) throw new SegmintError('invalid-target', `--positive ${pos}: ${name} never holds it${levels.length ? `; it holds ${levels.slice(0, 6).join(', ')}` : ''}`, { hint: 'give one of the values the trait holds' });
  const keep = new Int32Array(kept);
  const y = new Float64Array(kept);
  for (let i = 0, r = 0; i < c.codes.length; i++) {
    const k = c.codes[i]!;
    if (k < 0) continue;
    keep[r] = i;
    y[r++] = k === posCode ? 1 : 0;
  }
  return { y, keep, positive: pos };
}

const subsetColumn = (c: FeatureColumn, rows: Int32Array): FeatureColumn =>
  c.kind === 'numeric' ? { ...c, values: Float64Array.from(rows, (i) => c.values[i]!) } : { ...c, codes: Int32Array.from(rows, (i) => c.codes[i]!) };

/** Train, cross-validate and store a model run (kind `model`). */
export async function trainModel(ws: Pick<Workspace, 'db' | 'config'>, name: string, o: ModelTrainOptions): Promise<ModelTrainResult> {
  checkName(name);
  const db = ws.db;
  await checkNameFree(db, name, 'model');
  const algorithm = o.algorithm ?? 'logistic';
  const classifier = classifierFor(algorithm);
  const warnings: string[] = [];
  const hasTx = await anyRow(db, 'transactions', isNotNull(col('customer_id')));
  const traitCols = (await db.tableColumns('customers')).map((c) => c.name);
  const isTrait = traitCols.includes(o.target) && !BOOKKEEPING.has(o.target);
  if (!isTrait && /^[A-Za-z_][A-Za-z0-9_]*$/.test(o.target)) {
    const g = didYouMean(o.target, traitCols.filter((c) => !BOOKKEEPING.has(c)));
    throw new SegmintError('unknown-target', `--target ${o.target}: customers have no trait of that name${g ? `; did you mean ${g}?` : ''}`, { hint: 'name a labelled trait (e.g. --target churn) or give an audience rule (e.g. --target "orders in last 90 days >= 1")' });
  }
  if (o.horizon !== undefined && !(Number.isInteger(o.horizon) && o.horizon > 0)) throw new SegmintError('invalid-option', `--horizon ${o.horizon}: expected a whole number of days above 0`, { hint: 'e.g. --horizon 90' });
  if (o.asOf) checkDate('--as-of', o.asOf);
  const horizon = o.horizon ?? 90;
  // as-of: behaviour before it; a rule outcome evaluated horizon days later (default: ending at the data's end)
  let asOf: string | null = null;
  let outcomeAsOf: string | null = null;
  if (!isTrait) {
    if (!hasTx && !o.asOf) throw new SegmintError('no-transactions', 'a rule target is evaluated at a later date than the features, and this workspace has no transactions to place that date', { hint: 'give --as-of DATE, or use a labelled trait as the target' });
    outcomeAsOf = o.asOf ? addDays(o.asOf, horizon) : await resolveAsOf(ws, undefined);
    asOf = o.asOf ?? addDays(outcomeAsOf, -horizon);
  } else if (hasTx) asOf = await resolveAsOf(ws, o.asOf);

  const exclude = new Set(isTrait ? [o.target] : []);
  const sources0 = await featureSources(db, o.features, exclude, hasTx, warnings);
  const folds = o.folds ?? 5;
  // logistic without cross-validation: the rows' order matters to nothing but the rounding of the fit's sums
  // (the same optimum; coefficients within ~1e-11), so on DuckDB they are read in the customers table's scan
  // order, not sorted by customer_id (a sort of 1,000,000 ids, ~0.3 s of CPU). Not for trees: their bin
  // thresholds come from a seeded sample of row positions, so the order would change the model. The folds are
  // assigned in customer_id order.
  const frame0 = await loadFrame(db, sources0, { extra: isTrait ? [o.target] : [], asOf, onlyWithPurchases: !isTrait && hasTx, ids: !isTrait, explicit: !!o.features, warnings, scanOrder: folds === 0 && algorithm === 'logistic' });
  const sources = frame0.sources;
  const columnsAll = frame0.columns;
  if (!columnsAll.length) throw new SegmintError('invalid-option', 'no features left to train on', { hint: 'name them with --features' });

  let y: Float64Array;
  let keep: Int32Array;
  let positive: string | null = null;
  if (isTrait) {
    const t = traitTarget(o.target, frame0.extra[o.target]!, o.positive);
    ({ y, keep } = t);
    positive = t.positive;
    const dropped = frame0.n - keep.length;
    if (dropped) warnings.push(`${grouped(dropped)} customers with no ${o.target} are left out of training`);
  } else {
    const p = await prepareAudience(ws, `model ${name} target`, o.target, { asOf: outcomeAsOf! });
    const c = compile(select({ select: [{ expr: col('customer_id', 'q'), as: 'customer_id' }], from: subquery(p.query, 'q') }), db.dialect);
    const members = new Set(((await db.columns(c.sql, c.params)).customer_id ?? []).map(String));
    y = Float64Array.from(frame0.ids!, (id) => (members.has(id) ? 1 : 0));
    keep = Int32Array.from(frame0.ids!, (_, i) => i);
  }
  const columns = keep.length === frame0.n ? columnsAll : columnsAll.map((c) => subsetColumn(c, keep));
  const params = { ...(o.params ?? {}) };
  const trained = trainClassifier(classifier, columns, y, params, {
    folds, seed: o.seed ?? 0, classWeight: o.classWeight ?? 'none',
    // trees: what the model relies on out of sample (their gain importance is measured on training rows)
    ...(algorithm === 'gbt' ? { permutation: { repeats: 5 } } : {}),
    // logistic folds start from the fit on every row (same optimum, fewer Newton steps)
    ...(algorithm === 'logistic' ? { foldParams: (full) => { const s = full.toJSON().state as { intercept: number; coefficients: number[] }; return { ...params, start: [s.intercept, ...s.coefficients] }; } } : {}),
  });
  const json = trained.model.toJSON();
  warnings.push(...json.warnings);
  const cv = trained.cv ? (({ outOfFold: _o, assignment: _a, ...rest }) => rest)(trained.cv) : null;
  const target = { kind: isTrait ? ('trait' as const) : ('rule' as const), text: o.target, positive, outcomeAsOf };
  const stored: StoredModel = {
    name, algorithm, target, features: sources.map((s) => s.name), sources, encoding: trained.encoding, classifier: json,
    behaviour: sources.some((s) => s.from === 'behaviour') || !isTrait, cv, customers: trained.rows, positives: trained.positives,
  };
  const importance = trained.model.importance();
  const runId = await storeRun(db, 'model', async (id) => {
    await recordRun(db, id, 'model', asOf, { name, target: o.target, positive, algorithm, features: stored.features, folds, classWeight: o.classWeight ?? 'none', params, horizon: isTrait ? null : horizon }, stored);
    return id;
  });
  return {
    name, runId, algorithm, target, asOf, customers: trained.rows, positives: trained.positives, features: stored.features,
    columns: trained.encoding.columns.length, cv, trainingAuc: trained.trainingAuc, importance,
    iterations: json.iterations, converged: json.converged, warnings,
  };
}

/** The latest `model` run of `name` with its stored model. */
export async function loadModel(db: Db, name: string): Promise<{ runId: number; asOf: string | null; model: StoredModel }> {
  const rows = await all<{ run_id: number; as_of: unknown; summary: unknown }>(db, select({
    select: [{ expr: col('run_id'), as: 'run_id' }, { expr: col('as_of'), as: 'as_of' }, { expr: cast(col('summary'), 'varchar'), as: 'summary' }],
    from: table('runs'), where: eq(col('kind'), lit('model')), orderBy: [col('run_id')],
  }));
  const models = rows.map((r) => ({ runId: Number(r.run_id), asOf: dayText(r.as_of), model: JSON.parse(String(r.summary)) as StoredModel }));
  const hit = models.filter((m) => m.model.name === name).pop();
  if (!hit) {
    const names = [...new Set(models.map((m) => m.model.name))];
    const g = didYouMean(name, names);
    throw new SegmintError('unknown-model', `no model named ${name}${g ? `; did you mean ${g}?` : ''}`, { hint: names.length ? `models: ${names.join(', ')}` : 'train one first: segmint model train NAME --target TRAIT' });
  }
  return hit;
}

/** Score every customer with the latest `name` model and store the probabilities (kind `model-score`). */
export async function scoreModel(ws: Pick<Workspace, 'db' | 'config'>, name: string, o: { asOf?: string } = {}): Promise<ModelScoreResult> {
  checkName(name);
  const db = ws.db;
  const { runId: modelRun, model } = await loadModel(db, name);
  const classifier = classifierFor(model.algorithm).fromJSON(model.classifier);
  const warnings: string[] = [];
  // behaviour at the scoring date: given, else the latest (the day after the last transaction)
  const asOf = model.behaviour ? await resolveAsOf(ws, o.asOf) : null;
  // DuckDB: the scores are joined to the ids in the engine (no 1,000,000 id strings read and written back): by
  // position when the frame is the customers table read in its scan order (no sort), else by row number
  const inEngine = db.dialect === 'duckdb';
  const frame = await loadFrame(db, model.sources, { asOf, onlyWithPurchases: model.target.kind === 'rule', ids: !inEngine, explicit: true, scanOrder: inEngine });
  // encoded and predicted a block of rows at a time (never the whole design matrix)
  const n = frame.n;
  const p = new Float64Array(n);
  // (logistic: read column by column, no design blocks; the same probabilities)
  if (!logisticProbabilities(classifier, model.encoding, frame.columns, p))
    eachDesignBlock(model.encoding, frame.columns, (x, from, to) => classifier.predictProba(x, to - from, p.subarray(from, to)));
  // decile by rank, 1 = the highest tenth (ties in customer order)
  const ranked = rankGroups(p);
  let decile = ranked.groups;
  if (frame.order === 'scan' && ranked.tiesSplit) {
    // rows of a boundary's score fall on both sides of it: ranked in customer_id order, as the other path ranks them
    const ord = await customerOrder(db, frame);
    const byCustomer = groupsByRank(Float64Array.from(ord, (r) => p[r]!));
    decile = new Int32Array(n);
    for (let k = 0; k < n; k++) decile[ord[k]!] = byCustomer[k]!;
  }
  const deciles = new Array<number>(10).fill(0);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    deciles[decile[i]! - 1]!++;
    sum += p[i]!;
  }
  const staged = inEngine ? await stageScores(db, p, decile, frame.order !== 'scan') : null;
  let runId: number;
  try {
    runId = await storeRun(db, 'model-score', async (id) => {
      if (staged && frame.order === 'scan') {
        // row r of the frame is row r of the customers table as scanned, and of the staged scores (appended in that order)
        await exec(db, insertSelect('run_model_scores', select({
          select: [{ expr: num(id), as: 'run_id' }, { expr: col('customer_id', 'c'), as: 'customer_id' }, { expr: col('probability', 's'), as: 'probability' }, { expr: cast(col('decile', 's'), 'integer'), as: 'decile' }],
          from: table('customers', 'c'),
          joins: [{ type: 'positional', source: table(staged, 's') }],
        }), ['run_id', 'customer_id', 'probability', 'decile']));
      } else if (staged) {
        // row r of the frame (1-based, in its order) is row r of the staged scores
        const ranked = select({ select: [{ expr: col('customer_id', 'i'), as: 'customer_id' }, { expr: rowNumber([], [col('customer_id', 'i')]), as: 'r' }], from: subquery(frame.idQuery, 'i') });
        await exec(db, insertSelect('run_model_scores', select({
          select: [{ expr: num(id), as: 'run_id' }, { expr: col('customer_id', 'q'), as: 'customer_id' }, { expr: col('probability', 's'), as: 'probability' }, { expr: cast(col('decile', 's'), 'integer'), as: 'decile' }],
          from: table(staged, 's'),
          joins: [{ type: 'inner', source: subquery(ranked, 'q'), on: eq(col('r', 'q'), cast(col('r', 's'), 'bigint')) }],
        }), ['run_id', 'customer_id', 'probability', 'decile']));
      } else {
        await db.insertRows('run_model_scores', ['run_id', 'customer_id', 'probability', 'decile'], { columns: [new Array<number>(n).fill(id), frame.ids!, p, decile] });
      }
      await recordRun(db, id, 'model-score', asOf, { name, modelRun }, { name, modelRun, customers: n, meanProbability: n ? sum / n : 0, deciles });
      return id;
    });
  } finally {
    if (staged) await exec(db, dropTable(staged));
  }
  return { name, runId, modelRun, asOf, customers: n, meanProbability: n ? sum / n : 0, deciles, warnings };
}

/**
 * The scores and deciles in a temporary table of doubles (probability, decile, and with `rowNumbers` r = the row
 * number, 1-based), appended in bulk in row order.
 */
async function stageScores(db: Db, p: Float64Array, decile: Int32Array, rowNumbers: boolean): Promise<string> {
  const name = tempName('model_scores');
  const zero = cast(num(0), 'double');
  const cols = ['probability', 'decile', ...(rowNumbers ? ['r'] : [])];
  await exec(db, createTableAs(name, select({ select: cols.map((c) => ({ expr: zero, as: c })), from: table('runs'), limit: 0 }), { temporary: true }));
  try {
    await db.appendDoubles(name, [p, decile, ...(rowNumbers ? [Float64Array.from({ length: p.length }, (_, i) => i + 1)] : [])]);
  } catch (e) {
    await exec(db, dropTable(name));
    throw e;
  }
  return name;
}

/** Every trained model (its latest run) with its latest score run, and every set of outlier scores (its latest run). */
export async function listModels(db: Db): Promise<ModelListing[]> {
  const rows = await all<{ run_id: number; kind: string; as_of: unknown; created_at: unknown; params: unknown; summary: unknown }>(db, select({
    select: [
      { expr: col('run_id'), as: 'run_id' }, { expr: col('kind'), as: 'kind' }, { expr: col('as_of'), as: 'as_of' },
      { expr: col('created_at'), as: 'created_at' }, { expr: cast(col('params'), 'varchar'), as: 'params' }, { expr: cast(col('summary'), 'varchar'), as: 'summary' },
    ],
    from: table('runs'), where: inList(col('kind'), ['model', 'model-score', 'outliers']), orderBy: [col('run_id')],
  }));
  const latest = new Map<string, ModelListing>();
  const scores = new Map<string, number>();
  for (const r of rows) {
    const prm = JSON.parse(String(r.params)) as { name: string; target?: string; algorithm?: string; method?: string };
    if (r.kind === 'model-score') {
      scores.set(prm.name, Number(r.run_id));
      continue;
    }
    const sum = JSON.parse(String(r.summary)) as { customers?: number; cv?: { auc?: number } | null; unusual?: number };
    const outliers = r.kind === 'outliers';
    latest.set(prm.name, {
      name: prm.name, kind: outliers ? 'outliers' : 'classifier', runId: Number(r.run_id),
      algorithm: (outliers ? prm.method : prm.algorithm) ?? (outliers ? 'iforest' : 'logistic'), target: outliers ? '' : (prm.target ?? ''), asOf: dayText(r.as_of),
      createdAt: r.created_at instanceof Date ? r.created_at.toISOString().slice(0, 19).replace('T', ' ') : String(r.created_at).slice(0, 19),
      customers: Number(sum.customers ?? 0), auc: outliers ? null : (sum.cv?.auc ?? null), scoreRun: outliers ? Number(r.run_id) : null,
      ...(outliers ? { unusual: Number(sum.unusual ?? 0) } : {}),
    });
  }
  const out = [...latest.values()];
  for (const m of out) {
    if (m.kind !== 'classifier') continue;
    const s = scores.get(m.name);
    m.scoreRun = s !== undefined && s > m.runId ? s : null;
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export { CLASSIFIER_ALGORITHMS };
