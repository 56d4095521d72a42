/**
 * A fitted regression tree over binned columns, as flat arrays (node 0 is the root). A split node sends a
 * row left when
 *   numeric column:      bin ≤ `bin[node]`, or the bin is the missing bin and `missingLeft[node]`;
 *   categorical column:  the bin (level code, 255 = missing) is in the node's 256-bit set `leftBins`.
 * A leaf (`feature = −1`) holds its value (the learning rate already applied). Pure.
 */

import { SegmintError } from '../../core/errors.ts';

/** bin-mapper's MISSING_BIN, local: read in the hot loop */
const MISSING_BIN = 255;

export interface Tree {
  /** design column split on, −1 for a leaf */
  feature: Int32Array;
  /** numeric split: the last bin going left */
  bin: Int32Array;
  /** numeric split: the threshold in the column's units (x ≤ threshold goes left; +∞: every value) */
  threshold: Float64Array;
  missingLeft: Uint8Array;
  /** 1 for a categorical split */
  categorical: Uint8Array;
  /** 8 words per node: the bins going left at a categorical split */
  leftBins: Uint32Array;
  left: Int32Array;
  right: Int32Array;
  /** leaf value (log-odds added to the prediction); 0 at split nodes */
  value: Float64Array;
  /** split gain (0 at leaves) */
  gain: Float64Array;
  /** training rows reaching the node */
  count: Float64Array;
}

/** Plain JSON of a tree: numbers only (−1 / 0 where a field does not apply). */
export interface TreeJSON {
  feature: number[];
  bin: number[];
  threshold: (number | null)[];
  missingLeft: number[];
  categorical: number[];
  /** per categorical split node: the bins going left; [] elsewhere */
  leftBins: number[][];
  left: number[];
  right: number[];
  value: number[];
  gain: number[];
  count: number[];
}

export function allocTree(nodes: number): Tree {
  return {
    feature: new Int32Array(nodes).fill(-1),
    bin: new Int32Array(nodes),
    threshold: new Float64Array(nodes),
    missingLeft: new Uint8Array(nodes),
    categorical: new Uint8Array(nodes),
    leftBins: new Uint32Array(nodes * 8),
    left: new Int32Array(nodes).fill(-1),
    right: new Int32Array(nodes).fill(-1),
    value: new Float64Array(nodes),
    gain: new Float64Array(nodes),
    count: new Float64Array(nodes),
  };
}

export const nodeCount = (t: Tree): number => t.feature.length;

/**
 * A tree as routing tables for prediction: a row at node k with bin b (of column `feature[k]`) goes to
 * child[2k + side[256k + b]] — one table look-up a level whatever the kind of split (numeric, missing,
 * categorical). A leaf leads to itself, so every row takes exactly `depth` steps (no branch on the data),
 * and four rows go down together (their look-ups overlap).
 */
export interface CompiledTree {
  feature: Int32Array;
  side: Uint8Array;
  child: Int32Array;
  /**
   * With at most 256 nodes: the two tables in one, next[256k + b] = child[2k + side[256k + b]] (one look-up a
   * level instead of two, and a 256-byte row a node that stays in the first-level cache); else null.
   */
  next: Uint8Array | null;
  value: Float64Array;
  /** the longest path from the root to a leaf */
  depth: number;
}

export function compileTree(tree: Tree): CompiledTree {
  const { feature, bin, missingLeft, categorical, leftBins, left, right, value } = tree;
  const nodes = feature.length;
  const side = new Uint8Array(nodes * 256);
  const child = new Int32Array(2 * nodes);
  const feat = new Int32Array(nodes);
  const level = new Int32Array(nodes);
  let depth = 0;
  // children come after their parent (the grower numbers them so), so one pass gives every node's level
  for (let k = 0; k < nodes; k++) {
    if (feature[k]! < 0) {
      child[2 * k] = child[2 * k + 1] = k;
      continue;
    }
    feat[k] = feature[k]!;
    child[2 * k] = left[k]!;
    child[2 * k + 1] = right[k]!;
    for (const c of [left[k]!, right[k]!]) {
      if (!(c > k && c < nodes)) throw new SegmintError('invalid-model', `a stored tree's node ${k} has child ${c}: the tree is damaged`);
      level[c] = level[k]! + 1;
      if (level[c]! > depth) depth = level[c]!;
    }
    for (let b = 0; b < 256; b++) {
      const goLeft = categorical[k] === 1
        ? (leftBins[k * 8 + (b >>> 5)]! & (1 << (b & 31))) !== 0
        : b === MISSING_BIN ? missingLeft[k] === 1 || bin[k]! >= MISSING_BIN : b <= bin[k]!;
      side[k * 256 + b] = goLeft ? 0 : 1;
    }
  }
  let next: Uint8Array | null = null;
  if (nodes <= 256) {
    next = new Uint8Array(nodes * 256);
    for (let q = 0; q < nodes * 256; q++) next[q] = child[2 * (q >>> 8) + side[q]!]!;
  }
  return { feature: feat, side, child, next, value: Float64Array.from(value), depth };
}

/** Add each row's leaf value of a compiled tree to `raw` (rows of an n × p row-major binned matrix). */
export function addCompiledPredictions(tree: CompiledTree, bins: Uint8Array, n: number, p: number, raw: Float64Array): void {
  if (tree.next) addByNext(tree.feature, tree.next, tree.value, tree.depth, bins, n, p, raw);
  else addBySide(tree, bins, n, p, raw);
}

/**
 * A tree of ≤ 256 nodes by its `next` table, eight rows at a time: each level is one dependent chain of
 * look-ups per row (feature, bin, next node), so eight independent chains keep the core busy while each
 * waits on its loads (eight rows took 0.5–0.6× the time of four rows by two tables at 1,000,000 × 100 trees).
 */
function addByNext(feature: Int32Array, next: Uint8Array, value: Float64Array, depth: number, bins: Uint8Array, n: number, p: number, raw: Float64Array): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const b0 = i * p, b1 = b0 + p, b2 = b1 + p, b3 = b2 + p, b4 = b3 + p, b5 = b4 + p, b6 = b5 + p, b7 = b6 + p;
    let n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0, n6 = 0, n7 = 0;
    for (let d = 0; d < depth; d++) {
      n0 = next[(n0 << 8) | bins[b0 + feature[n0]!]!]!;
      n1 = next[(n1 << 8) | bins[b1 + feature[n1]!]!]!;
      n2 = next[(n2 << 8) | bins[b2 + feature[n2]!]!]!;
      n3 = next[(n3 << 8) | bins[b3 + feature[n3]!]!]!;
      n4 = next[(n4 << 8) | bins[b4 + feature[n4]!]!]!;
      n5 = next[(n5 << 8) | bins[b5 + feature[n5]!]!]!;
      n6 = next[(n6 << 8) | bins[b6 + feature[n6]!]!]!;
      n7 = next[(n7 << 8) | bins[b7 + feature[n7]!]!]!;
    }
    raw[i] = raw[i]! + value[n0]!;
    raw[i + 1] = raw[i + 1]! + value[n1]!;
    raw[i + 2] = raw[i + 2]! + value[n2]!;
    raw[i + 3] = raw[i + 3]! + value[n3]!;
    raw[i + 4] = raw[i + 4]! + value[n4]!;
    raw[i + 5] = raw[i + 5]! + value[n5]!;
    raw[i + 6] = raw[i + 6]! + value[n6]!;
    raw[i + 7] = raw[i + 7]! + value[n7]!;
  }
  for (; i < n; i++) {
    const b0 = i * p;
    let n0 = 0;
    for (let d = 0; d < depth; d++) n0 = next[(n0 << 8) | bins[b0 + feature[n0]!]!]!;
    raw[i] = raw[i]! + value[n0]!;
  }
}

/** Any tree by its `side` and `child` tables, four rows at a time. */
function addBySide(tree: CompiledTree, bins: Uint8Array, n: number, p: number, raw: Float64Array): void {
  const { feature, side, child, value, depth } = tree;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const b0 = i * p, b1 = b0 + p, b2 = b1 + p, b3 = b2 + p;
    let n0 = 0, n1 = 0, n2 = 0, n3 = 0;
    for (let d = 0; d < depth; d++) {
      n0 = child[(n0 << 1) | side[(n0 << 8) | bins[b0 + feature[n0]!]!]!]!;
      n1 = child[(n1 << 1) | side[(n1 << 8) | bins[b1 + feature[n1]!]!]!]!;
      n2 = child[(n2 << 1) | side[(n2 << 8) | bins[b2 + feature[n2]!]!]!]!;
      n3 = child[(n3 << 1) | side[(n3 << 8) | bins[b3 + feature[n3]!]!]!]!;
    }
    raw[i] = raw[i]! + value[n0]!;
    raw[i + 1] = raw[i + 1]! + value[n1]!;
    raw[i + 2] = raw[i + 2]! + value[n2]!;
    raw[i + 3] = raw[i + 3]! + value[n3]!;
  }
  for (; i < n; i++) {
    const b0 = i * p;
    let n0 = 0;
    for (let d = 0; d < depth; d++) n0 = child[(n0 << 1) | side[(n0 << 8) | bins[b0 + feature[n0]!]!]!]!;
    raw[i] = raw[i]! + value[n0]!;
  }
}

/** Add each row's leaf value of `tree` to `raw` (rows of an n × p row-major binned matrix). */
export function addTreePredictions(tree: Tree, bins: Uint8Array, n: number, p: number, raw: Float64Array): void {
  addCompiledPredictions(compileTree(tree), bins, n, p, raw);
}

export function treeToJSON(t: Tree): TreeJSON {
  const n = nodeCount(t);
  const leftBins: number[][] = [];
  for (let k = 0; k < n; k++) {
    const list: number[] = [];
    if (t.categorical[k] === 1) for (let b = 0; b < 256; b++) if ((t.leftBins[k * 8 + (b >>> 5)]! & (1 << (b & 31))) !== 0) list.push(b);
    leftBins.push(list);
  }
  return {
    feature: [...t.feature],
    bin: [...t.bin],
    // JSON has no Infinity: null is "every non-missing value goes left"
    threshold: [...t.threshold].map((v) => (Number.isFinite(v) ? v : null)),
    missingLeft: [...t.missingLeft],
    categorical: [...t.categorical],
    leftBins,
    left: [...t.left],
    right: [...t.right],
    value: [...t.value],
    gain: [...t.gain],
    count: [...t.count],
  };
}

export function treeFromJSON(j: TreeJSON): Tree {
  const n = j.feature.length;
  const t = allocTree(n);
  for (let k = 0; k < n; k++) {
    t.feature[k] = j.feature[k]!;
    t.bin[k] = j.bin[k]!;
    const th = j.threshold[k];
    t.threshold[k] = th === null || th === undefined ? Infinity : th;
    t.missingLeft[k] = j.missingLeft[k]!;
    t.categorical[k] = j.categorical[k]!;
    for (const b of j.leftBins[k] ?? []) t.leftBins[k * 8 + (b >>> 5)] = t.leftBins[k * 8 + (b >>> 5)]! | (1 << (b & 31));
    t.left[k] = j.left[k]!;
    t.right[k] = j.right[k]!;
    t.value[k] = j.value[k]!;
    t.gain[k] = j.gain[k]!;
    t.count[k] = j.count[k]!;
  }
  return t;
}
