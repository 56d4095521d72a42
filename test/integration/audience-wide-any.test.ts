// any() of many behaviour conditions: one semi-join for the conditions that hold and one for those that
// do not (issue #20: 300 conditions made 300 joins and ran out of a 1 GB memory limit), with the members
// of an independent evaluation over the rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseAudience } from '../../src/segments/parse.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { Oracle } from '../helpers/audience-oracle.ts';
import { importGenerated, oracleData } from '../helpers/audience-data.ts';
import { withTempDir } from '../helpers/workspace.ts';

test('any() of 150 behaviour conditions is two semi-joins and finds the same customers as the rows say', async () => {
  await withTempDir(async (dir) => {
    const wsDir = join(dir, 'ws');
    const ws = await Workspace.open(wsDir, { create: true });
    let products: string[];
    try {
      await importGenerated(ws, 'ecommerce', 300, 11, join(dir, 'gen'));
      products = (await ws.db.all<{ p: string }>('SELECT product_id AS p FROM transactions GROUP BY 1 ORDER BY count(*), 1 LIMIT 50')).map((r) => r.p);
    } finally {
      ws.close();
    }
    const conditions: string[] = [];
    for (let i = 0; i < 50; i++) {
      conditions.push(`has purchases where product_id = '${products[i]}' in last ${30 + i} days`);
      conditions.push(`has no orders in last ${300 + 5 * i} days`);
      conditions.push(`orders where amount > ${2000 + 100 * i} >= 2`);
    }
    const where = `any(${conditions.join(', ')})`;

    const sql = await runCli(['audience', 'sql', '--where', where, '-w', wsDir]);
    assert.equal(sql.code, 0, sql.err);
    const joins = sql.out.match(/ IN \(/g)?.length ?? 0;
    assert.ok(joins <= 4, `two semi-joins (with the group inside the intersection), not one per condition: ${joins}`);

    const r = await runCli(['audience', 'eval', '--where', where, '--name', 'wide', '-w', wsDir, '--json']);
    assert.equal(r.code, 0, r.err);
    const { runId, asOf } = JSON.parse(r.out) as { runId: number; asOf: string };
    const w = await Workspace.open(wsDir, { readOnly: true });
    try {
      const got = new Set((await w.db.all<{ c: string }>('SELECT customer_id AS c FROM audience_members WHERE run_id = ?', [runId])).map((x) => x.c));
      const expected = new Oracle(await oracleData(w), new Date(`${asOf}T00:00:00Z`)).members(parseAudience(where).node!);
      assert.ok(expected.size > 0 && expected.size < 300, `a rule that splits the customers (${expected.size})`);
      assert.deepEqual([...got].sort(), [...expected].sort());
    } finally {
      w.close();
    }
  });
});
