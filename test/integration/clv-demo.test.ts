import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDemo, runDemoClv } from '../../src/pipeline/demo.ts';
import { withTempDir } from '../helpers/workspace.ts';

test('demo: CLV predictions for every customer with a purchase of the bundled Online Retail data, the others counted', async () => {
  await withTempDir(async (dir) => {
    const { ws } = await runDemo(dir);
    try {
      const { fit, predict } = await runDemoClv(ws);
      // customers with at least one purchase line, counted straight from the transactions
      const buyers = Number((await ws.db.one<{ n: number }>('SELECT count(DISTINCT customer_id) AS n FROM transactions WHERE NOT is_return'))!.n);
      const all = Number((await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM customers'))!.n);
      assert.equal(predict.customers.predicted, buyers);
      assert.equal(predict.customers.withClv + predict.customers.excluded, buyers);
      assert.deepEqual(Object.keys(predict.customers.excludedByReason), ['non-positive-spend']);
      assert.equal(fit.customers.total, all);
      assert.equal(fit.customers.fitted + fit.customers.excluded, all);
      assert.ok(fit.validation && fit.validation.customers === fit.customers.fitted);
      const bad = await ws.db.one<{ n: number }>(`SELECT count(*) AS n FROM clv_predictions WHERE run_id = ? AND (
          p_alive IS NULL OR isnan(p_alive) OR expected_purchases IS NULL OR isnan(expected_purchases) OR days_to_next_purchase IS NULL
          OR (clv IS NULL) <> (excluded_reason IS NOT NULL) OR isnan(clv) OR isinf(clv))`, [predict.runId]);
      assert.equal(bad!.n, 0);
    } finally {
      ws.close();
    }
  });
});
