/**
 * The workspace's time zone: timestamps are stored in UTC (TIMESTAMP columns, the connection runs with
 * TimeZone 'UTC'); reports bucket them into calendar days and months, and exports print them, in one zone.
 *
 * The rule: the `--timezone` of the latest transactions import that stored rows (recorded in
 * `sources.options`); without one, `import.timezone` of segmint.yaml; without that, UTC.
 */
import { compile } from '../sql/compile.ts';
import { and, col, eq, isNotNull, jsonGet, lit, select, table } from '../sql/ir.ts';
import type { WorkspaceConfig } from './config.ts';
import type { Db } from './workspace.ts';

/** The workspace's zone (see the module comment): an IANA name such as `America/New_York`, or `UTC`. */
export async function workspaceTimezone(db: Db, config?: Pick<WorkspaceConfig, 'import'>): Promise<string> {
  const tz = jsonGet(col('options'), 'timezone');
  const q = compile(select({
    select: [{ expr: tz, as: 'tz' }], from: table('sources'), where: and(eq(col('kind'), lit('transactions')), isNotNull(tz)),
    orderBy: [{ expr: col('source_id'), desc: true }], limit: 1,
  }), db.dialect);
  const r = await db.one<{ tz: string | null }>(q.sql, q.params);
  return r?.tz || config?.import.timezone || 'UTC';
}
