/**
 * Quarantine reasons and data-quality observations: the vocabulary of the import reconciliation.
 * A row gets the first reason that applies (in the order below), so every quarantined row has exactly one.
 */

/** Reason codes, in precedence order (docs/data-model.md explains each). */
export const QUARANTINE_REASONS = [
  'malformed-row',
  'missing-customer-id',
  'missing-product-id',
  'missing-date',
  'unparseable-date',
  'missing-event-type',
  'non-numeric-quantity',
  'non-numeric-price',
  'non-numeric-amount',
  'missing-amount',
  'negative-price',
  'zero-price',
  'unmarked-negative-quantity',
  'invalid-json',
  'duplicate-row',
  'duplicate-customer-id',
  'duplicate-product-id',
  'missing-description',
] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

/** One kind of mess seen in the rows read, with the policy that decided what happened to it. */
export interface Observation {
  code: string;
  /** rows read that show it (a row may show several) */
  count: number;
  /** the policy in force */
  policy: string;
  /** what the policy did with those rows */
  action: string;
}

/** Build a CASE expression that yields the first applicable reason, from [condition, reason] pairs. */
export function reasonCase(rules: readonly (readonly [string, QuarantineReason])[]): string {
  if (rules.length === 0) return 'CAST(NULL AS VARCHAR)';
  return `CASE ${rules.map(([cond, reason]) => `WHEN ${cond} THEN '${reason}'`).join(' ')} ELSE NULL END`;
}

/**
 * Number exact copies in `table`: row_occ is 1 for a row whose raw values appear once, and 1, 2, … in
 * file order among copies (rowid order is file order). Only rows whose key repeats are numbered (and
 * updated), which avoids a window over the whole file.
 */
export async function numberOccurrences(db: { run(sql: string): Promise<void> }, table: string, key: string, rid = 'rowid'): Promise<void> {
  await db.run(`UPDATE ${table} SET row_occ = q.occ FROM (
      SELECT ${rid} AS __r, CAST(row_number() OVER (PARTITION BY ${key} ORDER BY ${rid}) AS INTEGER) AS occ
      FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} GROUP BY ${key} HAVING count(*) > 1)) q
    WHERE ${table}.${rid} = q.__r AND q.occ > 1`);
}

/**
 * Materialise the parsed rows (`__p`) from `parsedSelect` (which yields __rid, __line and row_key) with
 * their occurrence numbers (see numberOccurrences).
 */
export async function materialiseParsed(db: { run(sql: string): Promise<void> }, parsedSelect: string): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE __p AS SELECT *, CAST(1 AS INTEGER) AS row_occ FROM (${parsedSelect})`);
  await numberOccurrences(db, '__p', 'row_key', '__rid');
}

/** The parsed rows with their occurrence numbers (see materialiseParsed). */
export const PARSED_WITH_OCC = '__p';

/**
 * Create the view __checked over `checkedSelect` with `__present`: true when the same raw row (key and
 * occurrence) is already in the warehouse or its quarantine from an earlier source, so a newer export
 * appends only what is new. Presence is materialised first, since loading changes what "already there"
 * means. `from` names the table holding the rows (its rowid is the view's __rid) and its key column.
 */
export async function createChecked(
  db: { run(sql: string): Promise<void> },
  checkedSelect: string,
  existingSql: string | null,
  from: { table: string; key: string; rid: string } = { table: PARSED_WITH_OCC, key: 'row_key', rid: '__rid' },
): Promise<void> {
  if (!existingSql) {
    await db.run(`CREATE OR REPLACE TEMP VIEW __checked AS SELECT x.*, false AS __present FROM (${checkedSelect}) x`);
    return;
  }
  await db.run(`CREATE OR REPLACE TEMP TABLE __seen AS SELECT o.${from.rid} AS __rid FROM ${from.table} o
    SEMI JOIN (${existingSql}) e ON e.row_key = o.${from.key} AND e.row_occ = o.row_occ`);
  await db.run(`CREATE OR REPLACE TEMP VIEW __checked AS
    SELECT x.*, x.__rid IN (SELECT __rid FROM __seen) AS __present FROM (${checkedSelect}) x`);
}
