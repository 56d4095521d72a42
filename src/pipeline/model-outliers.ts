/**
 * `segmint model outliers [NAME]` (issue #19): an outlier score per customer from an isolation forest (or the
 * distance to the nearest k-means centre) over chosen features, stored as a run of kind `outliers` in
 * run_outlier_scores: the score (not a probability), its decile (1 = the most unusual tenth) and whether it is
 * above the threshold, the (1 − contamination) quantile of the scores. Rules read them as `model.NAME.score`,
 * `model.NAME.decile` and `model.NAME.unusual` (the "unusual" segment: `model.NAME.unusual = true`). The run's
 * summary keeps the threshold, the rule, and for the most unusual customers what makes each unusual.
 * docs/models.md ("Outliers") defines the figures.
 */
import { SegmintError } from '../core/errors.ts';
import { groupsByRank } from '../models/classify/deciles.ts';
import { applyDesign, learnDesign } from '../models/classify/design.ts';
import type { DesignOptions } from '../models/classify/types.ts';
import { fitKMeans } from '../models/cluster/kmeans.ts';
import { centroidDistance, centroidReasons } from '../models/outlier/centroid-distance.ts';
import { fitIsolationForest, quantile } from '../models/outlier/isolation-forest.ts';
import { recordRun, storeRun } from '../store/runs.ts';
import type { Db, Workspace } from '../store/workspace.ts';
import { checkName, checkNameFree, featureSources } from './model.ts';
import { loadFrame } from './model-frame.ts';
import { all, anyRow, dayText } from './run-query.ts';
import { cast, col, eq, isNotNull, lit, select, table } from '../sql/ir.ts';
import { resolveAsOf } from './value.ts';

export type OutlierMethod = 'iforest' | 'centroid';

export interface OutlierOptions {
  features?: string[];
  /** share of customers in the unusual segment. Default 0.01 */
  contamination?: number;
  method?: OutlierMethod;
  /** centroid: clusters. Default 8 */
  k?: number;
  seed?: number;
  asOf?: string;
  /** unusual customers whose reasons are kept in the summary. Default 20 */
  explain?: number;
}

export interface OutlierReasonRow {
  /** input feature (a one-hot level names its feature and level) */
  feature: string;
  share: number;
  /** iforest: robust z of the customer's (standardised) value; centroid: difference from the centre in sds */
  z: number;
}

export interface OutlierResult {
  name: string;
  runId: number;
  method: OutlierMethod;
  asOf: string | null;
  customers: number;
  features: string[];
  contamination: number;
  threshold: number;
  unusual: number;
  /** the rule of the unusual segment */
  rule: string;
  /** the most unusual customers, highest score first, with their reasons (top 3 columns) */
  top: { customerId: string; score: number; reasons: OutlierReasonRow[] }[];
  warnings: string[];
}

/** Numbers standardised, categories one-hot, missing numbers filled with the mean (plus an indicator). */
const OUTLIER_DESIGN: DesignOptions = { categorical: 'onehot', numeric: 'standardize', missing: 'impute-mean' };

/** The run kind of outlier scores. */
export const OUTLIER_RUN_KIND = 'outliers';

/** What an `outliers` run stores in its summary. */
export interface StoredOutliers {
  name: string;
  method: OutlierMethod;
  customers: number;
  features: string[];
  contamination: number;
  threshold: number;
  unusual: number;
  rule: string;
  top: OutlierResult['top'];
}

export async function scoreOutliers(ws: Pick<Workspace, 'db' | 'config'>, name: string, o: OutlierOptions = {}): Promise<OutlierResult> {
  checkName(name);
  const db = ws.db;
  await checkNameFree(db, name, 'outliers');
  const method = o.method ?? 'iforest';
  if (method !== 'iforest' && method !== 'centroid') throw new SegmintError('invalid-option', `method ${String(method)}: expected iforest or centroid`);
  const contamination = o.contamination ?? 0.01;
  if (!(contamination > 0 && contamination < 0.5)) throw new SegmintError('invalid-option', `contamination ${contamination}: expected a share above 0 and below 0.5`, { hint: 'e.g. 0.01 for the most unusual 1 %' });
  const seed = o.seed ?? 0;
  const warnings: string[] = [];
  const hasTx = await anyRow(db, 'transactions', isNotNull(col('customer_id')));
  const asOf = hasTx ? await resolveAsOf(ws, o.asOf) : null;
  const sources0 = await featureSources(db, o.features, new Set(), hasTx, warnings);
  const frame = await loadFrame(db, sources0, { asOf, ids: true, explicit: !!o.features, warnings });
  const sources = frame.sources;
  const columns = frame.columns;
  if (!columns.length) throw new SegmintError('invalid-option', 'no features to score outliers on', { hint: 'name them with --features' });
  const n = frame.n;
  const ids = frame.ids!;
  if (n < 2) throw new SegmintError('invalid-option', `${n} customers: outlier scores need at least 2`);
  const encoding = learnDesign(columns, OUTLIER_DESIGN);
  const design = applyDesign(encoding, columns);
  const p = design.p;
  const featureOf = encoding.columns.map((c) => c.name);

  let score: Float64Array;
  let threshold: number;
  let explain: (i: number) => OutlierReasonRow[];
  if (method === 'iforest') {
    const forest = fitIsolationForest(design.x, n, p, { seed, contamination });
    score = forest.score(design.x, n);
    threshold = forest.threshold;
    explain = (i) => forest.explain(design.x.subarray(i * p, i * p + p)).slice(0, 3).map((r) => ({ feature: featureOf[r.column]!, share: r.share, z: r.z }));
  } else {
    const k = Math.min(o.k ?? 8, n);
    const km = fitKMeans(design.x, p, { k, seed });
    const d = centroidDistance(design.x, n, p, km.centroids, k);
    score = d.score;
    threshold = quantile(score, 1 - contamination);
    explain = (i) => centroidReasons(design.x.subarray(i * p, i * p + p), km.centroids, p, d.nearest[i]!).slice(0, 3).map((r) => ({ feature: featureOf[r.column]!, share: r.share, z: r.difference }));
  }
  const decile = groupsByRank(score);
  const above: number[] = [];
  for (let i = 0; i < n; i++) if (score[i]! > threshold) above.push(i);
  const unusual = above.length;
  // the most unusual first (ties in customer order)
  above.sort((a, b) => score[b]! - score[a]! || a - b);
  const top = Array.from(above.slice(0, Math.min(o.explain ?? 20, unusual)), (i) => ({ customerId: ids[i]!, score: score[i]!, reasons: explain(i) }));
  const rule = `model.${name}.unusual = true`;
  const features = sources.map((s) => s.name);
  const flag = Array.from(score, (v) => v > threshold);
  const runId = await storeRun(db, OUTLIER_RUN_KIND, async (id) => {
    await db.insertRows('run_outlier_scores', ['run_id', 'customer_id', 'score', 'decile', 'unusual'], { columns: [new Array<number>(n).fill(id), ids, score, decile, flag] });
    await recordRun(db, id, OUTLIER_RUN_KIND, asOf, { name, method, features, contamination, seed }, { name, method, customers: n, features, contamination, threshold, unusual, rule, top });
    return id;
  });
  return { name, runId, method, asOf, customers: n, features, contamination, threshold, unusual, rule, top, warnings };
}

/** The latest `outliers` run of `name` with its summary, or undefined. */
export async function loadOutliers(db: Db, name: string): Promise<{ runId: number; asOf: string | null; outliers: StoredOutliers } | undefined> {
  const rows = await all<{ run_id: number; as_of: unknown; summary: unknown }>(db, select({
    select: [{ expr: col('run_id'), as: 'run_id' }, { expr: col('as_of'), as: 'as_of' }, { expr: cast(col('summary'), 'varchar'), as: 'summary' }],
    from: table('runs'), where: eq(col('kind'), lit(OUTLIER_RUN_KIND)), orderBy: [col('run_id')],
  }));
  return rows.map((r) => ({ runId: Number(r.run_id), asOf: dayText(r.as_of), outliers: JSON.parse(String(r.summary)) as StoredOutliers })).filter((r) => r.outliers.name === name).pop();
}
