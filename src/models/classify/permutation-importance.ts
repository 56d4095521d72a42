/**
 * Permutation importance (Breiman 2001, §10; Fisher, Rudin & Dominici 2019 "model reliance"; scikit-learn's
 * `permutation_importance`): the drop in AUC on held-out rows when one input feature's values are shuffled
 * across the rows, breaking its link with the outcome while keeping its distribution. All design columns of
 * a feature (its one-hot columns, its missing indicator) are shuffled together by one permutation. Reported
 * as the mean drop over `repeats` seeded shuffles, with their standard deviation. Pure; works with any
 * fitted classifier. Measured on rows the model was not fitted on, it says what the model relies on to
 * generalise, not what it memorised.
 */

import { SegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';
import { auc } from './metrics.ts';
import type { DesignMatrix, FeatureImportance, FittedClassifier } from './types.ts';

export interface PermutationOptions {
  /** shuffles per feature. Default 5 */
  repeats?: number;
  seed?: number;
  /** per-row weights of the AUC */
  weights?: Float64Array;
}

/** Permutation importance of each input feature of `design` (held-out rows) for `model`, largest first. */
export function permutationImportance(model: FittedClassifier, design: DesignMatrix, y: Float64Array, options: PermutationOptions = {}): (FeatureImportance & { sd: number })[] {
  const repeats = options.repeats ?? 5;
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new SegmintError('invalid-model-params', `repeats must be a whole number ≥ 1, got ${repeats}`);
  const { x, n, p } = design;
  if (y.length !== n || model.p !== p) throw new SegmintError('invalid-design', `the model takes ${model.p} columns and the design has ${p} columns, ${n} rows and ${y.length} outcomes`);
  const base = auc(y, model.predictProba(x, n), options.weights);
  // design columns per input feature, in order of first appearance
  const groups = new Map<string, number[]>();
  design.encoding.columns.forEach((c, j) => {
    const g = groups.get(c.feature);
    if (g) g.push(j);
    else groups.set(c.feature, [j]);
  });
  const rng = new Random(options.seed ?? 0, 0x7065726d);
  const shuffled = Float64Array.from(x);
  const perm = Array.from({ length: n }, (_, i) => i);
  const prob = new Float64Array(n);
  const out: (FeatureImportance & { sd: number })[] = [];
  for (const [name, cols] of groups) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      rng.shuffle(perm);
      for (const j of cols) for (let i = 0; i < n; i++) shuffled[i * p + j] = x[perm[i]! * p + j]!;
      drops.push(base - auc(y, model.predictProba(shuffled, n, prob), options.weights));
    }
    for (const j of cols) for (let i = 0; i < n; i++) shuffled[i * p + j] = x[i * p + j]!;
    const mean = drops.reduce((a, b) => a + b, 0) / repeats;
    const sd = Math.sqrt(drops.reduce((a, b) => a + (b - mean) ** 2, 0) / repeats);
    out.push({ name, kind: 'permutation', value: mean, sd });
  }
  return out.sort((a, b) => b.value - a.value);
}
