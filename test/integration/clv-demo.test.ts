import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDemo, runDemoClv } from '../../src/pipeline/demo.ts';
import { reportSections } from '../../src/report/index.ts';
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

      // issue #16: the three models compared on the 13-week holdout (which runs into the Christmas peak); on
      // these data every one of them finds no drop-out (BG/NBD a = 4.9e-6, b = 2,493; an independent fit in scipy
      // reaches the same optimum, ln L = −22,889.4), and the output says so
      const c = fit.choice!;
      assert.equal(c.by, 'holdout');
      assert.deepEqual(c.rows.map((r) => r.model), ['bgnbd', 'mbgnbd', 'paretonbd']);
      for (const r of c.rows) {
        assert.ok(r.fitted && r.degenerate && r.issues.includes('no-dropout') && r.issues.includes('p-alive-not-informative'), `${r.name}: ${r.issues.join(', ')}`);
        assert.ok(r.meanAbsoluteError! > 0.93 && r.meanAbsoluteError! < 0.95 && r.rootMeanSquaredError! > 1.5 && r.rootMeanSquaredError! < 1.53, JSON.stringify(r));
        assert.ok(Math.abs(r.totalError! + 0.245) < 0.002, `${r.name}: total ${r.totalError}`);
      }
      assert.equal(c.rows[0]!.logLikelihood!.toFixed(1), '-22889.4');
      assert.equal(c.chosen, 'bgnbd');
      assert.match(c.reason, /every model's fit is degenerate/);
      assert.equal(fit.diagnostics!.degenerate, true);
      assert.equal(fit.diagnostics!.pAliveInformative, false);
      const noDropout = fit.diagnostics!.issues.find((i) => i.code === 'no-dropout')!;
      assert.match(noDropout.message, /BG\/NBD estimates the chance to drop out after a purchase at 2\.0e-9 \(a = 4\.9e-6, b = 2,493\): the fit is degenerate/);
      assert.match(noDropout.meaning, /no evidence that customers stop buying within the calibration period.*P\(alive\) is not informative/);
      assert.match(noDropout.advice, /^read churn from recency instead.*longer history.*--model auto.*--penalizer/);
      // predictions from BG/NBD refitted on all data, and no churn tier drawn from the uninformative P(alive)
      assert.equal(fit.refit!.model, 'bgnbd');
      assert.equal(predict.pAliveInformative, false);
      assert.deepEqual(predict.churnTiers.map((t) => [t.tier, t.customers]), [['not informative', buyers]]);
      const tiers = await ws.db.all<{ t: string }>('SELECT DISTINCT churn_tier AS t FROM clv_predictions WHERE run_id = ?', [predict.runId]);
      assert.deepEqual(tiers.map((t) => t.t), ['not informative']);
      // tracking: the holdout runs into the Christmas peak; the weeks from 2011-11-02 depart from the model by more
      // than any calibration week did, and are named
      const season = fit.tracking!.seasonality;
      assert.deepEqual(season.periods.map((q) => q.start), ['2011-11-02', '2011-11-09', '2011-11-16', '2011-11-23', '2011-11-30']);
      assert.ok(season.periods.every((q) => q.actual - q.expected > season.threshold));
      assert.ok(fit.warnings.some((w) => /^the holdout's weekly purchases depart from the model's by more than any calibration week's did .* week 49 from 2011-11-02/.test(w)), fit.warnings.join('\n'));
      const html = (await reportSections(ws.db)).find((s) => s.id === 'clv')!.html;
      assert.match(html, /Seasonality: 5 holdout weeks/);
      assert.match(html, /The BG\/NBD fit is degenerate/);
      assert.match(html, /Churn risk: not informative/);
      assert.match(html, /Model choice \(--model auto\), by the holdout/);
      assert.doesNotMatch(html, /<div class="title">Churn risk<\/div>/);
    } finally {
      ws.close();
    }
  });
});
