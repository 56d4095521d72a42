import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runClvFit, runClvPredict } from '../../src/pipeline/clv.ts';
import { importFile } from '../../src/store/import/index.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

const sample = shared('cdnow/CDNOW_sample.txt');

test('periods in hours and a period multiplier: the same BG/NBD in other time units (r, a, b unchanged, α scaled by the unit); predictions agree', { skip: sample.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, sample.path, { kind: 'transactions', columnNames: ['master_id', 'customer_id', 'date', 'cds', 'dollars'], policies: { duplicateRows: 'keep' } });
    const common = { model: 'bgnbd' as const, spend: 'none' as const, calibrationEnd: '1997-09-30', asOf: '1998-07-01' };
    const week = await runClvFit(ws, { ...common, period: 'week' });
    const hour = await runClvFit(ws, { ...common, period: 'hour' });
    const days7 = await runClvFit(ws, { ...common, period: 'day', periodMultiplier: 7 });
    assert.equal(hour.periodDays, 1 / 24);
    assert.equal(days7.periodDays, 7);
    assert.equal(days7.periodMultiplier, 7);
    const w = week.purchase.params;
    // a unit of 7 days is the week: the same summary, the same estimates
    for (const k of ['r', 'alpha', 'a', 'b']) assert.ok(Math.abs(days7.purchase.params[k]! - w[k]!) < 1e-9 * w[k]!, `${k}: ${days7.purchase.params[k]} against ${w[k]}`);
    // hours: λ per hour is λ per week / 168, so α (a time scale) is 168 times larger; r, a, b and P(alive) do not move
    for (const k of ['r', 'a', 'b']) assert.ok(Math.abs(hour.purchase.params[k]! - w[k]!) < 1e-4 * w[k]!, `${k}: ${hour.purchase.params[k]} against ${w[k]}`);
    assert.ok(Math.abs(hour.purchase.params.alpha! / 168 - w.alpha!) < 1e-4 * w.alpha!);
    // ln L differs by the Jacobian of the time unit: Σ x · ln 168 over the 2,457 calibration repeat purchases
    const repeats = week.tracking!.points.filter((p) => !p.holdout).reduce((s, p) => s + p.actual, 0);
    assert.equal(repeats, 2457);
    assert.ok(Math.abs(week.purchase.logLikelihood - hour.purchase.logLikelihood - repeats * Math.log(168)) < 1e-3);
    // the holdout comparison is the same in any unit
    assert.ok(Math.abs(hour.validation!.predictedTotal - week.validation!.predictedTotal) < 1e-3 * week.validation!.predictedTotal);
    // predictions from the hour fit over 52 weeks equal those from the week fit
    const ph = await runClvPredict(ws, { fitRunId: hour.runId, horizon: 52 * 168, unit: 'hour' });
    const pw = await runClvPredict(ws, { fitRunId: week.runId, horizon: 52, unit: 'week' });
    assert.ok(Math.abs(ph.totals.expectedPurchases - pw.totals.expectedPurchases) < 1e-3 * pw.totals.expectedPurchases, `${ph.totals.expectedPurchases} against ${pw.totals.expectedPurchases}`);
    await assert.rejects(runClvFit(ws, { ...common, periodMultiplier: 0 }), (e: { code: string }) => e.code === 'invalid-option');
    await assert.rejects(runClvPredict(ws, { horizon: 12, unit: 'month', discountRate: 0.1, monthlyDiscountRate: 0.01 }), (e: { code: string; hint: string }) => e.code === 'invalid-option' && /lifetimes/.test(e.hint));
  });
});
