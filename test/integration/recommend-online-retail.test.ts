// Issue #18 on Online Retail (UCI, the shared CSV) through the CLI: the held-out evaluation at the split
// 2011-09-01 (goal: item-to-item ≥ 20 % relative over popularity within the customer's RFM segment), and one
// customer's recommendations checked against the raw file read here with DuckDB: nothing they bought, every
// reason an item they bought that other customers bought with the recommended one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { quoteString } from '../../src/sql/quote.ts';
import { openMemoryDb } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { shared, tempDir } from '../helpers/workspace.ts';

const RETAIL = shared('online-retail/online_retail.csv');
let dir = '';
let cleanup = () => {};
let ws = '';

async function okJson(args: string[]) {
  const r = await runCli([...args, '-w', ws, '--json']);
  assert.equal(r.code, 0, `segmint ${args.join(' ')}: ${r.err}`);
  return JSON.parse(r.out);
}

before(async () => {
  if (RETAIL.skip) return;
  ({ dir, cleanup } = tempDir());
  ws = join(dir, 'ws');
  assert.equal((await runCli(['init', ws])).code, 0);
  assert.equal((await runCli(['import', RETAIL.path, '--kind', 'transactions', '-w', ws])).code, 0);
});
after(() => cleanup());

test('evaluate --split 2011-09-01: item-to-item beats popularity within the RFM segment by ≥ 20 % (hit rate and NDCG at 10)', { skip: RETAIL.skip }, async () => {
  const r = await okJson(['recommend', 'evaluate', '--split', '2011-09-01', '--k', '10']);
  const [i2i, pop, seg] = [r.methods.itemToItem, r.methods.popularity, r.methods.segmentPopularity];
  console.log(`online retail split 2011-09-01: ${r.evaluatedCustomers} customers, catalogue ${r.catalogue}; hit@10 / NDCG@10 item-to-item ${i2i.hitRate.toFixed(4)} / ${i2i.ndcg.toFixed(4)}, popularity ${pop.hitRate.toFixed(4)} / ${pop.ndcg.toFixed(4)}, segment popularity ${seg.hitRate.toFixed(4)} / ${seg.ndcg.toFixed(4)}`);
  assert.ok(r.evaluatedCustomers > 1000);
  assert.ok(i2i.hitRate >= 1.2 * seg.hitRate, `hit rate ${i2i.hitRate} vs ${seg.hitRate}`);
  assert.ok(i2i.ndcg >= 1.2 * seg.ndcg, `NDCG ${i2i.ndcg} vs ${seg.ndcg}`);
  assert.ok(i2i.coverage > pop.coverage);
  const bad = await runCli(['recommend', 'evaluate', '--split', '2030-01-01', '-w', ws, '--json']);
  assert.equal(bad.code, 2);
  assert.equal(JSON.parse(bad.out).error.code, 'no-test-lines');
});

test('recommend --customer: no bought item, each reason names bought items co-purchased with the recommendation', { skip: RETAIL.skip }, async () => {
  const CUSTOMER = '12347';
  const r = await okJson(['recommend', '--customer', CUSTOMER, '--k', '10']);
  assert.equal(r.recommendations.length, 10);
  const { db, close } = await openMemoryDb();
  try {
    const raw = `(SELECT CAST(CAST(CustomerID AS BIGINT) AS VARCHAR) AS c, StockCode AS p FROM read_csv(${quoteString(RETAIL.path)}, header = true, all_varchar = true) WHERE CustomerID IS NOT NULL AND NOT starts_with(InvoiceNo, 'C') AND CAST(Quantity AS DOUBLE) > 0)`;
    const bought = new Set((await db.all<{ p: string }>(`SELECT DISTINCT p FROM ${raw} WHERE c = '${CUSTOMER}'`)).map((x) => x.p));
    assert.ok(bought.size > 50);
    for (const rec of r.recommendations) {
      assert.ok(!bought.has(rec.productId), `${rec.productId} was bought`);
      assert.equal(rec.kind, 'co-purchase');
      assert.ok(rec.because.length >= 1 && rec.because.length <= 3);
      assert.match(rec.reason, /^bought with /);
      for (const b of rec.because) {
        assert.ok(bought.has(b.productId), `reason ${b.productId} not bought by ${CUSTOMER}`);
        assert.ok(rec.reason.includes(b.productId));
        const both = await db.one<{ n: bigint }>(`SELECT count(*) AS n FROM (SELECT c FROM ${raw} WHERE p = '${b.productId}' INTERSECT SELECT c FROM ${raw} WHERE p = '${rec.productId}')`);
        assert.ok(Number(both!.n) >= 2, `${b.productId} and ${rec.productId} bought together by ${both!.n} customers`);
      }
    }
    // consumables: with --include-bought, items the customer bought may come back
    const again = await okJson(['recommend', '--customer', CUSTOMER, '--k', '10', '--include-bought']);
    assert.ok(again.recommendations.some((x: { productId: string }) => bought.has(x.productId)));
  } finally {
    close();
  }
  const seg = await okJson(['recommend', '--segment', 'Champions', '--k', '5']);
  assert.equal(seg.items.length, 5);
  for (const x of seg.items) assert.ok(x.lift > 1 && x.share > x.populationShare);
  const unknown = await runCli(['recommend', '--customer', 'nobody', '-w', ws, '--json']);
  assert.equal(unknown.code, 2);
  assert.equal(JSON.parse(unknown.out).error.code, 'unknown-customer');
});
