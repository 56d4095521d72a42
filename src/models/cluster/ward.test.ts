import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../random.ts';
import { adjustedRandIndex } from './metrics.ts';
import { isSegmintError } from '../../core/errors.ts';
import { cutTree, fitWard, wardFitter, wardLinkage } from './ward.ts';

// 60 rows of three Gaussian blobs (numpy default_rng(5), rounded to 6 decimals) and the merge heights of
// scipy 1.10.1 linkage(X, 'ward') on them.
const X = Float64Array.from([
  -0.801931, -1.324359, 3.751638, 1.420445, 2.136047, 4.109706, -0.552647, -0.78478, 4.748746, 2.634783,
  1.272769, 2.766671, -0.958265, 1.600019, 4.202882, -0.732135, 0.916304, 2.836774, -0.629288, -0.488006,
  3.286687, 1.553378, 0.936914, 3.410569, 0.409638, 0.829855, 2.356977, 0.74327, 0.019253, 3.826845, -1.289419,
  0.02069, 3.962114, 0.695662, -0.047927, 3.60381, -1.091329, -1.355209, 4.224786, -0.10935, 2.170296,
  4.716588, -1.997817, 0.272129, 2.898283, 1.033057, 1.043632, 2.01157, -0.233423, -0.25579, 4.962001,
  -0.181447, 1.738042, 2.901027, -0.331291, -0.840473, 5.448731, 1.568213, 3.431733, 4.641916, 0.844993,
  0.840683, 3.393388, 0.929972, 2.350389, 3.603449, 0.1888, -0.021223, 4.609216, 0.635091, 0.847638, 4.242381,
  0.103023, -0.864973, 4.895783, -0.298481, -0.201116, 2.717508, 0.966972, -0.360608, 3.028964, -0.136021,
  1.421131, 2.945159, -1.272078, 0.613993, 2.803292, 0.677562, 0.993238, 3.554665, -0.054094, 1.338773,
  3.483106, -0.259307, -0.836746, 3.795234, -0.352257, 0.265091, 3.535755, 0.521362, 0.278684, 3.48024,
  0.160227, -0.380353, 4.100442, 2.901187, 1.479118, 2.42391, 1.73353, 0.34781, 3.058587, 1.907049, 1.017656,
  3.384781, -0.633509, -0.993432, 4.048119, 2.068817, 0.674948, 4.420824,
]);
const HEIGHTS = [
  0.08476020002336002, 0.1344685118531473, 0.18220998256224413, 0.22377292094442522, 0.23209749931440424,
  0.23293295950766593, 0.24832184831182272, 0.2910376692182646, 0.3074575354050268, 0.3602648653824017,
  0.36796736962127496, 0.4208476995790758, 0.4327013921736329, 0.4337855677593867, 0.4354896343301411,
  0.4545885245772637, 0.4589481113165191, 0.4705787861346914, 0.5475172630266255, 0.5497623513964922,
  0.5755563561531865, 0.5846955441030827, 0.5935563663966549, 0.6231700742502001, 0.7009059620462644,
  0.712942658104423, 0.7169462574403328, 0.7411806426895313, 0.7457351541724896, 0.8296436213608023,
  0.900030125844426, 0.9411560283805231, 0.9966180667264999, 1.0286768818521195, 1.0430616563044104,
  1.0437754691924888, 1.0692375888484593, 1.143416715284575, 1.2028315283536868, 1.2150327434021275,
  1.2345213081528132, 1.4081410047858367, 1.5691021377744978, 1.6060548491108058, 1.774669812995176,
  1.82146806971849, 2.1372811857092855, 2.1751577475420474, 2.3947692740513298, 2.456661356817622,
  2.558953912888708, 3.543398781231459, 3.7576815456270953, 4.167793722656707, 4.330756895340781,
  5.206556375508451, 5.341328382598327, 16.92293626624889, 18.354507208127604,
];

test('Ward linkage: every merge height equals scipy 1.10.1 linkage(X, "ward")', () => {
  const merges = wardLinkage(X, 2);
  assert.equal(merges.length, 59);
  merges.forEach((m, i) => assert.ok(Math.abs(m.height - HEIGHTS[i]!) < 1e-12, `${i}: ${m.height} vs ${HEIGHTS[i]}`));
  assert.equal(merges[58]!.size, 60);
});

test('the dendrogram cut at 3 finds the three blobs of 20 (scipy fcluster maxclust 3: 20, 20, 20)', () => {
  const labels = cutTree(wardLinkage(X, 2), 60, 3);
  assert.equal(adjustedRandIndex(labels, Int32Array.from({ length: 60 }, (_, i) => i % 3)), 1);
  assert.ok([...cutTree(wardLinkage(X, 2), 60, 1)].every((l) => l === 0));
  assert.equal(new Set(cutTree(wardLinkage(X, 2), 60, 60)).size, 60);
});

test('above maxRows the tree is built on a sample and every row joins the nearest cluster', () => {
  const rng = new Random(4);
  const Y = Float64Array.from({ length: 3000 * 2 }, (_, t) => (Math.floor(t / 2) % 2 === 0 ? 0 : 10) + rng.normal());
  const f = fitWard(Y, 2, { k: 2, maxRows: 500, seed: 1 });
  assert.equal(f.treeRows, 500);
  assert.equal(f.labels.length, 3000);
  assert.equal(adjustedRandIndex(f.labels, Int32Array.from({ length: 3000 }, (_, i) => i % 2)), 1);
});

test('Ward with k above the distinct rows is invalid-k, never an empty cluster', () => {
  const D = Float64Array.from([1, 1, 1, 1, 2, 2]);
  assert.throws(() => wardFitter(D, 1)(3), (e) => isSegmintError(e, 'invalid-k'));
  assert.throws(() => fitWard(D, 1, { k: 3 }), (e) => isSegmintError(e, 'invalid-k'));
  const two = wardFitter(D, 1)(2);
  assert.deepEqual([...two.labels], [0, 0, 0, 0, 1, 1]);
});
