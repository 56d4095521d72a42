import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSegmintError } from '../../core/errors.ts';
import { fitPreprocess } from './preprocess.ts';

const num = (name: string, v: number[]) => ({ name, kind: 'numeric' as const, values: Float64Array.from(v) });

test('standard scaling of huge values: finite centre and sd, equal to the values scaled down by 1e200', () => {
  const v = [1e200, -1e200, 3e200, 0, 5e199, 1, 2, 3];
  const big = fitPreprocess([num('a', v)]).preprocessing.steps[0]!;
  const small = fitPreprocess([num('a', v.map((x) => x / 1e200))]).preprocessing.steps[0]!;
  assert.ok(Number.isFinite(big.center) && Number.isFinite(big.scale), `${big.center} ${big.scale}`);
  assert.ok(Math.abs(big.scale / 1e200 - small.scale) < 1e-12 * small.scale, `${big.scale} vs ${small.scale}e200`);
  assert.ok(Math.abs(big.center / 1e200 - small.center) < 1e-12 * Math.abs(small.center));
  // the model JSON keeps the numbers (JSON.stringify(Infinity) would be null)
  assert.doesNotMatch(JSON.stringify(big), /"(center|scale)":null/);
});

test('an infinite value is invalid-value with a hint, not a constant column', () => {
  assert.throws(() => fitPreprocess([num('a', [Infinity, 1, 2, 3]), num('b', [1, 2, 3, 4])]),
    (e) => isSegmintError(e, 'invalid-value') && /a/.test((e as Error).message) && Boolean((e as { hint?: string }).hint));
  assert.throws(() => fitPreprocess([num('a', [1, -Infinity, 2, 3])]), (e) => isSegmintError(e, 'invalid-value'));
});
