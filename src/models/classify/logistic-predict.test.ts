// Scoring a logistic model column by column (logistic-predict.ts) gives predictProba's probabilities over the
// encoded design to the last bit: missing numbers, missing and unseen levels, one-hot columns before numeric ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { categoricalColumn, eachDesignBlock, lazyDesign, learnDesign, numericColumn } from './design.ts';
import { LOGISTIC_DESIGN, logisticClassifier, logisticProbabilities } from './logistic.ts';

test('logistic scores column by column equal predictProba over the design blocks, bit for bit', () => {
  const r = new Random(3);
  const n = 9000;
  const plan = Array.from({ length: n }, () => (r.next() < 0.05 ? null : ['a', 'b', 'c'][Math.floor(r.next() * 3)]!));
  const x = Array.from({ length: n }, () => (r.next() < 0.1 ? null : 50 + 20 * r.normal()));
  const z = Array.from({ length: n }, () => r.normal());
  const columns = [categoricalColumn('plan', plan), numericColumn('x', x), numericColumn('z', z)];
  const y = Float64Array.from({ length: n }, (_, i) => (r.next() < 1 / (1 + Math.exp(-(0.02 * ((x[i] ?? 50) - 50) + (plan[i] === 'b' ? 0.5 : 0) - z[i]! * 0.3))) ? 1 : 0));
  const encoding = learnDesign(columns, LOGISTIC_DESIGN);
  const model = logisticClassifier.fit({ design: lazyDesign(encoding, columns), y }, { C: 1 });
  // scoring rows with a level not seen in training ('d') and a missing number
  const plan2 = plan.map((v, i) => (i % 97 === 0 ? 'd' : v));
  const scoring = [categoricalColumn('plan', plan2), columns[1]!, columns[2]!];
  const want = new Float64Array(n);
  eachDesignBlock(encoding, scoring, (xb, from, to) => model.predictProba(xb, to - from, want.subarray(from, to)));
  const got = new Float64Array(n);
  assert.equal(logisticProbabilities(model, encoding, scoring, got), true);
  assert.deepEqual(got, want);
  // ±∞ is refused as the encoder refuses it
  const bad = [scoring[0]!, numericColumn('x', x.map((v, i) => (i === 5 ? Infinity : v))), scoring[2]!];
  assert.throws(() => logisticProbabilities(model, encoding, bad, got), (e: unknown) => isSegmintError(e) && e.code === 'invalid-feature-value');
});
