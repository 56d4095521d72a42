// clv predict's CLV tier edges by selection (pipeline/clv.ts selectAscending): the value a sorted copy holds
// at each position, with many equal values, −0 and 0, and sorted or reversed input
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectAscending } from '../../src/pipeline/clv.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

test('selectAscending: the value of the ascending order at each position asked', () => {
  const r = rng(7);
  const cases: Float64Array[] = [
    Float64Array.from({ length: 1000 }, () => r() * 100),
    Float64Array.from({ length: 1000 }, () => Math.floor(r() * 5)),
    Float64Array.from({ length: 997 }, (_, i) => i),
    Float64Array.from({ length: 997 }, (_, i) => -i),
    Float64Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : r() - 0.5)),
    new Float64Array(64).fill(3),
    Float64Array.of(2),
  ];
  for (const a of cases) {
    const sorted = Float64Array.from(a).sort();
    const work = Float64Array.from(a);
    // several positions on the same (reordered) array, each between the positions selected before, as clvEdges
    // asks for its edges (from the top down)
    const done: number[] = [];
    for (const j of [a.length - 1 - Math.floor(a.length * 0.1), a.length - 1 - Math.floor(a.length * 0.3), a.length - 1 - Math.floor(a.length * 0.6), 0, a.length - 1]) {
      const from = Math.max(0, ...done.filter((p) => p < j).map((p) => p + 1));
      const to = Math.min(a.length - 1, ...done.filter((p) => p > j).map((p) => p - 1));
      const v = selectAscending(work, j, from, to);
      done.push(j);
      assert.ok(v === sorted[j] || (v === 0 && sorted[j] === 0), `position ${j} of ${a.length}: ${v} against ${sorted[j]}`);
      // the values above it: as many as in the sorted copy
      assert.equal(work.filter((x) => x > v).length, sorted.filter((x) => x > v).length);
    }
    assert.deepEqual(Float64Array.from(work).sort(), sorted, 'the values are only reordered');
  }
});
