import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../random.ts';
import { groupsByRank, rankGroups } from './deciles.ts';

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

test('rankGroups says when the groups depend on the order of tied rows (some of a boundary value above it, some below)', () => {
  const r = new Random(5);
  let split = 0;
  let whole = 0;
  for (const n of [1, 10, 11, 37, 1000]) {
    for (const levels of [2, 3, 7, 1000, 0]) {
      const p = Float64Array.from({ length: n }, () => (levels ? Math.floor(r.next() * levels) / levels : r.next()));
      const { groups, tiesSplit } = rankGroups(p);
      assert.deepEqual(groups, groupsByRank(p));
      // the rows in reverse order: their groups, back in the original order
      const rev = Float64Array.from(p).reverse();
      const back = Int32Array.from(naive(rev, 10)).reverse();
      const same = back.every((g, i) => g === groups[i]);
      if (!tiesSplit) assert.ok(same, `n ${n}, levels ${levels}: no split, so the order of ties must not matter`);
      if (!same) assert.ok(tiesSplit, `n ${n}, levels ${levels}: the order mattered`);
      if (tiesSplit) split++;
      else whole++;
    }
  }
  assert.ok(split > 0 && whole > 0);
  assert.equal(rankGroups(Float64Array.from({ length: 100 }, (_, i) => i)).tiesSplit, false);
  assert.equal(rankGroups(new Float64Array(20).fill(0.5)).tiesSplit, true);
});
