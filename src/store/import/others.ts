/**
 * Customers, events and products: parse and check the staged rows like transactions do, then load.
 * Customers and products are upserted by id (a later row wins); their extra columns become typed
 * columns of the table. Events keep extra columns inside `properties`.
 */
import { quoteIdent, quoteString } from '../../sql/quote.ts';
import type { Db } from '../workspace.ts';
import { idExpr, numberExpr, textExpr, type TraitColumn } from './columns.ts';
import { materialiseParsed, PARSED_WITH_OCC, reasonCase, createChecked, implausibleDateCondition, numberRules, type Observation, type QuarantineReason } from './checks.ts';
import { boundsOf, col, tsExpr, type CheckContext } from './transactions.ts';

type Checked = { observations: Omit<Observation, 'count'>[]; obsExprs: string[] };

/** Customers: one row per id; without an id column the record number is the id (with a warning). */
export async function checkCustomers(ctx: CheckContext, traits: TraitColumn[]): Promise<Checked> {
  const idc = col(ctx, 'customer_id');
  const id = idc ? idExpr(idc) : `CAST(${ctx.lineExpr} - 1 AS VARCHAR)`;
  const lost = lostTraitValues(traits);
  await ctx.db.run(`CREATE OR REPLACE TEMP VIEW __checked AS
    WITH p AS (SELECT rowid AS __rid, ${ctx.lineExpr} AS __line, ${ctx.rowKeyExpr} AS row_key, ${id} AS customer_id,
      ${traits.map((t, i) => `${t.expr} AS __t${i}`).join(', ') || 'NULL AS __none'}${lost.columns} FROM __raw),
    o AS (SELECT *, CAST(row_number() OVER (PARTITION BY row_key ORDER BY __line) AS INTEGER) AS row_occ,
      row_number() OVER (PARTITION BY customer_id ORDER BY __line DESC) AS __later FROM p)
    SELECT *, ${reasonCase([['customer_id IS NULL', 'missing-customer-id'], ['__later > 1', 'duplicate-customer-id']])} AS reason, false AS __present FROM o`);
  return {
    observations: [
      { code: 'missing-customer-id', policy: 'always', action: 'quarantined (a customer row needs an id)' },
      { code: 'repeated-customer-id', policy: 'later row wins', action: 'earlier rows quarantined as duplicate-customer-id' },
      ...lost.observations,
    ],
    obsExprs: ['customer_id IS NULL', 'customer_id IS NOT NULL AND __later > 1', ...lost.obsExprs],
  };
}

/**
 * Numeric trait values that are not finite (inf, nan, 1e309) are stored as missing, and the rows holding
 * one are counted as the observation `non-finite-trait-value` (the row itself loads: its other values are
 * good). Adds the raw text of each floating-point trait to the parsed rows as `__tr<i>`.
 */
function lostTraitValues(traits: TraitColumn[]): { columns: string; observations: Checked['observations']; obsExprs: string[] } {
  const floats = traits.map((t, i) => ({ t, i })).filter(({ t }) => /^(FLOAT|DOUBLE)/.test(t.type));
  if (floats.length === 0) return { columns: '', observations: [], obsExprs: [] };
  return {
    columns: floats.map(({ t, i }) => `, ${textExpr(t.source)} AS __tr${i}`).join(''),
    observations: [{ code: 'non-finite-trait-value', policy: 'always', action: 'the value is stored as missing; the row is loaded' }],
    obsExprs: [`(${floats.map(({ i }) => `(__tr${i} IS NOT NULL AND __t${i} IS NULL)`).join(' OR ')})`],
  };
}

/** Upsert checked customers; returns how many ids were new. */
export async function loadCustomers(db: Db, sourceId: number, traits: TraitColumn[]): Promise<void> {
  const names = traits.map((t) => quoteIdent(t.name));
  const cols = ['customer_id', 'source_id', 'first_seen', 'updated_at', ...names];
  const vals = ['customer_id', String(sourceId), 'NULL', 'now()::TIMESTAMP', ...traits.map((_, i) => `__t${i}`)];
  const updates = ['source_id = excluded.source_id', 'updated_at = excluded.updated_at', ...names.map((n) => `${n} = excluded.${n}`)];
  await db.run(`INSERT INTO customers (${cols.join(', ')}) SELECT ${vals.join(', ')} FROM __checked WHERE reason IS NULL
    ON CONFLICT (customer_id) DO UPDATE SET ${updates.join(', ')}`);
}

/** Events: type from the mapped column or a constant; extra columns join `properties`. */
export async function checkEvents(ctx: CheckContext, eventType: string | undefined): Promise<Checked> {
  const c = (f: string) => col(ctx, f);
  const typeExpr = c('type') ? textExpr(c('type')!) : quoteString(eventType ?? 'event');
  const props = c('properties') ? textExpr(c('properties')!) : 'CAST(NULL AS VARCHAR)';
  const extras = ctx.mapping.extra.map((name) => ctx.columns.find((x) => x.name === name)!);
  const extraJson = extras.length ? `to_json(struct_pack(${extras.map((x) => `${quoteIdent(x.name)} := ${textExpr(x)}`).join(', ')}))` : 'NULL';
  const rules: [string, QuarantineReason][] = [
    ['customer_id IS NULL', 'missing-customer-id'],
    ['ts_raw IS NULL', 'missing-date'],
    ['ts IS NULL', 'unparseable-date'],
    [implausibleDateCondition('ts', boundsOf(ctx.settings)), 'implausible-date'],
    ['type IS NULL', 'missing-event-type'],
    ['props_raw IS NOT NULL AND NOT coalesce(json_valid(props_raw), false)', 'invalid-json'],
  ];
  if (ctx.settings.policies.duplicateRows === 'quarantine') rules.push(['row_occ > 1', 'duplicate-row']);
  await materialiseParsed(ctx.db, `SELECT rowid AS __rid, ${ctx.lineExpr} AS __line, ${ctx.rowKeyExpr} AS row_key,
      ${idExpr(c('customer_id')!)} AS customer_id, ${textExpr(c('ts')!)} AS ts_raw, ${tsExpr(ctx, c('ts')!)} AS ts,
      ${typeExpr} AS type, ${props} AS props_raw, ${extraJson} AS __extra FROM __raw`);
  await createChecked(ctx.db, `SELECT o.*, ${reasonCase(rules)} AS reason FROM ${PARSED_WITH_OCC} o`, ctx.existingSql);
  return {
    observations: [
      { code: 'exact-duplicate-line', policy: `duplicateRows: ${ctx.settings.policies.duplicateRows}`, action: ctx.settings.policies.duplicateRows === 'quarantine' ? 'later copies quarantined' : 'kept' },
      { code: 'missing-customer-id', policy: 'always', action: 'quarantined (an event needs a customer)' },
    ],
    obsExprs: ['row_occ > 1', 'customer_id IS NULL'],
  };
}

export async function loadEvents(db: Db, sourceId: number): Promise<void> {
  // properties = the mapped JSON object merged with the extra columns (the mapped object wins on clashes).
  await db.run(`INSERT INTO events SELECT customer_id, ts, type,
      CASE WHEN props_raw IS NULL THEN __extra WHEN __extra IS NULL THEN props_raw::JSON ELSE json_merge_patch(__extra, props_raw::JSON) END,
      ${sourceId}, __line, row_key, row_occ
    FROM __checked WHERE reason IS NULL AND NOT __present`);
}

/** Products: upsert by product_id; extra columns become typed product columns. */
export async function checkProducts(ctx: CheckContext, traits: TraitColumn[]): Promise<Checked> {
  const c = (f: string) => col(ctx, f);
  const text = (f: string) => (c(f) ? textExpr(c(f)!) : 'CAST(NULL AS VARCHAR)');
  const lost = lostTraitValues(traits);
  const rules: [string, QuarantineReason][] = [['product_id IS NULL', 'missing-product-id'], ['price_raw IS NOT NULL AND price IS NULL', 'non-numeric-price']];
  if (c('price')) rules.push(...numberRules([{ value: 'price', raw: 'price_raw' }], boundsOf(ctx.settings).maxAbsNumber));
  rules.push(['__later > 1', 'duplicate-product-id']);
  await ctx.db.run(`CREATE OR REPLACE TEMP VIEW __checked AS
    WITH p AS (SELECT rowid AS __rid, ${ctx.lineExpr} AS __line, ${ctx.rowKeyExpr} AS row_key, ${idExpr(c('product_id')!)} AS product_id,
      ${text('name')} AS name, ${text('category')} AS category, ${text('department')} AS department,
      ${text('price')} AS price_raw, ${c('price') ? numberExpr(c('price')!) : 'CAST(NULL AS DOUBLE)'} AS price,
      ${traits.map((t, i) => `${t.expr} AS __t${i}`).join(', ') || 'NULL AS __none'}${lost.columns} FROM __raw),
    o AS (SELECT *, CAST(row_number() OVER (PARTITION BY row_key ORDER BY __line) AS INTEGER) AS row_occ,
      row_number() OVER (PARTITION BY product_id ORDER BY __line DESC) AS __later FROM p)
    SELECT *, ${reasonCase(rules)} AS reason, false AS __present FROM o`);
  return {
    observations: [{ code: 'repeated-product-id', policy: 'later row wins', action: 'earlier rows quarantined as duplicate-product-id' }, ...lost.observations],
    obsExprs: ['product_id IS NOT NULL AND __later > 1', ...lost.obsExprs],
  };
}

export async function loadProducts(db: Db, sourceId: number, traits: TraitColumn[]): Promise<void> {
  const names = traits.map((t) => quoteIdent(t.name));
  const cols = ['product_id', 'name', 'category', 'department', 'price', 'source_id', ...names];
  const vals = ['product_id', 'name', 'category', 'department', 'price', String(sourceId), ...traits.map((_, i) => `__t${i}`)];
  const updates = cols.slice(1).map((n) => `${n} = excluded.${n}`);
  await db.run(`INSERT INTO products (${cols.join(', ')}) SELECT ${vals.join(', ')} FROM __checked WHERE reason IS NULL
    ON CONFLICT (product_id) DO UPDATE SET ${updates.join(', ')}`);
}
