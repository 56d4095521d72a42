/**
 * Stage a source file as the temp table `__raw`: one row per record in file order, every source
 * column kept as read (text files: all VARCHAR), plus the rows the CSV reader could not split
 * (`__rejects`, with their line numbers). Nothing is parsed or dropped here.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SegmintError } from '../../core/errors.ts';
import { quoteIdent, quoteString } from '../../sql/quote.ts';
import type { Db } from '../workspace.ts';
import { guessDelimiter, guessHeader, headerNames, headText, repeatedNames, utf16Encoding, type FileFormat } from './formats.ts';

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
  /** what the reader detected (delimiter, header, encoding, …), for the report */
  detected: Record<string, string | boolean>;
  /** what the reader changed or decided that the user should know (a converted encoding, renamed columns) */
  warnings: string[];
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

/** A DuckDB reader error as a SegmintError: the first line of its message, without the sniffer's dump. */
function readerError(path: string, what: string, e: unknown): SegmintError {
  const message = (e as Error).message ?? String(e);
  const first = /sniffing file/.test(message)
    ? 'no delimiter, quoting and header split its lines into a table of columns'
    : message.split('\n')[0]!.replace(/^[A-Za-z ]+ Error: /, '');
  return new SegmintError('malformed-file', `${path} does not read as ${what}: ${first.length > 300 ? `${first.slice(0, 300)}…` : first}`, {
    hint: 'check that this is the table you meant to import (CSV/TSV, Parquet, JSON, NDJSON or XLSX); pass --format, --delimiter or --no-header --columns if the detection misleads',
    cause: e,
  });
}

/**
 * The file as UTF-8 for DuckDB's reader. A UTF-8 file (with or without BOM) is read in place; a UTF-16 file
 * (with its BOM) or a file that is not valid UTF-8 (read as Windows-1252, of which Latin-1 is a part, so
 * every byte keeps its character) is converted into `dir`. Returns the path and the encoding converted from.
 */
async function asUtf8(path: string, dir: () => Promise<string>): Promise<{ path: string; encoding?: string }> {
  const first = await new Promise<Buffer>((res, rej) => {
    const chunks: Buffer[] = [];
    createReadStream(path, { start: 0, end: 3 }).on('data', (c) => chunks.push(c as Buffer)).on('end', () => res(Buffer.concat(chunks))).on('error', rej);
  });
  let encoding: string | undefined = utf16Encoding(first);
  if (!encoding) {
    const check = new TextDecoder('utf-8', { fatal: true });
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) check.decode(chunk as Buffer, { stream: true });
      check.decode();
      return { path };
    } catch {
      encoding = 'windows-1252';
    }
  }
  const out = join(await dir(), 'utf8.txt');
  const dec = new TextDecoder(encoding);
  const w = createWriteStream(out);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) await write(w, dec.decode(chunk as Buffer, { stream: true }));
  await write(w, dec.decode());
  await close(w);
  return { path: out, encoding };
}

async function write(w: WriteStream, text: string): Promise<void> {
  if (!w.write(text)) await new Promise<void>((r) => w.once('drain', () => r()));
}

function close(w: WriteStream): Promise<void> {
  return new Promise<void>((res, rej) => w.end((e?: Error | null) => (e ? rej(e) : res())));
}

/** The file's physical lines (without the `\n`; a `\r` before it is kept), one at a time. */
async function* physicalLines(path: string): AsyncGenerator<string> {
  let rest = '';
  let first = true;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    let text = rest + (chunk as string);
    if (first) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    const parts = text.split('\n');
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest !== '') yield rest;
}

/** A record longer than this many physical lines is taken for a stray quote (its first line is malformed). */
const MAX_RECORD_LINES = 10000;

/**
 * Split CSV text starting at `lines[0]` into one record the way DuckDB's reader does (a quote opens a field
 * only at its start, `""` inside quotes is a quote, a quoted field may span lines). `more` fetches the
 * next line (undefined at the end of the file). Returns how many lines the record takes, or the error.
 */
async function parseRecord(lines: string[], more: () => Promise<boolean>, delim: string, width: number): Promise<{ span: number; error?: string }> {
  let fields = 1;
  let fieldStart = true;
  let inQuote = false;
  let afterQuote = false;
  for (let li = 0; ; li++) {
    if (li >= lines.length && !(await more())) {
      return { span: li, error: 'UNTERMINATED QUOTE: a quoted field does not close before the end of the file' };
    }
    if (li >= MAX_RECORD_LINES) return { span: li, error: `UNTERMINATED QUOTE: a quoted field does not close within ${MAX_RECORD_LINES} lines` };
    const line = lines[li]!;
    const n = line.endsWith('\r') ? line.length - 1 : line.length;
    for (let i = 0; i < n; i++) {
      const c = line[i]!;
      if (inQuote) {
        if (c === '"') {
          if (line[i + 1] === '"' && i + 1 < n) i++;
          else {
            inQuote = false;
            afterQuote = true;
          }
        }
      } else if (c === delim) {
        fields++;
        fieldStart = true;
        afterQuote = false;
      } else if (afterQuote) {
        return { span: li + 1, error: 'UNQUOTED VALUE: text follows a closing quote in the same field' };
      } else if (fieldStart && c === '"') {
        inQuote = true;
        fieldStart = false;
      } else fieldStart = false;
    }
    if (inQuote) continue;
    if (fields !== width) {
      return { span: li + 1, error: fields > width ? `TOO MANY COLUMNS: expected ${width} fields, found ${fields}` : `MISSING COLUMNS: expected ${width} fields, found ${fields}` };
    }
    return { span: li + 1 };
  }
}

/**
 * Rewrite a CSV file whose reader rejected records: each physical line is one record unless a quoted field
 * legitimately continues it, and a line whose quote does not close into a valid record (a stray quote) is
 * one malformed record instead of swallowing the lines after it. Good records are written to `out` with
 * their record number (header = 1) as a first field; the malformed ones are returned with their full text.
 */
async function resyncCsv(path: string, out: string, delim: string, header: boolean, width: number): Promise<RejectedRecord[]> {
  const source = physicalLines(path);
  const lines: string[] = [];
  let eof = false;
  const more = async (): Promise<boolean> => {
    if (eof) return false;
    const next = await source.next();
    if (next.done) {
      eof = true;
      return false;
    }
    lines.push(next.value);
    return true;
  };
  const rejects: RejectedRecord[] = [];
  const w = createWriteStream(out);
  let record = 0;
  if (header) {
    await more();
    lines.shift();
    record = 1;
  }
  while (lines.length > 0 || (await more())) {
    if (lines[0]!.trim() === '') {
      lines.shift();
      continue;
    }
    record++;
    const r = await parseRecord(lines, more, delim, width);
    if (r.error === undefined) {
      await write(w, `${record}${delim}${lines.splice(0, r.span).join('\n')}\n`);
    } else {
      const line = lines.shift()!;
      const error = r.span > 1 ? `UNBALANCED QUOTE: a quote on this line opens a field that does not close into a valid record (${r.error.replace(/^[A-Z ]+: /, '')})` : r.error;
      rejects.push({ line: record, raw: line.replace(/\r$/, ''), error });
    }
  }
  await close(w);
  return rejects;
}

/** Run `fn` over the file as UTF-8 (see asUtf8), saying so when it was converted; temp files removed after. */
async function withUtf8(original: string, fn: (path: string, dir: () => Promise<string>) => Promise<Staged>): Promise<Staged> {
  let tmp: string | undefined;
  const dir = async () => (tmp ??= await mkdtemp(join(tmpdir(), 'segmint-csv-')));
  try {
    const utf8 = await asUtf8(original, dir);
    const staged = await fn(utf8.path, dir);
    if (utf8.encoding) {
      staged.detected.encoding = utf8.encoding;
      staged.warnings.unshift(`the file is not UTF-8; read as ${utf8.encoding}${utf8.encoding === 'windows-1252' ? ' (Latin-1)' : ''}: text values and quarantined raw values are converted to UTF-8`);
    }
    return staged;
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

async function stageCsv(db: Db, original: string, opts: StageOptions, nullValues: readonly string[]): Promise<Staged> {
  return withUtf8(original, (path, dir) => stageUtf8Csv(db, path, original, opts, nullValues, dir));
}

async function stageUtf8Csv(db: Db, path: string, original: string, opts: StageOptions, nullValues: readonly string[], dir: () => Promise<string>): Promise<Staged> {
  void nullValues; // missing-value tokens are read as text and turned into NULL by the __nz macro, so raw keeps them
  const text = headText(path);
  const guessed = guessDelimiter(text);
  // DuckDB's sniffer is asked only when the first lines do not settle the delimiter and the header.
  const fromHead = opts.header ?? (opts.columnNames ? false : guessHeader(text, opts.delimiter ?? guessed ?? ','));
  let sniff: { Delimiter: string; HasHeader: boolean } | undefined;
  if ((opts.delimiter ?? guessed) === undefined || fromHead === undefined) {
    try {
      sniff = await db.one<{ Delimiter: string; HasHeader: boolean }>(`SELECT Delimiter, HasHeader FROM sniff_csv(${quoteString(path)}, sample_size = 20480)`);
    } catch (e) {
      throw readerError(original, 'a table of delimited text', e);
    }
  }
  const delim = opts.delimiter ?? guessed ?? sniff?.Delimiter ?? ',';
  const header = fromHead ?? sniff?.HasHeader ?? true;
  // When the header line settles the column names, they are given to the reader, which then skips its sniffer.
  const names = header ? headerNames(text, delim) : undefined;
  const common = [
    `delim = ${quoteString(delim)}`,
    `quote = '"'`,
    `escape = '"'`,
    'all_varchar = true',
    // Only an empty cell is NULL as read: "NA", "NaN", … stay text in __raw (and in the quarantine's raw).
    "nullstr = ['']",
    'store_rejects = true',
    "rejects_table = '__rejects'",
    "rejects_scan = '__rejects_scan'",
    // A line may be up to 64 MB (DuckDB's default is 2 MB, and a longer one was cut in the rejects table);
    // the read buffer must hold one line, and DuckDB sizes it 16× the line by default, so it is set to
    // twice the line: a bigger bound would ask for gigabytes of buffer under the workspace's memory limit.
    'max_line_size = 67108864',
    'buffer_size = 134217728',
  ];
  // The first read with DuckDB's own line size and buffer (the 64 MB line and its 128 MB buffer made the read of
  // a 47 MB file take 2.7 s instead of 1.5 s, issue #15): a longer line is rejected there, and the rejected
  // records are split again and re-read below with `common`'s 64 MB lines, so such a field is still kept whole.
  const firstRead = common.filter((a) => !/^(max_line_size|buffer_size) =/.test(a));
  const args = [
    ...(names ? [`columns = {${names.map((n) => `${quoteString(n)}: 'VARCHAR'`).join(', ')}}`, 'auto_detect = false'] : []),
    `header = ${header}`,
    ...firstRead,
  ];
  const dropRejects = async () => {
    await db.run('DROP TABLE IF EXISTS __rejects');
    await db.run('DROP TABLE IF EXISTS __rejects_scan');
  };
  await dropRejects();
  let columns: StagedColumn[];
  try {
    columns = await readInto(db, `read_csv(${quoteString(path)}, ${args.join(', ')})`, opts, (c) => ({ ...c, nullsRead: false }),
      names?.map((name) => ({ name, type: 'VARCHAR' })));
  } catch (e) {
    if (e instanceof SegmintError) throw e;
    throw readerError(original, 'a table of delimited text', e);
  }
  const warnings: string[] = [];
  const repeated = header ? repeatedNames(text, delim) : [];
  if (repeated.length) {
    warnings.push(`the header repeats the column name${repeated.length > 1 ? 's' : ''} ${repeated.map((n) => `"${n}"`).join(', ')}: the columns are read as ${columns.map((c) => `"${c.name}"`).join(', ')}; map the one you mean with --map FIELD=COLUMN`);
  }
  const readRejects = async () => {
    const rej = await db.all<{ line: number; csv_line: string; error_type: string; error_message: string }>(
      'SELECT line, csv_line, error_type, error_message FROM __rejects ORDER BY line',
    );
    // Many errors can be reported for one line; a line is one rejected record.
    const byLine = new Map<number, RejectedRecord>();
    for (const r of rej) {
      if (!byLine.has(r.line)) byLine.set(r.line, { line: r.line, raw: r.csv_line ?? '', error: `${r.error_type}: ${r.error_message}` });
    }
    return [...byLine.values()];
  };
  let rejects = await readRejects();
  const headerLines = header ? 1 : 0;
  const detected: Record<string, string | boolean> = { delimiter: delim === '\t' ? 'tab' : delim, header, quote: '"', newline: /\r\n/.test(text) ? '\\r\\n' : '\\n' };
  if (rejects.length === 0) return { columns, lineExpr: `(rowid + ${1 + headerLines})`, rejects, detected, warnings };

  // The reader rejected records. Its rejects hold a cut line, and one stray quote makes it swallow the lines
  // after it into one record; so the file is split again here, line by line, and the good records re-read
  // with their record number.
  const cleaned = join(await dir(), 'records.csv');
  const own = await resyncCsv(path, cleaned, delim, header, columns.length);
  await dropRejects();
  const cols = [{ name: '__src_line', type: 'BIGINT' }, ...columns.map((c) => ({ name: c.name, type: 'VARCHAR' }))];
  const source = `read_csv(${quoteString(cleaned)}, columns = {${cols.map((c) => `${quoteString(c.name)}: '${c.type}'`).join(', ')}}, auto_detect = false, header = false, ${common.join(', ')})`;
  const derived = opts.derive?.(columns) ?? [];
  await db.run(`CREATE OR REPLACE TEMP TABLE __raw AS SELECT *${derived.map((d) => `, ${d}`).join('')} FROM (SELECT * FROM ${source})`);
  // Records the reader still rejects (it disagrees with the split above): their first field is the record number.
  const still = (await readRejects()).map((r) => {
    const m = /^(\d+)/.exec(r.raw);
    return { line: m ? Number(m[1]) : r.line, raw: m ? r.raw.slice(m[1]!.length + delim.length) : r.raw, error: r.error };
  });
  rejects = [...own, ...still].sort((a, b) => a.line - b.line);
  return { columns, lineExpr: '__src_line', rejects, detected, warnings };
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
    warnings: [],
  };
}

async function stageParquet(db: Db, path: string, opts: StageOptions): Promise<Staged> {
  let columns: StagedColumn[];
  try {
    columns = await readInto(db, `read_parquet(${quoteString(path)})`, opts);
  } catch (e) {
    if (e instanceof SegmintError) throw e;
    throw readerError(path, 'Parquet', e);
  }
  return { columns, lineExpr: '(rowid + 1)', rejects: [], detected: {}, warnings: [] };
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
  return { columns, lineExpr: '(rowid + 1)', rejects: [], detected: { records: format }, warnings: [] };
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
  } catch (e) {
    if (e instanceof SegmintError) throw e;
    throw readerError(path, 'an Excel workbook (.xlsx)', e);
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
      return withUtf8(path, (p) => stageWhitespace(db, p, opts));
    case 'parquet':
      return stageParquet(db, path, opts);
    case 'json':
    case 'ndjson':
      return stageJson(db, path, opts.format, opts);
    case 'xlsx':
      return stageXlsx(db, path, opts, nullValues);
  }
}

/**
 * The line number of each staged record (`Staged.lineExpr`) as a column of `__raw` and an offset to add, so
 * that code building IR can number records without SQL text: `rowid` + 2 for a CSV with a header, or
 * `__src_line` + 0 after a re-read.
 */
export function lineColumnOf(staged: Pick<Staged, 'lineExpr'>): { column: string; offset: number } {
  const m = /^\(rowid \+ (\d+)\)$/.exec(staged.lineExpr);
  if (m) return { column: 'rowid', offset: Number(m[1]) };
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(staged.lineExpr)) return { column: staged.lineExpr, offset: 0 };
  throw new Error(`lineColumnOf: unexpected line expression ${staged.lineExpr}`);
}
