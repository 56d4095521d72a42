import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runClvPredict } from '../../src/pipeline/clv.ts';
import { importFile } from '../../src/store/import/index.ts';
import { withWorkspace } from '../helpers/workspace.ts';

test('clv predict: a model whose expectation is not finite (BG/NBD at a = 1) counts the customers under a reason, never as a silent empty', async () => {
  await withWorkspace(async (ws, dir) => {
    const file = join(dir, 't.csv');
    writeFileSync(file, 'customer_id,order_id,ts,amount\na,1,2024-01-02 10:00:00,10\na,2,2024-03-01 10:00:00,20\nb,3,2024-02-01 10:00:00,15\n');
    await importFile(ws, file, { kind: 'transactions' });
    // a stored fit at the removable singularity a = 1 of (a+b+x−1)/(a−1) · […]: 0/0 = NaN for every customer
    const fit = {
      source: 'workspace', period: 'week', periodDays: 7, asOf: '2024-06-01', customers: { total: 2, fitted: 2, excluded: 0, excludedByReason: {} },
      purchase: { model: 'bgnbd', name: 'BG/NBD', params: { r: 0.5, alpha: 4, a: 1, b: 2 }, standardErrors: {}, logLikelihood: -1, iterations: 1, converged: true, method: 'bfgs', penalizer: 0, customers: 2, patterns: 2 },
      spend: { model: 'gammagamma', name: 'Gamma-Gamma', params: { p: 6, q: 4, gamma: 15 }, standardErrors: {}, logLikelihood: -1, iterations: 1, converged: true, method: 'bfgs', penalizer: 0, customers: 1, excluded: { noRepeatPurchases: 1, nonPositiveSpend: 0 }, frequencySpendCorrelation: 0, populationMeanSpend: 30 },
      repeatPurchaseCurve: [], warnings: [],
    };
    await ws.db.run("INSERT INTO runs VALUES (1, 'clv', CAST('2024-06-01' AS TIMESTAMP), '{}', ?, now()::TIMESTAMP)", [JSON.stringify(fit)]);
    const pr = await runClvPredict(ws, { horizon: 12, unit: 'month' });
    assert.equal(pr.customers.predicted, 2);
    assert.deepEqual(pr.customers.excludedByReason, { 'prediction-undefined': 2 });
    assert.ok(pr.warnings.some((w) => /prediction-undefined 2/.test(w)), pr.warnings.join('; '));
    // P(alive) is defined at a = 1, so the churn tier stands; the purchases and the CLV are empty, with the reason
    const rows = await ws.db.all<{ pa: number; e: number | null; clv: number | null; tier: string | null; reason: string | null }>(
      'SELECT p_alive AS pa, expected_purchases AS e, clv, churn_tier AS tier, excluded_reason AS reason FROM clv_predictions WHERE run_id = ? ORDER BY customer_id', [pr.runId]);
    assert.deepEqual(rows.map((r) => [r.e, r.clv, r.reason]), [[null, null, 'prediction-undefined'], [null, null, 'prediction-undefined']]);
    assert.ok(rows.every((r) => r.pa > 0 && r.pa <= 1 && r.tier !== null));
    assert.doesNotMatch(JSON.stringify(pr), /NaN|Infinity/);
  });
});

test('clv predict: a bad horizon is refused in the unit the user gave', async () => {
  await withWorkspace(async (ws) => {
    await ws.db.run("INSERT INTO runs VALUES (1, 'clv', CAST('2024-06-01' AS TIMESTAMP), '{}', ?, now()::TIMESTAMP)", [JSON.stringify({ period: 'week', periodDays: 7, asOf: '2024-06-01', purchase: { model: 'bgnbd', params: {} } })]);
    await assert.rejects(runClvPredict(ws, { horizon: -3, unit: 'month' }), (e: { code: string; message: string; hint: string }) => e.code === 'invalid-option' && /^--horizon -3:/.test(e.message) && /--unit month/.test(e.hint));
  });
});

test('clv predict: an as-of date before every purchase is a coded error, not an empty run with a mean P(alive) of 0', async () => {
  await withWorkspace(async (ws, dir) => {
    const file = join(dir, 't.csv');
    writeFileSync(file, 'customer_id,order_id,ts,amount\na,1,2024-01-02 10:00:00,10\n');
    await importFile(ws, file, { kind: 'transactions' });
    await ws.db.run("INSERT INTO runs VALUES (1, 'clv', CAST('2024-06-01' AS TIMESTAMP), '{}', ?, now()::TIMESTAMP)", [JSON.stringify({ period: 'week', periodDays: 7, asOf: '2024-06-01', purchase: { model: 'bgnbd', name: 'BG/NBD', params: { r: 0.5, alpha: 4, a: 0.8, b: 2 } } })]);
    await assert.rejects(runClvPredict(ws, { horizon: 12, unit: 'month', asOf: '2023-01-01' }), (e: { code: string; hint: string; exitCode: number }) => e.code === 'no-eligible-customers' && /--as-of/.test(e.hint) && e.exitCode === 1);
    assert.equal(Number((await ws.db.one<{ n: number }>("SELECT count(*) AS n FROM runs WHERE kind = 'clv-predict'"))!.n), 0);
  });
});

test('the Gamma-Gamma spend in SQL equals gammaGammaExpectedSpend, undefined cases with their reason', async () => {
  const { gammaGammaExpectedSpend, gammaGammaSpendSql } = await import('../../src/models/clv/gamma-gamma.ts');
  const { openMemoryDb } = await import('../../src/store/workspace.ts');
  const cases: [number, number | null][] = [[0, null], [0, 0], [0, 25], [1, 12.5], [4, 30], [2, 0], [3, -5], [2, null]];
  for (const params of [{ p: 6.25, q: 3.74, gamma: 15.44 }, { p: 2, q: 0.5, gamma: 10 }]) {
    const { db, close } = await openMemoryDb();
    try {
      const { reason, spend } = gammaGammaSpendSql(params, 'x', 'z');
      const rows = await db.all<{ x: number; reason: string | null; spend: number | null }>(
        `SELECT x, ${reason} AS reason, ${spend} AS spend FROM (VALUES ${cases.map(([x, z]) => `(${x}, ${z ?? 'NULL'}::DOUBLE)`).join(', ')}) v(x, z)`);
      rows.forEach((r, i) => {
        const [x, z] = cases[i]!;
        const ts = gammaGammaExpectedSpend(params, x, z ?? NaN);
        if (Number.isNaN(ts)) assert.equal(r.spend, null, `x ${x}, z ${z}`);
        else assert.ok(Math.abs(r.spend! - ts) < 1e-9 * ts, `x ${x}, z ${z}: ${r.spend} vs ${ts}`);
        assert.equal(r.reason === null, r.spend !== null, `x ${x}, z ${z}: a reason exactly when undefined`);
      });
    } finally {
      close();
    }
  }
});
