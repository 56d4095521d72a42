// The journal (store/journal.ts): a write that a killed process left half-replayed is undone on open. The
// torn state is built here by hand, exactly as DuckDB leaves it after a kill during COMMIT (row groups of
// the big tables kept, the sources/runs rows and the small tables not); crash.test.ts makes it by killing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { importFile } from '../../src/store/import/index.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { FIXTURES, withTempDir } from '../helpers/workspace.ts';

const BIN = resolve(import.meta.dirname, '../../bin/segmint.js');

const counts = async (ws: Workspace) => Object.fromEntries(await Promise.all(
  ['transactions', 'quarantine', 'customers', 'products', 'sources', 'runs', 'run_scores', 'journal'].map(async (t) => [t, Number((await ws.db.one<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))!.n)]),
));

/** Leave the workspace as a kill during the COMMIT of a second import leaves it: its lines and quarantine rows without its source. */
async function tearSecondImport(ws: Workspace): Promise<void> {
  await ws.db.run("INSERT INTO journal VALUES ('import', 2, 'import more-orders.csv', now()::TIMESTAMP)");
  await ws.db.run("INSERT INTO transactions SELECT * REPLACE (2 AS source_id, customer_id || '-torn' AS customer_id) FROM transactions");
  await ws.db.run('INSERT INTO quarantine SELECT * REPLACE (2 AS source_id) FROM quarantine');
  await ws.db.run("INSERT INTO customers SELECT * REPLACE (2 AS source_id, customer_id || '-torn' AS customer_id) FROM customers");
}

test('an import left half-written by a killed process is undone when the workspace opens, and importing again counts each line once', async () => {
  await withTempDir(async (dir) => {
    let ws = await Workspace.open(dir, { create: true });
    await importFile(ws, join(FIXTURES, 'messy-orders.csv'), { kind: 'transactions' });
    const clean = await counts(ws);
    await tearSecondImport(ws);
    ws.close();
    ws = await Workspace.open(dir);
    try {
      assert.deepEqual(ws.recovered.map((r) => [r.kind, r.id, r.label]), [['import', 2, 'import more-orders.csv']]);
      assert.deepEqual(ws.recovered[0]!.removed, { transactions: clean.transactions, quarantine: clean.quarantine, customers: clean.customers });
      assert.deepEqual(await counts(ws), clean, 'nothing of the unfinished import is left');
      const again = await importFile(ws, join(FIXTURES, 'orders-amount.csv'), { kind: 'transactions' });
      assert.equal(again.sourceId, 2, 'the next import takes the undone id: no row of another write carries it');
      assert.equal(again.reconciled, true);
    } finally {
      ws.close();
    }
  });
});

test('a run left half-written is undone, also when the workspace is opened read-only, and the CLI says so', async () => {
  await withTempDir(async (dir) => {
    let ws = await Workspace.open(dir, { create: true });
    await importFile(ws, join(FIXTURES, 'messy-orders.csv'), { kind: 'transactions' });
    ws.close();
    assert.equal((await runCli(['rfm', '-w', dir, '--json'])).code, 0);
    ws = await Workspace.open(dir);
    const clean = await counts(ws);
    await ws.db.run("INSERT INTO journal VALUES ('run', 2, 'rfm', now()::TIMESTAMP)");
    await ws.db.run('INSERT INTO run_scores SELECT * REPLACE (2 AS run_id) FROM run_scores');
    ws.close();
    ws = await Workspace.open(dir, { readOnly: true });
    try {
      assert.deepEqual(await counts(ws), clean, 'a read-only open sees the workspace without the unfinished run');
    } finally {
      ws.close();
    }
    ws = await Workspace.open(dir);
    await ws.db.run("INSERT INTO journal VALUES ('run', 2, 'rfm', now()::TIMESTAMP)");
    await ws.db.run('INSERT INTO run_scores SELECT * REPLACE (2 AS run_id) FROM run_scores');
    ws.close();
    const r = await runCli(['rfm', '-w', dir, '--json']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /note: rfm \(started .*\) did not finish .* was undone \(\d+ rows removed\)/);
    assert.equal(JSON.parse(r.out).runId, 2);
  });
});

test('two read-only commands do not lock each other out', async () => {
  await withTempDir(async (dir) => {
    const ws0 = await Workspace.open(dir, { create: true });
    await importFile(ws0, join(FIXTURES, 'messy-orders.csv'), { kind: 'transactions' });
    ws0.close();
    // this process holds the workspace open read-only while a report (another process) reads it
    const ws = await Workspace.open(dir, { readOnly: true });
    try {
      const child = spawn(process.execPath, [BIN, 'report', '-w', dir, '--out', join(dir, 'r.html')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise((r) => child.once('exit', r));
      assert.equal(code, 0, err);
      const sql = spawn(process.execPath, [BIN, 'audience', 'sql', '--where', 'has orders', '-w', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      assert.equal(await new Promise((r) => sql.once('exit', r)), 0);
    } finally {
      ws.close();
    }
  });
});

test('a journal row of a kind recovery does not know does not make a read-only open reopen forever', async () => {
  await withTempDir(async (dir) => {
    let ws = await Workspace.open(dir, { create: true });
    await ws.db.run("INSERT INTO journal VALUES ('future-kind', 1, 'something newer', now()::TIMESTAMP)");
    ws.close();
    ws = await Workspace.open(dir, { readOnly: true });
    try {
      assert.equal(Number((await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM journal'))!.n), 1, 'left for the Segmint that wrote it');
    } finally {
      ws.close();
    }
  });
});
