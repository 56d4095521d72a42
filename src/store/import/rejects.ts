/**
 * Malformed rows (records the reader could not split into the header's columns) in the quarantine. Each
 * is keyed by its text like any row (`row_key` a hash of the line, `row_occ` numbering identical lines in
 * file order), so a newer export that still holds the same malformed line counts it as already present
 * instead of quarantining it again.
 */
import type { Db } from '../workspace.ts';
import type { RejectedRecord } from './stage.ts';

/** The key of a malformed line: a hash of its text, salted so that it cannot meet a row's key by design. */
export const MALFORMED_KEY_SQL = "hash('malformed-row', raw)";

/**
 * Insert the rejected records of source `sourceId` into the quarantine, except those whose
 * `(row_key, row_occ)` is in `existingSql` (rows of earlier sources of the same kind). Returns how many
 * were quarantined and how many were already present.
 */
export async function quarantineRejects(
  db: Db, sourceId: number, kind: string, rejects: readonly RejectedRecord[], existingSql: string | null,
): Promise<{ quarantined: number; present: number }> {
  if (rejects.length === 0) return { quarantined: 0, present: 0 };
  await db.run('CREATE OR REPLACE TEMP TABLE __rej (line BIGINT, raw VARCHAR, error VARCHAR)');
  // Bound in batches: one statement per row would cost a round trip each on a file with many bad lines.
  for (let i = 0; i < rejects.length; i += 500) {
    const batch = rejects.slice(i, i + 500);
    await db.run(`INSERT INTO __rej VALUES ${batch.map(() => '(?, ?, ?)').join(', ')}`, batch.flatMap((r) => [r.line, r.raw, r.error]));
  }
  await db.run(`CREATE OR REPLACE TEMP TABLE __rej AS SELECT line, raw, error, ${MALFORMED_KEY_SQL} AS row_key,
      CAST(row_number() OVER (PARTITION BY raw ORDER BY line) AS INTEGER) AS row_occ FROM __rej`);
  const known = `EXISTS (SELECT 1 FROM (${existingSql}) e WHERE e.row_key = __rej.row_key AND e.row_occ = __rej.row_occ)`;
  const present = existingSql
    ? Number((await db.one<{ n: number }>(`SELECT count(*) AS n FROM __rej WHERE ${known}`))?.n ?? 0)
    : 0;
  await db.run(`INSERT INTO quarantine SELECT ?, ?, line, 'malformed-row', error, to_json({line: raw}), row_key, row_occ FROM __rej
      ${existingSql ? `WHERE NOT ${known}` : ''} ORDER BY line`, [sourceId, kind]);
  await db.run('DROP TABLE __rej');
  return { quarantined: rejects.length - present, present };
}
