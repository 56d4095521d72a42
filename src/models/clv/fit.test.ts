import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maximizeLikelihood } from './fit.ts';

test('maximizeLikelihood falls back to Nelder–Mead where BFGS cannot converge (a likelihood with rounding noise)', () => {
  // a quadratic in ln θ with its maximum at θ = (e, e^−0.5), plus noise of 1e-8 that makes finite-difference
  // gradients wrong by about 1e-3, far above BFGS's tolerance; the simplex only compares values
  const noisy = (u: number) => 1e-8 * Math.sin(1e7 * u);
  const fit = maximizeLikelihood({
    model: 'noisy', names: ['a', 'b'], customers: 1,
    logLikelihood: (t) => -((Math.log(t[0]!) - 1) ** 2) - (Math.log(t[1]!) + 0.5) ** 2 + noisy(Math.log(t[0]!)) + noisy(Math.log(t[1]!)),
  });
  assert.equal(fit.method, 'nelder-mead');
  assert.ok(fit.converged);
  assert.ok(Math.abs(fit.params.a! - Math.E) < 1e-3 && Math.abs(fit.params.b! - Math.exp(-0.5)) < 1e-3, JSON.stringify(fit.params));
});

test('maximizeLikelihood: a smooth likelihood by BFGS with standard errors from the Hessian; no finite value is a ConvergenceError', () => {
  // n Poisson counts with mean λ: ln L = Σx ln λ − nλ, MLE λ = x̄, SE = √(λ/n)
  const n = 400;
  const sum = 1000;
  const fit = maximizeLikelihood({ model: 'Poisson', names: ['lambda'], customers: n, logLikelihood: (t) => sum * Math.log(t[0]!) - n * t[0]! });
  assert.equal(fit.method, 'bfgs');
  assert.ok(Math.abs(fit.params.lambda! - 2.5) < 1e-6);
  assert.ok(Math.abs(fit.standardErrors.lambda! - Math.sqrt(2.5 / n)) < 1e-5);
  assert.throws(() => maximizeLikelihood({ model: 'nothing', names: ['a'], customers: 1, logLikelihood: () => NaN }), (e: { code: string; hint: string }) => e.code === 'convergence-error' && /penalizer/.test(e.hint));
  assert.throws(() => maximizeLikelihood({ model: 'x', names: ['a'], customers: 1, logLikelihood: () => 0 }, { penalizer: -1 }), (e: { code: string }) => e.code === 'invalid-option');
});
