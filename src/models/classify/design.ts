/**
 * The design matrix of a classifier from columnar features (see types.ts): learn the encoding on training
 * rows (`learnDesign`), then encode any rows with it (`applyDesign`) — a cross-validation fold's held-out
 * rows or every customer being scored — so both are encoded the same way. Pure.
 *
 * Definitions (docs/models.md, "Classifiers"):
 * - numeric, 'impute-mean': a missing value (NaN) takes the mean of the training rows' observed values, and
 *   when any training row was missing a 0/1 column `NAME (missing)` follows (not standardised);
 *   'standardize' then subtracts the training mean and divides by the population standard deviation of the
 *   imputed training column (1 when that is 0).
 * - categorical, 'onehot': one 0/1 column `NAME=LEVEL` per level seen in the training rows, levels in
 *   code-unit order; a missing value is the level `(missing)`; a level not seen in training is all zeros.
 *   'onehot-drop-first' leaves out the first level's column. 'codes': the index of the level among the
 *   feature's levels seen in training (sorted), NaN for missing or unseen.
 */

import { SegmintError } from '../../core/errors.ts';
import type { DesignBlocks } from '../campaign/logistic.ts';
import type { DesignColumn, DesignEncoding, DesignMatrix, DesignOptions, FeatureColumn } from './types.ts';

export const MISSING_LEVEL = '(missing)';

const rowCount = (columns: readonly FeatureColumn[]): number => {
  const c = columns[0];
  return c ? (c.kind === 'numeric' ? c.values.length : c.codes.length) : 0;
};

function checkColumns(columns: readonly FeatureColumn[]): number {
  if (columns.length === 0) throw new SegmintError('invalid-design', 'no features to build a design from', { hint: 'name at least one feature' });
  const n = rowCount(columns);
  const seen = new Set<string>();
  for (const c of columns) {
    const len = c.kind === 'numeric' ? c.values.length : c.codes.length;
    if (len !== n) throw new SegmintError('invalid-design', `feature '${c.name}' has ${len} rows, '${columns[0]!.name}' has ${n}`);
    if (seen.has(c.name)) throw new SegmintError('invalid-design', `feature '${c.name}' is given twice`);
    seen.add(c.name);
  }
  return n;
}

// The loops over every row of a column, as functions of their own: called once per column, they are optimised
// as such (inside a function called once, each loop ran from the interpreter until replaced on the stack).

/** The sum and count of the non-missing values of rows (default 0 … n − 1), and the first row (index) holding ±∞, else −1. */
function observedSum(values: Float64Array, rows: ArrayLike<number> | undefined, n: number): { sum: number; observed: number; infinite: number } {
  if (!rows) return observedSumAll(values, n);
  let sum = 0;
  let observed = 0;
  for (let i = 0; i < n; i++) {
    const v = values[rows ? rows[i]! : i]!;
    if (v !== v) continue; // NaN: missing
    if (v - v !== 0) return { sum, observed, infinite: i }; // ±∞
    sum += v;
    observed++;
  }
  return { sum, observed, infinite: -1 };
}

/** `observedSum` of every row (without the row lookup: faster, the same sums). */
function observedSumAll(values: Float64Array, n: number): { sum: number; observed: number; infinite: number } {
  let sum = 0;
  let observed = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    if (v - v !== 0) return { sum, observed, infinite: i };
    sum += v;
    observed++;
  }
  return { sum, observed, infinite: -1 };
}

/** Σ (v − center)² over the non-missing values of rows. */
function squaredDeviations(values: Float64Array, rows: ArrayLike<number> | undefined, n: number, center: number): number {
  if (!rows) return squaredDeviationsAll(values, n, center);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const v = values[rows ? rows[i]! : i]!;
    if (v === v) ss += (v - center) ** 2;
  }
  return ss;
}

function squaredDeviationsAll(values: Float64Array, n: number, center: number): number {
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v === v) ss += (v - center) ** 2;
  }
  return ss;
}

/** The design column of a numeric feature (missing: `fill`) over rows: (value − center) / scale; −1 and the row, or 0 and z. */
function standardized(values: Float64Array, rows: ArrayLike<number> | undefined, n: number, fill: number, center: number, scale: number, z: Float64Array): number {
  if (!rows) return standardizedAll(values, n, fill, center, scale, z);
  for (let i = 0; i < n; i++) {
    const r = rows ? rows[i]! : i;
    let value = values[r]!;
    if (value !== value) value = fill;
    else if (value - value !== 0) return r;
    z[i] = (value - center) / scale;
  }
  return -1;
}

/** `standardized` of every row: the loop without the row lookup runs at about twice the speed (1,000,000 rows × 16 columns). */
function standardizedAll(values: Float64Array, n: number, fill: number, center: number, scale: number, z: Float64Array): number {
  for (let i = 0; i < n; i++) {
    let value = values[i]!;
    if (value !== value) value = fill;
    else if (value - value !== 0) return i;
    z[i] = (value - center) / scale;
  }
  return -1;
}

/** Learn the encoding of `columns` on `rows` (indices, default every row). */
export function learnDesign(columns: readonly FeatureColumn[], options: DesignOptions, rows?: ArrayLike<number>): DesignEncoding {
  const nAll = checkColumns(columns);
  const n = rows ? rows.length : nAll;
  if (n === 0) throw new SegmintError('invalid-design', 'no training rows to learn the design from');
  const at = (i: number): number => (rows ? rows[i]! : i);
  const out: DesignColumn[] = [];
  for (const c of columns) {
    if (c.kind === 'numeric') {
      const values = c.values;
      const { sum, observed, infinite } = observedSum(values, rows, n);
      if (infinite >= 0) throw new SegmintError('invalid-feature-value', `feature '${c.name}' holds ${values[at(infinite)]} on row ${at(infinite) + 1}`, { hint: 'features must be finite numbers or missing' });
      const missing = n - observed;
      if (options.missing === 'nan') {
        out.push({ name: c.name, feature: c.name, kind: 'numeric', center: 0, scale: 1 });
        continue;
      }
      if (observed === 0) throw new SegmintError('invalid-design', `feature '${c.name}' is missing on every training row`, { hint: 'leave it out of --features' });
      const fill = sum / observed;
      let center = 0;
      let scale = 1;
      if (options.numeric === 'standardize') {
        center = fill; // imputing the mean keeps the mean
        const ss = squaredDeviations(values, rows, n, center);
        const sd = Math.sqrt(ss / n);
        scale = sd > 1e-12 * Math.max(1, Math.abs(center)) ? sd : 1;
      }
      out.push({ name: c.name, feature: c.name, kind: 'numeric', center, scale, fill });
      if (missing > 0) out.push({ name: `${c.name} ${MISSING_LEVEL}`, feature: c.name, kind: 'missing-indicator' });
    } else {
      // which codes occur (the last slot: missing, or a code without a level), then their level strings
      const k = c.levels.length;
      const seen = new Uint8Array(k + 1);
      for (let i = 0; i < n; i++) {
        const code = c.codes[at(i)]!;
        seen[code >= 0 && code < k ? code : k] = 1;
      }
      const present = new Set<string>();
      for (let code = 0; code <= k; code++) if (seen[code]) present.add(code < k ? c.levels[code]! : MISSING_LEVEL);
      const levels = [...present].sort();
      if (options.categorical === 'codes') {
        const coded = levels.filter((l) => l !== MISSING_LEVEL);
        out.push({ name: c.name, feature: c.name, kind: 'codes', levels: coded, categorical: true });
        continue;
      }
      const kept = options.categorical === 'onehot-drop-first' ? levels.slice(1) : levels;
      for (const level of kept) out.push({ name: `${c.name}=${level}`, feature: c.name, kind: 'indicator', level });
    }
  }
  return { options: { ...options }, features: columns.map((c) => ({ name: c.name, kind: c.kind })), columns: out };
}

/** One encoder per input feature: writes its design columns of rows [from, to) into `x`, row i at (i − shift)·p. */
type Encoder = (from: number, to: number, x: Float64Array, shift: number) => void;

/** An input feature's design columns j … end − 1 (consecutive), the first of them, and the feature's column. */
/**
 * A one-hot feature's design columns j … end − 1: the column of each of the input's levels (−1 for a level the
 * encoding has no column for) and the column of a missing value (−1 when none).
 */
export function oneHotTargets(encoding: DesignEncoding, j: number, end: number, levels: readonly string[]): { remap: Int32Array; missingCol: number } {
  const target = new Map<string, number>();
  for (let k = j; k < end; k++) target.set(encoding.columns[k]!.level!, k);
  return { remap: Int32Array.from(levels, (l) => target.get(l) ?? -1), missingCol: target.get(MISSING_LEVEL) ?? -1 };
}

export interface FeatureRun { j: number; end: number; first: DesignColumn; c: FeatureColumn }

/**
 * The rows (n) and design columns (p) of `encoding` over `columns`, and its features' runs of design columns
 * in order; a feature of the encoding that is absent, or of another kind, is `invalid-design`.
 */
export function featureRuns(encoding: DesignEncoding, columns: readonly FeatureColumn[], rows: ArrayLike<number> | undefined): { n: number; p: number; runs: FeatureRun[] } {
  const nAll = checkColumns(columns);
  const n = rows ? rows.length : nAll;
  const byName = new Map(columns.map((c) => [c.name, c]));
  for (const f of encoding.features) {
    const c = byName.get(f.name);
    if (!c) throw new SegmintError('invalid-design', `the model needs feature '${f.name}', which is not given`, { hint: `the features given are: ${columns.map((x) => x.name).join(', ')}` });
    if (c.kind !== f.kind) throw new SegmintError('invalid-design', `feature '${f.name}' was ${f.kind} in training, now ${c.kind}`);
  }
  const p = encoding.columns.length;
  const runs: FeatureRun[] = [];
  for (let j = 0; j < p;) {
    const first = encoding.columns[j]!;
    let end = j + 1;
    while (end < p && encoding.columns[end]!.feature === first.feature) end++;
    runs.push({ j, end, first, c: byName.get(first.feature)! });
    j = end;
  }
  return { n, p, runs };
}

/** The encoders of `encoding` over `columns` (see `applyDesign`), and the number of rows. */
function encoders(encoding: DesignEncoding, columns: readonly FeatureColumn[], rows: ArrayLike<number> | undefined): { n: number; p: number; encoders: Encoder[] } {
  const { n, p, runs } = featureRuns(encoding, columns, rows);
  // one encoder per input feature (its design columns are consecutive), run over blocks of rows so the rows
  // being written stay in cache (column by column over the whole matrix would stride through all of it p times)
  const out: Encoder[] = [];
  for (const { j, end, first, c } of runs) {
    const jj = j;
    if (c.kind === 'numeric') {
      const v = c.values;
      const fill = first.fill ?? NaN;
      const center = first.center ?? 0;
      const scale = first.scale ?? 1;
      const indicator = end > j + 1 ? j + 1 : -1;
      out.push((from, to, x, shift) => {
        for (let i = from; i < to; i++) {
          const r = rows ? rows[i]! : i;
          let value = v[r]!;
          const at = (i - shift) * p;
          if (Number.isNaN(value)) {
            if (indicator >= 0) x[at + indicator] = 1;
            value = fill;
          } else if (!Number.isFinite(value)) {
            throw new SegmintError('invalid-feature-value', `feature '${c.name}' holds ${value} on row ${r + 1}`, { hint: 'features must be finite numbers or missing' });
          }
          x[at + jj] = (value - center) / scale;
        }
      });
    } else if (first.kind === 'codes') {
      const index = new Map(first.levels!.map((l, k) => [l, k]));
      const remap = Float64Array.from(c.levels, (l) => index.get(l) ?? NaN);
      const codes = c.codes;
      out.push((from, to, x, shift) => {
        for (let i = from; i < to; i++) {
          const code = codes[rows ? rows[i]! : i]!;
          x[(i - shift) * p + jj] = code < 0 ? NaN : (remap[code] ?? NaN);
        }
      });
    } else {
      // one-hot: the design column of each input code (−1: none); the other columns are left at 0
      const { remap, missingCol } = oneHotTargets(encoding, j, end, c.levels);
      const codes = c.codes;
      out.push((from, to, x, shift) => {
        for (let i = from; i < to; i++) {
          const code = codes[rows ? rows[i]! : i]!;
          const col = code < 0 ? missingCol : (remap[code] ?? -1);
          if (col >= 0) x[(i - shift) * p + col] = 1;
        }
      });
    }
  }
  return { n, p, encoders: out };
}

const BLOCK = 2048;

/**
 * Encode `rows` (default every row) of `columns` by `encoding`. The columns are found by name; a feature
 * of the encoding that is absent, or of another kind, is `invalid-design`.
 */
export function applyDesign(encoding: DesignEncoding, columns: readonly FeatureColumn[], rows?: ArrayLike<number>): DesignMatrix {
  const { n, p, encoders: enc } = encoders(encoding, columns, rows);
  const x = new Float64Array(n * p);
  for (let from = 0; from < n; from += BLOCK) {
    const to = Math.min(n, from + BLOCK);
    for (const e of enc) e(from, to, x, 0);
  }
  return { x, n, p, encoding };
}

/**
 * `applyDesign` `rowsPerCall` rows at a time, without the whole matrix: `each(x, from, to)` gets the design of
 * rows [from, to) in `x` (row i at (i − from)·p; the same buffer every call, so use it before returning). For
 * scoring every customer: encode and predict a block at a time.
 */
export function eachDesignBlock(
  encoding: DesignEncoding, columns: readonly FeatureColumn[], each: (x: Float64Array, from: number, to: number) => void,
  o: { rows?: ArrayLike<number>; rowsPerCall?: number } = {},
): number {
  const { n, p, encoders: enc } = encoders(encoding, columns, o.rows);
  const per = Math.max(1, Math.floor(o.rowsPerCall ?? 32_768));
  const buffer = new Float64Array(Math.min(n, per) * p);
  for (let from = 0; from < n; from += per) {
    const to = Math.min(n, from + per);
    const x = buffer.subarray(0, (to - from) * p);
    x.fill(0);
    for (let a = from; a < to; a += BLOCK) {
      const b = Math.min(to, a + BLOCK);
      for (const e of enc) e(a, b, x, from);
    }
    each(x, from, to);
  }
  return n;
}

/** The columns and rows a design built on first use encodes, until it is built (`lazyDesign`). */
const SOURCES = new WeakMap<DesignMatrix, { columns: readonly FeatureColumn[]; rows: ArrayLike<number> | undefined }>();

/**
 * `applyDesign` built when its `x` is first read. Until then `designSource` gives the columns and rows it
 * encodes, so a classifier that can fit from them (logistic: `designBlocks`) never builds the n × p matrix.
 */
export function lazyDesign(encoding: DesignEncoding, columns: readonly FeatureColumn[], rows?: ArrayLike<number>): DesignMatrix {
  const n = rows ? rows.length : checkColumns(columns);
  let x: Float64Array | null = null;
  const d: DesignMatrix = {
    get x(): Float64Array {
      if (!x) {
        x = applyDesign(encoding, columns, rows).x;
        SOURCES.delete(d);
      }
      return x;
    },
    n, p: encoding.columns.length, encoding,
  };
  SOURCES.set(d, { columns, rows });
  return d;
}

/** The columns and rows of a `lazyDesign` not built yet; null otherwise. */
export function designSource(d: DesignMatrix): { columns: readonly FeatureColumn[]; rows: ArrayLike<number> | undefined } | null {
  return SOURCES.get(d) ?? null;
}

/**
 * The design of `rows` of `columns` by `encoding` as the logistic kernel reads it (campaign/logistic.ts
 * `DesignBlocks`): numeric columns (and 'codes') dense, encoded a block at a time exactly as `applyDesign`
 * encodes them; each categorical feature's level columns, and each missing indicator, a one-hot group.
 */
export function designBlocks(encoding: DesignEncoding, columns: readonly FeatureColumn[], rows?: ArrayLike<number>, opts: { shared?: boolean } = {}): DesignBlocks & { values: Float64Array[] | null } {
  const { n, p, runs } = featureRuns(encoding, columns, rows);
  // on shared memory, a worker thread reads the columns without a copy (logistic-pool.ts)
  const f64 = (len: number) => new Float64Array(opts.shared ? new SharedArrayBuffer(len * 8) : new ArrayBuffer(len * 8));
  const i32 = (len: number) => new Int32Array(opts.shared ? new SharedArrayBuffer(len * 4) : new ArrayBuffer(len * 4));
  /** the dense columns' values, when every dense column is a numeric feature's (none is 'codes') */
  let values: Float64Array[] | null = [];
  const at = (i: number): number => (rows ? rows[i]! : i);
  const dense: number[] = [];
  const fills: ((from: number, len: number, out: Float64Array, o: number) => void)[] = [];
  const sparse: number[] = [];
  const groupCodes: Int32Array[] = [];
  for (const { j, end, first, c } of runs) {
    if (c.kind === 'numeric') {
      const v = c.values;
      const fill = first.fill ?? NaN;
      const center = first.center ?? 0;
      const scale = first.scale ?? 1;
      dense.push(j);
      // every pass of a fit reads these: the design column is encoded once (as `applyDesign` encodes it), and
      // each pass copies its blocks (NaN ≠ NaN; x − x is NaN for ±∞)
      const z = f64(n);
      const bad = standardized(v, rows, n, fill, center, scale, z);
      values?.push(z);
      if (bad >= 0) throw new SegmintError('invalid-feature-value', `feature '${c.name}' holds ${v[bad]} on row ${bad + 1}`, { hint: 'features must be finite numbers or missing' });
      fills.push((from, len, out, o) => out.set(z.subarray(from, from + len), o));
      if (end > j + 1) {
        // the missing indicator: a group of its own
        const codes = new Int32Array(n);
        const s = sparse.length;
        for (let i = 0; i < n; i++) codes[i] = Number.isNaN(v[at(i)]!) ? s : -1;
        sparse.push(j + 1);
        groupCodes.push(codes);
      }
    } else if (first.kind === 'codes') {
      const index = new Map(first.levels!.map((l, k) => [l, k]));
      const remap = Float64Array.from(c.levels, (l) => index.get(l) ?? NaN);
      const codes = c.codes;
      dense.push(j);
      values = null;
      fills.push((from, len, out, o) => {
        for (let k = 0; k < len; k++) {
          const code = codes[at(from + k)]!;
          out[o + k] = code < 0 ? NaN : (remap[code] ?? NaN);
        }
      });
    } else {
      // one-hot: the group's number of each input code (−1: none, i.e. every level column 0)
      const s0 = sparse.length;
      const target = new Map<string, number>();
      for (let k = j; k < end; k++) {
        target.set(encoding.columns[k]!.level!, s0 + k - j);
        sparse.push(k);
      }
      const remap = Int32Array.from(c.levels, (l) => target.get(l) ?? -1);
      const missing = target.get(MISSING_LEVEL) ?? -1;
      const src = c.codes;
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const code = src[at(i)]!;
        codes[i] = code < 0 ? missing : (remap[code] ?? -1);
      }
      groupCodes.push(codes);
    }
  }
  const groups = groupCodes.length;
  const codes = i32(n * groups);
  for (let gi = 0; gi < groups; gi++) {
    const gc = groupCodes[gi]!;
    for (let i = 0; i < n; i++) codes[i * groups + gi] = gc[i]!;
  }
  return {
    n, p, dense: Int32Array.from(dense), sparse: Int32Array.from(sparse), groups, codes, values,
    fill(from, len, out, stride) {
      for (let d = 0; d < fills.length; d++) fills[d]!(from, len, out, d * stride);
    },
  };
}

/** Learn on `rows` and encode the same rows. */
export function buildDesign(columns: readonly FeatureColumn[], options: DesignOptions, rows?: ArrayLike<number>): DesignMatrix {
  return applyDesign(learnDesign(columns, options, rows), columns, rows);
}

/** A categorical FeatureColumn from strings (null, undefined and '' are missing). */
export function categoricalColumn(name: string, values: ArrayLike<string | null | undefined>): FeatureColumn {
  const index = new Map<string, number>();
  const levels: string[] = [];
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || v === '') {
      codes[i] = -1;
      continue;
    }
    let k = index.get(v);
    if (k === undefined) {
      k = levels.length;
      index.set(v, k);
      levels.push(v);
    }
    codes[i] = k;
  }
  return { name, kind: 'categorical', codes, levels };
}

/** A numeric FeatureColumn (null and undefined become NaN, i.e. missing). */
export function numericColumn(name: string, values: ArrayLike<number | null | undefined>): FeatureColumn {
  return { name, kind: 'numeric', values: Float64Array.from({ length: values.length }, (_, i) => values[i] ?? NaN) };
}
