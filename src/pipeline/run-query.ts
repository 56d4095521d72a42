/**
 * Running IR on the workspace's engine: compile for `db.dialect`, then run, read one row or every row. The
 * pipelines call these instead of writing SQL text (test/integration/no-sql-text.test.ts).
 */
import { compile } from '../sql/compile.ts';
import { count, num, select, subquery, table, type Expr, type Query, type Statement } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';

/** The calendar day after the (UTC) day of a timestamp read back from the engine, YYYY-MM-DD. */
export function dayAfter(ts: unknown): string {
  const t = ts instanceof Date ? ts : new Date(`${String(ts).replace(' ', 'T')}Z`);
  const day = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
  return new Date(day + 86_400_000).toISOString().slice(0, 10);
}

/** A date or timestamp read back from the engine as YYYY-MM-DD (UTC); null for NULL. */
export function dayText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return String(v).slice(0, 10);
}

/** A timestamp read back from the engine as YYYY-MM-DD HH:MM:SS (UTC). */
export function timestampText(v: unknown): string {
  if (v instanceof Date) return v.toISOString().slice(0, 19).replace('T', ' ');
  return String(v).replace('T', ' ').slice(0, 19);
}

/** Run a compiled query or statement on the workspace's engine. */
export async function exec(db: Db, q: Statement): Promise<void> {
  const c = compile(q, db.dialect);
  await db.run(c.sql, c.params);
}
/** The first row of a query compiled for the workspace's engine. */
export async function one<T extends Record<string, unknown> = Record<string, unknown>>(db: Db, q: Query): Promise<T | undefined> {
  const c = compile(q, db.dialect);
  return db.one<T>(c.sql, c.params);
}
/** Every row of a query compiled for the workspace's engine. */
export async function all<T extends Record<string, unknown> = Record<string, unknown>>(db: Db, q: Query): Promise<T[]> {
  const c = compile(q, db.dialect);
  return db.all<T>(c.sql, c.params);
}
/** count(*) of the rows of `from` where `where` holds. */
export async function countRows(db: Db, from: string, where?: Expr): Promise<number> {
  const r = await one<{ n: unknown }>(db, select({ select: [{ expr: count(), as: 'n' }], from: table(from), ...(where ? { where } : {}) }));
  return Number(r?.n ?? 0);
}
/** Whether any row of `from` satisfies `where` (reads one row at most). */
export async function anyRow(db: Db, from: string, where: Expr): Promise<boolean> {
  const first = select({ select: [{ expr: num(1), as: 'one' }], from: table(from), where, limit: 1 });
  const r = await one<{ n: unknown }>(db, select({ select: [{ expr: count(), as: 'n' }], from: subquery(first, 'q') }));
  return Number(r?.n ?? 0) > 0;
}

