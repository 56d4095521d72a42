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

test('hyp2f1 next to c − a − b = ±1, where the 1 − z connection formula cancels two poles, matches the summed series', () => {
  // the power series summed here term by term converges at z = 0.9 whatever c − a − b is (BG/NBD's E[X(t)] has
  // c − a − b = a − 1 − r, so a fit with a ≈ r lands here)
  const series = (a: number, b: number, c: number, z: number) => {
    let term = 1;
    let sum = 1;
    for (let k = 0; k < 5000; k++) sum += (term *= (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z);
    return sum;
  };
  for (const eps of [1e-3, 1e-7, 1e-10, 1e-13]) {
    for (const [a, b, c] of [[0.3, 0.7, 2 - eps], [1.2, 0.8, 1 + eps], [2, 0.2, 1.2 + eps]]) {
      const ref = series(a!, b!, c!, 0.9);
      assert.ok(Math.abs(hyp2f1(a!, b!, c!, 0.9) / ref - 1) < 1e-9, `₂F₁(${a}, ${b}; ${c}; 0.9) = ${hyp2f1(a!, b!, c!, 0.9)} vs ${ref}`);
    }
  }
});

test('hyp2f1 with a large a just above z = 0.8, where the two terms of the connection formula cancel, matches mpmath', () => {
  // mpmath 1.3.0 at 30 digits: Pareto/NBD's ₂F₁(r+s+x, s+1; r+s+x+1; z) of a customer with x = 200
  const cases = [
    [201.5038236195464, 1.4710650071276126, 202.5038236195464, 0.8012974232788054, 10.473132714217998],
    [200.15138516203962, 1.0518120644085687, 201.15138516203962, 0.8223485620033602, 6.013743807725397],
  ];
  for (const [a, b, c, z, ref] of cases) {
    assert.ok(Math.abs(hyp2f1(a!, b!, c!, z!) / ref! - 1) < 1e-9, `₂F₁(${a}, ${b}; ${c}; ${z}) = ${hyp2f1(a!, b!, c!, z!)} vs ${ref}`);
  }
});
