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
