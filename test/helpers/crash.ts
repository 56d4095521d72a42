/**
 * The crash test's tools: run a CLI command as a process and kill it at a chosen point, check that a
 * workspace is consistent, and take a digest of its contents to compare with an uninterrupted run.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Workspace } from '../../src/store/workspace.ts';

const BIN = resolve(import.meta.dirname, '../../bin/segmint.js');

/**
 * Where a run is killed: after `ms` milliseconds, when the WAL has grown past `walBytes`, `ms` after a checkpoint
 * began (engines/duckdb-checkpoint.ts wrote its copy of the metadata blocks), or `ms` after the command printed its result.
 */
export type KillPoint = { after: 'start'; ms: number } | { after: 'wal'; walBytes: number; ms: number } | { after: 'checkpoint'; ms: number } | { after: 'output'; ms: number };

export function describePoint(p: KillPoint): string {
  if (p.after === 'start') return `${p.ms} ms after start`;
  if (p.after === 'wal') return `${p.ms} ms after the WAL passed ${p.walBytes} bytes`;
  if (p.after === 'checkpoint') return `${p.ms} ms into a checkpoint (its copy of the metadata blocks written)`;
  return `${p.ms} ms after the result was printed (closing)`;
}

/** Run `segmint args` to completion; rejects on a non-zero exit. Returns stdout and the wall time. */
export async function runSegmint(args: string[]): Promise<{ out: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`segmint ${args.join(' ')} exited ${code}: ${err}`);
  return { out, ms: Date.now() - t0 };
}

/** Run `segmint args` to the end in `dir` while sampling its WAL: the wall time and the largest WAL size seen (for kill points). */
export async function measureRun(dir: string, args: string[]): Promise<{ ms: number; walMax: number }> {
  const wal = join(dir, 'segmint.duckdb.wal');
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let walMax = 0;
  let done = false;
  const exit = new Promise<number | null>((r) => child.once('exit', (c) => { done = true; r(c); }));
  while (!done) {
    if (existsSync(wal)) walMax = Math.max(walMax, statSync(wal, { throwIfNoEntry: false })?.size ?? 0);
    await new Promise((r) => setTimeout(r, 1));
  }
  const code = await exit;
  if (code !== 0) throw new Error(`segmint ${args.join(' ')} exited ${code}: ${err}`);
  return { ms: Date.now() - t0, walMax };
}

/**
 * Run `segmint args` in `dir` and SIGKILL it at `point`. Resolves to 'killed', or 'finished' when the
 * command ended before the point was reached (its exit code must then be 0).
 */
export async function killAt(dir: string, args: string[], point: KillPoint): Promise<'killed' | 'finished'> {
  const wal = join(dir, 'segmint.duckdb.wal');
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let exited = false;
  let code: number | null = null;
  let err = '';
  let printed = false;
  child.stdout.on('data', () => (printed = true));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<void>((r) => child.once('exit', (c) => { exited = true; code = c; r(); }));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const waitFor = async (cond: () => boolean) => {
    while (!exited && !cond()) await sleep(1);
  };
  if (point.after === 'start') await sleep(point.ms);
  else if (point.after === 'wal') {
    await waitFor(() => existsSync(wal) && (statSync(wal, { throwIfNoEntry: false })?.size ?? 0) >= point.walBytes);
    if (point.ms) await sleep(point.ms);
  } else if (point.after === 'checkpoint') {
    await waitFor(() => existsSync(join(dir, 'segmint.duckdb.before')));
    if (point.ms) await sleep(point.ms);
  } else {
    await waitFor(() => printed);
    if (point.ms) await sleep(point.ms);
  }
  if (exited) {
    await exit;
    if (code !== 0) throw new Error(`segmint ${args.join(' ')} exited ${code} before it was killed: ${err}`);
    return 'finished';
  }
  child.kill('SIGKILL');
  await exit;
  return 'killed';
}

/** Copy a workspace folder (closed) to `to`. */
export function copyWorkspace(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
}

/**
 * The consistency rules every workspace must keep, whatever was killed: no row without its source, no
 * source without its rows, a customer for every line, no rows of a run without the run, no run without
 * its rows, nothing left in the journal. Returns the broken rules (empty when consistent).
 */
export async function inconsistencies(ws: Workspace): Promise<string[]> {
  const checks: [string, string][] = [
    ['transactions without their source', 'SELECT count(*) AS n FROM transactions WHERE source_id NOT IN (SELECT source_id FROM sources)'],
    ['events without their source', 'SELECT count(*) AS n FROM events WHERE source_id NOT IN (SELECT source_id FROM sources)'],
    ['quarantine rows without their source', 'SELECT count(*) AS n FROM quarantine WHERE source_id NOT IN (SELECT source_id FROM sources)'],
    ['customers without their source', 'SELECT count(*) AS n FROM customers WHERE source_id IS NOT NULL AND source_id NOT IN (SELECT source_id FROM sources)'],
    ['products without their source', 'SELECT count(*) AS n FROM products WHERE source_id IS NOT NULL AND source_id NOT IN (SELECT source_id FROM sources)'],
    ['lines without a customer', 'SELECT count(*) AS n FROM transactions t WHERE customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = t.customer_id)'],
    ['sources whose loaded lines are missing', `SELECT count(*) AS n FROM sources s WHERE s.kind = 'transactions'
      AND s.rows_loaded <> (SELECT count(*) FROM transactions t WHERE t.source_id = s.source_id)`],
    ['sources whose quarantined rows are missing', `SELECT count(*) AS n FROM sources s
      WHERE s.rows_quarantined <> (SELECT count(*) FROM quarantine q WHERE q.source_id = s.source_id)`],
    ['score rows without their run', 'SELECT count(*) AS n FROM run_scores WHERE run_id NOT IN (SELECT run_id FROM runs)'],
    ['prediction rows without their run', 'SELECT count(*) AS n FROM clv_predictions WHERE run_id NOT IN (SELECT run_id FROM runs)'],
    ['cluster rows without their run', 'SELECT count(*) AS n FROM run_clusters WHERE run_id NOT IN (SELECT run_id FROM runs)'],
    ['audience members without their run', 'SELECT count(*) AS n FROM audience_members WHERE run_id NOT IN (SELECT run_id FROM runs)'],
    ['value runs without scores', "SELECT count(*) AS n FROM runs r WHERE kind IN ('rfm', 'lrfmp') AND NOT EXISTS (SELECT 1 FROM run_scores s WHERE s.run_id = r.run_id)"],
    ['prediction runs without predictions', "SELECT count(*) AS n FROM runs r WHERE kind = 'clv-predict' AND NOT EXISTS (SELECT 1 FROM clv_predictions s WHERE s.run_id = r.run_id)"],
    ['cluster runs without assignments', "SELECT count(*) AS n FROM runs r WHERE kind = 'cluster' AND NOT EXISTS (SELECT 1 FROM run_clusters s WHERE s.run_id = r.run_id)"],
    ['unfinished writes in the journal', 'SELECT count(*) AS n FROM journal'],
  ];
  const broken: string[] = [];
  for (const [what, sql] of checks) {
    const n = Number((await ws.db.one<{ n: number }>(sql))?.n ?? 0);
    if (n > 0) broken.push(`${what}: ${n}`);
  }
  return broken;
}

/** Order-insensitive digest of a table's rows (count and a sum of row hashes), leaving out `exclude` columns. */
async function tableDigest(ws: Workspace, table: string, exclude: string[], where = ''): Promise<string> {
  const cols = (await ws.db.all<{ name: string }>(`SELECT column_name AS name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' ORDER BY ordinal_position`, [table]))
    .map((c) => c.name).filter((c) => !exclude.includes(c));
  const r = await ws.db.one<{ n: number; h: string }>(
    `SELECT count(*) AS n, CAST(coalesce(sum(hash(${cols.map((c) => `"${c}"`).join(', ')}) % 1000000007), 0) AS VARCHAR) AS h FROM ${table} ${where}`,
  );
  return `${table}:${r?.n}:${r?.h}`;
}

/** A digest of the imported data (every canonical table), leaving out wall-clock columns. */
export async function dataDigest(ws: Workspace): Promise<string[]> {
  return [
    await tableDigest(ws, 'sources', ['imported_at']),
    await tableDigest(ws, 'transactions', []),
    await tableDigest(ws, 'events', []),
    await tableDigest(ws, 'quarantine', []),
    await tableDigest(ws, 'customers', ['updated_at']),
    await tableDigest(ws, 'products', []),
  ];
}

/**
 * A digest of the latest run of `kind` for each name (audiences have one run per name; other kinds one
 * name): its as-of date and its per-customer rows in `table`, the run id left out.
 */
export async function latestRunDigest(ws: Workspace, table: string, kind: string): Promise<string> {
  const runs = await ws.db.all<{ run_id: number; as_of: Date | null; name: string }>(`SELECT max(run_id) AS run_id, as_of, coalesce(json_extract_string(params, '$.name'), '') AS name
    FROM runs WHERE kind = ? GROUP BY ALL ORDER BY name`, [kind]);
  if (!runs.length) return `${kind}: no run`;
  const out: string[] = [];
  for (const r of runs) out.push(`${kind} ${r.name}@${r.as_of ? new Date(r.as_of).toISOString() : 'none'} ${await tableDigest(ws, table, ['run_id'], `WHERE run_id = ${Number(r.run_id)}`)}`);
  return out.join('\n');
}
