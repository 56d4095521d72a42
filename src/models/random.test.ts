import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from './random.ts';

const moments = (f: () => number, n = 200000) => {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = f();
    s += x;
    s2 += x * x;
  }
  const mean = s / n;
  return { mean, variance: s2 / n - mean * mean };
};

test('the same seed gives the same sequence; another seed another one', () => {
  const a = new Random(42);
  const b = new Random(42);
  const c = new Random(43);
  const xs = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(Array.from({ length: 5 }, () => b.nextUint32()), xs);
  assert.notDeepEqual(Array.from({ length: 5 }, () => c.nextUint32()), xs);
});

test('distributions have their closed-form mean and variance', () => {
  const r = new Random(7);
  const close = (got: number, want: number, tol: number, what: string) => assert.ok(Math.abs(got - want) < tol, `${what}: ${got} vs ${want}`);
  let m = moments(() => r.next());
  close(m.mean, 0.5, 0.005, 'uniform mean');
  close(m.variance, 1 / 12, 0.002, 'uniform variance');
  m = moments(() => r.normal(3, 2));
  close(m.mean, 3, 0.02, 'normal mean');
  close(m.variance, 4, 0.05, 'normal variance');
  m = moments(() => r.gamma(2.5, 3)); // mean k·θ = 7.5, variance k·θ² = 22.5
  close(m.mean, 7.5, 0.06, 'gamma mean');
  close(m.variance, 22.5, 0.6, 'gamma variance');
  m = moments(() => r.gamma(0.4, 2)); // shape < 1 path: mean 0.8, variance 1.6
  close(m.mean, 0.8, 0.02, 'gamma(<1) mean');
  close(m.variance, 1.6, 0.08, 'gamma(<1) variance');
  m = moments(() => r.beta(2, 5)); // mean 2/7, variance 10/392
  close(m.mean, 2 / 7, 0.003, 'beta mean');
  close(m.variance, 10 / 392, 0.001, 'beta variance');
  m = moments(() => r.poisson(3.5));
  close(m.mean, 3.5, 0.03, 'poisson mean');
  close(m.variance, 3.5, 0.06, 'poisson variance');
  m = moments(() => r.exponential(0.5));
  close(m.mean, 2, 0.03, 'exponential mean');
  close(m.variance, 4, 0.15, 'exponential variance');
  const counts = [0, 0, 0];
  for (let i = 0; i < 100000; i++) counts[r.weighted([1, 2, 7])]! += 1;
  close(counts[2]! / 100000, 0.7, 0.01, 'weighted choice');
});
