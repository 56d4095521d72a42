import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digamma } from '../special.ts';
import { dropoutMixtureSetDerivatives, dropoutMixtureSetLogLikelihood, fitBgNbd, mixtureDerivatives, trigamma, type BgNbdParams } from './bgnbd.ts';
import { maximizeLikelihood } from './fit.ts';
import { fitGammaGamma, gammaGammaSetDerivatives, gammaGammaSetLogLikelihood, spendData } from './gamma-gamma.ts';
import { fitMbgNbd } from './mbgnbd.ts';
import { fitParetoNbd, paretonbdSetLogLikelihood, paretonbdSetLogLikelihoodGradient } from './paretonbd.ts';
import { maxT, patternSet, thinnedPatternSet, toPatternSet, toPatterns, type PatternSet } from './patterns.ts';
import { simulateBgNbd } from './simulate.ts';

const unpack = (t: number[]): BgNbdParams => ({ r: t[0]!, alpha: t[1]!, a: t[2]!, b: t[3]! });

test('trigamma: π²/6 at 1, π²/2 at ½, the recurrence ψ′(x+1) = ψ′(x) − 1/x², and the derivative of digamma', () => {
  assert.ok(Math.abs(trigamma(1) / (Math.PI ** 2 / 6) - 1) < 1e-14);
  assert.ok(Math.abs(trigamma(0.5) / (Math.PI ** 2 / 2) - 1) < 1e-14);
  for (const x of [1e-4, 0.3, 2.5, 9.9, 10, 17, 1e4]) {
    assert.ok(Math.abs(trigamma(x + 1) - (trigamma(x) - 1 / (x * x))) < 1e-13 * trigamma(x), `x = ${x}`);
    const h = 1e-4 * x;
    assert.ok(Math.abs((digamma(x + h) - digamma(x - h)) / (2 * h) / trigamma(x) - 1) < 1e-6, `x = ${x}`);
  }
});

test('BG/NBD and MBG/NBD: the analytic Hessian in log space equals central differences of the analytic gradient; value and gradient equal the likelihood pass', () => {
  const set = toPatternSet(toPatterns([0, 1, 3, 7, 2, 0, 1], [0, 1, 4, 9, 2, 0, 6], [5, 5, 6, 10, 8, 9, 6], [3, 1, 2, 1, 4, 7, 2]));
  for (const shift of [0, 1] as const) {
    const theta = [0.7, 3.1, 0.6, 2.2];
    const d = dropoutMixtureSetDerivatives(unpack(theta), set, shift);
    const g = [0, 0, 0, 0];
    const ll = dropoutMixtureSetLogLikelihood(unpack(theta), set, shift, g);
    assert.ok(Math.abs(d.value - ll) < 1e-12 * Math.abs(ll), `shift ${shift}: ${d.value} vs ${ll}`);
    g.forEach((gi, i) => assert.ok(Math.abs(d.gradient[i]! - gi) < 1e-10 * (1 + Math.abs(gi)), `shift ${shift}, ∂/∂ln θ${i}`));
    const v = theta.map(Math.log);
    const h = 1e-5;
    for (let j = 0; j < 4; j++) {
      const up = [...v];
      const dn = [...v];
      up[j] = up[j]! + h;
      dn[j] = dn[j]! - h;
      const gu = [0, 0, 0, 0];
      const gd = [0, 0, 0, 0];
      dropoutMixtureSetLogLikelihood(unpack(up.map(Math.exp)), set, shift, gu);
      dropoutMixtureSetLogLikelihood(unpack(dn.map(Math.exp)), set, shift, gd);
      for (let i = 0; i < 4; i++) {
        const fd = (gu[i]! - gd[i]!) / (2 * h);
        assert.ok(Math.abs(d.hessian[i * 4 + j]! - fd) < 1e-6 * (1 + Math.abs(fd)), `shift ${shift}, H[${i}][${j}] = ${d.hessian[i * 4 + j]} vs ${fd}`);
      }
    }
  }
});

/** The BFGS fit of maximizeLikelihood (without the Hessian: the optimiser before Newton's). */
function bfgsFit(s: PatternSet, shift: 0 | 1, penalizer = 0) {
  return maximizeLikelihood({
    model: 'x', names: ['r', 'alpha', 'a', 'b'], customers: s.total, penaltyScale: [1, 1 / maxT(s), 1, 1],
    logLikelihood: (t) => dropoutMixtureSetLogLikelihood(unpack(t), s, shift),
    valueAndGradientLog: (t) => {
      const g = [0, 0, 0, 0];
      return [dropoutMixtureSetLogLikelihood(unpack(t), s, shift, g), g];
    },
  }, { penalizer });
}

test('Newton\'s fit from the thinned patterns\' optimum equals the BFGS fit on 100,000 simulated customers (BG/NBD, MBG/NBD, with and without a penalty)', () => {
  const sim = simulateBgNbd(100_000, { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, { p: 6.25, q: 3.74, gamma: 15.44 }, { seed: 3, maxT: 78 });
  const set = patternSet(sim.x, sim.tx, sim.T);
  const thin = thinnedPatternSet(set);
  // 37,000 patterns: thinned to about half, the weights scaled up to about as many customers
  assert.ok(thin && thin.size < 0.6 * set.size && Math.abs(thin.total / set.total - 1) < 0.02, `${thin?.size} of ${set.size}, ${thin?.total}`);
  assert.equal(thinnedPatternSet(set), thin);
  assert.equal(thinnedPatternSet(toPatternSet(toPatterns([1, 2], [1, 2], [3, 4]))), null);
  for (const shift of [0, 1] as const) {
    for (const penalizer of [0, 0.1]) {
      const fit = shift ? fitMbgNbd(set, { penalizer }) : fitBgNbd(set, { penalizer });
      assert.equal(fit.method, 'newton');
      const ref = bfgsFit(set, shift, penalizer);
      for (const k of ['r', 'alpha', 'a', 'b']) {
        assert.ok(Math.abs(fit.params[k]! / ref.params[k]! - 1) < 1e-6, `shift ${shift}, λ ${penalizer}: ${k} ${fit.params[k]} vs ${ref.params[k]}`);
        assert.ok(Math.abs(fit.standardErrors[k]! / ref.standardErrors[k]! - 1) < 1e-5, `shift ${shift}, λ ${penalizer}: SE(${k}) ${fit.standardErrors[k]} vs ${ref.standardErrors[k]}`);
      }
      assert.ok(Math.abs(fit.logLikelihood / ref.logLikelihood - 1) < 1e-9, `${fit.logLikelihood} vs ${ref.logLikelihood}`);
    }
  }
});

test('where Newton does not reach an interior optimum with a positive-definite Hessian, the fit is BFGS\'s as before', () => {
  // a strong penalty: the Hessian of −ln L alone is not positive definite at the penalised estimate
  const sim = simulateBgNbd(3000, { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, { p: 6.25, q: 3.74, gamma: 15.44 }, { seed: 5, maxT: 78 });
  const set = patternSet(sim.x, sim.tx, sim.T);
  const fit = fitBgNbd(set, { penalizer: 10 });
  const ref = bfgsFit(set, 0, 10);
  assert.equal(fit.method, ref.method);
  assert.deepEqual(fit.params, ref.params);
  assert.deepEqual(fit.standardErrors, ref.standardErrors);
  // the derivatives' spec: a coarse likelihood only for a large set
  assert.equal(mixtureDerivatives(set, 0).coarse, undefined);
});

test('Pareto/NBD on 100,000 simulated customers: BFGS from the thinned patterns\' optimum with its inverse Hessian reaches BFGS\'s estimate from (1, 1, 1, 1)', () => {
  const sim = simulateBgNbd(100_000, { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, { p: 6.25, q: 3.74, gamma: 15.44 }, { seed: 3, maxT: 78 });
  const set = patternSet(sim.x, sim.tx, sim.T);
  const fit = fitParetoNbd(set);
  const pp = (t: number[]) => ({ r: t[0]!, alpha: t[1]!, s: t[2]!, beta: t[3]! });
  const ref = maximizeLikelihood({
    model: 'x', names: ['r', 'alpha', 's', 'beta'], customers: set.total, penaltyScale: [1, 1 / maxT(set), 1, 1 / maxT(set)], penaltyOnSum: true,
    logLikelihood: (t) => paretonbdSetLogLikelihood(pp(t), set),
    valueAndGradientLog: (t) => {
      const g = [0, 0, 0, 0];
      return [paretonbdSetLogLikelihoodGradient(pp(t), set, g), g];
    },
  });
  assert.equal(fit.method, 'bfgs');
  for (const k of ['r', 'alpha', 's', 'beta']) {
    assert.ok(Math.abs(fit.params[k]! / ref.params[k]! - 1) < 1e-6, `${k} ${fit.params[k]} vs ${ref.params[k]}`);
    assert.ok(Math.abs(fit.standardErrors[k]! / ref.standardErrors[k]! - 1) < 1e-6, `SE(${k}) ${fit.standardErrors[k]} vs ${ref.standardErrors[k]}`);
  }
  assert.ok(Math.abs(fit.logLikelihood / ref.logLikelihood - 1) < 1e-12, `${fit.logLikelihood} vs ${ref.logLikelihood}`);
});

test('Gamma-Gamma: the analytic Hessian equals central differences of the gradient, and Newton\'s fit equals the BFGS fit (weighted, with and without a penalty)', () => {
  const sim = simulateBgNbd(20_000, { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, { p: 6.25, q: 3.74, gamma: 15.44 }, { seed: 9, maxT: 78 });
  const x: number[] = [];
  const z: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < sim.x.length; i++) {
    if (sim.x[i]! < 1) continue;
    x.push(sim.x[i]!);
    z.push(sim.zbar[i]!);
    w.push(1 + (i % 3));
  }
  const data = spendData(x, z, w);
  const gg = (t: number[]) => ({ p: t[0]!, q: t[1]!, gamma: t[2]! });
  const theta = [3.1, 2.2, 9.5];
  const d = gammaGammaSetDerivatives(gg(theta), data);
  const g0 = [0, 0, 0];
  assert.ok(Math.abs(d.value / gammaGammaSetLogLikelihood(gg(theta), data, g0) - 1) < 1e-12);
  g0.forEach((gi, i) => assert.ok(Math.abs(d.gradient[i]! - gi) < 1e-8 * (1 + Math.abs(gi)), `∂/∂ln θ${i}: ${d.gradient[i]} vs ${gi}`));
  const v = theta.map(Math.log);
  for (let j = 0; j < 3; j++) {
    const up = [...v];
    const dn = [...v];
    up[j] = up[j]! + 1e-5;
    dn[j] = dn[j]! - 1e-5;
    const gu = [0, 0, 0];
    const gd = [0, 0, 0];
    gammaGammaSetLogLikelihood(gg(up.map(Math.exp)), data, gu);
    gammaGammaSetLogLikelihood(gg(dn.map(Math.exp)), data, gd);
    for (let i = 0; i < 3; i++) {
      const fd = (gu[i]! - gd[i]!) / 2e-5;
      assert.ok(Math.abs(d.hessian[i * 3 + j]! - fd) < 1e-6 * (1 + Math.abs(fd)), `H[${i}][${j}] = ${d.hessian[i * 3 + j]} vs ${fd}`);
    }
  }
  for (const penalizer of [0, 0.01]) {
    const fit = fitGammaGamma(x, z, { weights: w, penalizer });
    assert.equal(fit.method, 'newton');
    const ref = maximizeLikelihood({
      model: 'x', names: ['p', 'q', 'gamma'], customers: fit.customers,
      logLikelihood: (t) => gammaGammaSetLogLikelihood(gg(t), data),
      valueAndGradientLog: (t) => {
        const g = [0, 0, 0];
        return [gammaGammaSetLogLikelihood(gg(t), data, g), g];
      },
    }, { penalizer });
    for (const k of ['p', 'q', 'gamma']) {
      assert.ok(Math.abs(fit.params[k]! / ref.params[k]! - 1) < 1e-6, `λ ${penalizer}: ${k} ${fit.params[k]} vs ${ref.params[k]}`);
      assert.ok(Math.abs(fit.standardErrors[k]! / ref.standardErrors[k]! - 1) < 1e-5, `λ ${penalizer}: SE(${k}) ${fit.standardErrors[k]} vs ${ref.standardErrors[k]}`);
    }
  }
});
