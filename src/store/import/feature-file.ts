/**
 * A feature file for `segmint cluster --input`: a CSV, Parquet or JSON file with one row per customer read
 * into a temporary table of the embedded DuckDB (files are parsed in DuckDB whatever the workspace's
 * engine), the id column as text, and a numeric column with blank cells made a number column with them
 * missing. The clustering itself then reads the table through IR (pipeline/cluster.ts).
 */
import { resolve } from 'node:path';
import { SegmintError } from '../../core/errors.ts';
import { quoteIdent, quoteString } from '../../sql/quote.ts';
import type { Db } from '../workspace.ts';
import { detectFormat } from './formats.ts';
import { grouped } from '../../core/numbers.ts';

/**
 * The CSV reader's buffer: 2 MiB, DuckDB's longest line (its default is 16 lines, 32 MiB, per buffer). Memory is dear
 * here the first time it is touched (a page fault, about 3 ms per MiB on this project's machines), and the big
 * buffers were fresh memory through the whole read: 1,000,000 × 9 columns (83 MB) read and sorted with 55,000 page
 * faults instead of 74,000, 1.3 s CPU instead of 1.6-1.8 s (issue #15). A line up to 2 MiB still reads.
 */
const CSV_BUFFER_BYTES = 2 * 1024 * 1024;

/**
 * Read `file` into the temporary table `table` of `db` (embedded DuckDB); returns a note per blank-celled column
 * read as numbers. `orderById`: the rows are stored in the text order of the id column (when the file has it), so
 * that a scan of the table reads them in that order.
 */
export async function loadFeatureFile(db: Db, file: string, idColumn: string, table: string, options: { orderById?: boolean } = {}): Promise<string[]> {
  if (db.dialect !== 'duckdb') throw new Error('loadFeatureFile: files are read in an embedded DuckDB');
  const path = resolve(file);
  const format = detectFormat(path);
  const reader = format === 'csv'
    ? `read_csv(${quoteString(path)}, header = true, types = {${quoteString(idColumn)}: 'VARCHAR'}, buffer_size = ${CSV_BUFFER_BYTES})`
    : format === 'parquet' ? `read_parquet(${quoteString(path)})`
    : format === 'json' || format === 'ndjson' ? `read_json_auto(${quoteString(path)})` : undefined;
  if (!reader) throw new SegmintError('unsupported-format', `--input ${file}: ${format} files cannot be clustered directly`, { hint: 'import it into a workspace, or save it as CSV or Parquet' });
  const create = (order: string) => db.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(table)} AS SELECT * FROM ${reader}${order}`);
  if (!options.orderById) await create('');
  else {
    // sorted by the id column straight away; only when that fails is the file described (without its id column the
    // rows are read as they are, and the caller says the column is missing): no DESCRIBE, which reads the file's
    // start once more, on the way that works
    try {
      await create(` ORDER BY CAST(${quoteIdent(idColumn)} AS VARCHAR)`);
    } catch (e) {
      // the read's own error unless the file reads and lacks the id column
      const cols = await db.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${reader})`).catch(() => null);
      if (!cols || cols.some((c) => c.column_name === idColumn)) throw e;
      await create('');
    }
  }
  return blanksAsMissing(db, idColumn, table);
}

/**
 * The rows of `table` (stored in the text order of `idColumn`, as `loadFeatureFile` with `orderById` stores them),
 * those with an id, and the ids that repeat the one before: equal ids are neighbours in that order, so the rows
 * with an id less these are its distinct ids. Each row paired with the next by a positional join (the table's
 * scan order; no hash of a million texts as count(DISTINCT) takes: a quarter of its time).
 */
export async function idStatsInIdOrder(db: Db, table: string, idColumn: string): Promise<{ n: number; present: number; distinct: number }> {
  const id = quoteIdent(idColumn), t = quoteIdent(table);
  const r = await db.one<{ n: unknown; present: unknown; repeated: unknown }>(`SELECT count(*) AS n, count(a.__id) AS present, count(*) FILTER (WHERE a.__id = b.__id) AS repeated
    FROM (SELECT CAST(${id} AS VARCHAR) AS __id FROM ${t}) a POSITIONAL JOIN (SELECT CAST(${id} AS VARCHAR) AS __id FROM ${t} OFFSET 1) b`);
  const present = Number(r?.present ?? 0);
  return { n: Number(r?.n ?? 0), present, distinct: present - Number(r?.repeated ?? 0) };
}

/**
 * A numeric column with blank cells (whitespace only: telco's TotalCharges is " " on 11 rows) is read as
 * text; blanks are missing values, so such a column becomes a number column with them NULL. Returns a
 * note per column converted.
 */
async function blanksAsMissing(db: Db, idColumn: string, table: string): Promise<string[]> {
  const described = await db.tableColumns(table);
  const text = described.filter((c) => c.kind === 'text' && c.name !== idColumn).map((c) => c.name);
  if (text.length === 0) return [];
  const counts = await db.one<Record<string, number>>(`SELECT ${text.map((c, i) => {
    const v = `trim(${quoteIdent(c)})`;
    return `count(*) FILTER (WHERE ${v} = '') AS b${i}, count(*) FILTER (WHERE ${v} <> '') AS f${i}, count(TRY_CAST(nullif(${v}, '') AS DOUBLE)) AS n${i}`;
  }).join(', ')} FROM ${quoteIdent(table)}`);
  const numeric = text.filter((_, i) => {
    const b = Number(counts?.[`b${i}`] ?? 0), f = Number(counts?.[`f${i}`] ?? 0), n = Number(counts?.[`n${i}`] ?? 0);
    return b > 0 && f > 0 && n === f;
  });
  if (numeric.length === 0) return [];
  await db.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(table)} AS SELECT * REPLACE (${numeric.map((c) => `TRY_CAST(nullif(trim(${quoteIdent(c)}), '') AS DOUBLE) AS ${quoteIdent(c)}`).join(', ')}) FROM ${quoteIdent(table)}`);
  return numeric.map((c) => {
    const b = Number(counts?.[`b${text.indexOf(c)}`] ?? 0);
    return `${c}: ${grouped(b)} blank cell${b === 1 ? '' : 's'} read as missing values (the column's other values are numbers)`;
  });
}
