// Model scores on a two-shard ClickHouse cluster equal DuckDB's (issue #19): segmint model train|score on
// telco-churn, a rule reading model.churn.probability / .decile, and outlier scores (segmint model outliers)
// with the rule model.odd.unusual = true give the same members, and the same probabilities and scores to 1e-9.
// Needs TEST_CLICKHOUSE_URL and TEST_CLICKHOUSE_SHARD2_URL (scripts/clickhouse-cluster.sh start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openEngine } from '../../src/engines/index.ts';
import { compile } from '../../src/sql/compile.ts';
import { col, eq, num, select, table } from '../../src/sql/ir.ts';
import type { Db } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { shared, tempDir, withOpenWorkspace } from '../helpers/workspace.ts';

const TELCO = shared('telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv');
const CH = process.env.TEST_CLICKHOUSE_URL;
const CH2 = process.env.TEST_CLICKHOUSE_SHARD2_URL;
const skip = !CH || !CH2 ? 'TEST_CLICKHOUSE_URL / TEST_CLICKHOUSE_SHARD2_URL are not set (scripts/clickhouse-cluster.sh start)' : TELCO.skip;

async function okJson(args: string[]) {
  const r = await runCli([...args, '--json']);
  assert.equal(r.code, 0, `segmint ${args.join(' ')}: ${r.err}${r.out}`);
  return JSON.parse(r.out);
}

/** customer id → value of one column of a run's rows, read with compiled IR (any engine). */
async function byCustomer(db: Db, name: string, column: string, runId: number): Promise<Map<string, number>> {
  const q = compile(select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: col(column), as: 'v' }], from: table(name), where: eq(col('run_id'), num(runId)) }), db.dialect);
  return new Map((await db.all<{ customer_id: string; v: unknown }>(q.sql, q.params)).map((r) => [String(r.customer_id), Number(r.v)]));
}

async function members(db: Db, runId: number): Promise<string[]> {
  return [...(await byCustomer(db, 'audience_members', 'run_id', runId)).keys()].sort();
}

interface Result { churn: string[]; odd: string[]; probability: Map<string, number>; score: Map<string, number>; unusual: number }

async function onWorkspace(ws: string): Promise<Result> {
  await okJson(['import', TELCO.path, '--kind', 'customers', '--map', 'customer_id=customerID', '-w', ws]);
  await okJson(['model', 'train', 'churn', '--target', 'churn', '--features', 'tenure,contract,monthly_charges,total_charges,internet_service,payment_method,senior_citizen', '--folds', '3', '-w', ws]);
  const s = await okJson(['model', 'score', 'churn', '-w', ws]);
  const e = await okJson(['audience', 'eval', '--where', "any(model.churn.probability > 0.6, all(model.churn.decile = 3, payment_method = 'Electronic check'))", '-w', ws]);
  const o = await okJson(['model', 'outliers', 'odd', '--features', 'tenure,monthly_charges,total_charges,contract,payment_method', '--contamination', '0.02', '-w', ws]);
  const u = await okJson(['audience', 'eval', '--where', o.rule, '-w', ws]);
  return withOpenWorkspace(ws, async (w) => ({
    churn: await members(w.db, e.runId), odd: await members(w.db, u.runId), unusual: o.unusual,
    probability: await byCustomer(w.db, 'run_model_scores', 'probability', s.runId), score: await byCustomer(w.db, 'run_outlier_scores', 'score', o.runId),
  }));
}

test('model scores and outlier scores: rules give the same members on a two-shard ClickHouse cluster as on DuckDB', { skip }, async () => {
  const t = tempDir();
  const database = `segmint_models_${process.pid}_${Date.now() % 1e6}`;
  try {
    const [duckWs, chWs] = [join(t.dir, 'duck'), join(t.dir, 'ch')];
    await okJson(['init', duckWs]);
    const init = await runCli(['init', chWs, '--engine', `${CH!.replace(/^http/, 'clickhouse')}/${database}`, '--cluster', 'segmint', '--shard', CH2!, '--json']);
    assert.equal(init.code, 0, init.err);
    const d = await onWorkspace(duckWs);
    const c = await onWorkspace(chWs);
    assert.equal(d.probability.size, 7043);
    assert.equal(c.probability.size, 7043);
    for (const [id, p] of d.probability) assert.ok(Math.abs(c.probability.get(id)! - p) < 1e-9, `probability of ${id}: ${c.probability.get(id)} vs ${p}`);
    for (const [id, v] of d.score) assert.ok(Math.abs(c.score.get(id)! - v) < 1e-9, `outlier score of ${id}: ${c.score.get(id)} vs ${v}`);
    assert.ok(d.churn.length > 500, `${d.churn.length}`);
    assert.deepEqual(c.churn, d.churn);
    assert.equal(d.odd.length, d.unusual);
    assert.ok(d.unusual > 100 && d.unusual < 180, `${d.unusual} unusual`);
    assert.deepEqual(c.odd, d.odd);
  } finally {
    for (const url of [CH, CH2]) {
      if (!url) continue;
      const e = await openEngine(url);
      await e.run(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
      await e.close();
    }
    t.cleanup();
  }
});
