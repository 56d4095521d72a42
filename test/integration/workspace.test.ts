import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CURRENT_SCHEMA_VERSION } from '../../src/store/migrations.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { withTempDir } from '../helpers/workspace.ts';

test('a new workspace has segmint.yaml, the database and the current schema version', async () => {
  await withTempDir(async (dir) => {
    const ws = await Workspace.open(dir, { create: true });
    const v = await ws.db.one<{ value: string }>("SELECT value FROM segmint_meta WHERE key = 'schema_version'");
    assert.equal(Number(v!.value), CURRENT_SCHEMA_VERSION);
    const tables = (await ws.db.all<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1")).map((t) => t.table_name);
    for (const t of ['customers', 'events', 'products', 'quarantine', 'sources', 'transactions']) assert.ok(tables.includes(t), t);
    // a customer look-up reads these by index (schema version 12); the per-run tables by zone maps (version 14)
    const indexes = (await ws.db.all<{ t: string; sql: string }>("SELECT table_name AS t, sql FROM duckdb_indexes() WHERE index_name LIKE '%_customer_id' ORDER BY 1")).map((i) => `${i.t}: ${i.sql}`);
    assert.deepEqual(indexes.map((i) => i.split(':')[0]), ['events', 'transactions']);
    assert.match(indexes.find((i) => i.startsWith('transactions'))!, /ON transactions\s*\(customer_id\)/i);
    assert.equal(ws.config.import.cancellationPrefix, 'C');
    ws.close();
  });
});

test('schema versions 14 and 15 drop the customer_id indexes of the per-run tables of a version-13 workspace and keep their rows (the CLV predictions behind a view)', async () => {
  await withTempDir(async (dir) => {
    let ws = await Workspace.open(dir, { create: true });
    // a workspace as version 13 left it: clv_predictions a table (version 15 makes it a view over these), the six
    // indexes of version 12, rows in the per-run tables
    await ws.db.run('DROP VIEW clv_predictions');
    for (const t of ['clv_prediction_customers', 'clv_prediction_patterns', 'clv_prediction_runs']) await ws.db.run(`DROP TABLE ${t}`);
    await ws.db.run('ALTER TABLE clv_prediction_rows RENAME TO clv_predictions');
    for (const t of ['run_scores', 'clv_predictions', 'run_clusters', 'audience_members']) await ws.db.run(`CREATE INDEX ${t}_customer_id ON ${t} (customer_id)`);
    await ws.db.run("INSERT INTO audience_members VALUES (1, 'a'), (1, 'b'), (2, 'a')");
    await ws.db.run("INSERT INTO clv_predictions (run_id, customer_id, clv) VALUES (3, 'a', 1.5)");
    await ws.db.run("UPDATE segmint_meta SET value = '13' WHERE key = 'schema_version'");
    ws.close();
    ws = await Workspace.open(dir);
    try {
      const v = await ws.db.one<{ value: string }>("SELECT value FROM segmint_meta WHERE key = 'schema_version'");
      assert.equal(Number(v!.value), CURRENT_SCHEMA_VERSION);
      assert.ok(CURRENT_SCHEMA_VERSION >= 14);
      const left = (await ws.db.all<{ t: string }>("SELECT table_name AS t FROM duckdb_indexes() WHERE index_name LIKE '%_customer_id' ORDER BY 1")).map((i) => i.t);
      assert.deepEqual(left, ['events', 'transactions']);
      assert.deepEqual((await ws.db.all<{ r: number; c: string }>('SELECT run_id AS r, customer_id AS c FROM audience_members ORDER BY 1, 2')).map((x) => `${x.r}:${x.c}`), ['1:a', '1:b', '2:a']);
      // version 15: the wide rows kept, behind the view
      assert.equal((await ws.db.one<{ clv: number }>("SELECT clv FROM clv_predictions WHERE run_id = 3 AND customer_id = 'a'"))!.clv, 1.5);
      assert.equal((await ws.db.one<{ clv: number }>("SELECT clv FROM clv_prediction_rows WHERE run_id = 3 AND customer_id = 'a'"))!.clv, 1.5);
      assert.equal((await ws.db.one<{ t: string }>("SELECT table_type AS t FROM information_schema.tables WHERE table_name = 'clv_predictions'"))!.t, 'VIEW');
    } finally {
      ws.close();
    }
  });
});

test('opening a workspace of an unknown (newer) schema version is a clear error, not a crash', async () => {
  await withTempDir(async (dir) => {
    const ws = await Workspace.open(dir, { create: true });
    await ws.db.run("UPDATE segmint_meta SET value = '999' WHERE key = 'schema_version'");
    ws.close();
    await assert.rejects(Workspace.open(dir), (e: { code: string; message: string; hint: string }) =>
      e.code === 'unknown-schema-version' && /999/.test(e.message) && /upgrade/i.test(e.hint));
  });
});

test('a missing workspace and an invalid segmint.yaml give coded errors', async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(Workspace.open(join(dir, 'nope')), (e: { code: string }) => e.code === 'workspace-not-found');
    writeFileSync(join(dir, 'segmint.yaml'), 'import:\n  policies:\n    duplicateRows: drop\n');
    await assert.rejects(Workspace.open(dir), (e: { code: string; message: string }) =>
      e.code === 'invalid-config' && /duplicateRows/.test(e.message) && /quarantine, keep/.test(e.message));
  });
});
