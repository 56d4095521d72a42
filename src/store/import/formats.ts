/**
 * Which reader a file needs: CSV-like text (comma, semicolon, tab, pipe; or runs of spaces),
 * Parquet, JSON (array or newline-delimited) or XLSX. Decided from the extension and, for text,
 * from the first bytes.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { SegmintError } from '../../core/errors.ts';

export type FileFormat = 'csv' | 'whitespace' | 'parquet' | 'json' | 'ndjson' | 'xlsx';
export const FILE_FORMATS: readonly FileFormat[] = ['csv', 'whitespace', 'parquet', 'json', 'ndjson', 'xlsx'];

function head(path: string, bytes = 65536): Buffer {
  const fd = openSync(path, 'r');
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
  if (bytes.subarray(0, 4).toString('latin1') === 'PAR1' || ext === '.parquet') return 'parquet';
  if (ext === '.xlsx' || (bytes[0] === 0x50 && bytes[1] === 0x4b)) {
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
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  const start = text.trimStart();
  if (ext === '.json' || start.startsWith('[') || start.startsWith('{')) {
    return start.startsWith('[') ? 'json' : 'ndjson';
  }
  if (bytes.includes(0)) {
    throw new SegmintError('unsupported-format', `${path} looks binary (it contains NUL bytes) and is not a known format`, {
      hint: 'Segmint reads CSV/TSV, Parquet, JSON, NDJSON and XLSX; pass --format if the extension misleads',
    });
  }
  return looksWhitespaceSeparated(text) ? 'whitespace' : 'csv';
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
 * many fields. Undefined otherwise (the reader's sniffer names the columns then).
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

/** The first bytes of a file as text (for delimiter guessing). */
export function headText(path: string, bytes = 65536): string {
  const buf = head(path, bytes);
  // Drop a possibly cut last line.
  const text = buf.toString('utf8');
  return buf.length === bytes ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
}
