// The one-pass summary of `clv predict` on DuckDB (src/pipeline/clv-predict-summary.ts) against the general
// summary of features/transaction-summary.ts without a holdout, on purchases made to hit its cases: several
// lines a day, returns on a purchase day, return-only days (not purchase days, their spend not counted), NULL
// amounts, negative day totals, lines after the calibration end, lines without a customer, one-day customers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PERIOD_DAYS, transactionSummary, type Period } from '../../src/features/transaction-summary.ts';
import { runClvFit, runClvPredict } from '../../src/pipeline/clv.ts';
import { PATTERN_KEY_DAYS, predictSummaryQuery } from '../../src/pipeline/clv-predict-summary.ts';
import { keyColumns } from '../../src/pipeline/clv-fit-summary.ts';
import { col, select, subquery } from '../../src/sql/ir.ts';
import { importFile } from '../../src/store/import/index.ts';
import { compile } from '../../src/sql/index.ts';
import { assertSameSummary, insertSummaryCases, type SummaryRow } from '../helpers/clv-summary.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

type Row = SummaryRow;

async function both(db: Parameters<Parameters<typeof withWorkspace>[0]>[0]['db'], end: string, period: Period, multiplier = 1): Promise<{ general: Map<string, Row>; fast: Map<string, Row> }> {
  const g = compile(transactionSummary({ calibrationEnd: new Date(`${end}T00:00:00Z`), period, multiplier }), 'duckdb');
  const f = compile(predictSummaryQuery(end, period, multiplier), 'duckdb');
  const general = new Map((await db.all<Row>(g.sql, g.params)).map((r) => [r.customer_id, r]));
  const fast = new Map((await db.all<Row>(f.sql, f.params)).map((r) => [r.customer_id, r]));
  return { general, fast };
}


test('clv predict summary (DuckDB, one pass) equals the general summary without a holdout, line by line cases included', async () => {
  await withWorkspace(async (ws) => {
    const db = ws.db;
    // 3,000 lines over 200 customers and 120 days, pseudo-random from a hash of the line number
    await insertSummaryCases(db);
    for (const [period, multiplier] of [['day', 1], ['week', 1], ['month', 1], ['hour', 1], ['day', 3]] as const) {
      for (const end of ['2024-03-15', '2024-06-30']) {
        const { general, fast } = await both(db, end, period, multiplier);
        assertSameSummary(general, fast, `${period} × ${multiplier} to ${end}`);
      }
    }
    const { fast } = await both(db, '2024-06-30', 'day');
    assert.equal(fast.has('only-returns'), false, 'a return-only day is not a purchase day');
    assert.deepEqual({ ...fast.get('buy-then-return') }, { customer_id: 'buy-then-return', frequency: 0, recency: 0, T: 150, monetary_value: 0 });
    assert.equal(fast.get('one-day')!.frequency, 0);
  });
});

const sample = shared('cdnow/CDNOW_sample.txt');

test('clv predict summary (DuckDB, one pass) equals the general summary on CDNOW', { skip: sample.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, sample.path, { kind: 'transactions', columnNames: ['master_id', 'customer_id', 'date', 'cds', 'dollars'], policies: { duplicateRows: 'keep' } });
    for (const end of ['1997-09-30', '1998-06-30']) {
      const { general, fast } = await both(ws.db, end, 'week');
      assert.equal(general.size, 2357);
      assertSameSummary(general, fast, `CDNOW to ${end}`);
    }
    // a prediction run's rows are stored in customer_id order: DuckDB's zone maps then find one customer's row of
    // a run without an index (schema version 14). Per pattern (clv-predict-store.ts) in the order of the cache's
    // file of customers, or from the transactions sorted; the wide rows sorted by the insert
    await runClvFit(ws, { model: 'bgnbd', asOf: '1998-07-01' });
    const runs: [string, number][] = [
      ['clv_prediction_customers', (await runClvPredict(ws, { horizon: 39, unit: 'week' })).runId],
      ['clv_prediction_customers', (await runClvPredict(ws, { horizon: 39, unit: 'week', asOf: '1998-03-01' })).runId],
      ['clv_prediction_rows', (await runClvPredict(ws, { horizon: 39, unit: 'week', wideRows: true })).runId],
    ];
    for (const [table, runId] of runs) {
      const order = await ws.db.one<{ n: number; out: number }>(`SELECT count(*) AS n, count(*) FILTER (WHERE prev > customer_id) AS out
        FROM (SELECT customer_id, lag(customer_id) OVER (ORDER BY rowid) AS prev FROM ${table} WHERE run_id = ?)`, [runId]);
      assert.deepEqual({ n: Number(order!.n), out: Number(order!.out) }, { n: 2357, out: 0 }, `${table} run ${runId}`);
    }
  });
});

test('clv predict summary with its pattern key: k packs frequency, recency and T in days, one value per (x, t_x, T)', async () => {
  await withWorkspace(async (ws) => {
    const db = ws.db;
    await insertSummaryCases(db);
    for (const [period, multiplier] of [['week', 1], ['hour', 1], ['day', 3]] as const) {
      const plain = compile(predictSummaryQuery('2024-06-30', period, multiplier), 'duckdb');
      const keyed = compile(predictSummaryQuery('2024-06-30', period, multiplier, 'transactions', true), 'duckdb');
      const a = new Map((await db.all<Row>(plain.sql, plain.params)).map((r) => [r.customer_id, r]));
      const rows = await db.all<Row & { k: number }>(keyed.sql, keyed.params);
      assert.equal(rows.length, a.size);
      const unit = PERIOD_DAYS[period] * multiplier;
      const byKey = new Map<number, string>();
      for (const r of rows) {
        const { k, ...rest } = r;
        // the same summary besides the key
        assert.deepEqual(rest, a.get(r.customer_id), `${period} × ${multiplier}: ${r.customer_id}`);
        const days = (v: number) => Math.round(v * unit);
        assert.equal(k, (r.frequency * PATTERN_KEY_DAYS + days(r.recency)) * PATTERN_KEY_DAYS + days(r.T));
        const pattern = `${r.frequency} ${r.recency} ${r.T}`;
        assert.equal(byKey.get(k) ?? pattern, pattern, 'one pattern per key');
        byKey.set(k, pattern);
      }
      // frequency, recency and T computed from the key (a summary table that keeps only it): the same values
      const h = keyColumns(col('k'), unit);
      const fromKey = compile(select({
        select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: h.frequency, as: 'frequency' }, { expr: h.recency, as: 'recency' }, { expr: h.T, as: 'T' }],
        from: subquery(predictSummaryQuery('2024-06-30', period, multiplier, 'transactions', true), 'q'),
      }), 'duckdb');
      const derived = await db.all<{ customer_id: string; frequency: number; recency: number; T: number }>(fromKey.sql, fromKey.params);
      assert.equal(derived.length, a.size);
      for (const d of derived) {
        const want = a.get(d.customer_id)!;
        assert.equal(d.frequency, Number(want.frequency), `${period} × ${multiplier}: ${d.customer_id} frequency`);
        assert.ok(Object.is(d.recency, want.recency) && Object.is(d.T, want.T), `${period} × ${multiplier}: ${d.customer_id} ${d.recency}/${d.T} against ${want.recency}/${want.T}`);
      }
    }
  });
});

test('clv predict with customers whose T is 2^17 days or more (no pattern key): the summary with frequency, recency and T, joined on them', async () => {
  await withWorkspace(async (ws) => {
    await insertSummaryCases(ws.db);
    await runClvFit(ws, { model: 'bgnbd', asOf: '2024-07-01' });
    // as of 131,072 days after 2024-03-01: the customers who started before have no key, the others one
    const asOf = new Date(Date.parse('2024-03-01T00:00:00Z') + 131072 * 86_400_000).toISOString().slice(0, 10);
    const pr = await runClvPredict(ws, { asOf, horizon: 3, unit: 'month' });
    const stored = new Map((await ws.db.all<Row>('SELECT customer_id, frequency, recency, "T", monetary_value FROM clv_predictions WHERE run_id = ?', [pr.runId])).map((r) => [r.customer_id, r]));
    const g = compile(transactionSummary({ calibrationEnd: new Date(Date.parse(`${asOf}T00:00:00Z`) - 86_400_000), period: 'week' }), 'duckdb');
    const general = await ws.db.all<Row>(g.sql, g.params);
    assert.equal(stored.size, general.length);
    let long = 0;
    for (const r of general) {
      const s = stored.get(r.customer_id)!;
      assert.deepEqual([s.frequency, s.recency, s.T], [Number(r.frequency), r.recency, r.T], r.customer_id);
      if (r.T * 7 >= 131072) long++;
    }
    assert.ok(long > 0 && long < general.length, `customers past 2^17 days: ${long} of ${general.length}`);
  });
});
