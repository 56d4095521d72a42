// `clv predict` on DuckDB stored per pattern (src/pipeline/clv-predict-store.ts, src/store/clv-prediction-tables.ts):
// the view clv_predictions over the narrow tables gives, row by row and column by column, what the wide rows of the
// same prediction hold, and the run's figures (computed from what was stored, not read back) are the wide run's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulateBgNbd } from '../../src/models/clv/simulate.ts';
import { CHURN_TIERS, CLV_TIERS } from '../../src/models/clv/predict.ts';
import { NOT_INFORMATIVE, runClvFit, runClvPredict, type ClvPredictResult } from '../../src/pipeline/clv.ts';
import { paddingRows, PADDING_KEY, positionLookup } from '../../src/pipeline/clv-predict-store.ts';
import { importFile } from '../../src/store/import/index.ts';
import { recoverUnfinishedWrites } from '../../src/store/journal.ts';
import { DUCKDB_CLV_PREDICTION_TABLES, NARROW_CHURN_TIERS, NARROW_LAST_CHURN_TIER, NARROW_LAST_TIER, NARROW_NOT_INFORMATIVE, NARROW_TIER_EDGES } from '../../src/store/clv-prediction-tables.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import { insertSummaryCases } from '../helpers/clv-summary.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

const COLUMNS = ['frequency', 'recency', 'T', 'monetary_value', 'p_alive', 'expected_purchases', 'expected_spend', 'clv', 'days_to_next_purchase', 'churn_tier', 'clv_tier', 'excluded_reason'];

/** How many rows each of the two runs has in each of DuckDB's tables behind the view. */
async function rowsPerTable(ws: Workspace, runId: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of DUCKDB_CLV_PREDICTION_TABLES) out[t] = Number((await ws.db.one<{ n: number }>(`SELECT count(*) AS n FROM ${t} WHERE run_id = ?`, [runId]))!.n);
  return out;
}

/** The two runs' rows, customer by customer: those where any column differs (IS DISTINCT FROM: NULLs equal), and how many. */
async function compareRuns(ws: Workspace, narrow: number, wide: number): Promise<{ n: number; differ: number; example?: string }> {
  const differs = COLUMNS.map((c) => `a."${c}" IS DISTINCT FROM b."${c}"`).join(' OR ');
  const r = (await ws.db.one<{ n: number; differ: number; example: string | null }>(`SELECT count(*) AS n, count(*) FILTER (WHERE a.customer_id IS NULL OR b.customer_id IS NULL OR ${differs}) AS differ,
      min(coalesce(a.customer_id, b.customer_id)) FILTER (WHERE a.customer_id IS NULL OR b.customer_id IS NULL OR ${differs}) AS example
    FROM (SELECT * FROM clv_predictions WHERE run_id = ?) a FULL JOIN (SELECT * FROM clv_predictions WHERE run_id = ?) b ON a.customer_id = b.customer_id`, [narrow, wide]))!;
  return { n: Number(r.n), differ: Number(r.differ), ...(r.example ? { example: r.example } : {}) };
}

/** The figures of two runs agree: counts exactly, sums and means to rounding (summed in another order). */
function assertSameFigures(a: ClvPredictResult, b: ClvPredictResult, what: string): void {
  const close = (x: number | null, y: number | null, label: string) => {
    if (x === null || y === null) return assert.equal(x, y, `${what}: ${label}`);
    assert.ok(Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y)), `${what}: ${label} ${x} against ${y}`);
  };
  assert.deepEqual(a.customers, b.customers, `${what}: customers`);
  close(a.totals.clv, b.totals.clv, 'total CLV');
  close(a.totals.expectedPurchases, b.totals.expectedPurchases, 'expected purchases');
  close(a.totals.meanPAlive, b.totals.meanPAlive, 'mean P(alive)');
  assert.deepEqual(a.churnTiers.map((t) => [t.tier, t.customers]), b.churnTiers.map((t) => [t.tier, t.customers]), `${what}: churn tiers`);
  a.churnTiers.forEach((t, j) => close(t.meanPAlive, b.churnTiers[j]!.meanPAlive, `${t.tier} P(alive)`));
  assert.deepEqual(a.clvTiers.map((t) => [t.tier, t.customers]), b.clvTiers.map((t) => [t.tier, t.customers]), `${what}: CLV tiers`);
  a.clvTiers.forEach((t, j) => close(t.clv, b.clvTiers[j]!.clv, `${t.tier} CLV`));
  assert.equal(a.pAliveInformative, b.pAliveInformative);
  assert.deepEqual(a.warnings, b.warnings.map((w) => w), `${what}: warnings`);
}

/** Predict with each storage and check the two runs against each other. */
async function assertBothStorages(ws: Workspace, customers: number, options: Parameters<typeof runClvPredict>[1], what: string): Promise<ClvPredictResult> {
  const narrow = await runClvPredict(ws, options);
  const wide = await runClvPredict(ws, { ...options, wideRows: true });
  // each run where it should be: the narrow one in the three narrow tables only, the wide one in the wide rows only
  const n = await rowsPerTable(ws, narrow.runId);
  assert.equal(n.clv_prediction_customers, customers, `${what}: the narrow run's customers`);
  assert.ok(n.clv_prediction_patterns! > 0 && n.clv_prediction_patterns! <= customers, `${what}: its patterns (${n.clv_prediction_patterns})`);
  assert.deepEqual([n.clv_prediction_runs, n.clv_prediction_rows], [1, 0]);
  assert.deepEqual(await rowsPerTable(ws, wide.runId), { clv_prediction_rows: customers, clv_prediction_customers: 0, clv_prediction_patterns: 0, clv_prediction_runs: 0 });
  assert.deepEqual(await compareRuns(ws, narrow.runId, wide.runId), { n: customers, differ: 0 }, `${what}: rows that differ`);
  assertSameFigures(narrow, wide, what);
  return narrow;
}

test('clv predict stored per pattern: the view gives the wide rows and figures of the same prediction (NULL spends, non-positive spends, one-day customers)', async () => {
  await withWorkspace(async (ws) => {
    await insertSummaryCases(ws.db);
    const customers = Number((await ws.db.one<{ n: number }>("SELECT count(DISTINCT customer_id) AS n FROM transactions WHERE customer_id IS NOT NULL AND NOT is_return AND ts < TIMESTAMP '2024-07-01'"))!.n);
    await runClvFit(ws, { model: 'bgnbd', asOf: '2024-07-01' });
    const r = await assertBothStorages(ws, customers, { horizon: 3, unit: 'month', margin: 0.4 }, 'cases');
    assert.ok(r.customers.excluded > 0, 'some customers have no CLV (their reasons are compared)');
    await runClvFit(ws, { model: 'paretonbd', asOf: '2024-05-01', period: 'day' });
    await assertBothStorages(ws, Number((await ws.db.one<{ n: number }>("SELECT count(DISTINCT customer_id) AS n FROM transactions WHERE customer_id IS NOT NULL AND NOT is_return AND ts < TIMESTAMP '2024-05-01'"))!.n),
      { horizon: 10, unit: 'week', monthlyDiscountRate: 0.02 }, 'Pareto/NBD by day');
  });
});

const sample = shared('cdnow/CDNOW_sample.txt');

test('clv predict stored per pattern on CDNOW: the view gives the wide rows and figures of the same prediction', { skip: sample.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, sample.path, { kind: 'transactions', columnNames: ['master_id', 'customer_id', 'date', 'cds', 'dollars'], policies: { duplicateRows: 'keep' } });
    await runClvFit(ws, { model: 'bgnbd', asOf: '1998-07-01' });
    await assertBothStorages(ws, 2357, { horizon: 39, unit: 'week', margin: 0.3 }, 'CDNOW');
    // from an as-of date the cache does not cover (the summary from the transactions, sorted by the insert)
    await assertBothStorages(ws, 2357, { horizon: 12, unit: 'month', asOf: '1998-03-01' }, 'CDNOW, earlier as-of');
  });
});

test('clv predict stored per pattern with a CLV tier edge among 24,000 customers of one CLV (more than are looked up by position): the wide rows\' tiers', async () => {
  await withWorkspace(async (ws, dir) => {
    // 4,000 customers of BG/NBD and Gamma-Gamma's own story, and 24,000 who bought once, on one day, for one amount:
    // one pattern, one spend, so one CLV, and the lower tiers' edges fall among them
    const sim = simulateBgNbd(4000, { r: 0.5, alpha: 4, a: 0.8, b: 2.5 }, { p: 6, q: 4, gamma: 15 }, { seed: 7, maxT: 52, events: true }).events!;
    const end = Date.parse('2024-01-01T00:00:00Z');
    const lines = ['customer_id,order_id,ts,amount'];
    sim.customer.forEach((c, e) => {
      lines.push(`s${c},o${e},${new Date(end - sim.daysBeforeEnd[e]! * 86_400_000 + 36_000_000).toISOString().slice(0, 19).replace('T', ' ')},${sim.value[e]!.toFixed(2)}`);
    });
    for (let i = 0; i < 24_000; i++) lines.push(`t${String(i).padStart(5, '0')},t${i},2023-10-02 10:00:00,20.00`);
    const file = join(dir, 'tied.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    await importFile(ws, file, { kind: 'transactions' });
    await runClvFit(ws, { model: 'bgnbd', asOf: '2024-01-02' });
    const customers = Number((await ws.db.one<{ n: number }>('SELECT count(DISTINCT customer_id) AS n FROM transactions'))!.n);
    const r = await assertBothStorages(ws, customers, { horizon: 6, unit: 'month', margin: 0.5 }, 'tied');
    // the edges really fall among the tie: more customers share an edge's CLV than clv-edges.ts looks up by position
    const tied = await ws.db.one<{ n: number; edges: number }>(`SELECT count(*) AS n, count(DISTINCT clv_tier) AS edges FROM clv_predictions
      WHERE run_id = ? AND clv = (SELECT clv FROM clv_predictions WHERE run_id = ? AND customer_id = 't00000')`, [r.runId, r.runId]);
    // (and the simulated customers who bought once on that day: the same pattern and the population's mean spend)
    assert.ok(Number(tied!.n) >= 24_000 && Number(tied!.n) < 24_100, `${tied!.n} customers share the CLV`);
    assert.ok(Number(tied!.edges) >= 2, `the tie spans ${tied!.edges} tiers`);
  });
});

test('the view\'s tiers are the models\' tiers', () => {
  assert.deepEqual([...NARROW_TIER_EDGES.map((t) => t.tier), NARROW_LAST_TIER], CLV_TIERS.map((t) => t.tier));
  assert.deepEqual([...NARROW_CHURN_TIERS.map((t) => [t.tier, t.from]), [NARROW_LAST_CHURN_TIER, 0]], CHURN_TIERS.map((t) => [t.tier, t.from]));
  assert.equal(NARROW_NOT_INFORMATIVE, NOT_INFORMATIVE);
});

test('a stored run\'s customers by position: by rowid and by row number agree', async () => {
  await withWorkspace(async (ws) => {
    await insertSummaryCases(ws.db);
    await runClvFit(ws, { model: 'bgnbd', asOf: '2024-07-01' });
    const { runId } = await runClvPredict(ws, { horizon: 3, unit: 'month' });
    const st = (await ws.db.one<{ first: string; n: number }>('SELECT CAST(min(rowid) AS VARCHAR) AS first, count(*) AS n FROM clv_prediction_customers WHERE run_id = ?', [runId]))!;
    const n = Number(st.n);
    const positions = [0, 1, 7, n - 1];
    const inOrder = (await ws.db.all<{ customer_id: string }>('SELECT customer_id FROM clv_prediction_customers WHERE run_id = ? ORDER BY rowid', [runId])).map((r) => r.customer_id);
    const want = positions.map((p) => ({ customer_id: inOrder[p]!, rid: p })).sort((a, b) => (a.customer_id < b.customer_id ? -1 : 1));
    const norm = (rows: { customer_id: string; rid: number }[]) => rows.map((r) => ({ customer_id: String(r.customer_id), rid: Number(r.rid) }));
    assert.deepEqual(norm(await positionLookup(ws.db, runId, BigInt(st.first))(positions)), want);
    assert.deepEqual(norm(await positionLookup(ws.db, runId, undefined)(positions)), want);
  });
});

test('a run\'s patterns are padded to whole row groups only from one row group up, with a key no customer has', () => {
  assert.equal(paddingRows(5, [3, PADDING_KEY]), undefined);
  assert.equal(paddingRows(2 * 122_880, [3, PADDING_KEY]), undefined);
  const pad = paddingRows(122_880 + 17, [3, PADDING_KEY])!;
  assert.deepEqual(pad.map((c) => c.length), [122_880 - 17, 122_880 - 17]);
  assert.ok(pad[0] instanceof Int32Array && pad[0].every((v) => v === 3) && pad[1]!.every((v) => v === PADDING_KEY));
  assert.ok(PADDING_KEY < 0, 'pattern keys are whole numbers from 0');
});

test('a prediction run stored per pattern is undone from every table behind the view, and a failed one leaves nothing', async () => {
  await withWorkspace(async (ws) => {
    await insertSummaryCases(ws.db);
    await runClvFit(ws, { model: 'bgnbd', asOf: '2024-07-01' });
    // a failure inside the run's transaction (the --out export, say): nothing stored
    await assert.rejects(runClvPredict(ws, { horizon: 3, unit: 'month', beforeCommit: async () => { throw new Error('export failed'); } }), /export failed/);
    for (const t of DUCKDB_CLV_PREDICTION_TABLES) assert.equal(Number((await ws.db.one<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))!.n), 0, t);
    // a run whose rows were written but whose journal row stayed (a process killed at its commit): undone at the next open
    const { runId } = await runClvPredict(ws, { horizon: 3, unit: 'month' });
    await ws.db.run("INSERT INTO journal VALUES ('run', ?, 'clv-predict', now()::TIMESTAMP)", [runId]);
    const before = await rowsPerTable(ws, runId);
    assert.ok(before.clv_prediction_customers! > 0 && before.clv_prediction_patterns! > 0 && before.clv_prediction_runs === 1);
    const [undone] = await recoverUnfinishedWrites(ws.db);
    assert.equal(undone!.id, runId);
    assert.deepEqual(await rowsPerTable(ws, runId), { clv_prediction_rows: 0, clv_prediction_customers: 0, clv_prediction_patterns: 0, clv_prediction_runs: 0 });
    assert.equal(undone!.removed.clv_prediction_customers, before.clv_prediction_customers);
    assert.equal(Number((await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM clv_predictions WHERE run_id = ?', [runId]))!.n), 0);
  });
});
