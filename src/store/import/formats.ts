/**
 * Which reader a file needs: CSV-like text (comma, semicolon, tab, pipe; or runs of spaces),
 * Parquet, JSON (array or newline-delimited) or XLSX. Decided from the extension and, for text,
 * from the first bytes.
 */
import { accessSync, closeSync, constants, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { SegmintError } from '../../core/errors.ts';

export type FileFormat = 'csv' | 'whitespace' | 'parquet' | 'json' | 'ndjson' | 'xlsx';
export const FILE_FORMATS: readonly FileFormat[] = ['csv', 'whitespace', 'parquet', 'json', 'ndjson', 'xlsx'];

/** A SegmintError (exit 2) for a file the process may not read (permissions, a folder, …). */
function unreadable(path: string, e: unknown): SegmintError {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message;
  return new SegmintError('file-unreadable', `cannot read ${path}: ${why}`, {
    hint: code === 'EACCES' || code === 'EPERM' ? 'give your user read permission on the file (chmod +r), or copy it somewhere readable' : 'check the path',
    cause: e,
  });
}

/** Throws `file-unreadable` unless this process may read `path`. */
export function checkReadable(path: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    throw unreadable(path, e);
  }
}

function head(path: string, bytes = 65536): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw unreadable(path, e);
  }
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** True when the text's lines are fields separated by runs of spaces, with no other delimiter. */
export function looksWhitespaceSeparated(text: string): boolean {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 20);
  if (lines.length === 0) return false;
  if (lines.some((l) => /[,;\t|]/.test(l) || l.includes('"'))) return false;
  const counts = lines.map((l) => l.trim().split(/\s+/).length);
  return counts[0]! > 1 && counts.every((c) => c === counts[0]);
}

/** Detect the format of `path`; `forced` (from --format) wins. */
export function detectFormat(path: string, forced?: string): FileFormat {
  checkReadable(path);
  if (forced) {
    if (!FILE_FORMATS.includes(forced as FileFormat)) {
      throw new SegmintError('invalid-option', `--format ${forced} is not a format Segmint reads`, {
        hint: `use one of ${FILE_FORMATS.join(', ')}`,
      });
    }
    return forced as FileFormat;
  }
  const ext = extname(path).toLowerCase();
  const bytes = head(path);
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  const isParquet = bytes.subarray(0, 4).toString('latin1') === 'PAR1';
  if (isEmptyText(bytes)) {
    throw new SegmintError('empty-file', `${path} is empty${bytes.length > 0 ? ' (nothing but a byte order mark or blank lines)' : ''}: there is no header and no row to import`, {
      hint: 'check that the export finished writing, and import the complete file',
    });
  }
  if (ext === '.parquet' && !isParquet) throw misnamed(path, ext, 'a Parquet file (it does not start with the PAR1 magic bytes)', describeContent(bytes));
  if (ext === '.xlsx' && !isZip) throw misnamed(path, ext, 'an Excel workbook (.xlsx is a zip archive)', describeContent(bytes));
  if (isParquet) return 'parquet';
  if (ext === '.xlsx' || isZip) {
    if (ext === '.xlsx' || ext === '') return 'xlsx';
    throw new SegmintError('unsupported-format', `${path} is a zip archive, not a table Segmint reads`, {
      hint: 'unzip it first, or save spreadsheets as .xlsx',
    });
  }
  if (ext === '.xls') {
    throw new SegmintError('unsupported-format', `${path} is an old binary Excel file (.xls)`, {
      hint: 'save it as .xlsx or .csv and import that',
    });
  }
  const utf16 = utf16Encoding(bytes);
  const text = (utf16 ? new TextDecoder(utf16).decode(bytes) : bytes.toString('utf8')).replace(/^\uFEFF/, '');
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  const start = text.trimStart();
  if (ext === '.json' || start.startsWith('[') || start.startsWith('{')) {
    return start.startsWith('[') ? 'json' : 'ndjson';
  }
  const binary = utf16 ? undefined : binaryReason(bytes);
  if (binary) {
    throw new SegmintError('unsupported-format', `${path} looks binary (${binary}) and is not a table Segmint reads`, {
      hint: 'Segmint reads CSV/TSV, Parquet, JSON, NDJSON and XLSX; pass --format if the extension misleads',
    });
  }
  return looksWhitespaceSeparated(text) ? 'whitespace' : 'csv';
}

/** 'utf-16le' / 'utf-16be' when the bytes start with that byte order mark. */
export function utf16Encoding(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** True when the bytes are nothing, a byte order mark, or blank lines. */
function isEmptyText(bytes: Buffer): boolean {
  if (bytes.length >= 65536) return false;
  const enc = utf16Encoding(bytes);
  const text = enc ? new TextDecoder(enc).decode(bytes) : bytes.toString('utf8');
  return text.replace(/^\uFEFF/, '').trim() === '';
}

/**
 * Why the bytes are not text, or undefined: NUL bytes, or more than 1% control characters other than tab,
 * line breaks and form feed (text in any 8-bit encoding has almost none; random or compressed bytes about 11%).
 */
function binaryReason(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return 'it contains NUL bytes';
  let control = 0;
  for (const b of bytes) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1a) control++;
  return control > Math.max(2, bytes.length / 100) ? `${control} of its first ${bytes.length} bytes are control characters` : undefined;
}

/** What the first bytes look like, for a message about a misnamed file. */
function describeContent(bytes: Buffer): string {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'a zip archive';
  if (bytes.subarray(0, 4).toString('latin1') === 'PAR1') return 'a Parquet file';
  if (binaryReason(bytes)) return 'binary data';
  const start = bytes.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('[') || start.startsWith('{')) return 'JSON text';
  return /[,;\t|]/.test(start.split(/\r?\n/)[0] ?? '') ? 'CSV text' : 'text';
}

function misnamed(path: string, ext: string, expected: string, seen: string): SegmintError {
  const fmt = seen === 'CSV text' || seen === 'text' ? 'csv' : seen === 'JSON text' ? 'json' : seen === 'a Parquet file' ? 'parquet' : undefined;
  return new SegmintError('format-mismatch', `${path} is named ${ext} but is not ${expected}: it looks like ${seen}`, {
    hint: fmt ? `rename it, or pass --format ${fmt}` : 'check that this is the file you meant, and that it was copied completely',
  });
}

/**
 * Guess the delimiter of CSV-like text from its first lines: the candidate that splits the header into the
 * most fields and gives most later lines the same count (quoted parts ignored). Undefined when none fits.
 * DuckDB's sniffer decides when this cannot; on small files it can be misled by spaces.
 */
export function guessDelimiter(text: string): string | undefined {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 50);
  if (lines.length === 0) return undefined;
  if (lines.length > 1 && !/\r?\n/.test(text.slice(0, text.length - 1))) return undefined;
  const unquoted = lines.map((l) => l.replace(/"(?:[^"]|"")*"/g, '""'));
  let best: { d: string; score: number } | undefined;
  const splitting = [',', ';', '\t', '|'].filter((d) => unquoted[0]!.split(d).length >= 2);
  for (const d of splitting) {
    const counts = unquoted.map((l) => l.split(d).length);
    const head = counts[0]!;
    const agree = counts.filter((c) => c === head).length / counts.length;
    const score = agree * 1000 + head;
    // Most lines must agree with the header; when no other candidate splits the header at all, a majority
    // will do (a short file with one malformed line).
    const enough = agree >= 0.8 || (splitting.length === 1 && agree > 0.5);
    if (enough && (!best || score > best.score)) best = { d, score };
  }
  return best?.d;
}

/** Split one CSV line on `delim`, honouring double quotes ("" inside quotes is a quote). */
function splitLine(line: string, delim: string, trim = true): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (line.startsWith(delim, i)) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return trim ? out.map((f) => f.trim()) : out;
}

const looksTyped = (v: string) => /^[-+]?[$€£]?\d[\d,]*(\.\d+)?([eE][-+]?\d+)?$/.test(v) || /^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}/.test(v) || /^(true|false)$/i.test(v);

/**
 * Whether the first line of CSV-like text is a header: every field of it is a non-empty name that is
 * not a number or a date, and in some column the later lines hold numbers or dates. Undefined when the
 * lines cannot tell (every column text, or too few lines): DuckDB's sniffer decides then.
 */
export function guessHeader(text: string, delim: string): boolean | undefined {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 200);
  if (lines.length < 2 || lines.some((l) => (l.match(/"/g)?.length ?? 0) % 2 === 1)) return undefined;
  const rows = lines.map((l) => splitLine(l, delim));
  const first = rows[0]!;
  if (first.some(looksTyped)) return false;
  if (first.some((f) => f === '')) return undefined;
  const typedBelow = first.some((_, j) => rows.slice(1).some((r) => r[j] !== undefined && r[j] !== '' && looksTyped(r[j]!)));
  return typedBelow ? true : undefined;
}

/**
 * The column names of a CSV header line as DuckDB's reader would give them, when the first line settles
 * them: balanced quotes, no empty, padded or repeated (case-insensitively) name, and a second line with as
 * many fields. Undefined otherwise (the reader's sniffer names the columns then; it numbers a repeated name,
 * which the stage reports, see `repeatedNames`).
 */
export function headerNames(text: string, delim: string): string[] | undefined {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).slice(0, 2);
  if (lines.length < 2 || lines.some((l) => (l.match(/"/g)?.length ?? 0) % 2 === 1)) return undefined;
  const raw = splitLine(lines[0]!, delim, false);
  if (splitLine(lines[1]!, delim, false).length !== raw.length) return undefined;
  const seen = new Set<string>();
  for (const n of raw) {
    if (n === '' || n !== n.trim() || seen.has(n.toLowerCase())) return undefined;
    seen.add(n.toLowerCase());
  }
  return raw;
}

/** The names a CSV header line repeats (case-insensitively), each once, in order. */
export function repeatedNames(text: string, delim: string): string[] {
  const first = text.replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  const seen = new Set<string>();
  const out: string[] = [];
  for (const n of splitLine(first, delim)) {
    const k = n.toLowerCase();
    if (n !== '' && seen.has(k) && !out.some((o) => o.toLowerCase() === k)) out.push(n);
    seen.add(k);
  }
  return out;
}

/** The first bytes of a file as text (for delimiter guessing). */
export function headText(path: string, bytes = 65536): string {
  const buf = head(path, bytes);
  // Drop a possibly cut last line.
  const text = buf.toString('utf8');
  return buf.length === bytes ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
}
