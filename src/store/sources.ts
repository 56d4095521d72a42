/**
 * Sources: what each import brought in, listed and removed. `deleteSource` takes out everything one
 * import added — its transaction and event lines, its quarantine rows, the customers and products only
 * it refers to, and its `sources` row — in one transaction, so a failure leaves the workspace as it was.
 */
import { SegmintError } from '../core/errors.ts';
import { quoteString } from '../sql/quote.ts';
import type { Db, Workspace } from './workspace.ts';
import { updateNearestPlace } from './import/places.ts';

export interface SourceInfo {
  sourceId: number;
  kind: string;
  file: string;
  format: string;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  importedAt: string;
}

/** What deleting a source removes (or removed). */
export interface SourceDeletion {
  source: SourceInfo;
  deleted: {
    transactions: number;
    events: number;
    quarantine: number;
    /** customers the source added (or last wrote, for a customers file) that no remaining line refers to */
    customers: number;
    /** products the source added that no remaining transaction line refers to */
    products: number;
    /** places the source wrote last (a places import; absent when none) */
    places?: number;
    sources: number;
  };
  /** customers and products kept because remaining lines refer to them, though this source wrote them last */
  kept: { customers: number; products: number };
}

const num = async (db: Db, sql: string, params: (string | number)[]): Promise<number> =>
  Number((await db.one<{ n: number }>(sql, params))?.n ?? 0);

/** Every source, oldest first. */
export async function listSources(db: Db): Promise<SourceInfo[]> {
  const rows = await db.all<{ source_id: number; kind: string; file: string; format: string; rows_read: number; rows_loaded: number; rows_quarantined: number; imported_at: string }>(
    "SELECT source_id, kind, file, format, rows_read, rows_loaded, rows_quarantined, strftime(imported_at, '%Y-%m-%d %H:%M:%S') AS imported_at FROM sources ORDER BY source_id",
  );
  return rows.map((r) => ({
    sourceId: Number(r.source_id), kind: r.kind, file: r.file, format: r.format, rowsRead: Number(r.rows_read),
    rowsLoaded: Number(r.rows_loaded), rowsQuarantined: Number(r.rows_quarantined), importedAt: r.imported_at,
  }));
}

async function sourceOf(db: Db, sourceId: number): Promise<SourceInfo> {
  const all = await listSources(db);
  const s = all.find((x) => x.sourceId === sourceId);
  if (!s) {
    throw new SegmintError('source-not-found', `the workspace has no source ${sourceId}`, {
      hint: all.length ? `its sources are ${all.map((x) => `${x.sourceId} (${x.kind}, ${x.file})`).join(', ')}` : 'nothing has been imported yet',
    });
  }
  return s;
}

// A customer or product is referred to by a remaining line when a line of another source names it.
const CUSTOMER_REFERRED = `(EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = c.customer_id AND t.source_id <> $1)
  OR EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.customer_id AND e.source_id <> $1))`;
const PRODUCT_REFERRED = 'EXISTS (SELECT 1 FROM transactions t WHERE t.product_id = p.product_id AND t.source_id <> $1)';

/** What deleting `sourceId` would remove, without changing anything. */
export async function planDeleteSource(ws: Workspace, sourceId: number): Promise<SourceDeletion> {
  const db = ws.db;
  const source = await sourceOf(db, sourceId);
  const p = [sourceId];
  const places = await num(db, 'SELECT count(*) AS n FROM places WHERE source_id = $1', p);
  return {
    source,
    deleted: {
      transactions: await num(db, 'SELECT count(*) AS n FROM transactions WHERE source_id = $1', p),
      events: await num(db, 'SELECT count(*) AS n FROM events WHERE source_id = $1', p),
      quarantine: await num(db, 'SELECT count(*) AS n FROM quarantine WHERE source_id = $1', p),
      customers: await num(db, `SELECT count(*) AS n FROM customers c WHERE c.source_id = $1 AND NOT ${CUSTOMER_REFERRED}`, p),
      products: await num(db, `SELECT count(*) AS n FROM products p WHERE p.source_id = $1 AND NOT ${PRODUCT_REFERRED}`, p),
      ...(places ? { places } : {}),
      sources: 1,
    },
    kept: {
      customers: await num(db, `SELECT count(*) AS n FROM customers c WHERE c.source_id = $1 AND ${CUSTOMER_REFERRED}`, p),
      products: await num(db, `SELECT count(*) AS n FROM products p WHERE p.source_id = $1 AND ${PRODUCT_REFERRED}`, p),
    },
  };
}

/**
 * Remove everything source `sourceId` brought in, in one transaction; returns the counts. Customers and
 * products it wrote that remaining lines still refer to are kept (their `source_id` moves to the earliest
 * remaining source that refers to them); the first purchase date of every customer it had lines for is
 * recomputed from the remaining lines. Trait values a customers file wrote over earlier ones are not
 * restored. The file is also forgotten in segmint.yaml's `sources` when no other import of it remains.
 */
export async function deleteSource(ws: Workspace, sourceId: number): Promise<SourceDeletion> {
  const db = ws.db;
  const result = await db.transaction(async () => {
    const plan = await planDeleteSource(ws, sourceId);
    const p = [sourceId];
    // Customers whose first_seen may change: those with lines from this source.
    await db.run(`CREATE OR REPLACE TEMP TABLE __touched AS
      SELECT DISTINCT customer_id FROM transactions WHERE source_id = $1 AND customer_id IS NOT NULL
      UNION SELECT DISTINCT customer_id FROM events WHERE source_id = $1`, p);
    try {
      await db.run(`DELETE FROM customers c WHERE c.source_id = $1 AND NOT ${CUSTOMER_REFERRED}`, p);
      await db.run(`DELETE FROM products p WHERE p.source_id = $1 AND NOT ${PRODUCT_REFERRED}`, p);
      await db.run('DELETE FROM transactions WHERE source_id = $1', p);
      await db.run('DELETE FROM events WHERE source_id = $1', p);
      await db.run('DELETE FROM quarantine WHERE source_id = $1', p);
      if ((plan.deleted.places ?? 0) > 0) {
        await db.run('DELETE FROM places WHERE source_id = $1', p);
        // the customers' distance to the nearest remaining place (none left: no distance)
        await updateNearestPlace(db, true);
      }
      await db.run(`UPDATE customers SET source_id = r.s FROM (
          SELECT customer_id, min(source_id) AS s FROM (SELECT customer_id, source_id FROM transactions UNION ALL SELECT customer_id, source_id FROM events)
          GROUP BY customer_id) r
        WHERE customers.customer_id = r.customer_id AND customers.source_id = $1`, p);
      await db.run(`UPDATE products SET source_id = r.s FROM (SELECT product_id, min(source_id) AS s FROM transactions GROUP BY product_id) r
        WHERE products.product_id = r.product_id AND products.source_id = $1`, p);
      await db.run(`UPDATE customers SET first_seen = f.first FROM (
          SELECT u.customer_id, min(x.ts) AS first FROM __touched u
          LEFT JOIN (SELECT customer_id, ts FROM transactions UNION ALL SELECT customer_id, ts FROM events) x ON x.customer_id = u.customer_id
          GROUP BY u.customer_id) f
        WHERE customers.customer_id = f.customer_id`);
      await db.run('DELETE FROM sources WHERE source_id = $1', p);
    } finally {
      await db.run('DROP TABLE IF EXISTS __touched');
    }
    return plan;
  });
  const cfg = ws.config;
  const remaining = await listSources(db);
  const before = cfg.sources.length;
  cfg.sources = cfg.sources.filter((s) => !(s.file === result.source.file && s.kind === result.source.kind) || remaining.some((r) => r.file === s.file && r.kind === s.kind));
  if (cfg.sources.length !== before) ws.saveConfig(cfg);
  return result;
}

/** One quarantined row as listed by `segmint quarantine`. */
export interface QuarantinedRow {
  sourceId: number;
  kind: string;
  line: number;
  reason: string;
  detail: string | null;
  /** the row's values as read */
  raw: unknown;
}

export interface QuarantineFilter {
  sourceId?: number;
  reason?: string;
}

/** SQL selecting the quarantined rows that match `f`, in source and line order (values inlined, so COPY can use it). */
export function quarantineSelect(f: QuarantineFilter): string {
  const where: string[] = [];
  if (f.sourceId !== undefined) where.push(`source_id = ${Math.trunc(f.sourceId)}`);
  if (f.reason !== undefined) where.push(`reason = ${quoteString(f.reason)}`);
  return `SELECT source_id, kind, line, reason, detail, CAST(raw AS VARCHAR) AS raw FROM quarantine${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY source_id, line`;
}

/** The quarantined rows matching `f` (at most `limit`; all when it is undefined) and counts by source and reason. */
export async function listQuarantine(db: Db, f: QuarantineFilter, limit?: number): Promise<{
  total: number;
  summary: { sourceId: number; file: string | null; kind: string; reason: string; rows: number }[];
  rows: QuarantinedRow[];
}> {
  const q = quarantineSelect(f);
  const summary = await db.all<{ source_id: number; file: string | null; kind: string; reason: string; n: number }>(
    `SELECT q.source_id, s.file, q.kind, q.reason, count(*) AS n FROM (${q}) q LEFT JOIN sources s USING (source_id)
      GROUP BY ALL ORDER BY q.source_id, n DESC, q.reason`,
  );
  const rows = await db.all<{ source_id: number; kind: string; line: number; reason: string; detail: string | null; raw: string | null }>(
    `${q}${limit === undefined ? '' : ` LIMIT ${Math.floor(limit)}`}`,
  );
  const parse = (s: string | null): unknown => {
    if (s === null) return null;
    try {
      return JSON.parse(s);
    } catch {
      return s;
    }
  };
  return {
    total: summary.reduce((a, r) => a + Number(r.n), 0),
    summary: summary.map((r) => ({ sourceId: Number(r.source_id), file: r.file, kind: r.kind, reason: r.reason, rows: Number(r.n) })),
    rows: rows.map((r) => ({ sourceId: Number(r.source_id), kind: r.kind, line: Number(r.line), reason: r.reason, detail: r.detail, raw: parse(r.raw) })),
  };
}
