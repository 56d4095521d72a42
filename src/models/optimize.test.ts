import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bfgs, hessianFromGradient, hessianFromGradientForward, invertSpd, nelderMead, numericHessian } from './optimize.ts';

const rosenbrock = (v: number[]) => (1 - v[0]!) ** 2 + 100 * (v[1]! - v[0]! ** 2) ** 2;

test('BFGS finds the minimum of the Rosenbrock function with numerical and with analytic gradients', () => {
  const grad = (v: number[]) => [-2 * (1 - v[0]!) - 400 * v[0]! * (v[1]! - v[0]! ** 2), 200 * (v[1]! - v[0]! ** 2)];
  for (const r of [bfgs(rosenbrock, [-1.2, 1]), bfgs(rosenbrock, [-1.2, 1], { gradient: grad, gradientTolerance: 1e-10 })]) {
    assert.ok(r.converged);
    assert.ok(Math.abs(r.x[0]! - 1) < 1e-5 && Math.abs(r.x[1]! - 1) < 1e-5, `${r.x}`);
  }
  const nm = nelderMead(rosenbrock, [-1.2, 1], { tolerance: 1e-14, maxIterations: 5000 });
  assert.ok(Math.abs(nm.x[0]! - 1) < 1e-4, `${nm.x}`);
  // a function that is not finite away from a region: BFGS reports it did not converge rather than returning NaN
  const r = bfgs(() => NaN, [0, 0]);
  assert.equal(r.converged, false);
});

test('finite-difference Hessians of a quadratic are exact, and its inverse is the known one', () => {
  // f = x² + xy + 2y²: H = [[2, 1], [1, 4]], H⁻¹ = [[4, −1], [−1, 2]] / 7
  const f = (v: number[]) => v[0]! ** 2 + v[0]! * v[1]! + 2 * v[1]! ** 2;
  const g = (v: number[]) => [2 * v[0]! + v[1]!, v[0]! + 4 * v[1]!];
  for (const H of [numericHessian(f, [0.3, -0.2]), hessianFromGradient(g, [0.3, -0.2]), hessianFromGradientForward(g, [0.3, -0.2])]) {
    [[2, 1], [1, 4]].forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(H[i]![j]! - v) < 1e-5, `H[${i}][${j}] = ${H[i]![j]}`)));
  }
  const inv = invertSpd([[2, 1], [1, 4]])!;
  [[4 / 7, -1 / 7], [-1 / 7, 2 / 7]].forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(inv[i]![j]! - v) < 1e-12)));
  assert.equal(invertSpd([[1, 2], [2, 1]]), undefined, 'not positive definite');
});

test('forward differences of a gradient: first-order accurate, n + 1 calls', () => {
  // f = exp(x) + x·y² + sin(y): H = [[eˣ, 2y], [2y, 2x − sin y]]
  const g = (v: number[]) => [Math.exp(v[0]!) + v[1]! ** 2, 2 * v[0]! * v[1]! + Math.cos(v[1]!)];
  let calls = 0;
  const counted = (v: number[]) => {
    calls++;
    return g(v);
  };
  const x = [0.7, -1.3];
  const H = hessianFromGradientForward(counted, x);
  assert.equal(calls, 3);
  const want = [[Math.exp(0.7), -2.6], [-2.6, 1.4 - Math.sin(-1.3)]];
  want.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(H[i]![j]! / v - 1) < 1e-6, `H[${i}][${j}] = ${H[i]![j]} against ${v}`)));
  // a step 100 times larger errs about 100 times more: the error is first order (central differences' is second)
  const coarse = hessianFromGradientForward(g, x, 1e-5);
  assert.ok(Math.abs(coarse[0]![0]! / want[0]![0]! - 1) > 1e-6);
});
