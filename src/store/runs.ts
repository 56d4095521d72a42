/** The `runs` table: every stored analysis run (RFM, LRFMP, CLV, clusters, audience snapshots). */
import type { Db } from './workspace.ts';

/** The id the next run gets (one above the highest so far). */
export async function nextRunId(db: Db): Promise<number> {
  return 1 + Number((await db.one<{ n: number }>('SELECT coalesce(max(run_id), 0) AS n FROM runs'))?.n ?? 0);
}

/** Record run `runId` of `kind` as of `asOf` (YYYY-MM-DD; null for a run on a file) with its parameters and summary (stored as JSON). */
export async function recordRun(db: Db, runId: number, kind: string, asOf: string | null, params: unknown, summary: unknown): Promise<void> {
  await db.run('INSERT INTO runs VALUES (?, ?, CAST(? AS TIMESTAMP), ?, ?, now()::TIMESTAMP)', [runId, kind, asOf, JSON.stringify(params), JSON.stringify(summary)]);
}
