/**
 * Exports: an audience's members (with traits and results asked for) as CSV, NDJSON or Parquet, streamed.
 * CSV and NDJSON: the members are evaluated once into a temporary table of the request's read connection (the
 * engine spills what does not fit its memory limit), then read in pages of customer ids (keyset:
 * `customer_id > last`), each written before the next is read, with the socket's back-pressure respected, so
 * the server's memory stays steady whatever the size. Parquet
 * (a file format written whole) is written by the engine to a file in the workspace's server folder,
 * streamed, then removed.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { compileAudience, exportMembers, type PreparedAudience } from '../../pipeline/audience.ts';
import { traitSelect } from '../../pipeline/trait-columns.ts';
import { col, dropTable, eq, gt, inQuery, lit, select, table, tempName, type Query } from '../../sql/ir.ts';
import { all, exec } from '../../pipeline/run-query.ts';
import { serverDir } from '../../store/tokens.ts';
import type { Workspace } from '../../store/workspace.ts';
import type { ReadView } from '../app.ts';
import { ApiError } from '../errors.ts';
import { nameParam, runIdParam } from '../schemas.ts';
import type { WorkspaceState } from '../state.ts';
import { audienceRuns } from '../../pipeline/audience.ts';

/** Rows per page read from the engine. */
export const EXPORT_PAGE = 5000;
const TRAIT = { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,63}(\\.[a-z_][a-z0-9_]{0,63})?$' } as const;

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) || /^[=+\-@\t]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const jsonValue = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : typeof v === 'number' && !Number.isFinite(v) ? null : v);

/**
 * The rows of `members` (customer ids) with `traits`, as text in pages: the rule is evaluated once into a
 * temporary table of the request's read connection, which is then read in pages of EXPORT_PAGE customer ids
 * (keyset: `customer_id > last`) and dropped at the end, also when the client goes away.
 */
async function* pages(ws: ReadView, p: PreparedAudience, members: Query, traits: string[], format: 'csv' | 'ndjson'): AsyncGenerator<string> {
  const t = traitSelect(p.schema, traits);
  const names = ['customer_id', ...t.select.map((s) => s.as!)];
  const id = col('customer_id', 'c');
  const rows = compileAudience(p.name, select({ select: [{ expr: id, as: 'customer_id' }, ...t.select], from: table('customers', 'c'), joins: t.joins, where: inQuery(id, members) }), ws.db.dialect);
  const tmp = tempName('export');
  await ws.db.createTableAs(tmp, rows.sql, rows.params, { temporary: true });
  try {
    if (format === 'csv') yield `${names.map(csvCell).join(',')}\n`;
    let last: string | undefined;
    for (;;) {
      const key = col('customer_id');
      const page = await all(ws.db, select({ select: '*', from: table(tmp), ...(last === undefined ? {} : { where: gt(key, lit(last)) }), orderBy: [key], limit: EXPORT_PAGE }));
      if (!page.length) return;
      let out = '';
      for (const r of page) out += format === 'csv' ? `${names.map((n) => csvCell(r[n])).join(',')}\n` : `${JSON.stringify(Object.fromEntries(names.map((n) => [n, jsonValue(r[n])])))}\n`;
      yield out;
      if (page.length < EXPORT_PAGE) return;
      last = String(page.at(-1)!.customer_id);
    }
  } finally {
    await exec(ws.db, dropTable(tmp));
  }
}

export async function exportRoutes(app: FastifyInstance, opts: { state: WorkspaceState }): Promise<void> {
  app.get<{ Params: { name: string }; Querystring: { format: 'csv' | 'ndjson' | 'parquet'; traits: string[]; snapshot?: number } }>('/audiences/:name/export', {
    config: { role: 'viewer' },
    schema: {
      tags: ['exports'], summary: "An audience's members with the traits asked for (customer traits, rfm.segment-style results), streamed as CSV, NDJSON or Parquet; from a stored snapshot with snapshot=RUN, else evaluated now",
      params: { type: 'object', required: ['name'], properties: { name: nameParam } },
      querystring: { type: 'object', additionalProperties: false, properties: { format: { enum: ['csv', 'ndjson', 'parquet'], default: 'csv' }, traits: { type: 'array', maxItems: 100, items: TRAIT, default: [] }, snapshot: runIdParam } },
      response: {
        200: {
          description: 'the rows, streamed',
          content: {
            'text/csv': { schema: { type: 'string', description: 'a header line, then one line per member' } },
            'application/x-ndjson': { schema: { type: 'string', description: 'one JSON object per line' } },
            'application/vnd.apache.parquet': { schema: { type: 'string', format: 'binary' } },
          },
        },
      },
    },
  }, async (req, reply) => {
    // one read connection for the whole export (the pages read committed data only)
    const ws = app.segmint.reader();
    const a = opts.state.definitions.get(req.params.name);
    const p = await opts.state.prepare(a.name, a.where);
    // the traits are checked (unknown names refused) before anything is sent
    traitSelect(p.schema, req.query.traits);
    const { snapshot, format } = req.query;
    if (snapshot !== undefined && !(await audienceRuns(ws.db, a.name)).some((r) => r.runId === snapshot)) {
      throw new ApiError(404, 'not-found', `run ${snapshot} is not a snapshot of audience '${a.name}'`, { hint: `list them with GET /audiences/${a.name}/snapshots` });
    }
    const members: Query = snapshot === undefined ? p.query : select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('audience_members'), where: eq(col('run_id'), lit(snapshot)) });
    const fileName = `${a.name}${snapshot === undefined ? '' : `-run${snapshot}`}.${format}`;
    reply.header('content-disposition', `attachment; filename="${fileName}"`);
    if (format === 'parquet') {
      if (ws.db.dialect !== 'duckdb') throw new ApiError(400, 'format-unavailable', `Parquet exports are written by the embedded DuckDB; this workspace is on ${ws.db.dialect}`, { hint: 'use format=csv or format=ndjson' });
      const dir = join(serverDir(ws.dir), 'exports');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, `${randomBytes(8).toString('hex')}.parquet`);
      try {
        await exportMembers(ws as Workspace, p, file, req.query.traits, snapshot);
      } catch (e) {
        rmSync(file, { force: true });
        throw e;
      }
      const stream = createReadStream(file);
      const cleanup = () => rmSync(file, { force: true });
      stream.once('close', cleanup);
      reply.raw.once('close', () => stream.destroy());
      return reply.type('application/vnd.apache.parquet').send(stream);
    }
    const stream = Readable.from(pages(ws, p, members, req.query.traits, format), { objectMode: false, highWaterMark: 1 });
    reply.raw.once('close', () => stream.destroy());
    return reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson').send(stream);
  });
}
