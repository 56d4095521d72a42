import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isSegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { fitLogistic, predictLogistic } from './logistic.ts';

const logit = (p: number) => Math.log(p / (1 - p));

test('without features the intercept is the logit of the response rate', () => {
  const y = [1, 0, 0, 1, 0, 0, 0, 1, 0, 0]; // 3 of 10
  const m = fitLogistic(new Float64Array(0), y.length, 0, y, { C: Infinity });
  assert.ok(m.converged);
  assert.ok(Math.abs(m.intercept - logit(0.3)) < 1e-12, `${m.intercept}`);
});

test('one binary feature, no penalty: intercept and slope are the two groups’ logits (closed form)', () => {
  // group x = 0: 6 of 20 respond; group x = 1: 9 of 15 respond
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 20; i++) {
    x.push(0);
    y.push(i < 6 ? 1 : 0);
  }
  for (let i = 0; i < 15; i++) {
    x.push(1);
    y.push(i < 9 ? 1 : 0);
  }
  const m = fitLogistic(Float64Array.from(x), x.length, 1, y, { C: Infinity });
  assert.ok(m.converged);
  assert.ok(Math.abs(m.intercept - logit(6 / 20)) < 1e-12, `${m.intercept}`);
  assert.ok(Math.abs(m.coefficients[0]! - (logit(9 / 15) - logit(6 / 20))) < 1e-12, `${m.coefficients[0]}`);
});

/** Simulated design: n rows, p features of different scales, a known logistic model. */
function simulate(n: number, seed: number) {
  const r = new Random(seed);
  const p = 3;
  const x = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i * p] = r.normal();
    x[i * p + 1] = r.uniform(0, 500);
    x[i * p + 2] = r.bernoulli(0.4) ? 1 : 0;
    const eta = -1 + 0.8 * x[i * p]! + 0.004 * x[i * p + 1]! - 0.7 * x[i * p + 2]!;
    y[i] = r.bernoulli(1 / (1 + Math.exp(-eta))) ? 1 : 0;
  }
  return { x, y, n, p };
}

test('penalised fit: the gradient of C·Σ log-loss + ‖β‖²/2 vanishes at the solution, intercept unpenalised (written out)', () => {
  const { x, y, n, p } = simulate(3000, 1);
  for (const C of [0.01, 1]) {
    const m = fitLogistic(x, n, p, y, { C });
    assert.ok(m.converged);
    const grad = new Array<number>(p + 1).fill(0);
    const scale = new Array<number>(p + 1).fill(n); // Σ|x_ij|: rounding in the sum grows with it
    for (let i = 0; i < n; i++) {
      let eta = m.intercept;
      for (let j = 0; j < p; j++) eta += x[i * p + j]! * m.coefficients[j]!;
      const r = 1 / (1 + Math.exp(-eta)) - y[i]!;
      grad[0]! += r;
      for (let j = 0; j < p; j++) {
        grad[j + 1]! += r * x[i * p + j]!;
        scale[j + 1]! += Math.abs(x[i * p + j]!);
      }
    }
    for (let j = 0; j < p; j++) grad[j + 1]! += m.coefficients[j]! / C;
    for (const [j, g] of grad.entries()) assert.ok(Math.abs(g) < 1e-10 * scale[j]!, `C=${C}: gradient ${j} is ${g} (scale ${scale[j]})`);
  }
  // a strong penalty shrinks the slopes (on standardised columns) towards 0, not the intercept
  const weak = fitLogistic(x, n, p, y, { C: 10, standardize: true });
  const strong = fitLogistic(x, n, p, y, { C: 1e-4, standardize: true });
  for (let j = 0; j < p; j++) assert.ok(Math.abs(strong.scaledCoefficients[j]!) < Math.abs(weak.scaledCoefficients[j]!) / 5, `coefficient ${j}`);
  let rate = 0;
  for (let i = 0; i < n; i++) rate += y[i]! / n;
  assert.ok(Math.abs(strong.scaledIntercept - Math.log(rate / (1 - rate))) < 0.01, `${strong.scaledIntercept}`);
});

test('standardising: the slopes on the z-scored columns are the original ones times the column sd; predictions agree', () => {
  const { x, y, n, p } = simulate(2000, 2);
  const m = fitLogistic(x, n, p, y, { C: Infinity, standardize: true });
  const raw = fitLogistic(x, n, p, y, { C: Infinity });
  // without a penalty the two parametrisations describe the same model
  for (let j = 0; j < p; j++) {
    assert.ok(Math.abs(m.coefficients[j]! - raw.coefficients[j]!) < 1e-8 * (1 + Math.abs(raw.coefficients[j]!)), `coefficient ${j}`);
    assert.ok(Math.abs(m.scaledCoefficients[j]! - m.coefficients[j]! * m.scales![j]!) < 1e-12);
  }
  const a = predictLogistic(m, x, n);
  const b = predictLogistic(raw, x, n);
  for (let i = 0; i < n; i += 97) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-9);
  // the population standard deviation, as scikit-learn's StandardScaler
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i * p + 1]! / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i * p + 1]! - mean) ** 2;
  assert.ok(Math.abs(m.scales![1]! - Math.sqrt(ss / n)) < 1e-9);
});

test('weights: integer weights fit as repeated rows', () => {
  const { x, y, n, p } = simulate(500, 3);
  const w = Float64Array.from({ length: n }, (_, i) => 1 + (i % 3));
  const rows: number[] = [];
  for (let i = 0; i < n; i++) for (let k = 0; k < w[i]!; k++) rows.push(i);
  const xr = new Float64Array(rows.length * p);
  rows.forEach((r, k) => xr.set(x.subarray(r * p, r * p + p), k * p));
  const weighted = fitLogistic(x, n, p, y, { C: 0.5, weights: w });
  const repeated = fitLogistic(xr, rows.length, p, rows.map((r) => y[r]!), { C: 0.5 });
  assert.ok(Math.abs(weighted.intercept - repeated.intercept) < 1e-10);
  for (let j = 0; j < p; j++) assert.ok(Math.abs(weighted.coefficients[j]! - repeated.coefficients[j]!) < 1e-10);
});

test('bad input is invalid-design with the row', () => {
  const err = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e) => isSegmintError(e, 'invalid-design') && re.test(e.message));
  err(() => fitLogistic(Float64Array.of(1, 2), 2, 1, [0, 2]), /row 2 has 2/);
  err(() => fitLogistic(Float64Array.of(1, NaN), 2, 1, [0, 1]), /row 2, column 1 is NaN/);
  err(() => fitLogistic(Float64Array.of(1, 2, 3), 2, 1, [0, 1]), /needs 2 values/);
  err(() => fitLogistic(Float64Array.of(1, 2), 2, 1, [0, 1], { C: 0 }), /C must be positive/);
});

test('scikit-learn 1.2.1 LogisticRegression (newton-cg, tol 1e-12) on the small design of sklearn_logistic.py: equal to 1e-6', () => {
  const fx = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../test/fixtures/campaign/sklearn_logistic_small.json'), 'utf8')) as {
    x: number[][];
    y: number[];
    weights: number[];
    fits: Array<{ C: number; standardize: boolean; weighted: boolean; intercept: number; coefficients: number[] }>;
  };
  const n = fx.y.length;
  const p = fx.x[0]!.length;
  const x = Float64Array.from(fx.x.flat());
  let worst = 0;
  for (const f of fx.fits) {
    const m = fitLogistic(x, n, p, fx.y, { C: f.C, standardize: f.standardize, weights: f.weighted ? Float64Array.from(fx.weights) : undefined });
    assert.ok(m.converged);
    // scikit-learn fitted the (standardised) columns it was given: compare on that scale
    const diffs = [m.scaledIntercept - f.intercept, ...m.scaledCoefficients.map((b, j) => b - f.coefficients[j]!)].map(Math.abs);
    worst = Math.max(worst, ...diffs);
    assert.ok(Math.max(...diffs) < 1e-6, `C=${f.C} standardize=${f.standardize} weighted=${f.weighted}: ${diffs.join(', ')}`);
  }
  assert.ok(worst < 1e-6);
});
