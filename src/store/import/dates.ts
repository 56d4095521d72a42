/**
 * Timestamp parsing. The format of a text column is detected from its distinct values: ISO 8601
 * (with or without time, `T`, fractions or an offset), YYYYMMDD, and day-first or month-first forms with
 * `-`, `/` or `.`. Every day-first form has its month-first twin (and the reverse), so when both read
 * every value the column is ambiguous, whatever the separator, and the user must say which with --date-format.
 */
import { SegmintError } from '../../core/errors.ts';
import { quoteIdent, quoteString } from '../../sql/quote.ts';
import type { Db } from '../workspace.ts';
import { checkDateFormat } from '../config.ts';

export interface DateFormatChoice {
  /** 'iso', 'typed' (already a DATE/TIMESTAMP column) or a strftime pattern family such as %d-%m-%Y */
  format: string;
  /** share of distinct non-empty values the format reads */
  coverage: number;
}

const FAMILIES: readonly string[] = [
  '%Y%m%d',
  '%d-%m-%Y', '%m-%d-%Y',
  '%d/%m/%Y', '%m/%d/%Y',
  '%d.%m.%Y', '%m.%d.%Y',
  '%Y/%m/%d',
  '%d-%m-%y', '%m-%d-%y', '%d/%m/%y', '%m/%d/%y',
  '%d %b %Y', '%b %d %Y', '%d-%b-%Y',
];

function patternList(family: string): string {
  const times = ['', ' %H:%M', ' %H:%M:%S', ' %H:%M:%S.%f', ' %I:%M %p', ' %I:%M:%S %p'];
  return `[${times.map((t) => quoteString(family + t)).join(', ')}]`;
}

/** SQL reading the text expression `x` in `format` as a UTC timestamp (clock times in `timezone`). */
export function parseExpr(x: string, format: string, timezone = 'UTC'): string {
  // Clock times without an offset are read in `timezone` and converted to UTC.
  const inZone = (naive: string) => (timezone === 'UTC' ? naive : `timezone(${quoteString(timezone)}, ${naive})::TIMESTAMP`);
  if (format === 'typed') return inZone(`CAST(${x} AS TIMESTAMP)`);
  if (format === 'isotz') {
    return `(CASE WHEN regexp_matches(${x}, ${OFFSET_RE}) THEN TRY_CAST(${x} AS TIMESTAMPTZ)::TIMESTAMP ELSE ${inZone(`TRY_CAST(${x} AS TIMESTAMP)`)} END)`;
  }
  return inZone(format === 'iso' ? `TRY_CAST(${x} AS TIMESTAMP)` : `try_strptime(${x}, ${patternList(format)})`);
}

const isDayFirst = (f: string) => f.startsWith('%d');
const swap = (f: string) => (f.startsWith('%d') ? f.replace('%d', '#').replace('%m', '%d').replace('#', '%m') : f.replace('%m', '#').replace('%d', '%m').replace('#', '%d'));

/**
 * Detect the timestamp format of `column` in __raw (which holds `rows` rows). `forced` (from
 * --date-format or segmint.yaml) is checked for syntax and returned as is.
 */
export async function detectDateFormat(db: Db, column: string, columnType: string, forced: string, rows: number): Promise<DateFormatChoice> {
  if (/^(DATE|TIMESTAMP)/.test(columnType)) return { format: 'typed', coverage: 1 };
  if (forced !== 'auto') {
    checkDateFormat(forced, '--date-format');
    return { format: forced, coverage: NaN };
  }
  const col = quoteIdent(column);
  const x = `trim(CAST(${col} AS VARCHAR))`;
  // Distinct values of the first 20,000 rows and of a seeded sample of about 50,000 from the whole file
  // (Bernoulli: each row drawn on its own, which costs a fraction of a reservoir over a large table).
  const percent = Math.min(100, (50000 * 100) / Math.max(rows, 1));
  await db.run(`CREATE OR REPLACE TEMP TABLE __dv AS SELECT DISTINCT v FROM (
      (SELECT ${x} AS v FROM __raw LIMIT 20000)
      UNION ALL (SELECT ${x} AS v FROM __raw USING SAMPLE ${percent.toFixed(6)}% (bernoulli, 42))
    ) WHERE v IS NOT NULL AND v <> ''`);
  try {
    return await chooseFormat(db, column);
  } finally {
    await db.run('DROP TABLE IF EXISTS __dv');
  }
}

// An offset only counts after a clock time, so the "-01" ending 2006-01-01 is not read as one.
const OFFSET_RE = `'\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?\\s*(Z|[+-]\\d\\d(:?\\d\\d)?)$'`;

async function chooseFormat(db: Db, column: string): Promise<DateFormatChoice> {
  // ISO first: one cheap pass settles most files.
  const iso = await db.one<{ n: number; naive: number; tz: number }>(
    `SELECT count(*) AS n, count(TRY_CAST(v AS TIMESTAMP)) AS naive,
       count(TRY_CAST(v AS TIMESTAMPTZ)) FILTER (WHERE regexp_matches(v, ${OFFSET_RE})) AS tz FROM __dv`,
  );
  const n = Number(iso?.n ?? 0);
  if (n === 0) return { format: 'iso', coverage: 0 };
  if (Number(iso!.tz) > 0 && Number(iso!.naive) + Number(iso!.tz) >= n) return { format: 'isotz', coverage: 1 };
  if (Number(iso!.naive) === n) return { format: 'iso', coverage: 1 };
  const candidates = ['iso', ...FAMILIES];
  const counts = candidates.map((f, i) => `count(${parseExpr('v', f)}) AS c${i}`).join(', ');
  const row = await db.one<Record<string, number>>(`SELECT ${counts} FROM __dv`);
  const x = 'v';
  const scored = candidates.map((f, i) => ({ format: f, count: row![`c${i}`] ?? 0 }));
  const best = scored.reduce((a, b) => (b.count > a.count ? b : a));
  if (best.count === 0) {
    const sample = await db.all<{ v: string }>(`SELECT ${x} AS v FROM __dv LIMIT 3`);
    throw new SegmintError('unparseable-date', `column "${column}" holds no date Segmint can read (e.g. ${sample.map((s) => JSON.stringify(s.v)).join(', ')})`, {
      hint: 'pass --date-format with strftime codes (e.g. --date-format "%d %B %Y"), or map another column with --map ts=COLUMN',
    });
  }
  if (best.format !== 'iso' && best.format !== '%Y%m%d') {
    const other = scored.find((s) => s.format === swap(best.format));
    if (other && other.count === best.count) {
      throw new SegmintError('ambiguous-date-format', `column "${column}" reads as both ${isDayFirst(best.format) ? best.format : other.format} (day first) and ${isDayFirst(best.format) ? other.format : best.format} (month first): no value has a day above 12`, {
        hint: `say which with --date-format "${best.format}" or --date-format "${other.format}"`,
      });
    }
  }
  return { format: best.format, coverage: best.count / n };
}

/**
 * SQL turning the raw column into a UTC TIMESTAMP: parse in `format`, then, for values without an
 * offset, read the clock time in `timezone` (an IANA name; UTC keeps it as written).
 */
export function timestampExpr(rawText: string, format: string, timezone: string): string {
  return parseExpr(rawText, format, timezone);
}

/** Check a time zone name against the database's list; throws a SegmintError with suggestions. */
export async function checkTimezone(db: Db, tz: string): Promise<void> {
  if (tz === 'UTC') return;
  const row = await db.one<{ n: number }>('SELECT count(*) AS n FROM pg_timezone_names() WHERE name = ?', [tz]);
  if (!row || row.n === 0) {
    throw new SegmintError('unknown-timezone', `"${tz}" is not a time zone name`, {
      hint: 'use an IANA name such as Europe/London, America/New_York or UTC',
    });
  }
}
