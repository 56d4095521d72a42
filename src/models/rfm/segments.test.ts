import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCoverage, DEFAULT_LRFMP_SEGMENTS, DEFAULT_RFM_SEGMENTS, parseRules, segmentOf } from './segments.ts';
import { quantileEdges, scoreOf } from './binning.ts';

test('the default RFM table names every one of the 125 score combinations, with at least ten names', () => {
  checkCoverage(DEFAULT_RFM_SEGMENTS, ['r', 'f', 'm'], 5, 'rfm');
  assert.ok(new Set(DEFAULT_RFM_SEGMENTS.map((r) => r.name)).size >= 10);
  assert.equal(segmentOf(DEFAULT_RFM_SEGMENTS, { r: 5, f: 5, m: 5, fm: 5 }), 'Champions');
  assert.equal(segmentOf(DEFAULT_RFM_SEGMENTS, { r: 1, f: 1, m: 1, fm: 1 }), 'Lost');
  assert.equal(segmentOf(DEFAULT_RFM_SEGMENTS, { r: 1, f: 5, m: 5, fm: 5 }), "Can't lose them");
  assert.equal(segmentOf(DEFAULT_RFM_SEGMENTS, { r: 5, f: 1, m: 2, fm: 2 }), 'New');
});

test('the default LRFMP table covers every combination of its five scores', () => {
  checkCoverage(DEFAULT_LRFMP_SEGMENTS, ['l', 'r', 'f', 'm', 'p'], 5, 'lrfmp');
});

test('a table with a gap is refused, naming an uncovered combination', () => {
  const rules = parseRules([{ name: 'Top', when: { r: [5, 5] } }], 'segments.rfm');
  assert.throws(() => checkCoverage(rules, ['r', 'f', 'm'], 5, 'rfm'), (e: { code: string; message: string }) => e.code === 'segments-incomplete' && /r=1 f=1 m=1/.test(e.message));
  assert.throws(() => parseRules([{ name: 'X', when: { q: [1, 2] } }], 'segments.rfm'), (e: { code: string }) => e.code === 'invalid-config');
});

test('quantile edges match numpy linear interpolation; ties at an edge go to the lower bin', () => {
  // numpy.quantile([1,2,3,4,5,6,7,8,9,10], [.2,.4,.6,.8]) = [2.8, 4.6, 6.4, 8.2]
  const edges = quantileEdges([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 5);
  assert.deepEqual(edges.map((e) => Math.round(e * 1e9) / 1e9), [2.8, 4.6, 6.4, 8.2]);
  assert.deepEqual([1, 3, 5, 7, 9, 10].map((x) => scoreOf(x, edges)), [1, 2, 3, 4, 5, 5]);
  assert.deepEqual([1, 10].map((x) => scoreOf(x, edges, false)), [5, 1]);
  // many equal values: all of them share one bin, never split
  const tied = quantileEdges([1, 1, 1, 1, 1, 1, 2, 3, 4, 5], 5);
  assert.deepEqual(tied.map((e) => Math.round(e * 1e9) / 1e9), [1, 1, 1.4, 3.2]);
  assert.deepEqual([1, 2, 3, 4].map((x) => scoreOf(x, tied)), [1, 4, 4, 5]);
});
