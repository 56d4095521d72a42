import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runClvFit, runClvPredict } from '../../src/pipeline/clv.ts';
import { importFile } from '../../src/store/import/index.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

const sample = shared('cdnow/CDNOW_sample.txt');
const grocery = shared('btydplus-grocery/groceryElog.csv');

test('clv fit --model auto on CDNOW: the three models compared on the 39-week holdout; BG/NBD and Pareto/NBD track it closely (FHL 2005), Pareto/NBD has the lowest MAE', { skip: sample.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, sample.path, { kind: 'transactions', columnNames: ['master_id', 'customer_id', 'date', 'cds', 'dollars'], policies: { duplicateRows: 'keep' } });
    const fit = await runClvFit(ws, { calibrationEnd: '1997-09-30', asOf: '1998-07-01' });
    const c = fit.choice!;
    assert.equal(c.by, 'holdout');
    assert.deepEqual(c.rows.map((r) => r.model), ['bgnbd', 'mbgnbd', 'paretonbd']);
    const row = (m: string) => c.rows.find((r) => r.model === m)!;
    // the published calibration fits: BG/NBD LL −9,582.4 (FHL 2005), Pareto/NBD −9,595.0 (Fader & Hardie's note)
    assert.equal(row('bgnbd').logLikelihood!.toFixed(1), '-9582.4');
    assert.equal(row('paretonbd').logLikelihood!.toFixed(1), '-9595.0');
    // BIC = −2 ln L + 4 ln 2357
    assert.ok(Math.abs(row('bgnbd').bic! - (2 * 9582.4 + 4 * Math.log(2357))) < 0.1);
    for (const r of c.rows) {
      assert.equal(r.degenerate, false, `${r.name}: ${r.issues.join(', ')}`);
      assert.equal(r.actualTotal, 1882);
    }
    // all three track the holdout total to within 17 %; BG/NBD and Pareto/NBD to about 12 %
    assert.ok(Math.abs(row('bgnbd').totalError! + 0.121) < 0.005 && Math.abs(row('paretonbd').totalError! + 0.115) < 0.005, JSON.stringify(c.rows));
    assert.ok(Math.abs(row('mbgnbd').totalError! + 0.162) < 0.005);
    // per customer: Pareto/NBD 0.755, MBG/NBD 0.765, BG/NBD 0.785
    assert.deepEqual(c.rows.map((r) => r.meanAbsoluteError!.toFixed(3)), ['0.785', '0.765', '0.755']);
    assert.equal(c.chosen, 'paretonbd');
    assert.ok(row('paretonbd').chosen && c.rows.filter((r) => r.chosen).length === 1);
    assert.match(c.reason, /^Pareto\/NBD has the lowest mean absolute error per customer on the holdout \(0\.755; BG\/NBD 0\.785, MBG\/NBD 0\.765\)/);
    assert.equal(fit.purchase.model, 'paretonbd');
    assert.equal(fit.validation!.meanAbsoluteError, row('paretonbd').meanAbsoluteError);
    assert.equal(fit.diagnostics!.degenerate, false);
    assert.equal(fit.diagnostics!.pAliveInformative, true);
    // refitted on all 78 weeks for the predictions, which use it
    assert.ok(fit.refit && fit.refit.model === 'paretonbd' && fit.refit.params.r !== fit.purchase.params.r);
    const pr = await runClvPredict(ws, { horizon: 52, unit: 'week' });
    assert.equal(pr.pAliveInformative, true);
    assert.deepEqual(pr.churnTiers.map((t) => t.tier), ['active', 'cooling', 'at-risk', 'lapsed']);
    const stored = await ws.db.one<{ e: number }>("SELECT expected_purchases AS e FROM clv_predictions WHERE run_id = ? AND customer_id = '0001'", [pr.runId]);
    const { conditionalExpectedPurchases } = await import('../../src/models/clv/model.ts');
    const s = (await ws.db.one<{ x: number; tx: number; T: number }>('SELECT frequency AS x, recency AS tx, "T" AS "T" FROM clv_predictions WHERE run_id = ? AND customer_id = \'0001\'', [pr.runId]))!;
    assert.ok(Math.abs(stored!.e - conditionalExpectedPurchases({ kind: 'paretonbd', params: fit.refit!.params }, 52, s.x, s.tx, s.T)) < 1e-9);
  });
});

test('clv fit --model auto on groceryElog (Platzer & Reutterer 2016): MBG/NBD is chosen, within 0.5 % of Pareto/NBD\'s holdout MAE with the lower BIC; BG/NBD trails', { skip: grocery.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, grocery.path, { kind: 'transactions' });
    const fit = await runClvFit(ws, { calibrationEnd: '2006-12-31', asOf: '2008-01-01' });
    const c = fit.choice!;
    assert.deepEqual(c.rows.map((r) => r.logLikelihood!.toFixed(1)), ['-15836.6', '-15781.9', '-15782.4']);
    assert.deepEqual(c.rows.map((r) => r.meanAbsoluteError!.toFixed(3)), ['1.579', '1.515', '1.510']);
    assert.ok(c.rows.every((r) => r.degenerate === false && r.actualTotal === 3389));
    assert.equal(c.chosen, 'mbgnbd');
    assert.match(c.reason, /within 0\.5 % of the lowest, and its BIC is lower/);
    assert.equal(fit.refit!.model, 'mbgnbd');
    assert.equal(fit.refit!.customers, 1525);
  });
});
