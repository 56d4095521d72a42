import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patternSet, patternSetOfColumns, patternSetOfSorted } from './patterns.ts';
import { runFitJob } from './fit-worker.ts';
import { simulateBgNbd } from './simulate.ts';

const f = (a: number[]) => Float64Array.from(a);

test('patternSetOfSorted: rows distinct and in (x, t_x, T) order give patternSet\'s set; others fall back to it', () => {
  const s = simulateBgNbd(5000, { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, { p: 6.25, q: 3.74, gamma: 15.44 }, { seed: 3, maxT: 39 });
  const whole = patternSet(s.x, s.tx, s.T);
  // the patterns as a GROUP BY … ORDER BY x, t_x, T gives them
  const order = Array.from({ length: whole.size }, (_, i) => i).sort((i, j) => whole.x[i]! - whole.x[j]! || whole.tx[i]! - whole.tx[j]! || whole.T[i]! - whole.T[j]!);
  const col = (a: Float64Array) => Float64Array.from(order, (i) => a[i]!);
  const [x, tx, T, w] = [col(whole.x), col(whole.tx), col(whole.T), col(whole.weight)];
  assert.ok(whole.size > 100);
  assert.deepEqual(patternSetOfSorted(x, tx, T, w), patternSet(x, tx, T, w));
  // repeated rows are merged, rows out of order kept in their order: as patternSet does
  const rep = [f([0, 1, 1, 2]), f([0, 1, 1, 1.5]), f([3, 3, 3, 4]), f([2, 1, 4, 1])] as const;
  assert.deepEqual(patternSetOfSorted(...rep), patternSet(...rep));
  assert.equal(patternSetOfSorted(...rep).size, 3);
  const swapped = [f([1, 0]), f([1, 0]), f([3, 3]), f([1, 1])] as const;
  assert.deepEqual(patternSetOfSorted(...swapped), patternSet(...swapped));
  // the same checks, the same messages
  assert.throws(() => patternSetOfSorted(f([0, 1]), f([0, 5]), f([3, 4]), f([1, 1])), /row 2: frequency 1, recency 5, T 4/);
  assert.throws(() => patternSetOfSorted(f([0, 1]), f([0, 1]), f([3, 4]), f([1, 0])), /row 2: weight 0/);
});

test('a fit job sent with its pattern set\'s indexes gives the fit of one that recomputes them', () => {
  const s = simulateBgNbd(3000, { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, { p: 6.25, q: 3.74, gamma: 15.44 }, { seed: 4, maxT: 39 });
  const set = patternSet(s.x, s.tx, s.T);
  const { ux, xi, utx, txi, uT, Ti, total } = set;
  const job = { kind: 'paretonbd' as const, x: set.x, tx: set.tx, T: set.T, weight: set.weight };
  assert.deepEqual(patternSetOfColumns(set.x, set.tx, set.T, set.weight), set);
  const withIndex = runFitJob({ ...job, index: { ux, xi, utx, txi, uT, Ti, total } });
  assert.ok('fit' in withIndex);
  assert.deepEqual(withIndex, runFitJob(job));
});
