/**
 * Refresh: bring a workspace up to date with new data in one go (docs/api.md, "Refresh").
 *
 * 1. import the files named, and every file dropped in the workspace's inbox folder (`inbox/` for
 *    transactions, `inbox/customers/`, `inbox/events/`, `inbox/products/` for the other kinds); an imported
 *    file moves to `inbox/done/`, one that fails to `inbox/failed/` with the error beside it;
 * 2. when the data changed since the last successful refresh (a source was added), or when forced: re-run
 *    what depends on it, each with the parameters of its latest run but on the new data (a new as-of date):
 *    RFM, LRFMP, the CLV fit and prediction, the clustering, then a new snapshot of every audience that has
 *    one. Each snapshot writes its webhook deliveries to the outbox in its own write (store/outbox.ts);
 * 3. hand those deliveries to `deliver` (the server's dispatcher, or the CLI's).
 *
 * Every step is its own journalled write, so a step that fails (a corrupt file, a model that does not fit)
 * stops the refresh and leaves the results stored before it as they were; the failure is recorded in the
 * workspace's freshness (`refresh/freshness.json`: last attempt, last success, last failure with its step,
 * code and message), which the server shows on every resource.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isSegmintError, SegmintError } from '../core/errors.ts';
import { IMPORT_KINDS, type ImportKind } from '../core/schema.ts';
import { parseAudienceFile } from '../segments/file.ts';
import { cast, col, eq, lit, max, select, table } from '../sql/ir.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { importFile, type ImportResult } from '../store/import/index.ts';
import { enqueueSnapshotDeliveries, type OutboxRow } from '../store/outbox.ts';
import type { Workspace } from '../store/workspace.ts';
import { audienceAsOf, evaluateAudience, prepareAudience, loadAudienceSchema, type EvalResult, type PreparedAudience } from './audience.ts';
import { runClustering, type ClusterRunOptions } from './cluster.ts';
import { runClvFit, runClvPredict, type ClvFitOptions, type ClvPredictOptions } from './clv.ts';
import { all, one } from './run-query.ts';
import { runValueSegmentation } from './value.ts';

export const INBOX = 'inbox';
const FRESHNESS = join('refresh', 'freshness.json');

/** The workspace's freshness: when a refresh last ran, last succeeded and last failed (and why). */
export interface Freshness {
  lastAttempt?: { at: string; trigger: string };
  lastSuccess?: { at: string; trigger: string; sourceId: number; imported: number; runs: number; recomputed: boolean };
  lastFailure?: { at: string; trigger: string; step: string; code: string; message: string };
  /** the last refresh that re-ran the results (lastSuccess may be a later one that found nothing new) */
  lastRecomputed?: { at: string; trigger: string; sourceId: number; runs: number };
  /** the highest source id the stored results were computed on */
  computedSourceId?: number;
}

export function readFreshness(dir: string): Freshness {
  const f = join(dir, FRESHNESS);
  if (!existsSync(f)) return {};
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as Freshness;
  } catch {
    return {};
  }
}

function writeFreshness(dir: string, f: Freshness): void {
  mkdirSync(join(dir, 'refresh'), { recursive: true });
  writeFileAtomic(join(dir, FRESHNESS), `${JSON.stringify(f, null, 2)}\n`);
}

export interface RefreshOptions {
  /** files to import (besides the inbox's), each with its kind (default transactions) */
  files?: { path: string; kind?: ImportKind }[];
  /** read the inbox folder (default true) */
  inbox?: boolean;
  /** re-run everything even when no new data was imported */
  force?: boolean;
  /** what started it, recorded in the freshness (cli, api, schedule …) */
  trigger?: string;
  /** called with a phase and the share of the refresh done */
  onProgress?: (phase: string, fraction: number) => void;
  /** checked between steps and on every progress report: a refresh that is cancelled stops there */
  signal?: AbortSignal;
  /** receives the deliveries the snapshots wrote to the outbox, once they are committed */
  deliver?: (rows: OutboxRow[]) => void | Promise<void>;
}

export interface RefreshStep {
  step: string;
  /** the run stored (none for an import, or a step that found nothing to do) */
  runId?: number;
  detail?: string;
}

export interface RefreshResult {
  imported: { file: string; kind: ImportKind; sourceId: number | null; rowsLoaded: number; alreadyImported: boolean }[];
  /** false when nothing new was imported and the refresh was not forced */
  recomputed: boolean;
  steps: RefreshStep[];
  audiences: { name: string; runId: number; customers: number; deliveries: number }[];
  deliveries: number;
  freshness: Freshness;
}

/** A refresh that stopped at a failing step: what it did before, and the step. */
export class RefreshError extends SegmintError {
  constructor(readonly step: string, cause: unknown, readonly partial: Omit<RefreshResult, 'freshness'>) {
    const code = isSegmintError(cause) ? cause.code : 'refresh-failed';
    const message = cause instanceof Error ? cause.message : String(cause);
    super(code, `refresh stopped at ${step}: ${message}`, {
      hint: isSegmintError(cause) && cause.hint ? cause.hint : 'the results stored before this step are unchanged; fix the cause and refresh again',
      exitCode: isSegmintError(cause) ? cause.exitCode : 1,
      cause,
      details: { step },
    });
  }
}

/** The files waiting in the inbox, oldest first, with the kind their folder says. */
export function inboxFiles(dir: string): { path: string; kind: ImportKind }[] {
  const root = join(dir, INBOX);
  const out: { path: string; kind: ImportKind; mtime: number }[] = [];
  const scan = (folder: string, kind: ImportKind) => {
    if (!existsSync(folder)) return;
    for (const name of readdirSync(folder)) {
      // hidden and partial files (being copied in: name them .part or start them with a dot) are left alone
      if (name.startsWith('.') || name.endsWith('.part') || name.endsWith('.tmp')) continue;
      const p = join(folder, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isFile()) out.push({ path: p, kind, mtime: st.mtimeMs });
    }
  };
  scan(root, 'transactions');
  for (const k of IMPORT_KINDS) if (k !== 'transactions') scan(join(root, k), k);
  return out.sort((a, b) => a.mtime - b.mtime || (a.path < b.path ? -1 : 1)).map(({ path, kind }) => ({ path, kind }));
}

/** Move an inbox file to done/ or failed/ (a name taken there gets a numbered suffix). */
function moveInboxFile(dir: string, path: string, to: 'done' | 'failed', error?: string): void {
  const folder = join(dir, INBOX, to);
  mkdirSync(folder, { recursive: true });
  let target = join(folder, basename(path));
  for (let i = 1; existsSync(target); i++) target = join(folder, `${i}-${basename(path)}`);
  renameSync(path, target);
  if (error !== undefined) writeFileSync(`${target}.error.txt`, `${error}\n`);
}

interface LatestRun {
  runId: number;
  params: Record<string, unknown>;
}

/** The latest run of each kind, with its parameters. */
async function latestRuns(ws: Workspace): Promise<Map<string, LatestRun>> {
  const rows = await all<{ run_id: number; kind: string; params: string | null }>(ws.db, select({
    select: [{ expr: col('run_id'), as: 'run_id' }, { expr: col('kind'), as: 'kind' }, { expr: cast(col('params'), 'varchar'), as: 'params' }],
    from: table('runs'),
    orderBy: [col('run_id')],
  }));
  const m = new Map<string, LatestRun>();
  for (const r of rows) m.set(r.kind, { runId: Number(r.run_id), params: r.params ? (JSON.parse(r.params) as Record<string, unknown>) : {} });
  return m;
}

/**
 * The audiences to snapshot: every audience defined as a file in `<workspace>/audiences/` (the server keeps
 * them there: `<name>.yaml`, the format of segmint audience eval FILE), and every audience with a snapshot
 * (uplift selections aside) with its latest definition; a file's definition wins over a snapshot's.
 */
async function snapshotAudiences(ws: Workspace): Promise<Map<string, string>> {
  const rows = await all<{ params: string }>(ws.db, select({
    select: [{ expr: cast(col('params'), 'varchar'), as: 'params' }],
    from: table('runs'),
    where: eq(col('kind'), lit('audience')),
    orderBy: [col('run_id')],
  }));
  const m = new Map<string, string>();
  for (const r of rows) {
    const p = JSON.parse(r.params) as { name?: string; where?: string; source?: string };
    if (p.source === undefined && typeof p.name === 'string' && typeof p.where === 'string') m.set(p.name, p.where);
  }
  const folder = join(ws.dir, 'audiences');
  if (existsSync(folder)) {
    for (const f of readdirSync(folder).sort()) {
      const name = /^([A-Za-z][A-Za-z0-9_-]{0,63})\.yaml$/.exec(f)?.[1];
      if (!name) continue;
      // a file that cannot be read is the server's to report; the snapshot's definition (if any) stays
      try {
        const a = parseAudienceFile(readFileSync(join(folder, f), 'utf8'), `audiences/${f}`).audiences;
        const d = a.find((x) => x.name === name) ?? a[0];
        if (d) m.set(name, d.where);
      } catch {
        continue;
      }
    }
  }
  return m;
}

async function highestSourceId(ws: Workspace): Promise<number> {
  const r = await one<{ n: unknown }>(ws.db, select({ select: [{ expr: max(col('source_id')), as: 'n' }], from: table('sources') }));
  return r?.n === null || r?.n === undefined ? 0 : Number(r.n);
}

const pick = <T extends object>(o: Record<string, unknown>, keys: readonly (keyof T & string)[]): Partial<T> =>
  Object.fromEntries(keys.filter((k) => o[k] !== undefined && o[k] !== null).map((k) => [k, o[k]])) as Partial<T>;

/**
 * Store a snapshot of a prepared audience with its webhook deliveries in the same write (store/outbox.ts),
 * then hand the deliveries to `deliver` once committed. Every snapshot that should fire webhooks goes
 * through here (refresh, the server's POST /audiences/{name}/snapshots).
 */
export async function snapshotWithDeliveries(ws: Workspace, p: PreparedAudience, deliver?: (rows: OutboxRow[]) => void | Promise<void>): Promise<EvalResult & { deliveries: OutboxRow[] }> {
  let rows: OutboxRow[] = [];
  const r = await evaluateAudience(ws, p, { beforeRecord: async (runId) => { rows = await enqueueSnapshotDeliveries(ws.db, ws.dir, p.name, runId, p.asOf); } });
  if (rows.length && deliver) await deliver(rows);
  return { ...r, deliveries: rows };
}

/** Refresh the workspace (see the file comment). Throws a RefreshError naming the step that failed. */
export async function refresh(ws: Workspace, options: RefreshOptions = {}): Promise<RefreshResult> {
  const trigger = options.trigger ?? 'library';
  const progress = options.onProgress ?? (() => undefined);
  const check = () => {
    if (options.signal?.aborted) throw new SegmintError('cancelled', 'the refresh was cancelled', { hint: 'results stored before the cancel are kept' });
  };
  const report = (phase: string, f: number) => {
    check();
    progress(phase, f);
  };
  const fresh = readFreshness(ws.dir);
  fresh.lastAttempt = { at: new Date().toISOString(), trigger };
  writeFreshness(ws.dir, fresh);
  const partial: Omit<RefreshResult, 'freshness'> = { imported: [], recomputed: false, steps: [], audiences: [], deliveries: 0 };
  let step = 'start';
  const created: OutboxRow[] = [];
  try {
    // 1. imports
    const files = [...(options.files ?? []).map((f) => ({ path: resolve(f.path), kind: f.kind ?? 'transactions', inbox: false })), ...(options.inbox === false ? [] : inboxFiles(ws.dir).map((f) => ({ ...f, inbox: true })))];
    for (const [i, f] of files.entries()) {
      step = `import ${basename(f.path)}`;
      report(step, (0.4 * i) / Math.max(1, files.length));
      let r: ImportResult;
      try {
        r = await importFile(ws, f.path, { kind: f.kind, remember: false, onProgress: (phase, x) => report(`${step}: ${phase}`, (0.4 * (i + x)) / files.length) });
      } catch (e) {
        if (f.inbox) moveInboxFile(ws.dir, f.path, 'failed', e instanceof Error ? e.message : String(e));
        throw e;
      }
      if (f.inbox) moveInboxFile(ws.dir, f.path, 'done');
      partial.imported.push({ file: f.path, kind: f.kind, sourceId: r.sourceId, rowsLoaded: r.rows.loaded, alreadyImported: r.alreadyImported });
      partial.steps.push({ step, detail: r.alreadyImported ? 'already imported' : `${r.rows.loaded} rows loaded, ${r.rows.quarantined} quarantined` });
    }
    const sourceId = await highestSourceId(ws);
    if (!options.force && fresh.computedSourceId !== undefined && sourceId <= fresh.computedSourceId) {
      fresh.lastSuccess = { at: new Date().toISOString(), trigger, sourceId, imported: partial.imported.length, runs: 0, recomputed: false };
      writeFreshness(ws.dir, fresh);
      return { ...partial, freshness: fresh };
    }
    partial.recomputed = true;
    // 2. what depends on the data, with the latest run's parameters on the new data
    const latest = await latestRuns(ws);
    for (const model of ['rfm', 'lrfmp'] as const) {
      const prev = latest.get(model);
      if (!prev) continue;
      step = model;
      report(step, 0.45);
      const r = await runValueSegmentation(ws, model, { bins: Number(prev.params.bins) || undefined });
      partial.steps.push({ step, runId: r.runId });
    }
    const clv = latest.get('clv');
    let fitRunId: number | undefined;
    if (clv) {
      step = 'clv fit';
      report(step, 0.55);
      const p = pick<ClvFitOptions>(clv.params, ['spend', 'period', 'penalizer']);
      const requested = clv.params.requested ?? clv.params.model;
      const r = await runClvFit(ws, { ...p, model: requested as ClvFitOptions['model'] }, (phase) => report(`${step}: ${phase}`, 0.6));
      fitRunId = r.runId ?? undefined;
      partial.steps.push({ step, ...(fitRunId !== undefined ? { runId: fitRunId } : {}) });
    }
    const predict = latest.get('clv-predict');
    if (predict && (fitRunId !== undefined || clv)) {
      step = 'clv predict';
      report(step, 0.65);
      const p = pick<ClvPredictOptions>(predict.params, ['horizon', 'unit', 'discountRate', 'monthlyDiscountRate', 'margin']);
      const r = await runClvPredict(ws, { ...p, ...(fitRunId !== undefined ? { fitRunId } : {}) }, (phase) => report(`${step}: ${phase}`, 0.7));
      partial.steps.push({ step, runId: r.runId });
    }
    const cluster = latest.get('cluster');
    if (cluster && !cluster.params.input) {
      step = 'cluster';
      report(step, 0.75);
      const p = pick<ClusterRunOptions>(cluster.params, ['algorithm', 'covariance', 'gamma', 'k', 'kMin', 'kMax', 'seed', 'nInit', 'maxIter', 'tol', 'minShare', 'sampleSize', 'fitSampleSize', 'features', 'categorical', 'shares']);
      const r = await runClustering({ ws }, p);
      partial.steps.push({ step, ...(r.runId !== null ? { runId: r.runId } : {}) });
    }
    // 3. a snapshot of every audience, each with its deliveries in its own write
    const audiences = await snapshotAudiences(ws);
    if (audiences.size) {
      const defs = Object.fromEntries(audiences);
      const schema = await loadAudienceSchema(ws.db, { properties: [...audiences.values()].some((w) => /properties\s*\./.test(w)), audiences: defs });
      const asOf = await audienceAsOf(ws, undefined);
      let i = 0;
      for (const [name, where] of audiences) {
        step = `audience ${name}`;
        report(step, 0.8 + (0.2 * i++) / audiences.size);
        const p = await prepareAudience(ws, name, where, { asOf, schema });
        const r = await snapshotWithDeliveries(ws, p);
        const rows = r.deliveries;
        created.push(...rows);
        partial.audiences.push({ name, runId: r.runId!, customers: r.customers, deliveries: rows.length });
        partial.steps.push({ step, runId: r.runId!, detail: `${r.customers} customers, ${rows.length} deliveries` });
      }
    }
    partial.deliveries = created.length;
    fresh.computedSourceId = sourceId;
    const at = new Date().toISOString();
    const runs = partial.steps.filter((s) => s.runId !== undefined).length;
    fresh.lastSuccess = { at, trigger, sourceId, imported: partial.imported.length, runs, recomputed: true };
    fresh.lastRecomputed = { at, trigger, sourceId, runs };
    writeFreshness(ws.dir, fresh);
    progress('done', 1);
    // 4. the deliveries are committed with their snapshots: hand them on
    if (created.length && options.deliver) await options.deliver(created);
    return { ...partial, freshness: fresh };
  } catch (e) {
    const err = e instanceof RefreshError ? e : new RefreshError(step, e, partial);
    fresh.lastFailure = { at: new Date().toISOString(), trigger, step, code: err.code, message: e instanceof Error ? e.message : String(e) };
    writeFreshness(ws.dir, fresh);
    // the snapshots stored before the failing step are committed with their deliveries: those go out
    if (created.length && options.deliver) await Promise.resolve(options.deliver(created)).catch(() => undefined);
    throw err;
  }
}
