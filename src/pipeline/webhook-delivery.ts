/**
 * Sending the webhook outbox (store/outbox.ts): each delivery is POSTed as JSON with
 *   Segmint-Delivery: <delivery id>           (the same on every retry: receivers drop repeats by it)
 *   Segmint-Event: audience.entered | audience.exited
 *   Segmint-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the subscription's secret>
 * A 2xx answer delivers it; anything else (another status, a refused connection, a timeout) is an attempt
 * that is retried after baseDelayMs · 2^(attempt − 1) (at most maxDelayMs), up to maxAttempts; then the
 * delivery is failed and its subscription marked failed with the reason, and that subscription's later
 * deliveries wait in the outbox until it is enabled again. Every attempt and outcome is appended to the
 * delivery log, so a restarted server resumes where the last one stopped (`drain`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  appendDeliveryLog, listSubscriptions, pendingDeliveries, setSubscriptionStatus, type OutboxRow, type Subscription,
} from '../store/outbox.ts';
import type { Db } from '../store/workspace.ts';

export interface DeliveryPolicy {
  /** attempts before a delivery is failed (default 5) */
  maxAttempts: number;
  /** the wait after the first failed attempt, doubled after each (default 2 s) */
  baseDelayMs: number;
  maxDelayMs: number;
  /** how long a receiver may take to answer (default 10 s) */
  timeoutMs: number;
  /** deliveries sent at the same time, at most (default 8) */
  concurrency: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { maxAttempts: 5, baseDelayMs: 2000, maxDelayMs: 10 * 60_000, timeoutMs: 10_000, concurrency: 8 };

/** The Segmint-Signature header value of `body` sent at `t` (unix seconds). */
export function signatureHeader(secret: string, body: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** Check a Segmint-Signature header against the raw body, as a receiver does (tolerance in seconds; 0 for none). */
export function verifySignature(secret: string, body: string, header: string, options: { toleranceSec?: number; now?: number } = {}): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || typeof parts.v1 !== 'string') return false;
  const tolerance = options.toleranceSec ?? 300;
  if (tolerance > 0 && Math.abs((options.now ?? Date.now() / 1000) - t) > tolerance) return false;
  const want = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const got = Buffer.from(parts.v1);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** The wait before attempt `attempt + 1` after `attempt` failed ones. */
export const retryDelay = (p: DeliveryPolicy, attempt: number): number => Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));

/** POST one delivery; resolves to its HTTP status, or rejects with what went wrong. */
export async function postDelivery(sub: Subscription, row: OutboxRow, timeoutMs: number): Promise<number> {
  const t = Math.floor(Date.now() / 1000);
  const res = await fetch(sub.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'segmint-webhooks',
      'segmint-delivery': row.deliveryId,
      'segmint-event': `audience.${row.event}`,
      'segmint-signature': signatureHeader(sub.secret, row.payload, t),
    },
    body: row.payload,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  // the body is not used; read it so the connection is released
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
}

const reasonOf = (e: unknown): string => {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return 'no answer in time';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
};

/** What a Deliverer reports as it works (for the server's log, and tests). */
export type DeliveryEvent = { deliveryId: string; webhookId: string; outcome: 'delivered' | 'attempt' | 'failed' | 'held' | 'dropped'; attempt?: number; reason?: string };

/**
 * Sends deliveries and retries them on their schedule. One per workspace: in the server it lives as long as
 * the server; the CLI's refresh makes one, sends, and waits at most a while (`idle`).
 */
export class Deliverer {
  private readonly policy: DeliveryPolicy;
  /** deliveries taken on: waiting for a free sender, being sent */
  private readonly inFlight = new Set<string>();
  private readonly ready: { row: OutboxRow; before: number }[] = [];
  private sending = 0;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly waiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly dir: string,
    /** reads the pending deliveries (the server runs it under its workspace lock) */
    private readonly readPending: () => Promise<(OutboxRow & { attempts: number })[]>,
    policy: Partial<DeliveryPolicy> = {},
    private readonly onEvent: (e: DeliveryEvent) => void = () => undefined,
  ) {
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...policy };
  }

  /** A Deliverer reading the outbox straight from `db` (no other user of the connection). */
  static forDb(db: Db, dir: string, policy: Partial<DeliveryPolicy> = {}, onEvent?: (e: DeliveryEvent) => void): Deliverer {
    return new Deliverer(dir, () => pendingDeliveries(db, dir), policy, onEvent);
  }

  /** Send every pending delivery of the outbox (on start, after a subscription is enabled again, after a refresh). */
  async drain(): Promise<number> {
    if (this.stopped) return 0;
    const rows = await this.readPending();
    this.send(rows);
    return rows.length;
  }

  /** Start sending these deliveries (those already being sent or waiting for a retry are left alone). */
  send(rows: readonly (OutboxRow & { attempts?: number })[]): void {
    for (const r of rows) {
      if (this.inFlight.has(r.deliveryId) || this.timers.has(r.deliveryId)) continue;
      this.inFlight.add(r.deliveryId);
      this.ready.push({ row: r, before: r.attempts ?? 0 });
    }
    this.pump();
    this.wake();
  }

  /** Start attempts while fewer than `concurrency` are being sent. */
  private pump(): void {
    while (!this.stopped && this.sending < this.policy.concurrency && this.ready.length) {
      const { row, before } = this.ready.shift()!;
      this.sending++;
      void this.attempt(row, before).finally(() => {
        this.sending--;
        this.settle(row.deliveryId);
        this.pump();
      });
    }
  }

  /** The deliveries being sent or waiting for a retry. */
  get busy(): number {
    return this.inFlight.size + this.timers.size;
  }

  /** Resolves when nothing is being sent or waiting for a retry (or after `timeoutMs`). */
  idle(timeoutMs = Infinity): Promise<boolean> {
    if (this.busy === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = Number.isFinite(timeoutMs) ? setTimeout(() => resolve(false), timeoutMs) : undefined;
      this.waiters.push(() => {
        if (t) clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Stop: no more attempts; deliveries waiting for a retry stay pending in the outbox for the next start. */
  stop(): void {
    this.stopped = true;
    for (const r of this.ready.splice(0)) this.inFlight.delete(r.row.deliveryId);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.wake();
  }

  private settle(id: string): void {
    this.inFlight.delete(id);
    this.wake();
  }

  private wake(): void {
    if (this.busy !== 0) return;
    for (const w of this.waiters.splice(0)) w();
  }

  private log(row: OutboxRow, outcome: DeliveryEvent['outcome'], extra: { attempt?: number; status?: number; error?: string; nextAt?: string } = {}): void {
    appendDeliveryLog(this.dir, { at: new Date().toISOString(), deliveryId: row.deliveryId, webhookId: row.webhookId, outcome, ...extra });
    this.onEvent({ deliveryId: row.deliveryId, webhookId: row.webhookId, outcome, ...(extra.attempt ? { attempt: extra.attempt } : {}), ...(extra.error ? { reason: extra.error } : {}) });
  }

  private async attempt(row: OutboxRow, before: number): Promise<void> {
    if (this.stopped) return;
    const sub = listSubscriptions(this.dir).find((s) => s.id === row.webhookId);
    if (!sub) {
      this.log(row, 'dropped', { error: 'the subscription was deleted' });
      return;
    }
    if (sub.status === 'failed') {
      // kept in the outbox: sent when the subscription is enabled again
      this.log(row, 'held', { error: `subscription failed: ${sub.failure?.reason ?? 'unknown reason'}` });
      return;
    }
    const attempt = before + 1;
    let reason: string;
    let status: number | undefined;
    try {
      status = await postDelivery(sub, row, this.policy.timeoutMs);
      if (status >= 200 && status < 300) {
        this.log(row, 'delivered', { attempt, status });
        return;
      }
      reason = `HTTP ${status}`;
    } catch (e) {
      reason = reasonOf(e);
    }
    if (this.stopped) {
      this.log(row, 'attempt', { attempt, ...(status ? { status } : {}), error: reason });
      return;
    }
    if (attempt >= this.policy.maxAttempts) {
      const why = `${reason} on each of ${attempt} attempts (last at ${new Date().toISOString()})`;
      this.log(row, 'failed', { attempt, ...(status ? { status } : {}), error: why });
      setSubscriptionStatus(this.dir, sub.id, 'failed', { at: new Date().toISOString(), deliveryId: row.deliveryId, reason: why });
      return;
    }
    const wait = retryDelay(this.policy, attempt);
    this.log(row, 'attempt', { attempt, ...(status ? { status } : {}), error: reason, nextAt: new Date(Date.now() + wait).toISOString() });
    const t = setTimeout(() => {
      this.timers.delete(row.deliveryId);
      this.inFlight.add(row.deliveryId);
      this.ready.push({ row, before: attempt });
      this.pump();
    }, wait);
    this.timers.set(row.deliveryId, t);
  }
}
