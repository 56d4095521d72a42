/**
 * Stored runs of every kind and the migration between any two segmentations: who moved where between two
 * runs of RFM/LRFMP segments, cluster names, CLV or churn tiers, audience membership, or across kinds (an
 * RFM run against a cluster run). `segmint runs` and `segmint migration` print these; docs/cli.md.
 */
import { SegmintError } from '../core/errors.ts';
import { suggestion } from '../segments/schema.ts';
import type { Db, Param } from '../store/workspace.ts';
import { copyToFile } from './export.ts';

/** Every kind of stored run. */
export const RUN_KINDS = ['rfm', 'lrfmp', 'clv', 'clv-predict', 'cluster', 'audience', 'campaign', 'recommend'] as const;
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

const fmt = (n: number) => n.toLocaleString('en-US');

/** The stored runs, oldest first, optionally of one kind, each with a one-line summary. */
export async function listRuns(db: Db, kind?: string): Promise<RunListing[]> {
  if (kind !== undefined) checkKind(kind);
  const rows = await db.all<{
    run_id: number; kind: string; as_of: string | null; created_at: string; name: string | null; audience_customers: number | null;
    k: number | null; algorithm: string | null; input: string | null; fitted: number | null; model: string | null; spend: string | null; period: string | null;
    horizon: number | null; unit: string | null; fit_run: number | null; campaign_source: string | null; campaign_added: number | null;
  }>(`SELECT run_id, kind, strftime(as_of, '%Y-%m-%d') AS as_of, strftime(created_at, '%Y-%m-%d %H:%M:%S') AS created_at,
      CASE WHEN kind IN ('audience', 'campaign') THEN json_extract_string(params, '$.name') END AS name,
      CASE WHEN kind = 'campaign' THEN json_extract_string(params, '$.source') END AS campaign_source,
      CASE WHEN kind = 'campaign' THEN CAST(coalesce(json_extract(summary, '$.added'), json_extract(summary, '$.members')) AS BIGINT) END AS campaign_added,
      CASE WHEN kind = 'audience' THEN CAST(json_extract(summary, '$.customers') AS BIGINT) END AS audience_customers,
      CASE WHEN kind = 'cluster' THEN CAST(json_extract(summary, '$.model.k') AS INTEGER) END AS k,
      CASE WHEN kind = 'cluster' THEN json_extract_string(summary, '$.model.algorithm') END AS algorithm,
      CASE WHEN kind = 'cluster' THEN json_extract_string(params, '$.input.file') END AS input,
      CASE WHEN kind = 'clv' THEN CAST(json_extract(summary, '$.customers.fitted') AS BIGINT) END AS fitted,
      CASE WHEN kind = 'clv' THEN json_extract_string(params, '$.model') END AS model,
      CASE WHEN kind = 'clv' THEN json_extract_string(params, '$.spend') END AS spend,
      CASE WHEN kind = 'clv' THEN json_extract_string(params, '$.period') END AS period,
      CASE WHEN kind = 'clv-predict' THEN CAST(json_extract(params, '$.horizon') AS DOUBLE) END AS horizon,
      CASE WHEN kind = 'clv-predict' THEN json_extract_string(params, '$.unit') END AS unit,
      CASE WHEN kind = 'clv-predict' THEN CAST(json_extract(params, '$.fitRunId') AS INTEGER) END AS fit_run
    FROM runs ${kind === undefined ? '' : 'WHERE kind = ?'} ORDER BY run_id`, kind === undefined ? [] : [kind]);
  // per-customer rows, counted once per table for the runs listed
  const counts = new Map<number, { n: number; d: number }>();
  const count = async (table: string, distinct: string, kinds: string[]) => {
    if (!rows.some((r) => kinds.includes(r.kind))) return;
    for (const c of await db.all<{ run_id: number; n: number; d: number }>(`SELECT run_id, count(*) AS n, count(DISTINCT ${distinct}) AS d FROM ${table} GROUP BY run_id`)) {
      counts.set(Number(c.run_id), { n: Number(c.n), d: Number(c.d) });
    }
  };
  await count('run_scores', 'segment', ['rfm', 'lrfmp']);
  await count('clv_predictions', 'clv_tier', ['clv-predict']);
  await count('run_clusters', 'cluster', ['cluster']);
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
  const r = await db.one<RunRow>(`SELECT kind, strftime(as_of, '%Y-%m-%d') AS as_of, strftime(created_at, '%Y-%m-%d %H:%M:%S') AS created_at,
      CASE WHEN kind = 'audience' THEN json_extract_string(params, '$.name') END AS name FROM runs WHERE run_id = ?`, [runId]);
  if (!r) throw new SegmintError('unknown-run', `no run ${runId} in this workspace`, { hint: 'list the runs with segmint runs' });
  return r;
}

/** `(customer_id, label)` of a run and what the label is. */
function labels(runId: number, kind: string, by: MigrationBy): { sql: string; label: string } {
  if (kind === 'rfm' || kind === 'lrfmp') return { sql: `SELECT customer_id, segment AS label FROM run_scores WHERE run_id = ${runId}`, label: 'segment' };
  if (kind === 'audience') {
    return {
      sql: `SELECT c.customer_id, CASE WHEN m.customer_id IS NULL THEN 'not a member' ELSE 'member' END AS label FROM customers c LEFT JOIN (SELECT customer_id FROM audience_members WHERE run_id = ${runId}) m ON m.customer_id = c.customer_id`,
      label: 'membership',
    };
  }
  if (kind === 'clv-predict') {
    return by === 'churn-tier'
      ? { sql: `SELECT customer_id, coalesce(churn_tier, '(no prediction)') AS label FROM clv_predictions WHERE run_id = ${runId}`, label: 'churn tier' }
      : { sql: `SELECT customer_id, coalesce(clv_tier, '(no CLV)') AS label FROM clv_predictions WHERE run_id = ${runId}`, label: 'CLV tier' };
  }
  if (kind === 'cluster') return { sql: `SELECT customer_id, cluster_name AS label FROM run_clusters WHERE run_id = ${runId}`, label: 'cluster' };
  throw new SegmintError('unsupported-run-kind', `run ${runId} is a ${kind} run, which has no per-customer labels`, { hint: `compare ${LABELLED_KINDS.join(', ')} runs (list them with segmint runs)` });
}

async function migrationRun(db: Db, runId: number, by: MigrationBy): Promise<{ run: MigrationRun; sql: string }> {
  const r = await readRun(db, runId);
  const l = labels(runId, r.kind, by);
  if (!r.as_of) {
    throw new SegmintError('no-as-of', `run ${runId} (${r.kind}) has no as-of date, so the revenue between the runs is undefined`, { hint: 'compare runs of the workspace\'s own customers (a cluster run of --input FILE has no as-of date)' });
  }
  return { run: { runId, kind: r.kind, asOf: r.as_of, createdAt: r.created_at, ...(r.name === null ? {} : { name: r.name }), label: l.label }, sql: l.sql };
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

/** The per-customer moves between two runs as one SELECT (columns customer_id, from_label, to_label, change, revenue), with its parameters. */
async function movesQuery(db: Db, fromRun: number, toRun: number, by: MigrationBy): Promise<{ a: MigrationRun; b: MigrationRun; sql: string; params: Param[] }> {
  const [a, b] = [await migrationRun(db, fromRun, by), await migrationRun(db, toRun, by)];
  const [lo, hi] = a.run.asOf <= b.run.asOf ? [a.run.asOf, b.run.asOf] : [b.run.asOf, a.run.asOf];
  const sameDay = lo === hi;
  const sql = `WITH a AS (${a.sql}), b AS (${b.sql}),
    spend AS (SELECT customer_id, sum(amount) AS rev FROM transactions WHERE customer_id IS NOT NULL AND ts < CAST(? AS TIMESTAMP) ${sameDay ? '' : 'AND ts >= CAST(? AS TIMESTAMP)'} GROUP BY customer_id)
    SELECT coalesce(a.customer_id, b.customer_id) AS customer_id, a.label AS from_label, b.label AS to_label,
      CASE WHEN a.customer_id IS NULL THEN 'entered' WHEN b.customer_id IS NULL THEN 'left' WHEN a.label = b.label THEN 'stayed' ELSE 'moved' END AS change,
      coalesce(s.rev, 0) AS revenue
    FROM a FULL JOIN b ON a.customer_id = b.customer_id LEFT JOIN spend s ON s.customer_id = coalesce(a.customer_id, b.customer_id)`;
  return { a: a.run, b: b.run, sql, params: sameDay ? [hi] : [hi, lo] };
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
  const rows = await db.all<{ f: string; t: string; n: number; rev: number }>(
    `SELECT coalesce(from_label, ?) AS f, coalesce(to_label, ?) AS t, count(*) AS n, sum(revenue) AS rev FROM (${q.sql}) m GROUP BY 1, 2 ORDER BY 1, 2`, [entered, left, ...q.params]);
  const cells = rows.map((r) => ({ from: r.f, to: r.t, customers: Number(r.n), revenue: Number(r.rev) }));
  const changes = await db.all<{ change: string; n: number }>(`SELECT change, count(*) AS n FROM (${q.sql}) m GROUP BY 1`, q.params);
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
  return copyToFile(db, `SELECT * FROM (${q.sql}) m ORDER BY customer_id`, file, q.params);
}

/** Latest runs first: the ids of the runs of `kind` (of one audience for audience snapshots). */
async function runIdsOf(db: Db, kind: string, name?: string | null): Promise<number[]> {
  const rows = await db.all<{ run_id: number }>(
    `SELECT run_id FROM runs WHERE kind = ? ${name ? "AND json_extract_string(params, '$.name') = ?" : ''} ORDER BY run_id DESC`, name ? [kind, name] : [kind]);
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
    const latest = await db.one<{ kind: string }>("SELECT kind FROM runs WHERE kind IN ('rfm', 'lrfmp') ORDER BY run_id DESC LIMIT 1");
    if (!latest) {
      throw new SegmintError('not-enough-runs', 'there are no RFM or LRFMP runs to compare', { hint: 'give --from and --to run ids or --kind K (list the runs with segmint runs), or run segmint rfm twice (e.g. after importing newer data)' });
    }
    kind = latest.kind;
  }
  if (given === undefined && kind === 'audience') name = (await db.one<{ name: string | null }>("SELECT json_extract_string(params, '$.name') AS name FROM runs WHERE kind = 'audience' ORDER BY run_id DESC LIMIT 1"))?.name ?? null;
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
  const members = (id: number) => `SELECT customer_id FROM audience_members WHERE run_id = ${Number(id)}`;
  return copyToFile(db, `SELECT customer_id, change FROM (
      SELECT customer_id, 'entered' AS change FROM (${members(toRun)} EXCEPT ${members(fromRun)})
      UNION ALL SELECT customer_id, 'left' AS change FROM (${members(fromRun)} EXCEPT ${members(toRun)})
    ) d ORDER BY change, customer_id`, file);
}
