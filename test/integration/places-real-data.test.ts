// Line attributes on real data (issue #21), each count checked against the file itself, read here with a
// plain CSV reader and the import's row-validity rules written out:
//   - Online Retail: Country is one value per customer for 99% of customers, so it becomes a trait (the
//     latest value) and also stays on every line; `has purchases where country = 'France'` counts customers
//     with a French purchase line, `country = 'France'` customers whose latest line is French.
//   - completejourney (transactions_sample.csv, 293 stores): customers by store, a store with a department
//     (from products.csv), and customers buying at three stores or more.
// Skips when SEGMINT_SHARED_DATA is not set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateAudience, prepareAudience } from '../../src/pipeline/audience.ts';
import { importFile } from '../../src/store/import/index.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import { readCsv } from '../helpers/csv.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

const count = async (ws: Workspace, where: string): Promise<number> => (await evaluateAudience(ws, await prepareAudience(ws, 'x', where), { store: false })).customers;

const retail = shared('online-retail/online_retail.csv');
test('Online Retail: has purchases where country = \'France\' counts the customers with a French purchase line in the file', { skip: retail.skip }, async () => {
  const { header, rows } = readCsv(retail.path);
  const at = (name: string) => header.indexOf(name);
  const [inv, qty, date, price, cust, country] = ['InvoiceNo', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'].map(at) as [number, number, number, number, number, number];
  // lines the import loads as purchases: a customer id, not a cancellation (InvoiceNo C…), not a negative
  // quantity or price (quarantined); exact repeats change no customer's "has"
  const loaded = rows.filter((r) => r.length === header.length && r[cust]!.trim() !== '' && !r[inv]!.startsWith('C') && Number(r[qty]) >= 0 && Number(r[price]) >= 0);
  const french = new Set(loaded.filter((r) => r[country] === 'France').map((r) => r[cust]!.trim()));
  // the trait: each customer's latest line (by time, then by line), returns and cancellations included
  const latest = new Map<string, [string, string]>();
  for (const r of rows) {
    if (r.length !== header.length || r[cust]!.trim() === '' || Number(r[qty]) < 0 && !r[inv]!.startsWith('C') || Number(r[price]) < 0) continue;
    const c = r[cust]!.trim();
    const seen = latest.get(c);
    if (!seen || r[date]! >= seen[0]) latest.set(c, [r[date]!, r[country]!]);
  }
  const frenchTrait = [...latest.values()].filter(([, v]) => v === 'France').length;
  assert.equal(french.size, 87, 'customers with a French purchase line (pandas 1.5.3 on the same rules: 87)');
  await withWorkspace(async (ws) => {
    const r = await importFile(ws, retail.path, { kind: 'transactions' });
    assert.deepEqual([r.extraColumns.customerTraits, r.extraColumns.transactionAttributes], [['country'], ['country']]);
    assert.equal(await count(ws, "has purchases where country = 'France'"), french.size);
    assert.equal(await count(ws, "country = 'France'"), frenchTrait);
    // the line reading differs from the trait where a customer bought from two countries
    const countries = new Map<string, Set<string>>();
    for (const x of loaded) (countries.get(x[cust]!.trim()) ?? countries.set(x[cust]!.trim(), new Set()).get(x[cust]!.trim())!).add(x[country]!);
    const two = [...countries.values()].filter((x) => x.size >= 2).length;
    assert.equal(await count(ws, 'distinct(country) purchases >= 2'), two);
    console.log(`Online Retail: ${french.size} customers with a French purchase line, ${frenchTrait} whose latest line is French; ${two} customers with purchase lines from two countries or more`);
    // a misspelt line column is named with the nearest one
    await assert.rejects(prepareAudience(ws, 'x', "has purchases where countyr = 'France'"), (e: Error) => /did you mean country\?/.test(JSON.stringify((e as { details?: unknown }).details ?? e.message)));
  });
});

const cj = shared('completejourney/transactions_sample.csv');
const cjProducts = shared('completejourney/products.csv');
test('completejourney: customers by store, a store with a department, and three stores or more equal the file\'s counts', { skip: cj.skip || cjProducts.skip }, async () => {
  const lines = readCsv(cj.path);
  const products = readCsv(cjProducts.path);
  const h = (name: string) => lines.header.indexOf(name);
  const [hh, store, product, qty, sales] = ['household_id', 'store_id', 'product_id', 'quantity', 'sales_value'].map(h) as [number, number, number, number, number];
  const department = new Map(products.rows.map((r) => [r[products.header.indexOf('product_id')]!, r[products.header.indexOf('department')]!]));
  // every line has a household, a time and a plain sales value, and none is negative: all load as purchases
  const kept = lines.rows.filter((r) => r.length === lines.header.length && r[hh] !== '' && Number(r[qty]) >= 0 && Number(r[sales]) >= 0);
  assert.equal(kept.length, 75000);
  const byStore = new Map<string, Set<string>>();
  for (const r of kept) (byStore.get(r[store]!) ?? byStore.set(r[store]!, new Set()).get(r[store]!)!).add(r[hh]!);
  assert.equal(byStore.size, 293);
  const top = [...byStore].sort((a, b) => b[1].size - a[1].size || Number(a[0]) - Number(b[0])).slice(0, 8);
  const stores = new Map<string, Set<string>>();
  for (const r of kept) (stores.get(r[hh]!) ?? stores.set(r[hh]!, new Set()).get(r[hh]!)!).add(r[store]!);
  await withWorkspace(async (ws) => {
    await importFile(ws, cjProducts.path, { kind: 'products' });
    const r = await importFile(ws, cj.path, { kind: 'transactions', map: { place_id: 'store_id' } });
    assert.equal(r.rows.loaded + r.rows.quarantined, 75000);
    const figures: string[] = [];
    for (const [id, households] of top) {
      assert.equal(await count(ws, `has purchases where store_id = ${id}`), households.size, `store ${id}`);
      // the place column by its place name, as text
      assert.equal(await count(ws, `has purchases where place_id = '${id}'`), households.size, `place ${id}`);
      figures.push(`${id}: ${households.size}`);
    }
    // a store with a department (the line's product's, case ignored), on the same line
    const [s] = top[0]!;
    for (const dep of ['GROCERY', 'produce', 'MEAT']) {
      const want = new Set(kept.filter((x) => x[store] === s && (department.get(x[product]!) ?? '').toLowerCase() === dep.toLowerCase()).map((x) => x[hh]!)).size;
      assert.ok(want > 0, dep);
      assert.equal(await count(ws, `has purchases where all(store_id = ${s}, department = '${dep}')`), want, `store ${s}, ${dep}`);
      figures.push(`${s} & ${dep}: ${want}`);
    }
    const three = [...stores.values()].filter((x) => x.size >= 3).length;
    assert.equal(await count(ws, 'distinct(store_id) purchases >= 3'), three);
    console.log(`completejourney: customers by store ${figures.join(', ')}; ${three} households at 3+ stores`);
  });
});
