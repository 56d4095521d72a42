import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bgnbdConditionalExpected } from './bgnbd.ts';
import type { PurchaseModel } from './model.ts';
import { predictPatterns } from './predict.ts';
import { validateHoldout } from './validation.ts';

const CDNOW = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

test('predictions per pattern: undiscounted CLV purchases equal the expected purchases; discounting lowers them by at most the horizon\'s factor', () => {
  const pats = { x: [0, 2, 7], tx: [0, 30.43, 20], T: [38.86, 38.86, 38.86] };
  const m = { kind: 'bgnbd' as const, params: CDNOW };
  const plain = predictPatterns(m, pats, { horizon: 52, periodDays: 7, discountRate: 0 });
  const disc = predictPatterns(m, pats, { horizon: 52, periodDays: 7, discountRate: 0.1 });
  // Fader, Hardie & Lee (2005): the customer with x = 2, t_x = 30.43, T = 38.86 makes 1.226 purchases in 39 weeks
  const published = predictPatterns(m, pats, { horizon: 39, periodDays: 7, discountRate: 0 });
  assert.ok(Math.abs(published.expectedPurchases[1]! - 1.226) < 5e-4, String(published.expectedPurchases[1]));
  // P(alive) = 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) for x > 0 (eq. 13 of the paper), 1 without repeats
  assert.equal(plain.pAlive[0], 1);
  for (const i of [1, 2]) {
    const { r, alpha, a, b } = CDNOW;
    const expected = 1 / (1 + (a / (b + pats.x[i]! - 1)) * ((alpha + pats.T[i]!) / (alpha + pats.tx[i]!)) ** (r + pats.x[i]!));
    assert.ok(Math.abs(plain.pAlive[i]! - expected) < 1e-12);
  }
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(plain.discountedPurchases[i]! - plain.expectedPurchases[i]!) < 1e-12);
    const e = disc.expectedPurchases[i]!;
    assert.ok(disc.discountedPurchases[i]! < e && disc.discountedPurchases[i]! > e / Math.pow(1.1, 364 / 365.25) - 1e-12);
  }
  // days to the next purchase of an alive customer: 7 · (α + T)/(r + x)
  assert.ok(Math.abs(plain.daysToNextPurchase[1]! - (7 * (4.414 + 38.86)) / 2.243) < 1e-9);
  assert.throws(() => predictPatterns(m, pats, { horizon: 0, periodDays: 7 }), (e: { code: string }) => e.code === 'invalid-option');
  assert.throws(() => predictPatterns(m, pats, { horizon: 5, periodDays: 7, margin: 1.5 }), (e: { code: string }) => e.code === 'invalid-option');
});

test('discounted purchases: each month\'s expected purchases discounted to the month\'s end at the annual rate', () => {
  // 12 months of weeks (52.18 weeks) at 10 %: Σₖ (E[Y(k months)] − E[Y((k−1) months)]) / 1.1^(k/12), from the
  // conditional expectation at each month's end; an off-by-one step (discounting to the month's start, or the
  // whole horizon at its end) is off by more than 0.1 %
  const m = { kind: 'bgnbd' as const, params: CDNOW };
  const pats = { x: [0, 2, 7], tx: [0, 30.43, 20], T: [38.86, 38.86, 38.86] };
  const weeksPerMonth = 30.4375 / 7;
  const disc = predictPatterns(m, pats, { horizon: 12 * weeksPerMonth, periodDays: 7, discountRate: 0.1 });
  for (let i = 0; i < 3; i++) {
    let expected = 0;
    for (let k = 1; k <= 12; k++) {
      const step = bgnbdConditionalExpected(CDNOW, k * weeksPerMonth, pats.x[i]!, pats.tx[i]!, pats.T[i]!) - bgnbdConditionalExpected(CDNOW, (k - 1) * weeksPerMonth, pats.x[i]!, pats.tx[i]!, pats.T[i]!);
      expected += step / Math.pow(1.1, k / 12);
    }
    assert.ok(Math.abs(disc.discountedPurchases[i]! / expected - 1) < 1e-12, `pattern ${i}: ${disc.discountedPurchases[i]} vs ${expected}`);
  }
});

test('holdout validation of a hand-made case: totals, errors, frequency groups, deciles and lift', () => {
  // ten customers; the prediction ranks customer 9 first, and it made all the purchases
  const freq = [0, 0, 0, 1, 1, 2, 3, 5, 9, 12];
  const actual = [0, 0, 0, 0, 0, 0, 0, 0, 0, 10];
  const predicted = [0.1, 0.1, 0.1, 0.2, 0.2, 0.3, 0.5, 1, 2, 5.5];
  const v = validateHoldout(freq, actual, predicted);
  assert.equal(v.actualTotal, 10);
  assert.ok(Math.abs(v.predictedTotal - 10) < 1e-12);
  assert.ok(Math.abs(v.aggregateRelativeError) < 1e-12);
  assert.ok(Math.abs(v.meanAbsoluteError - (0.3 + 0.4 + 0.3 + 0.5 + 1 + 2 + 4.5) / 10) < 1e-12);
  assert.deepEqual(v.byFrequency.map((g) => [g.frequency, g.customers]), [['0', 3], ['1', 2], ['2', 1], ['3', 1], ['5', 1], ['7+', 2]]);
  assert.equal(v.deciles.length, 10);
  assert.equal(v.deciles[0]!.shareOfActual, 1);
  assert.equal(v.topDecileLift, 10);
});

test('lifetimes\' discounting (a rate per month): month k\'s purchases divided by (1 + r)^k, written out', async () => {
  const { predictPatterns: predict } = await import('./predict.ts');
  const { conditionalExpectedPurchases: ce } = await import('./model.ts');
  const m = { kind: 'bgnbd' as const, params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 } };
  const month = 30.4375 / 7;
  const p = predict(m, { x: [2, 0], tx: [30.43, 0], T: [38.86, 38.86] }, { horizon: 12 * month, periodDays: 7, stepDiscountRate: 0.01 });
  [[2, 30.43, 38.86], [0, 0, 38.86]].forEach(([x, tx, T], i) => {
    let clv = 0;
    for (let k = 1; k <= 12; k++) clv += (ce(m, k * month, x!, tx!, T!) - ce(m, (k - 1) * month, x!, tx!, T!)) / 1.01 ** k;
    assert.ok(Math.abs(p.discountedPurchases[i]! - clv) < 1e-12, `${p.discountedPurchases[i]} against ${clv}`);
  });
  // a rate of 0 discounts nothing
  const z = predict(m, { x: [2], tx: [30.43], T: [38.86] }, { horizon: 12 * month, periodDays: 7, stepDiscountRate: 0 });
  assert.ok(Math.abs(z.discountedPurchases[0]! - z.expectedPurchases[0]!) < 1e-12);
});

test('patterns sharing (x, T) share one purchase curve: the same doubles as each pattern computed alone, in any order', () => {
  // 3,000 patterns over 40 frequencies and 90 T values in scrambled order, many (x, T) pairs repeated with other t_x
  let seed = 11;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const x: number[] = [], tx: number[] = [], T: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const t = (1 + Math.floor(rnd() * 90)) / 7 * 3;
    x.push(Math.floor(rnd() * 40));
    T.push(t);
    tx.push(x[i] === 0 ? 0 : Math.floor(rnd() * t * 7) / 7);
  }
  const models: PurchaseModel[] = [
    { kind: 'bgnbd', params: CDNOW },
    { kind: 'paretonbd', params: { r: 0.55, alpha: 10.58, s: 0.61, beta: 11.67 } },
    { kind: 'mbgnbd', params: { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 } },
  ];
  for (const m of models) {
    const all = predictPatterns(m, { x, tx, T }, { horizon: 26, periodDays: 7, discountRate: 0.1 });
    for (const i of [0, 1, 2, 500, 1234, 2999]) {
      const alone = predictPatterns(m, { x: [x[i]!], tx: [tx[i]!], T: [T[i]!] }, { horizon: 26, periodDays: 7, discountRate: 0.1 });
      for (const k of ['pAlive', 'expectedPurchases', 'discountedPurchases', 'daysToNextPurchase'] as const) {
        assert.ok(Object.is(all[k][i], alone[k][0]), `${m.kind} pattern ${i} ${k}: ${all[k][i]} alone ${alone[k][0]}`);
      }
    }
  }
});
