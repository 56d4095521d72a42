/**
 * The per-row kernels of gradient boosting, as JavaScript source compiled with `new Function` — in this
 * thread and, unchanged, in a worker thread (tree-grower.ts), so both run the same code on shared memory:
 *
 * - `hist`: the gradient histogram of the columns j0 … j1 − 1 over a range of rows that lie one after the
 *   other in memory (the grower keeps each node's rows together). Bins are row-major (`rowBytes(p)` bytes a
 *   row), gradients and hessians interleaved (gh[2i], gh[2i + 1]); a histogram is one Float64Array, entry
 *   (j·256 + b)·3 + {0: Σg, 1: Σh, 2: count} (split-finder.ts). One pass over the rows fills every column of
 *   the range, the column loop unrolled with constant offsets. Each cell is summed over the rows in memory
 *   order whatever the column range, so two threads that split the columns give exactly one thread's sums.
 * - `partition`: a node's rows moved, stably, into another buffer with the left child's rows first
 *   (`partitionBack`: the same from the last row backwards, for the second half of a node's rows).
 * - `gradients`: the binomial log loss's gradient gᵢ = wᵢ(pᵢ − yᵢ) and hessian hᵢ = wᵢpᵢ(1 − pᵢ) at
 *   pᵢ = σ(rawᵢ) for rows lo … hi − 1, and that range's Σ loss (one exp a row).
 */

/** Floats per bin and bins per column: split-finder.ts's HIST_STRIDE and HIST_BINS. */
const STRIDE = 3;
const BINS = 256;

export interface HistKernels {
  /** the histogram of rows [start, end) of a row-major bins buffer (row stride `rowBytes`) and its gradients */
  hist(hist: Float64Array, bins: Uint8Array, gh: Float64Array, start: number, end: number): void;
  /**
   * Stable partition of rows [start, end) of one buffer into another: the rows whose bin in column f is in
   * the 256-bit set `left` to positions lp, lp + 1, …, the others to rp, rp + 1, …. Moves each row's bins
   * (as 32-bit words), gradient, hessian and row number. Returns the next left position.
   */
  partition(
    sb8: Uint8Array, sb32: Uint32Array, sg: Float64Array, si: Uint32Array,
    db32: Uint32Array, dg: Float64Array, di: Uint32Array,
    start: number, end: number, lp: number, rp: number, f: number, left: Uint32Array,
  ): number;
  /**
   * `partition` walked backwards: rows [start, end) from the last, the left ones to positions lEnd − 1,
   * lEnd − 2, …, the others to rEnd − 1, rEnd − 2, … — the same places `partition` would give them when the
   * ranges end there (the order within each side kept). Returns the first left position written (lEnd at the
   * end). Lets a second thread move the second half of a node's rows without first counting the first half's.
   */
  partitionBack(
    sb8: Uint8Array, sb32: Uint32Array, sg: Float64Array, si: Uint32Array,
    db32: Uint32Array, dg: Float64Array, di: Uint32Array,
    start: number, end: number, lEnd: number, rEnd: number, f: number, left: Uint32Array,
  ): number;
  /** writes Σ loss of rows [lo, hi) to out[at] */
  gradients(raw: Float64Array, y: Float64Array, w: Float64Array | null, gh: Float64Array, lo: number, hi: number, out: Float64Array, at: number): void;
}

/** Bytes per row of the bins buffers the kernels read: p rounded up to whole 32-bit words. */
export const rowBytes = (p: number): number => Math.ceil(p / 4) * 4;

/** The source of the kernels for p columns, histograms of columns [j0, j1): an expression (an object literal). */
export function histKernelSource(p: number, j0: number, j1: number): string {
  if (!(Number.isInteger(p) && p >= 1 && Number.isInteger(j0) && Number.isInteger(j1) && 0 <= j0 && j0 <= j1 && j1 <= p)) {
    throw new RangeError(`histKernelSource: p ${p}, columns ${j0} … ${j1}`);
  }
  const q = rowBytes(p), words = q / 4;
  const cells: string[] = [];
  for (let j = j0; j < j1; j++) {
    cells.push(`o = ${j * BINS * STRIDE} + bins[b + ${j}] * ${STRIDE}; hist[o] += g; hist[o + 1] += h; hist[o + 2] += 1;`);
  }
  const body = cells.join('\n        ');
  const move = Array.from({ length: words }, (_, t) => `db32[d4 + ${t}] = sb32[s4 + ${t}];`).join(' ');
  const lo = j0 * BINS * STRIDE, hi = j1 * BINS * STRIDE;
  // unweighted, Σ log1p(eᵢ) is taken as log Π(1 + eᵢ) over blocks of 32 rows (each factor ≤ 2): one log per
  // block instead of one a row
  const grad = (weighted: boolean) => `
      let prod = 1;
      for (let i = lo; i < hi; i++) {
        const f = raw[i];
        const e = Math.exp(-Math.abs(f));
        const pi = f >= 0 ? 1 / (1 + e) : e / (1 + e);
        const yi = y[i];
        ${weighted ? 'const wi = w[i];' : ''}
        const g = ${weighted ? 'wi * (pi - yi)' : 'pi - yi'};
        const h = ${weighted ? 'wi * pi * (1 - pi)' : 'pi * (1 - pi)'};
        gh[2 * i] = g;
        gh[2 * i + 1] = h;
        ${weighted
          ? 'loss += wi * ((f > 0 ? f + Math.log1p(e) : Math.log1p(e)) - yi * f);'
          : `loss += (f > 0 ? f : 0) - yi * f;
        prod *= 1 + e;
        if (((i - lo) & 31) === 31) { loss += Math.log(prod); prod = 1; }`}
      }
      loss += Math.log(prod);`;
  return `({
    hist(hist, bins, gh, start, end) {
      hist.fill(0, ${lo}, ${hi});
      for (let r = start; r < end; r++) {
        const g = gh[2 * r], h = gh[2 * r + 1], b = r * ${q};
        let o;
        ${body}
      }
    },
    partition(sb8, sb32, sg, si, db32, dg, di, start, end, lp, rp, f, left) {
      for (let k = start; k < end; k++) {
        const bin = sb8[k * ${q} + f];
        const L = (left[bin >>> 5] >>> (bin & 31)) & 1;
        const d = rp + (lp - rp) * L;
        lp += L;
        rp += 1 - L;
        const s4 = k * ${words}, d4 = d * ${words};
        ${move}
        dg[2 * d] = sg[2 * k];
        dg[2 * d + 1] = sg[2 * k + 1];
        di[d] = si[k];
      }
      return lp;
    },
    partitionBack(sb8, sb32, sg, si, db32, dg, di, start, end, lp, rp, f, left) {
      for (let k = end - 1; k >= start; k--) {
        const bin = sb8[k * ${q} + f];
        const L = (left[bin >>> 5] >>> (bin & 31)) & 1;
        lp -= L;
        rp -= 1 - L;
        const d = rp + (lp - rp) * L;
        const s4 = k * ${words}, d4 = d * ${words};
        ${move}
        dg[2 * d] = sg[2 * k];
        dg[2 * d + 1] = sg[2 * k + 1];
        di[d] = si[k];
      }
      return lp;
    },
    gradients(raw, y, w, gh, lo, hi, out, at) {
      let loss = 0;
      if (w === null) {${grad(false)}
      } else {${grad(true)}
      }
      out[at] = loss;
    },
  })`;
}

const cache = new Map<string, HistKernels>();

/** The kernels for p columns, histograms of columns [j0, j1) (compiled once per shape). */
export function histKernels(p: number, j0: number, j1: number): HistKernels {
  const key = `${p}:${j0}:${j1}`;
  let k = cache.get(key);
  if (!k) {
    k = new Function(`return ${histKernelSource(p, j0, j1)}`)() as HistKernels;
    cache.set(key, k);
  }
  return k;
}
