/**
 * Cluster segmentation runs: a feature table (the workspace's per-customer metrics and traits, or any
 * file with an id column) → preprocessing, choice of k and k-means in process → the assignment of every
 * customer back in the warehouse through the model's SQL (features/cluster-assignment.ts) → a stored run
 * (runs + run_clusters) and the profiles. docs/models.md defines every figure.
 */
import { resolve } from 'node:path';
import { SegmintError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { clusterAssignmentQuery } from '../features/cluster-assignment.ts';
import { categoryShares, shareLines } from '../features/category-shares.ts';
import { linesWithoutLevel } from '../features/transaction-lines.ts';
import { customerMetrics, METRIC_COLUMNS } from '../features/customer-metrics.ts';
import { fitClusters, type ClusterModelJSON, type ClusterParams, type ClusterProfile, type ClusterQuality, type InputColumn, type KScore } from '../models/cluster/index.ts';
import { and, compile, isNotNull, col, select, subquery, table } from '../sql/index.ts';
import { detectFormat } from '../store/import/formats.ts';
import { quoteIdent, quoteString } from '../sql/quote.ts';
import type { Db, Workspace } from '../store/workspace.ts';
import { resolveAsOf } from './value.ts';
import { copyToFile } from './export.ts';
import { recordRun, storeRun } from '../store/runs.ts';

/** The RFM metrics (src/features/customer-metrics.ts): the default features of a workspace run. */
export const DEFAULT_CLUSTER_FEATURES = ['recency_days', 'frequency', 'monetary'] as const;

export interface ClusterRunOptions extends ClusterParams {
  /** runs inside the run's transaction after it is written (e.g. the --out export): a failure stores nothing */
  beforeCommit?: (runId: number) => Promise<void>;
  /** feature columns; default the RFM metrics (workspace) or every numeric column but the id (--input) */
  features?: readonly string[];
  /** columns to one-hot encode (text, or numbers that are codes) */
  categorical?: readonly string[];
  /** cluster a file instead of the workspace's customers */
  input?: { file: string; idColumn: string; revenueColumn?: string };
  /** YYYY-MM-DD for workspace features */
  asOf?: string;
  /** add each customer's share of spend per department (or category) as features `<group>_share`; they are then the default features */
  shares?: 'department' | 'category';
}

export interface ClusterRunResult {
  /** the stored run, null when the run had no workspace */
  runId: number | null;
  source: string;
  asOf: string | null;
  algorithm: ClusterModelJSON['algorithm'];
  k: number;
  features: string[];
  categorical: string[];
  customers: { total: number; clustered: number; excluded: number };
  missing: Record<string, number>;
  missingPolicy: 'impute' | 'exclude';
  choice: { k: number; reason: string; elbow: number | null; sampleSize: number; fittedOn: number; scores: KScore[] } | null;
  clusters: ClusterProfile[];
  quality: ClusterQuality;
  iterations: number;
  converged: boolean;
  /** customers whose in-SQL assignment differs from the fit (0 unless distances tie at floating-point precision) */
  sqlDisagreements: number;
  model: ClusterModelJSON;
  /** the 2-D principal-component picture of a sample (for the report; left out of --json) */
  picture: { customerIds: string[]; x: number[]; y: number[]; cluster: number[]; explained: number[] };
  warnings: string[];
}

const INPUT = '__cluster_input';
/** The metrics that only the full metrics query computes (features/customer-metrics.ts leaves them NULL in its lean RFM form). */
const FULL_ONLY_METRICS = ['gross_revenue', 'return_rate', 'distinct_products', 'basket_size', 'visits', 'periodicity_days'] as const;
const ROWS = '__cluster_rows';
const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL.*)$/i;

async function loadFile(db: Db, file: string, idColumn: string): Promise<string[]> {
  const path = resolve(file);
  const format = detectFormat(path);
  const reader = format === 'csv'
    ? `read_csv(${quoteString(path)}, header = true, types = {${quoteString(idColumn)}: 'VARCHAR'})`
    : format === 'parquet' ? `read_parquet(${quoteString(path)})`
    : format === 'json' || format === 'ndjson' ? `read_json_auto(${quoteString(path)})` : undefined;
  if (!reader) throw new SegmintError('unsupported-format', `--input ${file}: ${format} files cannot be clustered directly`, { hint: 'import it into a workspace, or save it as CSV or Parquet' });
  await db.run(`CREATE OR REPLACE TEMP TABLE ${INPUT} AS SELECT * FROM ${reader}`);
  return blanksAsMissing(db, idColumn);
}

/**
 * A numeric column with blank cells (whitespace only: telco's TotalCharges is " " on 11 rows) is read as
 * text; blanks are missing values, so such a column becomes a number column with them NULL. Returns a
 * note per column converted.
 */
async function blanksAsMissing(db: Db, idColumn: string): Promise<string[]> {
  const described = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE ${INPUT}`);
  const text = described.filter((c) => c.column_type === 'VARCHAR' && c.column_name !== idColumn).map((c) => c.column_name);
  if (text.length === 0) return [];
  const counts = await db.one<Record<string, number>>(`SELECT ${text.map((c, i) => {
    const v = `trim(${quoteIdent(c)})`;
    return `count(*) FILTER (WHERE ${v} = '') AS b${i}, count(*) FILTER (WHERE ${v} <> '') AS f${i}, count(TRY_CAST(nullif(${v}, '') AS DOUBLE)) AS n${i}`;
  }).join(', ')} FROM ${INPUT}`);
  const numeric = text.filter((_, i) => {
    const b = Number(counts?.[`b${i}`] ?? 0), f = Number(counts?.[`f${i}`] ?? 0), n = Number(counts?.[`n${i}`] ?? 0);
    return b > 0 && f > 0 && n === f;
  });
  if (numeric.length === 0) return [];
  await db.run(`CREATE OR REPLACE TEMP TABLE ${INPUT} AS SELECT * REPLACE (${numeric.map((c) => `TRY_CAST(nullif(trim(${quoteIdent(c)}), '') AS DOUBLE) AS ${quoteIdent(c)}`).join(', ')}) FROM ${INPUT}`);
  return numeric.map((c) => {
    const b = Number(counts?.[`b${text.indexOf(c)}`] ?? 0);
    return `${c}: ${b.toLocaleString('en-US')} blank cell${b === 1 ? '' : 's'} read as missing values (the column's other values are numbers)`;
  });
}

/** A column name for a department or category: lower case, runs of other characters as one "_". */
export const shareColumn = (group: string) => `${group.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'none'}_share`;

/** Purchase lines the shares read that have no department (category), even from products, by cause; a note when there are any. */
async function sharesCoverage(ws: Workspace, asOfDate: Date, level: 'department' | 'category'): Promise<string | null> {
  const q = compile(linesWithoutLevel(level, shareLines(asOfDate)), 'duckdb');
  const r = await ws.db.one<{ lines: number; with_level: number; no_product: number; unknown_product: number }>(q.sql, q.params);
  const lines = Number(r?.lines ?? 0), without = lines - Number(r?.with_level ?? 0);
  if (without === 0) return null;
  const noProduct = Number(r?.no_product ?? 0), unknown = Number(r?.unknown_product ?? 0), productWithout = without - noProduct - unknown;
  const f = (x: number) => x.toLocaleString('en-US');
  const causes = [
    unknown ? `${f(unknown)} with a product id missing from products` : '',
    productWithout ? `${f(productWithout)} whose product has no ${level}` : '',
    noProduct ? `${f(noProduct)} without a product id` : '',
  ].filter(Boolean);
  return `${f(without)} of ${f(lines)} purchase lines have no ${level}, on the line or in products (${causes.join(', ')}): their spend is the share none_share${unknown ? '; import a products file that covers them' : ''}`;
}

async function loadWorkspace(ws: Workspace, asOf: string, shares: 'department' | 'category' | undefined, lean = false): Promise<{ shareCols: string[]; note: string | null }> {
  const asOfDate = new Date(`${asOf}T00:00:00Z`);
  const m = compile(customerMetrics({ asOf: asOfDate, windowFunctions: true, features: lean ? 'rfm' : 'all' }), 'duckdb');
  // the customers' own traits join the metrics (a trait named like a metric is left out)
  const traits = (await ws.db.all<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'customers' AND table_schema = 'main'"))
    .map((r) => r.column_name).filter((c) => !['customer_id', 'source_id', 'first_seen', 'updated_at'].includes(c));
  const extra = traits.filter((t) => !(METRIC_COLUMNS as readonly string[]).includes(t)).map((t) => `c.${quoteIdent(t)}`);
  // department (or category) shares of spend, one column per group (features/category-shares.ts)
  let shareCols: string[] = [], shareJoin = '';
  if (shares) {
    const q = compile(categoryShares({ asOf: asOfDate, level: shares }), 'duckdb');
    await ws.db.run(`CREATE OR REPLACE TEMP TABLE __cluster_shares AS SELECT customer_id, ${quoteIdent(shares)} AS grp, share FROM (${q.sql}) q`, q.params);
    const groups = (await ws.db.all<{ grp: string }>('SELECT DISTINCT grp FROM __cluster_shares ORDER BY grp')).map((r) => r.grp);
    shareCols = [...new Set(groups.map(shareColumn))];
    const pivot = groups.map((g) => `coalesce(max(share) FILTER (WHERE grp = ${quoteString(g)}), 0) AS ${quoteIdent(shareColumn(g))}`);
    if (groups.length) shareJoin = `LEFT JOIN (SELECT customer_id, ${pivot.join(', ')} FROM __cluster_shares GROUP BY customer_id) s ON s.customer_id = m.customer_id`;
  }
  const shareSel = shareCols.map((c) => `coalesce(s.${quoteIdent(c)}, 0) AS ${quoteIdent(c)}`);
  await ws.db.run(`CREATE OR REPLACE TEMP TABLE ${INPUT} AS SELECT m.*${extra.length ? `, ${extra.join(', ')}` : ''}${shareSel.length ? `, ${shareSel.join(', ')}` : ''}
    FROM (${m.sql}) m LEFT JOIN customers c ON c.customer_id = m.customer_id ${shareJoin}`, m.params);
  await ws.db.run('DROP TABLE IF EXISTS __cluster_shares');
  return { shareCols, note: shares ? await sharesCoverage(ws, asOfDate, shares) : null };
}

/** Run a clustering on `db` (a workspace's, or an in-memory one for `--input` without a workspace). */
export async function runClustering(target: { ws: Workspace } | { db: Db }, options: ClusterRunOptions = {}): Promise<ClusterRunResult> {
  const ws = 'ws' in target ? target.ws : null;
  const db = ws ? ws.db : (target as { db: Db }).db;
  let asOf: string | null = null, shareCols: string[] = [], sharesNote: string | null = null;
  if (options.shares && options.input) throw new SegmintError('invalid-option', '--shares needs the workspace\'s transactions, not --input', { hint: 'leave out --input, or put share columns in the file' });
  const idColumn = options.input ? options.input.idColumn : 'customer_id';
  let blankNotes: string[] = [];
  if (options.input) blankNotes = await loadFile(db, options.input.file, idColumn);
  else {
    if (!ws) throw new SegmintError('invalid-option', 'clustering without a workspace needs --input FILE --id-column C');
    asOf = await resolveAsOf(ws, options.asOf);
    // the lean metrics query (no periodicity, no product counts) when no feature needs the others
    const named = [...(options.features ?? (options.shares ? [] : DEFAULT_CLUSTER_FEATURES)), ...(options.categorical ?? [])];
    const lean = options.shares === undefined && !named.some((f) => (FULL_ONLY_METRICS as readonly string[]).includes(f));
    ({ shareCols, note: sharesNote } = await loadWorkspace(ws, asOf, options.shares, lean));
  }
  try {
    const described = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE ${INPUT}`);
    const types = new Map(described.map((r) => [r.column_name, r.column_type]));
    const names = [...types.keys()];
    const check = (name: string, flag: string) => {
      if (!types.has(name)) {
        const near = didYouMean(name, names);
        throw new SegmintError('unknown-feature', `${flag} ${name}: no such column`, { hint: near ? `did you mean ${near}?` : `columns: ${names.join(', ')}` });
      }
    };
    check(idColumn, options.input ? '--id-column' : 'id');
    const categorical = [...(options.categorical ?? [])];
    categorical.forEach((c) => check(c, '--categorical'));
    const features = options.features ? [...options.features]
      : options.input ? names.filter((n) => n !== idColumn && n !== options.input?.revenueColumn && NUMERIC.test(types.get(n)!) && !categorical.includes(n))
      : shareCols.length ? shareCols : [...DEFAULT_CLUSTER_FEATURES];
    features.forEach((f) => check(f, '--features'));
    for (const f of features) {
      if (!categorical.includes(f) && !NUMERIC.test(types.get(f)!)) {
        // a column with no value at all is read as text: say what it is
        const v = `trim(CAST(${quoteIdent(f)} AS VARCHAR))`;
        const r = await db.one<{ filled: number; numbers: number; examples: string[] }>(
          `SELECT count(*) FILTER (WHERE ${v} <> '') AS filled, count(TRY_CAST(nullif(${v}, '') AS DOUBLE)) AS numbers,
             list(DISTINCT ${v}) FILTER (WHERE ${v} <> '' AND TRY_CAST(${v} AS DOUBLE) IS NULL)[1:3] AS examples FROM ${INPUT}`);
        const filled = Number(r?.filled ?? 0), numbers = Number(r?.numbers ?? 0);
        if (filled === 0) throw new SegmintError('empty-feature', `--features ${f}: every value is missing`, { hint: `leave ${f} out` });
        const examples = (r?.examples ?? []).map((x) => `"${x}"`).join(', ');
        // mostly numbers with a few text values (e.g. "n/a"): those are to be cleaned, not a category
        if (numbers > 0 && numbers >= (filled - numbers)) {
          throw new SegmintError('categorical-as-numeric', `--features ${f}: ${(filled - numbers).toLocaleString('en-US')} of ${filled.toLocaleString('en-US')} filled values are not numbers (${examples})`, { hint: `blank those cells (blanks are read as missing values) or fix them; if ${f} is a category, pass it with --categorical ${f}` });
        }
        throw new SegmintError('categorical-as-numeric', `--features ${f}: the column holds ${types.get(f)} values, not numbers (${examples})`, { hint: `pass it as a category: --categorical ${f}` });
      }
    }
    const all = [...new Set([...features, ...categorical])];
    if (all.length === 0) throw new SegmintError('no-features', 'no numeric column to cluster on', { hint: 'name the features: --features a,b,c' });
    const revenueColumn = options.input ? options.input.revenueColumn : 'monetary';
    if (revenueColumn) check(revenueColumn, '--revenue-column');
    // "accessible": a contact column, when there is one (an opt-in flag, else an e-mail or phone number)
    const contact = names.find((c) => /^(email_)?opt_?in$|^email_opt_in$/i.test(c)) ?? names.find((c) => /^(e_?mail|email_address|phone|phone_number|mobile)$/i.test(c));
    const contactSql = contact === undefined ? null
      : /BOOLEAN/i.test(types.get(contact)!) ? `coalesce(${quoteIdent(contact)}, FALSE)`
      : `(${quoteIdent(contact)} IS NOT NULL AND trim(CAST(${quoteIdent(contact)} AS VARCHAR)) NOT IN ('', 'false', 'no', '0'))`;
    // ids are checked in the engine: no per-customer strings in process
    const idq = quoteIdent(idColumn), idSql = `CAST(${idq} AS VARCHAR)`;
    const idStats = await db.one<{ n: number; present: number; distinct: number }>(`SELECT count(*) AS n, count(${idq}) AS present, count(DISTINCT ${idSql}) AS distinct FROM ${INPUT}`);
    const nRows = Number(idStats?.n ?? 0), present = Number(idStats?.present ?? 0), distinctIds = Number(idStats?.distinct ?? 0);
    if (present < nRows) throw new SegmintError('missing-id', `${nRows - present} rows have no ${idColumn}`, { hint: 'every row needs an id' });
    if (distinctIds !== nRows) throw new SegmintError('duplicate-id', `${idColumn} is not unique: ${nRows - distinctIds} repeated ids`, { hint: 'one row per customer, please' });
    if (nRows === 0) throw new SegmintError('no-rows', options.input ? `${options.input.file} has no rows` : 'no customer has a purchase before the as-of date', { hint: 'check the input' });
    // numbers straight from the engine's vectors as Float64Array, in id order; categories as text
    const numSel = [...all.flatMap((f, j) => (categorical.includes(f) ? [] : [`CAST(${quoteIdent(f)} AS DOUBLE) AS c${j}`])),
      ...(revenueColumn ? [`CAST(${quoteIdent(revenueColumn)} AS DOUBLE) AS __revenue`] : []),
      ...(contactSql ? [`CAST(${contactSql} AS DOUBLE) AS __contact`] : [])];
    const catSel = all.flatMap((f, j) => (categorical.includes(f) ? [`CAST(${quoteIdent(f)} AS VARCHAR) AS c${j}`] : []));
    const numNames = numSel.map((x) => x.slice(x.lastIndexOf(' AS ') + 4));
    // the rows in id order, once: row p of the fit is row p (its rowid) of this table, and a plain scan reads
    // them in that order (DuckDB keeps insertion order unless preserve_insertion_order is off; were it not
    // kept, the check of the SQL assignment on the sample below would count the rows that moved)
    const sourceCols = [...new Set([...all, ...(revenueColumn ? [revenueColumn] : []), ...(contact === undefined ? [] : [contact])])];
    await db.run(`CREATE OR REPLACE TEMP TABLE ${ROWS} AS SELECT ${idSql} AS __id, ${sourceCols.map(quoteIdent).join(', ')} FROM ${INPUT} ORDER BY __id`);
    const data: Record<string, Float64Array> = numSel.length ? await db.numericColumns(`SELECT ${numSel.join(', ')} FROM ${ROWS}`, undefined, numNames) : {};
    const text = catSel.length ? await db.columns(`SELECT ${catSel.join(', ')} FROM ${ROWS}`) : {};
    const columns: InputColumn[] = all.map((name, j) => (categorical.includes(name)
      ? { name, kind: 'categorical', values: (text[`c${j}`] as (string | null)[]) }
      : { name, kind: 'numeric', values: data[`c${j}`]! }));
    const warnings: string[] = [...(sharesNote ? [sharesNote] : []), ...blankNotes.filter((n) => all.some((c) => n.startsWith(`${c}: `)))];
    for (const c of columns) {
      if (c.kind !== 'numeric' || shareCols.includes(c.name)) continue;
      const two = twoValues(c.values);
      if (two) warnings.push(`${c.name} has only two values (${two.join(', ')}): if it is a category, pass it with --categorical ${c.name}`);
    }
    const revenue = revenueColumn ? data.__revenue : undefined;
    const hasContact = contactSql ? data.__contact : undefined;
    // shares of spend are already on one scale (0 to 1): standardising them would blow a rare department's
    // tiny shares up into the largest distances, so a run on shares alone compares them as they are
    const onlyShares = shareCols.length > 0 && columns.every((c) => c.kind === 'numeric' && shareCols.includes(c.name));
    const scaling = options.scaling ?? (onlyShares ? 'none' : undefined);
    if (onlyShares && options.scaling === undefined) warnings.push(`the ${options.shares} shares are compared as they are (scaling none: they share one 0–1 scale); --scaling standard standardises them`);
    const fit = fitClusters(columns, { ...options, scaling }, { revenue, hasContact });
    warnings.push(...fit.warnings);
    const model = fit.model.toJSON();

    // every clustered customer is stored with the model's assignment (the arithmetic of its SQL), written in bulk
    const policy = options.missing ?? 'impute';
    const mixture = fit.probabilities !== undefined;
    await db.run(`CREATE OR REPLACE TEMP TABLE __cluster_fit (r DOUBLE, cluster DOUBLE, distance DOUBLE${mixture ? ', probability DOUBLE' : ''})`);
    await db.appendDoubles('__cluster_fit', [fit.kept, fit.assigned, fit.distances, ...(mixture ? [fit.probabilities!] : [])]);
    const nameOf = `[${model.names.map(quoteString).join(', ')}][CAST(f.cluster AS INTEGER) + 1]`;
    const rowsSql = `SELECT r.__id AS customer_id, CAST(f.cluster AS INTEGER) AS cluster, ${nameOf} AS cluster_name, f.distance, ${mixture ? 'f.probability' : 'CAST(NULL AS DOUBLE)'} AS probability
      FROM __cluster_fit f JOIN ${ROWS} r ON r.rowid = CAST(f.r AS BIGINT)`;
    const clusterOfRow = new Int32Array(nRows).fill(-1);
    fit.kept.forEach((row, t) => (clusterOfRow[row] = fit.labels[t]!));
    let runId: number | null = null;
    const assignments = ws ? 'run_clusters' : '__cluster_assignments';
    if (ws) {
      runId = await storeRun(db, 'cluster', async (id) => {
        await db.run(`INSERT INTO run_clusters SELECT ${id}, customer_id, cluster, cluster_name, distance, probability FROM (${rowsSql}) a`);
        const { beforeCommit, ...stored } = options;
        const params = { ...stored, scaling: model.preprocessing.scaling, input: options.input ? { ...options.input, file: resolve(options.input.file) } : undefined, features, categorical };
        const summary = { model, choice: fit.choice, quality: fit.quality, profiles: fit.profiles, features: all, picture: pictureForReport(fit.picture, clusterOfRow) };
        await recordRun(db, id, 'cluster', asOf, params, summary);
        if (beforeCommit) await beforeCommit(id);
        return id;
      });
    } else {
      await db.run(`CREATE OR REPLACE TEMP TABLE ${assignments} AS SELECT NULL::INTEGER AS run_id, customer_id, cluster, cluster_name, distance, probability FROM (${rowsSql}) a`);
    }
    await db.run('DROP TABLE IF EXISTS __cluster_fit');
    // the stored assignment against the fit's labels (every customer), and the model's SQL in the warehouse
    // against the stored assignment on the sample's customers
    let sqlDisagreements = 0;
    for (let t = 0; t < fit.kept.length; t++) if (fit.assigned[t] !== fit.labels[t]) sqlDisagreements++;
    const sampled = await checkSample(db, model, fit.picture.rows, assignments, runId, policy === 'exclude' ? all : []);
    sqlDisagreements += sampled.disagreements;
    if (sqlDisagreements > 0) warnings.push(`${sqlDisagreements} customers are assigned differently in SQL than in the fit (distances equal to floating-point precision)`);

    return {
      runId, source: options.input ? resolve(options.input.file) : 'workspace', asOf, algorithm: model.algorithm, k: model.k, features: all.filter((f) => !categorical.includes(f)), categorical,
      customers: { total: nRows, clustered: fit.kept.length, excluded: fit.excluded },
      missing: fit.missing, missingPolicy: policy,
      choice: fit.choice ? { k: fit.choice.k, reason: fit.choice.reason, elbow: fit.choice.elbow, sampleSize: fit.choice.sampleSize, fittedOn: fit.choice.fittedOn, scores: fit.choice.scores } : null,
      clusters: fit.profiles, quality: fit.quality, iterations: fit.iterations, converged: fit.converged, sqlDisagreements, model,
      picture: {
        customerIds: sampled.ids, x: Array.from(fit.picture.x), y: Array.from(fit.picture.y),
        cluster: Array.from(fit.picture.rows, (r) => clusterOfRow[r]!), explained: fit.picture.explained,
      },
      warnings,
    };
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${INPUT}`);
    await db.run(`DROP TABLE IF EXISTS ${ROWS}`);
  }
}

/** The two values of a column that holds exactly two (NaN left out), smaller first; null otherwise. One pass, no set. */
export function twoValues(v: Float64Array): [number, number] | null {
  let a = NaN, b = NaN;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x !== x || x === a || x === b) continue;
    if (a !== a) a = x;
    else if (b !== b) b = x;
    else return null;
  }
  return b === b ? [Math.min(a, b), Math.max(a, b)] : null;
}

/**
 * The model's SQL (features/cluster-assignment.ts) run in the warehouse on some rows (positions in id order,
 * the fit's sample): how many of them it assigns otherwise than `assignments` holds, and their ids in the given order.
 */
async function checkSample(db: Db, model: ClusterModelJSON, rows: Int32Array, assignments: string, runId: number | null, notNull: readonly string[]): Promise<{ disagreements: number; ids: string[] }> {
  if (rows.length === 0) return { disagreements: 0, ids: [] };
  await db.run('CREATE OR REPLACE TEMP TABLE __cluster_pick (r DOUBLE)');
  try {
    await db.appendDoubles('__cluster_pick', [rows]);
    await db.run(`CREATE OR REPLACE TEMP TABLE __cluster_check AS SELECT CAST(r.rowid AS DOUBLE) AS __row, r.* FROM ${ROWS} r
      WHERE r.rowid IN (SELECT CAST(r AS BIGINT) FROM __cluster_pick)`);
    const from = notNull.length ? subquery(select({ select: '*', from: table('__cluster_check'), where: and(...notNull.map((f) => isNotNull(col(f)))) }), 'f') : table('__cluster_check');
    const q = compile(clusterAssignmentQuery(model, { from, idColumn: '__id' }), 'duckdb');
    const r = await db.one<{ n: number }>(`SELECT count(*) AS n FROM (${q.sql}) a JOIN ${assignments} s ON s.customer_id = a.customer_id
      AND s.run_id ${runId === null ? 'IS NULL' : `= ${Number(runId)}`} WHERE a.cluster <> s.cluster`, q.params);
    const got = await db.columns('SELECT __row, __id FROM __cluster_check');
    const idOf = new Map<number, string>();
    (got.__row as number[]).forEach((row, t) => idOf.set(Number(row), (got.__id as string[])[t]!));
    return { disagreements: Number(r?.n ?? 0), ids: Array.from(rows, (row) => idOf.get(row)!) };
  } finally {
    await db.run('DROP TABLE IF EXISTS __cluster_pick');
    await db.run('DROP TABLE IF EXISTS __cluster_check');
  }
}

/** At most 2,000 points of the 2-D picture (every m-th of the sample), rounded, for the stored run and the report. */
function pictureForReport(p: { rows: Int32Array; x: Float64Array; y: Float64Array; explained: number[] }, clusterOfRow: Int32Array) {
  const step = Math.max(1, Math.ceil(p.rows.length / 2000));
  const pick = Array.from({ length: Math.ceil(p.rows.length / step) }, (_, i) => i * step);
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return { x: pick.map((i) => r4(p.x[i]!)), y: pick.map((i) => r4(p.y[i]!)), cluster: pick.map((i) => clusterOfRow[p.rows[i]!]!), explained: p.explained };
}

/** Write a run's (or the last in-memory run's) assignments: customer_id, cluster, cluster_name, distance (and a mixture's probability). */
export async function exportClusters(db: Db, runId: number | null, file: string): Promise<{ file: string; rows: number }> {
  const from = runId === null ? '__cluster_assignments WHERE run_id IS NULL' : `run_clusters WHERE run_id = ${Number(runId)}`;
  const mixture = Number((await db.one<{ n: number }>(`SELECT count(probability) AS n FROM ${from}`))?.n ?? 0) > 0;
  return copyToFile(db, `SELECT customer_id, cluster, cluster_name, distance${mixture ? ', probability' : ''} FROM ${from} ORDER BY customer_id`, file);
}
