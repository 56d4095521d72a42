/**
 * The workspace's time zone: timestamps are stored in UTC (TIMESTAMP columns, the connection runs with
 * TimeZone 'UTC'); reports bucket them into calendar days and months, and exports print them, in one zone.
 *
 * The rule: the `--timezone` of the latest transactions import that stored rows (recorded in
 * `sources.options`); without one, `import.timezone` of segmint.yaml; without that, UTC.
 */
import { quoteString } from '../sql/quote.ts';
import type { WorkspaceConfig } from './config.ts';
import type { Db } from './workspace.ts';

/** The workspace's zone (see the module comment): an IANA name such as `America/New_York`, or `UTC`. */
export async function workspaceTimezone(db: Db, config?: Pick<WorkspaceConfig, 'import'>): Promise<string> {
  const r = await db.one<{ tz: string | null }>(
    "SELECT json_extract_string(options, '$.timezone') AS tz FROM sources WHERE kind = 'transactions' AND json_extract_string(options, '$.timezone') IS NOT NULL ORDER BY source_id DESC LIMIT 1",
  );
  return r?.tz || config?.import.timezone || 'UTC';
}

/** SQL: the UTC TIMESTAMP `expr` as the clock time (TIMESTAMP) in `zone`. */
export function localTs(expr: string, zone: string): string {
  return zone === 'UTC' ? `(${expr})` : `timezone(${quoteString(zone)}, CAST(${expr} AS TIMESTAMPTZ))`;
}

/**
 * SQL: the UTC TIMESTAMP (or TIMESTAMPTZ) `expr` as ISO 8601 text with its offset in `zone`, e.g.
 * `2017-06-01T13:53:00+01:00`; NULL stays NULL.
 */
export function isoWithOffset(expr: string, zone: string): string {
  const utc = `CAST(${expr} AS TIMESTAMP)`;
  const local = localTs(utc, zone);
  const off = `CAST(epoch(${local}) - epoch(${utc}) AS BIGINT)`;
  return `CASE WHEN ${utc} IS NULL THEN NULL ELSE strftime(${local}, '%Y-%m-%dT%H:%M:%S') || CASE WHEN ${off} < 0 THEN '-' ELSE '+' END
    || lpad(CAST(abs(${off}) // 3600 AS VARCHAR), 2, '0') || ':' || lpad(CAST((abs(${off}) % 3600) // 60 AS VARCHAR), 2, '0') END`;
}
