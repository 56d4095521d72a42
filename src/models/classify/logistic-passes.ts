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

import { denseBlockSums } from '../logistic-block.ts';

export const PASS_BLOCK = 256;

/** what a pass computes: the objective alone, with the gradient, or with the gradient and the Hessian */
export const PASS_F = 1;
export const PASS_G = 2;
export const PASS_H = 3;

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

/** log(1 + e^x) without overflow (as campaign/logistic.ts). */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
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
  const { values, codes, groups, ns, y, w } = d;
  const pd = values.length;
  const md = pd + 1;
  const { cols, r, v, vx } = s;
  const b0 = th[0]!;
  const oG = o + 1;
  const oGs = oG + md;
  const oH = oGs + ns;
  const oC = oH + md * md;
  const oS = oC + ns * md;
  out.fill(0, o, oS + ns * ns);
  let f = 0;
  for (let start = lo; start < hi; start += PASS_BLOCK) {
    const len = Math.min(PASS_BLOCK, hi - start);
    for (let j = 0; j < pd; j++) cols.set(values[j]!.subarray(start, start + len), (j + 1) * PASS_BLOCK);
    const e = eta.subarray(start, start + len);
    e.fill(b0);
    for (let j = 0; j < pd; j++) {
      const oj = (j + 1) * PASS_BLOCK;
      const bj = th[j + 1]!;
      for (let k = 0; k < len; k++) e[k]! += cols[oj + k]! * bj;
    }
    if (groups) {
      for (let k = 0; k < len; k++) {
        let ek = e[k]!;
        for (let gi = 0, cb = (start + k) * groups; gi < groups; gi++) {
          const c = codes[cb + gi]!;
          if (c >= 0) ek += th[md + c]!;
        }
        e[k] = ek;
      }
    }
    for (let k = 0; k < len; k++) {
      const ek = e[k]!;
      const li = y[start + k] === 1 ? softplus(-ek) : softplus(ek);
      f += w ? w[start + k]! * li : li;
    }
    if (mode === PASS_F) continue;
    if (mode === PASS_G) {
      for (let k = 0; k < len; k++) {
        const i = start + k;
        const mu = sigmoid(e[k]!);
        const rk = (w ? w[i]! : 1) * (mu - y[i]!);
        r[k] = rk;
        for (let gi = 0, cb = i * groups; gi < groups; gi++) {
          const c = codes[cb + gi]!;
          if (c >= 0) out[oGs + c]! += rk;
        }
      }
      for (let a = 0; a < md; a++) {
        const oa = a * PASS_BLOCK;
        let ga = 0;
        for (let k = 0; k < len; k++) ga += r[k]! * cols[oa + k]!;
        out[oG + a]! += ga;
      }
      continue;
    }
    for (let k = 0; k < len; k++) {
      const i = start + k;
      const mu = sigmoid(e[k]!);
      const wi = w ? w[i]! : 1;
      const rk = wi * (mu - y[i]!);
      const vk = wi * mu * (1 - mu);
      r[k] = rk;
      v[k] = vk;
      for (let gi = 0, cb = i * groups; gi < groups; gi++) {
        const c = codes[cb + gi]!;
        if (c < 0) continue;
        out[oGs + c]! += rk;
        const base = oC + c * md;
        out[base]! += vk;
        for (let j = 1; j < md; j++) out[base + j]! += vk * cols[j * PASS_BLOCK + k]!;
        for (let gj = 0; gj < gi; gj++) {
          const t = codes[cb + gj]!;
          if (t >= 0) out[oS + c * ns + t]! += vk; // t < c: the groups are numbered in order
        }
      }
    }
    denseBlockSums(cols, PASS_BLOCK, len, md, r, v, vx, out, oG, out, oH);
  }
  out[o] = f;
}
