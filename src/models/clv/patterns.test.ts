import { test } from 'node:test';
import assert from 'node:assert/strict';
import { index, patternSet, patternSetOfColumns, patternSetOfSorted } from './patterns.ts';
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

test('index: the distinct values in order of first appearance and each row\'s position, through the table\'s growth', () => {
  // 40,000 rows over 5,000 distinct values (the table grows from 1,024 slots several times), −0 and 0 as one value
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const values = Float64Array.from({ length: 40000 }, () => Math.floor(rnd() * 5000) / 7);
  values[10] = -0;
  values[20] = 0;
  const { u, i } = index(values);
  const first = new Map<number, number>();
  for (const v of values) if (!first.has(v)) first.set(v, first.size);
  assert.equal(u.length, first.size);
  // (a Map keys −0 as 0; the first appearance, −0 here, is the one kept)
  assert.deepEqual(Array.from(u, (v) => v + 0), [...first.keys()]);
  assert.ok(Object.is(u[i[10]!], -0));
  values.forEach((v, k) => assert.equal(i[k], first.get(v)));
  assert.ok(u.length > 4000);
  assert.deepEqual(index(new Float64Array(0)), { u: new Float64Array(0), i: new Int32Array(0) });
});
