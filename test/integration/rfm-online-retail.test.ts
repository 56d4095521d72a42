// RFM on Online Retail against an independent computation: a plain TypeScript pass over the CSV rows,
// written separately from the SQL under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importFile } from '../../src/store/import/index.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { DEFAULT_RFM_SEGMENTS } from '../../src/models/rfm/segments.ts';
import { readCsv } from '../helpers/csv.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

interface Ref { last: string; orders: Set<string>; monetary: number; purchases: number }

function reference(path: string) {
  const { header, rows } = readCsv(path);
  const ix = (n: string) => header.indexOf(n);
  const [inv, qty, date, price, cust] = ['InvoiceNo', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID'].map(ix) as number[];
  const seen = new Set<string>();
  const per = new Map<string, Ref>();
  let maxDay = '';
  for (const r of rows) {
    const key = r.join('\u0001');
    if (seen.has(key)) continue; // exact duplicate lines are quarantined (policy duplicateRows: quarantine)
    seen.add(key);
    const id = r[cust!]!.trim();
    if (!id) continue; // missing customer id: quarantined
    const q = Number(r[qty!]);
    const p = Number(r[price!]);
    const isCancel = r[inv!]!.startsWith('C');
    if (p < 0) continue; // negative price: quarantined
    if (q < 0 && !isCancel) continue; // unmarked negative quantity: quarantined
    const day = r[date!]!.slice(0, 10);
    if (day > maxDay) maxDay = day;
    const c = per.get(id) ?? { last: '', orders: new Set<string>(), monetary: 0, purchases: 0 };
    c.monetary += q * p;
    if (!isCancel) {
      c.orders.add(r[inv!]!);
      c.purchases++;
      if (day > c.last) c.last = day;
    }
    per.set(id, c);
  }
  const asOf = new Date(Date.parse(`${maxDay}T00:00:00Z`) + 86400000);
  return { per, asOf: asOf.toISOString().slice(0, 10) };
}

// numpy "linear" quantiles, written out here independently of src/models/rfm/binning.ts
function edges(values: number[], bins: number): number[] {
  const s = [...values].sort((a, b) => a - b);
  return Array.from({ length: bins - 1 }, (_, j) => {
    const h = (s.length - 1) * ((j + 1) / bins);
    const lo = Math.floor(h);
    return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
  });
}
const bin = (x: number, e: number[]) => 1 + e.filter((v) => v < x).length;

const csv = shared('online-retail/online_retail.csv');
test('online_retail.csv: recency, frequency, monetary and scores agree with an independent computation for every customer', { skip: csv.skip }, async () => {
  const ref = reference(csv.path);
  await withWorkspace(async (ws) => {
    await importFile(ws, csv.path, { kind: 'transactions' });
    const r = await runValueSegmentation(ws, 'rfm');
    assert.equal(r.asOf, ref.asOf);
    const eligible = [...ref.per.entries()].filter(([, c]) => c.purchases > 0);
    assert.equal(r.customers.scored, eligible.length);
    assert.equal(r.customers.total, ref.per.size);
    assert.equal(r.customers.excludedByReason['only-returns'], ref.per.size - eligible.length);
    const rows = await ws.db.all<{ customer_id: string; recency_days: number; frequency: number; monetary: number; r: number; f: number; m: number; segment: string }>(
      'SELECT customer_id, recency_days, frequency, monetary, r, f, m, segment FROM run_scores WHERE run_id = ?', [r.runId]);
    assert.equal(rows.length, eligible.length, 'one row per eligible customer');
    const asOfMs = Date.parse(`${ref.asOf}T00:00:00Z`);
    const R = new Map(eligible.map(([id, c]) => [id, { rec: Math.round((asOfMs - Date.parse(`${c.last}T00:00:00Z`)) / 86400000), f: c.orders.size, m: c.monetary }]));
    const er = edges([...R.values()].map((x) => x.rec), 5);
    const ef = edges([...R.values()].map((x) => x.f), 5);
    const em = edges([...R.values()].map((x) => x.m), 5);
    let mismatches = 0;
    for (const row of rows) {
      const x = R.get(row.customer_id)!;
      assert.ok(x, `unknown customer ${row.customer_id}`);
      assert.equal(row.recency_days, x.rec, `recency of ${row.customer_id}`);
      assert.equal(row.frequency, x.f, `frequency of ${row.customer_id}`);
      assert.ok(Math.abs(row.monetary - x.m) < 1e-6, `monetary of ${row.customer_id}: ${row.monetary} vs ${x.m}`);
      const want = [6 - bin(x.rec, er), bin(x.f, ef), bin(x.m, em)];
      if (row.r !== want[0] || row.f !== want[1] || row.m !== want[2]) mismatches++;
      assert.ok(DEFAULT_RFM_SEGMENTS.some((s) => s.name === row.segment), row.segment);
    }
    assert.equal(mismatches, 0, 'scores follow the documented binning');
    assert.ok(r.segments.length >= 10);
    assert.equal(r.segments.reduce((a, s) => a + s.customers, 0), eligible.length);
  });
});
