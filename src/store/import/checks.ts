/**
 * Quarantine reasons and data-quality observations: the vocabulary of the import reconciliation.
 * A row gets the first reason that applies (in the order below), so every quarantined row has exactly one.
 */

/** Reason codes, in precedence order (docs/data-model.md explains each). */
export const QUARANTINE_REASONS = [
  'malformed-row',
  'missing-customer-id',
  'missing-product-id',
  'missing-place-id',
  'invalid-coordinate',
  'missing-date',
  'unparseable-date',
  'implausible-date',
  'missing-event-type',
  'non-numeric-quantity',
  'non-numeric-price',
  'non-numeric-amount',
  'non-finite-number',
  'number-out-of-range',
  'missing-amount',
  'negative-price',
  'zero-price',
  'unmarked-negative-quantity',
  'invalid-json',
  'duplicate-row',
  'duplicate-customer-id',
  'duplicate-product-id',
  'duplicate-place-id',
  'missing-description',
] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

/** What each reason means (the quarantine listing and docs/data-model.md say the same). */
export const REASON_DESCRIPTIONS: Record<QuarantineReason, string> = {
  'malformed-row': 'the reader could not split the line into the header\'s columns',
  'missing-customer-id': 'empty customer id',
  'missing-product-id': 'empty product id',
  'missing-place-id': 'places: empty place id',
  'invalid-coordinate': 'places: latitude or longitude missing, not a number, or outside -90…90 / -180…180',
  'missing-date': 'empty timestamp',
  'unparseable-date': 'the timestamp does not read in the detected (or given) format',
  'implausible-date': 'the timestamp is before import.policies.minDate (default 1900-01-01) or more than maxDaysAhead days (default 1) after the import',
  'missing-event-type': 'events: empty type',
  'non-numeric-quantity': 'the quantity is present but is not a plain number',
  'non-numeric-price': 'the price is present but is not a plain number',
  'non-numeric-amount': 'the amount is present but is not a plain number',
  'non-finite-number': 'an amount, price or quantity is infinite or not a number (inf, Infinity, NaN, or a literal such as 1e309 that overflows)',
  'number-out-of-range': 'an amount, price or quantity (or quantity × price) is at or beyond import.policies.maxAbsNumber (default 1e12) in size, or a non-zero literal such as 1e-400 that underflows to 0',
  'missing-amount': 'the amount is empty, or quantity or unit price is missing when the amount is computed',
  'negative-price': 'unit price below 0 (policy negativePrice: quarantine)',
  'zero-price': 'unit price exactly 0 (policy zeroPrice: quarantine)',
  'unmarked-negative-quantity': 'negative quantity without a cancellation marker (policy unmarkedNegativeQuantity: quarantine)',
  'invalid-json': 'events: the properties column is not valid JSON',
  'duplicate-row': 'a later copy of an exactly repeated line (policy duplicateRows: quarantine; without a quantity column only with repeatsWithoutQuantity: quarantine)',
  'duplicate-customer-id': 'customers: the id appears again later in the file',
  'duplicate-product-id': 'products: the id appears again later in the file',
  'duplicate-place-id': 'places: the id appears again later in the file',
  'missing-description': 'empty description (policy missingDescription: quarantine)',
};

/** A parsed number and the text it was read from (both SQL over the checked rows). */
export interface NumberField {
  value: string;
  raw: string;
}

/**
 * The rules quarantining poison numbers: non-finite values (inf, nan, 1e309) as `non-finite-number`;
 * values at or beyond `maxAbs` in size, and non-zero literals that underflow to 0 (1e-400), as
 * `number-out-of-range`. `extra` are computed values (quantity × price) checked for size only.
 */
export function numberRules(fields: readonly NumberField[], maxAbs: number, extra: readonly string[] = []): [string, QuarantineReason][] {
  if (fields.length === 0 && extra.length === 0) return [];
  const nonFinite = fields.map((f) => `coalesce(NOT isfinite(${f.value}), false)`);
  // An underflow: the value is 0 but the digits before any exponent are not all zeros.
  const big = [...fields.map((f) => f.value), ...extra].map((v) => `coalesce(abs(${v}) >= ${maxAbs}, false)`);
  const under = fields.map((f) => `(coalesce(${f.value} = 0, false) AND regexp_matches(${f.raw}, '^[^eE]*[1-9]'))`);
  const rules: [string, QuarantineReason][] = [];
  if (nonFinite.length) rules.push([`(${nonFinite.join(' OR ')})`, 'non-finite-number']);
  rules.push([`(${[...big, ...under].join(' OR ')})`, 'number-out-of-range']);
  return rules;
}

/** SQL for a TIMESTAMP literal of `d` (a Date). */
const tsLiteral = (d: Date) => `TIMESTAMP '${d.toISOString().replace('T', ' ').replace('Z', '')}'`;

/**
 * The condition of `implausible-date` on the parsed timestamp `ts`: before `minDate`, or more than
 * `maxDaysAhead` days after `now` (the import's wall-clock time). Negative and five-digit years fall
 * outside either bound.
 */
export function implausibleDateCondition(ts: string, bounds: { minDate: string; maxDaysAhead: number }, now = new Date()): string {
  const latest = new Date(now.getTime() + bounds.maxDaysAhead * 86400000);
  return `(${ts} < ${tsLiteral(new Date(`${bounds.minDate}T00:00:00Z`))} OR ${ts} > ${tsLiteral(latest)})`;
}

/** One kind of mess seen in the rows read, with the policy that decided what happened to it. */
export interface Observation {
  code: string;
  /** rows read that show it (a row may show several) */
  count: number;
  /** the policy in force */
  policy: string;
  /** what the policy did with those rows */
  action: string;
  /** the quarantine reason the policy gives these rows, or null when it keeps them */
  reason: QuarantineReason | null;
  /** of `count`: loaded, quarantined (under any reason) and already present: count = loaded + quarantined + alreadyPresent */
  loaded: number;
  quarantined: number;
  alreadyPresent: number;
  /** of `quarantined`: under `reason` itself; the others got an earlier reason (each quarantined row has one) */
  quarantinedAsReason: number;
}

/** What a check declares of an observation; the counts are added by the import. */
export type ObservationSpec = Pick<Observation, 'code' | 'policy' | 'action'> & { reason?: QuarantineReason | null };

/**
 * The counts of observation i (`expr`) over the checked rows, as aggregate columns `<prefix>o<i>` (all),
 * `ol` (loaded), `oq` (quarantined), `or` (quarantined under `reason`); already present = o − ol − oq.
 */
export function observationCounts(obsExprs: readonly string[], specs: readonly ObservationSpec[], prefix = ''): string[] {
  return obsExprs.flatMap((e, i) => {
    const reason = specs[i]?.reason;
    return [
      `count(*) FILTER (WHERE ${e}) AS ${prefix}o${i}`,
      `count(*) FILTER (WHERE (${e}) AND reason IS NULL AND NOT __present) AS ${prefix}ol${i}`,
      `count(*) FILTER (WHERE (${e}) AND reason IS NOT NULL AND NOT __present) AS ${prefix}oq${i}`,
      reason ? `count(*) FILTER (WHERE (${e}) AND reason = '${reason}' AND NOT __present) AS ${prefix}or${i}` : `0 AS ${prefix}or${i}`,
    ];
  });
}

/** Observations with their counts from a tally row holding o<i>, ol<i>, oq<i>, or<i> (see observationCounts). */
export function countedObservations(specs: readonly ObservationSpec[], tally: Record<string, unknown> | undefined): Observation[] {
  return specs.map((o, i) => {
    const n = (k: string) => Number(tally?.[`${k}${i}`] ?? 0);
    const count = n('o'), loaded = n('ol'), quarantined = n('oq');
    return { code: o.code, count, policy: o.policy, action: o.action, reason: o.reason ?? null, loaded, quarantined, alreadyPresent: count - loaded - quarantined, quarantinedAsReason: n('or') };
  });
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
