// Jobs, refresh, schedule and webhooks on a small shop's two exports: retries of a receiver that fails twice,
// a logged failure for one that keeps failing, a corrupt file that leaves the results in place with the failure
// visible, a refresh the schedule runs, progress as Server-Sent Events, roles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffAudience, evaluateAudience, prepareAudience } from '../../src/pipeline/audience.ts';
import { listRuns } from '../../src/pipeline/migration.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { verifySignature } from '../../src/pipeline/webhook-delivery.ts';
import { buildServer } from '../../src/server/app.ts';
import { jobsOf } from '../../src/server/jobs/plugin.ts';
import type { Job } from '../../src/server/jobs/queue.ts';
import { importFile } from '../../src/store/import/index.ts';
import { readDeliveryLog, type DeliveryPayload } from '../../src/store/outbox.ts';
import { TokenStore } from '../../src/store/tokens.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { auth, jobsServer, twoPeriodFiles, waitForJob } from '../helpers/jobs-server.ts';
import { startReceiver } from '../helpers/webhook-receiver.ts';
import { tempDir } from '../helpers/workspace.ts';

const AUDIENCES = { recent: 'orders in last 60 days >= 1', lapsed: 'has no orders in last 90 days' } as const;

/** A workspace with the first export imported, an RFM run and a baseline snapshot of each audience. */
async function firstPeriod(root: string) {
  const files = twoPeriodFiles(root);
  const ws = await Workspace.open(join(root, 'ws'), { create: true });
  await importFile(ws, files.first, { kind: 'transactions', remember: false });
  await runValueSegmentation(ws, 'rfm');
  for (const [name, where] of Object.entries(AUDIENCES)) await evaluateAudience(ws, await prepareAudience(ws, name, where));
  return { ws, files };
}

const dropInInbox = (ws: Workspace, file: string, name = file.split('/').pop()!) => {
  mkdirSync(join(ws.dir, 'inbox'), { recursive: true });
  copyFileSync(file, join(ws.dir, 'inbox', name));
};

test('webhooks: a receiver failing twice gets its retries, one failing always is marked failed with a logged failure; payloads are the audience diff, signed', async () => {
  const { dir: root, cleanup } = tempDir('segmint-jobs-');
  const { ws, files } = await firstPeriod(root);
  // A answers 500 to the first two requests of each delivery, then 200; B always 503
  const perDelivery = new Map<string, number>();
  const a = await startReceiver((_n, _b, h) => {
    const id = String(h['segmint-delivery']);
    const k = (perDelivery.get(id) ?? 0) + 1;
    perDelivery.set(id, k);
    return k <= 2 ? 500 : 200;
  });
  const b = await startReceiver(() => 503);
  const { app, tokens } = await jobsServer(ws, { delivery: { maxAttempts: 3, baseDelayMs: 20, timeoutMs: 5000 }, schedule: false });
  try {
    // roles: webhooks are the admin's
    assert.equal((await app.inject({ method: 'POST', url: '/webhooks', headers: auth(tokens.analyst), payload: { audience: 'recent', url: a.url } })).statusCode, 403);
    assert.equal((await app.inject({ method: 'GET', url: '/jobs' })).statusCode, 401);
    const subA = (await app.inject({ method: 'POST', url: '/webhooks', headers: auth(tokens.admin), payload: { audience: 'recent', url: a.url } })).json<{ id: string; secret: string }>();
    const subB = (await app.inject({ method: 'POST', url: '/webhooks', headers: auth(tokens.admin), payload: { audience: 'lapsed', url: b.url, events: ['entered'] } })).json<{ id: string; secret: string }>();
    assert.match(subA.secret, /^whsec_/);
    // the secret is shown once
    assert.equal((await app.inject({ method: 'GET', url: `/webhooks/${subA.id}`, headers: auth(tokens.admin) })).json<{ secret?: string }>().secret, undefined);

    dropInInbox(ws, files.second);
    const submitted = await app.inject({ method: 'POST', url: '/refresh', headers: auth(tokens.analyst), payload: {} });
    assert.equal(submitted.statusCode, 202);
    const job = await waitForJob(app, tokens.viewer, submitted.json<Job>().id);
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    assert.ok(await jobsOf(app).deliverer.idle(60_000), 'deliveries still going after 60 s');

    // what audience diff lists for each audience
    const diffRecent = await diffAudience(ws.db, { name: 'recent' });
    const diffLapsed = await diffAudience(ws.db, { name: 'lapsed' });
    assert.ok(diffRecent.entered.length > 0 && diffRecent.left.length > 0, 'the data were made to move customers both ways');
    assert.ok(diffLapsed.entered.length > 0);

    // A: every delivery three times (two failures, then delivered), the same id and a valid signature each time
    const got = { entered: new Set<string>(), exited: new Set<string>() };
    const byId = new Map<string, number>();
    for (const r of a.received) {
      const sig = String(r.headers['segmint-signature']);
      assert.ok(verifySignature(subA.secret, r.body, sig), 'signature verifies');
      // the same check written out: HMAC-SHA256 of "<t>.<body>"
      const t = /t=(\d+)/.exec(sig)![1]!;
      assert.equal(/v1=([0-9a-f]{64})/.exec(sig)![1], createHmac('sha256', subA.secret).update(`${t}.${r.body}`).digest('hex'));
      assert.ok(!verifySignature('whsec_another-secret-entirely', r.body, sig));
      const p = JSON.parse(r.body) as DeliveryPayload;
      assert.equal(p.deliveryId, r.headers['segmint-delivery']);
      assert.equal(`audience.${p.type.split('.')[1]}`, r.headers['segmint-event']);
      byId.set(p.deliveryId, (byId.get(p.deliveryId) ?? 0) + 1);
      if (r.status === 200) for (const c of p.customers) got[p.type === 'audience.entered' ? 'entered' : 'exited'].add(c);
    }
    assert.deepEqual([...byId.values()].sort(), Array(byId.size).fill(3));
    assert.deepEqual([...got.entered].sort(), diffRecent.entered);
    assert.deepEqual([...got.exited].sort(), diffRecent.left);
    const logA = readDeliveryLog(ws.dir, { webhookId: subA.id });
    assert.deepEqual(logA.filter((e) => e.outcome === 'attempt').map((e) => e.status), Array(2 * byId.size).fill(500));
    assert.equal(logA.filter((e) => e.outcome === 'delivered').length, byId.size);

    // B: three attempts, then a logged failure, and the subscription marked failed with the reason
    assert.equal(b.received.length, 3);
    const logB = (await app.inject({ method: 'GET', url: `/webhooks/${subB.id}/deliveries`, headers: auth(tokens.admin) })).json<{ items: { outcome: string; attempt?: number; error?: string }[] }>().items;
    assert.deepEqual(logB.map((e) => [e.outcome, e.attempt]), [['attempt', 1], ['attempt', 2], ['failed', 3]]);
    assert.match(logB[2]!.error!, /HTTP 503 on each of 3 attempts/);
    const bNow = (await app.inject({ method: 'GET', url: `/webhooks/${subB.id}`, headers: auth(tokens.admin) })).json<{ status: string; failure?: { reason: string } }>();
    assert.equal(bNow.status, 'failed');
    assert.match(bNow.failure!.reason, /HTTP 503/);
    // B's payload named exactly the customers who became lapsed
    assert.deepEqual((JSON.parse(b.received[0]!.body) as DeliveryPayload).customers, diffLapsed.entered);
  } finally {
    await app.close();
    await a.close();
    await b.close();
    ws.close();
    cleanup();
  }
});

test('refresh: a corrupt file leaves the previous results in place with the failure visible; the schedule runs refresh unattended; progress as SSE', async () => {
  const { dir: root, cleanup } = tempDir('segmint-jobs-');
  const { ws, files } = await firstPeriod(root);
  const { app, tokens } = await jobsServer(ws, { schedule: true });
  try {
    // a good refresh first: the freshness records its success
    dropInInbox(ws, files.second);
    let job = await waitForJob(app, tokens.viewer, (await app.inject({ method: 'POST', url: '/refresh', headers: auth(tokens.analyst) })).json<Job>().id);
    assert.equal(job.status, 'succeeded');
    const okAt = (await app.inject({ method: 'GET', url: '/refresh', headers: auth(tokens.viewer) })).json<{ lastSuccess: { at: string } }>().lastSuccess.at;
    const runsBefore = await listRuns(ws.db);

    // a corrupt file (binary bytes) in the inbox
    writeFileSync(join(ws.dir, 'inbox', 'broken.csv'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x01, 0x02]));
    job = await waitForJob(app, tokens.viewer, (await app.inject({ method: 'POST', url: '/refresh', headers: auth(tokens.analyst) })).json<Job>().id);
    assert.equal(job.status, 'failed');
    assert.equal(job.error!.code, 'unsupported-format');
    const fresh = (await app.inject({ method: 'GET', url: '/refresh', headers: auth(tokens.viewer) })).json<{ lastSuccess: { at: string }; lastFailure: { step: string; code: string; message: string } }>();
    assert.equal(fresh.lastFailure.step, 'import broken.csv');
    assert.equal(fresh.lastFailure.code, 'unsupported-format');
    assert.match(fresh.lastFailure.message, /broken\.csv is a zip archive/);
    assert.equal(fresh.lastSuccess.at, okAt, 'the last success is still the earlier one');
    assert.deepEqual(await listRuns(ws.db), runsBefore, 'no run added or changed');
    assert.ok(existsSync(join(ws.dir, 'inbox', 'failed', 'broken.csv.error.txt')));
    assert.equal(readdirSync(join(ws.dir, 'inbox')).filter((f) => f.endsWith('.csv')).length, 0);
    // the failure is among the server's failures (what the workspace summary shows)
    const failures = await app.segmint.failures!();
    assert.equal(failures.refresh?.jobId, job.id);

    // the schedule: every second (a seconds-level pattern, so the test does not wait a minute), a new file
    dropInInbox(ws, files.third);
    const put = await app.inject({ method: 'PUT', url: '/schedule', headers: auth(tokens.admin), payload: { cron: '* * * * * *' } });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.json<{ next: string[] }>().next.length, 3);
    assert.equal((await app.inject({ method: 'PUT', url: '/schedule', headers: auth(tokens.analyst), payload: { cron: '* * * * *' } })).statusCode, 403);
    assert.equal((await app.inject({ method: 'PUT', url: '/schedule', headers: auth(tokens.admin), payload: { cron: '61 * * * *' } })).statusCode, 400);
    let scheduled: Job | undefined;
    for (let i = 0; i < 600 && !scheduled; i++) {
      await new Promise((r) => setTimeout(r, 100));
      scheduled = (await app.inject({ method: 'GET', url: '/jobs?kind=refresh', headers: auth(tokens.viewer) })).json<{ items: Job[] }>().items
        .find((j) => j.submittedBy === 'schedule' && j.status === 'succeeded');
    }
    assert.ok(scheduled, 'a scheduled refresh ran within a minute');
    assert.equal((await app.inject({ method: 'DELETE', url: '/schedule', headers: auth(tokens.admin) })).json<{ next: string[] }>().next.length, 0);
    await jobsOf(app).queue.idle();
    const after = (await app.inject({ method: 'GET', url: '/refresh', headers: auth(tokens.viewer) })).json<{ lastSuccess: { trigger: string; imported: number } }>();
    assert.equal(after.lastSuccess.trigger, 'schedule');
    assert.ok(existsSync(join(ws.dir, 'inbox', 'done', 'third.csv')), 'the scheduled refresh imported the new file');

    // progress as Server-Sent Events, from a real socket
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const forced = (await app.inject({ method: 'POST', url: '/refresh', headers: auth(tokens.analyst), payload: { force: true } })).json<Job>();
    const res = await fetch(`${address}/jobs/${forced.id}/events`, { headers: auth(tokens.viewer) });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const text = await res.text();
    const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({ type: m[1], ...(JSON.parse(m[2]!) as { seq: number; status?: string; message?: string }) }));
    assert.deepEqual(events.filter((e) => e.type === 'status').map((e) => e.status), ['queued', 'running', 'succeeded']);
    assert.ok(events.some((e) => e.type === 'progress' && /rfm/.test(e.message ?? '')));
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
    // the job log is kept in the workspace
    const logged = readFileSync(join(ws.dir, 'server', 'jobs', `${forced.id}.ndjson`), 'utf8').trim().split('\n').length;
    assert.equal(logged, events.length);
  } finally {
    await app.close();
    ws.close();
    cleanup();
  }
});

test('a snapshot stored through POST /audiences/{name}/snapshots fires its webhooks', async () => {
  const { dir: root, cleanup } = tempDir('segmint-jobs-');
  const { ws, files } = await firstPeriod(root);
  const receiver = await startReceiver(() => 200);
  const store = new TokenStore(ws.dir);
  const [analyst, admin] = [store.create('snap-analyst', 'analyst').token, store.create('snap-admin', 'admin').token];
  const app = await buildServer({ workspace: ws });
  await app.ready();
  try {
    assert.equal((await app.inject({ method: 'PUT', url: '/audiences/recent', headers: auth(analyst), payload: { where: AUDIENCES.recent } })).statusCode < 300, true);
    const sub = (await app.inject({ method: 'POST', url: '/webhooks', headers: auth(admin), payload: { audience: 'recent', url: receiver.url } })).json<{ id: string }>();
    await importFile(ws, files.second, { kind: 'transactions', remember: false });
    const r = await app.inject({ method: 'POST', url: '/audiences/recent/snapshots', headers: auth(analyst), payload: {} });
    assert.equal(r.statusCode, 202, r.body);
    const job = await waitForJob(app, analyst, r.json<Job>().id);
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    assert.ok(await jobsOf(app).deliverer.idle(30_000));
    const diff = await diffAudience(ws.db, { name: 'recent' });
    assert.equal((job.result as { runId: number; webhookDeliveries: number }).runId, diff.to.runId);
    const got = { entered: [] as string[], exited: [] as string[] };
    for (const x of receiver.received) {
      const p = JSON.parse(x.body) as DeliveryPayload;
      assert.equal(p.webhookId, sub.id);
      got[p.type === 'audience.entered' ? 'entered' : 'exited'].push(...p.customers);
    }
    assert.equal(receiver.received.length, (job.result as { webhookDeliveries: number }).webhookDeliveries);
    assert.deepEqual(got.entered.sort(), diff.entered);
    assert.deepEqual(got.exited.sort(), diff.left);
  } finally {
    await app.close();
    await receiver.close();
    ws.close();
    cleanup();
  }
});
