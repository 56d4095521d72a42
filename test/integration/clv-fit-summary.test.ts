// The one-aggregation summary of `clv fit` without a holdout on DuckDB (src/pipeline/clv-fit-summary.ts) against the
// general summary of features/transaction-summary.ts over the same purchase-day table, on purchases made to hit its
// cases: several lines a day, returns on a purchase day, return-only days (not purchase days, their spend not
// counted), NULL amounts, negative day totals, lines without a customer, one-day customers; and on CDNOW.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { purchaseDays, transactionSummary, type Period } from '../../src/features/transaction-summary.ts';
import { fitSummaryQuery, fitSummaryWithDaysQuery } from '../../src/pipeline/clv-fit-summary.ts';
import { materialise } from '../../src/pipeline/value.ts';
import { importFile } from '../../src/store/import/index.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import { compile } from '../../src/sql/index.ts';
import { assertSameSummary, insertSummaryCases, type SummaryRow } from '../helpers/clv-summary.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

type Row = SummaryRow;

async function both(ws: Workspace, end: string, period: Period, multiplier = 1): Promise<{ general: Map<string, Row>; fast: Map<string, Row> }> {
  const endDate = new Date(`${end}T00:00:00Z`);
  await materialise(ws, 'days_t', purchaseDays(endDate));
  const g = compile(transactionSummary({ calibrationEnd: endDate, period, multiplier, days: 'days_t' }), 'duckdb');
  const f = compile(fitSummaryQuery('days_t', end, period, multiplier), 'duckdb');
  const general = new Map((await ws.db.all<Row>(g.sql, g.params)).map((r) => [r.customer_id, r]));
  const fast = new Map((await ws.db.all<Row>(f.sql, f.params)).map((r) => [r.customer_id, r]));
  // the one query over the transactions (summary and purchase days per day): its customer rows are the same
  // rows, value for value; its day rows count the purchase days of each day
  const o = compile(fitSummaryWithDaysQuery(end, period, multiplier), 'duckdb');
  const rows = await ws.db.all<Row & { g: number; d: unknown; n: number }>(o.sql, o.params);
  const oneQuery = new Map(rows.filter((r) => Number(r.g) === 0).map(({ customer_id, frequency, recency, T, monetary_value }) => [customer_id, { customer_id, frequency, recency, T, monetary_value }]));
  assert.equal(oneQuery.size, fast.size);
  for (const [id, r] of fast) assert.deepEqual(oneQuery.get(id), r, `one query, customer ${id}, ${period} × ${multiplier} to ${end}`);
  const perDay = await ws.db.all<{ d: unknown; n: number }>('SELECT CAST(d AS VARCHAR) AS d, count(*) AS n FROM days_t WHERE purchases > 0 GROUP BY d ORDER BY d');
  const dayRows = rows.filter((r) => Number(r.g) === 1).map((r) => ({ d: r.d instanceof Date ? r.d.toISOString().slice(0, 10) : String(r.d).slice(0, 10), n: Number(r.n) })).sort((a, b) => (a.d < b.d ? -1 : 1));
  assert.deepEqual(dayRows, perDay.map((r) => ({ d: String(r.d), n: Number(r.n) })), `purchase days per day to ${end}`);
  return { general, fast };
}


test('clv fit summary (DuckDB, one aggregation over the purchase days) equals the general summary without a holdout', async () => {
  await withWorkspace(async (ws) => {
    const db = ws.db;
    // 3,000 lines over 200 customers and 120 days, pseudo-random from a hash of the line number
    await insertSummaryCases(db);
    for (const [period, multiplier] of [['day', 1], ['week', 1], ['month', 1], ['hour', 1], ['day', 3]] as const) {
      for (const end of ['2024-03-15', '2024-06-30']) {
        const { general, fast } = await both(ws, end, period, multiplier);
        assertSameSummary(general, fast, `${period} × ${multiplier} to ${end}`);
      }
    }
    const { fast } = await both(ws, '2024-06-30', 'day');
    assert.equal(fast.has('only-returns'), false, 'a return-only day is not a purchase day');
    assert.deepEqual({ ...fast.get('buy-then-return') }, { customer_id: 'buy-then-return', frequency: 0, recency: 0, T: 150, monetary_value: 0 });
    assert.equal(fast.get('one-day')!.frequency, 0);
  });
});

const sample = shared('cdnow/CDNOW_sample.txt');

test('clv fit summary (DuckDB, one aggregation) equals the general summary on CDNOW', { skip: sample.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, sample.path, { kind: 'transactions', columnNames: ['master_id', 'customer_id', 'date', 'cds', 'dollars'], policies: { duplicateRows: 'keep' } });
    for (const end of ['1997-09-30', '1998-06-30']) {
      const { general, fast } = await both(ws, end, 'week');
      assert.equal(general.size, 2357);
      assertSameSummary(general, fast, `CDNOW to ${end}`);
    }
  });
});
