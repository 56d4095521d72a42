/**
 * A fitted regression tree over binned columns, as flat arrays (node 0 is the root). A split node sends a
 * row left when
 *   numeric column:      bin ≤ `bin[node]`, or the bin is the missing bin and `missingLeft[node]`;
 *   categorical column:  the bin (level code, 255 = missing) is in the node's 256-bit set `leftBins`.
 * A leaf (`feature = −1`) holds its value (the learning rate already applied). Pure.
 */

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

/** Add each row's leaf value of `tree` to `raw` (rows of an n × p row-major binned matrix). */
export function addTreePredictions(tree: Tree, bins: Uint8Array, n: number, p: number, raw: Float64Array): void {
  const { feature, bin, missingLeft, categorical, leftBins, left, right, value } = tree;
  for (let i = 0; i < n; i++) {
    const base = i * p;
    let node = 0;
    let f = feature[0]!;
    while (f >= 0) {
      const b = bins[base + f]!;
      let goLeft: boolean;
      if (categorical[node] === 1) goLeft = (leftBins[node * 8 + (b >>> 5)]! & (1 << (b & 31))) !== 0;
      else goLeft = b <= bin[node]! || (b === MISSING_BIN && missingLeft[node] === 1);
      node = goLeft ? left[node]! : right[node]!;
      f = feature[node]!;
    }
    raw[i] = raw[i]! + value[node]!;
  }
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
