/**
 * Stored runs of every kind and the migration between any two segmentations: who moved where between two
 * runs of RFM/LRFMP segments, cluster names, CLV or churn tiers, audience membership, or across kinds (an
 * RFM run against a cluster run). `segmint runs` and `segmint migration` print these; docs/cli.md.
 */
import { SegmintError } from '../core/errors.ts';
import { suggestion } from '../segments/schema.ts';
import { compile } from '../sql/compile.ts';
import {
  caseWhen, coalesce, col, inList, count, countDistinct, eq, ge, inQuery, isNotNull, isNull, jsonGet, lit, lt, NULL, num, select, subquery, sum, table, unionAll,
  and, type Expr, type Query, type Select,
} from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { copyToFile } from './export.ts';
import { all, dayText, one, timestampText } from './run-query.ts';
import { grouped } from '../core/numbers.ts';

/** Every kind of stored run. */
export const RUN_KINDS = ['rfm', 'lrfmp', 'clv', 'clv-predict', 'cluster', 'audience', 'campaign', 'recommend', 'model', 'model-score', 'outliers'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
/** The kinds whose runs label each customer (a `clv` fit has no per-customer rows). */
export const LABELLED_KINDS: readonly string[] = ['rfm', 'lrfmp', 'clv-predict', 'cluster', 'audience'];
/** What labels a clv-predict run: its CLV tier (default) or its churn-risk tier. */
export const MIGRATION_BY = ['clv-tier', 'churn-tier'] as const;
export type MigrationBy = (typeof MIGRATION_BY)[number];

/** A run as listed by `segmint runs`: the one-line summary and the counts it is made of. */
export interface RunListing {
  runId: number;
  kind: string;
  /** YYYY-MM-DD; null for a cluster run of --input FILE */
  asOf: string | null;
  /** YYYY-MM-DD HH:MM:SS (UTC) */
  createdAt: string;
  /** customers with a row in the run (audience: members; clv fit: customers fitted) */
  customers: number | null;
  /** distinct segments (rfm, lrfmp) */
  segments?: number;
  /** clusters (cluster) */
  k?: number;
  /** the audience (audience) */
  name?: string;
  summary: string;
}

/** An unknown kind: invalid-option with did-you-mean. */
export function checkKind(kind: string, kinds: readonly string[] = RUN_KINDS, option = '--kind', what = 'run kind'): void {
  if (!kinds.includes(kind)) {
    throw new SegmintError('invalid-option', `${option} ${kind}: no such ${what}${suggestion(kind, kinds)}`, { hint: `${what}s: ${kinds.join(', ')}` });
  }
}

const fmt = (n: number) => grouped(n);

/** A JSON column read back from the engine (text, or already parsed by the driver). */
function jsonValue(v: unknown): Record<string, unknown> {
  if (v === null || v === undefined) return {};
  if (typeof v === 'string') {
    try { const x: unknown = JSON.parse(v); return x !== null && typeof x === 'object' ? x as Record<string, unknown> : {}; } catch { return {}; }
  }
  return typeof v === 'object' ? v as Record<string, unknown> : {};
}
/** The value at a path of a JSON object, undefined when absent. */
function at(o: Record<string, unknown>, ...path: string[]): unknown {
  let x: unknown = o;
  for (const k of path) x = x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined;
  return x;
}
/** As json_extract_string: text of a JSON value, null when absent or null. */
function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}
/** A JSON value as a number (null when absent or not a number); `whole` rounds as CAST … AS BIGINT does. */
function number(v: unknown, whole = false): number | null {
  if (v === null || v === undefined || typeof v === 'object' || typeof v === 'boolean') return null;
  const x = Number(v);
  if (!Number.isFinite(x)) return null;
  return whole ? Math.round(x) : x;
}

/** The row of `runs` with what `segmint runs` shows of its params and summary. */
function listed(r: { run_id: number; kind: string; as_of: unknown; created_at: unknown; params: unknown; summary: unknown }) {
  const p = jsonValue(r.params);
  const s = jsonValue(r.summary);
  const k = r.kind;
  return {
    run_id: r.run_id, kind: k, as_of: dayText(r.as_of), created_at: timestampText(r.created_at),
    name: k === 'audience' || k === 'campaign' || k === 'model' || k === 'model-score' || k === 'outliers' ? text(at(p, 'name')) : null,
    model_customers: k === 'model' || k === 'model-score' || k === 'outliers' ? number(at(s, 'customers'), true) : null,
    outlier_method: k === 'outliers' ? text(at(p, 'method')) : null,
    outlier_unusual: k === 'outliers' ? number(at(s, 'unusual'), true) : null,
    model_auc: k === 'model' ? number(at(s, 'cv', 'auc')) : null,
    model_target: k === 'model' ? text(at(p, 'target')) : null,
    model_run: k === 'model-score' ? number(at(p, 'modelRun'), true) : null,
    campaign_source: k === 'campaign' ? text(at(p, 'source')) : null,
    campaign_added: k === 'campaign' ? number(at(s, 'added') ?? at(s, 'members'), true) : null,
    audience_customers: k === 'audience' ? number(at(s, 'customers'), true) : null,
    k: k === 'cluster' ? number(at(s, 'model', 'k'), true) : null,
    algorithm: k === 'cluster' ? text(at(s, 'model', 'algorithm')) : null,
    input: k === 'cluster' ? text(at(p, 'input', 'file')) : null,
    fitted: k === 'clv' ? number(at(s, 'customers', 'fitted'), true) : null,
    model: k === 'clv' ? text(at(p, 'model')) : null,
    spend: k === 'clv' ? text(at(p, 'spend')) : null,
    period: k === 'clv' ? text(at(p, 'period')) : null,
    horizon: k === 'clv-predict' ? number(at(p, 'horizon')) : null,
    unit: k === 'clv-predict' ? text(at(p, 'unit')) : null,
    fit_run: k === 'clv-predict' ? number(at(p, 'fitRunId'), true) : null,
  };
}

/** The stored runs, oldest first, optionally of one kind, each with a one-line summary. */
export async function listRuns(db: Db, kind?: string): Promise<RunListing[]> {
  if (kind !== undefined) checkKind(kind);
  const rows = (await all<{ run_id: number; kind: string; as_of: unknown; created_at: unknown; params: unknown; summary: unknown }>(db, select({
    select: ['run_id', 'kind', 'as_of', 'created_at', 'params', 'summary'].map((c) => ({ expr: col(c) })),
    from: table('runs'),
    ...(kind === undefined ? {} : { where: eq(col('kind'), lit(kind)) }),
    orderBy: [col('run_id')],
  }))).map((r) => listed(r));
  // per-customer rows, counted once per table for the runs listed
  const counts = new Map<number, { n: number; d: number }>();
  const countPer = async (name: string, distinct: string, kinds: string[]) => {
    if (!rows.some((r) => kinds.includes(r.kind))) return;
    const q = select({
      select: [{ expr: col('run_id') }, { expr: count(), as: 'n' }, { expr: countDistinct(col(distinct)), as: 'd' }],
      from: table(name), groupBy: [col('run_id')],
    });
    for (const c of await all<{ run_id: number; n: number; d: number }>(db, q)) {
      counts.set(Number(c.run_id), { n: Number(c.n), d: Number(c.d) });
    }
  };
  await countPer('run_scores', 'segment', ['rfm', 'lrfmp']);
  await countPer('clv_predictions', 'clv_tier', ['clv-predict']);
  await countPer('run_clusters', 'cluster', ['cluster']);
  return rows.map((r) => {
    const runId = Number(r.run_id);
    const c = counts.get(runId);
    const base = { runId, kind: r.kind, asOf: r.as_of, createdAt: r.created_at };
    switch (r.kind) {
      case 'rfm':
      case 'lrfmp':
        return { ...base, customers: c?.n ?? 0, segments: c?.d ?? 0, summary: `${fmt(c?.n ?? 0)} customers, ${fmt(c?.d ?? 0)} segments` };
      case 'cluster': {
        const k = r.k === null ? c?.d ?? 0 : Number(r.k);
        return { ...base, customers: c?.n ?? 0, k, summary: `${fmt(c?.n ?? 0)} customers, k = ${k}${r.algorithm ? ` (${r.algorithm})` : ''}${r.input ? `, input ${r.input}` : ''}` };
      }
      case 'clv-predict':
        return { ...base, customers: c?.n ?? 0, summary: `${fmt(c?.n ?? 0)} customers, ${r.horizon ?? '?'} ${r.unit ?? ''}${r.horizon === 1 ? '' : 's'} ahead, fit run ${r.fit_run ?? '?'}` };
      case 'clv':
        return { ...base, customers: r.fitted === null ? null : Number(r.fitted), summary: `${r.model ?? '?'}${r.spend && r.spend !== 'none' ? ` + ${r.spend}` : ''} fit (per ${r.period ?? '?'}) on ${r.fitted === null ? '?' : fmt(Number(r.fitted))} customers` };
      case 'audience': {
        const n = r.audience_customers === null ? null : Number(r.audience_customers);
        return { ...base, customers: n, ...(r.name === null ? {} : { name: r.name }), summary: `${r.name ?? '?'}: ${n === null ? '?' : fmt(n)} customers` };
      }
      case 'campaign': {
        // each run of a campaign adds members: a create (again, on a later snapshot) or an import
        const n = r.campaign_added === null ? null : Number(r.campaign_added);
        return { ...base, customers: n, ...(r.name === null ? {} : { name: r.name }), summary: `campaign ${r.name ?? '?'}: ${n === null ? '?' : fmt(n)} customers ${r.campaign_source === 'imported' ? 'imported' : 'given an arm'}` };
      }
      case 'model':
        return { ...base, customers: r.model_customers, ...(r.name === null ? {} : { name: r.name }), summary: `model ${r.name ?? '?'}: target ${r.model_target ?? '?'} on ${r.model_customers === null ? '?' : fmt(r.model_customers)} customers${r.model_auc === null ? '' : `, CV AUC ${r.model_auc.toFixed(3)}`}` };
      case 'model-score':
        return { ...base, customers: r.model_customers, ...(r.name === null ? {} : { name: r.name }), summary: `model ${r.name ?? '?'} (run ${r.model_run ?? '?'}): ${r.model_customers === null ? '?' : fmt(r.model_customers)} customers scored` };
      case 'outliers':
        return { ...base, customers: r.model_customers, ...(r.name === null ? {} : { name: r.name }), summary: `outlier scores ${r.name ?? '?'} (${r.outlier_method === 'centroid' ? 'distance to the nearest centre' : 'isolation forest'}): ${r.model_customers === null ? '?' : fmt(r.model_customers)} customers scored, ${r.outlier_unusual === null ? '?' : fmt(r.outlier_unusual)} unusual` };
      default:
        return { ...base, customers: null, summary: '' };
    }
  });
}

/** A run as the migration reads it. */
export interface MigrationRun {
  runId: number;
  kind: string;
  asOf: string;
  createdAt: string;
  /** the audience of an audience snapshot */
  name?: string;
  /** what its labels are: segment, cluster name, CLV tier, churn tier, membership */
  label: string;
}

type RunRow = { kind: string; as_of: string | null; created_at: string; name: string | null };

async function readRun(db: Db, runId: number): Promise<RunRow> {
  const row = await one<{ kind: string; as_of: unknown; created_at: unknown; params: unknown }>(db, select({
    select: ['kind', 'as_of', 'created_at', 'params'].map((c) => ({ expr: col(c) })),
    from: table('runs'), where: eq(col('run_id'), lit(runId)),
  }));
  const r: RunRow | undefined = row && {
    kind: row.kind, as_of: dayText(row.as_of), created_at: timestampText(row.created_at),
    name: row.kind === 'audience' ? text(at(jsonValue(row.params), 'name')) : null,
  };
  if (!r) throw new SegmintError('unknown-run', `no run ${runId} in this workspace`, { hint: 'list the runs with segmint runs' });
  return r;
}

/** `(customer_id, label)` of a run and what the label is. */
function labels(runId: number, kind: string, by: MigrationBy): { query: Select; label: string } {
  const ofRun = (from: string, label: Expr) => select({
    select: [{ expr: col('customer_id') }, { expr: label, as: 'label' }], from: table(from), where: eq(col('run_id'), lit(runId)),
  });
  if (kind === 'rfm' || kind === 'lrfmp') return { query: ofRun('run_scores', col('segment')), label: 'segment' };
  if (kind === 'audience') {
    // a non-key column tells members apart: ClickHouse 18.16 fills a right-side key column from the left side
    const members = select({
      select: [{ expr: col('customer_id') }, { expr: num(1), as: 'member' }], from: table('audience_members'), where: eq(col('run_id'), lit(runId)),
    });
    return {
      query: select({
        select: [
          { expr: col('customer_id', 'c'), as: 'customer_id' },
          { expr: caseWhen([[isNull(col('member', 'm')), lit('not a member')]], lit('member')), as: 'label' },
        ],
        from: table('customers', 'c'),
        joins: [{ type: 'left', target: subquery(members, 'm'), on: eq(col('customer_id', 'm'), col('customer_id', 'c')) }],
      }),
      label: 'membership',
    };
  }
  if (kind === 'clv-predict') {
    return by === 'churn-tier'
      ? { query: ofRun('clv_predictions', coalesce(col('churn_tier'), lit('(no prediction)'))), label: 'churn tier' }
      : { query: ofRun('clv_predictions', coalesce(col('clv_tier'), lit('(no CLV)'))), label: 'CLV tier' };
  }
  if (kind === 'cluster') return { query: ofRun('run_clusters', col('cluster_name')), label: 'cluster' };
  throw new SegmintError('unsupported-run-kind', `run ${runId} is a ${kind} run, which has no per-customer labels`, { hint: `compare ${LABELLED_KINDS.join(', ')} runs (list them with segmint runs)` });
}

async function migrationRun(db: Db, runId: number, by: MigrationBy): Promise<{ run: MigrationRun; query: Select }> {
  const r = await readRun(db, runId);
  const l = labels(runId, r.kind, by);
  if (!r.as_of) {
    throw new SegmintError('no-as-of', `run ${runId} (${r.kind}) has no as-of date, so the revenue between the runs is undefined`, { hint: 'compare runs of the workspace\'s own customers (a cluster run of --input FILE has no as-of date)' });
  }
  return { run: { runId, kind: r.kind, asOf: r.as_of, createdAt: r.created_at, ...(r.name === null ? {} : { name: r.name }), label: l.label }, query: l.query };
}

export interface MigrationOptions {
  /** clv-predict runs: label by CLV tier (default) or churn tier */
  by?: MigrationBy;
  /** labels of customers in only one run: the earlier side of one who entered, the later side of one who left */
  entered?: string;
  left?: string;
}

export interface MigrationMove {
  from: string;
  to: string;
  customers: number;
  /** net spend of these customers between the two as-of dates (all before the later one when they are equal) */
  revenue: number;
}

export interface Migration {
  from: MigrationRun;
  to: MigrationRun;
  labels: { from: string[]; to: string[] };
  cells: MigrationMove[];
  /** customers per kind of change: in both runs with the same label (stayed) or another (moved), in the later run only (entered), in the earlier only (left) */
  customers: { stayed: number; moved: number; entered: number; left: number };
}

/**
 * The per-customer moves between two runs as one query (columns customer_id, from_label, to_label, change,
 * revenue). The full outer join of the two runs is the union of a left join (customers of the earlier run)
 * and an anti-join (customers of the later run only), so it compiles for every engine. The server pages it
 * (routes/value-stats.ts: the customers of one cell of the matrix).
 */
export async function movesQuery(db: Db, fromRun: number, toRun: number, by: MigrationBy): Promise<{ a: MigrationRun; b: MigrationRun; query: Select }> {
  const [a, b] = [await migrationRun(db, fromRun, by), await migrationRun(db, toRun, by)];
  const [lo, hi] = a.run.asOf <= b.run.asOf ? [a.run.asOf, b.run.asOf] : [b.run.asOf, a.run.asOf];
  const day = (d: string) => lit(new Date(`${d}T00:00:00Z`));
  const spend = select({
    select: [{ expr: col('customer_id') }, { expr: sum(col('amount')), as: 'rev' }],
    from: table('transactions'),
    where: and(isNotNull(col('customer_id')), lt(col('ts'), day(hi)), ...(lo === hi ? [] : [ge(col('ts'), day(lo))])),
    groupBy: [col('customer_id')],
  });
  const both = select({
    select: [
      { expr: col('customer_id', 'a'), as: 'customer_id' },
      { expr: col('label', 'a'), as: 'from_label' },
      { expr: col('label', 'b'), as: 'to_label' },
      { expr: caseWhen([[isNull(col('present', 'b')), lit('left')], [eq(col('label', 'a'), col('label', 'b')), lit('stayed')]], lit('moved')), as: 'change' },
    ],
    from: table('a', 'a'),
    // `present` (not the key, which ClickHouse 18.16 fills from the left side) tells who is in the later run
    joins: [{
      type: 'left',
      target: subquery(select({ select: [{ expr: col('customer_id') }, { expr: col('label') }, { expr: num(1), as: 'present' }], from: table('b') }), 'b'),
      on: eq(col('customer_id', 'b'), col('customer_id', 'a')),
    }],
  });
  const laterOnly = select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: NULL, as: 'from_label' },
      { expr: col('label'), as: 'to_label' },
      { expr: lit('entered'), as: 'change' },
    ],
    from: table('b'),
    where: inQuery(col('customer_id'), select({ select: [{ expr: col('customer_id') }], from: table('a') }), true),
  });
  const query = select({
    with: [{ name: 'a', query: a.query }, { name: 'b', query: b.query }, { name: 'spend', query: spend }],
    select: [
      { expr: col('customer_id', 'm'), as: 'customer_id' },
      { expr: col('from_label', 'm'), as: 'from_label' },
      { expr: col('to_label', 'm'), as: 'to_label' },
      { expr: col('change', 'm'), as: 'change' },
      { expr: coalesce(col('rev', 's'), num(0)), as: 'revenue' },
    ],
    from: subquery(unionAll(both, laterOnly), 'm'),
    joins: [{ type: 'left', target: table('spend', 's'), on: eq(col('customer_id', 's'), col('customer_id', 'm')) }],
  });
  return { a: a.run, b: b.run, query };
}

/** Why `by` is refused: it labels clv-predict runs only. */
function checkBy(by: string | undefined): MigrationBy {
  if (by === undefined) return 'clv-tier';
  const alias: Record<string, MigrationBy> = { clv: 'clv-tier', churn: 'churn-tier' };
  const b = alias[by] ?? by;
  if (!(MIGRATION_BY as readonly string[]).includes(b)) checkKind(by, [...MIGRATION_BY, ...Object.keys(alias)], '--by', 'label');
  return b as MigrationBy;
}

/** Who moved where between two runs of any segmentations: customers and revenue per (earlier label, later label). */
export async function migrate(db: Db, fromRun: number, toRun: number, options: Omit<MigrationOptions, 'by'> & { by?: string } = {}): Promise<Migration> {
  const by = checkBy(options.by);
  const entered = options.entered ?? '(entered)';
  const left = options.left ?? '(left)';
  const q = await movesQuery(db, fromRun, toRun, by);
  if (options.by !== undefined && q.a.kind !== 'clv-predict' && q.b.kind !== 'clv-predict') {
    throw new SegmintError('invalid-option', `--by ${options.by}: only clv-predict runs have CLV and churn tiers (runs ${q.a.runId} and ${q.b.runId} are ${q.a.kind} and ${q.b.kind} runs)`, { hint: 'leave out --by' });
  }
  // the labels with entered/left filled in first, so the grouping reads plain columns (each value is bound once)
  const labelled = select({
    select: [{ expr: coalesce(col('from_label'), lit(entered)), as: 'f' }, { expr: coalesce(col('to_label'), lit(left)), as: 't' }, { expr: col('revenue') }],
    from: subquery(q.query, 'm'),
  });
  const rows = await all<{ f: string; t: string; n: number; rev: number }>(db, select({
    select: [{ expr: col('f') }, { expr: col('t') }, { expr: count(), as: 'n' }, { expr: sum(col('revenue')), as: 'rev' }],
    from: subquery(labelled, 'l'), groupBy: [col('f'), col('t')], orderBy: [col('f'), col('t')],
  }));
  const cells = rows.map((r) => ({ from: r.f, to: r.t, customers: Number(r.n), revenue: Number(r.rev) }));
  const changes = await all<{ change: string; n: number }>(db, select({
    select: [{ expr: col('change') }, { expr: count(), as: 'n' }], from: subquery(q.query, 'm'), groupBy: [col('change')],
  }));
  const n = (c: string) => Number(changes.find((x) => x.change === c)?.n ?? 0);
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  return {
    from: q.a, to: q.b, labels: { from: uniq(cells.map((c) => c.from)), to: uniq(cells.map((c) => c.to)) }, cells,
    customers: { stayed: n('stayed'), moved: n('moved'), entered: n('entered'), left: n('left') },
  };
}

/** Write one row per customer of either run — customer_id, from_label, to_label (empty for one in only one run), change (stayed, moved, entered, left), revenue — to a .csv/.parquet/.json/.ndjson file. */
export async function exportMoves(db: Db, fromRun: number, toRun: number, file: string, options: { by?: string } = {}): Promise<{ file: string; rows: number }> {
  const q = await movesQuery(db, fromRun, toRun, checkBy(options.by));
  return copyCompiled(db, select({ select: '*', from: subquery(q.query, 'm'), orderBy: [col('customer_id')] }), file);
}

/** Latest runs first: the ids of the runs of `kind` (of one audience for audience snapshots). */
async function runIdsOf(db: Db, kind: string, name?: string | null): Promise<number[]> {
  const rows = await all<{ run_id: number }>(db, select({
    select: [{ expr: col('run_id') }], from: table('runs'),
    where: and(eq(col('kind'), lit(kind)), ...(name ? [eq(jsonGet(col('params'), 'name'), lit(name))] : [])),
    orderBy: [{ expr: col('run_id'), desc: true }],
  }));
  return rows.map((r) => Number(r.run_id));
}

/**
 * The runs a migration compares when some are not given: with one run given, the run of its kind (its
 * audience for a snapshot) just before it (--to) or the latest after it (--from); with none, the two latest
 * runs of `kind`, else of the kind of the latest value run (rfm or lrfmp).
 */
export async function migrationRuns(db: Db, options: { from?: number; to?: number; kind?: string }): Promise<{ from: number; to: number }> {
  if (options.kind !== undefined) checkKind(options.kind, LABELLED_KINDS);
  const { from, to } = options;
  if (from !== undefined && to !== undefined) return { from, to };
  const given = from ?? to;
  let kind = options.kind;
  let name: string | null = null;
  if (given !== undefined) {
    const r = await readRun(db, given);
    kind ??= r.kind;
    if (kind === r.kind) name = r.name;
  } else if (kind === undefined) {
    const latest = await one<{ kind: string }>(db, select({
      select: [{ expr: col('kind') }], from: table('runs'), where: inList(col('kind'), ['rfm', 'lrfmp']), orderBy: [{ expr: col('run_id'), desc: true }], limit: 1,
    }));
    if (!latest) {
      throw new SegmintError('not-enough-runs', 'there are no RFM or LRFMP runs to compare', { hint: 'give --from and --to run ids or --kind K (list the runs with segmint runs), or run segmint rfm twice (e.g. after importing newer data)' });
    }
    kind = latest.kind;
  }
  if (given === undefined && kind === 'audience') {
    name = (await one<{ name: string | null }>(db, select({
      select: [{ expr: jsonGet(col('params'), 'name'), as: 'name' }], from: table('runs'), where: eq(col('kind'), lit('audience')),
      orderBy: [{ expr: col('run_id'), desc: true }], limit: 1,
    })))?.name ?? null;
  }
  const ids = await runIdsOf(db, kind!, name);
  const pair = from !== undefined ? { from, to: ids.find((id) => id > from) === undefined ? undefined : ids[0] }
    : to !== undefined ? { from: ids.find((id) => id < to), to }
      : { from: ids[1], to: ids[0] };
  if (pair.from === undefined || pair.to === undefined) {
    const what = `${kind}${name ? ` runs of audience '${name}'` : ' runs'}`;
    throw new SegmintError('not-enough-runs', given === undefined
      ? `there ${ids.length === 1 ? `is 1 ${what.replace(/ runs\b/, ' run')}` : `are ${ids.length} ${what}`}; a migration needs two`
      : `no other ${what} ${from !== undefined ? `after run ${from}` : `before run ${to}`} to compare with`, { hint: 'give --from and --to run ids (list the runs with segmint runs), or store another run' });
  }
  return { from: pair.from, to: pair.to };
}

/** Write who entered and who left an audience between two snapshot runs (customer_id, change) to a .csv/.parquet/.json/.ndjson file. */
export async function exportAudienceDiff(db: Db, fromRun: number, toRun: number, file: string): Promise<{ file: string; rows: number }> {
  const members = (id: number) => select({ select: [{ expr: col('customer_id') }], from: table('audience_members'), where: eq(col('run_id'), lit(Number(id))) });
  // the members of one run that are not members of the other (as EXCEPT: each customer once)
  const only = (inRun: number, notIn: number, change: string) => select({
    distinct: true,
    select: [{ expr: col('customer_id') }, { expr: lit(change), as: 'change' }],
    from: table('audience_members'),
    where: and(eq(col('run_id'), lit(Number(inRun))), inQuery(col('customer_id'), members(notIn), true)),
  });
  const diff = unionAll(only(toRun, fromRun, 'entered'), only(fromRun, toRun, 'left'));
  return copyCompiled(db, select({ select: [{ expr: col('customer_id') }, { expr: col('change') }], from: subquery(diff, 'd'), orderBy: [col('change'), col('customer_id')] }), file);
}

/** Write the rows of a query compiled for the workspace's engine to a file. */
function copyCompiled(db: Db, query: Query, file: string): Promise<{ file: string; rows: number }> {
  const c = compile(query, db.dialect);
  return copyToFile(db, c.sql, file, c.params);
}
