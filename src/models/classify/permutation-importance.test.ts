import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../random.ts';
import { auc } from './metrics.ts';
import { fitGbt } from './gbt.ts';
import { permutationImportance } from './permutation-importance.ts';
import type { DesignMatrix, FittedClassifier } from './types.ts';
import { twoNumericOneCategorical } from '../../../test/helpers/tree-synthetic.ts';

function design(n: number, seed: number): { d: DesignMatrix; y: Float64Array } {
  const rng = new Random(seed);
  const x = new Float64Array(n * 3);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i * 3] = rng.normal();
    x[i * 3 + 1] = rng.normal();
    x[i * 3 + 2] = rng.int(0, 3);
    y[i] = rng.next() < 1 / (1 + Math.exp(-(2 * x[i * 3]! + (x[i * 3 + 2] === 1 ? 1 : 0)))) ? 1 : 0;
  }
  const d = twoNumericOneCategorical(x, n, ['signal', 'noise', 'level'], ['a', 'b', 'c', 'd']);
  return { d, y };
}

test('a feature the model does not read has importance exactly 0; the one it reads loses AUC down to about 0.5', () => {
  const { d, y } = design(2000, 1);
  // a "model" that scores by the first column only
  const firstColumn: FittedClassifier = {
    algorithm: 'gbt', p: 3,
    predictProba: (x, n, out) => { const o = out ?? new Float64Array(n); for (let i = 0; i < n; i++) o[i] = x[i * 3]!; return o; },
    importance: () => [],
    toJSON: () => { throw new Error('not stored'); },
  };
  const imp = permutationImportance(firstColumn, d, y, { repeats: 3, seed: 2 });
  const byName = new Map(imp.map((r) => [r.name, r]));
  assert.equal(byName.get('noise')!.value, 0);
  assert.equal(byName.get('level')!.value, 0);
  const base = auc(y, Float64Array.from({ length: d.n }, (_, i) => d.x[i * 3]!));
  // shuffled, the score is independent of y: AUC near 0.5, so the drop is near base − 0.5
  assert.ok(Math.abs(byName.get('signal')!.value - (base - 0.5)) < 0.05, `${byName.get('signal')!.value} vs ${base - 0.5}`);
  assert.equal(imp[0]!.name, 'signal');
});

test('trees on held-out rows: signal > categorical level > noise ≈ 0', () => {
  const train = design(3000, 3), held = design(2000, 4);
  const model = fitGbt({ design: train.d, y: train.y }, { maxIter: 50 });
  const imp = permutationImportance(model, held.d, held.y, { repeats: 5, seed: 0 });
  assert.deepEqual(imp.map((r) => r.name), ['signal', 'level', 'noise']);
  assert.ok(Math.abs(imp[2]!.value) < 0.01, `noise ${imp[2]!.value}`);
  assert.ok(imp[1]!.value > 0.01, `level ${imp[1]!.value}`);
});
