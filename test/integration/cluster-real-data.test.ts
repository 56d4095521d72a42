/**
 * Issue #14 ("Real data, second pass"), defects 2–4, on the real files of ../shared/data: departments from
 * the products table (features and rules, either import order), department-share clustering by default,
 * and log scaling of a net spend that is ≤ 0 for some customers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importFile } from '../../src/store/import/index.ts';
import { runClustering } from '../../src/pipeline/cluster.ts';
import { evaluateAudience, prepareAudience } from '../../src/pipeline/audience.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

const tx = shared('completejourney/transactions_sample.csv');
const products = shared('completejourney/products.csv');
const cjSkip = tx.skip || products.skip;
const retail = shared('online-retail-ii-2009-2010/online_retail_II.parquet');

async function importCompleteJourney(ws: Workspace, productsFirst: boolean): Promise<void> {
  const steps = [
    () => importFile(ws, tx.path, { kind: 'transactions', timezone: 'America/New_York' }),
    () => importFile(ws, products.path, { kind: 'products' }),
  ];
  if (productsFirst) steps.reverse();
  for (const step of steps) await step();
}

for (const productsFirst of [false, true]) {
  test(`completejourney: departments come from products (${productsFirst ? 'products' : 'transactions'} imported first) in share features and in rules`, { skip: cjSkip }, async () => {
    await withWorkspace(async (ws) => {
      await importCompleteJourney(ws, productsFirst);
      // the rule reads the product's department (by hand, joining the departments into the file: 1,112)
      const meat = await prepareAudience(ws, 'meat', "has purchases where department = 'MEAT'", {});
      assert.equal((await evaluateAudience(ws, meat, { store: false })).customers, 1112);
      const r = await runClustering({ ws }, { shares: 'department', k: 5, seed: 0 });
      for (const f of ['meat_share', 'produce_share', 'grocery_share', 'fuel_share']) assert.ok(r.features.includes(f), `${f} in ${r.features.join(', ')}`);
      assert.ok(r.features.length > 20, `${r.features.length} department shares`);
      assert.ok(r.quality.calinskiHarabasz! < 1e6, `Calinski-Harabasz ${r.quality.calinskiHarabasz}`);
      // the lines that have no department even in products are counted and reported
      assert.ok(r.warnings.some((w) => /^1 of 74,472 purchase lines have no department.*1 whose product has no department/.test(w)), r.warnings.join('\n'));
    });
  });
}

test('completejourney: department shares cluster without standardising, every cluster at 2% or more', { skip: cjSkip }, async () => {
  await withWorkspace(async (ws) => {
    await importCompleteJourney(ws, false);
    // automatic k: the grocery prototypes, no 1-customer cluster
    const auto = await runClustering({ ws }, { shares: 'department', seed: 0 });
    assert.equal(auto.model.preprocessing.scaling, 'none');
    assert.ok(auto.warnings.some((w) => /department shares are compared as they are \(scaling none/.test(w)), auto.warnings.join('\n'));
    assert.ok(auto.choice!.scores.find((s) => s.k === auto.k)!.sizesOk, auto.choice!.reason);
    for (const c of auto.clusters) assert.ok(c.share >= 0.02, `${c.name}: ${c.customers} customers`);
    const names = auto.clusters.map((c) => c.name);
    for (const n of ['Meat lovers', 'Produce lovers', 'Fuel lovers', 'Grocery lovers']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    // the help's example, --k 5
    const five = await runClustering({ ws }, { shares: 'department', k: 5, seed: 0 });
    for (const c of five.clusters) assert.ok(c.share >= 0.02, `k = 5, ${c.name}: ${c.customers} customers`);
    // standardised on request: a cluster below the minimum size is said plainly
    const standard = await runClustering({ ws }, { shares: 'department', k: 5, seed: 0, scaling: 'standard' });
    if (standard.clusters.some((c) => c.share < 0.02)) assert.ok(standard.warnings.some((w) => /^the minimum cluster size could not be kept/.test(w)), standard.warnings.join('\n'));
  });
});

test('online retail II: log1p clips the net spend ≤ 0 at 0 and says so; no tiny cluster at k = 3 or 4', { skip: retail.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, retail.path, { kind: 'transactions' });
    for (const log1p of ['auto', ['frequency', 'monetary']] as const) {
      const r = await runClustering({ ws }, { log1p, seed: 0 });
      const monetary = r.model.preprocessing.steps.find((s) => s.name === 'monetary');
      assert.ok(monetary?.kind === 'numeric' && monetary.log1p && monetary.floor === 0, `${String(log1p)}: ${JSON.stringify(monetary)}`);
      assert.ok(r.warnings.some((w) => /^monetary: 20 values below 0 clipped at 0 before log\(1 \+ x\)/.test(w)), r.warnings.join('\n'));
      for (const k of [3, 4]) {
        const s = r.choice!.scores.find((x) => x.k === k)!;
        assert.ok(s.smallestShare >= 0.02, `${String(log1p)}, k = ${k}: smallest cluster ${s.smallestShare}`);
      }
      assert.equal(r.sqlDisagreements, 0);
    }
  });
});
