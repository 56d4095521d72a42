import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMaximum, cdnowPatterns, cdnowSummary } from '../../../test/helpers/clv.ts';
import { lgamma } from '../special.ts';
import { hessianFromGradient, invertSpd } from '../optimize.ts';
import { FORWARD_HESSIAN_PATTERNS } from './fit.ts';
import { patternSet, toPatternSet, toPatterns } from './patterns.ts';
import { simulateBgNbd } from './simulate.ts';
import { fitParetoNbd, paretonbdConditionalExpected, paretonbdExpected, paretonbdLogLikelihood, paretonbdPAlive, paretonbdSetLogLikelihood, paretonbdSetLogLikelihoodGradient, paretonbdSetPAlive } from './paretonbd.ts';
import { pairs } from './patterns.ts';

test('Pareto/NBD log-likelihood of a hand-computed case', () => {
  // r = α = s = β = 1, x = 0, T = 1. Directly: with λ, μ ~ Exp(1), P(no purchase in (0,1]) =
  // E[e^(−(λ+μ))] + E[μ/(λ+μ) · (1 − e^(−(λ+μ)))] = 1/4 + 1/2 · 3/4 = 5/8 (λ+μ ~ Gamma(2,1), μ/(λ+μ) ~ U(0,1) independent).
  assert.ok(Math.abs(paretonbdLogLikelihood({ r: 1, alpha: 1, s: 1, beta: 1 }, 0, 0, 1) - Math.log(5 / 8)) < 1e-12);
  // α ≠ β takes the two ₂F₁ branches: compare with the direct integral over the death time τ (midpoint rule):
  // P(x = 0 in (0, 1]) = ∫₀¹ E[e^(−λτ)] f(τ) dτ + E[e^(−λ)] P(τ > 1), with E[e^(−λt)] = α/(α+t) and
  // f(τ) = β/(β+τ)², P(τ > 1) = β/(β+1) for r = s = 1
  const direct = (alpha: number, beta: number) => {
    const steps = 100000;
    let s = 0;
    for (let k = 0; k < steps; k++) {
      const t = (k + 0.5) / steps;
      s += ((alpha / (alpha + t)) * (beta / (beta + t) ** 2)) / steps;
    }
    return s + (alpha / (alpha + 1)) * (beta / (beta + 1));
  };
  for (const [alpha, beta] of [[2, 1], [1, 2]] as const) {
    const ll = paretonbdLogLikelihood({ r: 1, alpha, s: 1, beta }, 0, 0, 1);
    assert.ok(Math.abs(ll - Math.log(direct(alpha, beta))) < 1e-8, `α = ${alpha}, β = ${beta}: ${ll} vs ${Math.log(direct(alpha, beta))}`);
  }
});

test('Pareto/NBD likelihood and P(alive) of repeat buyers equal the integral over the death time', () => {
  // λ ~ Gamma(r, α) integrates to g(u) = E[λ^x e^(−λu)] = Γ(r+x)/Γ(r) · α^r/(α+u)^(r+x); the death time τ has
  // density sβ^s/(β+τ)^(s+1), so L = ∫_{t_x}^T g(τ) f(τ) dτ + (β/(β+T))^s g(T), and P(alive) is the last term / L
  const direct = (o: { r: number; alpha: number; s: number; beta: number }, x: number, tx: number, T: number) => {
    // in units of g(t_x), the integrand's largest value, so that a large x does not overflow Γ(r+x)
    const lnG = (u: number) => lgamma(o.r + x) - lgamma(o.r) + o.r * Math.log(o.alpha) - (o.r + x) * Math.log(o.alpha + u);
    const g = (u: number) => Math.exp(lnG(u) - lnG(tx));
    const steps = 100000;
    let dead = 0;
    for (let k = 0; k < steps; k++) {
      const tau = tx + ((k + 0.5) * (T - tx)) / steps;
      dead += (g(tau) * o.s * Math.pow(o.beta, o.s)) / Math.pow(o.beta + tau, o.s + 1) * ((T - tx) / steps);
    }
    const alive = Math.pow(o.beta / (o.beta + T), o.s) * g(T);
    return { ll: lnG(tx) + Math.log(dead + alive), pAlive: alive / (dead + alive) };
  };
  // α > β and α < β (the two ₂F₁ branches), s = 1, a large x; and, in days, a near-daily buyer with α ≪ β, whose
  // ₂F₁ overflowed (the likelihood was NaN)
  const cases = [[0.55, 10.6, 0.6, 11.7, 3, 20, 38], [0.55, 3, 0.6, 11.7, 3, 20, 38], [1.5, 2, 2.5, 0.7, 5, 4, 9], [0.55, 10.6, 1, 11.7, 2, 5, 30], [0.55, 10.6, 0.6, 11.7, 60, 30, 38],
    [0.5, 1, 0.5, 1e4, 200, 150, 300], [0.5, 1, 0.5, 1e4, 140, 150, 300]];
  for (const [r, alpha, s, beta, x, tx, T] of cases) {
    const o = { r: r!, alpha: alpha!, s: s!, beta: beta! };
    const d = direct(o, x!, tx!, T!);
    // 1e-6: the midpoint rule's error on the sharp peak at t_x for x = 200 (mpmath agrees with the kernel to 3e-8 there)
    assert.ok(Math.abs(paretonbdLogLikelihood(o, x!, tx!, T!) - d.ll) < 1e-6, `x = ${x}: ln L ${paretonbdLogLikelihood(o, x!, tx!, T!)} vs ${d.ll}`);
    assert.ok(Math.abs(paretonbdPAlive(o, x!, tx!, T!) - d.pAlive) < 1e-8, `x = ${x}: P(alive) ${paretonbdPAlive(o, x!, tx!, T!)} vs ${d.pAlive}`);
  }
});

test('Pareto/NBD: a frequent buyer with α > β (₂F₁ with a large first parameter just above z = 0.8) matches mpmath', () => {
  // mpmath 1.3.0 at 40 digits from the note's closed form; the 1 − z connection formula gave ln L −349.67 here
  const o = { r: 1.032758612418785, alpha: 431.7910147443811, s: 0.47106500712761246, beta: 56.74442620239247 };
  assert.ok(Math.abs(paretonbdLogLikelihood(o, 200, 36.258148582946866, 77.10176954612216) - -371.0779692630122) < 1e-8);
  assert.ok(Math.abs(paretonbdPAlive(o, 200, 36.258148582946866, 77.10176954612216) / 3.653813820388464e-6 - 1) < 1e-7);
});

test('Pareto/NBD parameters match Fader & Hardie\'s note on CDNOW', { skip: cdnowSummary.skip }, () => {
  const set = toPatternSet(cdnowPatterns());
  const fit = fitParetoNbd(set);
  const p = fit.params;
  // "A note on implementing the Pareto/NBD model in MATLAB" (2005): r = 0.5533, α = 10.5802, s = 0.6061, β = 11.6562, LL = −9595.0
  // (the optimum is flat in β: lifetimes records β = 11.669, and the standard error of β is about 6)
  assert.equal(Number(p.r.toFixed(3)), 0.553);
  assert.ok(Math.abs(p.alpha - 10.58) < 0.01, `α = ${p.alpha}`);
  assert.ok(Math.abs(p.s - 0.606) < 0.001, `s = ${p.s}`);
  assert.ok(Math.abs(p.beta - 11.66) < 0.02, `β = ${p.beta}`);
  assert.equal(Number(fit.logLikelihood.toFixed(1)), -9595.0);
  assertMaximum((t) => paretonbdSetLogLikelihood({ r: t[0]!, alpha: t[1]!, s: t[2]!, beta: t[3]! }, set), [p.r, p.alpha, p.s, p.beta], ['r', 'alpha', 's', 'beta']);
  // BTYD walkthrough: x = 26, t_x = 30.86, T = 31 expects 25.46 purchases in the next 52 weeks
  assert.equal(Number(paretonbdConditionalExpected(p, 52, 26, 30.86, 31).toFixed(2)), 25.46);
  // BTYD manual: E[X(1)] = 0.0508, E[X(9)] = 0.389 (their estimates differ slightly in the last digits)
  assert.ok(Math.abs(paretonbdExpected(p, 1) - 0.0508) < 1e-3);
  assert.ok(Math.abs(paretonbdExpected(p, 9) - 0.3891) < 5e-3);
  assert.ok(paretonbdPAlive(p, 0, 0, 38) < 1 && paretonbdPAlive(p, 0, 0, 38) > 0);
});

test('Pareto/NBD: the one-pass value and analytic gradient agree with the set likelihood and central differences', () => {
  // x = 0 and repeat buyers, t_x = T, a large x; α > β, α < β, α = β, and z = |α − β|/(h + t) close to 1 (the series' fallback)
  const set = toPatternSet(toPatterns([0, 0, 1, 3, 7, 2, 60, 200], [0, 0, 1, 4, 9, 8, 30, 150], [5, 30, 5, 6, 10, 8, 38, 300]));
  for (const theta of [[0.55, 10.6, 0.6, 11.7], [0.55, 3, 0.6, 11.7], [1.5, 2, 2.5, 0.7], [0.8, 2, 1.3, 2], [0.5, 1, 0.5, 1e4], [0.3, 500, 0.4, 0.05]]) {
    const o = { r: theta[0]!, alpha: theta[1]!, s: theta[2]!, beta: theta[3]! };
    const g = [0, 0, 0, 0];
    const v = paretonbdSetLogLikelihoodGradient(o, set, g);
    const ref = paretonbdSetLogLikelihood(o, set);
    assert.ok(Math.abs(v - ref) < 1e-10 * Math.abs(ref), `θ = ${theta}: ${v} vs ${ref}`);
    const f = (u: number[]) => paretonbdSetLogLikelihood({ r: Math.exp(u[0]!), alpha: Math.exp(u[1]!), s: Math.exp(u[2]!), beta: Math.exp(u[3]!) }, set);
    // five-point central differences with a step of 1e-3 in ln θ (error O(h⁴)): with β = 10⁴ the likelihood's own rounding
    // noise makes the usual 1e-6 step wrong in the sixth digit
    const v0 = theta.map(Math.log);
    const at = (i: number, h: number) => f(v0.map((v, j) => (j === i ? v + h : v)));
    const h = 1e-3;
    v0.forEach((_, i) => {
      const d = (-at(i, 2 * h) + 8 * at(i, h) - 8 * at(i, -h) + at(i, -2 * h)) / (12 * h);
      assert.ok(Math.abs(d - g[i]!) < 1e-7 * Math.max(1, Math.abs(d)), `θ = ${theta}, component ${i}: ${d} vs ${g[i]}`);
    });
    // P(alive) per pattern of the set, its ₂F₁ shared per pair, against the one-pattern formula
    const pa = paretonbdSetPAlive(o, set);
    for (let i = 0; i < set.size; i++) {
      const one = paretonbdPAlive(o, set.x[i]!, set.tx[i]!, set.T[i]!);
      assert.ok(Math.abs(pa[i]! - one) < 1e-12, `θ = ${theta}, pattern ${i}: P(alive) ${pa[i]} vs ${one}`);
    }
  }
});

test('Pareto/NBD on more than 100,000 patterns: the standard errors from forward differences of the gradient are those of central differences to 2e-6', () => {
  const sim = simulateBgNbd(450_000, { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, { p: 6.25, q: 3.74, gamma: 15.44 }, { seed: 11, maxT: 78 });
  const set = patternSet(sim.x, sim.tx, sim.T);
  assert.ok(set.size >= FORWARD_HESSIAN_PATTERNS, `${set.size} patterns`);
  const fit = fitParetoNbd(set);
  const names = ['r', 'alpha', 's', 'beta'] as const;
  const grad = (v: number[]) => {
    const g = [0, 0, 0, 0];
    paretonbdSetLogLikelihoodGradient({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), s: Math.exp(v[2]!), beta: Math.exp(v[3]!) }, set, g);
    return g.map((d) => -d);
  };
  // the standard errors of θ from the inverse Hessian in ln θ: θ·sqrt((H⁻¹)ᵢᵢ)
  const inv = invertSpd(hessianFromGradient(grad, names.map((k) => Math.log(fit.params[k]!))))!;
  names.forEach((k, i) => {
    const central = fit.params[k]! * Math.sqrt(inv[i]![i]!);
    assert.ok(Math.abs(fit.standardErrors[k]! / central - 1) < 2e-6, `SE(${k}) ${fit.standardErrors[k]} against ${central}`);
  });
});

test('Pareto/NBD\'s pair index: the same pairs, numbered in order of first appearance, from the grid table and from a Map', () => {
  let seed = 9;
  const next = (m: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % m);
  const n = 20_000;
  const a = Int32Array.from({ length: n }, () => next(60));
  const b = Int32Array.from({ length: n }, () => next(300));
  const grid = pairs(a, b, 300);
  const map = pairs(a, b, 300, 0);
  assert.deepEqual(grid, map);
  // first appearance: each row's pair is (a[i], b[i]), and pair j first appears before pair j + 1
  const first = new Int32Array(grid.a.length).fill(-1);
  for (let i = 0; i < n; i++) {
    const j = grid.of[i]!;
    assert.equal(grid.a[j], a[i]);
    assert.equal(grid.b[j], b[i]);
    if (first[j] === -1) first[j] = i;
  }
  for (let j = 1; j < first.length; j++) assert.ok(first[j]! > first[j - 1]!);
  assert.equal(new Set(Array.from(a, (x, i) => x * 300 + b[i]!)).size, grid.a.length);
});
