// Issue #17, uplift: the men's e-mail against no e-mail on hillstrom.csv, outcome visit, features recency,
// history, mens, womens, zip_code, newbie, channel. The logistic regressions against scikit-learn 1.2.1 and the
// Qini coefficient, AUUC and uplift@30% against scikit-uplift's formulas, both on the same seeded 50/50 split
// (test/fixtures/campaign/sklearn_logistic.py, its output in sklearn_logistic.json); whether the scores beat
// random targeting over ten seeded splits; the `segmint campaign uplift` command end to end.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDesign, inferEncoding, type FeatureValue } from '../../src/models/campaign/design.ts';
import { fitLogistic } from '../../src/models/campaign/logistic.ts';
import { splitRows, upliftStudy } from '../../src/models/campaign/uplift.ts';
import { Random } from '../../src/models/random.ts';
import { runCli } from '../helpers/cli.ts';
import { readCsv } from '../helpers/csv.ts';
import { FIXTURES, shared, tempDir } from '../helpers/workspace.ts';

const data = shared('hillstrom/hillstrom.csv');
const FEATURES = ['recency', 'history', 'mens', 'womens', 'zip_code', 'newbie', 'channel'];

interface Fit { what: string; rows: number; C: number; standardize: boolean; weighted: boolean; intercept: number; coefficients: number[] }
interface Metrics { qiniAucScore: number; upliftAucScore: number; upliftAt30Overall: number; upliftAt30ByGroup: number; qiniAtTenths: number[] }
const REF = JSON.parse(readFileSync(join(FIXTURES, 'campaign/sklearn_logistic.json'), 'utf8')) as {
  design: { columns: string[]; seed: number; rows: number; train: number; test: number; testTreated: number };
  fits: Fit[];
  evaluation: Record<'two-model' | 'class-transformation', Metrics>;
  ate: number;
};

/** The men's e-mail and control rows of hillstrom.csv, read by a plain CSV reader (not the import). */
function hillstrom() {
  const { header, rows } = readCsv(data.path);
  const col = (name: string) => header.indexOf(name);
  const two = rows.filter((r) => r[col('segment')] === 'Mens E-Mail' || r[col('segment')] === 'No E-Mail');
  const table: Record<string, FeatureValue[]> = {};
  for (const f of FEATURES) table[f] = two.map((r) => (f === 'zip_code' || f === 'channel' ? r[col(f)]! : Number(r[col(f)])));
  const y = Float64Array.from(two, (r) => Number(r[col('visit')]));
  const t = Float64Array.from(two, (r) => (r[col('segment')] === 'Mens E-Mail' ? 1 : 0));
  return { table, y, t };
}

let H: ReturnType<typeof hillstrom> | undefined;
const load = () => (H ??= hillstrom());

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

test('hillstrom: the logistic regressions equal scikit-learn LogisticRegression (C, L2, newton-cg tol 1e-12) to 1e-6', { skip: data.skip }, () => {
  const { table, y, t } = load();
  const enc = inferEncoding(table, FEATURES);
  const { train } = splitRows(y.length, 0.5, REF.design.seed);
  assert.equal(y.length, REF.design.rows);
  assert.equal(train.length, REF.design.train);
  const treated = train.filter((i) => t[i] === 1);
  const control = train.filter((i) => t[i] === 0);
  const nt = treated.length;
  const cases: Array<{ rows: number[]; y: number[]; weights?: Float64Array }> = [
    { rows: treated, y: treated.map((i) => y[i]!) },
    { rows: control, y: control.map((i) => y[i]!) },
    { rows: train, y: train.map((i) => (y[i] === t[i] ? 1 : 0)), weights: Float64Array.from(train, (i) => (t[i] ? train.length / (2 * nt) : train.length / (2 * (train.length - nt)))) },
    { rows: control, y: control.map((i) => y[i]!) },
  ];
  let worst = 0;
  REF.fits.forEach((f, k) => {
    const c = cases[k]!;
    const d = buildDesign(table, enc, c.rows);
    assert.deepEqual(d.columns, REF.design.columns);
    assert.equal(d.n, f.rows, f.what);
    const m = fitLogistic(d.x, d.n, d.p, c.y, { C: f.C, standardize: f.standardize, weights: c.weights });
    assert.ok(m.converged, f.what);
    const diff = maxDiff([m.scaledIntercept, ...m.scaledCoefficients], [f.intercept, ...f.coefficients]);
    worst = Math.max(worst, diff);
    assert.ok(diff < 1e-6, `${f.what}: largest difference ${diff}`);
  });
  console.log(`# largest coefficient difference against scikit-learn: ${worst.toExponential(2)}`);
});

test('hillstrom: Qini coefficient, AUUC, uplift@30% and the Qini curve equal scikit-uplift’s formulas on the same split', { skip: data.skip }, () => {
  const { table, y, t } = load();
  for (const method of ['two-model', 'class-transformation'] as const) {
    const s = upliftStudy(table, y, t, { features: FEATURES, method, seed: REF.design.seed, testShare: 0.5, permutations: 100 });
    const ref = REF.evaluation[method];
    const e = s.evaluation;
    assert.equal(s.test.rows, REF.design.test);
    assert.equal(s.test.treated, REF.design.testTreated);
    const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${method} ${what}: ${a} against ${b}`);
    close(e.qiniCoefficient, ref.qiniAucScore, 'qini_auc_score');
    close(e.upliftAuc, ref.upliftAucScore, 'uplift_auc_score');
    close(e.upliftAtK, ref.upliftAt30Overall, 'uplift_at_k(k=0.3)');
    close(e.random.upliftAtK, REF.ate, 'random targeting (average uplift)');
    // the Qini curve at every tenth of the test rows (linear between its points, as numpy.interp)
    ref.qiniAtTenths.forEach((v, j) => {
      const at = (j / 10) * s.test.rows;
      const q = e.qini;
      let i = 1;
      while (i < q.x.length - 1 && q.x[i]! < at) i++;
      const got = q.x[i] === q.x[i - 1] ? q.y[i]! : q.y[i - 1]! + ((q.y[i]! - q.y[i - 1]!) * (at - q.x[i - 1]!)) / (q.x[i]! - q.x[i - 1]!);
      assert.ok(Math.abs(got - v) < 1e-6, `${method} Qini at ${j * 10}%: ${got} against ${v}`);
    });
    console.log(`# seed ${REF.design.seed} ${method}: Qini ${e.qiniCoefficient.toFixed(5)} (random 0, 95th pct ${e.random.qini95.toFixed(4)}), AUUC ${e.upliftAuc.toFixed(5)}, uplift@30% ${e.upliftAtK.toFixed(4)} (random ${e.random.upliftAtK.toFixed(4)}, 95th pct ${e.random.upliftAtK95.toFixed(4)})`);
  }
  // On this split the class transformation is above random on both figures; the two-model approach has a Qini
  // coefficient just above 0 and an uplift@30% below the average uplift (7.06 against 7.23 points), which is
  // why "above random" is judged over ten splits below rather than on one.
  assert.ok(REF.evaluation['class-transformation'].qiniAucScore > 0 && REF.evaluation['class-transformation'].upliftAt30Overall > REF.ate);
});

test('hillstrom: over ten seeded 50/50 splits both approaches target better than random on average (Qini > 0, uplift@30% > average uplift)', { skip: data.skip }, () => {
  const { table, y, t } = load();
  for (const method of ['two-model', 'class-transformation'] as const) {
    let qini = 0;
    let gain = 0;
    let wins = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const e = upliftStudy(table, y, t, { features: FEATURES, method, seed, permutations: 0 }).evaluation;
      qini += e.qiniCoefficient / 10;
      gain += (e.upliftAtK - e.random.upliftAtK) / 10;
      if (e.qiniCoefficient > 0 && e.upliftAtK > e.random.upliftAtK) wins++;
    }
    console.log(`# ${method}, seeds 1-10: mean Qini ${qini.toFixed(4)}, mean uplift@30% over random ${(100 * gain).toFixed(2)} points, above random on both in ${wins} of 10`);
    assert.ok(qini > 0.005, `${method}: mean Qini coefficient ${qini}`);
    assert.ok(gain > 0.005, `${method}: mean uplift@30% gain over random ${gain}`);
    assert.ok(wins >= 8, `${method}: above random on ${wins} of 10 splits`);
  }
});

let dir = '';
let ws = '';
let cleanup = () => {};
before(async () => {
  if (data.skip) return;
  ({ dir, cleanup } = tempDir());
  ws = join(dir, 'ws');
  assert.equal((await runCli(['init', ws])).code, 0);
  const r = await runCli(['campaign', 'import', data.path, '--name', 'hillstrom', '--arm-column', 'segment', '--control', 'No E-Mail', '-w', ws, '--json']);
  assert.equal(r.code, 0, r.err);
});
after(() => cleanup());

test('segmint campaign uplift: --help with examples', async () => {
  const r = await runCli(['campaign', 'uplift', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /Examples:/);
  assert.match(r.out, /--method/);
  assert.match(r.out, /--json/);
});

test('segmint campaign uplift on the imported hillstrom: the reference figures, the send list of the top 30%', { skip: data.skip }, async () => {
  const out = join(dir, 'send.csv');
  for (const method of ['two-model', 'class-transformation'] as const) {
    const args = ['campaign', 'uplift', 'hillstrom', '--treatment', 'Mens E-Mail', '--outcome', 'visit', '--method', method, '--features', FEATURES.join(','), '--seed', '7', '--top', '30%', '-w', ws, '--json'];
    if (method === 'class-transformation') args.push('--out', out);
    const r = await runCli(args);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    const ref = REF.evaluation[method];
    assert.ok(Math.abs(j.qiniCoefficient - ref.qiniAucScore) < 1e-9, `${method} ${j.qiniCoefficient}`);
    assert.ok(Math.abs(j.upliftAuc - ref.upliftAucScore) < 1e-9);
    assert.ok(Math.abs(j.upliftAtK - ref.upliftAt30Overall) < 1e-9);
    assert.ok(Math.abs(j.random.upliftAtK - REF.ate) < 1e-12);
    assert.deepEqual(j.columns, REF.design.columns);
    assert.equal(j.train.rows + j.test.rows, 42613);
    assert.equal(j.targets.count, Math.floor(0.3 * 42613));
    assert.equal(j.qiniCurve.length, 101);
    assert.doesNotMatch(r.out, /NaN|null/);
    if (method === 'class-transformation') {
      const sent = readCsv(out);
      assert.deepEqual(sent.header, ['customer_id', 'rank', 'uplift', 'arm']);
      assert.equal(sent.rows.length, Math.floor(0.3 * 42613));
      const u = sent.rows.map((row) => Number(row[2]));
      for (let i = 1; i < u.length; i++) assert.ok(u[i]! <= u[i - 1]!, 'best first');
      // customer ids are file rows (1-based) of the two arms; none twice
      assert.equal(new Set(sent.rows.map((row) => row[0])).size, sent.rows.length);
      assert.ok(sent.rows.every((row) => row[3] === 'Mens E-Mail' || row[3] === 'No E-Mail'));
    }
  }
  const human = await runCli(['campaign', 'uplift', 'hillstrom', '--treatment', 'Mens E-Mail', '--outcome', 'visit', '--features', FEATURES.join(','), '--seed', '7', '-w', ws]);
  assert.equal(human.code, 0, human.err);
  assert.match(human.out, /Qini coefficient\s+0\.0003/);
  assert.match(human.out, /uplift at top 30%\s+7\.06pp\s+7\.23pp/);
});

test('segmint report: the campaigns section holds the Qini curves of both methods per treatment arm, with the command\'s figures', { skip: data.skip }, async () => {
  const file = join(dir, 'report.html');
  const r = await runCli(['report', '-w', ws, '-o', file]);
  assert.equal(r.code, 0, r.err);
  const html = readFileSync(file, 'utf8');
  for (const arm of ['Mens E-Mail', 'Womens E-Mail']) {
    assert.match(html, new RegExp(`hillstrom: Qini curves, ${arm} on visit`));
    for (const method of ['two-model', 'class-transformation']) {
      const j = JSON.parse((await runCli(['campaign', 'uplift', 'hillstrom', '--treatment', arm, '--method', method, '-w', ws, '--json'])).out);
      assert.ok(html.includes(`<title>${method}: Qini coefficient ${j.qiniCoefficient.toFixed(4)}</title>`), `${arm} ${method} ${j.qiniCoefficient}`);
    }
  }
  const campaigns = html.slice(html.indexOf('Qini curves'));
  assert.doesNotMatch(campaigns, /NaN|undefined/);
});

/** A generated campaign file (no shared data needed): the offer raises visits of customers with a high score, in the north only. */
function syntheticCampaign(file: string, n: number): void {
  const r = new Random(11);
  const lines = ['customer_id,group,score,region,tenure,visit,spend'];
  for (let i = 0; i < n; i++) {
    const arm = r.pick(['control', 'offer', 'offer-b']);
    const score = r.normal();
    const region = r.pick(['north', 'south', 'east']);
    const tenure = r.int(1, 60);
    const lift = arm !== 'control' && region === 'north' ? 0.35 * (score > 0 ? 1 : 0) : 0;
    const visit = r.bernoulli(0.1 + 0.002 * tenure + lift) ? 1 : 0;
    lines.push(`c${i + 1},${arm},${score.toFixed(3)},${region},${tenure},${visit},${visit ? (10 * r.next()).toFixed(2) : 0}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

test('segmint campaign uplift on a generated campaign: finds the planted uplift, writes the send list', async () => {
  const { dir: d, cleanup: done } = tempDir();
  try {
    const w = join(d, 'ws');
    const file = join(d, 'campaign.csv');
    syntheticCampaign(file, 9000);
    assert.equal((await runCli(['init', w])).code, 0);
    const imp = await runCli(['campaign', 'import', file, '--name', 'gen', '--arm-column', 'group', '--control', 'control', '--outcomes', 'visit,spend', '-w', w]);
    assert.equal(imp.code, 0, imp.err);
    for (const method of ['two-model', 'class-transformation']) {
      const r = await runCli(['campaign', 'uplift', 'gen', '--treatment', 'offer', '--method', method, '--top', '500', '--out', join(d, `${method}.parquet`), '-w', w, '--json']);
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out);
      assert.equal(j.outcome, 'visit'); // the first 0/1 outcome
      assert.deepEqual(j.features, ['score', 'region', 'tenure']);
      assert.deepEqual(j.columns, ['score', 'region=north', 'region=south', 'tenure']);
      console.log(`# generated, ${method}: Qini ${j.qiniCoefficient.toFixed(3)} (random 95th pct ${j.random.qini95.toFixed(3)}), uplift@k ${j.upliftAtK.toFixed(3)} (${j.random.upliftAtK95.toFixed(3)})`);
      assert.ok(j.qiniCoefficient > j.random.qini95, `${method}: Qini ${j.qiniCoefficient} vs random 95% ${j.random.qini95}`);
      assert.ok(j.upliftAtK > j.random.upliftAtK95, `${method}: uplift@k ${j.upliftAtK} vs ${j.random.upliftAtK95}`);
      assert.equal(j.targets.count, 500);
      assert.equal(j.targets.out.rows, 500);
      // the region that responds gets the positive coefficient
      const coef = j.models[0].coefficients;
      assert.ok(coef['region=north'] > coef['region=south'], JSON.stringify(coef));
    }
    // the send list stored as an audience snapshot becomes the next campaign's audience
    const stored = await runCli(['campaign', 'uplift', 'gen', '--treatment', 'offer', '--top', '10%', '--audience', 'gen-next', '-w', w, '--json']);
    assert.equal(stored.code, 0, stored.err);
    const sj = JSON.parse(stored.out);
    assert.equal(sj.targets.audience.name, 'gen-next');
    assert.equal(sj.targets.audience.customers, sj.targets.count);
    const next = await runCli(['campaign', 'create', 'next', '--audience', 'gen-next', '--control', '50%', '--send-date', '2025-01-01', '-w', w, '--json']);
    assert.equal(next.code, 0, next.err);
    assert.equal(JSON.parse(next.out).members, sj.targets.count);
    const bad = await runCli(['campaign', 'uplift', 'gen', '--treatment', 'offer', '--audience', 'no spaces', '-w', w]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /invalid-option/);
    // a strong penalty (--c) shrinks the slopes towards 0
    const shrunk = JSON.parse((await runCli(['campaign', 'uplift', 'gen', '--treatment', 'offer', '--c', '0.00001', '-w', w, '--json'])).out);
    for (const v of Object.values(shrunk.models[0].coefficients) as number[]) assert.ok(Math.abs(v) < 0.01, `${v}`);
    const run = async (extra: string[]) => runCli(['campaign', 'uplift', 'gen', '-w', w, '--json', ...extra]);
    const code = async (extra: string[], want: string, re: RegExp) => {
      const r = await run(extra);
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.out}${r.err}`);
      assert.match(r.err + r.out, new RegExp(want));
      assert.match(r.err + r.out, re);
    };
    await code([], 'invalid-usage', /2 treatment arms.*--treatment/);
    await code(['--treatment', 'ofer'], 'unknown-arm', /did you mean offer/);
    await code(['--treatment', 'control'], 'unknown-arm', /the control is control/);
    await code(['--treatment', 'offer', '--outcome', 'spend'], 'outcome-not-binary', /spend/);
    await code(['--treatment', 'offer', '--outcome', 'visits'], 'unknown-outcome', /did you mean visit/);
    await code(['--treatment', 'offer', '--features', 'score,visit'], 'unknown-feature', /outcome, measured after the send/);
    await code(['--treatment', 'offer', '--method', 'x-learner'], 'invalid-option', /two-model or class-transformation/);
    await code(['--treatment', 'offer', '--test-share', '100%'], 'invalid-option', /--test-share/);
  } finally {
    done();
  }
});

test('segmint campaign uplift on a campaign created in the workspace: conversion after the send date, traits and behaviour before it', async () => {
  const { dir: d, cleanup: done } = tempDir();
  try {
    const w = join(d, 'ws');
    const ok = async (args: string[]) => {
      const r = await runCli([...args, '-w', w]);
      assert.equal(r.code, 0, `segmint ${args.join(' ')}: ${r.err}`);
      return r.out;
    };
    assert.equal((await runCli(['init', w])).code, 0);
    const N = 3000;
    const id = (i: number) => `c${String(i).padStart(4, '0')}`;
    const region = (i: number) => (i % 2 ? 'North' : 'South');
    writeFileSync(join(d, 'customers.csv'), `customer_id,region,age\n${Array.from({ length: N }, (_, k) => `${id(k + 1)},${region(k + 1)},${20 + ((k * 7) % 50)}`).join('\n')}\n`);
    await ok(['import', join(d, 'customers.csv'), '--kind', 'customers']);
    await ok(['audience', 'eval', '--where', "region in ('North', 'South')", '--name', 'everyone']);
    await ok(['campaign', 'create', 'promo', '--audience', 'everyone', '--control', '50%', '--send-date', '2024-03-01', '--out', join(d, 'send.csv')]);
    const arms = new Map(readFileSync(join(d, 'send.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).map(([c, a]) => [c!, a!]));
    // orders before the send (1 to 3 in January), and in the 30 days after it: 10% converts, treated North customers 45%
    const r = new Random(3);
    const tx = ['customer_id,order_id,date,amount'];
    for (let i = 1; i <= N; i++) {
      for (let k = 0; k <= i % 3; k++) tx.push(`${id(i)},b${i}-${k},2024-01-${String(5 + k).padStart(2, '0')},${10 + (i % 17)}`);
      const p = 0.1 + (arms.get(id(i)) === 'treatment' && region(i) === 'North' ? 0.35 : 0);
      if (r.bernoulli(p)) tx.push(`${id(i)},a${i},2024-03-10,25`);
      if (r.bernoulli(0.5)) tx.push(`${id(i)},late${i},2024-04-20,25`); // after the window: does not count
    }
    writeFileSync(join(d, 'transactions.csv'), `${tx.join('\n')}\n`);
    await ok(['import', join(d, 'transactions.csv'), '--kind', 'transactions']);
    const j = JSON.parse(await ok(['campaign', 'uplift', 'promo', '--method', 'class-transformation', '--out', join(d, 'next.csv'), '--json']));
    assert.equal(j.outcome, 'conversion');
    assert.equal(j.treatment, 'treatment');
    assert.deepEqual(j.features, ['region', 'age', 'orders_before', 'revenue_before', 'days_since_last_order']);
    assert.equal(j.train.rows + j.test.rows, N);
    assert.ok(j.qiniCoefficient > j.random.qini95, `Qini ${j.qiniCoefficient} vs random 95% ${j.random.qini95}`);
    // the send list is the North customers: the only ones the offer moves
    const sent = readCsv(join(d, 'next.csv')).rows;
    const north = sent.filter((row) => Number(row[0]!.slice(1)) % 2 === 1).length;
    assert.ok(north / sent.length > 0.95, `${north} of ${sent.length} in the North`);
    // the outcome counted is conversion in the 30 days after the send date, as campaign measure counts it
    const m = JSON.parse(await ok(['campaign', 'measure', 'promo', '--metric', 'conversion', '--json']));
    const rate = (arm: string) => m.metrics[0].cells.find((c: { arm: string; segment: string | null }) => c.arm === arm && c.segment === null).mean;
    assert.ok(Math.abs(j.random.upliftAtK - (rate('treatment') - rate('control'))) < 0.05, 'the test half’s average uplift is near the whole campaign’s');
    const bad = await runCli(['campaign', 'uplift', 'promo', '--outcome', 'revenue', '-w', w, '--json']);
    assert.equal(bad.code, 2);
    assert.match(bad.err + bad.out, /outcome-not-binary/);
    const unknown = await runCli(['campaign', 'uplift', 'promo', '--features', 'regoin', '-w', w, '--json']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err + unknown.out, /did you mean region/);
  } finally {
    done();
  }
});

test('segmint campaign uplift: errors users can cause on hillstrom', { skip: data.skip }, async () => {
  const run = async (extra: string[]) => runCli(['campaign', 'uplift', 'hillstrom', '-w', ws, '--json', ...extra]);
  const code = async (extra: string[], want: string, re: RegExp) => {
    const r = await run(extra);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.out}${r.err}`);
    assert.match(r.err + r.out, new RegExp(want));
    assert.match(r.err + r.out, re);
  };
  await code([], 'invalid-usage', /2 treatment arms.*--treatment/);
  await code(['--treatment', 'Mens Email'], 'unknown-arm', /did you mean Mens E-Mail/);
  await code(['--treatment', 'Mens E-Mail', '--outcome', 'spend'], 'outcome-not-binary', /spend/);
  await code(['--treatment', 'Mens E-Mail', '--features', 'recency,conversion'], 'unknown-feature', /outcome, measured after the send/);
  await code(['--treatment', 'Mens E-Mail', '--method', 'x-learner'], 'invalid-option', /two-model or class-transformation/);
});
