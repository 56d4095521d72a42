// The same pipeline functions (runValueSegmentation, evaluatePack) on PostgreSQL: a DuckDB workspace's
// tables copied into a fresh PostgreSQL schema through the engine's insertRows, then RFM, LRFMP and the
// e-commerce pack run there with the PostgreSQL engine in place of the workspace's DuckDB. Every customer's
// RFM and LRFMP code and segment, the bin edges, and every audience's members equal the DuckDB run's.
// Runs when TEST_POSTGRES_URL is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine, type Engine } from '../../src/engines/index.ts';
import { evaluatePack } from '../../src/pipeline/audience.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { AUDIENCE_PRESETS } from '../../src/segments/presets/index.ts';
import { col, compile, eq, num, select, table } from '../../src/sql/index.ts';
import { importGenerated } from '../helpers/audience-data.ts';
import { copyToPostgres, duckdbTables } from '../helpers/copy-to-engine.ts';
import { tempDir, withWorkspace } from '../helpers/workspace.ts';

const URL = process.env.TEST_POSTGRES_URL;
const skip = URL ? false : 'TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test): the PostgreSQL run is skipped';
if (!URL) console.log(`# ${skip}`);

/** customer → "code segment" of a value run. */
async function scoresOf(db: Engine, runId: number): Promise<Map<string, string>> {
  const q = compile(select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: col('score_code'), as: 'code' }, { expr: col('segment'), as: 'segment' }], from: table('run_scores'), where: eq(col('run_id'), num(runId)) }), db.dialect);
  return new Map((await db.all<{ customer_id: string; code: unknown; segment: string }>(q.sql, q.params)).map((r) => [String(r.customer_id), `${Number(r.code)} ${r.segment}`]));
}

/** The sorted members of an audience snapshot. */
async function membersOf(db: Engine, runId: number): Promise<string[]> {
  const q = compile(select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('audience_members'), where: eq(col('run_id'), num(runId)) }), db.dialect);
  return (await db.all<{ customer_id: string }>(q.sql, q.params)).map((r) => String(r.customer_id)).sort();
}

test('postgres: RFM, LRFMP and the e-commerce pack through the same pipeline functions give DuckDB\'s codes, segments and members', { skip }, async () => {
  const data = tempDir('segmint-xeng-');
  const schema = `segmint_xeng_${process.pid}`;
  const admin = await openEngine(URL!);
  let pg: Engine | undefined;
  try {
    await withWorkspace(async (ws) => {
      await importGenerated(ws, 'ecommerce', 300, 11, data.dir);
      await admin.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      pg = await openEngine(`${URL}${URL!.includes('?') ? '&' : '?'}schema=${schema}`, { create: true });
      const copied = await copyToPostgres(ws.db, pg, await duckdbTables(ws.db));
      assert.ok(copied.transactions! > 1000 && copied.customers === 300, JSON.stringify(copied));
      const other = { db: pg, config: ws.config };

      for (const model of ['rfm', 'lrfmp'] as const) {
        const d = await runValueSegmentation(ws, model);
        const p = await runValueSegmentation(other, model);
        assert.equal(p.runId, d.runId);
        assert.equal(p.asOf, d.asOf);
        assert.deepEqual(p.customers, d.customers);
        for (const [k, e] of Object.entries(d.edges)) p.edges[k]!.forEach((x, i) => assert.ok(Math.abs(x - e[i]!) <= 1e-9 * Math.max(1, Math.abs(e[i]!)), `${model} edge ${k}[${i}]: ${x} vs ${e[i]}`));
        assert.deepEqual(p.unscored, d.unscored);
        const ds: Map<string, string> = await scoresOf(ws.db, d.runId);
        const ps: Map<string, string> = await scoresOf(pg!, p.runId);
        assert.equal(ds.size, d.customers.scored);
        assert.deepEqual([...ps].sort(), [...ds].sort(), `${model}: code and segment per customer`);
        assert.deepEqual(p.segments.map((s) => [s.segment, s.customers]), d.segments.map((s) => [s.segment, s.customers]));
      }

      const pack = AUDIENCE_PRESETS.ecommerce!;
      const d = await evaluatePack(ws, pack, { skipMissing: true });
      const p = await evaluatePack(other, pack, { skipMissing: true });
      assert.deepEqual(p.notApplicable, d.notApplicable);
      assert.ok(d.results.length >= 5, `${d.results.length} audiences applied`);
      assert.deepEqual(p.results.map((r) => [r.name, r.customers]), d.results.map((r) => [r.name, r.customers]));
      let nonEmpty = 0;
      for (const [i, r] of d.results.entries()) {
        const want = await membersOf(ws.db, r.runId!);
        if (want.length > 0) nonEmpty++;
        assert.deepEqual(await membersOf(pg, p.results[i]!.runId!), want, `audience ${r.name}`);
      }
      assert.ok(nonEmpty >= 3, `${nonEmpty} audiences with members`);
      console.log(`postgres = duckdb: ${copied.transactions} lines, ${copied.customers} customers; ${d.results.length} audiences (${nonEmpty} with members, ${d.results.reduce((a, r) => a + r.customers, 0)} memberships), ${d.notApplicable.length} not applicable (${d.notApplicable.map((x) => x.name).join(', ')})`);
    });
  } finally {
    await pg?.close();
    await admin.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.close();
    data.cleanup();
  }
});
