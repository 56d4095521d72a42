import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importFile } from '../../src/store/import/index.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { FIXTURES, withWorkspace } from '../helpers/workspace.ts';

test('value edge cases: single purchase, only returns, negative net spend, purchases after as-of, customers without transactions', async () => {
  await withWorkspace(async (ws, dir) => {
    await importFile(ws, join(FIXTURES, 'value-edge-cases.csv'), { kind: 'transactions' });
    const extra = join(dir, 'people.csv');
    writeFileSync(extra, 'customer_id,city\nsingle,Leeds\nnobuy,York\n');
    await importFile(ws, extra, { kind: 'customers' });
    const r = await runValueSegmentation(ws, 'lrfmp', { asOf: '2024-02-01' });
    assert.equal(r.customers.total, 7);
    assert.equal(r.customers.scored, 4);
    assert.deepEqual(r.customers.excludedByReason, { 'no-transactions': 1, 'only-returns': 1, 'only-after-as-of': 1 });
    assert.equal(r.customers.scored + r.customers.excluded, r.customers.total);
    assert.match(r.warnings.join('\n'), /2 transaction lines dated on or after the as-of date 2024-02-01 were ignored/);
    assert.match(r.warnings.join('\n'), /1 customers have a net spend of zero or less/);
    const rows = Object.fromEntries((await ws.db.all<Record<string, unknown>>('SELECT * FROM run_scores WHERE run_id = ?', [r.runId])).map((x) => [x.customer_id, x]));
    assert.deepEqual(Object.keys(rows).sort(), ['mixed', 'negative', 'regular', 'single']);
    assert.equal(rows.single!.frequency, 1);
    assert.equal(rows.single!.tenure_days, 0);
    assert.equal(rows.single!.periodicity_days, null, 'one purchase day: no gaps, no periodicity');
    assert.equal(rows.single!.p, null, 'and no P score');
    assert.equal(rows.single!.recency_days, 22);
    assert.equal(rows.regular!.periodicity_days, 0, 'gaps of 10, 10, 10 days: perfectly regular');
    assert.equal(rows.regular!.tenure_days, 30);
    assert.equal(rows.regular!.frequency, 4);
    assert.equal(rows.negative!.monetary, -20);
    assert.equal(rows.negative!.return_rate, 3);
    assert.equal(rows.mixed!.monetary, 5, 'the purchase after as-of is ignored');
    for (const row of Object.values(rows) as Record<string, unknown>[]) {
      for (const [k, v] of Object.entries(row)) if (typeof v === 'number') assert.ok(Number.isFinite(v), `${row.customer_id}.${k} = ${v}`);
      assert.ok(typeof row.segment === 'string' && row.segment.length > 0);
    }
  });
});

test('an empty workspace is a clear error, and so is an as-of before every purchase', async () => {
  await withWorkspace(async (ws) => {
    await assert.rejects(runValueSegmentation(ws, 'rfm'), (e: { code: string; hint: string }) => e.code === 'no-transactions' && /segmint import/.test(e.hint));
    await importFile(ws, join(FIXTURES, 'value-edge-cases.csv'), { kind: 'transactions' });
    await assert.rejects(runValueSegmentation(ws, 'rfm', { asOf: '2020-01-01' }), (e: { code: string }) => e.code === 'no-eligible-customers');
    await assert.rejects(runValueSegmentation(ws, 'rfm', { asOf: '01-02-2024' }), (e: { code: string }) => e.code === 'invalid-option');
    await assert.rejects(runValueSegmentation(ws, 'rfm', { bins: 12 }), (e: { code: string }) => e.code === 'invalid-option');
  });
});
