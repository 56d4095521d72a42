import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitBgNbd } from './bgnbd.ts';
import { fitGammaGamma } from './gamma-gamma.ts';
import { toPatterns } from './patterns.ts';
import { simulateBgNbd } from './simulate.ts';

test('BG/NBD and Gamma-Gamma recover the parameters of simulated customers within three standard errors', () => {
  const truth = { r: 0.5, alpha: 5, a: 0.8, b: 2.5 };
  const spend = { p: 6, q: 4, gamma: 15 };
  const s = simulateBgNbd(20000, truth, spend, { seed: 11, maxT: 52 });
  const fit = fitBgNbd(toPatterns(s.x, s.tx, s.T));
  for (const k of ['r', 'alpha', 'a', 'b'] as const) {
    assert.ok(Math.abs(fit.params[k] - truth[k]) < 3 * fit.standardErrors[k]!, `${k}: ${fit.params[k]} ± ${fit.standardErrors[k]} vs ${truth[k]}`);
  }
  const g = fitGammaGamma(s.x, s.zbar);
  for (const k of ['p', 'q', 'gamma'] as const) {
    assert.ok(Math.abs(g.params[k] - spend[k]) < 3 * g.standardErrors[k]!, `${k}: ${g.params[k]} ± ${g.standardErrors[k]} vs ${spend[k]}`);
  }
});
