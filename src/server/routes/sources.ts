/**
 * Sources: the imported files, an upload that imports a file (admin), and the quarantined rows, paged. An
 * upload's body is the file itself; it is written to `<workspace>/server/uploads/<random id>.<format>` —
 * the name the client gives is kept as a label only, never used as a path.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { importFile, type ImportOptions } from '../../store/import/index.ts';
import { listQuarantine, listSources } from '../../store/sources.ts';
import { serverDir } from '../../store/tokens.ts';
import { ApiError } from '../errors.ts';
import { pageOf, pageQuery } from '../schemas.ts';
import { queueOrRun, queuedOrDone } from '../work.ts';

const FORMATS = ['csv', 'tsv', 'parquet', 'json', 'ndjson', 'xlsx'] as const;
const KINDS = ['transactions', 'customers', 'events', 'products', 'places'] as const;
/** The deepest offset of a paged list (further: filter, or export). */
export const MAX_OFFSET = 100_000;

const sourceSchema = {
  type: 'object', required: ['sourceId', 'kind', 'file', 'format', 'rowsRead', 'rowsLoaded', 'rowsQuarantined', 'importedAt'],
  properties: { sourceId: { type: 'integer' }, kind: { type: 'string' }, file: { type: 'string' }, format: { type: 'string' }, rowsRead: { type: 'integer' }, rowsLoaded: { type: 'integer' }, rowsQuarantined: { type: 'integer' }, importedAt: { type: 'string' } },
} as const;

export async function sourceRoutes(app: FastifyInstance, opts: { uploadLimit: number }): Promise<void> {
  const ws = app.segmint.ws;
  const rd = () => app.segmint.reader();
  // the body of an upload is streamed to its file, not parsed (this plugin's routes only)
  for (const type of ['application/octet-stream', 'text/csv', 'text/tab-separated-values', 'application/x-ndjson', 'application/vnd.apache.parquet', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']) {
    app.addContentTypeParser(type, { bodyLimit: opts.uploadLimit }, (_req, payload, done) => done(null, payload));
  }

  app.get('/sources', {
    config: { role: 'viewer' },
    schema: { tags: ['sources'], summary: 'The imported files, oldest first', response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: sourceSchema } } } } },
  }, async () => ({ items: (await listSources(rd().db)).map((s) => ({ ...s, file: s.file.startsWith(ws.dir) ? s.file.slice(ws.dir.length + 1) : s.file })) }));

  app.post<{ Querystring: { kind: ImportOptions['kind']; format: (typeof FORMATS)[number]; name?: string; timezone?: string }; Body: Readable }>('/sources', {
    config: { role: 'admin' },
    bodyLimit: opts.uploadLimit,
    schema: {
      tags: ['sources'],
      summary: 'Upload a file (the request body, Content-Type application/octet-stream or text/csv …) and import it with validation',
      querystring: {
        type: 'object', required: ['kind', 'format'], additionalProperties: false,
        properties: { kind: { enum: KINDS }, format: { enum: FORMATS }, name: { type: 'string', maxLength: 200 }, timezone: { type: 'string', pattern: '^[A-Za-z0-9_+/-]{1,64}$' } },
      },
      response: queuedOrDone({ type: 'object', additionalProperties: true, properties: { sourceId: { type: ['integer', 'null'] }, kind: { type: 'string' }, rows: { type: 'object', additionalProperties: { type: 'integer' } }, alreadyImported: { type: 'boolean' }, warnings: { type: 'array', items: { type: 'string' } } } }),
    },
  }, async (req, reply) => {
    const body = req.body as Readable | undefined;
    if (!body || typeof (body as { pipe?: unknown }).pipe !== 'function') throw new ApiError(415, 'unsupported-media-type', 'send the file as the body with Content-Type application/octet-stream (or text/csv, application/x-ndjson …)');
    const dir = join(serverDir(ws.dir), 'uploads');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `${new Date().toISOString().slice(0, 10)}-${randomBytes(8).toString('hex')}.${req.query.format}`);
    try {
      await pipeline(body, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    } catch (e) {
      rmSync(file, { force: true });
      throw (e as { statusCode?: number }).statusCode ? e : new ApiError(400, 'upload-failed', `the upload did not complete: ${e instanceof Error ? e.message : String(e)}`);
    }
    const { kind, timezone } = req.query;
    return queueOrRun(app, reply, {
      kind: 'import', params: { kind, format: req.query.format, name: req.query.name ?? null }, writer: true,
      run: async (progress) => {
        try {
          const r = await importFile(ws, file, { kind, format: req.query.format, ...(timezone ? { timezone } : {}), remember: false, onProgress: (phase, f) => progress(phase, f) });
          return { ...r, file: file.slice(ws.dir.length + 1), name: req.query.name ?? null };
        } catch (e) {
          rmSync(file, { force: true });
          throw e;
        }
      },
    });
  });

  app.get<{ Querystring: { sourceId?: number; reason?: string; limit: number; offset: number } }>('/quarantine', {
    config: { role: 'viewer' },
    schema: {
      tags: ['sources'], summary: 'Quarantined rows (the raw values and the reason), paged, with counts per source and reason',
      querystring: { type: 'object', additionalProperties: false, properties: { sourceId: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 }, reason: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' }, ...pageQuery, offset: { ...pageQuery.offset, maximum: MAX_OFFSET } } },
      response: {
        200: {
          ...pageOf({ type: 'object', required: ['sourceId', 'kind', 'line', 'reason'], properties: { sourceId: { type: 'integer' }, kind: { type: 'string' }, line: { type: 'integer' }, reason: { type: 'string' }, detail: { type: ['string', 'null'] }, raw: {} } }),
          properties: {
            ...(pageOf({}).properties as object),
            items: { type: 'array', items: { type: 'object', required: ['sourceId', 'kind', 'line', 'reason'], properties: { sourceId: { type: 'integer' }, kind: { type: 'string' }, line: { type: 'integer' }, reason: { type: 'string' }, detail: { type: ['string', 'null'] }, raw: {} } } },
            summary: { type: 'array', items: { type: 'object', properties: { sourceId: { type: 'integer' }, file: { type: ['string', 'null'] }, kind: { type: 'string' }, reason: { type: 'string' }, rows: { type: 'integer' } } } },
          },
        },
      },
    },
  }, async (req) => {
    const { limit, offset } = req.query;
    const q = await listQuarantine(rd().db, { sourceId: req.query.sourceId, reason: req.query.reason }, offset + limit);
    return { total: q.total, limit, offset, items: q.rows.slice(offset), summary: q.summary };
  });
}
