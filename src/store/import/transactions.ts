/**
 * Transactions: parse the staged rows into canonical columns, decide each row's quarantine reason
 * under the import policies, and record the observations the report counts.
 */
import { quoteIdent, quoteString } from '../../sql/quote.ts';
import { DEFAULT_BOUNDS, type ImportBounds, type ImportSettings } from '../config.ts';
import type { Db } from '../workspace.ts';
import { snakeCase } from '../../core/schema.ts';
import { idExpr, numberExpr, textExpr } from './columns.ts';
import { createChecked, implausibleDateCondition, numberOccurrences, numberRules, reasonCase, type NumberField, type ObservationSpec, type QuarantineReason } from './checks.ts';
import { timestampExpr } from './dates.ts';
import type { Mapping } from './mapping.ts';
import type { StagedColumn } from './stage.ts';

export interface CheckContext {
  db: Db;
  columns: StagedColumn[];
  mapping: Mapping;
  settings: ImportSettings;
  dateFormat: string;
  lineExpr: string;
  /** SQL for the row identity hash over all raw columns (customers, products, events; transactions key by canonical values) */
  rowKeyExpr: string;
  /** SQL giving (row_key, row_occ) of rows already in the warehouse for this kind, or null */
  existingSql: string | null;
}

/** The canonical UTC timestamp of a staged column under the detected format and time zone. */
export function tsExpr(ctx: CheckContext, c: StagedColumn): string {
  return timestampExpr(ctx.dateFormat === 'typed' ? quoteIdent(c.name) : textExpr(c), ctx.dateFormat, ctx.settings.timezone);
}

/** The plausibility bounds in force (the defaults for any a caller left out). */
export const boundsOf = (settings: ImportSettings): ImportBounds => ({ ...DEFAULT_BOUNDS, ...settings.policies });

export const col = (ctx: Pick<CheckContext, 'columns' | 'mapping'>, field: string): StagedColumn | undefined => {
  const name = ctx.mapping.fields[field];
  return name === undefined ? undefined : ctx.columns.find((c) => c.name === name);
};

/** How a transactions file reads: the mapped columns and the cancellation marker. */
export interface TransactionShape {
  columns: StagedColumn[];
  mapping: Mapping;
  settings: ImportSettings;
}

/** The parsed fields computed while the file is read (stored in __raw as `__d_<field>`). */
const DERIVED_FIELDS = ['customer_id', 'order_id', 'product_id', 'quantity', 'unit_price', 'amount_p'] as const;

/** Canonical text fields of a line that take part in its identity (trimmed, missing tokens NULL). */
const KEY_TEXT_FIELDS = ['line_no', 'description', 'category', 'department', 'channel', 'coupon', 'currency'] as const;

/**
 * A line's identity without its timestamp: a hash of its canonical values after parsing, not of the
 * source's columns, so that the same line exported under other column names or in another format (a
 * Parquet double 2.55 and the CSV text "2.55", a float id 13085.0 and "13085", the text `nan` and an
 * empty cell) has the same key. Numbers are hashed as doubles (`+ 0.0` makes -0 equal 0), ids and text
 * trimmed; columns that are not canonical fields count by their snake_case name and text value
 * (numbers as doubles), and an empty one not at all, so a newer export that adds a column still matches.
 * The timestamp is added once its format is known (see addTimestampToKey).
 */
export function lineKeyExpr(s: TransactionShape): string {
  const c = (f: string) => col(s, f);
  const id = (f: string) => (c(f) ? idExpr(c(f)!) : 'CAST(NULL AS VARCHAR)');
  const num = (f: string) => (c(f) ? `(${numberExpr(c(f)!)} + 0.0)` : 'CAST(NULL AS DOUBLE)');
  const text = (x: StagedColumn) => `nullif(trim(${textExpr(x)}), '')`;
  const textField = (f: string) => (c(f) ? text(c(f)!) : 'CAST(NULL AS VARCHAR)');
  const extras = s.mapping.extra
    .map((name) => s.columns.find((x) => x.name === name)!)
    .map((x) => ({ name: snakeCase(x.name), x }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, x }) => {
      const v = text(x);
      return `(${quoteString(`${name}=`)} || coalesce(CAST(TRY_CAST(${v} AS DOUBLE) AS VARCHAR), ${v}))`;
    });
  const parts = [
    id('customer_id'), id('order_id'), id('product_id'), num('quantity'), num('unit_price'), num('amount'),
    ...KEY_TEXT_FIELDS.map(textField),
    extras.length ? `concat_ws(chr(31), ${extras.join(', ')})` : "''",
  ];
  return `hash(${parts.join(', ')})`;
}

/**
 * Complete the line keys in __raw with the parsed UTC timestamp (`tsSql`, over __raw), so a timestamp
 * read from text and one stored typed give the same key.
 */
export async function addTimestampToKey(db: Db, tsSql: string): Promise<void> {
  await db.run(`UPDATE __raw SET __d_row_key = hash(__d_row_key, ${tsSql})`);
}

/**
 * The columns parsed in the same pass as the read: the line key over the canonical values (without the
 * timestamp, see lineKeyExpr), ids, numbers and the cancellation marker, each named `__d_<field>`, and
 * `row_occ` (numbered afterwards).
 */
export function deriveTransactionColumns(s: TransactionShape): string[] {
  const c = (f: string) => col(s, f);
  const id = (f: string) => (c(f) ? idExpr(c(f)!) : 'CAST(NULL AS VARCHAR)');
  const num = (f: string) => (c(f) ? numberExpr(c(f)!) : 'CAST(NULL AS DOUBLE)');
  const exprs: Record<(typeof DERIVED_FIELDS)[number], string> = {
    customer_id: id('customer_id'),
    order_id: id('order_id'),
    product_id: id('product_id'),
    quantity: num('quantity'),
    unit_price: num('unit_price'),
    amount_p: num('amount'),
  };
  const prefix = s.settings.cancellationPrefix;
  const marker = prefix !== '' && c('order_id') ? `coalesce(starts_with(${id('order_id')}, ${quoteString(prefix)}), false)` : 'false';
  return [
    `${lineKeyExpr(s)} AS __d_row_key`,
    ...DERIVED_FIELDS.map((f) => `${exprs[f]} AS __d_${f}`),
    `${marker} AS __d_marker`,
    'CAST(1 AS INTEGER) AS row_occ',
  ];
}

/**
 * Create __checked for transactions over __raw (read with deriveTransactionColumns). Returns the
 * observation queries to count afterwards.
 */
export async function checkTransactions(ctx: CheckContext): Promise<{ observations: ObservationSpec[]; obsExprs: string[] }> {
  const { settings } = ctx;
  const pol = settings.policies;
  const c = (f: string) => col(ctx, f);
  const text = (f: string) => (c(f) ? textExpr(c(f)!) : 'CAST(NULL AS VARCHAR)');
  const tsCol = c('ts')!;
  const prefix = settings.cancellationPrefix;
  const extras = ctx.mapping.extra.map((name, i) => `${textExpr(ctx.columns.find((x) => x.name === name)!)} AS __x${i}`);
  const parsed = [
    `rowid AS __rid`,
    `${ctx.lineExpr} AS __line`,
    `__d_row_key AS row_key`,
    'row_occ',
    ...DERIVED_FIELDS.map((f) => `__d_${f} AS ${f}`),
    `${text('ts')} AS ts_raw`,
    `${tsExpr(ctx, tsCol)} AS ts`,
    `${text('amount')} AS amount_raw`,
    `${text('quantity')} AS qty_raw`,
    `${text('unit_price')} AS price_raw`,
    `TRY_CAST(${text('line_no')} AS INTEGER) AS line_no`,
    ...['description', 'category', 'department', 'channel', 'coupon', 'currency'].map((f) => `${text(f)} AS ${f}`),
    '__d_marker AS __marker',
    ...extras,
  ];
  const hasAmount = c('amount') !== undefined;
  const hasQtyPrice = c('quantity') !== undefined && c('unit_price') !== undefined;
  const amountExpr = hasAmount ? 'amount_p' : hasQtyPrice ? 'quantity * unit_price' : 'CAST(NULL AS DOUBLE)';
  const negative = `(coalesce(quantity < 0, false) OR (quantity IS NULL AND coalesce(${amountExpr} < 0, false)))`;
  const rules: [string, QuarantineReason][] = [];
  if (pol.missingCustomerId === 'quarantine') rules.push(['customer_id IS NULL', 'missing-customer-id']);
  const bounds = boundsOf(settings);
  rules.push(['ts_raw IS NULL', 'missing-date'], ['ts IS NULL', 'unparseable-date'], [implausibleDateCondition('ts', bounds), 'implausible-date']);
  if (c('quantity')) rules.push(['qty_raw IS NOT NULL AND quantity IS NULL', 'non-numeric-quantity']);
  if (c('unit_price')) rules.push(['price_raw IS NOT NULL AND unit_price IS NULL', 'non-numeric-price']);
  if (hasAmount) rules.push(['amount_raw IS NOT NULL AND amount_p IS NULL', 'non-numeric-amount']);
  // Poison numbers (inf, 1e309, 1e15, 1e-400) load as values that break every analysis afterwards.
  const numbers: NumberField[] = [];
  if (c('quantity')) numbers.push({ value: 'quantity', raw: 'qty_raw' });
  if (c('unit_price')) numbers.push({ value: 'unit_price', raw: 'price_raw' });
  if (hasAmount) numbers.push({ value: 'amount_p', raw: 'amount_raw' });
  rules.push(...numberRules(numbers, bounds.maxAbsNumber, !hasAmount && hasQtyPrice ? ['quantity * unit_price'] : []));
  if (hasAmount) rules.push(['amount_raw IS NULL', 'missing-amount']);
  else if (hasQtyPrice) rules.push(['quantity IS NULL OR unit_price IS NULL', 'missing-amount']);
  if (pol.negativePrice === 'quarantine') rules.push(['unit_price < 0', 'negative-price']);
  if (pol.zeroPrice === 'quarantine') rules.push(['unit_price = 0', 'zero-price']);
  if (pol.unmarkedNegativeQuantity === 'quarantine') rules.push([`${negative} AND NOT __marker`, 'unmarked-negative-quantity']);
  // Without a quantity column a repeated line is most likely the item bought again (two of it in the basket):
  // loaded as a line of its own unless repeatsWithoutQuantity says quarantine.
  const repeatsAreBuys = c('quantity') === undefined && pol.repeatsWithoutQuantity === 'keep';
  if (pol.duplicateRows === 'quarantine' && !repeatsAreBuys) rules.push(['row_occ > 1', 'duplicate-row']);
  if (pol.missingDescription === 'quarantine' && c('description')) rules.push(['description IS NULL', 'missing-description']);
  const isReturn = pol.unmarkedNegativeQuantity === 'return' ? `(__marker OR ${negative})` : '__marker';
  await addTimestampToKey(ctx.db, tsExpr(ctx, tsCol));
  await numberOccurrences(ctx.db, '__raw', '__d_row_key');
  await createChecked(ctx.db, `SELECT o.*, ${reasonCase(rules)} AS reason, ${isReturn} AS is_return, ${amountExpr} AS amount
    FROM (SELECT ${parsed.join(',\n      ')} FROM __raw) o`, ctx.existingSql, { table: '__raw', key: '__d_row_key', rid: 'rowid' });
  const observations: ObservationSpec[] = [];
  const obsExprs: string[] = [];
  const add = (code: string, expr: string, policy: string, action: string, reason: QuarantineReason | null = null) => {
    observations.push({ code, policy, action, reason });
    obsExprs.push(expr);
  };
  const q = (quarantined: boolean, reason: QuarantineReason) => (quarantined ? reason : null);
  if (repeatsAreBuys) {
    add('repeated-line-without-quantity', 'row_occ > 1', 'repeatsWithoutQuantity: keep', 'loaded as lines of their own: with no quantity column, a repeated line is the item bought again');
  } else {
    add('exact-duplicate-line', 'row_occ > 1', `duplicateRows: ${pol.duplicateRows}`, pol.duplicateRows === 'quarantine' ? 'later copies quarantined as duplicate-row' : 'kept', q(pol.duplicateRows === 'quarantine', 'duplicate-row'));
  }
  add('missing-customer-id', 'customer_id IS NULL', `missingCustomerId: ${pol.missingCustomerId}`, pol.missingCustomerId === 'quarantine' ? 'quarantined' : 'kept as anonymous (no customer), excluded from customer analyses', q(pol.missingCustomerId === 'quarantine', 'missing-customer-id'));
  if (c('order_id') && prefix !== '') add('cancellation-line', '__marker', `cancellationPrefix: "${prefix}"`, 'kept with is_return = true (unless quarantined for another reason)');
  if (c('unit_price')) {
    add('zero-price', 'unit_price = 0', `zeroPrice: ${pol.zeroPrice}`, pol.zeroPrice === 'keep' ? 'kept (free items, amount 0)' : 'quarantined', q(pol.zeroPrice === 'quarantine', 'zero-price'));
    add('negative-price', 'unit_price < 0', `negativePrice: ${pol.negativePrice}`, pol.negativePrice === 'keep' ? 'kept' : 'quarantined', q(pol.negativePrice === 'quarantine', 'negative-price'));
    add('zero-or-negative-price', 'unit_price <= 0', 'zeroPrice / negativePrice', 'see the two lines above');
  }
  add('unmarked-negative-quantity', `${negative} AND NOT __marker`, `unmarkedNegativeQuantity: ${pol.unmarkedNegativeQuantity}`,
    pol.unmarkedNegativeQuantity === 'quarantine' ? 'quarantined (stock adjustments)' : pol.unmarkedNegativeQuantity === 'return' ? 'kept as returns' : 'kept as they are',
    q(pol.unmarkedNegativeQuantity === 'quarantine', 'unmarked-negative-quantity'));
  if (c('description')) add('missing-description', 'description IS NULL', `missingDescription: ${pol.missingDescription}`, pol.missingDescription === 'keep' ? 'kept' : 'quarantined', q(pol.missingDescription === 'quarantine', 'missing-description'));
  return { observations, obsExprs };
}

/** Move the accepted rows of __checked into transactions; extra columns go to `attributes`. */
export async function loadTransactions(db: Db, sourceId: number, lineLevelExtras: readonly { index: number; name: string }[]): Promise<void> {
  const attrs = lineLevelExtras.length
    ? `to_json(struct_pack(${lineLevelExtras.map((x) => `${quoteIdent(x.name)} := __x${x.index}`).join(', ')}))`
    : 'NULL';
  // Row order in the table carries no meaning (source_line keeps the file order), so the insert may
  // write row groups in parallel.
  await db.run('SET preserve_insertion_order = false');
  try {
    await insertTransactions(db, sourceId, attrs);
  } finally {
    await db.run('SET preserve_insertion_order = true');
  }
}

async function insertTransactions(db: Db, sourceId: number, attrs: string): Promise<void> {
  await db.run(`INSERT INTO transactions
    SELECT customer_id,
      coalesce(order_id, customer_id || '@' || strftime(ts, '%Y-%m-%dT%H:%M:%S'), '@' || strftime(ts, '%Y-%m-%dT%H:%M:%S')),
      ts, CASE WHEN is_return THEN -abs(amount) ELSE amount END, line_no, product_id, description, category, department,
      quantity, unit_price, channel, coupon, currency, is_return, ${attrs}, ${sourceId}, __line, row_key, row_occ
    FROM __checked WHERE reason IS NULL AND NOT __present`);
}
