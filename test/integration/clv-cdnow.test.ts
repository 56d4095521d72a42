import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runClvFit, runClvPredict } from '../../src/pipeline/clv.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { reportSections } from '../../src/report/index.ts';
import { importFile } from '../../src/store/import/index.ts';
import { readCsv } from '../helpers/csv.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

const sample = shared('cdnow/CDNOW_sample.txt');
const published = shared('cdnow/cdnow_customers_summary_with_transactions.csv');

test('CDNOW workspace: calibration fit reproduces the published BG/NBD and Gamma-Gamma estimates, validated on the 39-week holdout', { skip: sample.skip || published.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, sample.path, { kind: 'transactions', columnNames: ['master_id', 'customer_id', 'date', 'cds', 'dollars'], policies: { duplicateRows: 'keep' } });
    const fit = await runClvFit(ws, { model: 'bgnbd', calibrationEnd: '1997-09-30', asOf: '1998-07-01' });
    assert.equal(fit.diagnostics!.degenerate, false);
    assert.deepEqual(fit.diagnostics!.issues, []);
    const p = fit.purchase.params;
    // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4
    assert.deepEqual([p.r, p.alpha, p.a, p.b].map((v) => Number(v!.toFixed(3))), [0.243, 4.414, 0.793, 2.426]);
    assert.equal(Number(fit.purchase.logLikelihood.toFixed(1)), -9582.4);
    assert.equal(fit.customers.fitted, 2357);
    // the workspace's spend is exact (not rounded to cents as the summary file is): γ = 15.44 as published
    assert.deepEqual([fit.spend!.params.p, fit.spend!.params.q, fit.spend!.params.gamma].map((v) => Number(v!.toFixed(2))), [6.25, 3.74, 15.44]);
    assert.equal(fit.spend!.excluded.noRepeatPurchases, 1411);
    const v = fit.validation!;
    assert.equal(Number(v.holdoutPeriods.toFixed(2)), 39);
    assert.equal(v.customers, 2357);
    // 1,882 holdout purchase days (checked against a plain pass over the file in transaction-summary.test.ts);
    // the model expects 1,653 (−12 %): it under-forecasts the holdout, mostly among customers with 1–2 repeats
    assert.equal(v.actualTotal, 1882);
    assert.ok(v.aggregateRelativeError < -0.1 && v.aggregateRelativeError > -0.14, `aggregate error ${v.aggregateRelativeError}`);
    assert.ok(Math.abs(v.byFrequency[0]!.predictedMean - v.byFrequency[0]!.actualMean) < 0.02, 'customers without repeats: 0.225 expected, 0.237 made');
    assert.ok(v.topDecileLift > 3, `lift ${v.topDecileLift}`);
    assert.equal(v.byFrequency.reduce((s, g) => s + g.customers, 0), 2357);
    assert.equal(v.deciles.reduce((s, d) => s + d.customers, 0), 2357);

    // Predictions from the calibration history reproduce the paper's worked example: customer 1 (x = 2,
    // t_x = 30.43, T = 38.86) expects 1.226 purchases in 39 weeks; undiscounted CLV = 1.226 × E[M] (24.65, Hardie's note 025)
    const pr = await runClvPredict(ws, { horizon: 39, unit: 'week', discountRate: 0, asOf: '1997-10-01' });
    assert.equal(pr.customers.predicted, 2357);
    assert.equal(pr.customers.withClv, 2357);
    const c1 = (await ws.db.one<{ e: number; s: number; clv: number; pa: number }>("SELECT expected_purchases AS e, expected_spend AS s, clv, p_alive AS pa FROM clv_predictions WHERE run_id = ? AND customer_id = '0001'", [pr.runId]))!;
    assert.equal(Number(c1.e.toFixed(3)), 1.226);
    assert.ok(Math.abs(c1.s - 24.65) < 0.015, `E[M] = ${c1.s}`);
    assert.ok(Math.abs(c1.clv - c1.e * c1.s) < 1e-9);
    // discounting at 10 % a year lowers CLV but not purchases
    const d = await runClvPredict(ws, { horizon: 39, unit: 'week', discountRate: 0.1, asOf: '1997-10-01' });
    const c1d = (await ws.db.one<{ e: number; clv: number }>("SELECT expected_purchases AS e, clv FROM clv_predictions WHERE run_id = ? AND customer_id = '0001'", [d.runId]))!;
    assert.equal(c1d.e, c1.e);
    assert.ok(c1d.clv < c1.clv && c1d.clv > c1.clv / 1.1);
    const tiers = await ws.db.all<{ t: string; n: number }>('SELECT clv_tier AS t, count(*) AS n FROM clv_predictions WHERE run_id = ? GROUP BY 1 ORDER BY 1', [pr.runId]);
    assert.deepEqual(tiers.map((t) => t.t), ['high', 'low', 'medium', 'top']);
    assert.equal(tiers.find((t) => t.t === 'top')!.n, Math.ceil(0.1 * 2357));
    // cross-check with the published per-customer summary: the summary behind the predictions is the published one
    const ref = new Map(readCsv(published.path).rows.map((r) => [r[0], Number(r[1])]));
    const rows = await ws.db.all<{ id: string; x: number }>('SELECT customer_id AS id, frequency AS x FROM clv_predictions WHERE run_id = ?', [pr.runId]);
    assert.ok(rows.every((r) => ref.get(String(Number(r.id))) === r.x));

    // the report section: models, calibration against holdout, both heat maps, churn tiers, CLV by RFM segment
    await runValueSegmentation(ws, 'rfm', { asOf: '1998-07-01' });
    const clv = (await reportSections(ws.db)).find((x) => x.id === 'clv')!;
    for (const title of ['Calibration against holdout', 'Expected purchases in the next 39 weeks', 'P(alive)', 'Churn risk', 'CLV distribution', 'Mean CLV by RFM segment']) {
      const at = clv.html.indexOf(`<div class="title">${title}</div>`);
      assert.ok(at >= 0 && clv.html.slice(at, at + 3000).includes('<svg'), `${title}: a chart`);
    }
    assert.doesNotMatch(clv.html, /NaN|Infinity/);
  });
});
