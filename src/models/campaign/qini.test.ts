import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isSegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { perfectQiniCurve, qiniCoefficient, qiniCurve, randomTargeting, rankByScore, upliftAtK, upliftAuc, upliftCurve } from './qini.ts';

const close = (got: number, want: number, what: string, tol = 1e-12) =>
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, expected ${want}`);

test('six rows written out: Qini curve, perfect curve, coefficient and uplift@50%', () => {
  const y = [1, 0, 1, 0, 1, 0];
  const t = [1, 1, 0, 0, 1, 0];
  const s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
  // top n: treated responders R_t, treated N_t, control responders R_c, control N_c; Q = R_t − R_c·N_t/N_c
  // n=1: 1,1,0,0 → 1; n=2: 1,2,0,0 → 1; n=3: 1,2,1,1 → −1; n=4: 1,2,1,2 → 0; n=5: 2,3,1,2 → 0.5; n=6: 2,3,1,3 → 1
  const q = qiniCurve(y, t, s);
  assert.deepEqual(Array.from(q.x), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(q.y), [0, 1, 1, -1, 0, 0.5, 1]);
  // perfect: treated responders (rows 4, 0), then the rest (5, 3, 1), then the control responder (2)
  const p = perfectQiniCurve(y, t);
  assert.deepEqual(Array.from(p.x), [0, 2, 5, 6]);
  assert.deepEqual(Array.from(p.y), [0, 2, 2, 1]);
  // areas: actual 0.5+1+0−0.5+0.25+0.75 = 2; perfect 2+6+1.5 = 9.5; diagonal 6·1/2 = 3
  close(qiniCoefficient(y, t, s), (2 - 3) / (9.5 - 3), 'Qini coefficient');
  // top 3 rows: treated 0, 1 (rate ½) against control row 2 (rate 1)
  close(upliftAtK(y, t, s, 0.5), 0.5 - 1, 'uplift@50%');
  // uplift curve at n=5: (2/3 − 1/2)·5
  close(upliftCurve(y, t, s).y[5]!, (2 / 3 - 1 / 2) * 5, 'uplift curve at 5');
});

test('ties: the curves step at the end of each run of equal scores; uplift@k takes the later row first', () => {
  const order = rankByScore([0.5, 0.7, 0.5, 0.7, 0.1]);
  assert.deepEqual(Array.from(order), [3, 1, 2, 0, 4]);
  const q = qiniCurve([1, 0, 0, 1, 0], [1, 0, 1, 1, 0], [0.5, 0.7, 0.5, 0.7, 0.1]);
  assert.deepEqual(Array.from(q.x), [0, 2, 4, 5]);
});

const fixture = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../test/fixtures/campaign/sklift_metrics.json'), 'utf8')) as {
  cases: Array<Record<string, number> & { y: number[]; t: number[]; score: number[]; qiniCurveX: number[]; qiniCurveY: number[]; upliftCurveX: number[]; upliftCurveY: number[] }>;
};

for (const c of fixture.cases) {
  test(`scikit-uplift's formulas (re-implemented in sklift_formulas.py) on ${c.n} rows with tied scores`, () => {
    const { y, t, score } = c;
    close(qiniCoefficient(y, t, score), c.qiniAucScore!, 'qini_auc_score');
    close(qiniCoefficient(y, t, score, false), c.qiniAucScoreNoNegative!, 'qini_auc_score(negative_effect=False)');
    close(upliftAuc(y, t, score), c.upliftAucScore!, 'uplift_auc_score');
    close(upliftAtK(y, t, score, 0.3), c.upliftAt30Overall!, 'uplift_at_k overall 0.3');
    close(upliftAtK(y, t, score, 0.3, 'by-group'), c.upliftAt30ByGroup!, 'uplift_at_k by_group 0.3');
    close(upliftAtK(y, t, score, 50), c.upliftAt50RowsOverall!, 'uplift_at_k overall 50 rows');
    const q = qiniCurve(y, t, score);
    assert.deepEqual(Array.from(q.x), c.qiniCurveX);
    q.y.forEach((v, k) => close(v, c.qiniCurveY[k]!, `Qini curve at ${q.x[k]}`));
    const u = upliftCurve(y, t, score);
    assert.deepEqual(Array.from(u.x), c.upliftCurveX);
    u.y.forEach((v, k) => close(v, c.upliftCurveY[k]!, `uplift curve at ${u.x[k]}`));
  });
}

test('random targeting: permuted rankings centre on 0 and on the average uplift; a perfect ranking scores 1', () => {
  const r = new Random(5);
  const n = 4000;
  const t = Array.from({ length: n }, () => (r.bernoulli(0.5) ? 1 : 0));
  const truth = Array.from({ length: n }, () => r.next());
  const y = truth.map((u, i) => (r.bernoulli(0.1 + 0.2 * t[i]! * u) ? 1 : 0));
  let rt = 0;
  let nt = 0;
  let rc = 0;
  for (let i = 0; i < n; i++) {
    if (t[i] === 1) {
      nt += 1;
      rt += y[i]!;
    } else rc += y[i]!;
  }
  const rnd = randomTargeting(y, t, 0.3, { permutations: 200, seed: 1 });
  close(rnd.upliftAtK, rt / nt - rc / (n - nt), 'average uplift');
  assert.ok(Math.abs(rnd.qiniMean) < 0.05, `mean Qini of random rankings ${rnd.qiniMean}`);
  assert.ok(Math.abs(rnd.upliftAtKMean - rnd.upliftAtK) < 0.01, `${rnd.upliftAtKMean} vs ${rnd.upliftAtK}`);
  assert.ok(rnd.qini95 > 0 && rnd.qini95 < 0.2, `95th percentile ${rnd.qini95}`);
  // the true uplift ranks better than chance; the perfect score (the perfect curve's own ranking) is 1
  assert.ok(qiniCoefficient(y, t, truth) > rnd.qini95);
  assert.ok(upliftAtK(y, t, truth, 0.3) > rnd.upliftAtK95);
  close(qiniCoefficient(y, t, y.map((v, i) => (t[i] ? v : -v))), 1, 'perfect ranking');
  // reproducible per seed
  assert.deepEqual(randomTargeting(y, t, 0.3, { permutations: 20, seed: 3 }), randomTargeting(y, t, 0.3, { permutations: 20, seed: 3 }));
});

test('errors: a missing arm, a top k without one arm, bad k, non-binary outcomes', () => {
  const is = (code: string) => (e: unknown) => isSegmintError(e, code);
  assert.throws(() => qiniCoefficient([1, 0], [1, 1], [0.2, 0.1]), is('empty-arm'));
  assert.throws(() => upliftAtK([1, 0, 1, 0], [1, 1, 0, 0], [4, 3, 2, 1], 0.5), is('empty-arm'));
  assert.throws(() => upliftAtK([1, 0, 1, 0], [1, 1, 0, 0], [4, 3, 2, 1], 1.5), is('invalid-k'));
  assert.throws(() => upliftAtK([1, 0, 1, 0], [1, 1, 0, 0], [4, 3, 2, 1], 0), is('invalid-k'));
  assert.throws(() => qiniCurve([2, 0], [1, 0], [0.2, 0.1]), is('invalid-uplift-input'));
  assert.throws(() => qiniCurve([1, 0], [1, 0], [NaN, 0.1]), is('invalid-uplift-input'));
});
