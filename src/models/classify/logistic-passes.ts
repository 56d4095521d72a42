/**
 * One chunk of a pass of the logistic fit (logistic-newton.ts) over a design held as columns: the rows' linear
 * predictors, the unpenalised weighted log-loss and, when asked, its gradient and the lower triangle of its
 * Hessian — the sums of campaign/logistic.ts `sweep`, in blocks of 256 rows the same way, but each chunk of rows
 * into a slot of its own, so that the pass's totals (the slots added in chunk order) do not depend on which thread
 * did which chunk. Pure, and importing only logistic-block.ts (its dense sums, shared with campaign/logistic.ts):
 * logistic-worker.ts runs it in a worker thread.
 *
 * θ is in pass order: the intercept, the dense columns' coefficients, then the one-hot columns'.
 * A slot holds: f, the gradient over (intercept, dense) (md values), over the one-hot columns (ns), the
 * (intercept, dense) Hessian (md × md, lower triangle), one-hot × (intercept, dense) (ns × md), and one-hot pairs
 * of different groups (ns × ns, lower triangle).
 */

import { blockPass, passLayout } from '../logistic-block.ts';

export const PASS_BLOCK = 256;

export { PASS_F, PASS_G, PASS_H } from '../logistic-block.ts';

/** The values a chunk's slot holds (see the file comment). */
export function slotSize(md: number, ns: number): number {
  return 1 + md + ns + md * md + ns * md + ns * ns;
}

/** The columnar design and outcomes a pass reads. */
export interface PassData {
  n: number;
  /** the dense columns' values (standardised, finite), one array of n per column */
  values: Float64Array[];
  /** n × groups, row-major: the one-hot column (0 … ns − 1) holding the row's 1 in each group, −1 for none */
  codes: Int32Array;
  groups: number;
  /** one-hot columns */
  ns: number;
  y: Float64Array;
  w: Float64Array | null;
}

/** Scratch arrays of one thread. */
export interface PassScratch { cols: Float64Array; r: Float64Array; v: Float64Array; vx: Float64Array }

export function passScratch(md: number): PassScratch {
  const cols = new Float64Array(md * PASS_BLOCK);
  cols.fill(1, 0, PASS_BLOCK); // the intercept's column
  return { cols, r: new Float64Array(PASS_BLOCK), v: new Float64Array(PASS_BLOCK), vx: new Float64Array(PASS_BLOCK) };
}

/**
 * Rows [lo, hi) at θ: their linear predictors into `eta`, and the sums of `mode` into out[o …] (zeroed first).
 * A row's linear predictor adds its terms as campaign/logistic.ts does (intercept, dense columns in order, then
 * the one-hot 1s in group order), so its sigmoid is `predictLogistic`'s probability to the last bit.
 */
export function passChunk(d: PassData, th: Float64Array, mode: number, lo: number, hi: number, eta: Float64Array, out: Float64Array, o: number, s: PassScratch): void {
  const { values, ns } = d;
  const pd = values.length;
  const md = pd + 1;
  const { cols, r, v, vx } = s;
  const at = passLayout(o + 1, md, ns);
  out.fill(0, o, at.end);
  const bd = th.subarray(1, md), bs = th.subarray(md);
  let f = 0;
  for (let start = lo; start < hi; start += PASS_BLOCK) {
    const len = Math.min(PASS_BLOCK, hi - start);
    for (let j = 0; j < pd; j++) cols.set(values[j]!.subarray(start, start + len), (j + 1) * PASS_BLOCK);
    f = blockPass(cols, PASS_BLOCK, len, md, th[0]!, bd, bs, d, start, mode, eta.subarray(start, start + len), r, v, vx, out, at, f);
  }
  out[o] = f;
}
