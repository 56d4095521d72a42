/**
 * P(y = 1) of every row of feature columns under a fitted logistic model, read column by column — no design
 * block written out and read back (`eachDesignBlock` + `predictLogistic` write 35 values per row, most of them
 * one-hot zeros). The same probabilities to the last bit: each row's linear predictor adds its terms in design
 * column order, the intercept first, as `predictLogistic` does; it only leaves out the terms of the zeros
 * (x + 0·β is x, and where a sum is ±0 its sigmoid is ½ either way), and a one-hot 1 adds its coefficient
 * (1·β = β). The same values as `applyDesign` encodes: (value − center) / scale, the training mean for a
 * missing value, ±∞ an `invalid-feature-value`.
 */
import { SegmintError } from '../../core/errors.ts';
import { sigmoid } from '../campaign/logistic.ts';
import { featureRuns, oneHotTargets } from './design.ts';
import type { DesignEncoding, FeatureColumn } from './types.ts';

const BLOCK = 4096;

type Adder = (from: number, len: number, e: Float64Array) => void;

/**
 * The probabilities of every row of `columns` into `out` (length n), or false (nothing written) when the encoding
 * holds a column this reader does not handle ('codes').
 */
export function predictLogisticColumns(encoding: DesignEncoding, columns: readonly FeatureColumn[], intercept: number, coefficients: readonly number[], out: Float64Array): boolean {
  const { n, p, runs } = featureRuns(encoding, columns, undefined);
  if (coefficients.length !== p || out.length !== n) throw new SegmintError('invalid-design', `expected ${p} coefficients and ${n} outputs, got ${coefficients.length} and ${out.length}`);
  const adders: Adder[] = [];
  for (const { j, end, first, c } of runs) {
    if (c.kind === 'numeric') {
      const v = c.values;
      const fill = first.fill ?? NaN;
      const center = first.center ?? 0;
      const scale = first.scale ?? 1;
      const b = coefficients[j]!;
      const bMissing = end > j + 1 ? coefficients[j + 1]! : 0;
      const indicator = end > j + 1;
      adders.push((from, len, e) => {
        for (let k = 0; k < len; k++) {
          let value = v[from + k]!;
          const missing = value !== value;
          if (missing) value = fill;
          else if (value - value !== 0) throw new SegmintError('invalid-feature-value', `feature '${c.name}' holds ${value} on row ${from + k + 1}`, { hint: 'features must be finite numbers or missing' });
          let ek = e[k]! + ((value - center) / scale) * b;
          if (indicator && missing) ek += bMissing; // the indicator's column comes right after the value's
          e[k] = ek;
        }
      });
    } else if (first.kind === 'codes') {
      return false;
    } else {
      // one-hot: the coefficient of each input code's column (none: adds nothing)
      const { remap: col, missingCol } = oneHotTargets(encoding, j, end, c.levels);
      const codes = c.codes;
      adders.push((from, len, e) => {
        for (let k = 0; k < len; k++) {
          const code = codes[from + k]!;
          const at = code < 0 ? missingCol : (col[code] ?? -1);
          if (at >= 0) e[k]! += coefficients[at]!;
        }
      });
    }
  }
  const e = new Float64Array(Math.min(n, BLOCK));
  for (let from = 0; from < n; from += BLOCK) {
    const len = Math.min(BLOCK, n - from);
    e.fill(intercept, 0, len);
    for (const add of adders) add(from, len, e);
    for (let k = 0; k < len; k++) out[from + k] = sigmoid(e[k]!);
  }
  return true;
}
