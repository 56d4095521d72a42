/**
 * The classifiers `segmint model train --algorithm A` can use, by name. A new algorithm implements
 * `Classifier` (types.ts) and adds one line here.
 */
import { SegmintError } from '../../core/errors.ts';
import { gbtClassifier } from './gbt.ts';
import { logisticClassifier } from './logistic.ts';
import type { Classifier } from './types.ts';

const CLASSIFIERS: Record<string, Classifier> = {
  logistic: logisticClassifier as Classifier,
  gbt: gbtClassifier as Classifier,
};

export type ClassifierAlgorithm = 'logistic' | 'gbt';

/** The algorithms available, in the order `--help` lists them. */
export const CLASSIFIER_ALGORITHMS = Object.keys(CLASSIFIERS) as ClassifierAlgorithm[];

export function classifierFor(algorithm: string): Classifier {
  const c = CLASSIFIERS[algorithm];
  if (!c) throw new SegmintError('invalid-option', `--algorithm ${algorithm}: no such classifier`, { hint: `algorithms: ${Object.keys(CLASSIFIERS).join(', ')}` });
  return c;
}
