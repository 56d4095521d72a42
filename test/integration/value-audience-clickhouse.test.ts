// RFM, LRFMP and the e-commerce pack on a workspace on the two-shard ClickHouse 18.16 cluster, through the
// same pipeline functions as on DuckDB: the same generated files imported into a DuckDB workspace and into a
// cluster workspace (segmint init --engine clickhouse://… --cluster … --shard …) give every customer the same
// RFM and LRFMP code and segment, and every applicable audience the same members. Runs when
// TEST_CLICKHOUSE_URL and TEST_CLICKHOUSE_SHARD2_URL are set (scripts/clickhouse-cluster.sh start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openEngine, type Engine } from '../../src/engines/index.ts';
import { evaluatePack } from '../../src/pipeline/audience.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { AUDIENCE_PRESETS } from '../../src/segments/presets/index.ts';
import { col, compile, eq, num, select, table } from '../../src/sql/index.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { importGenerated } from '../helpers/audience-data.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir, withWorkspace } from '../helpers/workspace.ts';

const CH = process.env.TEST_CLICKHOUSE_URL;
const CH2 = process.env.TEST_CLICKHOUSE_SHARD2_URL;
const skip = CH && CH2 ? false : 'TEST_CLICKHOUSE_URL / TEST_CLICKHOUSE_SHARD2_URL are not set (scripts/clickhouse-cluster.sh start): the cluster run is skipped';
if (skip) console.log(`# ${skip}`);

async function scoresOf(db: Engine, runId: number): Promise<[string, string][]> {
  const q = compile(select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: col('score_code'), as: 'code' }, { expr: col('segment'), as: 'segment' }], from: table('run_scores'), where: eq(col('run_id'), num(runId)) }), db.dialect);
  return (await db.all<{ customer_id: string; code: unknown; segment: string }>(q.sql, q.params)).map((r): [string, string] => [String(r.customer_id), `${Number(r.code)} ${r.segment}`]).sort();
}

async function membersOf(db: Engine, runId: number): Promise<string[]> {
  const q = compile(select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('audience_members'), where: eq(col('run_id'), num(runId)) }), db.dialect);
  return (await db.all<{ customer_id: string }>(q.sql, q.params)).map((r) => String(r.customer_id)).sort();
}

test('clickhouse cluster: RFM, LRFMP and the e-commerce pack give DuckDB\'s codes, segments and members', { skip }, async () => {
  const t = tempDir('segmint-ch-value-');
  const database = `segmint_value_${process.pid}_${Date.now() % 1e6}`;
  const shards = [await openEngine(CH!), await openEngine(CH2!)];
  try {
    const wsDir = join(t.dir, 'shop');
    const init = await runCli(['init', wsDir, '--engine', `${CH!.replace(/^http/, 'clickhouse')}/${database}`, '--cluster', 'segmint', '--shard', CH2!, '--json']);
    assert.equal(init.code, 0, init.err);
    const ch = await Workspace.open(wsDir);
    try {
      assert.equal(ch.db.dialect, 'clickhouse');
      await importGenerated(ch, 'ecommerce', 300, 11, join(t.dir, 'data'));
      await withWorkspace(async (ws) => {
        await importGenerated(ws, 'ecommerce', 300, 11, join(t.dir, 'data'));
        for (const model of ['rfm', 'lrfmp'] as const) {
          const d = await runValueSegmentation(ws, model);
          const c = await runValueSegmentation(ch, model);
          assert.equal(c.asOf, d.asOf);
          assert.deepEqual(c.customers, d.customers);
          for (const [k, e] of Object.entries(d.edges)) c.edges[k]!.forEach((x, i) => assert.ok(Math.abs(x - e[i]!) <= 1e-9 * Math.max(1, Math.abs(e[i]!)), `${model} edge ${k}[${i}]: ${x} vs ${e[i]}`));
          const [cs, ds] = [await scoresOf(ch.db, c.runId), await scoresOf(ws.db, d.runId)];
          assert.equal(ds.length, d.customers.scored);
          assert.deepEqual(cs, ds, `${model}: code and segment per customer`);
        }
        const pack = AUDIENCE_PRESETS.ecommerce!;
        const d = await evaluatePack(ws, pack, { skipMissing: true });
        const c = await evaluatePack(ch, pack, { skipMissing: true });
        assert.deepEqual(c.notApplicable.map((x) => x.name), d.notApplicable.map((x) => x.name));
        assert.deepEqual(c.results.map((r) => [r.name, r.customers]), d.results.map((r) => [r.name, r.customers]));
        for (const [i, r] of d.results.entries()) assert.deepEqual(await membersOf(ch.db, c.results[i]!.runId!), await membersOf(ws.db, r.runId!), `audience ${r.name}`);
        console.log(`clickhouse cluster = duckdb: ${d.results.length} audiences, ${d.results.reduce((a, r) => a + r.customers, 0)} memberships, not applicable: ${d.notApplicable.map((x) => x.name).join(', ')}`);
      });
    } finally {
      await ch.closeAsync();
    }
  } finally {
    for (const s of shards) {
      await s.run(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
      await s.close();
    }
    t.cleanup();
  }
});
