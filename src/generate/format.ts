/**
 * Text formatting for the hot loops: CSV fields, money in cents, and UTC timestamps from cached date and
 * time-of-day strings (formatting through Date for each of tens of millions of rows would dominate).
 */

const DAY_MS = 86_400_000;

/** One CSV field, quoted per RFC 4180 when it holds a comma, quote or line break. */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A JSON text as one CSV field (always quoted: JSON objects hold commas and quotes). */
export function jsonCell(json: string): string {
  return `"${json.replace(/"/g, '""')}"`;
}

/** Whole cents as a decimal with two places: 1234 → "12.34", -5 → "-0.05". */
export function money(cents: number): string {
  const neg = cents < 0;
  const c = neg ? -cents : cents;
  const whole = Math.floor(c / 100);
  const frac = c - whole * 100;
  return `${neg ? '-' : ''}${whole}${frac < 10 ? '.0' : '.'}${frac}`;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Formats epoch milliseconds as UTC `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS`, with per-day and per-second caches. */
export class Clock {
  private readonly firstDay: number;
  private readonly days: (string | undefined)[];
  /** the date followed by a space, for timestamps */
  private readonly prefixes: (string | undefined)[];
  private readonly hms: string[];

  /** Dates between `from` and `to` (epoch ms) are cached; others are formatted on demand. */
  constructor(from: number, to: number) {
    this.firstDay = Math.floor(from / DAY_MS);
    this.days = new Array<string | undefined>(Math.max(0, Math.ceil(to / DAY_MS) - this.firstDay + 1));
    this.prefixes = new Array<string | undefined>(this.days.length);
    this.hms = new Array<string>(86_400);
    for (let s = 0; s < 86_400; s++) this.hms[s] = `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}`;
  }

  date(ms: number): string {
    const day = Math.floor(ms / DAY_MS);
    const k = day - this.firstDay;
    if (k < 0 || k >= this.days.length) return new Date(day * DAY_MS).toISOString().slice(0, 10);
    let d = this.days[k];
    if (d === undefined) this.days[k] = d = new Date(day * DAY_MS).toISOString().slice(0, 10);
    return d;
  }

  /** `YYYY-MM-DD HH:MM:SS` of epoch milliseconds (truncated to the second). */
  ts(ms: number): string {
    const day = Math.floor(ms / DAY_MS);
    const k = day - this.firstDay;
    const sec = this.hms[Math.floor((ms - day * DAY_MS) / 1000)]!;
    if (k < 0 || k >= this.days.length) return `${this.date(ms)} ${sec}`;
    let prefix = this.prefixes[k];
    if (prefix === undefined) this.prefixes[k] = prefix = `${this.date(ms)} `;
    return prefix + sec;
  }
}
