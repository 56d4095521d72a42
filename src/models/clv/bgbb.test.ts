import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCsv } from '../../../test/helpers/csv.ts';
import { shared } from '../../../test/helpers/workspace.ts';
import { bgbbLogLikelihood, fitBgBb } from './bgbb.ts';

const donations = shared('lifetimes-donations/donations.csv');
test('BG/BB parameters match the published donation estimates (Fader, Hardie & Shang 2010)', { skip: donations.skip }, () => {
  const rows = readCsv(donations.path).rows.map((r) => r.map(Number));
  const fit = fitBgBb(rows.map(([x, tx, n, w]) => ({ x: x!, tx: tx!, n: n!, weight: w! })));
  assert.equal(rows.reduce((s, r) => s + r[3]!, 0), 11104);
  // published: α = 1.204, β = 0.750, γ = 0.657, δ = 2.783, LL = −33,225.6
  assert.equal(Number(fit.params.alpha.toFixed(3)), 1.204);
  assert.equal(Number(fit.params.beta.toFixed(3)), 0.75);
  assert.equal(Number(fit.params.gamma.toFixed(3)), 0.657);
  assert.equal(Number(fit.params.delta.toFixed(3)), 2.783);
  assert.equal(Number(fit.logLikelihood.toFixed(1)), -33225.6);
});

test('BG/BB likelihood of a hand-computed case', () => {
  // one opportunity, no transaction: P = β/(α+β)·δ/(γ+δ) + γ/(γ+δ) = 1/2·1/2 + 1/2 with all parameters 1
  assert.ok(Math.abs(bgbbLogLikelihood({ alpha: 1, beta: 1, gamma: 1, delta: 1 }, 0, 0, 1) - Math.log(0.75)) < 1e-12);
  assert.throws(() => fitBgBb([{ x: 2, tx: 1, n: 3, weight: 1 }]), (e: { code: string }) => e.code === 'invalid-summary');
});
