// The cache of the customers' purchase days that `clv fit` and `clv predict` start from on DuckDB
// (src/pipeline/clv-purchase-cache.ts): the same summary and groups as the transactions give, rebuilt when the
// transactions change (another import, a deleted source), not used for a calibration end before the last purchase
// day, what a killed build left removed, and a workspace whose cache cannot be written still fitted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedFitGroups, fitGroups } from '../../src/pipeline/clv-fit-summary.ts';
import { predictSummaryQuery } from '../../src/pipeline/clv-predict-summary.ts';
import { CACHE_DIR, cachedPurchaseDays, type CachedPurchaseDays } from '../../src/pipeline/clv-purchase-cache.ts';
import { runClvFit, runClvPredict } from '../../src/pipeline/clv.ts';
import { compile } from '../../src/sql/index.ts';
import { importFile } from '../../src/store/import/index.ts';
import { deleteSource } from '../../src/store/sources.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import { assertSameSummary, insertSummaryCases, type SummaryRow } from '../helpers/clv-summary.ts';
import { shared, withTempDir, withWorkspace } from '../helpers/workspace.ts';

const files = (dir: string) => (existsSync(join(dir, CACHE_DIR)) ? readdirSync(join(dir, CACHE_DIR)).sort() : []);

async function summaryOf(ws: Workspace, end: string, cached?: CachedPurchaseDays): Promise<Map<string, SummaryRow>> {
  const q = compile(predictSummaryQuery(end, 'week', 1, 'transactions', false, cached), 'duckdb');
  return new Map((await ws.db.all<SummaryRow>(q.sql, q.params)).map((r) => [r.customer_id, r]));
}

test('the purchase-day cache gives the summary and groups of the transactions, and only for a calibration end after every purchase', async () => {
  await withWorkspace(async (ws, dir) => {
    await insertSummaryCases(ws.db);
    assert.equal(await cachedPurchaseDays(ws, '2024-04-28'), undefined, 'a calibration end before the last purchase day is not served');
    assert.deepEqual(files(dir), [], 'and nothing is built for it');
    const c = (await cachedPurchaseDays(ws, '2024-04-29'))!;
    try {
      assert.ok(c, 'a DuckDB workspace has a cache');
      assert.equal(c.built, true);
      assert.equal(c.lastDay, '2024-04-29', 'the last purchase day of the cases');
      assert.equal(files(dir).length, 4);
      // the grouped files out of their order (a view sorting them otherwise): the reads are refused and sorted by the engine
      await ws.db.run(`CREATE TEMP VIEW shuffled_patterns AS SELECT * FROM ${c.patterns} ORDER BY first_day, last_day DESC`);
      await ws.db.run(`CREATE TEMP VIEW shuffled_spends AS SELECT * FROM ${c.spends} ORDER BY spend DESC`);
      for (const [period, multiplier] of [['day', 1], ['week', 1], ['month', 1], ['hour', 1], ['day', 3]] as const) {
        const direct = await fitGroups(ws.db, '2024-06-30', period, multiplier);
        const fromCache = await fitGroups(ws.db, '2024-06-30', period, multiplier, c);
        assert.deepEqual(fromCache, direct, `groups, ${period} × ${multiplier}`);
        // read in the files' order, with no sort: the files are written in the order the groups have
        assert.deepEqual(await cachedFitGroups(ws.db, c, '2024-06-30', period, multiplier), direct, `groups in the files' order, ${period} × ${multiplier}`);
        for (const shuffled of [{ ...c, patterns: 'shuffled_patterns' }, { ...c, spends: 'shuffled_spends' }]) {
          assert.equal(await cachedFitGroups(ws.db, shuffled, '2024-06-30', period, multiplier), undefined, 'rows out of order are refused');
          assert.deepEqual(await cachedFitGroups(ws.db, shuffled, '2024-06-30', period, multiplier, true), direct, `the reads sorted by the engine, ${period} × ${multiplier}`);
          assert.deepEqual(await fitGroups(ws.db, '2024-06-30', period, multiplier, shuffled), direct, `fitGroups falls back to them, ${period} × ${multiplier}`);
        }
      }
      const cachedRows = await summaryOf(ws, '2024-06-30', c);
      assertSameSummary(await summaryOf(ws, '2024-06-30'), cachedRows, 'predict summary from the cache');
      assert.equal(cachedRows.has('only-returns'), false, 'a return-only day is not a purchase day');
    } finally {
      await c.release();
    }
    const again = (await cachedPurchaseDays(ws, '2024-06-30'))!;
    await again.release();
    assert.equal(again.built, false, 'the files of unchanged transactions are read, not built again');
    assert.equal(await cachedPurchaseDays(ws, '2024-04-01'), undefined, 'built files do not serve an earlier end either');
  });
});

const sample = shared('cdnow/CDNOW_sample.txt');
const cdnow = { kind: 'transactions' as const, columnNames: ['master_id', 'customer_id', 'date', 'cds', 'dollars'], policies: { duplicateRows: 'keep' as const } };

test('clv fit and predict from the cache equal them without it; another import and a deleted source rebuild it', { skip: sample.skip }, async () => {
  await withWorkspace(async (ws, dir) => {
    await importFile(ws, sample.path, cdnow);
    const fit = await runClvFit(ws, { model: 'bgnbd', asOf: '1998-07-01' });
    const first = files(dir);
    assert.deepEqual(first.map((f) => f.replace(/-[0-9a-f]+\.parquet$/, '')), ['days', 'patterns', 'spends', 'stats']);
    // the same fit from the transactions: the cache hidden (a file where its folder should be, so it cannot be
    // written either: the command aggregates the transactions)
    rmSync(join(dir, CACHE_DIR), { recursive: true });
    writeFileSync(join(dir, CACHE_DIR), 'not a folder');
    const direct = await runClvFit(ws, { model: 'bgnbd', asOf: '1998-07-01' });
    assert.deepEqual({ ...direct, runId: 0 }, { ...fit, runId: 0 }, 'a fit without the cache is the same fit');
    const predictDirect = await runClvPredict(ws, { horizon: 39, unit: 'week' });
    rmSync(join(dir, CACHE_DIR));
    const predictCached = await runClvPredict(ws, { horizon: 39, unit: 'week' });
    const rows = async (runId: number) => ws.db.all(`SELECT * EXCLUDE (run_id) FROM clv_predictions WHERE run_id = ? ORDER BY customer_id`, [runId]);
    assert.deepEqual(await rows(predictCached.runId), await rows(predictDirect.runId), 'the same predictions, customer by customer');
    assert.deepEqual(files(dir), first, 'the cache of the same transactions has the same name');
    // a killed build's temporary file is removed by the next build
    writeFileSync(join(dir, CACHE_DIR, 'stats-0.parquet.tmp-1'), '');
    // another import: new lines, a new fingerprint, the old files removed
    await withTempDir(async (tmp) => {
      const extra = join(tmp, 'extra.csv');
      writeFileSync(extra, 'customer_id,date,amount\n1,19980620,10\n99999,19980621,5\n');
      const src = await importFile(ws, extra, { kind: 'transactions' });
      const after = await runClvFit(ws, { model: 'bgnbd', asOf: '1998-07-01' });
      const rebuilt = files(dir);
      assert.equal(rebuilt.length, 4);
      assert.notDeepEqual(rebuilt, first, 'new transactions, new files');
      const buyers = await ws.db.one<{ n: number }>("SELECT count(DISTINCT customer_id) AS n FROM transactions WHERE NOT is_return AND ts < TIMESTAMP '1998-07-01'");
      assert.equal(after.customers.fitted, Number(buyers!.n), 'the new lines are in the fit');
      assert.ok(after.customers.fitted > fit.customers.fitted);
      // the source deleted: the transactions are CDNOW's again, so is the cache's name
      await deleteSource(ws, src.sourceId!);
      const back = await runClvFit(ws, { model: 'bgnbd', asOf: '1998-07-01' });
      assert.deepEqual(files(dir), first);
      assert.deepEqual(back.purchase.params, fit.purchase.params);
    });
  });
});

test('spends past DECIMAL(18,4) in a customer\'s sum: no cache is built, and clv fit aggregates the transactions', async () => {
  await withWorkspace(async (ws, dir) => {
    await insertSummaryCases(ws.db);
    // two purchase days of 60 trillion each: a sum past the 18 digits the cache keeps
    await ws.db.run(`INSERT INTO transactions (customer_id, order_id, ts, amount, is_return, source_id, source_line, row_key, row_occ) VALUES
      ('big', 'b1', TIMESTAMP '2024-02-01 10:00:00', 60000000000000, FALSE, 1, 6001, 6001, 0),
      ('big', 'b2', TIMESTAMP '2024-03-01 10:00:00', 60000000000000, FALSE, 1, 6002, 6002, 0)`);
    assert.equal(await cachedPurchaseDays(ws, '2024-06-30'), undefined);
    assert.deepEqual(files(dir).filter((f) => f.endsWith('.parquet')), [], 'no cache file');
    // (auto: BG/NBD alone is not identified on these few customers once this one is added)
    const fit = await runClvFit(ws, { asOf: '2024-07-01' });
    assert.equal(fit.customers.fitted, 203, 'every customer with a purchase day, the big one too');
    assert.deepEqual(files(dir).filter((f) => f.endsWith('.parquet')), [], 'and still no cache file');
  });
});
