import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMaximum, cdnowPatterns, cdnowSummary } from '../../../test/helpers/clv.ts';
import { fitMbgNbd, mbgnbdConditionalExpected, mbgnbdLogLikelihood, mbgnbdPAlive, mbgnbdSetLogLikelihood } from './mbgnbd.ts';
import { toPatternSet } from './patterns.ts';

test('MBG/NBD log-likelihood of a hand-computed case', () => {
  // r=1, α=1, a=1, b=2, x=0, T=2. Directly: drop out at time 0 with p ~ Beta(1, 2), E[p] = 1/3; otherwise no
  // purchase in (0, 2] with λ ~ Exp(1), E[e^(−2λ)] = 1/3: P = 1/3 + 2/3 · 1/3 = 5/9.
  assert.ok(Math.abs(mbgnbdLogLikelihood({ r: 1, alpha: 1, a: 1, b: 2 }, 0, 0, 2) - Math.log(5 / 9)) < 1e-12);
});

test('MBG/NBD parameters match the recorded CDNOW fit (BTYDplus, as in lifetimes\' tests)', { skip: cdnowSummary.skip }, () => {
  const set = toPatternSet(cdnowPatterns());
  const fit = fitMbgNbd(set);
  // BTYDplus mbgcnbd with k = 1 on CDNOW: r = 0.525, α = 6.183, a = 0.891, b = 1.614
  assert.deepEqual([fit.params.r, fit.params.alpha, fit.params.a, fit.params.b].map((v) => Number(v.toFixed(3))), [0.525, 6.183, 0.891, 1.614]);
  const p = fit.params;
  assertMaximum((t) => mbgnbdSetLogLikelihood({ r: t[0]!, alpha: t[1]!, a: t[2]!, b: t[3]! }, set), [p.r, p.alpha, p.a, p.b], ['r', 'alpha', 'a', 'b']);
  // unlike BG/NBD, a customer without repeat purchases may be gone
  assert.ok(mbgnbdPAlive(p, 0, 0, 38) < 1);
  // lifetimes checks the x = 2, t_x = 30.43, T = 38.86 case against BG/NBD's 1.226 within 0.05
  assert.ok(Math.abs(mbgnbdConditionalExpected(p, 39, 2, 30.43, 38.86) - 1.226) < 0.05);
});
