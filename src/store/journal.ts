/**
 * Crash safety for every command that writes: the journal.
 *
 * A write (an import, a stored run) is one database transaction, but a transaction alone is not enough on
 * the embedded engine. DuckDB writes large appends ("optimistic writes", a row group of 122,880 rows or
 * more) straight into the database file and logs only a pointer to them in the WAL; when a process is
 * killed while its COMMIT is being written, the replay at the next open rolls back the logged rows but
 * keeps those row groups. Seen here: a kill while the WAL of an Online Retail import was being written
 * left 401,604 transactions and 140,305 quarantine rows, and no customers, products or sources row.
 *
 * So each write is published in three steps:
 * 1. a journal row naming the write (its kind and the id its rows are tagged with) is committed alone;
 * 2. the write runs as one transaction whose last statement deletes that journal row;
 * 3. at the next open, a journal row still present means the write did not finish: every row tagged with
 *    its id is deleted from every table the write touches, then the journal row itself.
 * The id a write uses (source id, run id) is one above the highest committed one, so rows tagged with it
 * belong to that write alone.
 */
import { literal } from '../sql/ddl.ts';
import { DUCKDB_CLV_PREDICTION_TABLES } from './clv-prediction-tables.ts';
import { deleteTagged } from './portable.ts';
import type { Db } from './workspace.ts';

/** The kinds of journalled writes and the tables their rows live in (the first table holds the marker row). */
const WRITES = {
  import: { column: 'source_id', tables: ['sources', 'transactions', 'events', 'quarantine', 'customers', 'products', 'places'] },
  run: { column: 'run_id', tables: ['runs', 'run_scores', 'clv_predictions', 'run_clusters', 'audience_members', 'campaign_members', 'run_recommendations', 'webhook_outbox', 'run_model_scores', 'run_outlier_scores'] },
} as const;

/** A journalled write: an import (tagged by source id) or a stored run (tagged by run id). */
export type JournalKind = keyof typeof WRITES;

/** One write that a killed process left unfinished, undone when the workspace was opened. */
export interface RecoveredWrite {
  kind: JournalKind;
  id: number;
  /** what the write was (e.g. "import orders.csv", "rfm") */
  label: string;
  startedAt: string;
  /** rows deleted per table */
  removed: Record<string, number>;
}

/** The SQL of the journal table (a migration creates it). */
export const JOURNAL_TABLE_SQL = `CREATE TABLE journal (
  kind VARCHAR NOT NULL,
  target_id INTEGER NOT NULL,
  label VARCHAR NOT NULL,
  started_at TIMESTAMP NOT NULL
)`;

/**
 * Run `write` as one transaction, journalled so that a process killed at any point — before, during or
 * after its COMMIT — leaves either all of it or none of it once the workspace is next opened.
 * `id` is the source id or run id every row of the write is tagged with.
 */
export async function journalled<T>(db: Db, kind: JournalKind, id: number, label: string, write: () => Promise<T>): Promise<T> {
  if (db.dialect !== 'duckdb') return journalledPortable(db, kind, id, label, write);
  await db.run('INSERT INTO journal VALUES (?, ?, ?, now()::TIMESTAMP)', [kind, id, label]);
  let result: T;
  try {
    result = await db.transaction(async () => {
      const out = await write();
      await db.run('DELETE FROM journal WHERE kind = ? AND target_id = ?', [kind, id]);
      return out;
    });
  } catch (e) {
    // The transaction rolled back; undo whatever a failed statement may have left, as recovery would, and
    // then drop the journal row, so that the next open does not report a failure as a stopped process.
    // When either fails, the row stays and the next open recovers.
    try {
      await undo(db, kind, id);
      await db.run('DELETE FROM journal WHERE kind = ? AND target_id = ?', [kind, id]);
    } catch {
      // left for recovery on the next open
    }
    throw e;
  }
  // Committed (in the WAL); now into the file, by a checkpoint a kill cannot tear (engines/duckdb-checkpoint.ts).
  // Outside the try: a failed checkpoint must not undo a committed write.
  await db.checkpoint?.();
  return result;
}

/**
 * `journalled` on PostgreSQL (one transaction, as on DuckDB) and ClickHouse (no transactions: the rows are
 * written under the new id first and the marker row — the sources or runs row — last, so the write becomes
 * visible by that one final write; recovery undoes an id whose marker row is missing).
 */
async function journalledPortable<T>(db: Db, kind: JournalKind, id: number, label: string, write: () => Promise<T>): Promise<T> {
  await db.insertRows('journal', ['kind', 'target_id', 'label', 'started_at'], [[kind, id, label, wholeSecond()]]);
  try {
    const result = await db.transaction(write);
    await deleteTagged(db, 'journal', 'kind', kind, { column: 'target_id', value: id });
    return result;
  } catch (e) {
    try {
      await undo(db, kind, id);
      await deleteTagged(db, 'journal', 'kind', kind, { column: 'target_id', value: id });
    } catch {
      // left for recovery on the next open
    }
    throw e;
  }
}

/** Now, to the second (a ClickHouse 18.16 DateTime holds whole seconds). */
export function wholeSecond(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

/** The next id for a write of `kind`: one above the highest committed or journalled one. */
export async function nextWriteId(db: Db, kind: JournalKind): Promise<number> {
  const { column, tables } = WRITES[kind];
  if (db.dialect !== 'duckdb') {
    const a = await db.one<{ n: number }>(`SELECT coalesce(max(${column}), 0) AS n FROM ${tables[0]}`);
    const b = await db.one<{ n: number }>(`SELECT coalesce(max(target_id), 0) AS n FROM journal WHERE kind = ${literal(kind, db.dialect)}`);
    return 1 + Math.max(Number(a?.n ?? 0), Number(b?.n ?? 0));
  }
  const row = await db.one<{ n: number }>(
    `SELECT greatest((SELECT coalesce(max(${column}), 0) FROM ${tables[0]}), (SELECT coalesce(max(target_id), 0) FROM journal WHERE kind = ?)) AS n`,
    [kind],
  );
  return 1 + Number(row?.n ?? 0);
}

/** True when the journal names a write that did not finish (a read-only open then reopens to recover). */
export async function hasUnfinishedWrites(db: Db): Promise<boolean> {
  // only the kinds recovery undoes, so that a reopen for recovery always leaves none behind
  const kinds = Object.keys(WRITES);
  if (db.dialect !== 'duckdb') {
    return Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM journal WHERE kind IN (${kinds.map((k) => literal(k, db.dialect)).join(', ')})`))?.n ?? 0) > 0;
  }
  return Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM journal WHERE kind IN (${kinds.map(() => '?').join(', ')})`, kinds))?.n ?? 0) > 0;
}

/** Undo every write the journal names as unfinished (see the file comment). Returns what was undone. */
export async function recoverUnfinishedWrites(db: Db): Promise<RecoveredWrite[]> {
  const pending = await db.all<{ kind: string; target_id: number; label: string; started_at: Date }>(
    'SELECT kind, target_id, label, started_at FROM journal ORDER BY started_at, target_id',
  );
  const out: RecoveredWrite[] = [];
  for (const p of pending) {
    const kind = p.kind as JournalKind;
    if (!(kind in WRITES)) continue;
    if (db.dialect !== 'duckdb') {
      // ClickHouse: a write whose marker row is there finished (only the journal row's delete was lost)
      const { column, tables } = WRITES[kind];
      const done = db.dialect === 'clickhouse' && Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${tables[0]} WHERE ${column} = ${literal(p.target_id, db.dialect)}`))?.n ?? 0) > 0;
      const removed = done ? {} : await db.transaction(() => undo(db, kind, p.target_id));
      await deleteTagged(db, 'journal', 'kind', kind, { column: 'target_id', value: p.target_id });
      if (!done) out.push({ kind, id: p.target_id, label: p.label, startedAt: new Date(p.started_at).toISOString(), removed });
      continue;
    }
    const removed = await db.transaction(() => undo(db, kind, p.target_id));
    // A second transaction: the journal row goes only once the undo is committed.
    await db.run('DELETE FROM journal WHERE kind = ? AND target_id = ?', [kind, p.target_id]);
    out.push({ kind, id: p.target_id, label: p.label, startedAt: new Date(p.started_at).toISOString(), removed });
  }
  return out;
}

async function undo(db: Db, kind: JournalKind, id: number): Promise<Record<string, number>> {
  const { column, tables } = WRITES[kind];
  const removed: Record<string, number> = {};
  if (db.dialect !== 'duckdb') {
    for (const t of tables) {
      const n = await deleteTagged(db, t, column, id);
      if (n > 0) removed[t] = n;
    }
    return removed;
  }
  // clv_predictions is a view on DuckDB (clv-prediction-tables.ts): its tables instead
  for (const t of tables.flatMap((t) => (t === 'clv_predictions' ? DUCKDB_CLV_PREDICTION_TABLES : [t]))) {
    const r = await db.one<{ Count: number }>(`DELETE FROM ${t} WHERE ${column} = ?`, [id]);
    const n = Number(r?.Count ?? 0);
    if (n > 0) removed[t] = n;
  }
  return removed;
}
