/**
 * What the checker and the lowering know about a workspace: its trait columns, transaction fields, event
 * types (and property names where known), the stored score runs, and the other audiences a rule may refer
 * to. pipeline/audience.ts reads it from a workspace; tests build it by hand.
 */
import { didYouMean } from '../core/suggest.ts';

/** The type of a field as the language sees it. */
export type FieldType = 'number' | 'string' | 'boolean' | 'date' | 'timestamp' | 'json' | 'other';

/**
 * A stored per-customer result a rule can read as `NAME.field` (`rfm.segment`, `lrfmp.r`): the table, the
 * run of it in use (the latest) and its fields. Clusters and CLV tiers register here when their runs exist.
 */
export interface ScoreSource {
  runId: number;
  asOf: string;
  /** table with `run_id`, `customer_id` and the fields */
  table: string;
  fields: Record<string, FieldType>;
  /** the column of a field whose name differs (`score` → `score_code`) */
  columns?: Record<string, string>;
  /** fields the source has in general but this run does not (`cluster.probability` of a k-means run): why */
  unavailable?: Record<string, string>;
}

export interface AudienceSchema {
  /** customers columns (customer_id included) */
  traits: Record<string, FieldType>;
  /** transactions columns usable in `where` filters and aggregates */
  transactionFields: Record<string, FieldType>;
  /** extra columns of transactions files kept on each line (`attributes`), by name: `number` or `string` */
  lineAttributes?: Record<string, FieldType>;
  /** places (`--kind places`): the line attribute holding a line's place id (`--map place_id=…`), and place ids for hints */
  places?: { attribute?: string; ids: string[] };
  eventTypes: string[];
  /** property names per event type, when known (names are then checked) */
  eventProperties?: Record<string, string[]>;
  /** stored results by name: rfm, lrfmp, clv, cluster, and model.NAME for each scored model */
  scores: Record<string, ScoreSource>;
  /** other audiences by name (their text form), for `in audience '…'` */
  audiences: Record<string, string>;
  /** trait synonyms: a name used by a rule → columns tried in order when it is not a column itself */
  aliases?: Record<string, string[]>;
  /**
   * every stored run by id, for pinned fields (`cluster(12).name`): its kind (`cluster`, `rfm`, `clv-predict`,
   * `audience`, …) and, for a run a rule can read, the result as a source
   */
  runs?: Record<number, { kind: string; source?: ScoreSource }>;
}

/** The run kind (table `runs`) each result name reads. */
export const RESULT_RUN_KIND: Readonly<Record<string, string>> = { rfm: 'rfm', lrfmp: 'lrfmp', clv: 'clv-predict', cluster: 'cluster' };

/**
 * How many leading names of a dotted field name its stored result: 1 (`rfm.segment`), or 2 for a model's
 * scores, which are named (`model.churn.probability`: the result `model.churn`, the field `probability`).
 */
export const resultDepth = (path: readonly string[]): number => (path[0] === 'model' && path.length > 2 ? 2 : 1);
/** The stored result of a dotted field: `rfm`, `model.churn`. */
export const resultName = (path: readonly string[]): string => path.slice(0, resultDepth(path)).join('.');
/** The field of a dotted field within its result: `segment`, `probability`. */
export const resultField = (path: readonly string[]): string => path.slice(resultDepth(path)).join('.');

/** The stored result a field reads: its pinned run (`cluster(12).name`) or the latest run of its kind. */
export function scoreSourceOf(schema: AudienceSchema, f: { path: readonly string[]; run?: { id: number } }): ScoreSource | undefined {
  if (f.run) {
    const r = schema.runs?.[f.run.id];
    return r && r.kind === RESULT_RUN_KIND[f.path[0]!] ? r.source : undefined;
  }
  return schema.scores[resultName(f.path)];
}

/** The runs a result name can pin, for hints: "runs of cluster: 3, 5" or how to store one. */
export function pinnableRuns(schema: AudienceSchema, head: string): string {
  const ids = Object.entries(schema.runs ?? {}).filter(([, r]) => r.kind === RESULT_RUN_KIND[head] && r.source).map(([id]) => id);
  return ids.length ? `runs of ${head}: ${ids.join(', ')} (segmint runs lists them)` : `this workspace has no ${head} run: ${MODEL_RUNS[head] ?? 'see segmint runs'}`;
}

/**
 * The problem with pinning `head` to run `id` (unknown-run, wrong-run-kind, invalid-run), or undefined when
 * the run exists and is of that kind.
 */
export function runPinProblem(schema: AudienceSchema, head: string, id: number): { code: string; message: string; hint: string } | undefined {
  if (!Object.hasOwn(RESULT_RUN_KIND, head)) {
    return { code: 'invalid-run', message: `${head}(${id}): only stored results (${Object.keys(RESULT_RUN_KIND).join(', ')}) read a pinned run`, hint: 'pin a run of a stored result: cluster(12).name, rfm(7).segment' };
  }
  const r = schema.runs?.[id];
  if (!r) return { code: 'unknown-run', message: `${head}(${id}) reads run ${id}, and this workspace has no run ${id}`, hint: pinnableRuns(schema, head) };
  if (r.kind !== RESULT_RUN_KIND[head] || !r.source) return { code: 'wrong-run-kind', message: `${head}(${id}): run ${id} is a${/^[aeiou]/.test(r.kind) ? 'n' : ''} ${r.kind} run, not a ${RESULT_RUN_KIND[head]} run`, hint: pinnableRuns(schema, head) };
  return undefined;
}

/** Result names a rule may read (`rfm.segment`), each with how to store the run it reads; without one: `no-model-run`. */
export const MODEL_RUNS: Readonly<Record<string, string>> = {
  rfm: 'run segmint rfm first',
  lrfmp: 'run segmint lrfmp first',
  clv: 'run segmint clv fit, then segmint clv predict',
  cluster: 'run segmint cluster first',
  model: 'run segmint model train NAME --target …, then segmint model score NAME; rules read model.NAME.probability',
};

/** The transaction columns the language offers (those present in the workspace are in the schema). */
export const TRANSACTION_FIELDS: Record<string, FieldType> = {
  order_id: 'string', product_id: 'string', description: 'string', category: 'string', department: 'string', channel: 'string', coupon: 'string',
  currency: 'string', amount: 'number', quantity: 'number', unit_price: 'number', line_no: 'number',
};

/** Maps a database column type (DuckDB or PostgreSQL spelling) to the language's field type. */
export function fieldTypeOf(sqlType: string): FieldType {
  const t = sqlType.toUpperCase();
  if (/^(BIGINT|INTEGER|INT|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|DOUBLE|FLOAT|REAL|DECIMAL|NUMERIC)/.test(t) || t === 'DOUBLE PRECISION') return 'number';
  if (/^(VARCHAR|TEXT|CHAR|STRING)/.test(t)) return 'string';
  if (t === 'BOOLEAN' || t === 'BOOL') return 'boolean';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'JSON' || t === 'JSONB') return 'json';
  return 'other';
}

/** The column a trait name refers to: itself, a case-insensitive match, or an alias; undefined when none. */
export function resolveTrait(schema: AudienceSchema, name: string): string | undefined {
  const cols = Object.keys(schema.traits);
  const direct = (n: string) => (n in schema.traits ? n : cols.find((c) => c.toLowerCase() === n.toLowerCase()));
  const hit = direct(name);
  if (hit !== undefined) return hit;
  for (const a of schema.aliases?.[name] ?? []) {
    const h = direct(a);
    if (h !== undefined) return h;
  }
  return undefined;
}

/** "; did you mean X?" or "". */
export function suggestion(name: string, candidates: readonly string[]): string {
  const g = didYouMean(name, candidates);
  return g === undefined ? '' : `; did you mean ${g}?`;
}
