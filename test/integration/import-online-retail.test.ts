import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importFile, type ImportResult } from '../../src/store/import/index.ts';
import { DEMO_DATA } from '../../src/pipeline/demo.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

// Figures from ../shared/data/README.md and issue #2, counted independently of Segmint.
async function checkOnlineRetail(ws: Workspace, r: ImportResult): Promise<void> {
  assert.equal(r.rows.read, 541909);
  assert.equal(r.reconciled, true);
  assert.equal(r.rows.loaded + r.rows.quarantined, 541909);
  const obs = Object.fromEntries(r.observations.map((o) => [o.code, o.count]));
  assert.equal(obs['missing-customer-id'], 135080);
  assert.equal(obs['cancellation-line'], 9288);
  assert.equal(obs['exact-duplicate-line'], 5268);
  assert.equal(obs['zero-or-negative-price'], 2517);
  assert.equal(obs['missing-description'], 1454);
  assert.equal(r.quarantineByReason['missing-customer-id'], 135080);
  assert.equal(r.customers.after, 4372);
  // Every cancellation line is flagged as a return wherever it is kept: loaded ones in transactions, and
  // the customer-id ones quarantined only as exact duplicates are the rest of the 8,905.
  const ret = await ws.db.one<{ loaded: number; dup: number; other: number }>(`SELECT
      (SELECT count(*) FROM transactions WHERE is_return) AS loaded,
      (SELECT count(*) FROM quarantine WHERE reason = 'duplicate-row' AND (raw->>'InvoiceNo') LIKE 'C%') AS dup,
      (SELECT count(*) FROM quarantine WHERE reason = 'missing-customer-id' AND (raw->>'InvoiceNo') LIKE 'C%') AS other`);
  assert.equal(ret!.loaded + ret!.dup, 8905);
  assert.equal(ret!.loaded + ret!.dup + ret!.other, 9288);
  const notReturn = await ws.db.one<{ n: number }>("SELECT count(*) AS n FROM transactions WHERE order_id LIKE 'C%' AND NOT is_return");
  assert.equal(notReturn!.n, 0);
  const neg = await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM transactions WHERE is_return AND amount > 0');
  assert.equal(neg!.n, 0, 'returns carry negative amounts');
  // Two products have two descriptions equally often on their loaded lines; the one met first in the file
  // names them (mode() picked either, depending on how the threads split the rows).
  const tied = await ws.db.all<{ product_id: string; name: string }>("SELECT product_id, name FROM products WHERE product_id IN ('35817P', '81950V') ORDER BY 1");
  assert.deepEqual(tied.map((t) => [t.product_id, t.name]), [['35817P', 'ACRYLIC JEWEL SNOWFLAKE,PINK'], ['81950V', 'FLOWER PURPLE CLOCK W/SUCKER']]);
}

test('bundled Online Retail Parquet: 541,909 rows read and all accounted for', async () => {
  await withWorkspace(async (ws) => {
    const r = await importFile(ws, DEMO_DATA, { kind: 'transactions' });
    assert.equal(r.format, 'parquet');
    await checkOnlineRetail(ws, r);
    // A Parquet row's line is its row number in the file (1-based), for loaded and quarantined rows alike.
    // (A long missing-value IN list once turned into a join while staging and shuffled the rows.)
    const file = DEMO_DATA.replace(/'/g, "''");
    const off = await ws.db.one<{ tx: number; q: number }>(`SELECT
        (SELECT count(*) FROM transactions t JOIN read_parquet('${file}', file_row_number = true) f ON f.file_row_number + 1 = t.source_line
          WHERE trim(f."StockCode") IS DISTINCT FROM t.product_id OR f."InvoiceDate" IS DISTINCT FROM t.ts) AS tx,
        (SELECT count(*) FROM quarantine q JOIN read_parquet('${file}', file_row_number = true) f ON f.file_row_number + 1 = q.line
          WHERE f."StockCode" IS DISTINCT FROM (q.raw->>'StockCode') OR f."Description" IS DISTINCT FROM (q.raw->>'Description')) AS q`);
    assert.deepEqual([Number(off!.tx), Number(off!.q)], [0, 0]);
  });
});

const csv = shared('online-retail/online_retail.csv');
test('online_retail.csv: the published reconciliation figures', { skip: csv.skip }, async () => {
  await withWorkspace(async (ws) => {
    const r = await importFile(ws, csv.path, { kind: 'transactions', timezone: 'Europe/London' });
    assert.equal(r.format, 'csv');
    assert.equal(r.detected.dateFormat, 'iso');
    await checkOnlineRetail(ws, r);
    // UK clock time read in Europe/London: July (BST) moves back one hour to UTC, January (GMT) stays.
    const tz = await ws.db.all<{ m: number; shifted: number; same: number; n: number }>(`SELECT month(t.ts) AS m,
        count(*) FILTER (WHERE t.ts = CAST(r.InvoiceDate AS TIMESTAMP) - INTERVAL 1 HOUR) AS shifted,
        count(*) FILTER (WHERE t.ts = CAST(r.InvoiceDate AS TIMESTAMP)) AS same, count(*) AS n
      FROM (SELECT order_id, min(ts) AS ts FROM transactions WHERE month(ts) IN (1, 7) GROUP BY 1) t
      JOIN (SELECT InvoiceNo, min(InvoiceDate) AS InvoiceDate FROM read_csv('${csv.path}', all_varchar = true) GROUP BY 1) r ON r.InvoiceNo = t.order_id
      GROUP BY 1 ORDER BY 1`);
    assert.equal(tz.length, 2);
    assert.ok(tz[0]!.n > 100 && tz[0]!.same === tz[0]!.n, 'January unchanged');
    assert.ok(tz[1]!.n > 100 && tz[1]!.shifted === tz[1]!.n, 'July one hour earlier');
  });
});
