// segmint model outliers on cc-general through the CLI: the unusual segment holds the contamination share,
// the rule it prints selects exactly those customers (and decile 1 a tenth), a customer's reasons name
// features of the data; the same for the nearest-centre method. The scores are a run of their own kind
// (outliers, table run_outlier_scores): rules read model.NAME.score / .decile / .unusual and refuse
// .probability; segmint model list, segmint runs and the report's Models section show the run. (The kernel is checked against
// scikit-learn in src/models/outlier/isolation-forest.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.ts';
import { shared, tempDir, withOpenWorkspace } from '../helpers/workspace.ts';

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
    assert.equal(r.rule, 'model.outliers.unusual = true');
    assert.equal(await count(r.rule), r.unusual);
    assert.equal(await count(`model.outliers.score > ${r.threshold}`), r.unusual);
    assert.equal(await count('model.outliers.decile = 1'), 895);
    // a score is not a probability: the field is refused, saying what to read
    const prob = await runCli(['audience', 'eval', '--where', 'model.outliers.probability > 0.5', '--no-store', '-w', ws]);
    assert.equal(prob.code, 2, prob.err);
    assert.match(prob.err, /outlier scores.*not a probability.*model\.outliers\.score/);
    // stored in run_outlier_scores under its own run kind, nothing in the classifiers' table
    const stored = await withOpenWorkspace(ws, async (w) => ({
      kinds: (await w.db.all<{ kind: string }>('SELECT kind FROM runs WHERE run_id = ?', [r.runId])).map((x) => x.kind),
      rows: await w.db.all<{ n: number; u: number; mx: number }>('SELECT count(*) AS n, sum(CASE WHEN unusual THEN 1 ELSE 0 END) AS u, max(score) AS mx FROM run_outlier_scores WHERE run_id = ?', [r.runId]),
      classifierRows: await w.db.all<{ n: number }>('SELECT count(*) AS n FROM run_model_scores'),
    }));
    assert.deepEqual(stored.kinds, ['outliers']);
    assert.equal(Number(stored.rows[0]!.n), 8950);
    assert.equal(Number(stored.rows[0]!.u), r.unusual);
    assert.equal(Number(stored.rows[0]!.mx), r.top[0].score);
    assert.equal(Number(stored.classifierRows[0]!.n), 0);
    // listed by segmint model list and segmint runs
    const list = await okJson(['model', 'list', '-w', ws]);
    assert.deepEqual(list.map((m: { name: string; kind: string; runId: number; scoreRun: number; unusual: number; customers: number }) => [m.name, m.kind, m.runId, m.scoreRun, m.unusual, m.customers]), [['outliers', 'outliers', r.runId, r.runId, r.unusual, 8950]]);
    const runs = await okJson(['runs', '--kind', 'outliers', '-w', ws]);
    assert.equal(runs.length, 1);
    assert.match(runs[0].summary, /outlier scores outliers \(isolation forest\): 8,950 customers scored, \d+ unusual/);
    // the report's Models section: the run, its threshold and the most unusual customer
    const html = join(t.dir, 'report.html');
    const rep = await runCli(['report', '-w', ws, '--out', html]);
    assert.equal(rep.code, 0, rep.err);
    const page = readFileSync(html, 'utf8');
    const models = page.slice(page.indexOf('id="models"'));
    assert.ok(page.includes('id="models"'), 'a Models section');
    assert.match(models, new RegExp(`outliers <small>\\(outlier scores, isolation forest, run ${r.runId}\\)`));
    assert.ok(models.includes(`>${r.top[0].customerId}<`), 'the most unusual customer is shown');
    // the name is taken: a classifier cannot take it
    const clash = await runCli(['model', 'train', 'outliers', '--target', 'TENURE', '--positive', '12', '-w', ws]);
    assert.equal(clash.code, 2, clash.err);
    assert.match(clash.err, /outlier scores of that name are stored/);
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
