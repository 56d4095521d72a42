/**
 * Cluster segmentation runs: a feature table (the workspace's per-customer metrics and traits, or any
 * file with an id column) → preprocessing, choice of k and k-means in process → the assignment of every
 * customer stored as a run (runs + run_clusters) with the profiles. Every query is IR compiled for the
 * workspace's engine: the fit pulls the feature matrix as Float64Arrays; on PostgreSQL and ClickHouse the
 * customers are assigned in the engine by the model's SQL (features/cluster-assignment.ts), on DuckDB the
 * fit's own assignment (the same arithmetic) is bulk-appended and the SQL is checked on a sample. A file
 * (`--input`) is read in an embedded DuckDB (store/import/feature-file.ts). docs/models.md defines every figure.
 */
import { resolve } from 'node:path';
import { SegmintError } from '../core/errors.ts';
import { didYouMean } from '../core/suggest.ts';
import { clusterAssignmentQuery } from '../features/cluster-assignment.ts';
import { categoryShares, shareLines } from '../features/category-shares.ts';
import { linesWithoutLevel } from '../features/transaction-lines.ts';
import { customerMetrics, METRIC_COLUMNS } from '../features/customer-metrics.ts';
import { fitClustersStaged, type ClusterModelJSON, type ClusterParams, type ClusterProfile, type ClusterQuality, type InputColumn, type KScore } from '../models/cluster/index.ts';
import { compile, DIALECT } from '../sql/compile.ts';
import {
  and, bool, caseWhen, cast, coalesce, col, count, countDistinct, createTableAs, dropTable, eq, ge, inList, insertSelect, isNotNull, lit, lower, max, ne, NULL, num,
  select, subquery, table, tempName, type Expr, type Select, type SelectItem, type Source,
} from '../sql/ir.ts';
import { idStatsInIdOrder, loadFeatureFile } from '../store/import/feature-file.ts';
import type { Db, Workspace } from '../store/workspace.ts';
import { resolveAsOf } from './value.ts';
import { copyToFile } from './export.ts';
import { all, exec, one } from './run-query.ts';
import { recordRun, storeRun } from '../store/runs.ts';
import { grouped } from '../core/numbers.ts';

/** The RFM metrics (src/features/customer-metrics.ts): the default features of a workspace run. */
export const DEFAULT_CLUSTER_FEATURES = ['recency_days', 'frequency', 'monetary'] as const;

export interface ClusterRunOptions extends ClusterParams {
  /** runs inside the run's transaction after it is written (e.g. the --out export): a failure stores nothing */
  beforeCommit?: (runId: number) => Promise<void>;
  /** feature columns; default the RFM metrics (workspace) or every numeric column but the id (--input) */
  features?: readonly string[];
  /** columns to one-hot encode (text, or numbers that are codes) */
  categorical?: readonly string[];
  /**
   * a run without a workspace (`input` alone): write its assignments to this file (.csv, .parquet, .json, .ndjson:
   * customer_id, cluster, cluster_name, distance and a mixture's probability, in id order) straight from the engine,
   * as exportClusters would, instead of keeping them for it; the result's `out` says where and how many
   */
  outFile?: string;
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
  /** the file written for `outFile` */
  out?: { file: string; rows: number };
}

/** The metrics that only the full metrics query computes (features/customer-metrics.ts leaves them NULL in its lean RFM form). */
const FULL_ONLY_METRICS = ['gross_revenue', 'return_rate', 'distinct_products', 'basket_size', 'visits', 'periodicity_days'] as const;
/** The assignments of a run without a workspace (`--input` alone), in the in-memory DuckDB, for exportClusters. */
const ASSIGNMENTS = '__cluster_assignments';
/** The columns of run_clusters, in table order. */
const RUN_COLUMNS = ['run_id', 'customer_id', 'cluster', 'cluster_name', 'distance', 'probability'];
const NUMERIC_KINDS = new Set(['integer', 'double', 'decimal']);

/** A column name for a department or category: lower case, runs of other characters as one "_". */
export const shareColumn = (group: string) => `${group.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'none'}_share`;

const items = (names: readonly string[], from?: string): SelectItem[] => names.map((n) => ({ expr: col(n, from), as: n }));

/** Purchase lines the shares read that have no department (category), even from products, by cause; a note when there are any. */
async function sharesCoverage(db: Db, asOfDate: Date, level: 'department' | 'category'): Promise<string | null> {
  const r = await one<{ lines: number; with_level: number; no_product: number; unknown_product: number }>(db, linesWithoutLevel(level, shareLines(asOfDate)));
  const lines = Number(r?.lines ?? 0), without = lines - Number(r?.with_level ?? 0);
  if (without === 0) return null;
  const noProduct = Number(r?.no_product ?? 0), unknown = Number(r?.unknown_product ?? 0), productWithout = without - noProduct - unknown;
  const f = (x: number) => grouped(x);
  const causes = [
    unknown ? `${f(unknown)} with a product id missing from products` : '',
    productWithout ? `${f(productWithout)} whose product has no ${level}` : '',
    noProduct ? `${f(noProduct)} without a product id` : '',
  ].filter(Boolean);
  return `${f(without)} of ${f(lines)} purchase lines have no ${level}, on the line or in products (${causes.join(', ')}): their spend is the share none_share${unknown ? '; import a products file that covers them' : ''}`;
}

/**
 * The workspace's feature table `target` (temporary): the per-customer metrics, the customers' own traits (a
 * trait named like a metric is left out) and, with `shares`, each customer's share of spend per department
 * (or category). One join per SELECT, so that ClickHouse 18.16 runs it too.
 */
async function loadWorkspace(ws: Pick<Workspace, 'db'>, target: string, asOf: string, shares: 'department' | 'category' | undefined, lean: boolean): Promise<{ shareCols: string[]; note: string | null }> {
  const db = ws.db;
  const asOfDate = new Date(`${asOf}T00:00:00Z`);
  const metrics = customerMetrics({ asOf: asOfDate, windowFunctions: DIALECT[db.dialect].capabilities.windowFunctions, features: lean ? 'rfm' : 'all' });
  const traits = (await db.tableColumns('customers')).map((c) => c.name)
    .filter((c) => !['customer_id', 'source_id', 'first_seen', 'updated_at'].includes(c) && !(METRIC_COLUMNS as readonly string[]).includes(c));
  let features: Select = traits.length === 0 ? metrics : select({
    select: [...items(METRIC_COLUMNS, 'm'), ...items(traits, 'c')],
    from: subquery(metrics, 'm'),
    joins: [{ type: 'left', target: table('customers', 'c'), on: eq(col('customer_id', 'c'), col('customer_id', 'm')) }],
  });
  let shareCols: string[] = [];
  const temps: string[] = [];
  try {
    if (shares) {
      // department (or category) shares of spend, one column per group (features/category-shares.ts)
      const long = tempName('cluster_shares');
      temps.push(long);
      await exec(db, createTableAs(long, select({
        select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: col(shares), as: 'grp' }, { expr: col('share'), as: 'share' }],
        from: subquery(categoryShares({ asOf: asOfDate, level: shares }), 'q'),
      }), { temporary: true }));
      const groups = (await all<{ grp: string }>(db, select({ distinct: true, select: [{ expr: col('grp'), as: 'grp' }], from: table(long), orderBy: [col('grp')] }))).map((r) => String(r.grp));
      shareCols = [...new Set(groups.map(shareColumn))];
      if (groups.length) {
        // groups whose names give the same column name share it (the larger share, as the pivot always did)
        const pivot = select({
          select: [{ expr: col('customer_id'), as: 'customer_id' }, ...shareCols.map((c) => ({
            expr: coalesce(max(col('share'), { filter: inList(col('grp'), groups.filter((g) => shareColumn(g) === c).map((g) => lit(g))) }), num(0)), as: c,
          }))],
          from: table(long),
          groupBy: [col('customer_id')],
        });
        const before = features.select === '*' ? [...METRIC_COLUMNS] : features.select.map((i) => i.as!);
        features = select({
          select: [...items(before, 'w'), ...shareCols.map((c) => ({ expr: coalesce(col(c, 's'), num(0)), as: c }))],
          from: subquery(features, 'w'),
          joins: [{ type: 'left', target: subquery(pivot, 's'), on: eq(col('customer_id', 's'), col('customer_id', 'w')) }],
        });
      }
    }
    // DuckDB: stored in id order (text order), so that a scan reads the rows in it (the fit's rows, paired by position with its results)
    const ordered = db.dialect === 'duckdb' ? select({ select: '*', from: subquery(features, 'o'), orderBy: [cast(col('customer_id'), 'varchar')] }) : features;
    await exec(db, createTableAs(target, ordered, { temporary: true }));
  } finally {
    for (const t of temps) await exec(db, dropTable(t));
  }
  return { shareCols, note: shares ? await sharesCoverage(db, asOfDate, shares) : null };
}

/** Why a feature that is not a number column cannot be clustered as one (its values counted in the engine, judged here). */
async function notNumericError(db: Db, from: string, f: string, type: string): Promise<SegmintError> {
  const values = await all<{ v: unknown; n: unknown }>(db, select({
    select: [{ expr: col('v'), as: 'v' }, { expr: count(), as: 'n' }],
    from: subquery(select({ select: [{ expr: cast(col(f), 'varchar'), as: 'v' }], from: table(from) }), 'x'),
    groupBy: [col('v')],
  }));
  let filled = 0, numbers = 0;
  const others: string[] = [];
  for (const r of values) {
    const v = r.v === null || r.v === undefined ? '' : String(r.v).trim();
    if (v === '') continue;
    filled += Number(r.n);
    if (Number.isFinite(Number(v))) numbers += Number(r.n);
    else others.push(v);
  }
  if (filled === 0) return new SegmintError('empty-feature', `--features ${f}: every value is missing`, { hint: `leave ${f} out` });
  const examples = others.sort().slice(0, 3).map((x) => `"${x}"`).join(', ');
  // mostly numbers with a few text values (e.g. "n/a"): those are to be cleaned, not a category
  if (numbers > 0 && numbers >= (filled - numbers)) {
    return new SegmintError('categorical-as-numeric', `--features ${f}: ${grouped((filled - numbers))} of ${grouped(filled)} filled values are not numbers (${examples})`, { hint: `blank those cells (blanks are read as missing values) or fix them; if ${f} is a category, pass it with --categorical ${f}` });
  }
  return new SegmintError('categorical-as-numeric', `--features ${f}: the column holds ${type} values, not numbers (${examples})`, { hint: `pass it as a category: --categorical ${f}` });
}

/** The feature columns read for the fit, in id order: numbers as Float64Array, categories as text, and the ids where the engine is not DuckDB. */
interface FeatureRead { numbers: Record<string, Float64Array>; text: Record<string, (string | null)[]>; ids: string[] | null }

/**
 * DuckDB: straight from the engine's vectors, in the table's order (it was stored in id order: no sort here).
 * Elsewhere: one read of the ids and the columns, sorted by id here (JavaScript's order of the texts, DuckDB's
 * too: the same fit on every engine, whatever the server's collation).
 */
async function readFeatures(db: Db, from: string, idColumn: string, numeric: SelectItem[], categorical: SelectItem[], rows: number): Promise<FeatureRead> {
  const idv = cast(col(idColumn), 'varchar');
  const numNames = numeric.map((i) => i.as!), catNames = categorical.map((i) => i.as!);
  if (db.dialect === 'duckdb') {
    const ordered = (list: SelectItem[]) => compile(select({ select: list, from: table(from) }), db.dialect);
    let numbers: Record<string, Float64Array> = {}, got: Record<string, unknown[]> = {};
    // straight into arrays of the table's length (no chunks kept and joined after)
    if (numeric.length) { const q = ordered(numeric); numbers = await db.numericColumns(q.sql, q.params, numNames, rows); }
    if (categorical.length) { const q = ordered(categorical); got = await db.columns(q.sql, q.params); }
    const text = Object.fromEntries(catNames.map((c) => [c, (got[c] ?? []).map((v) => (v === null || v === undefined ? null : String(v)))]));
    return { numbers, text, ids: null };
  }
  const q = compile(select({ select: [{ expr: idv, as: '__id' }, ...numeric, ...categorical], from: table(from) }), db.dialect);
  const got = await db.columns(q.sql, q.params);
  const raw = (got.__id ?? []).map((v) => String(v));
  const order = Array.from(raw.keys()).sort((a, b) => (raw[a]! < raw[b]! ? -1 : raw[a]! > raw[b]! ? 1 : 0));
  const toNumber = (v: unknown) => (v === null || v === undefined || v === '' ? NaN : typeof v === 'boolean' ? Number(v) : Number(v));
  const numbers = Object.fromEntries(numNames.map((c) => [c, Float64Array.from(order, (i) => toNumber(got[c]![i]))]));
  const text = Object.fromEntries(catNames.map((c) => [c, order.map((i) => { const v = got[c]![i]; return v === null || v === undefined ? null : String(v); })]));
  return { numbers, text, ids: order.map((i) => raw[i]!) };
}

/** A cluster's name by its number (0-based), from the model's names. */
function nameOf(cluster: Expr, names: readonly string[]): Expr {
  if (names.length === 1) return lit(names[0]!);
  return caseWhen(names.slice(0, -1).map((n, c) => [eq(cluster, num(c)), lit(n)] as const), lit(names[names.length - 1]!));
}

/** Run a clustering on `db` (a workspace's, or an in-memory one for `--input` without a workspace). */
export async function runClustering(target: { ws: Pick<Workspace, 'db' | 'config'> } | { db: Db }, options: ClusterRunOptions = {}): Promise<ClusterRunResult> {
  const ws = 'ws' in target ? target.ws : null;
  const db = ws ? ws.db : (target as { db: Db }).db;
  let asOf: string | null = null, shareCols: string[] = [], sharesNote: string | null = null;
  if (options.shares && options.input) throw new SegmintError('invalid-option', '--shares needs the workspace\'s transactions, not --input', { hint: 'leave out --input, or put share columns in the file' });
  if (options.input && db.dialect !== 'duckdb') {
    throw new SegmintError('unsupported-engine', `--input ${options.input.file}: a file is clustered in the embedded DuckDB, and this workspace is on ${db.dialect}`, { hint: 'run it outside the workspace (no --workspace) to cluster the file alone, or import the rows as customers and cluster their traits' });
  }
  const idColumn = options.input ? options.input.idColumn : 'customer_id';
  // temporary tables named per call: two commands on a shared engine never write the same one
  const INPUT = tempName('cluster_input');
  const temps = [INPUT];
  let blankNotes: string[] = [];
  try {
    // the rows stored in id order (DuckDB): a scan reads them in it (the fit's rows, paired by position with its results)
    if (options.input) blankNotes = await loadFeatureFile(db, options.input.file, idColumn, INPUT, { orderById: true });
    else {
      if (!ws) throw new SegmintError('invalid-option', 'clustering without a workspace needs --input FILE --id-column C');
      asOf = await resolveAsOf(ws, options.asOf);
      // the lean metrics query (no periodicity, no product counts) when no feature needs the others
      const named = [...(options.features ?? (options.shares ? [] : DEFAULT_CLUSTER_FEATURES)), ...(options.categorical ?? [])];
      const lean = options.shares === undefined && !named.some((f) => (FULL_ONLY_METRICS as readonly string[]).includes(f));
      ({ shareCols, note: sharesNote } = await loadWorkspace(ws, INPUT, asOf, options.shares, lean));
    }
    const described = await db.tableColumns(INPUT);
    const kinds = new Map(described.map((r) => [r.name, r]));
    const names = [...kinds.keys()];
    const isNumeric = (name: string) => NUMERIC_KINDS.has(kinds.get(name)!.kind);
    const check = (name: string, flag: string) => {
      if (!kinds.has(name)) {
        const near = didYouMean(name, names);
        throw new SegmintError('unknown-feature', `${flag} ${name}: no such column`, { hint: near ? `did you mean ${near}?` : `columns: ${names.join(', ')}` });
      }
    };
    check(idColumn, options.input ? '--id-column' : 'id');
    const categorical = [...(options.categorical ?? [])];
    categorical.forEach((c) => check(c, '--categorical'));
    const features = options.features ? [...options.features]
      : options.input ? names.filter((n) => n !== idColumn && n !== options.input?.revenueColumn && isNumeric(n) && !categorical.includes(n))
      : shareCols.length ? shareCols : [...DEFAULT_CLUSTER_FEATURES];
    features.forEach((f) => check(f, '--features'));
    // a column with no value at all is read as text: say what it is
    for (const f of features) if (!categorical.includes(f) && !isNumeric(f)) throw await notNumericError(db, INPUT, f, kinds.get(f)!.type);
    const all = [...new Set([...features, ...categorical])];
    if (all.length === 0) throw new SegmintError('no-features', 'no numeric column to cluster on', { hint: 'name the features: --features a,b,c' });
    const revenueColumn = options.input ? options.input.revenueColumn : 'monetary';
    if (revenueColumn) check(revenueColumn, '--revenue-column');
    // "accessible": a contact column, when there is one (an opt-in flag, else an e-mail or phone number)
    const contact = names.find((c) => /^(email_)?opt_?in$|^email_opt_in$/i.test(c)) ?? names.find((c) => /^(e_?mail|email_address|phone|phone_number|mobile)$/i.test(c));
    const contactExpr = contact === undefined ? null
      : kinds.get(contact)!.kind === 'boolean' ? caseWhen([[eq(col(contact), bool(true)), num(1)]], num(0))
      : caseWhen([[and(isNotNull(col(contact)), inList(lower(cast(col(contact), 'varchar')), ['', 'false', 'no', '0'], true)), num(1)]], num(0));
    // ids are checked in the engine: no per-customer strings in process
    const idv = cast(col(idColumn), 'varchar');
    // DuckDB: the table is in id order, so a repeated id is next to its twin (feature-file.ts idStatsInIdOrder)
    const idStats = db.dialect === 'duckdb' ? await idStatsInIdOrder(db, INPUT, idColumn) : await one<{ n: number; present: number; distinct: number }>(db, select({
      select: [{ expr: count(), as: 'n' }, { expr: count(col(idColumn)), as: 'present' }, { expr: countDistinct(idv), as: 'distinct' }], from: table(INPUT),
    }));
    const nRows = Number(idStats?.n ?? 0), present = Number(idStats?.present ?? 0), distinctIds = Number(idStats?.distinct ?? 0);
    if (present < nRows) throw new SegmintError('missing-id', `${nRows - present} rows have no ${idColumn}`, { hint: 'every row needs an id' });
    if (distinctIds !== nRows) throw new SegmintError('duplicate-id', `${idColumn} is not unique: ${nRows - distinctIds} repeated ids`, { hint: 'one row per customer, please' });
    if (nRows === 0) throw new SegmintError('no-rows', options.input ? `${options.input.file} has no rows` : 'no customer has a purchase before the as-of date', { hint: 'check the input' });
    // numbers as Float64Array, in id order; categories as text
    const numSel: SelectItem[] = [...all.flatMap((f, j) => (categorical.includes(f) ? [] : [{ expr: cast(col(f), 'double'), as: `c${j}` }])),
      ...(revenueColumn ? [{ expr: cast(col(revenueColumn), 'double'), as: '__revenue' }] : []),
      ...(contactExpr ? [{ expr: cast(contactExpr, 'double'), as: '__contact' }] : [])];
    const catSel: SelectItem[] = all.flatMap((f, j) => (categorical.includes(f) ? [{ expr: cast(col(f), 'varchar'), as: `c${j}` }] : []));
    const read = await readFeatures(db, INPUT, idColumn, numSel, catSel, nRows);
    const data = read.numbers;
    const columns: InputColumn[] = all.map((name, j) => (categorical.includes(name)
      ? { name, kind: 'categorical', values: read.text[`c${j}`]! }
      : { name, kind: 'numeric', values: data[`c${j}`]! }));
    const warnings: string[] = [...(sharesNote ? [sharesNote] : []), ...blankNotes.filter((n) => all.some((c) => n.startsWith(`${c}: `)))];
    for (const c of columns) {
      if (c.kind !== 'numeric' || shareCols.includes(c.name)) continue;
      const two = twoValues(c.values);
      if (two) warnings.push(`${c.name} has only two values (${two.join(', ')}): if it is a category, pass it with --categorical ${c.name}`);
    }
    const revenue = revenueColumn ? data.__revenue : undefined;
    const hasContact = contactExpr ? data.__contact : undefined;
    // shares of spend are already on one scale (0 to 1): standardising them would blow a rare department's
    // tiny shares up into the largest distances, so a run on shares alone compares them as they are
    const onlyShares = shareCols.length > 0 && columns.every((c) => c.kind === 'numeric' && shareCols.includes(c.name));
    const scaling = options.scaling ?? (onlyShares ? 'none' : undefined);
    if (onlyShares && options.scaling === undefined) warnings.push(`the ${options.shares} shares are compared as they are (scaling none: they share one 0–1 scale); --scaling standard standardises them`);
    // the fit's assignment at once; the rest of the report (`finish`) is computed while the engine writes it
    const { result: fit, steps: finish } = fitClustersStaged(columns, { ...options, scaling }, { revenue, hasContact });
    warnings.push(...fit.warnings);
    const model = fit.model.toJSON();
    const policy = options.missing ?? 'impute';
    // each input row's cluster (−1 for a row left out): the labels themselves when every row was kept
    let clusterOfRow = fit.labels;
    if (fit.kept.length !== nRows) {
      clusterOfRow = new Int32Array(nRows).fill(-1);
      for (let t = 0; t < fit.kept.length; t++) clusterOfRow[fit.kept[t]!] = fit.labels[t]!;
    }
    // the stored assignment against the fit's labels (every customer)
    let sqlDisagreements = 0;
    for (let t = 0; t < fit.kept.length; t++) if (fit.assigned[t] !== fit.labels[t]) sqlDisagreements++;
    // the rows the model assigns: every row, or those with every feature when missing values exclude
    const assignable: Source = policy === 'exclude' ? subquery(select({ select: '*', from: table(INPUT), where: and(...all.map((f) => isNotNull(col(f)))) }), 'f') : table(INPUT);

    let rowsOf: (runId: Expr, forFile?: boolean) => Select;
    let pictureIds: string[];
    let fitTable = '', sampleTable = '';
    if (db.dialect === 'duckdb') {
      // DuckDB: the fit's own assignment (the arithmetic of the model's SQL), appended in bulk, one row per input
      // row in its order (NULL for a row left out), and paired with the ids by position (the input table is stored
      // in id order, the appended one in row order: a positional join, no key). The model's SQL is checked on the
      // sample's rows: their row numbers and appended clusters in a table of their own, joined to the input by its
      // rowid (the position a scan reads a row at, as the positional join pairs them) — or, when the input has a
      // column named rowid (which hides DuckDB's), in a column `sample` of the fit (the row number, −1 off the sample)
      fitTable = tempName('cluster_fit');
      temps.push(fitTable);
      const mixture = fit.probabilities !== undefined;
      const byRowid = !names.some((c) => c.toLowerCase() === 'rowid');
      const fitCols = [...(byRowid ? [] : ['sample']), 'cluster', 'distance', ...(mixture ? ['probability'] : [])];
      const doubles = (t: string, cols: readonly string[]) => exec(db, createTableAs(t, select({ select: cols.map((c) => ({ expr: cast(num(0), 'double'), as: c })), from: table(INPUT), limit: 0 }), { temporary: true }));
      await doubles(fitTable, fitCols);
      const byRow = (v: ArrayLike<number>): ArrayLike<number> => {
        if (fit.kept.length === nRows) return v;
        const out = new Float64Array(nRows).fill(NaN);
        for (let t = 0; t < fit.kept.length; t++) out[fit.kept[t]!] = v[t]!;
        return out;
      };
      const assignedByRow = byRow(fit.assigned);
      let sampleCol: Float64Array[] = [];
      if (byRowid) {
        sampleTable = tempName('cluster_sample');
        temps.push(sampleTable);
        await doubles(sampleTable, ['__r', '__cluster']);
        const rows = fit.picture.rows;
        await db.appendDoubles(sampleTable, [Float64Array.from(rows), Float64Array.from(rows, (r) => assignedByRow[r]!)]);
      } else {
        // -1 off the sample (not NULL: a NULL is written one value at a time)
        sampleCol = [new Float64Array(nRows).fill(-1)];
        for (const r of fit.picture.rows) sampleCol[0]![r] = r;
      }
      await db.appendDoubles(fitTable, [...sampleCol, assignedByRow, byRow(fit.distances), ...(mixture ? [byRow(fit.probabilities!)] : [])]);
      const cluster = cast(col('cluster', 'f'), 'integer');
      // a run's rows (run_id, then the columns of run_clusters), or a file's (no run_id; probability for a mixture only)
      rowsOf = (runId, forFile = false) => select({
        select: [
          ...(forFile ? [] : [{ expr: runId, as: 'run_id' }]), { expr: cast(col(idColumn, 'i'), 'varchar'), as: 'customer_id' }, { expr: cluster, as: 'cluster' }, { expr: nameOf(cluster, model.names), as: 'cluster_name' },
          { expr: col('distance', 'f'), as: 'distance' }, ...(mixture ? [{ expr: col('probability', 'f'), as: 'probability' }] : forFile ? [] : [{ expr: cast(NULL, 'double'), as: 'probability' }]),
        ],
        // in id order, the input's (no sort): the table of a run without a workspace is exported as it is
        from: table(INPUT, 'i'),
        joins: [{ type: 'positional', target: table(fitTable, 'f') }],
        where: isNotNull(col('cluster', 'f')),
      });
      pictureIds = [];
    } else {
      // PostgreSQL, ClickHouse: every customer assigned in the engine by the model's SQL
      const assignment = clusterAssignmentQuery(model, { from: assignable, idColumn });
      rowsOf = (runId) => select({ select: [{ expr: runId, as: 'run_id' }, ...items(RUN_COLUMNS.slice(1))], from: subquery(assignment, 'a') });
      pictureIds = Array.from(fit.picture.rows, (r) => read.ids![r]!);
    }

    let runId: number | null = null;
    let exported: { file: string; rows: number } | undefined;
    if (ws) {
      runId = await storeRun(db, 'cluster', async (id) => {
        await finishWhile(exec(db, insertSelect('run_clusters', rowsOf(num(id)), RUN_COLUMNS)), finish);
        const { beforeCommit, ...stored } = options;
        const params = { ...stored, scaling: model.preprocessing.scaling, input: options.input ? { ...options.input, file: resolve(options.input.file) } : undefined, features, categorical };
        const summary = { model, choice: fit.choice, quality: fit.quality, profiles: fit.profiles, features: all, picture: pictureForReport(fit.picture, clusterOfRow) };
        await recordRun(db, id, 'cluster', asOf, params, summary);
        if (beforeCommit) await beforeCommit(id);
        return id;
      });
    } else if (options.outFile !== undefined) {
      // no workspace, a file wanted: written straight from the join (no table of the assignments in between)
      const q = compile(rowsOf(NULL, true), db.dialect);
      exported = await finishWhile(copyToFile(db, q.sql, options.outFile, q.params), finish);
    } else {
      await exec(db, dropTable(ASSIGNMENTS));
      await finishWhile(exec(db, createTableAs(ASSIGNMENTS, rowsOf(cast(NULL, 'integer')), { temporary: true })), finish);
    }
    if (db.dialect === 'duckdb') {
      // the stored clusters of the sample's rows: the run's rows by id, else the appended assignment (what was written)
      const stored = (check: string) => runId !== null
        ? select({ select: items(['customer_id', 'cluster']), from: table('run_clusters'), where: eq(col('run_id'), num(runId)) })
        : select({ select: [{ expr: col('__id'), as: 'customer_id' }, { expr: cast(col('__cluster'), 'integer'), as: 'cluster' }], from: table(check) });
      const sampled = await checkSample(db, model, fit.picture.rows, INPUT, sampleTable ? { sampleTable } : { fitTable }, idColumn, stored, all);
      sqlDisagreements += sampled.disagreements;
      pictureIds = sampled.ids;
    } else {
      const stored = runId === null ? select({ select: items(['customer_id', 'cluster']), from: table(ASSIGNMENTS) })
        : select({ select: items(['customer_id', 'cluster']), from: table('run_clusters'), where: eq(col('run_id'), num(runId)) });
      sqlDisagreements += await checkAll(db, read.ids!, fit.kept, fit.assigned, INPUT, stored, temps);
    }
    if (sqlDisagreements > 0) warnings.push(`${sqlDisagreements} customers are assigned differently in SQL than in the fit (distances equal to floating-point precision)`);

    return {
      runId, source: options.input ? resolve(options.input.file) : 'workspace', asOf, algorithm: model.algorithm, k: model.k, features: all.filter((f) => !categorical.includes(f)), categorical,
      customers: { total: nRows, clustered: fit.kept.length, excluded: fit.excluded },
      missing: fit.missing, missingPolicy: policy,
      choice: fit.choice ? { k: fit.choice.k, reason: fit.choice.reason, elbow: fit.choice.elbow, sampleSize: fit.choice.sampleSize, fittedOn: fit.choice.fittedOn, scores: fit.choice.scores } : null,
      clusters: fit.profiles, quality: fit.quality, iterations: fit.iterations, converged: fit.converged, sqlDisagreements, model,
      picture: {
        customerIds: pictureIds, x: Array.from(fit.picture.x), y: Array.from(fit.picture.y),
        cluster: Array.from(fit.picture.rows, (r) => clusterOfRow[r]!), explained: fit.picture.explained,
      },
      warnings,
      ...(exported ? { out: exported } : {}),
    };
  } finally {
    for (const t of temps) await exec(db, dropTable(t));
  }
}

/**
 * The fit's remaining steps (fitClustersStaged) run while `writing` — the engine storing or writing the assignment,
 * on its own threads — goes on: each step after a turn of the event loop, so that the write's chain of calls moves
 * on between them (a step holds this thread). The write's result once both are done; a failed step waits for the write.
 */
async function finishWhile<T>(writing: Promise<T>, steps: readonly (() => void)[]): Promise<T> {
  // handled at once: a write that fails while the steps run is reported below, not as an unhandled rejection
  writing.catch(() => undefined);
  try {
    for (const step of steps) {
      await new Promise<void>((r) => setImmediate(r));
      step();
    }
  } catch (e) {
    await writing.catch(() => undefined);
    throw e;
  }
  return writing;
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
 * DuckDB: the model's SQL (features/cluster-assignment.ts) run in the engine on some rows (the fit's sample: the
 * rows of the input table, stored in id order, given by `sampleTable` — __r their row number, which is the input's
 * rowid, and __cluster as appended — or by the appended fit `fitTable`, whose `sample` column holds their row number,
 * −1 the others): how many of them it assigns otherwise than `stored` (given the table of the checked rows: __r, __id,
 * __cluster as appended, and the features) holds, and their ids in the given order.
 */
async function checkSample(db: Db, model: ClusterModelJSON, rows: Int32Array, from: string, sampled: { sampleTable: string } | { fitTable: string }, idColumn: string, stored: (check: string) => Select, features: readonly string[]): Promise<{ disagreements: number; ids: string[] }> {
  if (rows.length === 0) return { disagreements: 0, ids: [] };
  const check = tempName('cluster_check');
  try {
    const own = features.filter((f) => !['__id', '__r', '__cluster'].includes(f));
    await exec(db, createTableAs(check, 'sampleTable' in sampled
      ? select({
        select: [{ expr: cast(col('__r', 's'), 'bigint'), as: '__r' }, { expr: cast(col(idColumn, 'i'), 'varchar'), as: '__id' }, { expr: col('__cluster', 's'), as: '__cluster' }, ...items(own, 'i')],
        from: table(from, 'i'),
        joins: [{ type: 'inner', target: table(sampled.sampleTable, 's'), on: eq(col('rowid', 'i'), cast(col('__r', 's'), 'bigint')) }],
      })
      : select({
        select: [{ expr: cast(col('sample', 'f'), 'bigint'), as: '__r' }, { expr: cast(col(idColumn, 'i'), 'varchar'), as: '__id' }, { expr: col('cluster', 'f'), as: '__cluster' }, ...items(own, 'i')],
        from: table(from, 'i'),
        joins: [{ type: 'positional', target: table(sampled.fitTable, 'f') }],
        where: ge(col('sample', 'f'), num(0)),
      }), { temporary: true }));
    // one query, read as columns: each checked row's number and id, and whether the model's SQL assigns it otherwise
    // than `stored` holds (a row `stored` lacks is no disagreement)
    const assigned = clusterAssignmentQuery(model, { from: table(check), idColumn: '__id' });
    const q = compile(select({
      select: [{ expr: col('__r', 'c'), as: 'r' }, { expr: col('__id', 'c'), as: 'id' }, { expr: caseWhen([[ne(col('cluster', 'a'), col('cluster', 's')), num(1)]], num(0)), as: 'd' }],
      from: table(check, 'c'),
      joins: [
        { type: 'inner', target: subquery(assigned, 'a'), on: eq(col('customer_id', 'a'), col('__id', 'c')) },
        { type: 'left', target: subquery(stored(check), 's'), on: eq(col('customer_id', 's'), col('__id', 'c')) },
      ],
    }), db.dialect);
    const got = await db.columns(q.sql, q.params);
    const r = got.r ?? [], id = got.id ?? [], d = got.d ?? [];
    const idOf = new Map<number, string>();
    let disagreements = 0;
    for (let t = 0; t < r.length; t++) { idOf.set(Number(r[t]), String(id[t])); disagreements += Number(d[t]); }
    return { disagreements, ids: Array.from(rows, (row) => idOf.get(row)!) };
  } finally {
    await exec(db, dropTable(check));
  }
}

/**
 * PostgreSQL, ClickHouse: every customer's cluster as the engine stored it against the fit's assignment (the
 * model's arithmetic in process), compared in the engine: the customers that differ or are missing.
 */
async function checkAll(db: Db, ids: readonly string[], kept: Int32Array, assigned: Int32Array, from: string, stored: Select, temps: string[]): Promise<number> {
  const labels = tempName('cluster_labels');
  temps.push(labels);
  await exec(db, createTableAs(labels, select({ select: [{ expr: cast(lit(''), 'varchar'), as: 'customer_id' }, { expr: cast(num(0), 'integer'), as: 'cluster' }], from: table(from), limit: 0 }), { temporary: true }));
  await db.insertRows(labels, ['customer_id', 'cluster'], { columns: [Array.from(kept, (i) => ids[i]!), assigned] });
  const r = await one<{ n: unknown; d: unknown }>(db, select({
    select: [{ expr: count(), as: 'n' }, { expr: count(undefined, { filter: ne(col('cluster', 'f'), col('cluster', 's')) }), as: 'd' }],
    from: table(labels, 'f'),
    joins: [{ type: 'inner', target: subquery(stored, 's'), on: eq(col('customer_id', 's'), col('customer_id', 'f')) }],
  }));
  return Number(r?.d ?? 0) + (kept.length - Number(r?.n ?? 0));
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
  const from = table(runId === null ? ASSIGNMENTS : 'run_clusters');
  const where = runId === null ? undefined : eq(col('run_id'), num(runId));
  const mixture = Number((await one<{ n: number }>(db, select({ select: [{ expr: count(col('probability')), as: 'n' }], from, ...(where ? { where } : {}) })))?.n ?? 0) > 0;
  // the in-memory table of a run without a workspace was written in id order, and DuckDB scans a table in that order
  const q = compile(select({
    select: items(['customer_id', 'cluster', 'cluster_name', 'distance', ...(mixture ? ['probability'] : [])]), from, ...(where ? { where } : {}), ...(runId === null ? {} : { orderBy: [col('customer_id')] }),
  }), db.dialect);
  return copyToFile(db, q.sql, file, q.params);
}
