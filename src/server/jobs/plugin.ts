/**
 * Jobs, refresh, schedule and webhooks as one Fastify plugin: `await app.register(jobsPlugin, options)` on
 * the instance buildServer gives. It sets `app.segmint.submitJob` (every run-creating route queues its work
 * here) and `app.segmint.failures`, and on start drains the webhook outbox (deliveries a stopped server left
 * unsent) and starts the schedule; on close it stops them and waits for the running job.
 */
import type { FastifyInstance } from 'fastify';
import { readFreshness, refresh } from '../../pipeline/refresh.ts';
import { Deliverer, type DeliveryEvent, type DeliveryPolicy } from '../../pipeline/webhook-delivery.ts';
import { pendingDeliveries, type OutboxRow } from '../../store/outbox.ts';
import type { Failure, JobRef, JobSpec } from '../app.ts';
import { scheduleRoutes } from '../schedule-routes.ts';
import { REAL_CLOCK, Scheduler, type Clock } from '../schedule.ts';
import { webhookRoutes } from '../webhooks/routes.ts';
import { JobQueue, type Job } from './queue.ts';
import { jobRoutes } from './routes.ts';

export interface JobsPluginOptions {
  /** retries and time-outs of webhook deliveries */
  delivery?: Partial<DeliveryPolicy>;
  /** the schedule's clock (tests) */
  clock?: Clock;
  /** run the schedule (default true) */
  schedule?: boolean;
  /** told of every delivery outcome (tests, logs) */
  onDelivery?: (e: DeliveryEvent) => void;
}

export interface JobsRuntime {
  queue: JobQueue;
  deliverer: Deliverer;
  scheduler: Scheduler;
  /** queue a refresh (refused with the running one's id when one is queued or running) */
  submitRefresh: (by: string, force?: boolean) => Job;
}

const runtimes = new WeakMap<object, JobsRuntime>();
/** The queue, deliverer and scheduler of a server the plugin was registered on. */
export function jobsOf(app: FastifyInstance): JobsRuntime {
  const r = runtimes.get(app.segmint);
  if (!r) throw new Error('the jobs plugin is not registered on this server');
  return r;
}

/**
 * Where a snapshot's committed deliveries go (`snapshotWithDeliveries(ws, p, deliverTo(app))`): this server's
 * deliverer, or nowhere when the plugin is not registered (the rows wait in the outbox for the next start).
 */
export function deliverTo(app: FastifyInstance): (rows: OutboxRow[]) => void {
  return (rows) => runtimes.get(app.segmint)?.deliverer.send(rows);
}

async function plugin(app: FastifyInstance, options: JobsPluginOptions): Promise<void> {
  const ctx = app.segmint;
  const ws = ctx.ws;
  const queue = new JobQueue(ws.dir);
  // the outbox is read between jobs: never a snapshot's uncommitted rows
  const deliverer = new Deliverer(ws.dir, () => queue.exclusive(() => pendingDeliveries(ws.db, ws.dir)), options.delivery, (e) => {
    options.onDelivery?.(e);
    if (e.outcome === 'failed') app.log.warn({ webhook: e.webhookId, delivery: e.deliveryId, reason: e.reason }, 'webhook delivery failed');
  });

  const submit = (spec: JobSpec & { submittedBy?: string }): Job => queue.submit({ kind: spec.kind, params: spec.params, run: spec.run, ...(spec.submittedBy ? { submittedBy: spec.submittedBy } : {}) });
  const submitRefresh = (by: string, force = false): Job => {
    const pending = queue.list({ kind: 'refresh' }).find((j) => j.status === 'queued' || j.status === 'running');
    if (pending) return pending;
    return submit({
      kind: 'refresh', params: { force }, writer: true, submittedBy: by,
      run: async (progress, signal) => {
        const r = await refresh(ws, { force, trigger: by === 'schedule' ? 'schedule' : 'api', signal, onProgress: (m, f) => progress(m, f), deliver: (rows) => deliverer.send(rows) });
        const { freshness: _f, ...rest } = r;
        return rest;
      },
    });
  };
  const scheduler = new Scheduler(ws.dir, () => {
    const running = queue.list({ kind: 'refresh' }).find((j) => j.status === 'queued' || j.status === 'running');
    if (running) return { skipped: `refresh ${running.id} is still ${running.status}` };
    return { jobId: submitRefresh('schedule').id };
  }, options.clock ?? REAL_CLOCK);
  runtimes.set(ctx, { queue, deliverer, scheduler, submitRefresh });

  ctx.submitJob = async (spec: JobSpec): Promise<JobRef> => {
    const j = submit(spec);
    return { id: j.id, kind: j.kind, status: j.status };
  };
  ctx.failures = () => {
    const out: Record<string, Failure> = {};
    for (const j of queue.list()) {
      if (j.status === 'failed' && !out[j.kind]) out[j.kind] = { at: j.finishedAt ?? j.createdAt, message: j.error?.message ?? 'failed', jobId: j.id };
    }
    // a refresh run from the CLI fails outside the queue: the workspace's freshness has it too
    const f = readFreshness(ws.dir).lastFailure;
    if (f && (!out.refresh || out.refresh.at < f.at)) out.refresh = { at: f.at, message: `${f.step}: ${f.message}` };
    return out;
  };

  jobRoutes(app, queue);
  webhookRoutes(app, () => deliverer);
  scheduleRoutes(app, submitRefresh, () => scheduler);

  app.addHook('onReady', async () => {
    await deliverer.drain();
    if (options.schedule !== false) scheduler.reload();
  });
  app.addHook('onClose', async () => {
    scheduler.stop();
    deliverer.stop();
    await queue.close();
  });
}

// registered without encapsulation (as fastify-plugin does): its routes and hooks belong to the server itself
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
export const jobsPlugin = plugin;
