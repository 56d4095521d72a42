// Webhooks end to end on Online Retail: the first months imported and two audiences snapshotted; a local
// receiver subscribed to both; the rest of the year dropped in the inbox and a refresh run as a job. The
// receiver gets exactly the customers `audience diff` lists for each audience (entered and exited), each
// delivery once, every signature valid; the membership change is also worked out here from the stored
// snapshots' members, in JavaScript.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { audienceRuns, diffAudience, evaluateAudience, prepareAudience } from '../../src/pipeline/audience.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { jobsOf } from '../../src/server/jobs/plugin.ts';
import type { Job } from '../../src/server/jobs/queue.ts';
import { importFile } from '../../src/store/import/index.ts';
import type { DeliveryPayload } from '../../src/store/outbox.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { auth, jobsServer, waitForJob } from '../helpers/jobs-server.ts';
import { startReceiver } from '../helpers/webhook-receiver.ts';
import { shared, tempDir } from '../helpers/workspace.ts';

const data = shared('online-retail/online_retail.csv');
const SPLIT = '2011-09-01';
const AUDIENCES = { lapsed: 'has no orders in last 90 days', 'big-spenders': 'rfm.monetary > 1000' } as const;

test('Online Retail: after a refresh on the later export, the receiver gets exactly the audience diff of both audiences, signed', { skip: data.skip }, async (t) => {
  const { dir: root, cleanup } = tempDir('segmint-webhooks-or-');
  // the export split at SPLIT by invoice date (one line per row in this file)
  const lines = readFileSync(data.path, 'utf8').split('\n');
  const head = lines[0]!;
  const early: string[] = [head];
  const late: string[] = [head];
  for (const l of lines.slice(1)) {
    if (!l) continue;
    const d = /,(\d{4}-\d\d-\d\d) \d\d:\d\d:\d\d,/.exec(l)![1]!;
    (d < SPLIT ? early : late).push(l);
  }
  assert.equal(early.length + late.length - 2, 541_909);
  writeFileSync(join(root, 'early.csv'), `${early.join('\n')}\n`);
  const ws = await Workspace.open(join(root, 'ws'), { create: true });
  const receiver = await startReceiver(() => 200);
  let app: Awaited<ReturnType<typeof jobsServer>>['app'] | undefined;
  try {
    await importFile(ws, join(root, 'early.csv'), { kind: 'transactions', remember: false });
    await runValueSegmentation(ws, 'rfm');
    for (const [name, where] of Object.entries(AUDIENCES)) await evaluateAudience(ws, await prepareAudience(ws, name, where));
    const server = await jobsServer(ws, { schedule: false, delivery: { baseDelayMs: 50 } });
    const { tokens } = server;
    app = server.app;
    const api = server.app;
    const secrets: Record<string, string> = {};
    for (const audience of Object.keys(AUDIENCES)) {
      const r = await api.inject({ method: 'POST', url: '/webhooks', headers: auth(tokens.admin), payload: { audience, url: receiver.url } });
      assert.equal(r.statusCode, 201, r.body);
      const s = r.json<{ id: string; secret: string }>();
      secrets[s.id] = s.secret;
    }
    mkdirSync(join(ws.dir, 'inbox'), { recursive: true });
    writeFileSync(join(ws.dir, 'inbox', 'later-export.csv'), `${late.join('\n')}\n`);
    const job = await waitForJob(api, tokens.viewer, (await api.inject({ method: 'POST', url: '/refresh', headers: auth(tokens.analyst) })).json<Job>().id, 600_000);
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    t.diagnostic(`refresh job: ${Date.parse(job.finishedAt!) - Date.parse(job.startedAt!)} ms; ${early.length - 1} lines first, ${late.length - 1} through the inbox`);
    assert.ok(await jobsOf(api).deliverer.idle(120_000));

    const ids = receiver.received.map((r) => String(r.headers['segmint-delivery']));
    assert.equal(new Set(ids).size, ids.length, 'each delivery once');
    const got: Record<string, { entered: string[]; exited: string[] }> = {};
    for (const r of receiver.received) {
      const p = JSON.parse(r.body) as DeliveryPayload;
      const sig = String(r.headers['segmint-signature']);
      const t = /t=(\d+)/.exec(sig)![1]!;
      assert.equal(/v1=([0-9a-f]{64})/.exec(sig)![1], createHmac('sha256', secrets[p.webhookId]!).update(`${t}.${r.body}`).digest('hex'), 'signature');
      const g = (got[p.audience] ??= { entered: [], exited: [] });
      g[p.type === 'audience.entered' ? 'entered' : 'exited'].push(...p.customers);
    }
    for (const name of Object.keys(AUDIENCES)) {
      const diff = await diffAudience(ws.db, { name });
      // the same change from the two snapshots' members, worked out here
      const runs = (await audienceRuns(ws.db, name)).map((r) => r.runId);
      assert.equal(runs.length, 2);
      const members = async (run: number) => new Set((await ws.db.all<{ c: string }>('SELECT customer_id AS c FROM audience_members WHERE run_id = ?', [run])).map((r) => r.c));
      const [before, after] = [await members(runs[0]!), await members(runs[1]!)];
      const entered = [...after].filter((c) => !before.has(c)).sort();
      const exited = [...before].filter((c) => !after.has(c)).sort();
      assert.deepEqual(diff.entered, entered);
      assert.deepEqual(diff.left, exited);
      assert.ok(entered.length + exited.length > 10, `${name}: ${entered.length} entered, ${exited.length} exited`);
      t.diagnostic(`${name}: ${before.size} → ${after.size} members, ${entered.length} entered, ${exited.length} exited`);
      assert.deepEqual(got[name]!.entered.sort(), diff.entered, `${name}: entered`);
      assert.deepEqual(got[name]!.exited.sort(), diff.left, `${name}: exited`);
    }
  } finally {
    await app?.close();
    await receiver.close();
    ws.close();
    cleanup();
  }
});
