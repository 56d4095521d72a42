/**
 * Grows one regression tree on gradients and hessians, leaf-wise (best-first, as LightGBM and scikit-learn's
 * `TreeGrower`): the leaf with the largest split gain is split next until `maxLeafNodes` leaves, `maxDepth`,
 * or no leaf has a split with positive gain that leaves `minSamplesLeaf` rows (and a hessian ≥ 1e-3) on
 * each side. A node's histogram is built from its rows only for the smaller child; the larger child's is
 * the parent's minus the smaller's (histogram subtraction, Ke et al. 2017 §2). Rows are kept as one
 * index array partitioned in place, each node a range of it, in ascending row order. Pure, no allocation
 * per row; buffers are reused across trees.
 */

import type { ColumnBins } from './bin-mapper.ts';
import { emptySplit, findBestSplit, MIN_HESSIAN_TO_SPLIT, type SplitCandidate } from './split-finder.ts';
import { allocTree, type Tree } from './tree.ts';

export interface GrowerParams {
  maxLeafNodes: number;
  /** Infinity: no limit */
  maxDepth: number;
  minSamplesLeaf: number;
  l2Regularization: number;
  learningRate: number;
}

const EPS = 1e-15;
// local copies of bin-mapper's MISSING_BIN and split-finder's HIST_BINS / HIST_STRIDE: an imported binding
// read in a hot loop costs a getter call under some loaders
const MISSING_BIN = 255;
const HIST_BINS = 256;
const HIST_STRIDE = 3;

/** The histogram of every row 0 … n − 1 (the root); `gh` holds each row's gradient and hessian side by side. */
function histogramAll(hist: Float64Array, bins: Uint8Array, p: number, gh: Float64Array, n: number): void {
  hist.fill(0);
  const stride = HIST_BINS * HIST_STRIDE;
  for (let r = 0; r < n; r++) {
    const gi = gh[2 * r]!;
    const hi = gh[2 * r + 1]!;
    const base = r * p;
    for (let j = 0, off = 0; j < p; j++, off += stride) {
      const o = off + bins[base + j]! * HIST_STRIDE;
      hist[o] = hist[o]! + gi;
      hist[o + 1] = hist[o + 1]! + hi;
      hist[o + 2] = hist[o + 2]! + 1;
    }
  }
}

/** The histogram of the rows idx[start, end). */
function histogramRows(hist: Float64Array, bins: Uint8Array, p: number, gh: Float64Array, idx: Uint32Array, start: number, end: number): void {
  hist.fill(0);
  const stride = HIST_BINS * HIST_STRIDE;
  for (let k = start; k < end; k++) {
    const r = idx[k]!;
    const gi = gh[2 * r]!;
    const hi = gh[2 * r + 1]!;
    const base = r * p;
    for (let j = 0, off = 0; j < p; j++, off += stride) {
      const o = off + bins[base + j]! * HIST_STRIDE;
      hist[o] = hist[o]! + gi;
      hist[o + 1] = hist[o + 1]! + hi;
      hist[o + 2] = hist[o + 2]! + 1;
    }
  }
}

/** parent −= child, bin by bin: the larger child's histogram. */
function subtractHistogram(parent: Float64Array, child: Float64Array): void {
  const m = parent.length;
  for (let q = 0; q < m; q++) parent[q] = parent[q]! - child[q]!;
}

/**
 * Stable partition of idx[start, end) on a numeric split; returns the end of the left part. `col` is the
 * split feature's column of bins (column-major: the rows of a node, ascending, are read nearly in order).
 */
function partitionNumeric(idx: Uint32Array, scratch: Uint32Array, col: Uint8Array, start: number, end: number, thr: number, missingLeft: boolean): number {
  let l = start, r = 0;
  // the row is written to both sides and one of them advances (l ≤ q: idx[q] is read before idx[l] is written),
  // without a branch on the data; the missing bin goes left only when missing values go left
  const missingBin = missingLeft ? MISSING_BIN : -1;
  for (let q = start; q < end; q++) {
    const row = idx[q]!;
    const b = col[row]!;
    const left = (b <= thr ? 1 : 0) | (b === missingBin ? 1 : 0);
    idx[l] = row;
    scratch[r] = row;
    l += left;
    r += 1 - left;
  }
  idx.set(scratch.subarray(0, r), l);
  return l;
}

/** Stable partition of idx[start, end) on a categorical split (left: bins in the 256-bit set). */
function partitionSet(idx: Uint32Array, scratch: Uint32Array, col: Uint8Array, start: number, end: number, set: Uint32Array): number {
  let l = start, r = 0;
  for (let q = start; q < end; q++) {
    const row = idx[q]!;
    const b = col[row]!;
    if ((set[b >>> 5]! & (1 << (b & 31))) !== 0) idx[l++] = row;
    else scratch[r++] = row;
  }
  idx.set(scratch.subarray(0, r), l);
  return l;
}

/** Add v to raw[idx[k]] for k in [start, end). */
function addLeafValue(raw: Float64Array, idx: Uint32Array, start: number, end: number, v: number): void {
  for (let k = start; k < end; k++) {
    const row = idx[k]!;
    raw[row] = raw[row]! + v;
  }
}

export class TreeGrower {
  private readonly idx: Uint32Array;
  private readonly scratch: Uint32Array;
  private readonly pool: Float64Array[] = [];
  private readonly histSize: number;
  /** gradients and hessians interleaved: one cache line holds both for a row */
  private readonly gh: Float64Array;
  /** the bins column by column (for partitioning a node on one feature) */
  private readonly columnsOfBins: Uint8Array[];

  constructor(
    private readonly bins: Uint8Array,
    private readonly n: number,
    private readonly p: number,
    private readonly columns: readonly ColumnBins[],
  ) {
    this.idx = new Uint32Array(n);
    this.scratch = new Uint32Array(n);
    this.histSize = p * HIST_BINS * HIST_STRIDE;
    this.gh = new Float64Array(2 * n);
    const t = new Uint8Array(n * p);
    for (let i = 0, k = 0; i < n; i++) for (let j = 0; j < p; j++, k++) t[j * n + i] = bins[k]!;
    this.columnsOfBins = Array.from({ length: p }, (_, j) => t.subarray(j * n, (j + 1) * n));
  }

  private takeHist(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.histSize);
  }

  /**
   * Grow a tree on per-row gradients `g` and hessians `h` (weights already applied), and add each training
   * row's leaf value to `raw`.
   */
  grow(g: Float64Array, h: Float64Array, params: GrowerParams, raw: Float64Array): Tree {
    const { n, p, bins, idx, columns, gh } = this;
    const maxNodes = 2 * params.maxLeafNodes - 1;
    for (let i = 0; i < n; i++) {
      idx[i] = i;
      gh[2 * i] = g[i]!;
      gh[2 * i + 1] = h[i]!;
    }
    const start = new Int32Array(maxNodes), end = new Int32Array(maxNodes), depth = new Int32Array(maxNodes);
    const G = new Float64Array(maxNodes), H = new Float64Array(maxNodes), C = new Float64Array(maxNodes);
    const hists: (Float64Array | null)[] = new Array<Float64Array | null>(maxNodes).fill(null);
    const splits: (SplitCandidate | null)[] = new Array<SplitCandidate | null>(maxNodes).fill(null);
    const tree = allocTree(maxNodes);
    const constraints = { minSamplesLeaf: params.minSamplesLeaf, l2: params.l2Regularization };
    let nodes = 1;
    let sg = 0, sh = 0;
    for (let i = 0; i < n; i++) { sg += g[i]!; sh += h[i]!; }
    start[0] = 0; end[0] = n; G[0] = sg; H[0] = sh; C[0] = n;

    const canSplit = (k: number): boolean => depth[k]! < params.maxDepth && C[k]! >= 2 * params.minSamplesLeaf && H[k]! >= MIN_HESSIAN_TO_SPLIT;
    const search = (k: number): void => {
      const s = findBestSplit(hists[k]!, columns, G[k]!, H[k]!, C[k]!, constraints, emptySplit());
      if (s.gain > 0) splits[k] = s;
      else release(k);
    };
    const release = (k: number): void => {
      const hk = hists[k];
      if (hk) this.pool.push(hk);
      hists[k] = null;
    };

    if (params.maxLeafNodes > 1 && canSplit(0)) {
      hists[0] = this.takeHist();
      histogramAll(hists[0], bins, p, gh, n);
      search(0);
    }
    let leaves = 1;
    for (;;) {
      let k = -1;
      let bestGain = 0;
      for (let q = 0; q < nodes; q++) {
        const s = splits[q];
        if (s && s.gain > bestGain) { bestGain = s.gain; k = q; }
      }
      if (k < 0) break;
      const s = splits[k]!;
      splits[k] = null;
      // partition rows of node k, stable
      const f = s.feature;
      const e = end[k]!;
      const l = s.categorical
        ? partitionSet(idx, this.scratch, this.columnsOfBins[f]!, start[k]!, e, s.leftBins)
        : partitionNumeric(idx, this.scratch, this.columnsOfBins[f]!, start[k]!, e, s.bin, s.missingLeft);
      const a = nodes++, b = nodes++;
      start[a] = start[k]!; end[a] = l; start[b] = l; end[b] = e;
      G[a] = s.gradientLeft; H[a] = s.hessianLeft; C[a] = s.countLeft;
      G[b] = G[k]! - s.gradientLeft; H[b] = H[k]! - s.hessianLeft; C[b] = C[k]! - s.countLeft;
      depth[a] = depth[b] = depth[k]! + 1;
      tree.feature[k] = f;
      tree.left[k] = a;
      tree.right[k] = b;
      tree.gain[k] = s.gain;
      tree.missingLeft[k] = s.missingLeft ? 1 : 0;
      if (s.categorical) {
        tree.categorical[k] = 1;
        tree.leftBins.set(s.leftBins, k * 8);
      } else {
        tree.bin[k] = s.bin;
        const t = columns[f]!.thresholds;
        tree.threshold[k] = s.bin < t.length ? t[s.bin]! : Infinity;
      }
      leaves++;
      if (leaves >= params.maxLeafNodes) {
        release(k);
        break;
      }
      const splitA = canSplit(a), splitB = canSplit(b);
      if (splitA || splitB) {
        const small = C[a]! <= C[b]! ? a : b;
        const large = small === a ? b : a;
        const parentHist = hists[k]!;
        hists[k] = null;
        const hs = this.takeHist();
        histogramRows(hs, bins, p, gh, idx, start[small]!, end[small]!);
        subtractHistogram(parentHist, hs);
        hists[small] = hs;
        hists[large] = parentHist;
        if (splitA) search(a); else release(a);
        if (splitB) search(b); else release(b);
      } else {
        release(k);
      }
    }
    // leaves: values, and the training rows' predictions
    for (let q = 0; q < nodes; q++) {
      release(q);
      tree.count[q] = C[q]!;
      if (tree.feature[q]! >= 0) continue;
      const v = (-params.learningRate * G[q]!) / (H[q]! + params.l2Regularization + EPS);
      tree.value[q] = v;
      addLeafValue(raw, idx, start[q]!, end[q]!, v);
    }
    return nodes === maxNodes ? tree : sliceTree(tree, nodes);
  }
}

function sliceTree(t: Tree, nodes: number): Tree {
  return {
    feature: t.feature.slice(0, nodes),
    bin: t.bin.slice(0, nodes),
    threshold: t.threshold.slice(0, nodes),
    missingLeft: t.missingLeft.slice(0, nodes),
    categorical: t.categorical.slice(0, nodes),
    leftBins: t.leftBins.slice(0, nodes * 8),
    left: t.left.slice(0, nodes),
    right: t.right.slice(0, nodes),
    value: t.value.slice(0, nodes),
    gain: t.gain.slice(0, nodes),
    count: t.count.slice(0, nodes),
  };
}
