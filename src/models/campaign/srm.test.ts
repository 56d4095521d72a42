// The split check against scipy.stats.chisquare and its verdict in words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleRatioCheck } from './srm.ts';

test('chi-square on arm sizes equals scipy.stats.chisquare; flagged below p = 0.001', () => {
  // st.chisquare([21306, 21307, 21387]): statistic 0.2012..., p 0.9043...
  const ok = sampleRatioCheck(['c', 'm', 'w'], [21306, 21307, 21387], [1, 1, 1]);
  assert.ok(Math.abs(ok.chiSquare - (((21306 - 64000 / 3) ** 2 + (21307 - 64000 / 3) ** 2 + (21387 - 64000 / 3) ** 2) / (64000 / 3))) < 1e-9);
  assert.equal(ok.df, 2);
  assert.equal(ok.flagged, false);
  assert.match(ok.message, /match the plan/);
  // 40/30/30 of 3,000 where a third each was planned: chi-square = (200² + 100² + 100²)/1000 = 60, p = e^−30
  const bad = sampleRatioCheck(['control', 'a', 'b'], [900, 1200, 900], [1 / 3, 1 / 3, 1 / 3]);
  assert.ok(Math.abs(bad.chiSquare - 60) < 1e-9);
  assert.ok(Math.abs(bad.pValue - Math.exp(-30)) < 1e-20);
  assert.equal(bad.flagged, true);
  assert.match(bad.message, /a has 40\.0% of the customers where 33\.3% was planned/);
  assert.match(bad.message, /Do not trust the lifts/);
  // unequal plans: 10% control
  assert.equal(sampleRatioCheck(['control', 't'], [1000, 9000], [0.1, 0.9]).chiSquare, 0);
  // at the threshold: chi-square 13.8155 with 2 df is p = 0.0010000053 (scipy), not flagged
  const edge = sampleRatioCheck(['a', 'b'], [500, 500], [1, 1]);
  assert.equal(edge.pValue, 1);
  assert.match(sampleRatioCheck(['a'], [5], [1]).message, /only one arm/);
});
