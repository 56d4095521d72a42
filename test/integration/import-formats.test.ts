import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { importFile } from '../../src/store/import/index.ts';
import { openMemoryDb } from '../../src/store/workspace.ts';
import { withTempDir, withWorkspace } from '../helpers/workspace.ts';

test('XLSX: first sheet read, date cells and numbers kept, line numbers are sheet rows', async () => {
  await withTempDir(async (dir) => {
    const wb = new ExcelJS.Workbook();
    const sh = wb.addWorksheet('Orders');
    sh.addRow(['Order No', 'Client', 'Order Date', 'Qty', 'Unit Price', 'Region']);
    sh.addRow(['A-1', 'x1', new Date(Date.UTC(2024, 0, 15, 9, 30)), 2, 9.5, 'North']);
    sh.addRow(['A-2', 'x2', new Date(Date.UTC(2024, 1, 1)), 1, 100, 'South, East']);
    sh.addRow(['A-3', null, new Date(Date.UTC(2024, 1, 2)), 1, 5, 'North']);
    const path = join(dir, 'orders.xlsx');
    await wb.xlsx.writeFile(path);
    await withWorkspace(async (ws) => {
      const r = await importFile(ws, path, { kind: 'transactions' });
      assert.equal(r.format, 'xlsx');
      assert.deepEqual(r.rows, { read: 3, loaded: 2, quarantined: 1, alreadyPresent: 0 });
      assert.equal(r.mapping.customer_id, 'Client');
      assert.equal(r.mapping.order_id, 'Order No');
      const q = await ws.db.one<{ line: number }>('SELECT line FROM quarantine');
      assert.equal(q!.line, 4);
      const t = await ws.db.all<{ t: string; amount: number; region: string }>(
        "SELECT strftime(ts, '%Y-%m-%d %H:%M') AS t, amount FROM transactions ORDER BY ts",
      );
      assert.deepEqual(t.map((x) => [x.t, x.amount]), [['2024-01-15 09:30', 19], ['2024-02-01 00:00', 100]]);
      const c = await ws.db.one<{ region: string }>("SELECT region FROM customers WHERE customer_id = 'x2'");
      assert.equal(c!.region, 'South, East');
    });
    await withWorkspace(async (ws) => {
      await assert.rejects(importFile(ws, path, { kind: 'transactions', sheet: 'Nope' }), (e: { code: string }) => e.code === 'sheet-not-found');
    });
  });
});

test('JSON array and typed Parquet read with the same checks', async () => {
  await withTempDir(async (dir) => {
    const rows = [
      { customerId: 'a', orderId: 'o1', orderDate: '2024-05-01', amount: 10 },
      { customerId: 'b', orderId: 'o2', orderDate: '2024-05-02', amount: 'n/a' },
      { customerId: 'a', orderId: 'o3', orderDate: '2024-05-03', amount: 12.5 },
    ];
    const jsonPath = join(dir, 'orders.json');
    writeFileSync(jsonPath, JSON.stringify(rows));
    const pq = join(dir, 'orders.parquet');
    const mem = await openMemoryDb();
    await mem.db.run(`COPY (SELECT * FROM (VALUES (13085.0, 'p1', TIMESTAMP '2024-01-01 10:00:00', 3, 2.5, 2), (NULL, 'p2', TIMESTAMP '2024-01-02 10:00:00', 1, 4.0, 1))
      t("Customer ID", Invoice, InvoiceDate, Quantity, Price, "Loyalty Tier")) TO '${pq}' (FORMAT parquet)`);
    mem.close();
    await withWorkspace(async (ws) => {
      const j = await importFile(ws, jsonPath, { kind: 'transactions' });
      assert.equal(j.format, 'json');
      assert.equal(j.rows.read, 3);
      assert.equal(j.rows.loaded + j.rows.quarantined, 3);
      const p = await importFile(ws, pq, { kind: 'transactions' });
      assert.equal(p.detected.dateFormat, 'typed');
      assert.deepEqual(p.rows, { read: 2, loaded: 1, quarantined: 1, alreadyPresent: 0 });
      const c = await ws.db.one<{ customer_id: string; amount: number }>("SELECT customer_id, amount FROM transactions WHERE order_id = 'p1'");
      assert.deepEqual(c, { customer_id: '13085', amount: 7.5 });
      // a typed extra column with one value per customer becomes a typed customer trait
      assert.deepEqual(p.extraColumns.customerTraits, ['loyalty_tier']);
      const tier = await ws.db.one<{ loyalty_tier: number }>("SELECT loyalty_tier FROM customers WHERE customer_id = '13085'");
      assert.equal(tier!.loyalty_tier, 2);
    });
  });
});

test('ambiguous day/month dates are refused until --date-format says which', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'amb.csv');
    writeFileSync(path, 'customer_id,date,amount\n1,01/02/2024,5\n2,03/04/2024,6\n');
    await withWorkspace(async (ws) => {
      await assert.rejects(importFile(ws, path, { kind: 'transactions' }), (e: { code: string; hint: string }) =>
        e.code === 'ambiguous-date-format' && /--date-format/.test(e.hint));
      await importFile(ws, path, { kind: 'transactions', dateFormat: '%m/%d/%Y' });
      const t = await ws.db.one<{ d: string }>("SELECT strftime(min(ts), '%Y-%m-%d') AS d FROM transactions");
      assert.equal(t!.d, '2024-01-02');
    });
  });
});

test('file problems: missing file, unknown time zone, binary file', async () => {
  await withTempDir(async (dir) => {
    const bin = join(dir, 'x.dat');
    writeFileSync(bin, Buffer.from([1, 2, 0, 3, 4]));
    await withWorkspace(async (ws) => {
      await assert.rejects(importFile(ws, join(dir, 'none.csv'), { kind: 'transactions' }), (e: { code: string }) => e.code === 'file-not-found');
      await assert.rejects(importFile(ws, bin, { kind: 'transactions' }), (e: { code: string }) => e.code === 'unsupported-format');
      await assert.rejects(importFile(ws, bin, { kind: 'transactions', timezone: 'Mars/Olympus' }), (e: { code: string }) => e.code === 'unknown-timezone');
    });
  });
});

test('CSV header names handed to the reader equal what DuckDB\'s own sniffer names, and rows and lines are unchanged', async () => {
  const { stageFile } = await import('../../src/store/import/stage.ts');
  await withTempDir(async (dir) => {
    const files: Record<string, string> = {
      'bom-crlf.csv': '\uFEFFCustomer ID,Order Date,Amount\r\nA1,2024-01-02,5\r\nA2,2024-01-03,7\r\n',
      'quoted.csv': '"Client, name";"Say ""hi""";größe\n"x;1";"a";1\nb;"c";2\n',
      'malformed.csv': `id,amount\n1,2\n3,4,5\n${Array.from({ length: 8 }, (_, i) => `${i + 6},7\n`).join('')}`,
    };
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const { db, close } = await openMemoryDb();
      try {
      const staged = await stageFile(db, path, { format: 'csv' }, []);
      const delim = name === 'quoted.csv' ? ';' : ',';
      const sniffed = await db.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_csv('${path}', all_varchar = true, header = true, delim = '${delim}', ignore_errors = true)`);
      assert.deepEqual(staged.columns.map((c) => c.name), sniffed.map((c) => c.column_name), name);
      const lines = await db.all<{ l: number }>(`SELECT ${staged.lineExpr} AS l FROM __raw ORDER BY rowid`);
      if (name === 'malformed.csv') {
        assert.deepEqual(lines.map((x) => Number(x.l)), [2, 4, 5, 6, 7, 8, 9, 10, 11]);
        assert.deepEqual(staged.rejects.map((r) => r.line), [3]);
      } else assert.deepEqual(lines.map((x) => Number(x.l)), [2, 3], name);
      } finally {
        close();
      }
    }
  });
});

test('a file read as one column says the delimiter does not split it and suggests --delimiter', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'odd.csv');
    writeFileSync(path, 'customer_id|amount|date\n1|2|2024-01-01\n3|4|5|x\n');
    await withWorkspace(async (ws) => {
      await assert.rejects(importFile(ws, path, { kind: 'transactions', delimiter: ';' }), (e: { code: string; hint: string }) =>
        e.code === 'missing-mapping' && /read as one column/.test(e.hint) && /--delimiter/.test(e.hint));
      const r = await importFile(ws, path, { kind: 'transactions', delimiter: '|' });
      assert.deepEqual(r.rows, { read: 2, loaded: 1, quarantined: 1, alreadyPresent: 0 });
    });
  });
});

test('a file without a header line is told to name its columns with --columns', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'noheader.csv');
    writeFileSync(path, 'A1,2024-01-02,5\nA2,2024-01-03,7\nA3,2024-01-04,9\n');
    await withWorkspace(async (ws) => {
      await assert.rejects(importFile(ws, path, { kind: 'transactions' }), (e: { code: string; hint: string }) =>
        e.code === 'missing-mapping' && /no header line: name its 3 columns with --columns/.test(e.hint));
      const r = await importFile(ws, path, { kind: 'transactions', header: false, columnNames: ['customer_id', 'date', 'amount'] });
      assert.deepEqual(r.rows, { read: 3, loaded: 3, quarantined: 0, alreadyPresent: 0 });
    });
  });
});

test('NDJSON: each row\'s line is its record number, also when the file spans several row groups', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'orders.ndjson');
    const { db, close } = await openMemoryDb();
    try {
      // 250,000 records, one in 50 without a customer (quarantined), each carrying its own record number n.
      await db.run(`COPY (SELECT i + 1 AS n, 'O' || (i // 3) AS order_id, CASE WHEN i % 50 = 7 THEN NULL ELSE 'C' || (i % 997) END AS customer_id,
          TIMESTAMP '2024-01-01' + INTERVAL (i % 100000) SECOND AS ts, (i % 13) + 0.5 AS amount, 'P' || (i % 500) AS product_id,
          'item ' || (i % 500) AS description FROM range(250000) r(i))
        TO '${path}' (FORMAT json)`);
    } finally {
      close();
    }
    await withWorkspace(async (ws) => {
      const r = await importFile(ws, path, { kind: 'transactions' });
      assert.deepEqual(r.rows, { read: 250000, loaded: 245000, quarantined: 5000, alreadyPresent: 0 });
      const off = await ws.db.one<{ tx: number; q: number }>(`SELECT
          (SELECT count(*) FROM transactions WHERE CAST(attributes->>'n' AS BIGINT) <> source_line) AS tx,
          (SELECT count(*) FROM quarantine WHERE CAST(raw->>'n' AS BIGINT) <> line) AS q`);
      assert.deepEqual([Number(off!.tx), Number(off!.q)], [0, 0]);
    });
  });
});

test('a customer trait from a transactions file keeps the latest value, on the same timestamp the later line', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'orders.csv');
    const rows = ['O1,A,2024-01-01 10:00,5,North', 'O2,A,2024-01-02 10:00,5,South', 'O3,A,2024-01-02 10:00,5,East',
      'O4,B,2024-01-05 10:00,5,West', 'O5,B,2024-01-05 10:00,5,North', 'O6,B,2024-01-03 10:00,5,South'];
    // 298 more customers with one region each, so region is a per-customer column (at most 1% have several).
    for (let i = 0; i < 298; i++) rows.push(`X${i},C${i},2024-01-01 09:00,1,North`);
    writeFileSync(path, `order_id,customer_id,date,amount,region\n${rows.join('\n')}\n`);
    await withWorkspace(async (ws) => {
      const r = await importFile(ws, path, { kind: 'transactions' });
      assert.deepEqual(r.extraColumns.customerTraits, ['region']);
      const got = await ws.db.all<{ customer_id: string; region: string }>("SELECT customer_id, region FROM customers WHERE customer_id IN ('A', 'B') ORDER BY 1");
      assert.deepEqual(got.map((g) => [g.customer_id, g.region]), [['A', 'East'], ['B', 'North']]);
    });
  });
});
