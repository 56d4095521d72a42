import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../random.ts';
import { groupsByRank } from './deciles.ts';

/** The definition: sort the row indices by score descending, ties by index, cut the ranks. */
function naive(p: Float64Array, groups: number): Int32Array {
  const n = p.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) out[order[r]!] = Math.min(groups, Math.floor((r * groups) / n) + 1);
  return out;
}

test('groupsByRank equals the sort-by-comparator definition, with ties across boundaries', () => {
  const r = new Random(3);
  for (const n of [1, 2, 3, 9, 10, 11, 37, 1000, 4099]) {
    for (const levels of [2, 3, 7, 1000, 0]) {
      // levels 0: continuous scores; otherwise few distinct values, so ties straddle group boundaries
      const p = Float64Array.from({ length: n }, () => (levels ? Math.floor(r.next() * levels) / levels : r.next()));
      for (const groups of [10, 4, 1]) assert.deepEqual(groupsByRank(p, groups), naive(p, groups), `n ${n}, levels ${levels}, groups ${groups}`);
    }
  }
  const same = new Float64Array(25).fill(0.5);
  assert.deepEqual([...groupsByRank(same)], [...naive(same, 10)]);
  assert.deepEqual([...groupsByRank(same)].slice(0, 3), [1, 1, 1]);
  assert.equal(groupsByRank(new Float64Array(0)).length, 0);
});
