/**
 * SQL expressions over staged source columns: missing-value tokens, ids, text, numbers, and the
 * type inference that turns extra columns into typed trait columns.
 */
import { snakeCase } from '../../core/schema.ts';
import { quoteIdent, quoteString } from '../../sql/quote.ts';
import type { Db } from '../workspace.ts';
import type { StagedColumn } from './stage.ts';

export const isText = (type: string) => type === 'VARCHAR';
const isNumeric = (type: string) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/.test(type);
const isFloat = (type: string) => /^(FLOAT|DOUBLE|DECIMAL)/.test(type);

/** Define the `__nz` macro: trimmed text, or NULL for the configured missing-value tokens. */
export async function defineNullMacro(db: Db, nullValues: readonly string[]): Promise<void> {
  const tokens = nullValues.map((v) => v.trim()).filter((v) => v !== '');
  const longest = Math.max(0, ...tokens.map((t) => t.length));
  // The length test lets most values skip the list; blank and whitespace-only cells are always missing.
  // list_contains, not IN: DuckDB turns a long IN list into a join, and a join in the statement that stages
  // a file loses the rows' file order (their rowids, hence line numbers and which copy is the duplicate).
  const inList = tokens.length ? `WHEN length(x) <= ${longest + 2} AND list_contains([${tokens.map(quoteString).join(', ')}], trim(x)) THEN NULL ` : '';
  await db.run(`CREATE OR REPLACE TEMP MACRO __nz(x) AS CASE ${inList}WHEN trim(x) = '' THEN NULL ELSE trim(x) END`);
}

/** The column as nullable text with missing-value tokens turned into NULL. */
export function textExpr(c: StagedColumn, alias = ''): string {
  const ref = `${alias}${quoteIdent(c.name)}`;
  // CSV cells arrive with missing-value tokens already NULL; other readers need the macro.
  if (isText(c.type)) return c.nullsRead ? ref : `__nz(${ref})`;
  if (/^(STRUCT|MAP|LIST)|\[\]$/.test(c.type)) return `CAST(to_json(${ref}) AS VARCHAR)`;
  return `__nz(CAST(${ref} AS VARCHAR))`;
}

/** An identifier: whole-number floats (13085.0 from Parquet) lose their ".0". */
export function idExpr(c: StagedColumn, alias = ''): string {
  const ref = `${alias}${quoteIdent(c.name)}`;
  if (isFloat(c.type)) return `CASE WHEN ${ref} = floor(${ref}) THEN CAST(CAST(${ref} AS HUGEINT) AS VARCHAR) ELSE CAST(${ref} AS VARCHAR) END`;
  if (isNumeric(c.type)) return `CAST(${ref} AS VARCHAR)`;
  return c.nullsRead ? `nullif(trim(${ref}), '')` : textExpr(c, alias);
}

/**
 * What a number is written as: an optional sign and currency sign, digits with an optional decimal point,
 * an optional exponent; or inf, infinity, nan (read so that they are quarantined as non-finite rather
 * than as non-numeric). DuckDB also reads `1_000` as 1000, which nobody writes on purpose: not a number here.
 */
const NUMBER_RE = String.raw`'^\s*[-+]?[$€£]?\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$|^\s*[-+]?(inf|infinity|nan)\s*$'`;
/** The same without a currency sign: a trait column is numeric when every value matches. */
const PLAIN_NUMBER_RE = String.raw`'^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$|^\s*[-+]?(inf|infinity|nan)\s*$'`;

/** True (SQL) when the text `x` is written as a plain number (see NUMBER_RE). */
export const isNumberText = (x: string, currency = true) => `regexp_matches(${x}, ${currency ? NUMBER_RE : PLAIN_NUMBER_RE}, 'i')`;

/** A DOUBLE that is NULL unless finite: non-finite trait values become missing. */
export const finiteOrNull = (x: string) => `(CASE WHEN isfinite(${x}) THEN ${x} END)`;

/** A number: typed columns cast, text parsed (a leading currency sign is allowed); NULL when unreadable. */
export function numberExpr(c: StagedColumn, alias = ''): string {
  const ref = `${alias}${quoteIdent(c.name)}`;
  if (isNumeric(c.type)) return `CAST(${ref} AS DOUBLE)`;
  const t = textExpr(c, alias);
  return `CASE WHEN ${isNumberText(t)} THEN coalesce(TRY_CAST(${t} AS DOUBLE), TRY_CAST(regexp_replace(${t}, '^\\s*([-+]?)[$€£]', '\\1') AS DOUBLE)) END`;
}

/** The source columns of a staged row as one JSON object (the quarantine's raw values). */
export function rawRecordExpr(columns: readonly StagedColumn[], alias = ''): string {
  return `to_json({${columns.map((c) => `${quoteString(c.name)}: ${alias}${quoteIdent(c.name)}`).join(', ')}})`;
}

/** Warehouse column names for source columns: snake_case, `trait_` before a reserved name, numbered when repeated. */
export function traitNames(columns: string[], reserved: Set<string>): string[] {
  const seen = new Set<string>();
  return columns.map((c) => {
    let n = snakeCase(c);
    if (reserved.has(n)) n = `trait_${n}`;
    let k = n;
    for (let i = 2; seen.has(k); i++) k = `${n}_${i}`;
    seen.add(k);
    return k;
  });
}

export interface TraitColumn {
  source: StagedColumn;
  /** snake_case name in the warehouse */
  name: string;
  /** DuckDB type chosen for it */
  type: string;
  /** SQL giving the typed value from __raw */
  expr: string;
}

const BOOL_WORDS = "('true','false','yes','no','y','n','t','f')";
/** inferTraits: about this many cells (rows × columns) per query, and at most this many columns. */
const CELLS_PER_BATCH = 4_000_000;
const MAX_BATCH_COLUMNS = 500;

/**
 * Choose a type for each extra column from all its values: BIGINT, DOUBLE, BOOLEAN (true/false,
 * yes/no), DATE, TIMESTAMP, else VARCHAR. Text with a leading zero ("01234") stays text. Every value
 * reads in the chosen type, so nothing is lost to the cast.
 */
export async function inferTraits(
  db: Db,
  columns: readonly StagedColumn[],
  names: readonly string[],
  /** where the values are read in the returned `expr` (default: the staged column in __raw); text */
  valueOf?: (c: StagedColumn, k: number) => string,
): Promise<TraitColumn[]> {
  const text = columns.filter((c) => isText(c.type));
  const counts: Record<string, number> = {};
  // Each test runs over the distinct values of a column, which are few for most traits. The columns are
  // tested together, unpivoted into (column, value) pairs, in batches of about CELLS_PER_BATCH cells: one
  // query per column made a 5,000-column file take minutes.
  const rows = text.length ? Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM __raw'))?.n ?? 0) : 0;
  const perBatch = Math.max(1, Math.min(MAX_BATCH_COLUMNS, Math.floor(CELLS_PER_BATCH / Math.max(1, rows))));
  for (let from = 0; from < text.length; from += perBatch) {
    const batch = text.slice(from, from + perBatch);
    const v = 'v';
    const found = await db.all<Record<string, number>>(`SELECT CAST(k AS INTEGER) AS k,
        count(${v}) AS n,
        count(*) FILTER (WHERE regexp_full_match(${v}, '[-+]?[0-9]{1,18}')) AS i,
        count(TRY_CAST(${v} AS DOUBLE)) FILTER (WHERE ${isNumberText(v, false)}) AS d,
        count(*) FILTER (WHERE lower(${v}) IN ${BOOL_WORDS}) AS b,
        count(TRY_CAST(${v} AS DATE)) FILTER (WHERE length(${v}) = 10) AS t,
        count(TRY_CAST(${v} AS TIMESTAMP)) FILTER (WHERE length(${v}) >= 10) AS s,
        count(*) FILTER (WHERE regexp_matches(${v}, '^0[0-9]')) AS z
      FROM (SELECT DISTINCT k, ${v} FROM (UNPIVOT (SELECT ${batch.map((c, j) => `${textExpr(c)} AS "${from + j}"`).join(', ')} FROM __raw)
        ON COLUMNS(*) INTO NAME k VALUE ${v}))
      GROUP BY k`);
    for (const r of found) for (const key of ['n', 'i', 'd', 'b', 't', 's', 'z']) counts[`${key}${r.k}`] = Number(r[key]);
  }
  return columns.map((c, k) => {
    const name = names[k]!;
    if (!isText(c.type)) {
      const nested = /^(STRUCT|MAP|LIST)|\[\]$/.test(c.type);
      const type = nested ? 'JSON' : c.type;
      // valueOf gives text (textExpr of the column), so it is cast back to the column's own type
      const float = /^(FLOAT|DOUBLE)/.test(type);
      if (valueOf) return { source: c, name, type, expr: float ? finiteOrNull(`CAST(${valueOf(c, k)} AS ${type})`) : `CAST(${valueOf(c, k)} AS ${type})` };
      return { source: c, name, type, expr: nested ? `to_json(${quoteIdent(c.name)})` : float ? finiteOrNull(quoteIdent(c.name)) : quoteIdent(c.name) };
    }
    const i = text.indexOf(c);
    const n = counts[`n${i}`] ?? 0;
    const v = valueOf ? valueOf(c, k) : textExpr(c);
    const all = (key: string) => n > 0 && counts[`${key}${i}`] === n;
    if (all('i') && (counts[`z${i}`] ?? 0) === 0) return { source: c, name, type: 'BIGINT', expr: `CAST(${v} AS BIGINT)` };
    // inf, nan and overflowing literals (1e309) become missing: one bad cell does not poison every analysis.
    if (all('d') && (counts[`z${i}`] ?? 0) === 0) return { source: c, name, type: 'DOUBLE', expr: finiteOrNull(`CAST(${v} AS DOUBLE)`) };
    if (all('b')) return { source: c, name, type: 'BOOLEAN', expr: `(lower(${v}) IN ('true','yes','y','t'))` };
    if (all('t')) return { source: c, name, type: 'DATE', expr: `CAST(${v} AS DATE)` };
    if (all('s')) return { source: c, name, type: 'TIMESTAMP', expr: `CAST(${v} AS TIMESTAMP)` };
    return { source: c, name, type: 'VARCHAR', expr: v };
  });
}

/**
 * Add the trait columns to `table` (customers or products). A column that exists with another type
 * is widened to VARCHAR so both old and new values fit; returns warnings saying so.
 */
export async function ensureColumns(db: Db, table: string, traits: TraitColumn[]): Promise<string[]> {
  const warnings: string[] = [];
  const existing = new Map(
    (await db.all<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'`,
      [table],
    )).map((r) => [r.column_name, r.data_type]),
  );
  const added: TraitColumn[] = [];
  for (const t of traits) {
    const have = existing.get(t.name);
    if (have === undefined) {
      added.push(t);
      existing.set(t.name, t.type);
    } else if (have !== t.type && !(have.startsWith('DECIMAL') && t.type === 'DOUBLE')) {
      if (have !== 'VARCHAR') {
        await db.run(`ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(t.name)} TYPE VARCHAR`);
        warnings.push(`${table}.${t.name} was ${have} and now receives ${t.type} values: widened to VARCHAR`);
      }
      t.expr = `CAST(${t.expr} AS VARCHAR)`;
      t.type = 'VARCHAR';
    }
  }
  if (added.length > REBUILD_ABOVE) await addColumnsByRebuild(db, table, added);
  else for (const t of added) await db.run(`ALTER TABLE ${table} ADD COLUMN ${quoteIdent(t.name)} ${t.type}`);
  return warnings;
}

/**
 * More new columns than this are added by rebuilding the table. DuckDB takes one ALTER per column, and each
 * copies the table's whole definition (kept until the transaction commits): 5,000 new columns took minutes
 * and gigabytes. A rebuild copies the rows once, which costs more than a few ALTERs on a large table.
 */
const REBUILD_ABOVE = 100;

/** Add `columns` to `table` at once: a copy with them, the rows copied, the copy put in its place. */
async function addColumnsByRebuild(db: Db, table: string, columns: readonly TraitColumn[]): Promise<void> {
  const def = await db.one<{ sql: string }>(`SELECT sql FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main' AND NOT temporary`, [table]);
  // CREATE TABLE name(<columns and constraints>); the same with the new columns after them
  const body = def ? /^CREATE TABLE [^(]*\(([\s\S]*)\);?\s*$/.exec(def.sql)?.[1] : undefined;
  if (body === undefined) {
    for (const t of columns) await db.run(`ALTER TABLE ${table} ADD COLUMN ${quoteIdent(t.name)} ${t.type}`);
    return;
  }
  const have = (await db.all<{ column_name: string }>(
    `SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main' ORDER BY column_index`, [table],
  )).map((r) => quoteIdent(r.column_name));
  const wide = quoteIdent(`__${table}_wide`);
  await db.run(`DROP TABLE IF EXISTS ${wide}`);
  await db.run(`CREATE TABLE ${wide} (${body}, ${columns.map((t) => `${quoteIdent(t.name)} ${t.type}`).join(', ')})`);
  await db.run(`INSERT INTO ${wide} (${have.join(', ')}) SELECT ${have.join(', ')} FROM ${table}`);
  await db.run(`DROP TABLE ${table}`);
  await db.run(`ALTER TABLE ${wide} RENAME TO ${quoteIdent(table)}`);
}
