// A server killed (SIGKILL) between an audience snapshot and the delivery of its webhooks delivers them after
// it is started again, each exactly once: the deliveries were written to the outbox with the snapshot, the
// receiver was down while the first server ran (so nothing reached it), and a third start sends nothing again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { diffAudience, evaluateAudience, prepareAudience } from '../../src/pipeline/audience.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { verifySignature } from '../../src/pipeline/webhook-delivery.ts';
import type { Job } from '../../src/server/jobs/queue.ts';
import { importFile } from '../../src/store/import/index.ts';
import { outboxRows, readDeliveryLog, type DeliveryPayload } from '../../src/store/outbox.ts';
import { TokenStore } from '../../src/store/tokens.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { twoPeriodFiles } from '../helpers/jobs-server.ts';
import { freePort, startReceiver } from '../helpers/webhook-receiver.ts';
import { tempDir } from '../helpers/workspace.ts';

const CHILD = resolve(import.meta.dirname, '../helpers/jobs-server-child.ts');

async function startServer(dir: string, baseDelayMs: number): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(baseDelayMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) resolve((JSON.parse(line) as { address: string }).address);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  return { child, address };
}

const kill = (child: ChildProcess, signal: NodeJS.Signals) => new Promise<void>((r) => {
  if (child.exitCode !== null || child.signalCode !== null) return r();
  child.once('exit', () => r());
  child.kill(signal);
});

test('a server killed between snapshot and delivery delivers after restart, exactly once', async () => {
  const { dir: root, cleanup } = tempDir('segmint-webhook-crash-');
  const files = twoPeriodFiles(root);
  const dir = join(root, 'ws');
  let ws = await Workspace.open(dir, { create: true });
  await importFile(ws, files.first, { kind: 'transactions', remember: false });
  await runValueSegmentation(ws, 'rfm');
  await evaluateAudience(ws, await prepareAudience(ws, 'recent', 'orders in last 60 days >= 1'));
  ws.close();
  const admin = new TokenStore(dir).create('crash-admin', 'admin').token;
  const h = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
  const port = await freePort();
  let server = await startServer(dir, 60_000);
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  try {
    // subscribe a receiver that is down for now (nothing listens on its port)
    const sub = await (await fetch(`${server.address}/webhooks`, { method: 'POST', headers: h, body: JSON.stringify({ audience: 'recent', url: `http://127.0.0.1:${port}/hook` }) })).json() as { id: string; secret: string };
    mkdirSync(join(dir, 'inbox'), { recursive: true });
    copyFileSync(files.second, join(dir, 'inbox', 'second.csv'));
    const job = await (await fetch(`${server.address}/refresh`, { method: 'POST', headers: h, body: '{}' })).json() as Job;
    let status = job.status;
    while (status !== 'succeeded') {
      assert.ok(status === 'queued' || status === 'running', `refresh ${status}`);
      await new Promise((r) => setTimeout(r, 50));
      status = (await (await fetch(`${server.address}/jobs/${job.id}`, { headers: h })).json() as Job).status;
    }
    // the snapshot is committed with its deliveries; their first attempt was refused, the next one is a minute away
    await kill(server.child, 'SIGKILL');

    ws = await Workspace.open(dir);
    const outbox = await outboxRows(ws.db);
    const diff = await diffAudience(ws.db, { name: 'recent' });
    ws.close();
    assert.ok(outbox.length >= 2, 'entries and exits were written to the outbox');
    assert.ok(readDeliveryLog(dir).every((e) => e.outcome === 'attempt'), 'nothing was delivered before the kill');

    receiver = await startReceiver(() => 200, port);
    server = await startServer(dir, 20);
    const deadline = Date.now() + 60_000;
    while (readDeliveryLog(dir).filter((e) => e.outcome === 'delivered').length < outbox.length) {
      assert.ok(Date.now() < deadline, 'deliveries not done within a minute of the restart');
      await new Promise((r) => setTimeout(r, 50));
    }
    // a third start after a kill sends nothing again
    await kill(server.child, 'SIGKILL');
    server = await startServer(dir, 20);
    await fetch(`${server.address}/webhooks/${sub.id}/deliveries`, { headers: h });
    // (a delivery it started would reach the receiver well within this)
    await new Promise((r) => setTimeout(r, 1000));

    const ids = receiver.received.map((r) => String(r.headers['segmint-delivery']));
    assert.deepEqual([...ids].sort(), outbox.map((r) => r.deliveryId).sort(), 'each delivery of the outbox arrived exactly once');
    const got = { entered: [] as string[], exited: [] as string[] };
    for (const r of receiver.received) {
      assert.ok(verifySignature(sub.secret, r.body, String(r.headers['segmint-signature'])));
      const p = JSON.parse(r.body) as DeliveryPayload;
      got[p.type === 'audience.entered' ? 'entered' : 'exited'].push(...p.customers);
    }
    assert.deepEqual(got.entered.sort(), diff.entered);
    assert.deepEqual(got.exited.sort(), diff.left);
  } finally {
    await kill(server.child, 'SIGTERM');
    await receiver?.close();
    cleanup();
  }
});
