import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDataset } from '../../src/generate/index.ts';
import { runCli } from '../helpers/cli.ts';
import { readCsv } from '../helpers/csv.ts';
import { shared, withTempDir } from '../helpers/workspace.ts';

test('clv fit and clv predict have --help with examples', async () => {
  const group = await runCli(['clv', '--help']);
  assert.equal(group.code, 0);
  assert.match(group.out, /fit[\s\S]*predict[\s\S]*Examples:/);
  for (const cmd of [['clv', 'fit'], ['clv', 'predict']]) {
    const r = await runCli([...cmd, '--help']);
    assert.equal(r.code, 0, cmd.join(' '));
    assert.match(r.out, /Examples:/);
    assert.match(r.out, /--json/);
    assert.match(r.out, /--workspace/);
  }
});

test('clv on a generated workspace: fit, predict for every customer, excluded spend counted with a reason, no NaN anywhere', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'w');
    const g = await generateDataset({ preset: 'ecommerce', customers: 600, seed: 5, outDir: join(dir, 'gen') });
    assert.equal((await runCli(['init', ws])).code, 0);
    assert.equal((await runCli(['import', g.files.transactions, '--kind', 'transactions', '-w', ws])).code, 0);
    // a repeat buyer whose second purchase day nets negative (a larger return on the same day)
    const extra = join(dir, 'refunds.csv');
    writeFileSync(extra, 'customer_id,order_id,ts,amount\nrefunder,r1,2023-03-01 10:00:00,40\nrefunder,r2,2023-05-01 10:00:00,5\nrefunder,Cr3,2023-05-01 11:00:00,-60\n');
    assert.equal((await runCli(['import', extra, '--kind', 'transactions', '-w', ws])).code, 0);

    const before = await runCli(['clv', 'predict', '--horizon', '12', '--unit', 'month', '--out', join(dir, 'p.csv'), '-w', ws]);
    assert.equal(before.code, 2);
    assert.match(before.err, /error\[no-clv-fit\]/);

    const f = await runCli(['clv', 'fit', '-w', ws, '--json']);
    assert.equal(f.code, 0, f.err);
    const fit = JSON.parse(f.out);
    assert.equal(fit.purchase.converged, true);
    assert.ok(Object.values(fit.purchase.params as Record<string, number>).every((v) => Number.isFinite(v) && v > 0));
    assert.equal(fit.spend.excluded.nonPositiveSpend, 1);
    assert.equal(fit.customers.fitted + fit.customers.excluded, fit.customers.total);
    const human = await runCli(['clv', 'fit', '-w', ws, '--model', 'mbgnbd', '--period', 'week']);
    assert.equal(human.code, 0, human.err);
    assert.match(human.out, /MBG\/NBD on the workspace/);
    assert.match(human.out, /std\. error/);

    const out = join(dir, 'clv.csv');
    const p = await runCli(['clv', 'predict', '--horizon', '12', '--unit', 'month', '--margin', '0.3', '--out', out, '-w', ws, '--json']);
    assert.equal(p.code, 0, p.err);
    const pr = JSON.parse(p.out);
    assert.equal(pr.customers.predicted, fit.customers.fitted);
    assert.deepEqual(pr.customers.excludedByReason, { 'non-positive-spend': 1 });
    assert.match(p.err, /1 customers have purchase predictions but no CLV: non-positive-spend 1/);
    const text = readFileSync(out, 'utf8');
    assert.doesNotMatch(text, /nan|inf/i);
    const csv = readCsv(out);
    assert.equal(csv.rows.length, pr.customers.predicted);
    const col = (name: string) => csv.header.indexOf(name);
    const refunder = csv.rows.find((r) => r[0] === 'refunder')!;
    assert.equal(refunder[col('clv')], '');
    assert.equal(refunder[col('excluded_reason')], 'non-positive-spend');
    assert.ok(Number(refunder[col('p_alive')]) > 0);
    for (const r of csv.rows.filter((x) => x[0] !== 'refunder')) {
      const pa = Number(r[col('p_alive')]);
      assert.ok(pa >= 0 && pa <= 1, `P(alive) ${pa}`);
      assert.ok(Number(r[col('clv')]) >= 0);
      assert.ok(['active', 'cooling', 'at-risk', 'lapsed'].includes(r[col('churn_tier')]!));
      assert.ok(['top', 'high', 'medium', 'low'].includes(r[col('clv_tier')]!));
    }
  });
});

test('clv fit: bad input exits 2 with a coded error and a hint', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'w');
    await runCli(['init', ws]);
    const model = await runCli(['clv', 'fit', '--model', 'bgbnd', '-w', ws]);
    assert.equal(model.code, 2);
    assert.match(model.err, /error\[invalid-option\]: --model bgbnd: expected auto or one of bgnbd, mbgnbd, paretonbd, bgbb/);
    const bgbb = await runCli(['clv', 'fit', '--model', 'bgbb', '--period', 'day', '-w', ws]);
    assert.equal(bgbb.code, 2);
    assert.match(bgbb.err, /error\[invalid-option\]: --period day: BG\/BB opportunities are year, quarter, month or week/);
    const file = join(dir, 's.csv');
    writeFileSync(file, 'id,frequency,recency\n1,0,0\n');
    const cols = await runCli(['clv', 'fit', '--summary', file]);
    assert.equal(cols.code, 2);
    assert.match(cols.err, /error\[invalid-summary\]: --summary .*missing column T/);
    writeFileSync(file, 'frequency,recency,T\n1,5,3\n');
    const bad = await runCli(['clv', 'fit', '--summary', file, '--json']);
    assert.equal(bad.code, 2);
    assert.equal(JSON.parse(bad.out).error.code, 'invalid-summary');
    const pen = await runCli(['clv', 'fit', '--summary', file, '--penalizer', 'abc']);
    assert.match(pen.err, /error\[invalid-option\]: --penalizer abc: expected a number/);
  });
});

const cdnow = shared('cdnow/cdnow_customers_summary_with_transactions.csv');
test('clv fit --summary reads the BTYD column names (x, t_x, T, zbar) and fits both models', { skip: cdnow.skip }, async () => {
  const r = await runCli(['clv', 'fit', '--summary', cdnow.path, '--model', 'bgnbd', '--json']);
  assert.equal(r.code, 0, r.err);
  const fit = JSON.parse(r.out);
  assert.equal(fit.purchase.customers, 2357);
  // without a holdout, --model auto (the default) chooses by BIC: MBG/NBD's ln L −9,582.1 beats BG/NBD's −9,582.4
  const auto = await runCli(['clv', 'fit', '--summary', cdnow.path]);
  assert.equal(auto.code, 0, auto.err);
  assert.match(auto.out, /model choice \(--model auto, by BIC\): MBG\/NBD/);
  assert.match(auto.out, /there is no holdout \(give --calibration-end to compare the models on later purchases\), so the choice is the lowest BIC: MBG\/NBD 19195\.3, BG\/NBD 19195\.9, Pareto\/NBD 19221\.0/);
  assert.equal(Number(fit.purchase.params.r.toFixed(3)), 0.243);
  assert.equal(Number(fit.spend.params.p.toFixed(2)), 6.25);
  assert.equal(fit.runId, undefined, 'a summary fit is not stored');
});

test('clv on a generated charity: BG/BB over quarterly opportunities from the workspace, validated and predicted', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'w');
    const g = await generateDataset({ preset: 'ngo', customers: 800, seed: 4, outDir: join(dir, 'gen') });
    await runCli(['init', ws]);
    assert.equal((await runCli(['import', g.files.transactions, '--kind', 'transactions', '-w', ws])).code, 0);
    const f = await runCli(['clv', 'fit', '--model', 'bgbb', '--period', 'quarter', '-w', ws, '--json']);
    assert.equal(f.code, 0, f.err);
    const fit = JSON.parse(f.out);
    assert.equal(fit.purchase.name, 'BG/BB');
    assert.equal(fit.period, 'quarter');
    assert.ok(fit.purchase.converged);
    const out = join(dir, 'd.csv');
    const p = await runCli(['clv', 'predict', '--horizon', '12', '--unit', 'month', '--out', out, '-w', ws, '--json']);
    assert.equal(p.code, 0, p.err);
    const pr = JSON.parse(p.out);
    assert.equal(pr.customers.predicted, fit.customers.fitted);
    const csv = readCsv(out);
    const col = (name: string) => csv.header.indexOf(name);
    for (const r of csv.rows) {
      const pa = Number(r[col('p_alive')]);
      assert.ok(pa >= 0 && pa <= 1);
      // four quarterly opportunities: at most four donations expected
      const e = Number(r[col('expected_purchases')]);
      assert.ok(e >= 0 && e <= 4, `expected ${e}`);
    }
    const short = await runCli(['clv', 'predict', '--horizon', '1', '--unit', 'month', '--out', out, '-w', ws, '--force']);
    assert.equal(short.code, 2);
    assert.match(short.err, /shorter than one quarter/);
  });
});
