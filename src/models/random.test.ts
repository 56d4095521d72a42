import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AliasTable, Random } from './random.ts';

const N = 200_000;

/** Sample mean, variance and third central moment. */
function moments(f: () => number, n = N): { mean: number; variance: number; m3: number } {
  const xs = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i] = f();
  const mean = s / n;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - mean;
    s2 += d * d;
    s3 += d * d * d;
  }
  return { mean, variance: s2 / (n - 1), m3: s3 / n };
}

/**
 * |got − want| within `z` standard errors. The standard errors come from the distribution's own moments
 * (var of the mean σ²/n; var of the sample variance (μ4 − σ⁴)/n), so a wrong formula — a rate used as a
 * scale, a missing square — is many standard errors off while sampling noise is not.
 */
function within(got: number, want: number, se: number, what: string, z = 5): void {
  assert.ok(Math.abs(got - want) <= z * se, `${what}: got ${got}, expected ${want} ± ${z}·${se.toPrecision(3)}`);
}

function checkMoments(what: string, f: () => number, mean: number, variance: number, kurtosisExcess: number): void {
  const m = moments(f);
  within(m.mean, mean, Math.sqrt(variance / N), `${what} mean`);
  const mu4 = (kurtosisExcess + 3) * variance * variance;
  within(m.variance, variance, Math.sqrt((mu4 - variance * variance) / N), `${what} variance`);
}

test('the same seed and stream give the same sequence; another seed or stream another one', () => {
  const draw = (r: Random) => Array.from({ length: 8 }, () => r.nextUint32());
  const base = draw(new Random(42));
  assert.deepEqual(draw(new Random(42)), base);
  assert.deepEqual(draw(new Random(42, 0)), base);
  assert.notDeepEqual(draw(new Random(43)), base);
  assert.notDeepEqual(draw(new Random(42, 1)), base);
  // reseed in place is the same as a new generator, and forgets the cached normal variate
  const r = new Random(1);
  r.normal();
  r.reseed(42, 7);
  assert.deepEqual(draw(r), draw(new Random(42, 7)));
  // neighbouring streams do not overlap (a shifted copy of one another would share most values)
  const s1 = new Set(draw(new Random(5, 1)));
  assert.equal(draw(new Random(5, 2)).filter((x) => s1.has(x)).length, 0);
});

test('uniform bits are balanced and int() covers both ends', () => {
  const r = new Random(3);
  const bits = new Array<number>(32).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const x = r.nextUint32();
    for (let b = 0; b < 32; b++) bits[b]! += (x >>> b) & 1;
  }
  for (const c of bits) within(c / 100_000, 0.5, Math.sqrt(0.25 / 100_000), 'bit frequency');
  const seen = new Set<number>();
  for (let i = 0; i < 10_000; i++) {
    const k = r.int(-2, 3);
    assert.ok(Number.isInteger(k) && k >= -2 && k <= 3);
    seen.add(k);
  }
  assert.equal(seen.size, 6);
});

test('continuous distributions have their closed-form mean and variance', () => {
  const r = new Random(7);
  checkMoments('uniform(2, 5)', () => r.uniform(2, 5), 3.5, 9 / 12, -1.2);
  checkMoments('normal(3, 2)', () => r.normal(3, 2), 3, 4, 0);
  // Gamma(k, θ): mean kθ, variance kθ², excess kurtosis 6/k
  checkMoments('gamma(2.5, 3)', () => r.gamma(2.5, 3), 7.5, 22.5, 6 / 2.5);
  checkMoments('gamma(0.4, 2) (shape < 1 path)', () => r.gamma(0.4, 2), 0.8, 1.6, 6 / 0.4);
  checkMoments('gamma(30, 0.1)', () => r.gamma(30, 0.1), 3, 0.3, 6 / 30);
  // Exponential(rate 0.5): mean 2, variance 4, excess kurtosis 6
  checkMoments('exponential(0.5)', () => r.exponential(0.5), 2, 4, 6);
  // Beta(2, 5): mean a/(a+b), variance ab/((a+b)²(a+b+1)), excess kurtosis 6[(a−b)²(a+b+1) − ab(a+b+2)] / [ab(a+b+2)(a+b+3)]
  const [a, b] = [2, 5];
  const betaKurt = (6 * ((a - b) ** 2 * (a + b + 1) - a * b * (a + b + 2))) / (a * b * (a + b + 2) * (a + b + 3));
  checkMoments('beta(2, 5)', () => r.beta(a, b), a / (a + b), (a * b) / ((a + b) ** 2 * (a + b + 1)), betaKurt);
  // Lognormal(μ, σ): mean e^(μ+σ²/2), variance (e^σ² − 1)e^(2μ+σ²)
  const [mu, s] = [1, 0.4];
  const w = Math.exp(s * s);
  const lnKurt = w ** 4 + 2 * w ** 3 + 3 * w ** 2 - 6;
  checkMoments('lognormal(1, 0.4)', () => r.lognormal(mu, s), Math.exp(mu + (s * s) / 2), (w - 1) * Math.exp(2 * mu + s * s), lnKurt);
});

test('poisson has mean = variance = third central moment = λ, below and above the PTRS switch', () => {
  const r = new Random(11);
  for (const lambda of [0.3, 3.5, 9.9, 10, 27, 150]) {
    const m = moments(() => r.poisson(lambda));
    within(m.mean, lambda, Math.sqrt(lambda / N), `poisson(${lambda}) mean`);
    // μ4 = λ(1 + 3λ)
    within(m.variance, lambda, Math.sqrt((lambda * (1 + 3 * lambda) - lambda * lambda) / N), `poisson(${lambda}) variance`);
    // skewness: a normal approximation would give m3 ≈ 0; var(m3) ≈ (μ6 − μ3² − 6μ4μ2 + 9μ2³)/n = (λ + 18λ² + 6λ³)/n
    within(m.m3, lambda, Math.sqrt((lambda + 18 * lambda ** 2 + 6 * lambda ** 3) / N), `poisson(${lambda}) third moment`);
  }
  assert.equal(r.poisson(0), 0);
  assert.equal(r.poisson(-1), 0);
});

test('poisson(4) and poisson(40) frequencies match the probability mass function', () => {
  const r = new Random(13);
  for (const lambda of [4, 40]) {
    const n = 100_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const k = r.poisson(lambda);
      assert.ok(Number.isInteger(k) && k >= 0);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    // chi-square over the cells with expected count ≥ 20
    let chi = 0;
    let cells = 0;
    let logP = -lambda;
    for (let k = 0; k < lambda * 3; k++) {
      if (k > 0) logP += Math.log(lambda) - Math.log(k);
      const e = n * Math.exp(logP);
      if (e < 20) continue;
      const o = counts.get(k) ?? 0;
      chi += ((o - e) * (o - e)) / e;
      cells++;
    }
    // χ² with `cells` degrees of freedom: mean cells, sd √(2·cells); 6 sd is far beyond sampling noise
    assert.ok(chi < cells + 6 * Math.sqrt(2 * cells), `poisson(${lambda}) χ² ${chi.toFixed(1)} over ${cells} cells`);
  }
});

test('weighted choice and the alias table draw each index in proportion to its weight', () => {
  const r = new Random(17);
  const weights = [1, 0, 2, 7, 0.5];
  const total = weights.reduce((x, y) => x + y, 0);
  const table = new AliasTable(weights);
  const n = 200_000;
  for (const [what, draw] of [['weighted', () => r.weighted(weights)], ['alias', () => table.sample(r)]] as const) {
    const counts = new Array<number>(weights.length).fill(0);
    for (let i = 0; i < n; i++) counts[draw()]! += 1;
    weights.forEach((w, i) => {
      const p = w / total;
      within(counts[i]! / n, p, Math.sqrt((p * (1 - p)) / n) || 1e-12, `${what} index ${i}`);
    });
  }
  assert.throws(() => new AliasTable([]), RangeError);
  assert.throws(() => new AliasTable([0, 0]), RangeError);
  assert.throws(() => new AliasTable([1, -1]), RangeError);
});

test('shuffle is a permutation with every position equally likely', () => {
  const r = new Random(19);
  const n = 60_000;
  const pos = new Array<number>(5).fill(0);
  for (let i = 0; i < n; i++) {
    const xs = r.shuffle([0, 1, 2, 3, 4]);
    assert.deepEqual([...xs].sort(), [0, 1, 2, 3, 4]);
    pos[xs.indexOf(0)]! += 1;
  }
  for (const c of pos) within(c / n, 0.2, Math.sqrt(0.16 / n), 'position of the first element');
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) seen.add(r.pick(['a', 'b', 'c']));
  assert.equal(seen.size, 3);
});
