import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { importFile } from '../../src/store/import/index.ts';
import { FIXTURES, withWorkspace } from '../helpers/workspace.ts';

test('messy CSV: every row is loaded or quarantined with its reason and line number', async () => {
  await withWorkspace(async (ws) => {
    const r = await importFile(ws, join(FIXTURES, 'messy-orders.csv'), { kind: 'transactions' });
    assert.deepEqual(r.rows, { read: 14, loaded: 5, quarantined: 9, alreadyPresent: 0 });
    assert.equal(r.reconciled, true);
    assert.deepEqual(r.quarantineByReason, {
      'duplicate-row': 1,
      'malformed-row': 1,
      'missing-customer-id': 1,
      'missing-date': 1,
      'negative-price': 1,
      'non-numeric-price': 1,
      'non-numeric-quantity': 1,
      'unmarked-negative-quantity': 1,
      'unparseable-date': 1,
    });
    const lines = await ws.db.all<{ reason: string; line: number }>('SELECT reason, line FROM quarantine ORDER BY line');
    assert.deepEqual(lines.map((l) => [l.line, l.reason]), [
      [4, 'missing-customer-id'], [5, 'unparseable-date'], [6, 'missing-date'], [7, 'non-numeric-quantity'],
      [8, 'non-numeric-price'], [9, 'negative-price'], [10, 'unmarked-negative-quantity'], [11, 'duplicate-row'], [14, 'malformed-row'],
    ]);
    // raw values are kept as read
    const raw = await ws.db.one<{ raw: string }>("SELECT raw FROM quarantine WHERE reason = 'unparseable-date'");
    assert.equal(JSON.parse(raw!.raw).InvoiceDate, 'not a date');
    const tx = await ws.db.all<{ order_id: string; amount: number; is_return: boolean; source_line: number; description: string }>(
      'SELECT order_id, amount, is_return, source_line, description FROM transactions ORDER BY source_line',
    );
    assert.deepEqual(tx.map((t) => [t.source_line, t.order_id, t.amount, t.is_return]), [
      [2, '1001', 7, false], [3, '1001', 5, false], [12, 'C1009', -3.5, true], [13, '1010', 0, false], [15, '1012', 4.5, false],
    ]);
    assert.equal(tx[4]!.description, 'Mug, large');
    const obs = Object.fromEntries(r.observations.map((o) => [o.code, o.count]));
    assert.equal(obs['exact-duplicate-line'], 1);
    assert.equal(obs['zero-price'], 1);
    assert.equal(obs['missing-description'], 1);
    assert.equal(obs['cancellation-line'], 1);
    // Country, one value per customer, becomes a customer trait
    const c = await ws.db.all<{ customer_id: string; country: string }>('SELECT customer_id, country FROM customers ORDER BY 1');
    assert.deepEqual(c.map((x) => [x.customer_id, x.country]), [['c1', 'United Kingdom'], ['c4', 'Germany'], ['c5', 'Germany']]);
  });
});

test('policies change what happens: zero prices, descriptions, duplicates, anonymous rows, unmarked returns', async () => {
  await withWorkspace(async (ws) => {
    const r = await importFile(ws, join(FIXTURES, 'messy-orders.csv'), {
      kind: 'transactions',
      policies: { zeroPrice: 'quarantine', missingDescription: 'quarantine', duplicateRows: 'keep', missingCustomerId: 'anonymous', unmarkedNegativeQuantity: 'return', negativePrice: 'keep' },
    });
    assert.equal(r.reconciled, true);
    assert.equal(r.quarantineByReason['zero-price'], 1);
    assert.equal(r.quarantineByReason['missing-description'], 1, 'line 10 has no description');
    assert.equal(r.quarantineByReason['duplicate-row'], undefined);
    assert.equal(r.quarantineByReason['missing-customer-id'], undefined);
    const anon = await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM transactions WHERE customer_id IS NULL');
    assert.equal(anon!.n, 1);
    const neg = await ws.db.one<{ amount: number }>("SELECT amount FROM transactions WHERE order_id = '1007'");
    assert.equal(neg!.amount, -100);
  });
});

test('amount column: missing and non-numeric amounts are quarantined; a negative amount without marker is an unmarked return', async () => {
  await withWorkspace(async (ws) => {
    const r = await importFile(ws, join(FIXTURES, 'orders-amount.csv'), { kind: 'transactions' });
    assert.deepEqual(r.quarantineByReason, { 'missing-amount': 1, 'non-numeric-amount': 1, 'unmarked-negative-quantity': 1 });
    assert.equal(r.rows.loaded, 2);
    assert.equal(r.mapping.ts, 'order_date');
    assert.equal(r.mapping.amount, 'total');
  });
});

test('TSV with BOM and CRLF: delimiter, header and day-first dates detected; bad amount quarantined', async () => {
  await withWorkspace(async (ws) => {
    const r = await importFile(ws, join(FIXTURES, 'bom-crlf.tsv'), { kind: 'transactions' });
    assert.equal(r.detected.delimiter, 'tab');
    assert.equal(r.detected.dateFormat, '%d-%m-%Y');
    assert.equal(r.mapping.customer_id, 'customer');
    assert.deepEqual(r.quarantineByReason, { 'missing-amount': 1, 'non-numeric-amount': 1 });
    const t = await ws.db.all<{ d: string }>("SELECT strftime(ts, '%Y-%m-%d') AS d FROM transactions ORDER BY ts");
    assert.deepEqual(t.map((x) => x.d), ['2015-01-05', '2015-07-21']);
  });
});

test('NDJSON events: offsets converted to UTC, nested properties kept as JSON, bad rows quarantined', async () => {
  await withWorkspace(async (ws) => {
    const r = await importFile(ws, join(FIXTURES, 'events.ndjson'), { kind: 'events' });
    assert.equal(r.format, 'ndjson');
    assert.deepEqual(r.quarantineByReason, { 'missing-customer-id': 1, 'missing-event-type': 1, 'unparseable-date': 1 });
    const ev = await ws.db.all<{ type: string; t: string; p: string }>(
      "SELECT type, strftime(ts, '%Y-%m-%d %H:%M') AS t, CAST(properties AS VARCHAR) AS p FROM events ORDER BY source_line",
    );
    assert.deepEqual(ev.map((e) => [e.type, e.t]), [['page_view', '2024-03-01 10:00'], ['add_to_cart', '2024-03-01 09:05']]);
    assert.equal(JSON.parse(ev[1]!.p).sku, 'X1');
  });
});

test('customers: typed traits, zero-padded ids kept as text, a repeated id keeps the later row', async () => {
  await withWorkspace(async (ws) => {
    const r = await importFile(ws, join(FIXTURES, 'customers-dupes.csv'), { kind: 'customers' });
    assert.deepEqual(r.quarantineByReason, { 'duplicate-customer-id': 1, 'missing-customer-id': 1 });
    assert.deepEqual(r.extraColumns.customerTraits, ['gender', 'age', 'income_band', 'opt_in', 'signup']);
    const types = Object.fromEntries((await ws.db.all<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'customers'",
    )).map((c) => [c.column_name, c.data_type]));
    assert.equal(types.age, 'BIGINT');
    assert.equal(types.opt_in, 'BOOLEAN');
    assert.equal(types.signup, 'DATE');
    assert.equal(types.income_band, 'VARCHAR');
    const c10 = await ws.db.one<{ age: number }>("SELECT age FROM customers WHERE customer_id = '10'");
    assert.equal(c10!.age, 35);
    assert.ok(await ws.db.one("SELECT 1 FROM customers WHERE customer_id = '012'"));
  });
});

test('explicit mappings: unknown field and unknown column give coded errors with suggestions', async () => {
  await withWorkspace(async (ws) => {
    await assert.rejects(importFile(ws, join(FIXTURES, 'orders-amount.csv'), { kind: 'transactions', map: { custmer_id: 'customer_id' } }),
      (e: { code: string; hint: string }) => e.code === 'unknown-field' && /customer_id/.test(e.hint));
    await assert.rejects(importFile(ws, join(FIXTURES, 'orders-amount.csv'), { kind: 'transactions', map: { amount: 'totl' } }),
      (e: { code: string; hint: string }) => e.code === 'unknown-column' && /"total"/.test(e.hint));
    const r = await importFile(ws, join(FIXTURES, 'orders-amount.csv'), { kind: 'transactions', map: { order_id: 'customer_id', customer_id: 'order_id' } });
    assert.equal(r.mappingHow.customer_id, 'option');
    const n = await ws.db.one<{ n: number }>("SELECT count(*) AS n FROM customers WHERE customer_id = 'o1'");
    assert.equal(n!.n, 1);
  });
});

test('products: missing and repeated ids, non-numeric prices; extra columns typed', async () => {
  await withWorkspace(async (ws) => {
    const r = await importFile(ws, join(FIXTURES, 'products.csv'), { kind: 'products' });
    assert.deepEqual(r.quarantineByReason, { 'duplicate-product-id': 1, 'missing-product-id': 1, 'non-numeric-price': 1 });
    assert.equal(r.mapping.product_id, 'sku');
    assert.equal(r.mapping.price, 'list_price');
    assert.deepEqual(r.extraColumns.productColumns, ['brand']);
    const a1 = await ws.db.one<{ name: string; price: number; brand: string }>("SELECT name, price, brand FROM products WHERE product_id = 'A1'");
    assert.deepEqual(a1, { name: 'Mug (new)', price: 3.75, brand: 'Acme' });
  });
});

test('events CSV: invalid JSON properties and duplicates quarantined; extra columns merged into properties', async () => {
  await withWorkspace(async (ws) => {
    const r = await importFile(ws, join(FIXTURES, 'events.csv'), { kind: 'events' });
    assert.deepEqual(r.quarantineByReason, { 'duplicate-row': 1, 'invalid-json': 1 });
    const e = await ws.db.all<{ type: string; p: string }>('SELECT type, CAST(properties AS VARCHAR) AS p FROM events ORDER BY source_line');
    assert.deepEqual(e.map((x) => [x.type, JSON.parse(x.p)]), [
      ['email_open', { device: 'ios', campaign: 'spring' }],
      ['page_view', { device: 'android' }],
    ]);
  });
});

test('products from transactions: the most frequent description names a product, a tie goes to the one met first', async () => {
  const { withTempDir } = await import('../helpers/workspace.ts');
  const { writeFileSync } = await import('node:fs');
  await withTempDir(async (dir) => {
    const lines = [
      ['P1', 'Alpha'], ['P1', 'Beta'], ['P1', 'Beta'], ['P1', 'Alpha'],
      ['P2', 'Beta'], ['P2', 'Alpha'], ['P2', 'Alpha'], ['P2', 'Beta'],
      ['P3', 'Gamma'], ['P3', 'Delta'], ['P3', 'Delta'],
    ].map(([p, d], i) => `O${i},C${i % 3},2024-01-${String(1 + i).padStart(2, '0')},${p},${d},1,${i + 1}.5`);
    const path = join(dir, 'orders.csv');
    writeFileSync(path, `order_id,customer_id,date,product_id,description,quantity,unit_price\n${lines.join('\n')}\n`);
    await withWorkspace(async (ws) => {
      await importFile(ws, path, { kind: 'transactions' });
      const rows = await ws.db.all<{ product_id: string; name: string; price: number }>('SELECT product_id, name, price FROM products ORDER BY product_id');
      assert.deepEqual(rows.map((r) => [r.product_id, r.name, r.price]), [['P1', 'Alpha', 3], ['P2', 'Beta', 7], ['P3', 'Delta', 10.5]]);
    });
  });
});
