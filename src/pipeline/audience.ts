/**
 * Audiences on a workspace: read the schema the checker needs, evaluate a definition (count, members),
 * store each evaluation as a snapshot run, explain one customer, diff two snapshots, and the migration
 * matrix between two runs of any segmentation. docs/audiences.md describes the language.
 */
import { isSegmintError, SegmintError } from '../core/errors.ts';
import { checkAudience } from '../segments/check.ts';
import { formatAudience } from '../segments/format.ts';
import { leafProbes, lowerAudience } from '../segments/lower.ts';
import { type AudienceDiagnostic, type AudiencePack, type Node } from '../segments/ast.ts';
import { fieldTypeOf, RESULT_RUN_KIND, runPinProblem, TRANSACTION_FIELDS, type AudienceSchema, type FieldType, type ScoreSource } from '../segments/schema.ts';
import { compile, dialectOf, type Compiled } from '../sql/compile.ts';
import type { DialectName } from '../sql/dialects/base.ts';
import { expandedSize } from '../sql/size.ts';
import {
  and, bool, caseWhen, cast, coalesce, col, count, countDistinct, eq, inQuery, insertSelect, isNotNull, jsonGet, lit, lower, max, num, select, subquery, table,
  type Expr, type Query, type Select,
} from '../sql/ir.ts';
import type { Db, Workspace } from '../store/workspace.ts';
import { levenshtein } from '../core/suggest.ts';
import type { ColumnKind } from '../engines/types.ts';
import { resolveAsOf } from './value.ts';
import { all, anyRow, countRows, dayAfter, dayText, exec, one, timestampText } from './run-query.ts';
import { resolveTraits, traitSelect } from './trait-columns.ts';
import { modelScoreSources } from './model-scores.ts';

import { copyToFile } from './export.ts';
import { workspaceTimezone } from '../store/timezone.ts';
import { recordRun, storeRun } from '../store/runs.ts';
import { resolveTrait } from '../segments/schema.ts';
import { PRODUCT_FIELDS } from '../features/transaction-lines.ts';
import { migrate } from './migration.ts';
import { loadLineSchema } from './line-attributes.ts';
import { lineAttribute } from '../segments/line-attributes.ts';
import { grouped } from '../core/numbers.ts';

const RFM_FIELDS: Record<string, FieldType> = {
  segment: 'string', score: 'number', r: 'number', f: 'number', m: 'number', recency_days: 'number', frequency: 'number', monetary: 'number', mean_order_value: 'number',
};
const LRFMP_FIELDS: Record<string, FieldType> = { ...RFM_FIELDS, l: 'number', p: 'number', tenure_days: 'number', periodicity_days: 'number' };
const CLV_FIELDS: Record<string, FieldType> = {
  clv: 'number', clv_tier: 'string', churn_tier: 'string', p_alive: 'number', expected_purchases: 'number', expected_spend: 'number', days_to_next_purchase: 'number',
  frequency: 'number', recency: 'number', monetary_value: 'number',
};
/** `cluster.…`: the columns of run_clusters (probability only for a mixture's run) */
const CLUSTER_FIELDS: Record<string, FieldType> = { id: 'number', name: 'string', distance: 'number', probability: 'number' };
const CLUSTER_COLUMNS = { id: 'cluster', name: 'cluster_name' };

/** The schema of a workspace as the checker sees it; event property names are read when `properties` is true. */
export async function loadAudienceSchema(db: Db, options: { properties?: boolean; audiences?: Record<string, string>; aliases?: Record<string, string[]>; runs?: Record<string, number> } = {}): Promise<AudienceSchema> {
  const cols = await db.tableColumns('customers');
  const traits: Record<string, FieldType> = {};
  // the engine's type reduced to its kind, named as fieldTypeOf reads it (JSON and the like by their own name)
  // (ClickHouse 18.16 has no boolean type: a workspace stores booleans as UInt8, src/sql/ddl.ts)
  for (const c of cols) if (c.name !== 'source_id') traits[c.name] = fieldTypeOf(db.dialect === 'clickhouse' && /^(Nullable\()?UInt8\)?$/.test(c.type) ? 'BOOLEAN' : c.kind === 'other' ? c.type : KIND_TYPE[c.kind]);
  const types = await all<{ type: string }>(db, select({ distinct: true, select: [{ expr: col('type'), as: 'type' }], from: table('events'), orderBy: [col('type')] }));
  // every stored run: the latest of each result kind is read by `kind.field`, any of them by `kind(id).field`
  const runRows = await all<{ run_id: number; kind: string; as_of: unknown; summary: string | null }>(db, select({
    select: [
      { expr: col('run_id'), as: 'run_id' }, { expr: col('kind'), as: 'kind' }, { expr: col('as_of'), as: 'as_of' },
      // a cluster run's summary names its algorithm
      { expr: caseWhen([[eq(col('kind'), lit('cluster')), cast(col('summary'), 'varchar')]]), as: 'summary' },
    ],
    from: table('runs'),
    orderBy: [col('run_id')],
  }));
  const runs: NonNullable<AudienceSchema['runs']> = {};
  const scores: AudienceSchema['scores'] = {};
  const latest = new Map<string, number>();
  for (const r of runRows) {
    const runId = Number(r.run_id);
    const algorithm = r.summary ? ((JSON.parse(r.summary) as { model?: { algorithm?: unknown } }).model?.algorithm ?? null) : null;
    const source = resultSource(r.kind, runId, dayText(r.as_of) ?? '', typeof algorithm === 'string' ? algorithm : algorithm === null ? null : String(algorithm));
    runs[runId] = { kind: r.kind, ...(source ? { source } : {}) };
    if (source) latest.set(r.kind, runId);
  }
  for (const [name, kind] of Object.entries(RESULT_RUN_KIND)) {
    const id = latest.get(kind);
    if (id !== undefined) scores[name] = runs[id]!.source!;
  }
  // each scored model as model.NAME (segmint model score NAME)
  Object.assign(scores, await modelScoreSources(db));
  // a pack's pinned runs (runs: {cluster: 12}) replace the latest
  for (const [name, id] of Object.entries(options.runs ?? {})) {
    const problem = runPinProblem({ traits, transactionFields: {}, eventTypes: [], scores, audiences: {}, runs }, name, Number(id));
    if (problem) throw new SegmintError(problem.code, `runs: ${name}: ${Number(id)}: ${problem.message}`, { hint: problem.hint });
    scores[name] = runs[Number(id)]!.source!;
  }
  let eventProperties: Record<string, string[]> | undefined;
  if (options.properties) {
    // the top-level keys of each type's properties, read from the distinct JSON texts (no engine has one
    // spelling of json_keys; ClickHouse 18.16 has none)
    const rows = await all<{ type: string; properties: string }>(db, select({
      distinct: true,
      select: [{ expr: col('type'), as: 'type' }, { expr: cast(col('properties'), 'varchar'), as: 'properties' }],
      from: table('events'),
      where: isNotNull(col('properties')),
    }));
    const keys = new Map<string, Set<string>>(types.map((t) => [t.type, new Set<string>()]));
    for (const r of rows) {
      const v = JSON.parse(r.properties) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
      const set = keys.get(r.type) ?? keys.set(r.type, new Set()).get(r.type)!;
      for (const k of Object.keys(v)) set.add(k);
    }
    eventProperties = Object.fromEntries([...keys].map(([t, k]) => [t, [...k].sort()]));
  }
  return {
    traits,
    transactionFields: { ...TRANSACTION_FIELDS },
    ...(await loadLineSchema(db)),
    eventTypes: types.map((t) => t.type),
    ...(eventProperties ? { eventProperties } : {}),
    scores,
    audiences: options.audiences ?? {},
    ...(options.aliases ? { aliases: options.aliases } : {}),
    runs,
  };
}

/** Column kinds as fieldTypeOf names them. */
const KIND_TYPE: Record<Exclude<ColumnKind, 'other'>, string> = {
  text: 'VARCHAR', integer: 'BIGINT', double: 'DOUBLE', decimal: 'DECIMAL', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', date: 'DATE',
};


/** The stored result a run of `kind` holds, as a rule reads it; undefined for kinds a rule cannot read. */
function resultSource(kind: string, runId: number, asOf: string, algorithm: string | null): ScoreSource | undefined {
  // score is the score code (e.g. 545)
  if (kind === 'rfm' || kind === 'lrfmp') return { runId, asOf, table: 'run_scores', fields: kind === 'rfm' ? RFM_FIELDS : LRFMP_FIELDS, columns: { score: 'score_code' } };
  // CLV: the stored predictions of a segmint clv predict run
  if (kind === 'clv-predict') return { runId, asOf, table: 'clv_predictions', fields: CLV_FIELDS };
  // clusters: a segmint cluster run (a run of --input FILE has no as-of date)
  if (kind === 'cluster') {
    return {
      runId, asOf, table: 'run_clusters', fields: CLUSTER_FIELDS, columns: CLUSTER_COLUMNS,
      ...(algorithm === 'gmm' ? {} : { unavailable: { probability: `cluster run ${runId} (${algorithm ?? 'unknown algorithm'}) has no membership probabilities: only mixtures (--algorithm gmm) have them` } }),
    };
  }
  return undefined;
}

const usesProperties = (text: string) => /properties\s*\./.test(text);

/** The error for a definition with problems: every diagnostic in `details`, the first in the message. */
export function definitionError(name: string | undefined, diagnostics: AudienceDiagnostic[]): SegmintError {
  const d = diagnostics[0]!;
  const at = (x: AudienceDiagnostic) => `line ${x.line}, column ${x.column}`;
  const who = name ? `audience '${name}': ` : '';
  const message = diagnostics.length === 1
    ? `${who}${d.message} (${at(d)})`
    : `${who}${diagnostics.length} problems\n${diagnostics.map((x) => `  ${at(x)}: [${x.code}] ${x.message}${x.hint ? ` (${x.hint})` : ''}`).join('\n')}`;
  return new SegmintError(d.code, message, {
    hint: diagnostics.length === 1 ? d.hint : 'fix each problem listed above',
    details: { diagnostics: diagnostics.map((x) => (name ? { ...x, audience: name } : x)) },
  });
}

/**
 * The most IR nodes an audience's SQL may have (about 20 characters of SQL each; the 1,000,000-character
 * limit of a definition is checked before its references are expanded, this one after).
 */
export const MAX_RULE_NODES = 1_000_000;

/**
 * Compile an audience's query, refusing (rule-too-large) before any text is written when its SQL would be
 * too large: on an engine without CTEs (ClickHouse) each reference to another audience is written out in
 * full, so audiences that each refer to the previous one twice double at every step.
 */
export function compileAudience(name: string, query: Query, dialect: DialectName): Compiled {
  const d = dialectOf(dialect);
  const n = expandedSize(query, { inlineCtes: !d.capabilities.cte, cap: MAX_RULE_NODES + 1 });
  if (n > MAX_RULE_NODES) {
    throw new SegmintError('rule-too-large', `audience '${name}': its SQL for ${d.name} would have more than ${grouped(MAX_RULE_NODES)} parts${d.capabilities.cte ? '' : ` (${d.name} has no WITH, so every reference to another audience is written out in full)`}`, {
      hint: d.capabilities.cte
        ? 'split the rule into smaller audiences, or import long value lists as a trait'
        : 'refer to fewer audiences (each reference repeats the referenced rule), or evaluate it on DuckDB and store a snapshot',
      details: { dialect: d.name, limit: MAX_RULE_NODES },
    });
  }
  return compile(query, d);
}

/** A checked, lowered definition ready to run. */
export interface PreparedAudience {
  name: string;
  /** the canonical text */
  where: string;
  node: Node;
  asOf: string;
  query: Select;
  refs: ReadonlyMap<string, Node>;
  schema: AudienceSchema;
}

export interface PrepareOptions {
  /** YYYY-MM-DD; default as for RFM (the day after the last transaction) */
  asOf?: string;
  /** the other audiences a rule may refer to (name → text), e.g. the rest of its pack */
  audiences?: Record<string, string>;
  aliases?: Record<string, string[]>;
  /** a pack's pinned runs: result kind → run id */
  runs?: Record<string, number>;
  schema?: AudienceSchema;
}

/** Parse, check and lower one definition against the workspace; throws a SegmintError with every diagnostic. */
export async function prepareAudience(ws: Pick<Workspace, 'db' | 'config'>, name: string, where: string, options: PrepareOptions = {}): Promise<PreparedAudience> {
  // event property names are loaded when the rule or an audience it may refer to reads properties
  const properties = [where, ...Object.values(options.audiences ?? {})].some(usesProperties);
  const schema = options.schema ?? (await loadAudienceSchema(ws.db, { properties, audiences: options.audiences, aliases: options.aliases, runs: options.runs }));
  const c = checkAudience(where, schema, { name });
  if (!c.node) throw definitionError(name, c.diagnostics);
  const asOf = await audienceAsOf(ws, options.asOf);
  const query = lowerAudience(c.node, { schema, asOf: new Date(`${asOf}T00:00:00Z`), refs: c.refs });
  // the workspace's engine: refuse a rule too large to evaluate now, not after writing its text
  compileAudience(name, query, ws.db.dialect);
  return { name, where: formatAudience(c.node), node: c.node, asOf, query, refs: c.refs, schema };
}

/**
 * The as-of date of an audience: as for RFM (given, segmint.yaml, else the day after the last transaction),
 * but a workspace without transactions is no error, since rules on traits need none: the day after the
 * last event, else today (UTC). Behaviour conditions then see no orders.
 */
export async function audienceAsOf(ws: Pick<Workspace, 'db' | 'config'>, asOf: string | undefined): Promise<string> {
  if (asOf !== undefined || ws.config.analysis.asOf) return resolveAsOf(ws, asOf);
  if (await anyRow(ws.db, 'transactions', isNotNull(col('customer_id')))) return resolveAsOf(ws, asOf);
  const ev = await one<{ d: unknown }>(ws.db, select({ select: [{ expr: max(col('ts')), as: 'd' }], from: table('events'), where: isNotNull(col('customer_id')) }));
  return ev?.d === null || ev?.d === undefined ? new Date().toISOString().slice(0, 10) : dayAfter(ev.d);
}

/** The SQL of a prepared audience for an engine. */
export function audienceSql(p: PreparedAudience, dialect: DialectName): Compiled {
  return compileAudience(p.name, p.query, dialect);
}

export interface EvalResult {
  name: string;
  where: string;
  asOf: string;
  customers: number;
  /** share of all customers */
  share: number;
  /** the snapshot run, when stored */
  runId?: number;
  /** text values the rule compares with a column that holds none of them, with the nearest values ("did you mean") */
  warnings: string[];
}

/** Evaluate and (by default) store a snapshot run: runs.kind = 'audience', members in audience_members. */
export async function evaluateAudience(ws: Pick<Workspace, 'db' | 'config'>, p: PreparedAudience, options: {
  store?: boolean;
  /** runs inside the snapshot's transaction after it is written (e.g. the --out export): a failure stores nothing */
  beforeCommit?: (runId: number) => Promise<void>;
  /**
   * runs inside the snapshot's write after its members are inserted and before the runs row that publishes it
   * (on ClickHouse the run's final write), e.g. the webhook outbox (store/outbox.ts): a failure stores nothing
   */
  beforeRecord?: (runId: number) => Promise<void>;
} = {}): Promise<EvalResult> {
  const db = ws.db;
  // refuse a rule too large for the engine before anything runs
  compileAudience(p.name, p.query, db.dialect);
  const total = await countRows(db, 'customers');
  if (options.store === false) {
    const c = compileAudience(p.name, select({ select: [{ expr: count(), as: 'n' }], from: subquery(p.query, 'q') }), db.dialect);
    const n = Number((await db.one<{ n: number }>(c.sql, c.params))?.n ?? 0);
    return { name: p.name, where: p.where, asOf: p.asOf, customers: n, share: total ? n / total : 0, warnings: await valueWarnings(ws, p) };
  }
  const warnings = await valueWarnings(ws, p);
  return storeRun(db, 'audience', async (runId) => {
    const members = select({ select: [{ expr: num(runId), as: 'run_id' }, { expr: col('customer_id', 'q'), as: 'customer_id' }], from: subquery(p.query, 'q') });
    // its size was checked above
    await exec(db, insertSelect('audience_members', members));
    // the new run's rows only (a zone map or sorting key on run_id skips the other snapshots)
    const n = await countRows(db, 'audience_members', eq(col('run_id'), num(runId)));
    if (options.beforeRecord) await options.beforeRecord(runId);
    await recordRun(db, runId, 'audience', p.asOf, { name: p.name, where: p.where }, { customers: n });
    if (options.beforeCommit) await options.beforeCommit(runId);
    return { name: p.name, where: p.where, asOf: p.asOf, customers: n, share: total ? n / total : 0, runId, warnings };
  });
}

/** The result of a pack: each applicable audience evaluated, the others with the reason they do not apply. */
export interface PackResult {
  pack: string;
  results: EvalResult[];
  notApplicable: { name: string; code: string; message: string }[];
}

/**
 * Problems that mean "this workspace lacks what the rule reads", not "the rule is wrong". For a pack, a field
 * of another type than the pack expects (`household_size` as text "5+") is as good as missing.
 */
const MISSING = new Set(['unknown-field', 'unknown-event-type', 'no-model-run', 'missing-coordinates', 'invalid-reference', 'unknown-property', 'type-mismatch']);

/**
 * Evaluate every audience of a pack (references resolve within the pack). With `skipMissing`, audiences
 * whose fields, event types or runs the workspace lacks are listed as not applicable instead of failing.
 */
export async function evaluatePack(ws: Pick<Workspace, 'db' | 'config'>, pack: AudiencePack, options: {
  asOf?: string; store?: boolean; skipMissing?: boolean;
  /** called as the pack is checked and as each audience is evaluated, with the share done */
  onProgress?: (phase: string, fraction: number) => void;
} = {}): Promise<PackResult> {
  const progress = options.onProgress ?? (() => undefined);
  progress('reading the workspace', 0);
  const audiences = Object.fromEntries(pack.audiences.map((a) => [a.name, a.where]));
  const anyProps = pack.audiences.some((a) => usesProperties(a.where));
  const schema = await loadAudienceSchema(ws.db, { properties: anyProps, audiences, aliases: pack.aliases, runs: pack.runs });
  // one as-of date for the whole pack (without --as-of it is found by a scan of the transactions)
  const asOf = await audienceAsOf(ws, options.asOf);
  const results: EvalResult[] = [];
  const notApplicable: PackResult['notApplicable'] = [];
  // every audience is prepared (and checked) before any snapshot is stored: a pack that fails stores nothing
  const prepared: PreparedAudience[] = [];
  for (const a of pack.audiences) {
    try {
      prepared.push(await prepareAudience(ws, a.name, a.where, { asOf, schema }));
    } catch (e) {
      const found = isSegmintError(e) ? ((e.details as { diagnostics?: AudienceDiagnostic[] } | undefined)?.diagnostics ?? []) : [];
      if (!options.skipMissing || !found.length || !found.every((d) => MISSING.has(d.code))) throw e;
      // every reason, not only the first: `has_kids` missing and `household_size` text
      notApplicable.push({ name: a.name, code: found[0]!.code, message: found.map((d) => d.message).join('; ') });
    }
  }
  for (const [i, p] of prepared.entries()) {
    progress(`evaluating ${p.name}`, (i + 1) / (prepared.length + 1));
    results.push(await evaluateAudience(ws, p, options));
  }
  return { pack: pack.name, results, notApplicable };
}

/** Transaction columns whose values a rule's text literals are checked against (free text such as description is not). */
const CATEGORICAL_LINE_FIELDS = new Set(['category', 'department', 'product_id', 'channel', 'coupon', 'currency']);
const CASE_INSENSITIVE_FIELDS = new Set<string>(PRODUCT_FIELDS);

/** The (column, text value) pairs a rule compares with `=`, `!=`, `in` or `not in`, in it and the audiences it refers to. */
function comparedValues(p: PreparedAudience): { table: 'lines' | 'customers' | 'attributes'; column: string; value: string }[] {
  const out = new Map<string, { table: 'lines' | 'customers' | 'attributes'; column: string; value: string }>();
  const texts = (n: Node & { kind: 'field' }): string[] => {
    const t = n.test;
    if (t.kind === 'cmp' && (t.op === '=' || t.op === '!=') && t.value.kind === 'string') return [t.value.value];
    if (t.kind === 'in') return t.values.flatMap((v) => (v.kind === 'string' ? [v.value] : []));
    return [];
  };
  const add = (table: 'lines' | 'customers' | 'attributes', column: string, values: string[]) => {
    for (const value of values) out.set(JSON.stringify([table, column, value]), { table, column, value });
  };
  const rowFilter = (n: Node | undefined, events: boolean) => {
    if (!n || events) return;
    if (n.kind === 'all' || n.kind === 'any') n.items.forEach((x) => rowFilter(x, events));
    else if (n.kind === 'not') rowFilter(n.item, events);
    else if (n.kind === 'field' && n.field.path.length === 1 && CATEGORICAL_LINE_FIELDS.has(n.field.path[0]!)) add('lines', n.field.path[0]!, texts(n));
    else if (n.kind === 'field' && n.field.path.length === 1 && !(n.field.path[0]! in p.schema.transactionFields)) {
      // a text column kept on the line (store_id, country): its values are checked the same way
      const a = lineAttribute(p.schema, n.field.path[0]!);
      if (a?.type === 'string') add('attributes', a.key, texts(n));
    }
  };
  const walk = (n: Node) => {
    switch (n.kind) {
      case 'all': case 'any': n.items.forEach(walk); return;
      case 'not': walk(n.item); return;
      case 'field': {
        if (n.field.path.length !== 1) return;
        const column = resolveTrait(p.schema, n.field.path[0]!);
        if (column !== undefined && p.schema.traits[column] === 'string' && column !== 'customer_id') add('customers', column, texts(n));
        return;
      }
      case 'measure': case 'has': case 'occurrence': rowFilter(n.where, n.source.kind === 'event'); return;
      case 'sequence':
        rowFilter(n.first.where, n.first.source.kind === 'event');
        rowFilter(n.then.where, n.then.source.kind === 'event');
        return;
      default:
    }
  };
  walk(p.node);
  for (const r of p.refs.values()) walk(r);
  return [...out.values()];
}

/**
 * A warning for each text value a rule compares with a categorical column (a customer trait of text, or a
 * transaction's category, department, product_id, channel, coupon or currency) that no row holds: the
 * comparison never holds, which usually means a misspelling or another case. The nearest existing values
 * (by edit distance, ignoring case) are named. Category and department are compared ignoring case, as the
 * rule does (docs/audiences.md).
 */
export async function valueWarnings(ws: Pick<Workspace, 'db' | 'config'>, p: PreparedAudience): Promise<string[]> {
  const warnings: string[] = [];
  for (const { table: t, column, value } of comparedValues(p)) {
    const ci = t === 'lines' && CASE_INSENSITIVE_FIELDS.has(column);
    // a line's category or department may come from its product (features/transaction-lines.ts)
    const src: Select = t === 'customers'
      ? select({ select: [{ expr: col(column), as: 'v' }], from: table('customers') })
      : t === 'attributes'
        ? select({ select: [{ expr: jsonGet(col('attributes'), column, 'text'), as: 'v' }], from: table('transactions'), where: isNotNull(col('customer_id')) })
      : ci
        ? select({
          select: [{ expr: coalesce(col(column, 't'), col(column, 'p')), as: 'v' }],
          from: table('transactions', 't'),
          joins: [{ type: 'left', target: table('products', 'p'), on: eq(col('product_id', 'p'), col('product_id', 't')) }],
          where: isNotNull(col('customer_id', 't')),
        })
        : select({ select: [{ expr: col(column), as: 'v' }], from: table('transactions'), where: isNotNull(col('customer_id')) });
    const v: Expr = col('v', 's');
    const first = select({ select: [{ expr: num(1), as: 'one' }], from: subquery(src, 's'), where: ci ? eq(lower(v), lower(lit(value))) : eq(v, lit(value)), limit: 1 });
    const hit = await one<{ n: unknown }>(ws.db, select({ select: [{ expr: count(), as: 'n' }], from: subquery(first, 'q') }));
    if (Number(hit?.n ?? 0) > 0) continue;
    // the nearest values by edit distance, ignoring case (computed here: not every engine has levenshtein)
    const distinct = await all<{ v: string }>(ws.db, select({ distinct: true, select: [{ expr: cast(v, 'varchar'), as: 'v' }], from: subquery(src, 's'), where: isNotNull(v) }));
    const target = value.toLowerCase();
    const near = distinct.map((r) => ({ v: String(r.v), d: levenshtein(String(r.v).toLowerCase(), target) }))
      .sort((a, b) => a.d - b.d || (a.v < b.v ? -1 : a.v > b.v ? 1 : 0)).slice(0, 3);
    const what = t === 'customers' ? `customer has ${column}` : `transaction line has ${column}`;
    if (near.length === 0) {
      warnings.push(`audience '${p.name}': no ${what} set, so ${column} = '${value}' never holds`);
      continue;
    }
    const close = near.filter((r) => Number(r.d) <= Math.max(2, Math.ceil(value.length / 3)));
    const list = (rs: { v: string }[]) => rs.map((r) => `'${r.v}'`).join(', ');
    warnings.push(`audience '${p.name}': no ${what} '${value}'${ci ? ' (in any case)' : ''}, so that comparison never holds; ${close.length ? `did you mean ${list(close)}?` : `values include ${list(near)}`}`);
  }
  return warnings;
}

/** Check the traits asked for with --traits (customer traits and `kind.field` results) before anything is stored. */
export function checkTraits(p: PreparedAudience, traits: readonly string[]): void {
  resolveTraits(p.schema, traits);
}

/**
 * Write the members with the traits asked for (customer traits, and `rfm.segment`-style results of the
 * latest runs) to csv/parquet/json. With `runId` (a stored snapshot of `p`), the members are read from it
 * instead of evaluating the rule again.
 */
export async function exportMembers(ws: Workspace, p: PreparedAudience, file: string, traits: string[], runId?: number): Promise<{ file: string; rows: number }> {
  const t = traitSelect(p.schema, traits);
  const members: Query = runId === undefined ? p.query : select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('audience_members'), where: eq(col('run_id'), lit(runId)) });
  const q = select({
    select: [{ expr: col('customer_id', 'c'), as: 'customer_id' }, ...t.select],
    from: table('customers', 'c'),
    joins: t.joins,
    where: inQuery(col('customer_id', 'c'), members),
    orderBy: [col('customer_id', 'c')],
  });
  const c = compileAudience(p.name, q, ws.db.dialect);
  // timestamps (traits, rfm.last_purchase) as ISO 8601 with the offset in the workspace's zone
  return copyToFile(ws.db, c.sql, file, c.params, { timezone: await workspaceTimezone(ws.db, ws.config) });
}

/** One node of an explanation: whether it holds for the customer, what was observed, and its parts. */
export interface ExplainNode {
  condition: string;
  holds: boolean;
  observed?: unknown;
  /** the population statistic compared with, for `> avg` and the like */
  threshold?: unknown;
  items?: ExplainNode[];
}

const show = (v: unknown): unknown => (v instanceof Date ? v.toISOString().replace('T', ' ').replace(/\.000Z$/, '').replace(/ 00:00:00$/, '') : typeof v === 'bigint' ? Number(v) : v);

/** Which conditions hold and fail for one customer, with the observed values. */
export async function explainAudience(ws: Pick<Workspace, 'db' | 'config'>, p: PreparedAudience, customerId: string): Promise<ExplainNode> {
  const db = ws.db;
  const exists = await countRows(db, 'customers', eq(col('customer_id'), lit(customerId)));
  if (!exists) throw new SegmintError('unknown-customer', `no customer ${customerId} in this workspace`, { hint: 'give a customer_id from the customers table' });
  const { probes, ctes } = leafProbes(p.node, { schema: p.schema, asOf: new Date(`${p.asOf}T00:00:00Z`), refs: p.refs }, customerId);
  const items = probes.flatMap((pr, i) => [
    { expr: caseWhen([[pr.holds, bool(true)]], bool(false)), as: `h${i}` },
    ...(pr.observed ? [{ expr: pr.observed, as: `v${i}` }] : []),
    ...(pr.threshold ? [{ expr: pr.threshold, as: `t${i}` }] : []),
  ]);
  const q = compileAudience(p.name, select({ ...(ctes.length ? { with: ctes } : {}), select: items, from: table('customers'), where: eq(col('customer_id'), lit(customerId)) }), db.dialect);
  const row = (await db.one<Record<string, unknown>>(q.sql, q.params))!;
  const byNode = new Map<Node, number>(probes.map((pr, i) => [pr.node, i]));
  // a referenced audience is broken down where it first appears (an audience can refer to another many times)
  const shown = new Set<string>();
  const build = (n: Node): ExplainNode => {
    if (n.kind === 'all' || n.kind === 'any') {
      const kids = n.items.map(build);
      return { condition: n.kind === 'all' ? 'all of' : 'any of', holds: n.kind === 'all' ? kids.every((k) => k.holds) : kids.some((k) => k.holds), items: kids };
    }
    if (n.kind === 'not') {
      const k = build(n.item);
      return { condition: 'not', holds: !k.holds, items: [k] };
    }
    const i = byNode.get(n)!;
    const out: ExplainNode = { condition: formatAudience(n), holds: Boolean(row[`h${i}`]) };
    if (`v${i}` in row) out.observed = show(row[`v${i}`]);
    if (`t${i}` in row) out.threshold = show(row[`t${i}`]);
    if (n.kind === 'ref') {
      const t = p.refs.get(n.name.value);
      if (t && !shown.has(n.name.value)) {
        shown.add(n.name.value);
        out.items = [build(t)];
      }
    }
    return out;
  };
  return build(p.node);
}

/** A stored run of any segmentation, as the diff and the migration matrix read it. */
export interface RunInfo {
  runId: number;
  kind: string;
  asOf: string;
  createdAt: string;
  name?: string;
}

const RUN_COLUMNS = [
  { expr: col('run_id'), as: 'run_id' }, { expr: col('kind'), as: 'kind' }, { expr: col('as_of'), as: 'as_of' }, { expr: col('created_at'), as: 'created_at' },
  { expr: cast(col('params'), 'varchar'), as: 'params' }, { expr: cast(col('summary'), 'varchar'), as: 'summary' },
];

async function runInfo(db: Db, runId: number): Promise<RunInfo> {
  const r = await one<{ kind: string; as_of: unknown; created_at: unknown; params: string }>(db, select({ select: RUN_COLUMNS, from: table('runs'), where: eq(col('run_id'), lit(runId)) }));
  if (!r) throw new SegmintError('unknown-run', `no run ${runId} in this workspace`, { hint: 'list runs with segmint audience runs' });
  const name = r.kind === 'audience' ? (JSON.parse(r.params) as { name?: string }).name : undefined;
  return { runId, kind: r.kind, asOf: dayText(r.as_of) as string, createdAt: timestampText(r.created_at), ...(name === undefined ? {} : { name }) };
}

/** The audience snapshot runs, oldest first, optionally of one audience. */
export async function audienceRuns(db: Db, name?: string): Promise<(RunInfo & { customers: number })[]> {
  const rows = await all<{ run_id: number; as_of: unknown; created_at: unknown; params: string; summary: string }>(db, select({ select: RUN_COLUMNS, from: table('runs'), where: eq(col('kind'), lit('audience')), orderBy: [col('run_id')] }));
  return rows.map((r) => ({ runId: Number(r.run_id), kind: 'audience', asOf: dayText(r.as_of) as string, createdAt: timestampText(r.created_at), name: (JSON.parse(r.params) as { name: string }).name, customers: (JSON.parse(r.summary) as { customers: number }).customers }))
    .filter((r) => name === undefined || r.name === name);
}

export interface AudienceDiff {
  from: RunInfo;
  to: RunInfo;
  entered: string[];
  left: string[];
  stayed: number;
}

/** Who entered and who left an audience between two snapshot runs (default: its last two). */
export async function diffAudience(db: Db, options: { name?: string; from?: number; to?: number }): Promise<AudienceDiff> {
  let { from, to } = options;
  if (from === undefined || to === undefined) {
    // without a name: the audience of the run given, else of the latest snapshot
    const given = from ?? to;
    const name = options.name ?? (given !== undefined ? (await runInfo(db, given)).name : (await audienceRuns(db)).at(-1)?.name);
    const ids = name === undefined ? [] : (await audienceRuns(db, name)).map((r) => r.runId);
    to ??= ids.at(-1);
    // --to alone: the snapshot just before it
    from ??= ids.filter((id) => id < to!).at(-1);
    if (from === undefined || to === undefined || from === to) {
      throw new SegmintError('not-enough-runs', `${name ? `audience '${name}' has` : 'there are'} ${ids.length} snapshot run${ids.length === 1 ? '' : 's'}${ids.length >= 2 ? ' but none to compare with the one given' : ''}; a diff needs two`, { hint: 'evaluate the audience again (e.g. after importing newer data), or give --from and --to run ids' });
    }
  }
  const [a, b] = [await runInfo(db, from), await runInfo(db, to)];
  for (const r of [a, b]) if (r.kind !== 'audience') throw new SegmintError('wrong-run-kind', `run ${r.runId} is a ${r.kind} run, not an audience snapshot`, { hint: 'for other segmentations use segmint audience migration' });
  if (a.name !== b.name || (options.name !== undefined && a.name !== options.name)) {
    throw new SegmintError('different-audiences', `runs ${a.runId} and ${b.runId} are snapshots of ${a.name === b.name ? `'${a.name}', not '${options.name}'` : `different audiences ('${a.name}' and '${b.name}')`}`, { hint: 'list the runs of one audience with segmint audience runs --name N' });
  }
  const membersOf = (run: number) => select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('audience_members'), where: eq(col('run_id'), lit(run)) });
  // x EXCEPT y and x INTERSECT y (distinct members) as IN / NOT IN, which every engine has
  const inX = (x: number, y: number, negate: boolean) => and(eq(col('run_id'), lit(x)), inQuery(col('customer_id'), membersOf(y), negate));
  const minus = async (x: number, y: number) => (await all<{ customer_id: string }>(db, select({
    distinct: true, select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('audience_members'), where: inX(x, y, true), orderBy: [col('customer_id')],
  }))).map((r) => String(r.customer_id));
  const entered = await minus(to, from);
  const left = await minus(from, to);
  const stayed = Number((await one<{ n: unknown }>(db, select({ select: [{ expr: countDistinct(col('customer_id')), as: 'n' }], from: table('audience_members'), where: inX(from, to, false) })))?.n ?? 0);
  return { from: a, to: b, entered, left, stayed };
}

export interface MigrationCell {
  from: string;
  to: string;
  customers: number;
  /** net spend of these customers between the two as-of dates (all before the later one when they are equal) */
  revenue: number;
}

export interface MigrationMatrix {
  from: RunInfo;
  to: RunInfo;
  labels: { from: string[]; to: string[] };
  cells: MigrationCell[];
}

/**
 * Counts and revenue of customers moving between the labels of two runs of any segmentation (the segment
 * of a score run, the CLV tier of a prediction run, the cluster name of a cluster run, member / not a
 * member of an audience snapshot); customers in only one run are '(not in run)'. pipeline/migration.ts.
 */
export async function migrationMatrix(db: Db, fromRun: number, toRun: number): Promise<MigrationMatrix> {
  const m = await migrate(db, fromRun, toRun, { entered: '(not in run)', left: '(not in run)' });
  return { from: m.from, to: m.to, labels: m.labels, cells: m.cells };
}
