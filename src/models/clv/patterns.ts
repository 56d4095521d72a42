/**
 * Per-customer summaries grouped into unique (x, t_x, T) patterns with weights, with the unique values of
 * each column indexed, so a likelihood computes its Γ terms once per distinct x and its logs once per
 * distinct t_x and T: a million customers cost about as much as their few thousand patterns.
 */
import { SegmintError } from '../../core/errors.ts';

export interface Pattern {
  /** repeat purchases */
  x: number;
  /** time of the last purchase since the first (periods) */
  tx: number;
  /** time since the first purchase to the end of calibration (periods); for BG/BB, the opportunities n */
  T: number;
  /** customers with this pattern */
  weight: number;
}

/** Patterns as columns, with the distinct values of x, t_x and T and each pattern's index into them. */
export interface PatternSet {
  size: number;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  /** Σ weight */
  total: number;
  ux: Float64Array;
  xi: Int32Array;
  utx: Float64Array;
  txi: Int32Array;
  uT: Float64Array;
  Ti: Int32Array;
}

/** Group per-customer rows into unique (x, t_x, T) patterns with weights; rows are checked first. */
export function toPatterns(x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>, weights?: ArrayLike<number>): Pattern[] {
  return groupPatterns(x, tx, T, weights).patterns;
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** MurmurHash3's 32-bit finaliser: every input bit reaches every output bit. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
/**
 * 32-bit hash of a double's bits (−0 and 0 alike), each word mixed in fully: whole numbers have a zero low word
 * and a high word with zero low bits, which a multiply alone leaves in the table index's low bits.
 */
function hashDouble(v: number, h: number): number {
  F64[0] = v === 0 ? 0 : v;
  h = fmix(h ^ U32[0]!);
  return fmix((h + 0x9e3779b9) ^ U32[1]!) >>> 0;
}

/** Unique (x, t_x, T) patterns as columns with weights, and each row's pattern index (`of`). */
export interface GroupedColumns {
  size: number;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  of: Int32Array;
}

/** The checks of a summary row (frequency, recency, T, weight) before it is grouped; `i` is its 0-based position. */
function checkRow(i: number, xi: number, ti: number, Ti: number, w: number): void {
  if (!(xi >= 0) || !(ti >= 0) || !(ti <= Ti + 1e-9) || !Number.isFinite(Ti) || !Number.isInteger(xi)) {
    throw new SegmintError('invalid-summary', `row ${i + 1}: frequency ${xi}, recency ${ti}, T ${Ti}: expected a whole frequency ≥ 0 and 0 ≤ recency ≤ T`, {
      hint: 'recency larger than T means the summary was computed with another end date',
    });
  }
  if (xi === 0 && ti !== 0) {
    throw new SegmintError('invalid-summary', `row ${i + 1}: frequency 0 with recency ${ti}: expected recency 0 without repeat purchases`, {
      hint: 'recency is the time from the first to the last purchase, so it is 0 without repeat purchases',
    });
  }
  if (!(w > 0) || !Number.isFinite(w)) {
    throw new SegmintError('invalid-summary', `row ${i + 1}: weight ${w}: expected a positive number of customers`, {
      hint: 'the weights column counts the customers with the row\'s frequency, recency and T; leave it out for one row per customer',
    });
  }
}

/**
 * Unique (x, t_x, T) rows with their summed weights, as columns, and each row's pattern index; rows are checked
 * first. An open-addressing hash table over the three doubles, no object per pattern.
 */
export function groupColumns(x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>, weights?: ArrayLike<number>): GroupedColumns {
  const n = x.length;
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  const slots = new Int32Array(cap).fill(-1);
  const gx = new Float64Array(n);
  const gtx = new Float64Array(n);
  const gT = new Float64Array(n);
  const gw = new Float64Array(n);
  const of = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const ti = tx[i]!;
    const Ti = T[i]!;
    const w = weights ? weights[i]! : 1;
    checkRow(i, xi, ti, Ti, w);
    let h = hashDouble(Ti, hashDouble(ti, hashDouble(xi, 0x2545f491))) & (cap - 1);
    for (;;) {
      const j = slots[h]!;
      if (j < 0) {
        slots[h] = m;
        of[i] = m;
        gx[m] = xi;
        gtx[m] = ti;
        gT[m] = Ti;
        gw[m] = w;
        m++;
        break;
      }
      if (gx[j] === xi && gtx[j] === ti && gT[j] === Ti) {
        gw[j] = gw[j]! + w;
        of[i] = j;
        break;
      }
      h = (h + 1) & (cap - 1);
    }
  }
  return { size: m, x: gx.slice(0, m), tx: gtx.slice(0, m), T: gT.slice(0, m), weight: gw.slice(0, m), of };
}

/**
 * Unique (x, t_x, T) patterns with weights, and each row's pattern index (`of`): groupColumns as objects.
 */
export function groupPatterns(x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>, weights?: ArrayLike<number>): { patterns: Pattern[]; of: Int32Array } {
  const g = groupColumns(x, tx, T, weights);
  const patterns: Pattern[] = new Array(g.size);
  for (let j = 0; j < g.size; j++) patterns[j] = { x: g.x[j]!, tx: g.tx[j]!, T: g.T[j]!, weight: g.weight[j]! };
  return { patterns, of: g.of };
}

/**
 * The distinct values of `values` in order of first appearance (`u`) and each value's position in them (`i`). The
 * table grows with the distinct values, not with the rows: a pattern set's x, t_x and T have hundreds or thousands of
 * distinct values among hundreds of thousands of rows, and memory touched for the first time costs more than the
 * hashing here (issue #15: 7 MB per column of a table sized by the rows, 15-20 ms each at bench/clv's 265,025 patterns).
 */
export function index(values: Float64Array): { u: Float64Array; i: Int32Array } {
  let cap = 1024;
  let slots = new Int32Array(cap).fill(-1);
  let u = new Float64Array(cap / 2);
  const i = new Int32Array(values.length);
  let m = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    let h = hashDouble(v, 0x2545f491) & (cap - 1);
    for (;;) {
      const j = slots[h]!;
      if (j < 0) {
        if (2 * (m + 1) > cap) {
          // at half full: twice the slots, the values so far placed again
          cap *= 2;
          slots = new Int32Array(cap).fill(-1);
          const grown = new Float64Array(cap / 2);
          grown.set(u.subarray(0, m));
          u = grown;
          for (let q = 0; q < m; q++) {
            let g = hashDouble(u[q]!, 0x2545f491) & (cap - 1);
            while (slots[g]! >= 0) g = (g + 1) & (cap - 1);
            slots[g] = q;
          }
          h = hashDouble(v, 0x2545f491) & (cap - 1);
          continue;
        }
        slots[h] = m;
        i[k] = m;
        u[m++] = v;
        break;
      }
      if (u[j] === v) {
        i[k] = j;
        break;
      }
      h = (h + 1) & (cap - 1);
    }
  }
  return { u: u.slice(0, m), i };
}

/** Index columns whose (a, b) grid has up to this many cells are paired through a table of the grid (else a Map). */
const PAIR_GRID_CELLS = 1 << 24;

/**
 * The distinct (a[i], b[i]) pairs of two index columns (b[i] < nb), numbered in order of first appearance, with each
 * row's pair: looked up in a table of the whole (a, b) grid when it is small enough (the index columns of a pattern
 * set: distinct frequencies × distinct t_x or T, about 200,000 cells at bench/clv, where a Map cost 50-90 ms), else in
 * a Map; the same numbering either way (`gridCells`: the table's largest size, for tests).
 */
export function pairs(a: Int32Array, b: Int32Array, nb: number, gridCells = PAIR_GRID_CELLS): { a: Int32Array; b: Int32Array; of: Int32Array } {
  const n = a.length;
  const of = new Int32Array(n);
  const pa = new Int32Array(n);
  const pb = new Int32Array(n);
  let count = 0;
  let na = 0;
  for (let i = 0; i < n; i++) if (a[i]! >= na) na = a[i]! + 1;
  if (na * nb <= gridCells) {
    // cell a·nb + b → its pair's number + 1 (0: not seen)
    const grid = new Int32Array(na * nb);
    for (let i = 0; i < n; i++) {
      const cell = a[i]! * nb + b[i]!;
      let j = grid[cell]! - 1;
      if (j < 0) {
        j = count++;
        grid[cell] = j + 1;
        pa[j] = a[i]!;
        pb[j] = b[i]!;
      }
      of[i] = j;
    }
  } else {
    const seen = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const key = a[i]! * nb + b[i]!;
      let j = seen.get(key);
      if (j === undefined) {
        j = count++;
        seen.set(key, j);
        pa[j] = a[i]!;
        pb[j] = b[i]!;
      }
      of[i] = j;
    }
  }
  return { a: pa.slice(0, count), b: pb.slice(0, count), of };
}

/** Pattern columns (distinct rows, as groupColumns gives them) with their distinct x, t_x and T indexed. */
export function patternSetOfColumns(x: Float64Array, tx: Float64Array, T: Float64Array, weight: Float64Array): PatternSet {
  const ix = index(x);
  const itx = index(tx);
  const iT = index(T);
  let total = 0;
  for (let j = 0; j < weight.length; j++) total += weight[j]!;
  return { size: x.length, x, tx, T, weight, total, ux: ix.u, xi: ix.i, utx: itx.u, txi: itx.i, uT: iT.u, Ti: iT.i };
}

/** Per-customer (or weighted) summary rows grouped into an indexed pattern set; rows are checked first. */
export function patternSet(x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>, weights?: ArrayLike<number>): PatternSet {
  const g = groupColumns(x, tx, T, weights);
  return patternSetOfColumns(g.x, g.tx, g.T, g.weight);
}

/**
 * patternSet of rows that are distinct already and in (x, t_x, T) order, as a GROUP BY … ORDER BY of the warehouse
 * gives them (clv fit): grouping such rows gives them back as they are, in the same order, so they are only checked
 * (the same checks) and their order confirmed row by row instead of hashed (0.05–0.15 s of the main thread at
 * 1,000,000 customers, before Pareto/NBD's worker can start). Rows out of order or repeated: patternSet. `owned`: the
 * set may keep the arrays themselves rather than copies of them: a worker's copy of a posted job, or `clv fit`'s grouped
 * read, which nothing writes (8.5 MB of new memory at bench/clv's 265,025 patterns, before the fits start).
 */
export function patternSetOfSorted(x: Float64Array, tx: Float64Array, T: Float64Array, weights: Float64Array, owned = false): PatternSet {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    checkRow(i, x[i]!, tx[i]!, T[i]!, weights[i]!);
    // strictly after the row before (numbers only: checkRow let no NaN through)
    if (i > 0) {
      const a = x[i - 1]!, b = x[i]!;
      const after = b > a || (b === a && (tx[i]! > tx[i - 1]! || (tx[i] === tx[i - 1] && T[i]! > T[i - 1]!)));
      if (!after) return patternSet(x, tx, T, weights);
    }
  }
  return owned ? patternSetOfColumns(x, tx, T, weights) : patternSetOfColumns(x.slice(), tx.slice(), T.slice(), weights.slice());
}

/** Patterns as columns with their distinct x, t_x and T indexed (the form the likelihoods loop over). */
export function toPatternSet(patterns: readonly Pattern[]): PatternSet {
  const n = patterns.length;
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const weight = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const p = patterns[j]!;
    x[j] = p.x;
    tx[j] = p.tx;
    T[j] = p.T;
    weight[j] = p.weight;
  }
  return patternSetOfColumns(x, tx, T, weight);
}

/** The longest observation T of a pattern set (at least a tiny positive number, so that 1/maxT is finite). */
export function maxT(s: PatternSet): number {
  let m = 0;
  for (let i = 0; i < s.size; i++) if (s.T[i]! > m) m = s.T[i]!;
  return m > 0 ? m : 1;
}

/** A pattern set's patterns ordered by distinct x, then by T: the columns a per-frequency loop reads in order. */
export interface ByFrequency {
  /** per pattern in that order: index into uT and utx, and the weight */
  Ti: Int32Array;
  txi: Int32Array;
  weight: Float64Array;
  /** the patterns of ux[j] are start[j] .. start[j + 1] − 1 */
  start: Int32Array;
  /** Σ weight per distinct x */
  total: Float64Array;
}

const BY_FREQUENCY = new WeakMap<PatternSet, ByFrequency>();

/** Stable counting sort of `order` by `key[order[i]]` (keys in 0 .. nk − 1); also the start of each key's run. */
function countingSort(order: Int32Array, key: Int32Array, nk: number): { order: Int32Array; start: Int32Array } {
  const start = new Int32Array(nk + 1);
  for (let i = 0; i < order.length; i++) start[key[order[i]!]! + 1] = start[key[order[i]!]! + 1]! + 1;
  for (let k = 0; k < nk; k++) start[k + 1] = start[k + 1]! + start[k]!;
  const next = start.slice(0, nk);
  const out = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const o = order[i]!;
    out[next[key[o]!]!++] = o;
  }
  return { order: out, start };
}

/** The patterns of a set by frequency (then T), computed once per set (two counting sorts). */
export function byFrequency(s: PatternSet): ByFrequency {
  let v = BY_FREQUENCY.get(s);
  if (!v) {
    const ident = new Int32Array(s.size);
    for (let i = 0; i < s.size; i++) ident[i] = i;
    const byT = countingSort(ident, s.Ti, s.uT.length).order;
    const { order, start } = countingSort(byT, s.xi, s.ux.length);
    const Ti = new Int32Array(s.size);
    const txi = new Int32Array(s.size);
    const weight = new Float64Array(s.size);
    for (let i = 0; i < s.size; i++) {
      const o = order[i]!;
      Ti[i] = s.Ti[o]!;
      txi[i] = s.txi[o]!;
      weight[i] = s.weight[o]!;
    }
    const total = new Float64Array(s.ux.length);
    for (let j = 0; j < total.length; j++) for (let i = start[j]!; i < start[j + 1]!; i++) total[j] = total[j]! + weight[i]!;
    v = { Ti, txi, weight, start, total };
    BY_FREQUENCY.set(s, v);
  }
  return v;
}

const THINNED = new WeakMap<PatternSet, PatternSet | null>();

/** Patterns a thinned set aims at: enough for a start within about a standard error or two of the full optimum. */
export const THIN_TARGET = 16384;

/**
 * A thinned copy of a large pattern set for a cheap starting point: every pattern with a weight of at least k is
 * kept as it is, the others with chance 1/k (by a hash of the pattern's position, so the same set each time) and
 * k times their weight, k = ⌊size / THIN_TARGET⌋ — a Horvitz–Thompson sample, whose likelihood is the full one's
 * up to sampling noise. Null for a set of under 2 · THIN_TARGET patterns (fitted directly). Cached per set.
 */
export function thinnedPatternSet(s: PatternSet): PatternSet | null {
  let t = THINNED.get(s);
  if (t === undefined) {
    const k = Math.floor(s.size / THIN_TARGET);
    if (k < 2) t = null;
    else {
      const keep: number[] = [];
      for (let i = 0; i < s.size; i++) if (s.weight[i]! >= k || fmix(Math.imul(i + 1, 0x9e3779b1)) >>> 0 < 0x100000000 / k) keep.push(i);
      const m = keep.length;
      const x = new Float64Array(m);
      const tx = new Float64Array(m);
      const T = new Float64Array(m);
      const weight = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        const i = keep[j]!;
        x[j] = s.x[i]!;
        tx[j] = s.tx[i]!;
        T[j] = s.T[i]!;
        weight[j] = s.weight[i]! >= k ? s.weight[i]! : s.weight[i]! * k;
      }
      t = patternSetOfColumns(x, tx, T, weight);
    }
    THINNED.set(s, t);
  }
  return t;
}
