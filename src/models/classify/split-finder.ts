/**
 * The best split of a tree node from its gradient histograms (scikit-learn's `Splitter.find_node_split`,
 * LightGBM's histogram split search). Pure.
 *
 * A histogram holds, per design column and bin, Σ gradient, Σ hessian and the row count, in one
 * Float64Array: entry (j·256 + b)·3 + {0, 1, 2}. The gain of splitting a node with sums (G, H) into
 * (G_L, H_L) and (G_R, H_R) is, with λ the L2 regularisation (Chen & Guestrin 2016, eq. 7, without ½ and γ;
 * scikit-learn's `_split_gain`):
 *
 *   gain = G_L² / (H_L + λ) + G_R² / (H_R + λ) − G² / (H + λ)
 *
 * Numeric columns: bins are scanned left to right with missing values on the right, and — when the column
 * had missing values in training — right to left with missing values on the left, so the direction of
 * missing values is learnt (scikit-learn, LightGBM). Categorical columns: categories with at least 10 rows
 * are sorted by G / (H + 10) and the best prefix from either end, at most 32 categories and at most half of
 * them, goes left (Fisher 1958 for the sort; LightGBM's and scikit-learn's `MIN_CAT_SUPPORT`, `cat_smooth`,
 * `MAX_CAT_THRESHOLD`); rarer categories go right.
 */

import type { ColumnBins } from './bin-mapper.ts';

/** Floats per histogram bin: Σg, Σh, count. */
export const HIST_STRIDE = 3;
/** Histogram bins per column (255 value bins + the missing bin). */
export const HIST_BINS = 256;

const MISSING_BIN = 255; // bin-mapper's, local for the hot loop
const MIN_CAT_SUPPORT = 10;
const CAT_SMOOTH = 10;
const MAX_CAT_THRESHOLD = 32;
/** scikit-learn's `min_hessian_to_split`. */
export const MIN_HESSIAN_TO_SPLIT = 1e-3;
const EPS = 1e-15;

export interface SplitConstraints {
  minSamplesLeaf: number;
  l2: number;
}

/** The best split found for a node (gain ≤ 0: none). */
export interface SplitCandidate {
  gain: number;
  feature: number;
  /** numeric: bins ≤ bin go left */
  bin: number;
  missingLeft: boolean;
  categorical: boolean;
  /** categorical: the bins (category codes, 255 = missing) going left, as a 256-bit set */
  leftBins: Uint32Array;
  gradientLeft: number;
  hessianLeft: number;
  countLeft: number;
}

export function emptySplit(): SplitCandidate {
  return { gain: -1, feature: -1, bin: 0, missingLeft: false, categorical: false, leftBins: new Uint32Array(8), gradientLeft: 0, hessianLeft: 0, countLeft: 0 };
}

const term = (g: number, h: number, l2: number): number => (g * g) / (h + l2 + EPS);

/** Sort scratch for categorical columns, reused. */
const catBins = new Int32Array(HIST_BINS);
const catValues = new Float64Array(HIST_BINS);
const catOrder: number[] = [];

/**
 * Fill `best` with the best split of a node with sums (G, H, count) over the columns whose `allowed` flag is
 * set (all when null). Returns `best` (gain −1 when no split satisfies the constraints).
 */
export function findBestSplit(
  hist: Float64Array,
  columns: readonly ColumnBins[],
  G: number,
  H: number,
  count: number,
  c: SplitConstraints,
  best: SplitCandidate,
): SplitCandidate {
  best.gain = -1;
  best.feature = -1;
  const { minSamplesLeaf: msl, l2 } = c;
  const parent = term(G, H, l2);
  for (let j = 0; j < columns.length; j++) {
    const col = columns[j]!;
    const base = j * HIST_BINS * HIST_STRIDE;
    if (col.categorical) {
      categoricalSplit(hist, base, col, j, G, H, count, msl, l2, parent, best);
      continue;
    }
    const nb = col.nonMissingBins;
    // left to right, missing values (if any) on the right; with missing values the last non-missing bin
    // is a candidate too ("every value left, missing right")
    const end = nb - 1 + (col.hasMissing ? 1 : 0);
    let gl = 0, hl = 0, cl = 0;
    for (let b = 0; b < end; b++) {
      const o = base + b * HIST_STRIDE;
      gl += hist[o]!;
      hl += hist[o + 1]!;
      cl += hist[o + 2]!;
      const cr = count - cl;
      const hr = H - hl;
      if (cl < msl) continue;
      if (cr < msl) break;
      if (hl < MIN_HESSIAN_TO_SPLIT) continue;
      if (hr < MIN_HESSIAN_TO_SPLIT) break;
      const gain = term(gl, hl, l2) + term(G - gl, hr, l2) - parent;
      if (gain > best.gain) {
        best.gain = gain; best.feature = j; best.bin = b; best.categorical = false;
        // without missing values in training, a missing value later goes to the larger child
        best.missingLeft = col.hasMissing ? false : cl > cr;
        best.gradientLeft = gl; best.hessianLeft = hl; best.countLeft = cl;
      }
    }
    // right to left only when this node has missing values (else both scans give the same splits)
    if (!col.hasMissing || hist[base + MISSING_BIN * HIST_STRIDE + 2]! === 0) continue;
    // right to left, missing values on the left
    let gr = 0, hr = 0, cr = 0;
    for (let b = nb - 2; b >= 0; b--) {
      const o = base + (b + 1) * HIST_STRIDE;
      gr += hist[o]!;
      hr += hist[o + 1]!;
      cr += hist[o + 2]!;
      const cl2 = count - cr;
      const hl2 = H - hr;
      if (cr < msl) continue;
      if (cl2 < msl) break;
      if (hr < MIN_HESSIAN_TO_SPLIT) continue;
      if (hl2 < MIN_HESSIAN_TO_SPLIT) break;
      const gain = term(G - gr, hl2, l2) + term(gr, hr, l2) - parent;
      if (gain > best.gain) {
        best.gain = gain; best.feature = j; best.bin = b; best.categorical = false; best.missingLeft = true;
        best.gradientLeft = G - gr; best.hessianLeft = hl2; best.countLeft = cl2;
      }
    }
  }
  return best;
}

function categoricalSplit(
  hist: Float64Array, base: number, col: ColumnBins, j: number,
  G: number, H: number, count: number, msl: number, l2: number, parent: number, best: SplitCandidate,
): void {
  let used = 0;
  const total = col.nonMissingBins + (col.hasMissing ? 1 : 0);
  for (let k = 0; k < total; k++) {
    const b = k < col.nonMissingBins ? k : MISSING_BIN;
    const o = base + b * HIST_STRIDE;
    if (hist[o + 2]! >= MIN_CAT_SUPPORT) {
      catBins[used] = b;
      catValues[used] = hist[o]! / (hist[o + 1]! + CAT_SMOOTH);
      used++;
    }
  }
  if (used <= 1) return;
  catOrder.length = used;
  for (let i = 0; i < used; i++) catOrder[i] = i;
  catOrder.sort((a, b) => catValues[a]! - catValues[b]! || catBins[a]! - catBins[b]!);
  let bestHere = -1, bestDirection = 0;
  for (const direction of [1, -1]) {
    const middle = Math.min(MAX_CAT_THRESHOLD, direction === 1 ? (used + 1) >> 1 : ((used + 1) >> 1) - 1);
    let gl = 0, hl = 0, cl = 0;
    for (let i = 0; i < middle; i++) {
      const s = direction === 1 ? i : used - 1 - i;
      const o = base + catBins[catOrder[s]!]! * HIST_STRIDE;
      gl += hist[o]!;
      hl += hist[o + 1]!;
      cl += hist[o + 2]!;
      const cr = count - cl;
      const hr = H - hl;
      if (cl < msl || hl < MIN_HESSIAN_TO_SPLIT) continue;
      if (cr < msl || hr < MIN_HESSIAN_TO_SPLIT) break;
      const gain = term(gl, hl, l2) + term(G - gl, hr, l2) - parent;
      if (gain > best.gain) {
        best.gain = gain; best.feature = j; best.categorical = true; best.bin = -1;
        best.gradientLeft = gl; best.hessianLeft = hl; best.countLeft = cl;
        bestHere = i; bestDirection = direction;
      }
    }
  }
  if (bestDirection === 0) return;
  const set = best.leftBins;
  set.fill(0);
  for (let i = 0; i <= bestHere; i++) {
    const s = bestDirection === 1 ? i : used - 1 - i;
    const b = catBins[catOrder[s]!]!;
    set[b >>> 5] = set[b >>> 5]! | (1 << (b & 31));
  }
  best.missingLeft = col.hasMissing
    ? (set[MISSING_BIN >>> 5]! & (1 << (MISSING_BIN & 31))) !== 0
    : best.countLeft > count - best.countLeft; // as numeric columns: to the larger child
}
