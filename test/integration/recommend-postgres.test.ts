// Issue #18 on a PostgreSQL workspace: the same IR compiled for PostgreSQL gives the association rules of the
// independent computation (test/fixtures/recommend/rules.py) and the same evaluation as DuckDB on groceries-dataset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openEngine } from '../../src/engines/index.ts';
import { runCli } from '../helpers/cli.ts';
import { shared, tempDir } from '../helpers/workspace.ts';

const PG = process.env.TEST_POSTGRES_URL;
const GROCERIES = shared('groceries-dataset/Groceries_dataset.csv');
const FIXTURE = JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/recommend/rules.json'), 'utf8')) as {
  baskets: number; rulesTotal: number; top: { antecedent: string[]; consequent: string[]; support: number; confidence: number; lift: number }[];
};
const skip = !PG ? 'TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)' : GROCERIES.skip;

async function okJson(args: string[]) {
  const r = await runCli([...args, '--json']);
  assert.equal(r.code, 0, `segmint ${args.join(' ')}: ${r.err}${r.out}`);
  return JSON.parse(r.out);
}

test('postgres: rules equal the independent computation, the evaluation equals DuckDB', { skip }, async () => {
  const schema = `segmint_rec_${process.pid}_${Date.now() % 1e8}`;
  const t = tempDir();
  const admin = await openEngine(PG!);
  try {
    process.env.SEGMINT_TEST_PG_PASSWORD ??= '';
    const [pgWs, duckWs] = [join(t.dir, 'pg'), join(t.dir, 'duck')];
    await okJson(['init', pgWs, '--engine', `${PG}?schema=${schema}&password_env=SEGMINT_TEST_PG_PASSWORD`]);
    await okJson(['init', duckWs]);
    for (const ws of [pgWs, duckWs]) await okJson(['import', GROCERIES.path, '--kind', 'transactions', '-w', ws]);
    const rules = await okJson(['recommend', 'rules', '--min-support', '0.001', '--k', '20', '-w', pgWs]);
    assert.equal(rules.baskets, FIXTURE.baskets);
    assert.equal(rules.rulesTotal, FIXTURE.rulesTotal);
    rules.rules.forEach((x: { lift: number; support: number }, i: number) => assert.ok(Math.abs(x.lift - FIXTURE.top[i]!.lift) < 1e-12, `lift #${i + 1}`));
    const [pg, duck] = [await okJson(['recommend', 'evaluate', '--split', '2015-07-01', '-w', pgWs]), await okJson(['recommend', 'evaluate', '--split', '2015-07-01', '-w', duckWs])];
    // the same customers and lists; sums over customers in another order differ in the last bits only
    for (const m of ['itemToItem', 'popularity', 'segmentPopularity']) {
      for (const k of ['customers', 'distinctItems', 'hitRate', 'coverage']) assert.equal(pg.methods[m][k], duck.methods[m][k], `${m}.${k}`);
      for (const k of ['recall', 'ndcg']) assert.ok(Math.abs(pg.methods[m][k] - duck.methods[m][k]) < 1e-12, `${m}.${k}`);
    }
    assert.equal(pg.evaluatedCustomers, duck.evaluatedCustomers);
    const [a, b] = [await okJson(['recommend', '--customer', '1000', '-w', pgWs]), await okJson(['recommend', '--customer', '1000', '-w', duckWs])];
    assert.deepEqual(a.recommendations, b.recommendations);
  } finally {
    await admin.run(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.close();
    t.cleanup();
  }
});
