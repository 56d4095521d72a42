/**
 * Stage a source file as the temp table `__raw`: one row per record in file order, every source
 * column kept as read (text files: all VARCHAR), plus the rows the CSV reader could not split
 * (`__rejects`, with their line numbers). Nothing is parsed or dropped here.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SegmintError } from '../../core/errors.ts';
import { quoteIdent, quoteString } from '../../sql/quote.ts';
import type { Db } from '../workspace.ts';
import { guessDelimiter, guessHeader, headerNames, headText, type FileFormat } from './formats.ts';

export interface StagedColumn {
  name: string;
  /** DuckDB type name as staged: VARCHAR for text files, the stored type for Parquet/JSON */
  type: string;
  /** true when the reader already turned missing-value tokens into NULL (CSV's nullstr) */
  nullsRead?: boolean;
}

export interface RejectedRecord {
  line: number;
  raw: string;
  error: string;
}

export interface Staged {
  columns: StagedColumn[];
  /** SQL expression (over __raw) giving each record's line number in the file (1-based) */
  lineExpr: string;
  /** records the reader could not split into the header's columns */
  rejects: RejectedRecord[];
  /** what the reader detected (delimiter, header, …), for the report */
  detected: Record<string, string | boolean>;
}

export interface StageOptions {
  format: FileFormat;
  /** CSV: force the delimiter (`,` `;` `\t` `|`) */
  delimiter?: string;
  /** CSV: whether the first line is a header (default: detected) */
  header?: boolean;
  /** column names for a file without a header */
  columnNames?: string[];
  /** XLSX: sheet name or 1-based index (default the first) */
  sheet?: string;
  /**
   * Columns computed from the source columns in the same pass as the read (parsed ids, numbers, row
   * keys), given the source columns; each expression names itself (`… AS __d_x`). They are stored in
   * __raw beside the source columns but are not listed in `Staged.columns`.
   */
  derive?: (columns: StagedColumn[]) => string[];
}

async function describe(db: Db, relation = '__raw'): Promise<StagedColumn[]> {
  const rows = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE ${relation}`);
  return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
}

/**
 * Read `source` (a table function call) into __raw in one pass: its columns, renamed to `names` when
 * given, followed by the derived columns. Returns the source columns.
 */
async function readInto(db: Db, source: string, opts: StageOptions, mark?: (c: StagedColumn) => StagedColumn, known?: StagedColumn[]): Promise<StagedColumn[]> {
  const described = known ?? (await describe(db, `SELECT * FROM ${source}`));
  const sel = renameSql(described, opts.columnNames) ?? '*';
  const inner = `SELECT ${sel} FROM ${source}`;
  const columns = (opts.columnNames ? described.map((c, i) => ({ ...c, name: opts.columnNames![i]! })) : described).map((c) => (mark ? mark(c) : c));
  const derived = opts.derive?.(columns) ?? [];
  await db.run(`CREATE OR REPLACE TEMP TABLE __raw AS SELECT *${derived.map((d) => `, ${d}`).join('')} FROM (${inner})`);
  return columns;
}

/** Add the derived columns to an already staged __raw (readers that stage in several steps). */
async function deriveInPlace(db: Db, columns: StagedColumn[], opts: StageOptions): Promise<void> {
  const derived = opts.derive?.(columns) ?? [];
  if (derived.length) await db.run(`CREATE OR REPLACE TEMP TABLE __raw AS SELECT *, ${derived.join(', ')} FROM __raw`);
}

function renameSql(columns: StagedColumn[], names: string[] | undefined): string | undefined {
  if (!names) return undefined;
  if (names.length !== columns.length) {
    throw new SegmintError('column-count-mismatch', `--columns names ${names.length} columns, but the file has ${columns.length}`, {
      hint: `give exactly ${columns.length} comma-separated names`,
    });
  }
  return names.map((n, i) => `${quoteIdent(columns[i]!.name)} AS ${quoteIdent(n)}`).join(', ');
}

async function applyNames(db: Db, names: string[] | undefined): Promise<void> {
  const cols = await describe(db);
  const sel = renameSql(cols, names);
  if (!sel) return;
  await db.run(`CREATE OR REPLACE TEMP TABLE __raw AS SELECT ${sel} FROM __raw`);
}

async function stageCsv(db: Db, path: string, opts: StageOptions, nullValues: readonly string[]): Promise<Staged> {
  const text = headText(path);
  const guessed = guessDelimiter(text);
  // DuckDB's sniffer is asked only when the first lines do not settle the delimiter and the header.
  const fromHead = opts.header ?? (opts.columnNames ? false : guessHeader(text, opts.delimiter ?? guessed ?? ','));
  const sniff = (opts.delimiter ?? guessed) !== undefined && fromHead !== undefined ? undefined : await db.one<{ Delimiter: string; HasHeader: boolean }>(
    `SELECT Delimiter, HasHeader FROM sniff_csv(${quoteString(path)}, sample_size = 20480)`,
  );
  const delim = opts.delimiter ?? guessed ?? sniff?.Delimiter ?? ',';
  const header = fromHead ?? sniff?.HasHeader ?? true;
  // When the header line settles the column names, they are given to the reader, which then skips its sniffer.
  const names = header ? headerNames(text, delim) : undefined;
  const args = [
    ...(names ? [`columns = {${names.map((n) => `${quoteString(n)}: 'VARCHAR'`).join(', ')}}`, 'auto_detect = false'] : []),
    `delim = ${quoteString(delim)}`,
    `header = ${header}`,
    `quote = '"'`,
    `escape = '"'`,
    'all_varchar = true',
    `nullstr = [${['', ' ', ...nullValues.filter((v) => v.trim() !== '')].map(quoteString).join(', ')}]`,
    'store_rejects = true',
    "rejects_table = '__rejects'",
    "rejects_scan = '__rejects_scan'",
    'max_line_size = 10000000',
  ];
  await db.run('DROP TABLE IF EXISTS __rejects');
  await db.run('DROP TABLE IF EXISTS __rejects_scan');
  const columns = await readInto(db, `read_csv(${quoteString(path)}, ${args.join(', ')})`, opts, (c) => ({ ...c, nullsRead: true }),
    names?.map((name) => ({ name, type: 'VARCHAR' })));
  const rej = await db.all<{ line: number; csv_line: string; error_type: string; error_message: string }>(
    'SELECT line, csv_line, error_type, error_message FROM __rejects ORDER BY line',
  );
  // Many errors can be reported for one line; a line is one rejected record.
  const byLine = new Map<number, RejectedRecord>();
  for (const r of rej) {
    if (!byLine.has(r.line)) byLine.set(r.line, { line: r.line, raw: r.csv_line ?? '', error: `${r.error_type}: ${r.error_message}` });
  }
  const rejects = [...byLine.values()];
  const headerLines = header ? 1 : 0;
  let lineExpr = `(rowid + ${1 + headerLines})`;
  if (rejects.length > 0) {
    // Rejected line j (1-based, sorted) at file line r_j has r_j - h - j good records before it, so it
    // precedes good record i (1-based) when r_j - j <= h + i - 1; that record sits at line h + i + (#such j).
    const values = rejects.map((r, j) => `(${r.line - (j + 1)})`).join(', ');
    await db.run(`CREATE OR REPLACE TEMP TABLE __reject_shift AS SELECT * FROM (VALUES ${values}) v(adj)`);
    lineExpr = `(rowid + ${1 + headerLines} + (SELECT count(*) FROM __reject_shift WHERE adj <= __raw.rowid + ${headerLines}))`;
  }
  return {
    columns,
    lineExpr,
    rejects,
    detected: { delimiter: delim === '\t' ? 'tab' : delim, header, quote: '"', newline: /\r\n/.test(text) ? '\\r\\n' : '\\n' },
  };
}

async function stageWhitespace(db: Db, path: string, opts: StageOptions): Promise<Staged> {
  // Fields separated by runs of blanks (CDNOW_master.txt): read whole lines, then split on whitespace.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE __lines AS SELECT string_split_regex(trim(line), '\\s+') AS f FROM read_csv(${quoteString(path)}, columns = {'line': 'VARCHAR'}, delim = '\\x01', quote = '', escape = '', header = false, auto_detect = false) WHERE trim(line) <> ''`,
  );
  const first = await db.one<{ f: string[] }>('SELECT f FROM __lines WHERE rowid = 0');
  const tokens = first?.f ?? [];
  const header = opts.header ?? (opts.columnNames ? false : tokens.every((t) => !/^-?[\d.]+$/.test(t)));
  const names = opts.columnNames ?? (header ? tokens : tokens.map((_, i) => `column${i}`));
  const sel = names.map((n, i) => `f[${i + 1}] AS ${quoteIdent(n)}`).join(', ');
  await db.run(`CREATE OR REPLACE TEMP TABLE __raw AS SELECT ${sel}, len(f) AS __nf FROM __lines ${header ? 'WHERE rowid > 0' : ''}`);
  // Records whose field count differs from the header are rejected like malformed CSV lines.
  const bad = await db.all<{ r: number; line: string }>(
    `SELECT rowid AS r, array_to_string(f, ' ') AS line FROM __lines WHERE len(f) <> ${names.length} ${header ? 'AND rowid > 0' : ''} ORDER BY rowid`,
  );
  await db.run(`DELETE FROM __raw WHERE __nf <> ${names.length}`);
  await db.run('CREATE OR REPLACE TEMP TABLE __raw AS SELECT * EXCLUDE (__nf) FROM __raw');
  const columns = await describe(db);
  await deriveInPlace(db, columns, opts);
  const rejects = bad.map((b) => ({ line: b.r + 1, raw: b.line, error: `expected ${names.length} fields` }));
  // Blank lines are skipped by the reader, so the line number is the record number here.
  return {
    columns,
    lineExpr: `(rowid + ${1 + (header ? 1 : 0)})`,
    rejects,
    detected: { delimiter: 'whitespace', header },
  };
}

async function stageParquet(db: Db, path: string, opts: StageOptions): Promise<Staged> {
  const columns = await readInto(db, `read_parquet(${quoteString(path)})`, opts);
  return { columns, lineExpr: '(rowid + 1)', rejects: [], detected: {} };
}

async function stageJson(db: Db, path: string, format: 'json' | 'ndjson', opts: StageOptions): Promise<Staged> {
  const fmt = format === 'json' ? 'array' : 'newline_delimited';
  // Read once into a plain table first: a JSON file is parsed whole to learn its columns anyway.
  try {
    await db.run(
      `CREATE OR REPLACE TEMP TABLE __raw AS SELECT * FROM read_json(${quoteString(path)}, format = '${fmt}', sample_size = -1, union_by_name = true)`,
    );
  } catch (e) {
    throw new SegmintError('malformed-file', `${path} is not valid ${format === 'json' ? 'JSON (an array of objects)' : 'NDJSON (one object per line)'}: ${(e as Error).message.split('\n')[0]}`, {
      hint: 'check the file, or pass --format json|ndjson if the extension misleads',
      cause: e,
    });
  }
  await applyNames(db, opts.columnNames);
  const columns = await describe(db);
  await deriveInPlace(db, columns, opts);
  return { columns, lineExpr: '(rowid + 1)', rejects: [], detected: { records: format } };
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (v instanceof Date) s = v.toISOString().replace('T', ' ').replace(/\.000Z$/, '').replace(/Z$/, '');
  else if (typeof v === 'object') {
    const o = v as { text?: unknown; result?: unknown; richText?: { text: string }[]; hyperlink?: string };
    if (o.richText) s = o.richText.map((r) => r.text).join('');
    else if (o.result !== undefined) return csvCell(o.result);
    else if (o.text !== undefined) s = String(o.text);
    else s = JSON.stringify(v);
  } else s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function stageXlsx(db: Db, path: string, opts: StageOptions, nullValues: readonly string[]): Promise<Staged> {
  const { default: ExcelJS } = await import('exceljs');
  const dir = await mkdtemp(join(tmpdir(), 'segmint-xlsx-'));
  const csvPath = join(dir, 'sheet.csv');
  try {
    const out = createWriteStream(csvPath);
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { sharedStrings: 'cache', worksheets: 'emit', styles: 'cache', hyperlinks: 'ignore' });
    let sheetIndex = 0;
    let found = false;
    let width = 0;
    const rowNumbers: number[] = [];
    for await (const ws of reader) {
      sheetIndex += 1;
      const w = ws as unknown as { name?: string } & AsyncIterable<{ number: number; values: unknown[] }>;
      const want = opts.sheet;
      const match = want === undefined ? sheetIndex === 1 : want === String(sheetIndex) || want === w.name;
      if (!match || found) continue;
      found = true;
      for await (const row of w) {
        const vals = (row.values as unknown[]).slice(1);
        if (width === 0) width = vals.length;
        const cells: string[] = [];
        for (let i = 0; i < Math.max(width, vals.length); i++) cells.push(csvCell(vals[i]));
        if (!out.write(`${cells.join(',')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
        rowNumbers.push(row.number);
      }
    }
    await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
    if (!found) {
      throw new SegmintError('sheet-not-found', `${path} has no sheet ${opts.sheet ?? 1} (it has ${sheetIndex})`, {
        hint: 'pass --sheet NAME or a 1-based index',
      });
    }
    const staged = await stageCsv(db, csvPath, { ...opts, delimiter: ',' }, nullValues);
    return { ...staged, detected: { ...staged.detected, sheet: opts.sheet ?? '1', delimiter: 'xlsx' } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Read `path` into the temp table __raw (see `Staged`). */
export async function stageFile(db: Db, path: string, opts: StageOptions, nullValues: readonly string[]): Promise<Staged> {
  switch (opts.format) {
    case 'csv':
      return stageCsv(db, path, opts, nullValues);
    case 'whitespace':
      return stageWhitespace(db, path, opts);
    case 'parquet':
      return stageParquet(db, path, opts);
    case 'json':
    case 'ndjson':
      return stageJson(db, path, opts.format, opts);
    case 'xlsx':
      return stageXlsx(db, path, opts, nullValues);
  }
}
