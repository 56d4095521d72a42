import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digamma, hyp2f1, lgamma } from './special.ts';

test('hyp2f1 matches closed forms on both sides of the 1 − z switch', () => {
  for (const z of [0.1, 0.5, 0.79, 0.81, 0.95, 0.999]) {
    // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z (c − a − b = 0: the series branch)
    assert.ok(Math.abs(hyp2f1(1, 1, 2, z) + Math.log(1 - z) / z) < 1e-12 * hyp2f1(1, 1, 2, z), `z = ${z}`);
    // ₂F₁(½, ½; 3/2; z²) = asin(z)/z (c − a − b = ½: the connection formula above 0.8)
    assert.ok(Math.abs(hyp2f1(0.5, 0.5, 1.5, z * z) - Math.asin(z) / z) < 1e-12, `z² = ${z * z}`);
    // ₂F₁(a, b; b; z) = (1 − z)^(−a)
    assert.ok(Math.abs(hyp2f1(0.3, 2.7, 2.7, z) / Math.pow(1 - z, -0.3) - 1) < 1e-10, `(1−z)^−a at ${z}`);
    // ₂F₁(a, b; b; z) = (1 − z)^(−a) with d = −a < −1: Euler's transformation
    assert.ok(Math.abs(hyp2f1(3.4, 900, 900, z) / Math.pow(1 - z, -3.4) - 1) < 1e-10, `(1−z)^−3.4 at ${z}`);
  }
});

test('digamma is the derivative of lgamma', () => {
  assert.ok(Math.abs(digamma(1) + 0.5772156649015329) < 1e-10);
  for (const x of [0.05, 0.7, 3.3, 40]) assert.ok(Math.abs(digamma(x) - (lgamma(x + 1e-5) - lgamma(x - 1e-5)) / 2e-5) < 1e-6, `ψ(${x})`);
});
