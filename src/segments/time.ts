/** Dates and durations of the audience language: date literals, and durations back from the as-of date. */
import type { Duration } from './ast.ts';

const DAY_MS = 86_400_000;

/** A date written as 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM[:SS]' (UTC), or undefined. */
export function parseDateLiteral(s: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h, mi, se));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo! - 1 || date.getUTCDate() !== d || h! > 23 || mi! > 59 || se! > 59) return undefined;
  return date;
}

/** `asOf` minus a duration: hours, days and weeks exactly, months and years by the calendar (UTC). */
export function minusDuration(asOf: Date, d: Duration): Date {
  const t = new Date(asOf.getTime());
  if (d.unit === 'hours') return new Date(t.getTime() - d.n * 3_600_000);
  if (d.unit === 'days') return new Date(t.getTime() - d.n * DAY_MS);
  if (d.unit === 'weeks') return new Date(t.getTime() - d.n * 7 * DAY_MS);
  if (d.unit === 'months') t.setUTCMonth(t.getUTCMonth() - d.n);
  else t.setUTCFullYear(t.getUTCFullYear() - d.n);
  return t;
}

/** A duration in days (a month 30.44, a year 365.25), for time limits between two events and range checks. */
export const durationDays = (d: Pick<Duration, 'n' | 'unit'>): number => d.n * ({ hours: 1 / 24, days: 1, weeks: 7, months: 30.44, years: 365.25 } as const)[d.unit];
