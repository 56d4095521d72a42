/**
 * Routes of refresh and its schedule: trigger a refresh (a job), read the workspace's freshness, and read,
 * set or switch off the cron schedule that runs refresh unattended.
 */
import type { FastifyInstance } from 'fastify';
import { readFreshness } from '../pipeline/refresh.ts';
import type { Job } from './jobs/queue.ts';
import { jobSchema } from './jobs/routes.ts';
import { deleteSchedule, saveSchedule, type Scheduler } from './schedule.ts';

const failureSchema = { type: 'object', required: ['at', 'trigger', 'step', 'code', 'message'], properties: { at: { type: 'string' }, trigger: { type: 'string' }, step: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } } as const;

export const freshnessDocSchema = {
  type: 'object',
  properties: {
    lastAttempt: { type: 'object', required: ['at', 'trigger'], properties: { at: { type: 'string' }, trigger: { type: 'string' } } },
    lastSuccess: {
      type: 'object', required: ['at', 'trigger', 'sourceId', 'imported', 'runs', 'recomputed'],
      properties: { at: { type: 'string' }, trigger: { type: 'string' }, sourceId: { type: 'integer' }, imported: { type: 'integer' }, runs: { type: 'integer' }, recomputed: { type: 'boolean' } },
    },
    lastFailure: failureSchema,
    lastRecomputed: {
      type: 'object', required: ['at', 'trigger', 'sourceId', 'runs'],
      properties: { at: { type: 'string' }, trigger: { type: 'string' }, sourceId: { type: 'integer' }, runs: { type: 'integer' } },
    },
    computedSourceId: { type: 'integer' },
  },
} as const;

const scheduleStateSchema = {
  type: 'object',
  required: ['schedule', 'next'],
  properties: {
    schedule: {
      type: ['object', 'null'], required: ['cron', 'timezone', 'enabled', 'updatedAt'],
      properties: { cron: { type: 'string' }, timezone: { type: 'string' }, enabled: { type: 'boolean' }, updatedAt: { type: 'string' } },
    },
    next: { type: 'array', items: { type: 'string' } },
    lastFired: { type: 'object', required: ['at'], properties: { at: { type: 'string' }, jobId: { type: 'string' }, skipped: { type: 'string' } } },
  },
} as const;

export function scheduleRoutes(app: FastifyInstance, submitRefresh: (by: string, force: boolean) => Job, scheduler: () => Scheduler): void {
  app.post<{ Body: { force?: boolean } | undefined }>('/refresh', {
    config: { role: 'analyst' },
    // a POST without a body is a refresh with the defaults
    preValidation: async (req) => {
      if (req.body === undefined || req.body === null) req.body = {};
    },
    schema: {
      summary: "Refresh now: import the inbox's new files, re-run what depends on them, snapshot every audience, fire webhooks (a job; a refresh already queued or running is answered instead of a second one)", tags: ['refresh'],
      body: { type: 'object', additionalProperties: false, properties: { force: { type: 'boolean', description: 're-run everything even when no new data came in' } } },
      response: { 202: jobSchema },
    },
  }, async (req, reply) => reply.code(202).send(submitRefresh(req.token?.name ?? 'api', req.body?.force ?? false)));

  app.get('/refresh', {
    config: { role: 'viewer' },
    schema: { summary: "The workspace's freshness: last refresh attempt, last success, last failure with its step and message", tags: ['refresh'], response: { 200: freshnessDocSchema } },
  }, async () => readFreshness(app.segmint.ws.dir));

  app.get('/schedule', {
    config: { role: 'viewer' },
    schema: { summary: 'The refresh schedule and its next times', tags: ['refresh'], response: { 200: scheduleStateSchema } },
  }, async () => scheduler().state());

  app.put<{ Body: { cron: string; timezone?: string; enabled?: boolean } }>('/schedule', {
    config: { role: 'admin' },
    schema: {
      summary: 'Set the refresh schedule: a cron pattern (5 fields, or 6 with seconds first) in a time zone', tags: ['refresh'],
      body: {
        type: 'object', additionalProperties: false, required: ['cron'],
        properties: { cron: { type: 'string', minLength: 9, maxLength: 200 }, timezone: { type: 'string', minLength: 1, maxLength: 64, default: 'UTC' }, enabled: { type: 'boolean', default: true } },
      },
      response: { 200: scheduleStateSchema },
    },
  }, async (req) => {
    saveSchedule(app.segmint.ws.dir, req.body);
    scheduler().reload();
    return scheduler().state();
  });

  app.delete('/schedule', {
    config: { role: 'admin' },
    schema: { summary: 'Switch the refresh schedule off (the pattern is kept, disabled)', tags: ['refresh'], response: { 200: scheduleStateSchema } },
  }, async () => {
    deleteSchedule(app.segmint.ws.dir);
    scheduler().reload();
    return scheduler().state();
  });
}
