// The one-aggregation summary of `clv fit` without a holdout on DuckDB (src/pipeline/clv-fit-summary.ts), and the
// patterns, spend pairs and purchase days per day its one query reads (fitGroups), against the general summary of
// features/transaction-summary.ts over the same purchase-day table, on purchases made to hit its cases: several lines a day, returns on a purchase day, return-only days (not purchase days, their spend not
// counted), NULL amounts, negative day totals, lines without a customer, one-day customers; and on CDNOW.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { purchaseDays, transactionSummary, type Period } from '../../src/features/transaction-summary.ts';
import { fitGroups, fitSummaryQuery } from '../../src/pipeline/clv-fit-summary.ts';
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
  // the one query over the transactions (fitGroups): the fast summary's customers counted by (x, t_x, T) and by
  // (frequency, mean spend), each in value order, and the purchase days of each day
  const groups = await fitGroups(ws.db, end, period, multiplier);
  const countBy = (key: (r: Row) => number[]) => {
    const m = new Map<string, { k: number[]; n: number }>();
    for (const r of fast.values()) {
      const k = key(r);
      const e = m.get(k.join('|')) ?? { k, n: 0 };
      e.n++;
      m.set(k.join('|'), e);
    }
    return [...m.values()].sort((p, q) => p.k[0]! - q.k[0]! || p.k[1]! - q.k[1]! || (p.k[2] ?? 0) - (q.k[2] ?? 0)).map((e) => [...e.k, e.n]);
  };
  const rowsOf = (cols: Float64Array[]) => Array.from(cols[0]!, (_, i) => cols.map((c) => c[i]!));
  const what = `${period} × ${multiplier} to ${end}`;
  assert.deepEqual(rowsOf([groups.patterns.x, groups.patterns.tx, groups.patterns.T, groups.patterns.n]), countBy((r) => [Number(r.frequency), r.recency, r.T]), `patterns, ${what}`);
  assert.deepEqual(rowsOf([groups.spend.x, groups.spend.monetary, groups.spend.weights]), countBy((r) => [Number(r.frequency), r.monetary_value]), `spend pairs, ${what}`);
  const perDay = await ws.db.all<{ e: number; n: number }>("SELECT date_diff('day', DATE '1970-01-01', d) AS e, count(*) AS n FROM days_t WHERE purchases > 0 GROUP BY d ORDER BY d");
  assert.deepEqual(rowsOf([groups.days.epochDay, groups.days.n]), perDay.map((r) => [Number(r.e), Number(r.n)]), `purchase days per day, ${what}`);
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
