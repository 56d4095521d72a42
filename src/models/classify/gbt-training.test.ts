import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGbt, GBT_DESIGN } from './gbt.ts';
import type { DesignMatrix } from './types.ts';

/** n rows of two numeric columns (one with missing values) and a categorical one; y from a known model. */
function design(n: number): { design: DesignMatrix; y: Float64Array; weights: Float64Array } {
  const p = 3;
  const x = new Float64Array(n * p), y = new Float64Array(n), weights = new Float64Array(n);
  let s = 11;
  const next = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  for (let i = 0; i < n; i++) {
    const a = next() * 4 - 2, b = next() * 50, c = Math.floor(next() * 5);
    x[i * p] = a;
    x[i * p + 1] = next() < 0.05 ? NaN : b;
    x[i * p + 2] = c;
    y[i] = next() < 1 / (1 + Math.exp(-(a * a - 1 + (b > 30 ? 0.7 : 0) + (c === 3 ? -1 : 0.3)))) ? 1 : 0;
    weights[i] = 0.5 + next();
  }
  return {
    design: {
      x, n, p,
      encoding: {
        options: GBT_DESIGN,
        features: [{ name: 'a', kind: 'numeric' }, { name: 'b', kind: 'numeric' }, { name: 'c', kind: 'categorical' }],
        columns: [
          { name: 'a', feature: 'a', kind: 'numeric' },
          { name: 'b', feature: 'b', kind: 'numeric' },
          { name: 'c', feature: 'c', kind: 'codes', levels: ['0', '1', '2', '3', '4'], categorical: true },
        ],
      },
    },
    y, weights,
  };
}

test('the fit keeps its training rows’ probabilities: exactly predictProba’s on the same rows, taken once', () => {
  // 30,000 rows: with two threads the worker shares the large nodes
  const { design: d, y, weights } = design(30_000);
  for (const [w, threads] of [[undefined, 1], [weights, 1], [undefined, 2]] as const) {
    const m = fitGbt({ design: d, y, weights: w }, { maxIter: 12, maxLeafNodes: 15 }, { threads });
    const kept = m.trainingProbabilities();
    assert.ok(kept, 'the fit has them');
    const predicted = m.predictProba(d.x, d.n);
    assert.equal(kept.length, d.n);
    for (let i = 0; i < d.n; i++) if (kept[i] !== predicted[i]) assert.fail(`row ${i}: kept ${kept[i]}, predicted ${predicted[i]}`);
    assert.equal(m.trainingProbabilities(), null, 'taken once');
  }
});

test('after early stopping (a hold-out: the fit saw a subset) the training probabilities are not kept', () => {
  const { design: d, y } = design(3_000);
  const m = fitGbt({ design: d, y }, { maxIter: 5, earlyStopping: true });
  assert.equal(m.trainingProbabilities(), null);
});
