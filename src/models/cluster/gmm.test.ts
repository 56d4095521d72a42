import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSegmintError } from '../../core/errors.ts';
import { fitGaussianMixture } from './gmm.ts';

// 300 rows in three boxes, written with integer arithmetic so that Python builds the same floats:
// C = [[0,0],[5,1],[1,5]]; x = C[i%3] + [((i·7919) mod 1000)/250 − 2, ((i·104729) mod 997)/249.25 − 2]
const C = [[0, 0], [5, 1], [1, 5]];
const X = Float64Array.from({ length: 600 }, (_, t) => {
  const i = t >> 1;
  return t % 2 === 0 ? C[i % 3]![0]! + ((i * 7919) % 1000) / 250 - 2 : C[i % 3]![1]! + ((i * 104729) % 997) / 249.25 - 2;
});
const init = { weights: [0.2, 0.3, 0.5], means: [0.5, 0.5, 4, 0, 0, 4] };
const close = (a: ArrayLike<number>, b: number[], tol: number) => b.forEach((v, i) => assert.ok(Math.abs(a[i]! - v) < tol, `${i}: ${a[i]} vs ${v}`));

// References: scikit-learn 1.2.1 GaussianMixture(n_components=3, weights_init, means_init, precisions_init = identity,
// tol=1e-3, max_iter=100, reg_covar=1e-6); log-likelihood = score(X)·n, bic(X).
test('Gaussian mixture, full covariance: EM reaches scikit-learn 1.2.1\'s parameters, log-likelihood and BIC', () => {
  const g = fitGaussianMixture(X, 2, { k: 3, covariance: 'full', init: { ...init, covariances: [1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1] } });
  assert.equal(g.iterations, 5);
  close(g.weights, [0.33097830480921986, 0.335148925272795, 0.33387276991798515], 1e-10);
  close(g.means, [-0.02700800963445698, -0.029766493300332535, 4.9682481651821835, 0.9728948038428308, 1.0358317998820106, 4.8969580135108215], 1e-10);
  close(g.covariances, [1.4309830117843985, -0.08074216210981487, -0.08074216210981487, 1.4187805557060684, 1.4772210019116483, -0.0754826242082975,
    -0.07548262420829747, 1.3814533708801346, 1.3380421209666198, 0.01652707070783141, 0.01652707070783141, 1.4796203305887332], 1e-10);
  close([g.logLikelihood, g.bic], [-1265.3553027661374, 2627.6749076014303], 1e-8);
  assert.ok(g.converged);
});

test('Gaussian mixture, diagonal covariance: the same against scikit-learn 1.2.1, and probabilities sum to 1', () => {
  const g = fitGaussianMixture(X, 2, { k: 3, covariance: 'diag', init: { ...init, covariances: [1, 1, 1, 1, 1, 1] } });
  assert.equal(g.iterations, 5);
  close(g.weights, [0.33201085985862133, 0.334059126585236, 0.3339300135561427], 1e-10);
  close(g.means, [-0.024105045176101552, -0.019837794537813418, 4.975705373790218, 0.963681223259788, 1.041605520144551, 4.898731200033621], 1e-10);
  close(g.covariances, [1.4317728415438604, 1.434498222840875, 1.4631271458252353, 1.3754989132698532, 1.345862867288375, 1.4697628071010935], 1e-10);
  close([g.logLikelihood, g.bic], [-1265.5620006449276, 2610.976955935042], 1e-8);
  for (let i = 0; i < 300; i++) assert.ok(Math.abs(g.probabilities[i * 3]! + g.probabilities[i * 3 + 1]! + g.probabilities[i * 3 + 2]! - 1) < 1e-12);
});

test('Gaussian mixture from k-means: BIC is lowest at the planted k; bad k is invalid-k', () => {
  const bic = [1, 2, 3, 4, 5].map((k) => fitGaussianMixture(X, 2, { k, covariance: 'diag', seed: 1 }).bic);
  assert.equal(bic.indexOf(Math.min(...bic)) + 1, 3);
  assert.throws(() => fitGaussianMixture(X, 2, { k: 0 }), (e) => isSegmintError(e, 'invalid-k'));
});
