import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isSegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { buildDesign, inferEncoding } from './design.ts';
import { fitLogistic, predictLogistic } from './logistic.ts';
import { fitUplift, predictUplift, splitRows, topByUplift, upliftStudy } from './uplift.ts';

/** Simulated campaign: the treatment raises the response of customers with a high `a` and lowers it for `kind` = 'c'. */
function campaign(n: number, seed: number) {
  const r = new Random(seed);
  const a: number[] = [];
  const b: number[] = [];
  const kind: string[] = [];
  const y: number[] = [];
  const t: number[] = [];
  const trueUplift: number[] = [];
  for (let i = 0; i < n; i++) {
    a.push(r.normal());
    b.push(r.uniform(0, 100));
    kind.push(r.pick(['a', 'b', 'c']));
    t.push(r.bernoulli(0.5) ? 1 : 0);
    const base = 1 / (1 + Math.exp(-(-1.5 + 0.01 * b[i]!)));
    const treated = 1 / (1 + Math.exp(-(-1.5 + 0.01 * b[i]! + 0.9 * a[i]! - (kind[i] === 'c' ? 0.6 : 0))));
    trueUplift.push(treated - base);
    y.push(r.bernoulli(t[i] ? treated : base) ? 1 : 0);
  }
  return { table: { a, b, kind }, y, t, trueUplift };
}

test('design: numbers as they are, text one-hot with the first sorted level as the reference', () => {
  const table = { n: [1, 2.5, 3], city: ['Rome', 'Oslo', 'Lima'], flag: [true, false, true] };
  const enc = inferEncoding(table, ['n', 'city', 'flag']);
  const d = buildDesign(table, enc);
  assert.deepEqual(d.columns, ['n', 'city=Oslo', 'city=Rome', 'flag']);
  assert.deepEqual(Array.from(d.x), [1, 0, 1, 1, 2.5, 1, 0, 0, 3, 0, 0, 1]);
  // new rows: an unseen level is the reference; a text value in a numeric feature is an error
  const later = buildDesign({ n: [4], city: ['Kyiv'], flag: [false] }, enc);
  assert.deepEqual(Array.from(later.x), [4, 0, 0, 0]);
  assert.throws(() => buildDesign({ n: ['x'], city: ['Oslo'], flag: [true] }, enc), (e) => isSegmintError(e, 'invalid-feature-value') && /row 1 has "x"/.test(e.message));
  assert.throws(() => inferEncoding(table, ['age']), (e) => isSegmintError(e, 'unknown-feature'));
});

test('split: seeded, disjoint, round(n·share) held out; the same rows as the Python transcription (segmint_split.py)', () => {
  const a = splitRows(1001, 0.5, 7);
  assert.equal(a.test.length, 501);
  assert.equal(a.train.length, 500);
  assert.equal(new Set([...a.test, ...a.train]).size, 1001);
  assert.deepEqual(splitRows(1001, 0.5, 7), a);
  assert.notDeepEqual(splitRows(1001, 0.5, 8).test, a.test);
  // the first held-out rows printed by test/fixtures/campaign/segmint_split.py for split_rows(1001, 0.5, 7)
  assert.deepEqual(a.test.slice(0, 10), [7, 9, 10, 11, 12, 18, 20, 21, 26, 27]);
  const hill = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../test/fixtures/campaign/sklearn_logistic.json'), 'utf8')) as { design: { rows: number; firstTestRows: number[] } };
  assert.deepEqual(splitRows(hill.design.rows, 0.5, 7).test.slice(0, 10), hill.design.firstTestRows);
  assert.throws(() => splitRows(10, 1, 0), (e) => isSegmintError(e, 'invalid-option'));
});

test('two-model: the difference of two logistic regressions fitted on each arm (written out)', () => {
  const { table, y, t } = campaign(3000, 1);
  const d = buildDesign(table, inferEncoding(table, ['a', 'b', 'kind']));
  const m = fitUplift(d.x, d.n, d.p, y, t, { method: 'two-model', C: 2 });
  const arm = (v: number) => {
    const rows = [...Array(d.n).keys()].filter((i) => t[i] === v);
    const x = new Float64Array(rows.length * d.p);
    rows.forEach((r, k) => x.set(d.x.subarray(r * d.p, (r + 1) * d.p), k * d.p));
    return fitLogistic(x, rows.length, d.p, rows.map((i) => y[i]!), { C: 2, standardize: true });
  };
  const pt = predictLogistic(arm(1), d.x, d.n);
  const pc = predictLogistic(arm(0), d.x, d.n);
  const u = predictUplift(m, d.x, d.n);
  for (let i = 0; i < d.n; i += 37) assert.ok(Math.abs(u[i]! - (pt[i]! - pc[i]!)) < 1e-12);
});

test('class transformation: 2·P(z = 1) − 1 with z = 1 for treated responders and control non-responders; arms weighted to half each', () => {
  const { table, y, t } = campaign(3000, 2);
  const d = buildDesign(table, inferEncoding(table, ['a', 'b', 'kind']));
  const m = fitUplift(d.x, d.n, d.p, y, t, { method: 'class-transformation' });
  const nt = t.reduce((s, v) => s + v, 0);
  const z = y.map((v, i) => (v === t[i] ? 1 : 0));
  const w = Float64Array.from(t, (v) => (v ? d.n / (2 * nt) : d.n / (2 * (d.n - nt))));
  const ref = fitLogistic(d.x, d.n, d.p, z, { C: 1, standardize: true, weights: w });
  const u = predictUplift(m, d.x, d.n);
  const pz = predictLogistic(ref, d.x, d.n);
  for (let i = 0; i < d.n; i += 37) assert.ok(Math.abs(u[i]! - (2 * pz[i]! - 1)) < 1e-12);
  // the weights give each arm half the total
  let wt = 0;
  for (let i = 0; i < d.n; i++) if (t[i]) wt += w[i]!;
  assert.ok(Math.abs(wt - d.n / 2) < 1e-9);
});

test('both approaches recover a planted uplift: held-out Qini above random targeting’s 95th percentile, scores track the truth', () => {
  const { table, y, t, trueUplift } = campaign(20000, 3);
  for (const method of ['two-model', 'class-transformation'] as const) {
    const s = upliftStudy(table, y, t, { features: ['a', 'b', 'kind'], method, seed: 1, permutations: 50 });
    const e = s.evaluation;
    assert.equal(s.test.rows, 10000);
    assert.ok(e.qiniCoefficient > e.random.qini95, `${method}: Qini ${e.qiniCoefficient} vs random 95% ${e.random.qini95}`);
    assert.ok(e.upliftAtK > e.random.upliftAtK95, `${method}: uplift@30% ${e.upliftAtK} vs random 95% ${e.random.upliftAtK95}`);
    // rank correlation of the scores with the planted uplift
    const rank = (v: number[]) => {
      const o = [...v.keys()].sort((i, j) => v[i]! - v[j]!);
      const r = new Array<number>(v.length);
      o.forEach((i, k) => (r[i] = k));
      return r;
    };
    const ra = rank(Array.from(s.scores));
    const rb = rank(trueUplift);
    const mean = (ra.length - 1) / 2;
    let num = 0;
    let den = 0;
    for (let i = 0; i < ra.length; i++) {
      num += (ra[i]! - mean) * (rb[i]! - mean);
      den += (ra[i]! - mean) ** 2;
    }
    assert.ok(num / den > 0.8, `${method}: Spearman ${num / den}`);
  }
});

test('send list: the top k by uplift, best first; positive uplift only when asked', () => {
  const s = [0.1, -0.2, 0.3, 0.3, 0.05, -0.01, 0.2, 0, 0.15, 0.12];
  assert.deepEqual(topByUplift(s, 0.3), [2, 3, 6]);
  assert.deepEqual(topByUplift(s, 4), [2, 3, 6, 8]);
  assert.deepEqual(topByUplift(s, 0.9, true), [2, 3, 6, 8, 9, 0, 4]);
});

test('uplift errors: one arm only, an unknown method', () => {
  const x = Float64Array.of(1, 2, 3);
  assert.throws(() => fitUplift(x, 3, 1, [0, 1, 0], [1, 1, 1]), (e) => isSegmintError(e, 'empty-arm'));
  assert.throws(() => fitUplift(x, 3, 1, [0, 1, 0], [1, 0, 1], { method: 'x-learner' as never }), (e) => isSegmintError(e, 'invalid-option'));
});
