/**
 * Webhooks on audience entry and exit, as the workspace keeps them.
 *
 * - Subscriptions: `<workspace>/webhooks/subscriptions.json` (mode 0600: it holds each subscription's signing
 *   secret), written atomically.
 * - The outbox: the table `webhook_outbox`. When an audience snapshot is stored, one delivery per
 *   subscription of that audience, event (entered / exited) and chunk of at most CHUNK customers is written
 *   in the snapshot's own write (tagged with its run id, so the journal undoes both together; on ClickHouse
 *   before the runs row that publishes the snapshot). A snapshot is never stored without its deliveries.
 * - The delivery log: `<workspace>/webhooks/deliveries.ndjson`, one line per attempt or outcome, appended.
 *   A delivery is pending while the log has no `delivered`, `failed` or `dropped` line for it.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SegmintError } from '../core/errors.ts';
import { compile } from '../sql/compile.ts';
import { and, cast, col, eq, inQuery, lit, select, table } from '../sql/ir.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { wholeSecond } from './journal.ts';
import type { Db } from './workspace.ts';

export const WEBHOOK_EVENTS = ['entered', 'exited'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The most customers one delivery names; a larger change is sent as several deliveries. */
export const CHUNK = 1000;

export interface Subscription {
  id: string;
  audience: string;
  url: string;
  events: WebhookEvent[];
  /** the HMAC-SHA256 key of the `Segmint-Signature` header */
  secret: string;
  createdAt: string;
  /** failed: a delivery used up its attempts; later deliveries wait in the outbox until it is enabled again */
  status: 'active' | 'failed';
  failure?: { at: string; deliveryId: string; reason: string };
}

/** A subscription as shown to anyone but its creator: without its secret. */
export type PublicSubscription = Omit<Subscription, 'secret'>;
export const publicSubscription = ({ secret: _secret, ...rest }: Subscription): PublicSubscription => rest;

export const webhooksDir = (workspaceDir: string) => join(workspaceDir, 'webhooks');
const subscriptionsFile = (dir: string) => join(webhooksDir(dir), 'subscriptions.json');
export const deliveryLogFile = (dir: string) => join(webhooksDir(dir), 'deliveries.ndjson');

export function listSubscriptions(dir: string): Subscription[] {
  const f = subscriptionsFile(dir);
  if (!existsSync(f)) return [];
  try {
    const v = JSON.parse(readFileSync(f, 'utf8')) as { subscriptions?: Subscription[] };
    return Array.isArray(v.subscriptions) ? v.subscriptions : [];
  } catch (e) {
    throw new SegmintError('corrupt-workspace', `${f} is not valid JSON: ${(e as Error).message}`, { hint: 'restore the file from a backup, or delete it and subscribe again', exitCode: 1 });
  }
}

function saveSubscriptions(dir: string, subs: Subscription[]): void {
  mkdirSync(webhooksDir(dir), { recursive: true });
  const f = subscriptionsFile(dir);
  writeFileAtomic(f, `${JSON.stringify({ subscriptions: subs }, null, 2)}\n`);
  chmodSync(f, 0o600);
}

/** Check a receiver URL: http or https, with a host, no credentials in it. */
export function checkWebhookUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SegmintError('invalid-url', `'${url.slice(0, 200)}' is not a URL`, { hint: 'give an absolute http:// or https:// URL' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SegmintError('invalid-url', `${u.protocol} URLs are not supported for webhooks`, { hint: 'give an http:// or https:// URL' });
  if (u.username || u.password) throw new SegmintError('invalid-url', 'a webhook URL may not carry a user name or password', { hint: 'the receiver checks the Segmint-Signature header instead' });
  return u.toString();
}

/** Subscribe `url` to an audience's entries and exits (or one of them). Returns the subscription with its secret. */
export function addSubscription(dir: string, input: { audience: string; url: string; events?: readonly string[]; secret?: string }): Subscription {
  const events = [...new Set(input.events ?? WEBHOOK_EVENTS)];
  for (const e of events) {
    if (!(WEBHOOK_EVENTS as readonly string[]).includes(e)) throw new SegmintError('invalid-option', `event '${e}': expected ${WEBHOOK_EVENTS.join(' or ')}`, { hint: 'subscribe to entered, exited or both' });
  }
  if (!events.length) throw new SegmintError('invalid-option', 'a webhook needs at least one event', { hint: 'subscribe to entered, exited or both' });
  if (!/^[\p{L}\p{N}_ .-]{1,200}$/u.test(input.audience)) throw new SegmintError('invalid-option', 'an audience name has letters, digits, spaces, _ . and - only (at most 200)', { hint: 'give the name of an audience of this workspace' });
  if (input.secret !== undefined && (input.secret.length < 16 || input.secret.length > 200)) throw new SegmintError('invalid-option', 'a webhook secret has 16 to 200 characters', { hint: 'leave it out to have one generated' });
  const sub: Subscription = {
    id: `wh_${randomBytes(8).toString('hex')}`,
    audience: input.audience,
    url: checkWebhookUrl(input.url),
    events: events as WebhookEvent[],
    secret: input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`,
    createdAt: new Date().toISOString(),
    status: 'active',
  };
  saveSubscriptions(dir, [...listSubscriptions(dir), sub]);
  return sub;
}

export function getSubscription(dir: string, id: string): Subscription {
  const s = listSubscriptions(dir).find((x) => x.id === id);
  if (!s) throw new SegmintError('unknown-webhook', `no webhook ${id.slice(0, 100)} in this workspace`, { hint: 'list them with GET /webhooks' });
  return s;
}

export function removeSubscription(dir: string, id: string): void {
  getSubscription(dir, id);
  saveSubscriptions(dir, listSubscriptions(dir).filter((s) => s.id !== id));
}

/** Mark a subscription failed (with the reason) or active again. */
export function setSubscriptionStatus(dir: string, id: string, status: Subscription['status'], failure?: Subscription['failure']): Subscription {
  const subs = listSubscriptions(dir);
  const s = subs.find((x) => x.id === id);
  if (!s) throw new SegmintError('unknown-webhook', `no webhook ${id.slice(0, 100)} in this workspace`, { hint: 'list them with GET /webhooks' });
  s.status = status;
  if (status === 'failed' && failure) s.failure = failure;
  if (status === 'active') delete s.failure;
  saveSubscriptions(dir, subs);
  return s;
}

/** One delivery of the outbox. */
export interface OutboxRow {
  runId: number;
  deliveryId: string;
  webhookId: string;
  audience: string;
  event: WebhookEvent;
  /** the JSON body sent */
  payload: string;
  createdAt: string;
}

/** The body of a delivery. */
export interface DeliveryPayload {
  deliveryId: string;
  webhookId: string;
  type: `audience.${WebhookEvent}`;
  audience: string;
  /** the snapshot run this change was found by, and the one before it */
  runId: number;
  previousRunId: number;
  asOf: string;
  customers: string[];
  /** this delivery's place among the deliveries of one change (0-based) */
  part: number;
  parts: number;
  createdAt: string;
}

/** The snapshot run of `audience` just before `runId` (committed runs only), or undefined. */
export async function previousSnapshot(db: Db, audience: string, runId: number): Promise<number | undefined> {
  const q = compile(select({
    select: [{ expr: col('run_id'), as: 'run_id' }, { expr: cast(col('params'), 'varchar'), as: 'params' }],
    from: table('runs'),
    where: eq(col('kind'), lit('audience')),
  }), db.dialect);
  let best: number | undefined;
  for (const r of await db.all<{ run_id: number; params: string }>(q.sql, q.params)) {
    const id = Number(r.run_id);
    const p = JSON.parse(r.params) as { name?: string; source?: string };
    if (id < runId && p.name === audience && p.source === undefined && (best === undefined || id > best)) best = id;
  }
  return best;
}

/** The members of snapshot `x` that are not members of snapshot `y`, sorted. */
async function membersNotIn(db: Db, x: number, y: number): Promise<string[]> {
  const membersOf = (run: number) => select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('audience_members'), where: eq(col('run_id'), lit(run)) });
  const q = compile(select({
    distinct: true,
    select: [{ expr: col('customer_id'), as: 'customer_id' }],
    from: table('audience_members'),
    where: and(eq(col('run_id'), lit(x)), inQuery(col('customer_id'), membersOf(y), true)),
    orderBy: [col('customer_id')],
  }), db.dialect);
  return (await db.all<{ customer_id: string }>(q.sql, q.params)).map((r) => String(r.customer_id));
}

const OUTBOX_COLUMNS = ['run_id', 'delivery_id', 'webhook_id', 'audience', 'event', 'payload', 'created_at'] as const;

/**
 * Write the deliveries announcing snapshot `runId` of `audience` to the outbox: the customers who entered
 * and who exited since the audience's previous snapshot, for every subscription of the audience. Call it
 * inside the snapshot's write (evaluateAudience's beforeRecord). The first snapshot of an audience is its
 * baseline: it announces nothing. Returns the rows written.
 */
export async function enqueueSnapshotDeliveries(db: Db, dir: string, audience: string, runId: number, asOf: string): Promise<OutboxRow[]> {
  const subs = listSubscriptions(dir).filter((s) => s.audience === audience);
  if (!subs.length) return [];
  const previous = await previousSnapshot(db, audience, runId);
  if (previous === undefined) return [];
  const changes: Record<WebhookEvent, string[]> = { entered: await membersNotIn(db, runId, previous), exited: await membersNotIn(db, previous, runId) };
  const at = wholeSecond();
  const rows: OutboxRow[] = [];
  for (const s of subs) {
    for (const event of s.events) {
      const customers = changes[event];
      const parts = Math.ceil(customers.length / CHUNK);
      for (let part = 0; part < parts; part++) {
        const deliveryId = `dlv_${runId}_${s.id.slice(3)}_${event}_${part}`;
        const payload: DeliveryPayload = {
          deliveryId, webhookId: s.id, type: `audience.${event}`, audience, runId, previousRunId: previous, asOf,
          customers: customers.slice(part * CHUNK, (part + 1) * CHUNK), part, parts, createdAt: at.toISOString(),
        };
        rows.push({ runId, deliveryId, webhookId: s.id, audience, event, payload: JSON.stringify(payload), createdAt: at.toISOString() });
      }
    }
  }
  if (rows.length) await db.insertRows('webhook_outbox', OUTBOX_COLUMNS, rows.map((r) => [r.runId, r.deliveryId, r.webhookId, r.audience, r.event, r.payload, at]));
  return rows;
}

/** Every delivery of the outbox (committed snapshots only: on ClickHouse, rows whose runs row is written). */
export async function outboxRows(db: Db, options: { runId?: number } = {}): Promise<OutboxRow[]> {
  const published = select({ select: [{ expr: col('run_id'), as: 'run_id' }], from: table('runs') });
  const cond = inQuery(col('run_id'), published);
  const q = compile(select({
    select: OUTBOX_COLUMNS.map((c) => ({ expr: c === 'payload' ? cast(col(c), 'varchar') : col(c), as: c })),
    from: table('webhook_outbox'),
    where: options.runId === undefined ? cond : and(cond, eq(col('run_id'), lit(options.runId))),
    orderBy: [col('run_id'), col('delivery_id')],
  }), db.dialect);
  const rows = await db.all<Record<(typeof OUTBOX_COLUMNS)[number], unknown>>(q.sql, q.params);
  return rows.map((r) => ({
    runId: Number(r.run_id), deliveryId: String(r.delivery_id), webhookId: String(r.webhook_id), audience: String(r.audience),
    event: String(r.event) as WebhookEvent, payload: String(r.payload), createdAt: r.created_at instanceof Date ? r.created_at.toISOString() : String(r.created_at),
  }));
}

/** One line of the delivery log. */
export interface DeliveryLogEntry {
  at: string;
  deliveryId: string;
  webhookId: string;
  /**
   * attempt: an attempt that failed and will be retried; held: its subscription is failed, kept in the outbox;
   * requeued: its subscription was enabled again, so a failed delivery gets a new round of attempts
   */
  outcome: 'delivered' | 'attempt' | 'failed' | 'dropped' | 'held' | 'requeued';
  attempt?: number;
  status?: number;
  error?: string;
  /** when the next attempt is due (outcome attempt) */
  nextAt?: string;
}

export const TERMINAL: ReadonlySet<DeliveryLogEntry['outcome']> = new Set(['delivered', 'failed', 'dropped']);

export function appendDeliveryLog(dir: string, entry: DeliveryLogEntry): void {
  mkdirSync(webhooksDir(dir), { recursive: true });
  appendFileSync(deliveryLogFile(dir), `${JSON.stringify(entry)}\n`);
}

/** The delivery log, oldest first (a line cut short by a killed process is skipped). */
export function readDeliveryLog(dir: string, options: { deliveryId?: string; webhookId?: string } = {}): DeliveryLogEntry[] {
  const f = deliveryLogFile(dir);
  if (!existsSync(f)) return [];
  const out: DeliveryLogEntry[] = [];
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let e: DeliveryLogEntry;
    try {
      e = JSON.parse(line) as DeliveryLogEntry;
    } catch {
      continue;
    }
    if (options.deliveryId !== undefined && e.deliveryId !== options.deliveryId) continue;
    if (options.webhookId !== undefined && e.webhookId !== options.webhookId) continue;
    out.push(e);
  }
  return out;
}

/** What the log says of each delivery it names: its attempts so far and whether it is finished. */
export function deliveryStates(dir: string): Map<string, { attempts: number; finished?: DeliveryLogEntry['outcome']; last: DeliveryLogEntry }> {
  const m = new Map<string, { attempts: number; finished?: DeliveryLogEntry['outcome']; last: DeliveryLogEntry }>();
  for (const e of readDeliveryLog(dir)) {
    const s = m.get(e.deliveryId) ?? { attempts: 0, last: e };
    if (e.outcome === 'attempt' || e.outcome === 'delivered' || e.outcome === 'failed') s.attempts = e.attempt ?? s.attempts + 1;
    if (TERMINAL.has(e.outcome)) s.finished = e.outcome;
    if (e.outcome === 'requeued') {
      s.attempts = 0;
      delete s.finished;
    }
    s.last = e;
    m.set(e.deliveryId, s);
  }
  return m;
}

/** The deliveries of the outbox that are not finished, with the attempts each has had. */
export async function pendingDeliveries(db: Db, dir: string): Promise<(OutboxRow & { attempts: number })[]> {
  const states = deliveryStates(dir);
  return (await outboxRows(db)).filter((r) => !states.get(r.deliveryId)?.finished).map((r) => ({ ...r, attempts: states.get(r.deliveryId)?.attempts ?? 0 }));
}
