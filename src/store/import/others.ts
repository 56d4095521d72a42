/**
 * Customers, events and products: parse and check the staged rows like transactions do, then load.
 * Customers and products are upserted by id (a later row wins); their extra columns become typed
 * columns of the table. Events keep extra columns inside `properties`.
 */
import { quoteIdent, quoteString } from '../../sql/quote.ts';
import type { Db } from '../workspace.ts';
import { idExpr, numberExpr, textExpr, type TraitColumn } from './columns.ts';
import { materialiseParsed, PARSED_WITH_OCC, reasonCase, createChecked, implausibleDateCondition, numberRules, type ObservationSpec, type QuarantineReason } from './checks.ts';
import { boundsOf, col, tsExpr, type CheckContext } from './transactions.ts';

type Checked = { observations: ObservationSpec[]; obsExprs: string[] };

/** Customers: one row per id; without an id column the record number is the id (with a warning). */
export async function checkCustomers(ctx: CheckContext, traits: TraitColumn[]): Promise<Checked> {
  const idc = col(ctx, 'customer_id');
  const id = idc ? idExpr(idc) : `CAST(${ctx.lineExpr} - 1 AS VARCHAR)`;
  const lost = lostTraitValues(traits);
  await createWideChecked(ctx.db, traits.length, `WITH p AS (SELECT rowid AS __rid, ${ctx.lineExpr} AS __line, ${ctx.rowKeyExpr} AS row_key, ${id} AS customer_id,
      ${traitColumns(traits)}${lost.columns} FROM __raw),
    o AS (SELECT *, CAST(row_number() OVER (PARTITION BY row_key ORDER BY __line) AS INTEGER) AS row_occ,
      row_number() OVER (PARTITION BY customer_id ORDER BY __line DESC) AS __later FROM p)`,
  reasonCase([['customer_id IS NULL', 'missing-customer-id'], ['__later > 1', 'duplicate-customer-id']]));
  return {
    observations: [
      { code: 'missing-customer-id', policy: 'always', action: 'quarantined (a customer row needs an id)', reason: 'missing-customer-id' },
      { code: 'repeated-customer-id', policy: 'later row wins', action: 'earlier rows quarantined as duplicate-customer-id', reason: 'duplicate-customer-id' },
      ...lost.observations,
    ],
    obsExprs: ['customer_id IS NULL', 'customer_id IS NOT NULL AND __later > 1', ...lost.obsExprs],
  };
}

/**
 * With more traits than this a file is wide: the checked rows hold no trait values (they are computed from
 * __raw by the load), and are materialised once, narrow (see createWideChecked).
 */
const WIDE_TRAITS = 100;
const isWide = (traits: readonly TraitColumn[]) => traits.length > WIDE_TRAITS;
/** Trait columns written per statement for a wide file. */
const WIDE_BATCH = 250;

/** The typed trait values of a parsed row, `__t<i>`; none for a wide file. */
function traitColumns(traits: readonly TraitColumn[]): string {
  return isWide(traits) ? 'NULL AS __none' : traits.map((t, i) => `${t.expr} AS __t${i}`).join(', ') || 'NULL AS __none';
}

/**
 * Run `fn` with DuckDB's common-subexpression optimizer off: it is quadratic in the expressions of a
 * projection, and planning a statement over thousands of trait expressions took tens of seconds to minutes.
 */
async function withoutCse<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  const before = (await db.one<{ v: string }>("SELECT current_setting('disabled_optimizers') AS v"))?.v ?? '';
  await db.run(`SET disabled_optimizers = ${quoteString([before, 'common_subexpressions'].filter(Boolean).join(','))}`);
  try {
    return await fn();
  } finally {
    await db.run(`SET disabled_optimizers = ${quoteString(before)}`);
  }
}

/**
 * Create the view __checked as `${withParsed} SELECT *, <reason> AS reason, false AS __present FROM o`. For a
 * wide file the parsed rows `o` (narrow: no trait values) are computed once into a temporary table, so the
 * statements that read __checked do not plan the row key and the non-finite test over every column again.
 */
async function createWideChecked(db: Db, traits: number, withParsed: string, reason: string): Promise<void> {
  if (traits <= WIDE_TRAITS) {
    await db.run(`CREATE OR REPLACE TEMP VIEW __checked AS ${withParsed} SELECT *, ${reason} AS reason, false AS __present FROM o`);
    return;
  }
  await withoutCse(db, () => db.run(`CREATE OR REPLACE TEMP TABLE __wide_parsed AS ${withParsed} SELECT * FROM o`));
  await db.run(`CREATE OR REPLACE TEMP VIEW __checked AS SELECT *, ${reason} AS reason, false AS __present FROM __wide_parsed`);
}

/**
 * Insert the accepted rows of __checked into `table`: `fixed` columns from __checked, then each trait's
 * value. A wide file's trait values are computed here from __raw (by row id), planned without CSE.
 */
async function upsertChecked(db: Db, table: string, key: string, fixed: [string, string][], traits: readonly TraitColumn[], updates: string[]): Promise<void> {
  const names = traits.map((t) => quoteIdent(t.name));
  const cols = [...fixed.map(([c]) => c), ...names].join(', ');
  const conflict = `ON CONFLICT (${key}) DO UPDATE SET ${[...updates, ...names.map((n) => `${n} = excluded.${n}`)].join(', ')}`;
  if (!isWide(traits)) {
    await db.run(`INSERT INTO ${table} (${cols}) SELECT ${[...fixed.map(([, v]) => v), ...traits.map((_, i) => `__t${i}`)].join(', ')}
      FROM __checked WHERE reason IS NULL ${conflict}`);
    return;
  }
  // In batches of columns: one statement over thousands of columns ran out of memory (DuckDB keeps buffers
  // per column), so the first batch is upserted with the fixed columns and the others are updated after it.
  const values = (from: number, to: number) => `SELECT c.*, t.* FROM (SELECT * FROM __checked WHERE reason IS NULL) c
    JOIN (SELECT rowid AS __r, ${traits.slice(from, to).map((t, i) => `${t.expr} AS __t${from + i}`).join(', ')} FROM __raw) t ON t.__r = c.__rid`;
  // Not INSERT … ON CONFLICT: over a table of thousands of columns it ran out of memory where a plain
  // INSERT and UPDATEs do not. Existing ids are updated, then new ids inserted.
  await withoutCse(db, async () => {
    if (updates.length) {
      await db.run(`UPDATE ${table} SET ${updates.join(', ').replaceAll('excluded.', 's.')}
        FROM (SELECT ${fixed.map(([c, v]) => `${v} AS ${c}`).join(', ')} FROM __checked WHERE reason IS NULL) s WHERE ${table}.${key} = s.${key}`);
    }
    await db.run(`INSERT INTO ${table} (${fixed.map(([c]) => c).join(', ')})
      SELECT ${fixed.map(([, v]) => v).join(', ')} FROM __checked WHERE reason IS NULL AND ${key} NOT IN (SELECT ${key} FROM ${table})`);
    for (let from = 0; from < traits.length; from += WIDE_BATCH) {
      const batch = names.slice(from, from + WIDE_BATCH);
      await db.run(`UPDATE ${table} SET ${batch.map((n, i) => `${n} = s.__t${from + i}`).join(', ')}
        FROM (${values(from, from + WIDE_BATCH)}) s WHERE ${table}.${key} = s.${key}`);
    }
  });
}

/**
 * Numeric trait values that are not finite (inf, nan, 1e309) are stored as missing, and the rows holding
 * one are counted as the observation `non-finite-trait-value` (the row itself loads: its other values are
 * good). Adds the raw text of each floating-point trait to the parsed rows as `__tr<i>` (a wide file: one
 * flag `__lost` per row, tested on the raw values, as its parsed rows hold no trait values).
 */
function lostTraitValues(traits: TraitColumn[]): { columns: string; observations: Checked['observations']; obsExprs: string[] } {
  const floats = traits.map((t, i) => ({ t, i })).filter(({ t }) => /^(FLOAT|DOUBLE)/.test(t.type));
  if (floats.length === 0) return { columns: '', observations: [], obsExprs: [] };
  const observations: Checked['observations'] = [{ code: 'non-finite-trait-value', policy: 'always', action: 'the value is stored as missing; the row is loaded' }];
  if (isWide(traits)) {
    return { columns: `, (${floats.map(({ t }) => `(${textExpr(t.source)} IS NOT NULL AND ${t.expr} IS NULL)`).join(' OR ')}) AS __lost`, observations, obsExprs: ['__lost'] };
  }
  return {
    columns: floats.map(({ t, i }) => `, ${textExpr(t.source)} AS __tr${i}`).join(''),
    observations,
    obsExprs: [`(${floats.map(({ i }) => `(__tr${i} IS NOT NULL AND __t${i} IS NULL)`).join(' OR ')})`],
  };
}

/** Upsert checked customers; returns how many ids were new. */
export async function loadCustomers(db: Db, sourceId: number, traits: TraitColumn[]): Promise<void> {
  await upsertChecked(db, 'customers', 'customer_id',
    [['customer_id', 'customer_id'], ['source_id', String(sourceId)], ['first_seen', 'NULL'], ['updated_at', 'now()::TIMESTAMP']],
    traits, ['source_id = excluded.source_id', 'updated_at = excluded.updated_at']);
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
      { code: 'exact-duplicate-line', policy: `duplicateRows: ${ctx.settings.policies.duplicateRows}`, action: ctx.settings.policies.duplicateRows === 'quarantine' ? 'later copies quarantined' : 'kept', reason: ctx.settings.policies.duplicateRows === 'quarantine' ? 'duplicate-row' : null },
      { code: 'missing-customer-id', policy: 'always', action: 'quarantined (an event needs a customer)', reason: 'missing-customer-id' },
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
  await createWideChecked(ctx.db, traits.length, `WITH p AS (SELECT rowid AS __rid, ${ctx.lineExpr} AS __line, ${ctx.rowKeyExpr} AS row_key, ${idExpr(c('product_id')!)} AS product_id,
      ${text('name')} AS name, ${text('category')} AS category, ${text('department')} AS department,
      ${text('price')} AS price_raw, ${c('price') ? numberExpr(c('price')!) : 'CAST(NULL AS DOUBLE)'} AS price,
      ${traitColumns(traits)}${lost.columns} FROM __raw),
    o AS (SELECT *, CAST(row_number() OVER (PARTITION BY row_key ORDER BY __line) AS INTEGER) AS row_occ,
      row_number() OVER (PARTITION BY product_id ORDER BY __line DESC) AS __later FROM p)`, reasonCase(rules));
  return {
    observations: [{ code: 'repeated-product-id', policy: 'later row wins', action: 'earlier rows quarantined as duplicate-product-id', reason: 'duplicate-product-id' }, ...lost.observations],
    obsExprs: ['product_id IS NOT NULL AND __later > 1', ...lost.obsExprs],
  };
}

export async function loadProducts(db: Db, sourceId: number, traits: TraitColumn[]): Promise<void> {
  const fixed: [string, string][] = [['product_id', 'product_id'], ...['name', 'category', 'department', 'price'].map((n): [string, string] => [n, n]), ['source_id', String(sourceId)]];
  await upsertChecked(db, 'products', 'product_id', fixed, traits, fixed.slice(1).map(([n]) => `${n} = excluded.${n}`));
}
