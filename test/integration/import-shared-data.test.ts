import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImportKind } from '../../src/core/schema.ts';
import { importFile, type ImportOptions } from '../../src/store/import/index.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

interface Case {
  file: string;
  kind: ImportKind;
  options?: Partial<ImportOptions>;
  mapping: Record<string, string>;
  read: number;
  customers?: number;
  check?: Record<string, unknown>;
}

// Every data file of ../shared/data that holds customers, transactions, events or products. Row and
// customer counts are those in ../shared/data/README.md.
const CASES: Case[] = [
  { file: 'online-retail-ii-2009-2010/online_retail_II.parquet', kind: 'transactions', read: 525461,
    mapping: { customer_id: 'Customer ID', order_id: 'Invoice', ts: 'InvoiceDate', unit_price: 'Price', quantity: 'Quantity', product_id: 'StockCode', description: 'Description' },
    check: { 'missing-customer-id': 107927 } },
  { file: 'cdnow/CDNOW_master.txt', kind: 'transactions', read: 69659, customers: 23570,
    mapping: { customer_id: 'customer_id', ts: 'date', quantity: 'number_of_cds', amount: 'dollar_value' }, check: { dateFormat: '%Y%m%d' } },
  { file: 'cdnow/CDNOW_sample.txt', kind: 'transactions', read: 6919, customers: 2357,
    options: { columnNames: ['master_id', 'customer_id', 'date', 'cds', 'dollars'] },
    mapping: { customer_id: 'customer_id', ts: 'date', quantity: 'cds', amount: 'dollars' } },
  { file: 'btydplus-grocery/groceryElog.csv', kind: 'transactions', read: 10483, customers: 1525,
    mapping: { customer_id: 'cust', ts: 'date' }, check: { dateFormat: 'iso' } },
  { file: 'groceries-dataset/Groceries_dataset.csv', kind: 'transactions', read: 38765, customers: 3898,
    mapping: { customer_id: 'Member_number', ts: 'Date', product_id: 'itemDescription' }, check: { dateFormat: '%d-%m-%Y' } },
  { file: 'completejourney/transactions_sample.csv', kind: 'transactions', read: 75000, customers: 2377,
    mapping: { customer_id: 'household_id', order_id: 'basket_id', ts: 'transaction_timestamp', amount: 'sales_value', product_id: 'product_id', quantity: 'quantity' },
    options: { timezone: 'America/New_York' } },
  { file: 'completejourney/products.csv', kind: 'products', read: 92331, mapping: { product_id: 'product_id', department: 'department', category: 'product_category' } },
  { file: 'completejourney/demographics.csv', kind: 'customers', read: 801, customers: 801, mapping: { customer_id: 'household_id' } },
  { file: 'completejourney/coupon_redemptions.csv', kind: 'events', read: 2102, mapping: { customer_id: 'household_id', ts: 'redemption_date' } },
  { file: 'mall-customers/Mall_Customers.csv', kind: 'customers', read: 200, customers: 200, mapping: { customer_id: 'CustomerID' } },
  { file: 'telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv', kind: 'customers', read: 7043, customers: 7043, mapping: { customer_id: 'customerID' } },
  { file: 'bank-marketing/bank-full.csv', kind: 'customers', read: 45211, customers: 45211, mapping: {} },
  { file: 'bank-marketing/bank-additional-full.csv', kind: 'customers', read: 41188, customers: 41188, mapping: {} },
  { file: 'cc-general/CC GENERAL.csv', kind: 'customers', read: 8950, customers: 8950, mapping: { customer_id: 'CUST_ID' } },
];

for (const c of CASES) {
  const s = shared(c.file);
  test(`mapping detected and every row accounted for: ${c.file}`, { skip: s.skip }, async () => {
    await withWorkspace(async (ws) => {
      const r = await importFile(ws, s.path, { kind: c.kind, ...(c.options ?? {}) });
      for (const [field, column] of Object.entries(c.mapping)) assert.equal(r.mapping[field], column, `${field} ← ${column}`);
      assert.equal(r.rows.read, c.read);
      assert.equal(r.reconciled, true);
      if (c.customers !== undefined) assert.equal(r.customers.after, c.customers);
      for (const [k, v] of Object.entries(c.check ?? {})) {
        assert.equal(k === 'dateFormat' ? r.detected.dateFormat : r.quarantineByReason[k], v, k);
      }
    });
  });
}

const telco = shared('telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv');
test('telco: traits typed, TotalCharges blank on 11 rows read as missing', { skip: telco.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, telco.path, { kind: 'customers' });
    const types = Object.fromEntries((await ws.db.all<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'customers'",
    )).map((x) => [x.column_name, x.data_type]));
    assert.equal(types.total_charges, 'DOUBLE');
    assert.equal(types.monthly_charges, 'DOUBLE');
    assert.equal(types.tenure, 'BIGINT');
    assert.equal(types.churn, 'BOOLEAN');
    assert.equal(types.contract, 'VARCHAR');
    const n = await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM customers WHERE total_charges IS NULL');
    assert.equal(n!.n, 11);
  });
});

const ccg = shared('cc-general/CC GENERAL.csv');
test('cc-general: decimals stay decimals, empty cells are missing', { skip: ccg.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, ccg.path, { kind: 'customers' });
    const r = await ws.db.one<{ limit_null: number; min_null: number; bal: number }>(
      "SELECT count(*) FILTER (WHERE credit_limit IS NULL) AS limit_null, count(*) FILTER (WHERE minimum_payments IS NULL) AS min_null, max(balance) FILTER (WHERE customer_id = 'C10001') AS bal FROM customers",
    );
    assert.deepEqual(r, { limit_null: 1, min_null: 313, bal: 40.900749 });
  });
});

for (const f of ['completejourney/coupons.csv', 'completejourney/promotions_sample.csv', 'completejourney/campaign_descriptions.csv', 'completejourney/campaigns.csv']) {
  const s = shared(f);
  test(`reference table without customers and dates is refused with a hint: ${f}`, { skip: s.skip }, async () => {
    await withWorkspace(async (ws) => {
      await assert.rejects(importFile(ws, s.path, { kind: 'events' }), (e: { code: string; hint: string }) => e.code === 'missing-mapping' && /--map/.test(e.hint));
    });
  });
}

const cjLines = shared('completejourney/transactions_sample.csv');
test('completejourney: store_id is a store, not a channel: kept as a line attribute with its 293 stores', { skip: cjLines.skip }, async () => {
  await withWorkspace(async (ws) => {
    const r = await importFile(ws, cjLines.path, { kind: 'transactions', timezone: 'America/New_York' });
    assert.equal(r.mapping.channel, undefined);
    assert.ok(r.extraColumns.transactionAttributes.includes('store_id'), JSON.stringify(r.extraColumns));
    // pandas 1.5.3: transactions_sample.csv has 293 distinct store_id; 1,700 of 2,377 households shop at more than one
    const t = await ws.db.one<{ channels: number; stores: number; multi: number }>(`SELECT count(channel) AS channels,
        count(DISTINCT attributes->>'store_id') AS stores,
        (SELECT count(*) FROM (SELECT customer_id FROM transactions GROUP BY 1 HAVING count(DISTINCT attributes->>'store_id') > 1)) AS multi
      FROM transactions`);
    assert.deepEqual([Number(t!.channels), Number(t!.stores), Number(t!.multi)], [0, 293, 1700]);
  });
});
