import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bgnbdExpected, bgnbdPAlive } from './bgnbd.ts';
import { expectedPurchasesMatrix, pAliveMatrix } from './matrices.ts';
import { mbgnbdExpected } from './mbgnbd.ts';
import { conditionalExpectedPurchases, probabilityOfPurchases, type PurchaseModel } from './model.ts';
import { paretonbdConditionalExpected, paretonbdExpected } from './paretonbd.ts';
import { paretonbdConditionalProbabilityOfPurchases } from './pmf.ts';

// FHL 2005's CDNOW estimates, as R BTYD's documentation and lifetimes' tests use them
const BG: PurchaseModel = { kind: 'bgnbd', params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 } };
const MBG: PurchaseModel = { kind: 'mbgnbd', params: { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 } };
const PNBD: PurchaseModel = { kind: 'paretonbd', params: { r: 0.5533, alpha: 10.5802, s: 0.6061, beta: 11.6562 } };

/** Σ P(n) and Σ n·P(n) over n = 0 … N − 1. */
function moments(f: (n: number) => number, N: number): [number, number] {
  let s = 0;
  let m = 0;
  for (let n = 0; n < N; n++) {
    const v = f(n);
    assert.ok(v >= 0 && v <= 1, `P(${n}) = ${v}`);
    s += v;
    m += n * v;
  }
  return [s, m];
}

test('BG/NBD P(X(t) = n) reproduces R BTYD (bgnbd.pmf), as lifetimes\' test_probability_of_n_purchases_up_to_time_same_as_R_BTYD asserts', () => {
  // lifetimes asserts |P − expected| < 1e-4 and the PMF to 5 decimals; R prints these digits, matched here to 1e-6 relative
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-6 * b, `${a} against ${b}`);
  close(probabilityOfPurchases(BG, 2, 10), 1.07869e-07);
  close(probabilityOfPurchases(BG, 39, 0), 0.5737864);
  const r = [0.0019995214, 0.0015170236, 0.0011633150, 0.0009003148, 0.0007023638, 0.0005517902, 0.0004361913, 0.0003467171, 0.0002769613, 0.0002222260];
  r.forEach((v, i) => close(probabilityOfPurchases(BG, 30, 11 + i), v));
});

test('P(X(t) = n) of BG/NBD, MBG/NBD and Pareto/NBD is a distribution whose mean is the model\'s E[X(t)] (FHL eq. 9, Batislam et al., SMC eq. 17)', () => {
  for (const [m, expected, N] of [[BG, bgnbdExpected(BG.params as never, 39), 3000], [MBG, mbgnbdExpected(MBG.params as never, 39), 3000], [PNBD, paretonbdExpected(PNBD.params as never, 39), 600]] as const) {
    const [s, mean] = moments((n) => probabilityOfPurchases(m, 39, n), N);
    assert.ok(Math.abs(s - 1) < 1e-9, `${m.kind}: Σ P = ${s}`);
    assert.ok(Math.abs(mean - expected) < 1e-6 * expected, `${m.kind}: mean ${mean} against E[X(39)] ${expected}`);
  }
  // MBG/NBD: a customer may drop out at once, so P(X(t) = 0) exceeds BG/NBD's form B(a, b+1)/B(a, b)·(α/(α+t))^r by the drop-out chance a/(a+b)
  const { r, alpha, a, b } = MBG.params as { r: number; alpha: number; a: number; b: number };
  assert.ok(Math.abs(probabilityOfPurchases(MBG, 10, 0) - ((b / (a + b)) * (alpha / (alpha + 10)) ** r + a / (a + b))) < 1e-12);
});

test('Pareto/NBD conditional P(X(T, T+t) = n | x, t_x, T) (Fader & Hardie note 028): each within [0, 1], summing to 1, with the mean of the conditional expectation', () => {
  const p = PNBD.params as { r: number; alpha: number; s: number; beta: number };
  const cases: [typeof p, number, number, number, number][] = [
    [p, 39, 2, 30.43, 38.86], // FHL's customer 1
    [p, 52, 26, 30.86, 31], // the BTYD walkthrough's customer (25.46 expected in 52 weeks)
    [p, 39, 0, 0, 38],
    [{ ...p, alpha: 13 }, 39, 26, 30.86, 31], // α > β: the other branch of the hypergeometric terms
  ];
  for (const [q, t, x, tx, T] of cases) {
    const [s, mean] = moments((n) => paretonbdConditionalProbabilityOfPurchases(q, t, n, x, tx, T), 400);
    const e = paretonbdConditionalExpected(q, t, x, tx, T);
    assert.ok(Math.abs(s - 1) < 1e-9, `x ${x}: Σ P = ${s}`);
    assert.ok(Math.abs(mean - e) < 1e-6 * e, `x ${x}: mean ${mean} against ${e}`);
  }
  // the walkthrough's 25.46 is with BTYD's own estimates; with the note's four-digit ones it is 25.455
  assert.ok(Math.abs(conditionalExpectedPurchases(PNBD, 52, 26, 30.86, 31) - 25.46) < 0.01);
});

test('P(alive) and expected-purchases matrices: rows are recency 0 … max, columns frequency 0 … max, at T = max recency (lifetimes\' conditional_probability_alive_matrix)', () => {
  const Z = pAliveMatrix(BG, 10, 38);
  assert.equal(Z.length, 39);
  assert.equal(Z[0]!.length, 11);
  assert.equal(Z[0]![0], 1);
  for (let tx = 0; tx <= 38; tx += 7) for (let x = 1; x <= 10; x += 3) assert.equal(Z[tx]![x], bgnbdPAlive(BG.params as never, x, tx, 38));
  const E = expectedPurchasesMatrix(BG, 39, 10, 38);
  assert.equal(E[30]![2], conditionalExpectedPurchases(BG, 39, 2, 30, 38));
  // recent frequent buyers are expected to buy more than old ones
  assert.ok(E[38]![10]! > E[5]![10]!);
});
