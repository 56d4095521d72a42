/**
 * Preprocessing recorded in the cluster model, so that new customers are transformed the same way in
 * process and in SQL: per numeric feature missing-value imputation (the median), optional log1p (for
 * right-skewed spend and counts; negative values clipped at 0 first), winsorising at fitted quantiles, and standard
 * (mean / population sd) or robust (median / IQR) scaling; categorical traits become one-hot columns.
 * Constant columns carry no information for a distance and are dropped with a warning.
 */
import { LOG1P_FLOOR, MISSING_LEVEL, scaleBounds, Z_TINY } from '../../core/cluster-guards.ts';
import { presentCount, quantileOf, quantilesSelect } from './quantile.ts';
import { prefault } from './prefault.ts';
import { SegmintError } from '../../core/errors.ts';

/** One input column: numbers (NaN = missing) or category labels (null = missing). */
export type InputColumn =
  | { name: string; kind: 'numeric'; values: Float64Array }
  | { name: string; kind: 'categorical'; values: readonly (string | null)[] };

export type Scaling = 'standard' | 'robust' | 'none';
export type MissingPolicy = 'impute' | 'exclude';

export interface PreprocessParams {
  /** default 'standard' */
  scaling?: Scaling;
  /**
   * numeric features to log1p; values below 0 (a net spend where returns exceed purchases) are clipped at 0
   * first, and counted; 'auto' picks columns with at most 5% negative values and skewness > 2 (after the
   * clipping); default none. A column with mostly negative values is refused (`log1p-negative`).
   */
  log1p?: readonly string[] | 'auto';
  /** winsorise numeric features at the q and 1 − q quantiles (0 ≤ q < 0.5, default 0: none) */
  winsorize?: number;
  /** 'impute' (default) fills a missing number with the column median and a missing category with '(missing)'; 'exclude' drops the row */
  missing?: MissingPolicy;
}

/** A fitted numeric feature: z = (clip(log1p?(max(coalesce(x, impute), floor)), lo, hi) − center) / scale. */
export interface NumericStep {
  kind: 'numeric';
  name: string;
  impute: number;
  /** a log1p feature with negative values: they are raised to this (0) before the log; absent otherwise */
  floor?: number;
  log1p: boolean;
  clipLow: number | null;
  clipHigh: number | null;
  center: number;
  scale: number;
}

/** A fitted one-hot column: z = ((x = level ? 1 : 0) − center) / scale. */
export interface OneHotStep {
  kind: 'one-hot';
  name: string;
  level: string;
  center: number;
  scale: number;
}

export type Step = NumericStep | OneHotStep;

export interface Preprocessing {
  scaling: Scaling;
  missing: MissingPolicy;
  steps: Step[];
}

export interface PreprocessResult {
  preprocessing: Preprocessing;
  /** n_kept × steps.length, row-major */
  X: Float64Array;
  /** indices of the input rows kept (all unless missing = 'exclude') */
  kept: Int32Array;
  missing: Record<string, number>;
  /** rows dropped because a value was missing (missing = 'exclude') */
  excluded: number;
  warnings: string[];
  /**
   * per numeric column (by name), figures of its kept rows' present values as they are (before any log or clipping),
   * for the profiles to take instead of computing them again: how many, their median, and — when the scaling
   * took them from exactly these values (standard scaling, no log1p, no winsorising, none missing) — `meanSd`'s
   * mean and sd
   */
  raw: Map<string, RawFigures>;
}

/** See `PreprocessResult.raw`. */
export interface RawFigures { present: number; median: number; mean?: number; sd?: number }

/** Apply one numeric step to a raw value (NaN = missing). */
export function applyNumeric(s: NumericStep, x: number): number {
  let v = Number.isNaN(x) ? s.impute : x;
  if (s.floor !== undefined && v < s.floor) v = s.floor;
  if (s.log1p) v = Math.log(Math.max(1 + v, LOG1P_FLOOR));
  if (s.clipLow !== null && v < s.clipLow) v = s.clipLow;
  if (s.clipHigh !== null && v > s.clipHigh) v = s.clipHigh;
  const [lo, hi] = scaleBounds(s);
  const t = Math.min(Math.max(v, lo), hi) - s.center;
  return Math.abs(t) < Z_TINY * s.scale ? 0 : t / s.scale;
}

/** Matrices of at least this many bytes are allocated in shared memory (k-means threads share them). */
const SHARED_MIN_BYTES = 8 * 2 ** 20;

/** --log1p auto leaves alone a column with more than this share of negative values. */
export const AUTO_LOG1P_MAX_NEGATIVE = 0.05;

function skewness(v: Float64Array): number {
  const n = v.length;
  let m = 0;
  for (const x of v) m += x;
  m /= n;
  let m2 = 0, m3 = 0;
  for (const x of v) { const e = x - m; m2 += e * e; m3 += e * e * e; }
  m2 /= n; m3 /= n;
  return m2 > 0 ? m3 / m2 ** 1.5 : 0;
}

function center(values: Float64Array, scaling: Scaling): { center: number; scale: number } {
  if (scaling === 'none') return { center: 0, scale: 1 };
  if (scaling === 'robust') {
    const [median, q3, q1] = quantilesSelect(Float64Array.from(values), [0.5, 0.75, 0.25]) as [number, number, number];
    return { center: median, scale: q3 - q1 };
  }
  const { mean, sd } = meanSd(values);
  return { center: mean, scale: sd };
}

/**
 * Mean and population standard deviation of finite values. When the plain sums overflow (values near
 * 1e154 and above), they are taken over the values divided by the largest magnitude and scaled back.
 */
export function meanSd(values: ArrayLike<number>): { mean: number; sd: number } {
  const n = values.length;
  if (values instanceof Float64Array) {
    // the same sums as below with div = 1 (x / 1 is x), over a typed array: one specialised loop each
    let m = 0;
    for (let i = 0; i < n; i++) m += values[i]!;
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (values[i]! - m) ** 2;
    const plain = { mean: m, sd: Math.sqrt(v / n) };
    if (Number.isFinite(plain.mean) && Number.isFinite(plain.sd)) return plain;
  }
  const moments = (div: number) => {
    let m = 0;
    for (let i = 0; i < n; i++) m += values[i]! / div;
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (values[i]! / div - m) ** 2;
    return { mean: m * div, sd: Math.sqrt(v / n) * div };
  };
  const plain = moments(1);
  if (Number.isFinite(plain.mean) && Number.isFinite(plain.sd)) return plain;
  let big = 0;
  for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(values[i]!));
  return moments(big);
}

/**
 * Fit the preprocessing on the columns and return the transformed matrix. Errors: `no-features`,
 * `unknown-feature` (a log1p name not among the columns), `invalid-option`, `log1p-negative`,
 * `no-variable-features` (every column constant), `no-rows`.
 */
export function fitPreprocess(columns: readonly InputColumn[], params: PreprocessParams = {}): PreprocessResult {
  const scaling = params.scaling ?? 'standard', policy = params.missing ?? 'impute', q = params.winsorize ?? 0;
  if (columns.length === 0) throw new SegmintError('no-features', 'no features to cluster on', { hint: 'name them, e.g. --features recency_days,frequency,monetary' });
  if (!['standard', 'robust', 'none'].includes(scaling)) throw new SegmintError('invalid-option', `scaling ${scaling}: expected standard, robust or none`);
  if (!['impute', 'exclude'].includes(policy)) throw new SegmintError('invalid-option', `missing ${policy}: expected impute or exclude`);
  if (!(q >= 0 && q < 0.5)) throw new SegmintError('invalid-option', `winsorize ${q}: expected a quantile from 0 to below 0.5`, { hint: 'e.g. 0.01' });
  const n = columns[0]!.values.length;
  for (const c of columns) if (c.values.length !== n) throw new SegmintError('invalid-argument', `column ${c.name} has ${c.values.length} values, expected ${n}`);
  // each numeric column scanned once: its first infinite value, its missing and its negative values
  const scans = new Map<InputColumn, ColumnScan>();
  for (const c of columns) {
    if (c.kind !== 'numeric') continue;
    const scan = scanColumn(c.values);
    const bad = scan.firstInfinite;
    if (bad >= 0) throw new SegmintError('invalid-value', `${c.name}, row ${bad}: ${c.values[bad]} is not a finite number`, { hint: `replace infinite values in ${c.name} (leave them empty to impute them), or leave ${c.name} out` });
    scans.set(c, scan);
  }
  const names = new Set(columns.map((c) => c.name));
  if (Array.isArray(params.log1p)) {
    for (const f of params.log1p) {
      if (!names.has(f)) throw new SegmintError('unknown-feature', `log1p: ${f} is not one of the features (${[...names].join(', ')})`);
      if (columns.find((c) => c.name === f)!.kind !== 'numeric') throw new SegmintError('invalid-option', `log1p: ${f} is categorical`);
    }
  }
  const isMissing = (c: InputColumn, i: number) => (c.kind === 'numeric' ? Number.isNaN(c.values[i]!) : c.values[i] === null);
  const missing: Record<string, number> = {};
  const anyMissing = new Uint8Array(n);
  for (const c of columns) {
    let m = 0;
    if (c.kind === 'numeric') {
      const v = c.values;
      if (scans.get(c)!.missing > 0) for (let i = 0; i < n; i++) if (v[i] !== v[i]) { m++; anyMissing[i] = 1; }
    } else for (let i = 0; i < n; i++) if (isMissing(c, i)) { m++; anyMissing[i] = 1; }
    if (m > 0) missing[c.name] = m;
  }
  let keptCount = n;
  if (policy === 'exclude') for (let i = 0; i < n; i++) keptCount -= anyMissing[i]!;
  const kept = new Int32Array(keptCount);
  for (let i = 0, t = 0; i < n; i++) if (policy === 'impute' || !anyMissing[i]) kept[t++] = i;
  // every row kept: the columns are read as they are
  const identity = kept.length === n;
  const excluded = n - kept.length;
  if (kept.length === 0) throw new SegmintError('no-rows', n === 0 ? 'no rows to cluster' : `all ${n} rows have a missing value`, { hint: 'use the impute policy for missing values' });
  const warnings: string[] = [];
  for (const [name, m] of Object.entries(missing)) {
    warnings.push(policy === 'impute' ? `${name}: ${m} missing values imputed with the ${columns.find((c) => c.name === name)!.kind === 'numeric' ? 'median' : `level ${MISSING_LEVEL}`}` : `${name}: ${m} missing values`);
  }
  if (excluded > 0) warnings.push(`${excluded} rows with a missing value were excluded`);

  // numeric columns only: the matrix has at most a column each, so its memory is taken now and made resident on another
  // thread while the steps below are fitted (prefault.ts)
  const shared = typeof SharedArrayBuffer === 'function' && columns.every((c) => c.kind === 'numeric') && kept.length * columns.length * 8 >= SHARED_MIN_BYTES
    ? new SharedArrayBuffer(kept.length * columns.length * 8) : undefined;
  if (shared) void prefault(shared);
  const steps: Step[] = [];
  const fills: ((X: Float64Array, d: number, j: number, from: number, to: number) => void)[] = [];
  const rawFigures = new Map<string, RawFigures>();
  for (const c of columns) {
    if (c.kind === 'numeric') {
      const values = c.values;
      const col = identity ? values : Float64Array.from(kept, (i) => values[i]!);
      // the median of the present values, from the column as it is (no copy)
      const scan = scans.get(c)!;
      const present = identity ? n - scan.missing : presentCount(col);
      const impute = present ? quantileOf(col, 0.5, present) : 0;
      // the column itself when nothing is missing (read only below, unless winsorised in place)
      const raw = present < col.length ? col.map((x) => (Number.isNaN(x) ? impute : x)) : q > 0 ? Float64Array.from(col) : col;
      // negative values (net spend where returns exceed purchases) are clipped at 0 before the log (the scan's count
      // when raw holds the column's values; imputed values count too)
      let negative = 0;
      if (identity && present === col.length) negative = scan.negative;
      else for (let i = 0; i < raw.length; i++) if (raw[i]! < 0) negative++;
      // the clipped copy only when a log1p needs it (its skewness, or the log itself)
      let clippedCopy: Float64Array | undefined;
      const clipped = () => (clippedCopy ??= negative ? raw.map((x) => Math.max(x, 0)) : raw);
      const auto = params.log1p === 'auto' && negative <= AUTO_LOG1P_MAX_NEGATIVE * raw.length && skewness(clipped()) > 2;
      const log = auto || (Array.isArray(params.log1p) && params.log1p.includes(c.name));
      if (log && negative > raw.length / 2) throw new SegmintError('log1p-negative', `log1p: ${c.name} is negative for ${negative} of ${raw.length} rows: clipping them at 0 would leave little of it`, { hint: `leave ${c.name} out of log1p` });
      const floor = log && negative > 0 ? 0 : undefined;
      if (floor !== undefined) warnings.push(`${c.name}: ${negative} value${negative === 1 ? '' : 's'} below 0 clipped at 0 before log(1 + x)${auto ? ' (log1p auto)' : ''}`);
      const v = log ? clipped().map((x) => Math.log(1 + x)) : raw;
      let lo: number | null = null, hi: number | null = null;
      if (q > 0) {
        [lo, hi] = quantilesSelect(Float64Array.from(v), [q, 1 - q]) as [number, number];
        for (let i = 0; i < v.length; i++) v[i] = Math.min(hi, Math.max(lo, v[i]!));
      }
      const { center: ce, scale } = center(v, scaling);
      if (present > 0) rawFigures.set(c.name, { present, median: impute, ...(scaling === 'standard' && v === col && present === col.length ? { mean: ce, sd: scale } : {}) });
      if (!Number.isFinite(ce) || !Number.isFinite(scale)) throw new SegmintError('invalid-value', `${c.name}: values too large to scale (centre ${ce}, scale ${scale})`, { hint: `rescale ${c.name} (e.g. to thousands), use log1p, or winsorize` });
      if (!(scale > 0)) { warnings.push(`${c.name} is constant${scaling === 'robust' ? ' over its middle half (IQR 0)' : ''}: left out of the distance`); continue; }
      const step: NumericStep = { kind: 'numeric', name: c.name, impute, ...(floor !== undefined ? { floor } : {}), log1p: log, clipLow: lo, clipHigh: hi, center: ce, scale };
      steps.push(step);
      fills.push((X, d, j, from, to) => applyNumericColumn(step, col, X, d, j, from, to));
    } else {
      const vals = Array.from(kept, (i) => c.values[i] ?? MISSING_LEVEL);
      const levels = [...new Set(vals)].sort();
      if (levels.length < 2) { warnings.push(`${c.name} has a single level: left out of the distance`); continue; }
      for (const level of levels) {
        const ind = Float64Array.from(vals, (v) => (v === level ? 1 : 0));
        const st = scaling === 'none' ? { center: 0, scale: 1 } : center(ind, 'standard');
        const step: OneHotStep = { kind: 'one-hot', name: c.name, level, center: st.center, scale: st.scale };
        steps.push(step);
        fills.push((X, d, j, from, to) => { for (let i = from; i < to; i++) X[i * d + j] = (ind[i]! - step.center) / step.scale; });
      }
    }
  }
  if (steps.length === 0) throw new SegmintError('no-variable-features', `every feature is constant (${columns.map((c) => c.name).join(', ')}): there is nothing to tell customers apart by`, { hint: 'choose other features' });
  // a large matrix goes in shared memory, so that k-means' worker threads read it without a copy
  const d = steps.length, bytes = kept.length * d * 8;
  const X = shared ? new Float64Array(shared, 0, kept.length * d)
    : new Float64Array(bytes >= SHARED_MIN_BYTES && typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  // a block of rows at a time, every column into it: the block's part of X stays in the cache (column by column
  // over all rows wrote one value per cache line of the whole matrix, d times over)
  for (let from = 0; from < kept.length; from += FILL_BLOCK) {
    const to = Math.min(kept.length, from + FILL_BLOCK);
    fills.forEach((fill, j) => fill(X, d, j, from, to));
  }
  return { preprocessing: { scaling, missing: policy, steps }, X, kept, missing, excluded, warnings, raw: rawFigures };
}

interface ColumnScan { firstInfinite: number; missing: number; negative: number }

/** One pass over a column: the row of its first infinite value (−1: none; the scan stops there), its NaNs and its values below 0. */
function scanColumn(v: Float64Array): ColumnScan {
  let missing = 0, negative = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    // counted without branches (whether a value is below 0 is a coin toss on centred data: a branch on it
    // mispredicts half the time); x − x is 0 for every finite x, NaN for NaN and ±Infinity
    missing += +(x !== x);
    negative += +(x < 0);
    if (x - x !== 0 && x === x) return { firstInfinite: i, missing, negative };
  }
  return { firstInfinite: -1, missing, negative };
}

/** Rows per block of the matrix fill. */
const FILL_BLOCK = 4096;

/** `applyNumeric` over rows [from, to) of a column, written into column j of the row-major n × d matrix X (the same arithmetic, bounds hoisted). */
function applyNumericColumn(s: NumericStep, values: Float64Array, X: Float64Array, d: number, j: number, from = 0, to = values.length): void {
  const [lo, hi] = scaleBounds(s);
  const tiny = Z_TINY * s.scale, center = s.center, scale = s.scale;
  if (s.floor === undefined && !s.log1p && s.clipLow === null && s.clipHigh === null) {
    // no floor, log or clipping (the usual case): the same arithmetic with the step's fields in locals
    const impute = s.impute;
    for (let i = from; i < to; i++) {
      const x = values[i]!;
      const v = x !== x ? impute : x;
      const t = Math.min(Math.max(v, lo), hi) - center;
      X[i * d + j] = Math.abs(t) < tiny ? 0 : t / scale;
    }
    return;
  }
  for (let i = from; i < to; i++) {
    const x = values[i]!;
    let v = Number.isNaN(x) ? s.impute : x;
    if (s.floor !== undefined && v < s.floor) v = s.floor;
    if (s.log1p) v = Math.log(Math.max(1 + v, LOG1P_FLOOR));
    if (s.clipLow !== null && v < s.clipLow) v = s.clipLow;
    if (s.clipHigh !== null && v > s.clipHigh) v = s.clipHigh;
    const t = Math.min(Math.max(v, lo), hi) - s.center;
    X[i * d + j] = Math.abs(t) < tiny ? 0 : t / s.scale;
  }
}

/** Transform raw columns (by name) with a fitted preprocessing; missing values are imputed as fitted. */
export function transform(p: Preprocessing, columns: readonly InputColumn[]): Float64Array {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const n = columns[0]?.values.length ?? 0, d = p.steps.length;
  const X = new Float64Array(n * d);
  p.steps.forEach((s, j) => {
    const c = byName.get(s.name);
    if (!c) throw new SegmintError('unknown-feature', `the model needs feature ${s.name}, which the input does not have`);
    if (s.kind === 'numeric') {
      if (c.kind !== 'numeric') throw new SegmintError('invalid-value', `feature ${s.name} is numeric in the model but categorical in the input`);
      for (let i = 0; i < n; i++) X[i * d + j] = applyNumeric(s, c.values[i]!);
    } else {
      if (c.kind !== 'categorical') throw new SegmintError('invalid-value', `feature ${s.name} is categorical in the model but numeric in the input`);
      for (let i = 0; i < n; i++) X[i * d + j] = (((c.values[i] ?? MISSING_LEVEL) === s.level ? 1 : 0) - s.center) / s.scale;
    }
  });
  return X;
}

/**
 * Principal components of the (already scaled) rows by Jacobi eigen-decomposition of the d × d
 * covariance: the first `m` components (unit vectors, sign fixed so the largest entry is positive),
 * their variances, and the rows' scores.
 */
export function pca(X: Float64Array, d: number, m = 2): { components: Float64Array; variances: Float64Array; explained: Float64Array; mean: Float64Array; scores: Float64Array } {
  const n = X.length / d;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += X[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const A = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const ea = X[i * d + a]! - mean[a]!;
      for (let b = a; b < d; b++) A[a * d + b]! += ea * (X[i * d + b]! - mean[b]!);
    }
  }
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) { A[a * d + b]! /= Math.max(1, n - 1); A[b * d + a] = A[a * d + b]!; }
  const { values, vectors } = jacobiEigen(A, d);
  const order = [...values.keys()].sort((a, b) => values[b]! - values[a]!);
  const mm = Math.min(m, d);
  const components = new Float64Array(mm * d), variances = new Float64Array(mm), explained = new Float64Array(mm);
  const total = values.reduce((s, v) => s + Math.max(0, v), 0);
  order.slice(0, mm).forEach((o, r) => {
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(vectors[j * d + o]!) > Math.abs(big)) big = vectors[j * d + o]!;
    const sign = big < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) components[r * d + j] = sign * vectors[j * d + o]!;
    variances[r] = Math.max(0, values[o]!);
    explained[r] = total > 0 ? variances[r]! / total : 0;
  });
  const scores = new Float64Array(n * mm);
  for (let i = 0; i < n; i++) for (let r = 0; r < mm; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (X[i * d + j]! - mean[j]!) * components[r * d + j]!;
    scores[i * mm + r] = s;
  }
  return { components, variances, explained, mean, scores };
}

/** Eigen-decomposition of a symmetric d × d matrix by cyclic Jacobi rotations: values and column vectors. */
export function jacobiEigen(S: Float64Array, d: number): { values: number[]; vectors: Float64Array } {
  const A = Float64Array.from(S), V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) V[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += A[p * d + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) {
      const apq = A[p * d + q]!;
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (A[q * d + q]! - A[p * d + p]!) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < d; k++) {
        const akp = A[k * d + p]!, akq = A[k * d + q]!;
        A[k * d + p] = c * akp - s * akq; A[k * d + q] = s * akp + c * akq;
      }
      for (let k = 0; k < d; k++) {
        const apk = A[p * d + k]!, aqk = A[q * d + k]!;
        A[p * d + k] = c * apk - s * aqk; A[q * d + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < d; k++) {
        const vkp = V[k * d + p]!, vkq = V[k * d + q]!;
        V[k * d + p] = c * vkp - s * vkq; V[k * d + q] = s * vkp + c * vkq;
      }
    }
  }
  return { values: Array.from({ length: d }, (_, i) => A[i * d + i]!), vectors: V };
}
