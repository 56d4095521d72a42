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
/** 32-bit hash of a double's bits (−0 and 0 alike). */
function hashDouble(v: number, h: number): number {
  F64[0] = v === 0 ? 0 : v;
  h = Math.imul(h ^ U32[0]!, 0x9e3779b1);
  h = Math.imul(h ^ U32[1]!, 0x85ebca77);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Unique (x, t_x, T) patterns with weights, and each row's pattern index (`of`). An open-addressing hash
 * table over the three doubles: a million rows group in well under a second.
 */
export function groupPatterns(x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>, weights?: ArrayLike<number>): { patterns: Pattern[]; of: Int32Array } {
  const n = x.length;
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  const slots = new Int32Array(cap).fill(-1);
  const patterns: Pattern[] = [];
  const of = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const ti = tx[i]!;
    const Ti = T[i]!;
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
    const w = weights ? weights[i]! : 1;
    if (!(w > 0) || !Number.isFinite(w)) {
      throw new SegmintError('invalid-summary', `row ${i + 1}: weight ${w}: expected a positive number of customers`, {
        hint: 'the weights column counts the customers with the row\'s frequency, recency and T; leave it out for one row per customer',
      });
    }
    let h = hashDouble(Ti, hashDouble(ti, hashDouble(xi, 0x2545f491))) & (cap - 1);
    for (;;) {
      const j = slots[h]!;
      if (j < 0) {
        slots[h] = patterns.length;
        of[i] = patterns.length;
        patterns.push({ x: xi, tx: ti, T: Ti, weight: w });
        break;
      }
      const q = patterns[j]!;
      if (q.x === xi && q.tx === ti && q.T === Ti) {
        q.weight += w;
        of[i] = j;
        break;
      }
      h = (h + 1) & (cap - 1);
    }
  }
  return { patterns, of };
}

/** The distinct values of `values` in order of first appearance (`u`) and each value's position in them (`i`). */
export function index(values: Float64Array): { u: Float64Array; i: Int32Array } {
  let cap = 16;
  while (cap < 2 * values.length) cap *= 2;
  const slots = new Int32Array(cap).fill(-1);
  const i = new Int32Array(values.length);
  const u: number[] = [];
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    let h = hashDouble(v, 0x2545f491) & (cap - 1);
    for (;;) {
      const j = slots[h]!;
      if (j < 0) {
        slots[h] = u.length;
        i[k] = u.length;
        u.push(v);
        break;
      }
      if (u[j] === v) {
        i[k] = j;
        break;
      }
      h = (h + 1) & (cap - 1);
    }
  }
  return { u: Float64Array.from(u), i };
}

/** Patterns as columns with their distinct x, t_x and T indexed (the form the likelihoods loop over). */
export function toPatternSet(patterns: readonly Pattern[]): PatternSet {
  const x = Float64Array.from(patterns, (p) => p.x);
  const tx = Float64Array.from(patterns, (p) => p.tx);
  const T = Float64Array.from(patterns, (p) => p.T);
  const weight = Float64Array.from(patterns, (p) => p.weight);
  const ix = index(x);
  const itx = index(tx);
  const iT = index(T);
  return {
    size: patterns.length, x, tx, T, weight, total: weight.reduce((s, w) => s + w, 0),
    ux: ix.u, xi: ix.i, utx: itx.u, txi: itx.i, uT: iT.u, Ti: iT.i,
  };
}

/** The longest observation T of a pattern set (at least a tiny positive number, so that 1/maxT is finite). */
export function maxT(s: PatternSet): number {
  let m = 0;
  for (let i = 0; i < s.size; i++) if (s.T[i]! > m) m = s.T[i]!;
  return m > 0 ? m : 1;
}
