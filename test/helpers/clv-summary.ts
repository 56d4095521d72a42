// The purchases and the comparison the tests of the DuckDB-only CLV summaries (clv-fit-summary.ts,
// clv-predict-summary.ts) share: lines made to hit the summary's cases, and a customer-by-customer check of a
// fast summary against the general one of features/transaction-summary.ts.
import assert from 'node:assert/strict';
import type { withWorkspace } from './workspace.ts';

export type SummaryRow = { customer_id: string; frequency: number; recency: number; T: number; monetary_value: number };
type Db = Parameters<Parameters<typeof withWorkspace>[0]>[0]['db'];

/** 3,000 pseudo-random lines over 200 customers and 120 days, and a return-only customer, a purchase then a return-only day, a one-day customer. */
export async function insertSummaryCases(db: Db): Promise<void> {
  await db.run(`INSERT INTO transactions (customer_id, order_id, ts, amount, is_return, source_id, source_line, row_key, row_occ)
    SELECT CASE WHEN h % 97 = 0 THEN NULL ELSE 'c' || (h % 200) END,
           'o' || i,
           TIMESTAMP '2024-01-01 00:00:00' + to_days(CAST((h >> 8) % 120 AS INTEGER)) + to_hours(CAST((h >> 16) % 24 AS INTEGER)),
           CASE WHEN (h >> 24) % 29 = 0 THEN NULL ELSE round(((h >> 32) % 100000) / 1000.0 - 5, 3) END,
           (h >> 40) % 5 = 0, 1, i, i, 0
    FROM (SELECT i, hash(i) AS h FROM range(3000) t(i))`);
  await db.run(`INSERT INTO transactions (customer_id, order_id, ts, amount, is_return, source_id, source_line, row_key, row_occ) VALUES
    ('only-returns', 'r1', TIMESTAMP '2024-02-01 10:00:00', -10, TRUE, 1, 5001, 5001, 0),
    ('buy-then-return', 'r2', TIMESTAMP '2024-02-01 10:00:00', 10, FALSE, 1, 5002, 5002, 0),
    ('buy-then-return', 'r3', TIMESTAMP '2024-02-05 10:00:00', -10, TRUE, 1, 5003, 5003, 0),
    ('one-day', 'r4', TIMESTAMP '2024-03-01 10:00:00', 7.25, FALSE, 1, 5004, 5004, 0),
    ('one-day', 'r5', TIMESTAMP '2024-03-01 18:00:00', 2.5, FALSE, 1, 5005, 5005, 0)`);
}

/** The fast summary has the same customers as the general one, with the same frequency, recency, T and (to an ulp or two) spend. */
export function assertSameSummary(general: Map<string, SummaryRow>, fast: Map<string, SummaryRow>, what: string): void {
  assert.ok(general.size > 0, `${what}: no customers`);
  assert.deepEqual([...fast.keys()].sort(), [...general.keys()].sort(), `${what}: the same customers`);
  for (const [id, g] of general) {
    const m = fast.get(id)!;
    assert.equal(Number(m.frequency), Number(g.frequency), `${what}: frequency of ${id}`);
    assert.equal(m.recency, g.recency, `${what}: recency of ${id}`);
    assert.equal(m.T, g.T, `${what}: T of ${id}`);
    // the same exact decimal sum, divided as a double here and in extended precision by avg(): at most an ulp or two apart
    assert.ok(Math.abs(m.monetary_value - g.monetary_value) <= 4 * Number.EPSILON * Math.abs(g.monetary_value), `${what}: monetary of ${id}: ${m.monetary_value} vs ${g.monetary_value}`);
  }
}
