/**
 * Webhook routes (admin): subscribe an audience's entries and exits to a URL, list, delete, enable a failed
 * subscription again (its held deliveries are then sent), and read a subscription's delivery log.
 */
import type { FastifyInstance } from 'fastify';
import type { Deliverer } from '../../pipeline/webhook-delivery.ts';
import {
  addSubscription, appendDeliveryLog, deliveryStates, getSubscription, listSubscriptions, publicSubscription, readDeliveryLog, removeSubscription,
  setSubscriptionStatus, WEBHOOK_EVENTS,
} from '../../store/outbox.ts';

const subscriptionSchema = {
  type: 'object',
  required: ['id', 'audience', 'url', 'events', 'createdAt', 'status'],
  properties: {
    id: { type: 'string' }, audience: { type: 'string' }, url: { type: 'string' },
    events: { type: 'array', items: { type: 'string', enum: [...WEBHOOK_EVENTS] } },
    createdAt: { type: 'string' }, status: { type: 'string', enum: ['active', 'failed'] },
    failure: { type: 'object', required: ['at', 'deliveryId', 'reason'], properties: { at: { type: 'string' }, deliveryId: { type: 'string' }, reason: { type: 'string' } } },
    secret: { type: 'string', description: 'only in the answer to the POST that creates it' },
  },
} as const;

const logEntrySchema = {
  type: 'object',
  required: ['at', 'deliveryId', 'webhookId', 'outcome'],
  properties: {
    at: { type: 'string' }, deliveryId: { type: 'string' }, webhookId: { type: 'string' },
    outcome: { type: 'string', enum: ['delivered', 'attempt', 'failed', 'dropped', 'held', 'requeued'] },
    attempt: { type: 'integer' }, status: { type: 'integer' }, error: { type: 'string' }, nextAt: { type: 'string' },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^wh_[0-9a-f]{16}$' } } } as const;

export function webhookRoutes(app: FastifyInstance, deliverer: () => Deliverer): void {
  const dir = () => app.segmint.ws.dir;

  app.get('/webhooks', {
    config: { role: 'admin' },
    schema: { summary: 'List webhook subscriptions (without their secrets)', tags: ['webhooks'], response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: subscriptionSchema } } } } },
  }, async () => ({ items: listSubscriptions(dir()).map(publicSubscription) }));

  app.post<{ Body: { audience: string; url: string; events?: string[]; secret?: string } }>('/webhooks', {
    config: { role: 'admin' },
    schema: {
      summary: "Subscribe a URL to an audience's entries and exits; the answer holds the signing secret (shown once)", tags: ['webhooks'],
      body: {
        type: 'object', additionalProperties: false, required: ['audience', 'url'],
        properties: {
          audience: { type: 'string', minLength: 1, maxLength: 200 },
          url: { type: 'string', minLength: 8, maxLength: 2000 },
          events: { type: 'array', minItems: 1, maxItems: 2, uniqueItems: true, items: { type: 'string', enum: [...WEBHOOK_EVENTS] } },
          secret: { type: 'string', minLength: 16, maxLength: 200 },
        },
      },
      response: { 201: subscriptionSchema },
    },
  }, async (req, reply) => {
    const s = addSubscription(dir(), req.body);
    return reply.code(201).send(s);
  });

  app.get<{ Params: { id: string } }>('/webhooks/:id', {
    config: { role: 'admin' },
    schema: { summary: 'One subscription, with its status (failed with the reason when a delivery used up its attempts)', tags: ['webhooks'], params: idParams, response: { 200: subscriptionSchema } },
  }, async (req) => publicSubscription(getSubscription(dir(), req.params.id)));

  app.delete<{ Params: { id: string } }>('/webhooks/:id', {
    config: { role: 'admin' },
    schema: { summary: 'Delete a subscription; its undelivered deliveries are dropped (and logged so)', tags: ['webhooks'], params: idParams, response: { 204: { type: 'null' } } },
  }, async (req, reply) => {
    removeSubscription(dir(), req.params.id);
    return reply.code(204).send();
  });

  app.post<{ Params: { id: string } }>('/webhooks/:id/enable', {
    config: { role: 'admin' },
    schema: { summary: 'Enable a failed subscription again: its failed and held deliveries are sent again', tags: ['webhooks'], params: idParams, response: { 200: subscriptionSchema } },
  }, async (req) => {
    const s = setSubscriptionStatus(dir(), req.params.id, 'active');
    // the delivery that failed is given a new round of attempts; the held ones are pending already
    for (const [deliveryId, st] of deliveryStates(dir())) {
      if (st.last.webhookId === s.id && st.finished === 'failed') appendDeliveryLog(dir(), { at: new Date().toISOString(), deliveryId, webhookId: s.id, outcome: 'requeued', error: 'subscription enabled again' });
    }
    await deliverer().drain();
    return publicSubscription(s);
  });

  app.get<{ Params: { id: string }; Querystring: { limit: number } }>('/webhooks/:id/deliveries', {
    config: { role: 'admin' },
    schema: {
      summary: "A subscription's delivery log, newest last: every attempt and outcome", tags: ['webhooks'], params: idParams,
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 } } },
      response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: logEntrySchema } } } },
    },
  }, async (req) => {
    getSubscription(dir(), req.params.id);
    return { items: readDeliveryLog(dir(), { webhookId: req.params.id }).slice(-req.query.limit) };
  });
}
