// The webhook outbox is written in the snapshot's own transaction: on DuckDB and PostgreSQL a snapshot whose
// write fails after its deliveries were inserted leaves neither; a refresh through the library (no server)
// writes deliveries that name exactly the audience diff, and sends them. PostgreSQL runs when
// TEST_POSTGRES_URL is set, ClickHouse when TEST_CLICKHOUSE_URL is (CI sets both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { diffAudience, evaluateAudience, prepareAudience } from '../../src/pipeline/audience.ts';
import { refresh } from '../../src/pipeline/refresh.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { Deliverer } from '../../src/pipeline/webhook-delivery.ts';
import { importFile } from '../../src/store/import/index.ts';
import { addSubscription, enqueueSnapshotDeliveries, outboxRows, readDeliveryLog, type DeliveryPayload } from '../../src/store/outbox.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { twoPeriodFiles } from '../helpers/jobs-server.ts';
import { startReceiver } from '../helpers/webhook-receiver.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/workspace.ts';

const PG = process.env.TEST_POSTGRES_URL;
const SCHEMA = `segmint_outbox_${process.pid}`;

async function scenario(ws: Workspace, root: string): Promise<void> {
  const files = twoPeriodFiles(root);
  await importFile(ws, files.first, { kind: 'transactions', remember: false });
  await runValueSegmentation(ws, 'rfm');
  const where = 'orders in last 60 days >= 1';
  await evaluateAudience(ws, await prepareAudience(ws, 'recent', where));
  const receiver = await startReceiver(() => 200);
  try {
    const sub = addSubscription(ws.dir, { audience: 'recent', url: receiver.url });
    // the second export, then a snapshot whose write fails after its deliveries are in: neither is kept
    await importFile(ws, files.second, { kind: 'transactions', remember: false });
    const p = await prepareAudience(ws, 'recent', where);
    let written = 0;
    await assert.rejects(evaluateAudience(ws, p, {
      beforeRecord: async (runId) => { written = (await enqueueSnapshotDeliveries(ws.db, ws.dir, 'recent', runId, p.asOf)).length; },
      beforeCommit: async () => { throw new Error('failed after the deliveries were written'); },
    }), /failed after the deliveries/);
    assert.ok(written >= 2, 'deliveries were written inside the failed snapshot');
    assert.deepEqual(await outboxRows(ws.db), [], 'and rolled back with it');
    assert.equal(Number((await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM webhook_outbox'))?.n), 0);

    // a refresh through the library: the snapshot and its deliveries, then sent
    const deliverer = Deliverer.forDb(ws.db, ws.dir, { baseDelayMs: 20 });
    const r = await refresh(ws, { inbox: false, force: true, trigger: 'test', deliver: (rows) => deliverer.send(rows) });
    assert.ok(await deliverer.idle(30_000));
    const diff = await diffAudience(ws.db, { name: 'recent' });
    assert.equal(r.audiences[0]!.runId, diff.to.runId);
    const rows = await outboxRows(ws.db);
    assert.equal(rows.length, r.deliveries);
    assert.ok(rows.every((x) => x.runId === diff.to.runId && x.webhookId === sub.id));
    const got = { entered: [] as string[], exited: [] as string[] };
    for (const x of receiver.received) {
      const body = JSON.parse(x.body) as DeliveryPayload;
      got[body.type === 'audience.entered' ? 'entered' : 'exited'].push(...body.customers);
    }
    assert.deepEqual(got.entered.sort(), diff.entered);
    assert.deepEqual(got.exited.sort(), diff.left);
    assert.equal(readDeliveryLog(ws.dir).filter((e) => e.outcome === 'delivered').length, rows.length);
  } finally {
    await receiver.close();
  }
}

test('outbox on DuckDB: written with the snapshot or not at all; a library refresh sends the diff', async () => {
  const { dir, cleanup } = tempDir('segmint-outbox-');
  const ws = await Workspace.open(join(dir, 'ws'), { create: true });
  try {
    await scenario(ws, dir);
  } finally {
    ws.close();
    cleanup();
  }
});

test('outbox on PostgreSQL: written with the snapshot or not at all; a library refresh sends the diff', { skip: PG ? false : 'TEST_POSTGRES_URL is not set (CI starts PostgreSQL and sets it)' }, async () => {
  const { dir, cleanup } = tempDir('segmint-outbox-pg-');
  const wsDir = join(dir, 'ws');
  mkdirSync(wsDir, { recursive: true });
  writeFileSync(join(wsDir, 'segmint.yaml'), `engine:\n  url: ${PG}\n  schema: ${SCHEMA}\n`);
  const ws = await Workspace.open(wsDir, { create: true });
  try {
    assert.equal(ws.db.dialect, 'postgres');
    await scenario(ws, dir);
  } finally {
    await ws.closeAsync();
    const c = new pg.Client({ connectionString: PG });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await c.end();
    cleanup();
  }
});

const CH = process.env.TEST_CLICKHOUSE_URL;

test('outbox on ClickHouse: deliveries before the runs row that publishes the snapshot; a failed snapshot leaves none', { skip: CH ? false : 'TEST_CLICKHOUSE_URL is not set (.ci/run starts ClickHouse and sets it)' }, async () => {
  const { dir, cleanup } = tempDir('segmint-outbox-ch-');
  const wsDir = join(dir, 'ws');
  const database = `segmint_outbox_${process.pid}`;
  const init = await runCli(['init', wsDir, '--engine', `${CH!.replace(/^http/, 'clickhouse')}/${database}`, '--json']);
  assert.equal(init.code, 0, init.err);
  const ws = await Workspace.open(wsDir);
  try {
    assert.equal(ws.db.dialect, 'clickhouse');
    await scenario(ws, dir);
  } finally {
    await ws.db.run(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
    await ws.closeAsync();
    cleanup();
  }
});
