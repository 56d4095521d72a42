// The columnar logistic fit (logistic-newton.ts) with its passes on one thread and on two (a worker thread):
// the same fit to the last bit, and campaign/logistic.ts's fit up to rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLogisticBlocks } from '../campaign/logistic.ts';
import { Random } from '../random.ts';
import { categoricalColumn, designBlocks, learnDesign, numericColumn } from './design.ts';
import { LOGISTIC_DESIGN } from './logistic.ts';
import { fitLogisticColumns } from './logistic-newton.ts';

function data(n: number) {
  const r = new Random(7);
  const a: (number | null)[] = [], b: number[] = [], c: string[] = [], d: string[] = [];
  const y = new Float64Array(n);
  const levels = ['p', 'q', 'r', 's'];
  for (let i = 0; i < n; i++) {
    const za = r.normal(), zb = r.normal();
    const k = Math.floor(r.next() * 4);
    a.push(r.next() < 0.05 ? null : 10 + 3 * za);
    b.push(zb);
    c.push(levels[k]!);
    d.push(r.next() < 0.5 ? 'yes' : 'no');
    const eta = -0.5 + 0.8 * za - 0.4 * zb + 0.3 * k + (d[i] === 'yes' ? 0.2 : 0);
    y[i] = r.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  // the one-hot columns after the dense ones (the fit then has the linear predictors), and interleaved (it has not)
  const inOrder = [numericColumn('b', b), numericColumn('a', a), categoricalColumn('c', c), categoricalColumn('d', d)];
  const interleaved = [inOrder[1]!, inOrder[2]!, inOrder[0]!, inOrder[3]!];
  return { inOrder, interleaved, y };
}

test('logistic fit over columns: one thread and two give the same fit; campaign/logistic.ts gives it up to rounding', () => {
  const n = 70_000; // five chunks of rows
  const { inOrder, interleaved, y } = data(n);
  const w = Float64Array.from({ length: n }, (_, i) => (y[i] === 1 ? 1.5 : 1));
  for (const [columns, weights] of [[inOrder, undefined], [inOrder, w], [interleaved, undefined]] as const) {
    const enc = learnDesign(columns, LOGISTIC_DESIGN);
    const o = { C: 2, covariance: true, linearPredictors: true, weights };
    const one = designBlocks(enc, columns);
    const two = designBlocks(enc, columns, undefined, { shared: true });
    assert.ok(one.values && two.values);
    assert.ok(two.values[0]!.buffer instanceof SharedArrayBuffer);
    const m1 = fitLogisticColumns({ ...one, values: one.values }, y, o, 1);
    const m2 = fitLogisticColumns({ ...two, values: two.values }, y, o, 2);
    assert.ok(m1.converged);
    assert.deepEqual([m2.intercept, ...m2.coefficients], [m1.intercept, ...m1.coefficients]);
    assert.deepEqual(m2.scaledCovariance, m1.scaledCovariance);
    assert.equal(m2.iterations, m1.iterations);
    if (columns === interleaved) {
      assert.equal(m1.linearPredictors, null);
      assert.equal(m2.linearPredictors, null);
    } else assert.deepEqual(Array.from(m2.linearPredictors!), Array.from(m1.linearPredictors!));
    const ref = fitLogisticBlocks(one, y, o);
    assert.equal(ref.iterations, m1.iterations);
    const theta = [m1.intercept, ...m1.coefficients];
    [ref.intercept, ...ref.coefficients].forEach((b, j) => assert.ok(Math.abs(b - theta[j]!) < 1e-9, `coefficient ${j}: ${b} vs ${theta[j]}`));
    // relative to the standard errors (the one-hot levels with the intercept are collinear but for the penalty: the
    // covariance is ill-conditioned, and its small entries are differences of large ones)
    const cov = m1.scaledCovariance!;
    const m = m1.p + 1;
    ref.scaledCovariance!.forEach((v, k) => {
      const scale = Math.sqrt(cov[Math.floor(k / m) * (m + 1)]! * cov[(k % m) * (m + 1)]!);
      assert.ok(Math.abs(v - cov[k]!) <= 1e-9 * scale, `covariance ${k}: ${v} vs ${cov[k]}`);
    });
    if (columns === interleaved) continue;
    // the linear predictors are the row's terms in column order, as predictLogistic adds them
    const x = new Float64Array(enc.columns.length);
    for (const i of [0, 1, 4321, n - 1]) {
      x.fill(0);
      let e = m1.intercept;
      enc.columns.forEach((col, j) => {
        const src = columns.find((f) => f.name === col.feature)!;
        if (col.kind === 'numeric' && src.kind === 'numeric') x[j] = ((Number.isNaN(src.values[i]!) ? col.fill! : src.values[i]!) - col.center!) / col.scale!;
        else if (col.kind === 'missing-indicator' && src.kind === 'numeric') x[j] = Number.isNaN(src.values[i]!) ? 1 : 0;
        else if (src.kind === 'categorical') x[j] = src.levels[src.codes[i]!] === col.level ? 1 : 0;
        e += x[j]! * m1.coefficients[j]!;
      });
      assert.equal(m1.linearPredictors![i], e, `row ${i}`);
    }
  }
});
