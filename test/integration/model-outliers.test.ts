// segmint model outliers on cc-general through the CLI: the unusual segment holds the contamination share,
// the rule it prints selects exactly those customers (and decile 1 a tenth), a customer's reasons name
// features of the data; the same for the nearest-centre method. (The kernel is checked against
// scikit-learn in src/models/outlier/isolation-forest.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { shared, tempDir } from '../helpers/workspace.ts';

const CC = shared('cc-general/CC GENERAL.csv');

async function okJson(args: string[]) {
  const r = await runCli([...args, '--json']);
  assert.equal(r.code, 0, `segmint ${args.join(' ')}: ${r.err}${r.out}`);
  return JSON.parse(r.out);
}

test('model outliers on cc-general: 1 % unusual, the printed rule selects them, reasons name features', { skip: CC.skip }, async () => {
  const t = tempDir();
  try {
    const ws = join(t.dir, 'duck');
    await okJson(['init', ws]);
    await okJson(['import', CC.path, '--kind', 'customers', '--map', 'customer_id=CUST_ID', '-w', ws]);
    const r = await okJson(['model', 'outliers', '-w', ws]);
    assert.equal(r.customers, 8950);
    assert.equal(r.method, 'iforest');
    // the (1 − 0.01) quantile: about 1 % strictly above it
    assert.ok(Math.abs(r.unusual - 89.5) <= 1, `${r.unusual} unusual`);
    const count = async (where: string) => (await okJson(['audience', 'eval', '--where', where, '--no-store', '-w', ws])).customers as number;
    assert.equal(await count(r.rule), r.unusual);
    assert.equal(await count('model.outliers.decile = 1'), 895);
    const features = new Set<string>(r.features);
    assert.ok(r.top.length > 0 && r.top.length <= 20);
    for (const u of r.top) {
      assert.ok(u.score > r.threshold);
      assert.equal(u.reasons.length, 3);
      for (const q of u.reasons) assert.ok(features.has(q.feature.replace(/ \(missing\)$/, '')), `${q.feature} is a feature`);
    }
    // centroid method: same contract
    const c = await okJson(['model', 'outliers', 'far', '--method', 'centroid', '--k', '4', '--contamination', '0.02', '-w', ws]);
    assert.ok(Math.abs(c.unusual - 179) <= 1, `${c.unusual} unusual`);
    assert.equal(await count(c.rule), c.unusual);
    // bad options are exit 2
    const bad = await runCli(['model', 'outliers', '--contamination', '0.7', '-w', ws]);
    assert.equal(bad.code, 2);
  } finally {
    t.cleanup();
  }
});
