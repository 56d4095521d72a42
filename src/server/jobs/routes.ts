/**
 * Routes of the job queue: list, one job, its progress as Server-Sent Events, cancel.
 *
 * GET /jobs/:id/events streams `event: status` and `event: progress` messages (data: the JobEvent as JSON,
 * id: its sequence number) from the job's first event — a client that reconnects with Last-Event-ID gets
 * only the later ones — and ends after the job finishes.
 */
import type { FastifyInstance } from 'fastify';
import { isFinished, JOB_STATUSES, type Job, type JobEvent, type JobQueue } from './queue.ts';

export const jobSchema = {
  type: 'object',
  required: ['id', 'kind', 'status', 'createdAt', 'progress'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    params: { type: 'object', additionalProperties: true },
    status: { type: 'string', enum: [...JOB_STATUSES] },
    submittedBy: { type: 'string' },
    createdAt: { type: 'string' },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    progress: { type: 'object', required: ['message', 'fraction'], properties: { message: { type: 'string' }, fraction: { type: ['number', 'null'] } } },
    result: {},
    error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } } },
    cancelRequested: { type: 'boolean' },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

const sse = (e: JobEvent) => `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

export function jobRoutes(app: FastifyInstance, queue: JobQueue): void {
  app.get<{ Querystring: { status?: Job['status']; kind?: string; limit: number; offset: number } }>('/jobs', {
    config: { role: 'viewer' },
    schema: {
      summary: 'List jobs, newest first', tags: ['jobs'],
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          status: { type: 'string', enum: [...JOB_STATUSES] }, kind: { type: 'string', maxLength: 64 },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
        },
      },
      response: { 200: { type: 'object', required: ['total', 'limit', 'offset', 'items'], properties: { total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' }, items: { type: 'array', items: jobSchema } } } },
    },
  }, async (req) => {
    const all = queue.list({ ...(req.query.status ? { status: req.query.status } : {}), ...(req.query.kind ? { kind: req.query.kind } : {}) });
    return { total: all.length, limit: req.query.limit, offset: req.query.offset, items: all.slice(req.query.offset, req.query.offset + req.query.limit) };
  });

  app.get<{ Params: { id: string } }>('/jobs/:id', {
    config: { role: 'viewer' },
    schema: { summary: 'One job: status, progress, result or error', tags: ['jobs'], params: idParams, response: { 200: jobSchema } },
  }, async (req) => queue.get(req.params.id));

  app.get<{ Params: { id: string } }>('/jobs/:id/events', {
    config: { role: 'viewer' },
    schema: {
      summary: "A job's progress as Server-Sent Events (status and progress events; the stream ends when the job finishes)", tags: ['jobs'], params: idParams,
      response: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
    },
  }, async (req, reply) => {
    const job = queue.get(req.params.id);
    const after = Number(req.headers['last-event-id'] ?? 0) || 0;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let sent = after;
    const write = (e: JobEvent) => {
      if (e.seq <= sent) return;
      sent = e.seq;
      res.write(sse(e));
    };
    // listen first, then replay: no event falls between the two
    let unsubscribe: () => void = () => undefined;
    const done = () => {
      unsubscribe();
      clearInterval(ping);
      res.end();
    };
    unsubscribe = queue.subscribe(job.id, (e, j) => {
      write(e);
      if (e.type === 'status' && isFinished(j.status)) done();
    });
    const ping = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    ping.unref();
    req.raw.once('close', () => {
      unsubscribe();
      clearInterval(ping);
    });
    for (const e of queue.eventsOf(job.id)) write(e);
    if (isFinished(queue.get(job.id).status)) done();
  });

  app.post<{ Params: { id: string } }>('/jobs/:id/cancel', {
    config: { role: 'analyst' },
    schema: { summary: 'Cancel a job: a queued one at once, a running one at its next step (what it stored before stays)', tags: ['jobs'], params: idParams, response: { 200: jobSchema } },
  }, async (req) => queue.cancel(req.params.id));
}
