/** The `runs` table: every stored analysis run (RFM, LRFMP, CLV, clusters, audience snapshots). */
import { journalled, nextWriteId, wholeSecond } from './journal.ts';
import { holdForTest } from './test-hold.ts';
import type { Db } from './workspace.ts';

/** The id the next run gets (one above the highest so far, committed or left unfinished). */
export async function nextRunId(db: Db): Promise<number> {
  return nextWriteId(db, 'run');
}

/** Record run `runId` of `kind` as of `asOf` (YYYY-MM-DD; null for a run on a file) with its parameters and summary (stored as JSON). */
export async function recordRun(db: Db, runId: number, kind: string, asOf: string | null, params: unknown, summary: unknown): Promise<void> {
  await holdForTest('run');
  if (db.dialect !== 'duckdb') {
    // the runs row is the run's last write: on ClickHouse it is what makes the run visible (store/journal.ts)
    const at = asOf === null ? null : new Date(`${asOf.slice(0, 10)}T00:00:00Z`);
    await db.insertRows('runs', ['run_id', 'kind', 'as_of', 'params', 'summary', 'created_at'], [[runId, kind, at, JSON.stringify(params), JSON.stringify(summary), wholeSecond()]]);
    return;
  }
  await db.run('INSERT INTO runs VALUES (?, ?, CAST(? AS TIMESTAMP), ?, ?, now()::TIMESTAMP)', [runId, kind, asOf, JSON.stringify(params), JSON.stringify(summary)]);
}

/**
 * Store a run: `write` inserts its per-customer rows (tagged with the new run id) and calls recordRun, all
 * in one journalled transaction, so a killed process never leaves part of a run (store/journal.ts). `options`:
 * the compression the rows call for (Engine.runRowsWrite).
 */
export async function storeRun<T>(db: Db, kind: string, write: (runId: number) => Promise<T>, options: { uniqueText?: boolean } = {}): Promise<T> {
  const runId = await nextRunId(db);
  const store = () => journalled(db, 'run', runId, kind, () => write(runId));
  return db.runRowsWrite ? db.runRowsWrite(store, options) : store();
}
