import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGbt } from './gbt.ts';
import { treeData } from '../../../test/helpers/tree-synthetic.ts';

/** n rows of two numeric columns (one with missing values) and a categorical one; y from a known model. */
const design = (n: number) => treeData(n, { seed: 11, levels: 5, signal: (a) => a * a - 1, weights: true });

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
