/**
 * Long work from a request (runs, snapshots, imports): through the job queue when the jobs plugin has set
 * `app.segmint.submitJob` (202 with the job), else done within the request (201 with the result).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { JobSpec } from './app.ts';

export const jobRefSchema = { type: 'object', required: ['id', 'kind', 'status'], properties: { id: { type: 'string' }, kind: { type: 'string' }, status: { type: 'string' } } } as const;

/** Response schemas of a route that queues or runs `result`. */
export const queuedOrDone = (result: Record<string, unknown>) => ({ 201: result, 202: jobRefSchema });

export async function queueOrRun(app: FastifyInstance, reply: FastifyReply, job: JobSpec): Promise<unknown> {
  if (app.segmint.submitJob) return reply.code(202).send(await app.segmint.submitJob(job));
  const result = await job.run(() => {}, new AbortController().signal);
  return reply.code(201).send(result);
}
