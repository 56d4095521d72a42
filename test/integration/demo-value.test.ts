import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDemo, runDemoValue } from '../../src/pipeline/demo.ts';
import { withTempDir } from '../helpers/workspace.ts';

test('demo: RFM 13 weeks before the end and at the end; the largest segment moves counted from the two stored runs', async () => {
  await withTempDir(async (dir) => {
    const { ws } = await runDemo(dir);
    try {
      const { rfmBefore, rfm, moves } = await runDemoValue(ws);
      assert.equal(rfmBefore.asOf, '2011-09-10');
      assert.equal(rfm.asOf, '2011-12-10');
      // the moves, joined straight from run_scores
      const direct = await ws.db.all<{ f: string; t: string; n: number }>(`SELECT a.segment AS f, b.segment AS t, count(*) AS n
        FROM run_scores a JOIN run_scores b ON a.customer_id = b.customer_id
        WHERE a.run_id = ? AND b.run_id = ? AND a.segment <> b.segment GROUP BY 1, 2 ORDER BY n DESC, f, t LIMIT 5`, [rfmBefore.runId, rfm.runId]);
      assert.equal(moves.length, 5);
      assert.deepEqual(moves.map((m) => m.customers), direct.map((d) => Number(d.n)));
      for (const m of moves) assert.ok(direct.some((d) => d.f === m.from && d.t === m.to && Number(d.n) === m.customers), `${m.from} → ${m.to}`);
    } finally {
      ws.close();
    }
  });
});
