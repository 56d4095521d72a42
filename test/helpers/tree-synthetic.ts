/**
 * Test data for the trees: n rows of two numeric columns (the second 5 % missing) and a categorical one, in the
 * design the trees read (GBT_DESIGN), with 0/1 outcomes drawn from a known model: logit = signal(a) + 0.7 when
 * b > 30, − 1 for level 3 and + 0.3 for the others. A fixed linear congruential sequence, so the rows are the
 * same on every run.
 */
import { GBT_DESIGN } from '../../src/models/classify/gbt.ts';
import type { DesignMatrix } from '../../src/models/classify/types.ts';

export interface TreeDataOptions {
  seed: number;
  /** levels of the categorical column */
  levels: number;
  /** the numeric column a's part of the logit */
  signal: (a: number) => number;
  /** draw a weight per row (0.5 … 1.5), after its outcome */
  weights?: boolean;
}

export function treeData(n: number, o: TreeDataOptions): { design: DesignMatrix; y: Float64Array; weights: Float64Array } {
  const p = 3;
  const x = new Float64Array(n * p), y = new Float64Array(n), weights = new Float64Array(n).fill(1);
  let s = o.seed;
  const next = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  for (let i = 0; i < n; i++) {
    const a = next() * 4 - 2, b = next() * 50, c = Math.floor(next() * o.levels);
    x[i * p] = a;
    x[i * p + 1] = next() < 0.05 ? NaN : b;
    x[i * p + 2] = c;
    y[i] = next() < 1 / (1 + Math.exp(-(o.signal(a) + (b > 30 ? 0.7 : 0) + (c === 3 ? -1 : 0.3)))) ? 1 : 0;
    if (o.weights) weights[i] = 0.5 + next();
  }
  return { design: twoNumericOneCategorical(x, n, ['a', 'b', 'c'], Array.from({ length: o.levels }, (_, k) => String(k))), y, weights };
}

/**
 * The trees' design of n rows × 3 held in `x` (row-major): two numeric columns and a categorical one whose codes
 * index `levels`, named `names`.
 */
export function twoNumericOneCategorical(x: Float64Array, n: number, names: readonly [string, string, string], levels: string[]): DesignMatrix {
  const [a, b, c] = names;
  return {
    x, n, p: 3,
    encoding: {
      options: GBT_DESIGN,
      features: [{ name: a, kind: 'numeric' }, { name: b, kind: 'numeric' }, { name: c, kind: 'categorical' }],
      columns: [
        { name: a, feature: a, kind: 'numeric' },
        { name: b, feature: b, kind: 'numeric' },
        { name: c, feature: c, kind: 'codes', levels, categorical: true },
      ],
    },
  };
}
