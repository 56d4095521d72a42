import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { importFile } from '../../src/store/import/index.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir, withOpenWorkspace, withTempDir, withWorkspace } from '../helpers/workspace.ts';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

/**
 * Good order lines, deterministic: each customer starts in the first months of 2023 and buys at their
 * own rate until they drop out, so the CLV models have repeat buyers and lapsed ones to fit.
 */
function goodLines(prefix: string, customers: string[], seed = 1): string[] {
  let x = seed;
  const rand = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines: string[] = [];
  customers.forEach((c, i) => {
    let day = Math.floor(rand() * 120);
    const gap = 10 + rand() * 60;
    const level = 2 + Math.exp(rand() * 4); // each customer's own typical price
    for (let o = 0; day < 360; o++) {
      const d = new Date(Date.UTC(2023, 0, 1 + day, 9 + (o % 8), 15));
      const ts = d.toISOString().slice(0, 16).replace('T', ' ');
      lines.push(`${prefix}${i}-${o},P${(i + o) % 7},Item ${(i + o) % 7},1,${ts},${(level * (0.6 + rand() * 0.8)).toFixed(2)},${c},UK`);
      if (rand() < 0.15) break;
      day += Math.max(1, Math.round(gap * (0.3 + rand() * 1.4)));
    }
  });
  return lines;
}

const CUSTOMERS = Array.from({ length: 60 }, (_, i) => `c${i + 1}`);

/** The poison rows: [line text, expected reason]. */
const POISON: [string, string][] = [
  ['X1,P1,Item 1,1,2023-05-01 10:00,1e309,c1,UK', 'non-finite-number'],
  ['X2,P1,Item 1,1,2023-05-02 10:00,Infinity,c2,UK', 'non-finite-number'],
  ['X3,P1,Item 1,1,2023-05-03 10:00,inf,c3,UK', 'non-finite-number'],
  ['X4,P1,Item 1,1,2023-05-04 10:00,1e15,c4,UK', 'number-out-of-range'],
  ['X5,P1,Item 1,1,2023-05-05 10:00,1e-400,c5,UK', 'number-out-of-range'],
  ['X6,P1,Item 1,1,2023-05-06 10:00,1_000,c6,UK', 'non-numeric-price'],
  ['X7,P1,Item 1,-inf,2023-05-07 10:00,3.00,c7,UK', 'non-finite-number'],
  ['X8,P1,Item 1,1,9999-12-31,3.00,c1,UK', 'implausible-date'],
  ['X9,P1,Item 1,1,99999-01-01,3.00,c2,UK', 'implausible-date'],
  ['X10,P1,Item 1,1,-0001-01-01,3.00,c3,UK', 'implausible-date'],
  ['X11,P1,Item 1,1,1850-01-01,3.00,c4,UK', 'implausible-date'],
  ['X12,P1,Item 1,1000000,2023-05-08 10:00,2000000,c5,UK', 'number-out-of-range'],
];

function writeCsv(path: string, lines: string[]): void {
  writeFileSync(path, `${HEADER}\n${lines.join('\n')}\n`);
}

test('poison numbers and implausible dates are quarantined with their own reasons; rfm and clv fit work afterwards', async () => {
  await withTempDir(async (dir) => {
    const good = goodLines('G', CUSTOMERS);
    // poison rows interleaved with good ones, so their line numbers are known
    const lines = [...good.slice(0, 5), ...POISON.map((p) => p[0]), ...good.slice(5)];
    const file = join(dir, 'orders.csv');
    writeCsv(file, lines);
    const ws = join(dir, 'ws');
    assert.equal((await runCli(['init', ws])).code, 0);
    const imp = await runCli(['import', file, '--kind', 'transactions', '-w', ws, '--json']);
    assert.equal(imp.code, 0, imp.err);
    const r = JSON.parse(imp.out);
    assert.deepEqual(r.rows, { read: lines.length, loaded: good.length, quarantined: POISON.length, alreadyPresent: 0 });
    assert.equal(r.rows.read, r.rows.loaded + r.rows.quarantined);
    assert.equal(r.reconciled, true);
    const expected: Record<string, number> = {};
    for (const [, reason] of POISON) expected[reason] = (expected[reason] ?? 0) + 1;
    assert.deepEqual(r.quarantineByReason, expected);
    await withOpenWorkspace(ws, async (w) => {
      const q = await w.db.all<{ line: number; reason: string }>('SELECT line, reason FROM quarantine ORDER BY line');
      assert.deepEqual(q.map((x) => [x.line, x.reason]), POISON.map((p, i) => [7 + i, p[1]]));
      const bad = await w.db.one<{ n: number }>(`SELECT count(*) AS n FROM transactions
        WHERE NOT isfinite(amount) OR NOT isfinite(unit_price) OR abs(amount) >= 1e12 OR ts < TIMESTAMP '1900-01-01' OR ts > now()::TIMESTAMP`);
      assert.equal(bad!.n, 0);
    });
    const rfm = await runCli(['rfm', '-w', ws, '--json']);
    assert.equal(rfm.code, 0, rfm.err);
    assert.equal(JSON.parse(rfm.out).customers.total, CUSTOMERS.length);
    const lrfmp = await runCli(['lrfmp', '-w', ws, '--json']);
    assert.equal(lrfmp.code, 0, lrfmp.err);
    const clv = await runCli(['clv', 'fit', '-w', ws, '--json']);
    assert.equal(clv.code, 0, clv.err);

    // segmint quarantine lists the rows with their raw values and a summary
    const ql = await runCli(['quarantine', '-w', ws, '--json']);
    assert.equal(ql.code, 0, ql.err);
    const list = JSON.parse(ql.out);
    assert.equal(list.total, POISON.length);
    assert.equal(list.rows.length, POISON.length);
    assert.deepEqual(list.rows[0], {
      sourceId: 1, kind: 'transactions', line: 7, reason: 'non-finite-number', detail: null,
      raw: { InvoiceNo: 'X1', StockCode: 'P1', Description: 'Item 1', Quantity: '1', InvoiceDate: '2023-05-01 10:00', UnitPrice: '1e309', CustomerID: 'c1', Country: 'UK' },
    });
    assert.deepEqual(list.summary.find((s: { reason: string }) => s.reason === 'implausible-date'), { sourceId: 1, file: file, kind: 'transactions', reason: 'implausible-date', rows: 4 });
    const dates = JSON.parse((await runCli(['quarantine', '-w', ws, '--reason', 'implausible-date', '--limit', '2', '--json'])).out);
    assert.equal(dates.total, 4);
    assert.equal(dates.shown, 2);
    assert.deepEqual(dates.rows.map((x: { raw: { InvoiceDate: string } }) => x.raw.InvoiceDate), ['9999-12-31', '99999-01-01']);
    const human = await runCli(['quarantine', '-w', ws, '--out', join(dir, 'q.csv')]);
    assert.equal(human.code, 0, human.err);
    assert.match(human.out, /non-finite-number/);
    assert.match(human.out, /UnitPrice=1e309/);
    assert.equal(readFileSync(join(dir, 'q.csv'), 'utf8').trim().split('\n').length, 1 + POISON.length);
    const badReason = await runCli(['quarantine', '-w', ws, '--reason', 'nonfinite']);
    assert.equal(badReason.code, 2);
  });
});

test('the bounds are configurable: maxAbsNumber, minDate and maxDaysAhead', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'orders.csv');
    writeCsv(file, [
      'A1,P1,Item,1,1850-01-01,3.00,c1,UK',
      'A2,P1,Item,1,2023-01-01,1e13,c2,UK',
      'A3,P1,Item,1,2023-01-01,2e15,c3,UK',
      'A4,P1,Item,1,1950-01-01,3.00,c4,UK',
    ]);
    const ws = join(dir, 'ws');
    assert.equal((await runCli(['init', ws])).code, 0);
    const r = await runCli(['import', file, '--kind', 'transactions', '-w', ws, '--json', '--policy', 'maxAbsNumber=1e15', '--policy', 'minDate=1800-01-01']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out).quarantineByReason, { 'number-out-of-range': 1 });
    const bad = await runCli(['import', file, '--kind', 'transactions', '-w', ws, '--policy', 'maxAbsNumber=-3']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /maxAbsNumber/);
  });
  await withWorkspace(async (ws, dir) => {
    writeFileSync(join(dir, 'segmint.yaml'), 'import:\n  policies:\n    minDate: 1960-01-01\n    maxAbsNumber: 100\n');
    const file = join(dir, 'o.csv');
    writeCsv(file, ['A1,P1,Item,1,1950-01-01,3.00,c1,UK', 'A2,P1,Item,1,2023-01-01,150,c2,UK', 'A3,P1,Item,1,2023-01-01,50,c3,UK']);
    const { Workspace } = await import('../../src/store/workspace.ts');
    ws.close();
    const w2 = await Workspace.open(dir);
    try {
      const r = await importFile(w2, file, { kind: 'transactions' });
      assert.deepEqual(r.quarantineByReason, { 'implausible-date': 1, 'number-out-of-range': 1 });
    } finally {
      w2.close();
    }
  });
  const { parseConfig } = await import('../../src/store/config.ts');
  assert.throws(() => parseConfig('import:\n  policies:\n    minDate: 1900-13-01\n'), /minDate/);
  assert.throws(() => parseConfig('import:\n  policies:\n    maxDaysAhead: never\n'), /maxDaysAhead/);
});

test('XLSX: inf and huge numbers and far dates are quarantined too', async () => {
  await withTempDir(async (dir) => {
    const wb = new ExcelJS.Workbook();
    const sh = wb.addWorksheet('Orders');
    sh.addRow(['Order No', 'Client', 'Order Date', 'Qty', 'Unit Price']);
    sh.addRow(['A-1', 'x1', new Date(Date.UTC(2024, 0, 15, 9, 30)), 2, 9.5]);
    sh.addRow(['A-2', 'x2', new Date(Date.UTC(2024, 1, 1)), 1, 'inf']);
    sh.addRow(['A-3', 'x3', new Date(Date.UTC(2024, 1, 2)), 1, 1e15]);
    sh.addRow(['A-4', 'x4', '9999-12-31', 1, 5]);
    sh.addRow(['A-5', 'x5', new Date(Date.UTC(2024, 1, 3)), '1e309', 5]);
    const path = join(dir, 'orders.xlsx');
    await wb.xlsx.writeFile(path);
    await withWorkspace(async (ws) => {
      const r = await importFile(ws, path, { kind: 'transactions' });
      assert.deepEqual(r.rows, { read: 5, loaded: 1, quarantined: 4, alreadyPresent: 0 });
      assert.deepEqual(r.quarantineByReason, { 'non-finite-number': 2, 'number-out-of-range': 1, 'implausible-date': 1 });
    });
  });
});

test('customers: a non-finite numeric trait becomes missing and is counted; events get the date check', async () => {
  await withTempDir(async (dir) => {
    const cust = join(dir, 'customers.csv');
    writeFileSync(cust, 'customer_id,income,score,code\nc1,100.5,3,1_000\nc2,inf,4,20\nc3,1e309,5,30\nc4,70,Infinity,40\n');
    const ev = join(dir, 'events.csv');
    writeFileSync(ev, 'customer_id,timestamp,type\nc1,2023-01-01 10:00,login\nc2,9999-12-31 00:00,login\nc3,1700-01-01 00:00,login\n');
    await withWorkspace(async (ws) => {
      const r = await importFile(ws, cust, { kind: 'customers' });
      assert.equal(r.rows.loaded, 4);
      assert.equal(r.observations.find((o) => o.code === 'non-finite-trait-value')?.count, 3);
      const rows = await ws.db.all<{ customer_id: string; income: number | null; score: number | null; code: string }>('SELECT customer_id, income, score, code FROM customers ORDER BY 1');
      assert.deepEqual(rows.map((x) => [x.customer_id, x.income, x.score, x.code]), [
        ['c1', 100.5, 3, '1_000'], ['c2', null, 4, '20'], ['c3', null, 5, '30'], ['c4', 70, null, '40'],
      ]);
      const e = await importFile(ws, ev, { kind: 'events' });
      assert.deepEqual(e.quarantineByReason, { 'implausible-date': 2 });
      assert.equal(e.rows.loaded, 1);
    });
  });
});

test('segmint delete --source removes what a source brought in; rfm then equals a workspace without it', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeCsv(a, goodLines('A', CUSTOMERS));
    // b: some of a's customers, new customers, a new product, and poison rows
    writeCsv(b, [...goodLines('B', ['c1', 'c2', 'n1', 'n2'], 3), 'B9,NEWP,New thing,2,2023-06-01 10:00,4.00,n3,UK', ...POISON.map((p) => p[0].replace(/^X/, 'BX'))]);
    const withB = join(dir, 'with-b');
    const onlyA = join(dir, 'only-a');
    for (const ws of [withB, onlyA]) assert.equal((await runCli(['init', ws])).code, 0);
    assert.equal((await runCli(['import', a, '--kind', 'transactions', '-w', onlyA])).code, 0);
    assert.equal((await runCli(['import', a, '--kind', 'transactions', '-w', withB])).code, 0);
    const ib = JSON.parse((await runCli(['import', b, '--kind', 'transactions', '-w', withB, '--json'])).out);
    assert.equal(ib.sourceId, 2);

    // without --yes on a non-terminal: refuses, says what it would delete, deletes nothing
    const refused = await runCli(['delete', '--source', '2', '-w', withB]);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /would delete/);
    assert.match(refused.err, /--yes/);
    await withOpenWorkspace(withB, async (w) => {
      assert.equal((await w.db.one<{ n: number }>('SELECT count(*) AS n FROM transactions WHERE source_id = 2'))!.n, ib.rows.loaded);
    });
    assert.equal((await runCli(['delete', '--source', '9', '--yes', '-w', withB])).code, 2);

    const del = await runCli(['delete', '--source', '2', '--yes', '-w', withB, '--json']);
    assert.equal(del.code, 0, del.err);
    const d = JSON.parse(del.out);
    assert.deepEqual(d.deleted, { transactions: ib.rows.loaded, events: 0, quarantine: POISON.length, customers: 3, products: 1, sources: 1 });

    const tables = async (ws: string) => withOpenWorkspace(ws, async (w) => ({
      transactions: await w.db.all("SELECT customer_id, order_id, strftime(ts, '%Y-%m-%d %H:%M') AS ts, amount FROM transactions ORDER BY ALL"),
      customers: await w.db.all("SELECT customer_id, source_id, strftime(first_seen, '%Y-%m-%d %H:%M') AS first_seen, country FROM customers ORDER BY ALL"),
      products: await w.db.all('SELECT product_id, name, price, source_id FROM products ORDER BY ALL'),
      quarantine: await w.db.all('SELECT * FROM quarantine'),
      sources: await w.db.all('SELECT source_id, file FROM sources ORDER BY ALL'),
    }));
    assert.deepEqual(await tables(withB), await tables(onlyA));
    const rfm = async (ws: string) => {
      const r = await runCli(['rfm', '-w', ws, '--json']);
      assert.equal(r.code, 0, r.err);
      // sums in parallel may differ in the last bits: compare to 9 significant digits
      const { runId: _runId, ...rest } = JSON.parse(r.out, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(9)) : v));
      return rest;
    };
    assert.deepEqual(await rfm(withB), await rfm(onlyA));
    // the file can be imported again afterwards
    const again = JSON.parse((await runCli(['import', b, '--kind', 'transactions', '-w', withB, '--json'])).out);
    assert.equal(again.alreadyImported, false);
    assert.equal(again.rows.loaded, ib.rows.loaded);
  } finally {
    cleanup();
  }
});
