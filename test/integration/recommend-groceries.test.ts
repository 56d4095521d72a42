// Issue #18 on groceries-dataset: association rules against an independent computation
// (test/fixtures/recommend/rules.py, brute-force itertools counting in pandas, recorded in rules.json), and the
// held-out evaluation, whose popularity baseline is recomputed here from the raw file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { importFile } from '../../src/store/import/index.ts';
import { basketRules, evaluateRecommendations, fitRecommender, recommendCustomer, storeRecommendations } from '../../src/pipeline/recommend.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

const GROCERIES = shared('groceries-dataset/Groceries_dataset.csv');
const FIXTURE = JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/recommend/rules.json'), 'utf8')) as {
  baskets: number; minSupport: number; maxLength: number; rulesTotal: number;
  top: { antecedent: string[]; consequent: string[]; support: number; confidence: number; lift: number; count: number }[];
};
const SPLIT = '2015-07-01';
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** dd-mm-yyyy lines of the raw file: [member, ISO day, item]. */
function rawLines(path: string): [string, string, string][] {
  return readFileSync(path, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).slice(1).filter(Boolean).map((l) => {
    const [m, d, item] = l.split(',');
    const [dd, mm, yyyy] = d!.split('-');
    return [m!, `${yyyy}-${mm}-${dd}`, item!.trim()];
  });
}

test('groceries: rules and evaluation equal independent computations', { skip: GROCERIES.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, GROCERIES.path, { kind: 'transactions' });

    // association rules: the top 20 by lift at minimum support 0.001, itemsets up to 3 items
    const r = await basketRules(ws, { minSupport: FIXTURE.minSupport, maxLength: FIXTURE.maxLength, k: 100_000 });
    assert.equal(r.baskets, FIXTURE.baskets);
    assert.equal(r.rulesTotal, FIXTURE.rulesTotal);
    const names = (xs: { productId: string }[]) => xs.map((x) => x.productId).sort().join(' + ');
    const byKey = new Map(r.rules.map((x) => [`${names(x.antecedent)} => ${names(x.consequent)}`, x]));
    for (const f of FIXTURE.top) {
      const k = `${[...f.antecedent].sort().join(' + ')} => ${[...f.consequent].sort().join(' + ')}`;
      const got = byKey.get(k);
      assert.ok(got, `rule ${k} missing`);
      close(got.support, f.support, `${k} support`);
      close(got.confidence, f.confidence, `${k} confidence`);
      close(got.lift, f.lift, `${k} lift`);
      assert.equal(got.baskets, f.count);
    }
    // our top 20 lifts are the fixture's (ties at equal lift may order differently)
    r.rules.slice(0, 20).forEach((x, i) => close(x.lift, FIXTURE.top[i]!.lift, `lift #${i + 1}`));

    // evaluation: global popularity's hit rate recomputed from the raw lines
    const ev = await evaluateRecommendations(ws, { split: SPLIT, k: 10 });
    const train = new Map<string, Set<string>>();
    const testItems = new Map<string, Set<string>>();
    const popularity = new Map<string, Set<string>>();
    for (const [m, d, item] of rawLines(GROCERIES.path)) {
      const into = d < SPLIT ? train : testItems;
      if (!into.has(m)) into.set(m, new Set());
      into.get(m)!.add(item);
      if (d < SPLIT) { if (!popularity.has(item)) popularity.set(item, new Set()); popularity.get(item)!.add(m); }
    }
    // order as the product ids sort under ties (the pipeline breaks ties by its own order; compare only where it is strict)
    const order = [...popularity.entries()].map(([i, s]) => [i, s.size] as const).sort((a, b) => b[1] - a[1]);
    let n = 0;
    let hits = 0;
    for (const [m, bought] of train) {
      const fresh = [...(testItems.get(m) ?? [])].filter((i) => !bought.has(i));
      if (fresh.length === 0) continue;
      n++;
      const top = order.filter(([i]) => !bought.has(i)).slice(0, 10).map(([i]) => i);
      if (top.some((i) => fresh.includes(i))) hits++;
    }
    assert.equal(ev.evaluatedCustomers, n);
    close(ev.methods.popularity.hitRate, hits / n, 'popularity hit rate');
    for (const m of Object.values(ev.methods)) for (const v of [m.hitRate, m.recall, m.ndcg, m.coverage]) assert.ok(Number.isFinite(v) && v >= 0 && v <= 1);
    console.log(`groceries split ${SPLIT}: ${n} customers; hit@10 / NDCG@10 item-to-item ${ev.methods.itemToItem.hitRate.toFixed(4)} / ${ev.methods.itemToItem.ndcg.toFixed(4)}, popularity ${ev.methods.popularity.hitRate.toFixed(4)} / ${ev.methods.popularity.ndcg.toFixed(4)}, segment popularity ${ev.methods.segmentPopularity.hitRate.toFixed(4)} / ${ev.methods.segmentPopularity.ndcg.toFixed(4)}`);
  });
});

test('groceries: every customer\'s top 10 stored as a run equals the list for one customer, and holds no bought item', { skip: GROCERIES.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, GROCERIES.path, { kind: 'transactions' });
    const stored = await storeRecommendations(ws, { k: 10 });
    const run = await ws.db.one<{ kind: string; as_of: unknown }>('SELECT kind, as_of FROM runs WHERE run_id = ?', [stored.runId]);
    assert.equal(run?.kind, 'recommend');
    const rows = await ws.db.all<{ customer_id: string; rank: number; product_id: string; because: string }>(
      'SELECT customer_id, rank, product_id, because FROM run_recommendations WHERE run_id = ? ORDER BY customer_id, rank', [stored.runId]);
    assert.equal(rows.length, stored.recommendations);
    assert.equal(new Set(rows.map((r) => r.customer_id)).size, stored.customers);
    // the raw file's purchases per member: nothing bought is stored
    const bought = new Map<string, Set<string>>();
    for (const [m, , item] of rawLines(GROCERIES.path)) { if (!bought.has(m)) bought.set(m, new Set()); bought.get(m)!.add(item); }
    assert.equal(stored.customers, bought.size);
    for (const r of rows) {
      assert.ok(!bought.get(r.customer_id)!.has(r.product_id), `${r.customer_id} bought ${r.product_id}`);
      for (const b of JSON.parse(r.because) as string[]) assert.ok(bought.get(r.customer_id)!.has(b));
    }
    const m = await fitRecommender(ws, { k: 10 });
    for (const id of ['1000', '2051', '4999']) {
      const one = recommendCustomer(m, id, { k: 10 });
      assert.deepEqual(rows.filter((r) => r.customer_id === id).map((r) => [r.rank, r.product_id, JSON.parse(r.because)]), one.map((x) => [x.rank, x.productId, x.because.map((b) => b.productId)]));
    }
  });
});
