/**
 * Quantiles by selection (Floyd-Rivest): the value `quantileSorted` gives on the
 * sorted array — linear interpolation between order statistics ⌊(n − 1)p⌋ and the next — in expected O(n),
 * without sorting. The scratch array is reordered in place; several quantiles may be taken from it in turn.
 */

/**
 * Rearrange a[lo..hi] so that a[k] holds the k-th smallest value, smaller ones before it and larger after
 * (Floyd & Rivest 1975, "Algorithm 489: SELECT": a sample narrows the range first, so about n + min(k, n − k)
 * comparisons).
 */
export function selectInPlace(a: Float64Array, k: number, lo = 0, hi = a.length - 1): number {
  let left = lo, right = hi;
  while (right > left) {
    if (right - left > 600) {
      const n = right - left + 1, m = k - left + 1, z = Math.log(n), s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      selectInPlace(a, k, Math.max(left, Math.floor(k - (m * s) / n + sd)), Math.min(right, Math.floor(k + ((n - m) * s) / n + sd)));
    }
    const t = a[k]!;
    let i = left, j = right;
    swap(a, left, k);
    if (a[right]! > t) swap(a, left, right);
    while (i < j) {
      swap(a, i, j); i++; j--;
      while (a[i]! < t) i++;
      while (a[j]! > t) j--;
    }
    if (a[left] === t) swap(a, left, j);
    else { j++; swap(a, j, right); }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
  return a[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!; a[i] = a[j]!; a[j] = t;
}

/**
 * The p-quantile (0 ≤ p ≤ 1) of the values in `scratch` (no NaN), as `quantileSorted` computes it on the
 * sorted values; NaN when empty. `scratch` is reordered.
 */
export function quantileSelect(scratch: Float64Array, p: number): number {
  const n = scratch.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = selectInPlace(scratch, lo);
  let b = a;
  if (lo + 1 < n) {
    // the next order statistic: the smallest value after position lo
    b = scratch[lo + 1]!;
    for (let i = lo + 2; i < n; i++) if (scratch[i]! < b) b = scratch[i]!;
  }
  return a + (h - lo) * (b - a);
}

/**
 * Several quantiles of the values in `scratch` (no NaN), each as `quantileSelect` gives it, in the order of
 * `ps`. Taken from the largest down, each selection searches only the part left of the previous one, and
 * the next order statistic is the smallest value between them. `scratch` is reordered.
 */
export function quantilesSelect(scratch: Float64Array, ps: readonly number[]): number[] {
  const n = scratch.length;
  if (n === 0) return ps.map(() => NaN);
  const out = new Array<number>(ps.length);
  const order = ps.map((_, i) => i).sort((a, b) => ps[b]! - ps[a]!);
  // everything from `right` on is ≥ every value before it
  let right = n;
  for (const i of order) {
    const h = (n - 1) * ps[i]!, lo = Math.floor(h);
    if (lo >= right) {
      // the same order statistic as a larger p (or beyond it): already in place
      const a = scratch[lo]!, b = lo + 1 < n ? nextAfter(scratch, lo, n) : a;
      out[i] = a + (h - lo) * (b - a);
      continue;
    }
    const a = selectInPlace(scratch, lo, 0, right - 1);
    let b = a;
    if (lo + 1 < n) {
      b = lo + 1 < right ? scratch[lo + 1]! : scratch[right]!;
      for (let j = lo + 2; j < right; j++) if (scratch[j]! < b) b = scratch[j]!;
      if (right < n && scratch[right]! < b) b = scratch[right]!;
    }
    out[i] = a + (h - lo) * (b - a);
    right = lo;
  }
  return out;
}

/** The smallest value after position k (the (k+1)-th order statistic once a[k] is selected). */
function nextAfter(a: Float64Array, k: number, n: number): number {
  let b = a[k + 1]!;
  for (let j = k + 2; j < n; j++) if (a[j]! < b) b = a[j]!;
  return b;
}

/** The values of `v` that are not NaN, in a new array. */
export function presentValues(v: ArrayLike<number>): Float64Array {
  let m = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) m++;
  const out = new Float64Array(m);
  let t = 0;
  for (let i = 0; i < v.length; i++) { const x = v[i]!; if (x === x) out[t++] = x; }
  return out;
}

/** Below this many values the order statistics are selected in a copy (Floyd-Rivest); above, bucketed first. */
const BUCKET_MIN = 4096;
const BUCKETS = 4096;

/**
 * Order statistics k and k + 1 (0-based, ascending; the second is the first when k + 1 is past the end) of the
 * values of `v` that are not NaN (`m` of them), `v` left as it is. Above BUCKET_MIN values, one pass finds the
 * range, one counts the values per bucket of equal width in it (the bucket of x, ⌊(x − min) · scale⌋, never
 * decreases with x in floating point: each bucket's values are ≤ the next's), and only the bucket holding rank k
 * is gathered and searched again; when ranks k and k + 1 fall in different buckets they are the largest of the
 * one and the smallest of the other. Exactly the values a selection on a copy gives: numbers are only compared.
 */
function orderPair(v: Float64Array, m: number, k: number, first?: Buckets | null | (() => Buckets | null)): [number, number] {
  // a large column: first the ranks bracketed from a sample (one pass over the column); the buckets only when that misses
  if (m >= BRACKET_MIN) {
    const pair = bracketedPair(v, m, k);
    if (pair !== null) return pair;
  }
  let a = v, n = m, r = k, nan = a.length !== m;
  for (let level = 0; ; level++) {
    if (n <= BUCKET_MIN || level >= 4) {
      const s = nan ? presentValues(a) : Float64Array.from(a);
      const x = selectInPlace(s, r);
      return [x, r + 1 < n ? nextAfter(s, r, n) : x];
    }
    const bk = level === 0 && first !== undefined ? (typeof first === 'function' ? first() : first) : bucketsOf(a);
    if (bk === null) { nan = true; level = 4; continue; }
    const { lo, hi, scale, counts } = bk;
    if (lo === hi) return [lo, lo];
    let b1 = 0, below = 0;
    while (below + counts[b1]! <= r) below += counts[b1++]!;
    if (r + 1 < n && below + counts[b1]! === r + 1) {
      // rank k is the last of its bucket: k + 1 the first of the next one that is not empty
      let b2 = b1 + 1;
      while (counts[b2] === 0) b2++;
      let x = -Infinity, y = Infinity;
      for (let i = 0; i < a.length; i++) {
        const z = a[i]!;
        if (!(z >= lo)) continue;
        const b = Math.min(BUCKETS - 1, Math.floor((z - lo) * scale));
        if (b === b1) { if (z > x) x = z; } else if (b === b2 && z < y) y = z;
      }
      return [x, y];
    }
    const sub = new Float64Array(counts[b1]!);
    for (let i = 0, t = 0; i < a.length; i++) {
      const z = a[i]!;
      if (z >= lo && Math.min(BUCKETS - 1, Math.floor((z - lo) * scale)) === b1) sub[t++] = z;
    }
    // both ranks are in this bucket (or k is the last of all)
    a = sub; n = sub.length; r -= below; nan = false;
  }
}

/** From this many present values, `orderPair` brackets the ranks from a sample first. */
const BRACKET_MIN = 65536;
/** Values in the sample that brackets the ranks. */
const BRACKET_SAMPLE = 16384;

/**
 * Order statistics k and k + 1 of the present values of `v` (`m` of them; as `orderPair` gives them), or null when
 * the bracket misses. A strided sample of the column (every s-th value, NaN left out) gives two values a ≤ b that
 * hold ranks k and k + 1 between them but for a chance of about 1e-6 (5 standard deviations of a sample rank each
 * side); one pass over the column counts the values below a and gathers those in [a, b], and the ranks are
 * selected among the gathered ones when they are there (the count below ≤ k, and k + 1 among the gathered). Exact:
 * numbers are only compared, so the values are those a selection on a copy gives; a miss (or a bracket wider than
 * expected) returns null and the caller takes the buckets.
 */
function bracketedPair(v: Float64Array, m: number, k: number): [number, number] | null {
  const len = v.length, stride = Math.max(1, Math.floor(len / BRACKET_SAMPLE));
  const sample = scratch(0, Math.ceil(len / stride));
  let t = 0;
  for (let i = stride >> 1; i < len; i += stride) { const x = v[i]!; if (x === x) sample[t++] = x; }
  if (t < 1024) return null;
  const s = sample.subarray(0, t);
  // the sample ranks around k's expected one, 5 standard deviations of it apart each side (and a few for k + 1)
  const expected = ((k + 0.5) / m) * t, spread = Math.ceil(5 * Math.sqrt(t * 0.25)) + 4;
  const ia = Math.floor(expected - spread), ib = Math.ceil(expected + spread);
  // past either end of the sample the bracket is open on that side
  const a = ia >= 0 ? selectInPlace(s, ia) : -Infinity;
  const b = ib < t ? selectInPlace(s, ib, ia >= 0 ? ia : 0) : Infinity;
  // the gathered values: about (ib − ia) / t of them; far more and the sample did not represent the column
  const cap = Math.min(m, Math.ceil(((ib - ia + 1) / t) * m * 2) + 1024);
  // one slot more: each value is written at the end and kept only when it is in [a, b]
  const inside = scratch(1, cap + 1);
  let below = 0, g = 0;
  for (let i = 0; i < len; i++) {
    const x = v[i]!;
    // without branches (which half a value falls in is a coin toss: a branch per value mispredicts half the time, 3×
    // the pass); NaN fails every comparison: left out
    below += +(x < a);
    inside[g] = x;
    g += +(x >= a) & +(x <= b);
    if (g > cap) return null;
  }
  const r = k - below;
  if (r < 0 || r >= g) return null;
  if (k + 1 < m && r + 1 >= g) return null;
  const x = selectInPlace(inside.subarray(0, g), r);
  return [x, k + 1 < m ? nextAfter(inside, r, g) : x];
}

/**
 * bracketedPair's two work arrays, kept between calls (a profile takes a median per cluster and feature: fresh arrays
 * each time kept the collector busy) and grown as needed, up to SCRATCH_KEEP values each (a longer one is used once).
 */
const scratches: Float64Array[] = [new Float64Array(0), new Float64Array(0)];
const SCRATCH_KEEP = 1 << 20;
function scratch(which: 0 | 1, length: number): Float64Array {
  if (scratches[which]!.length >= length) return scratches[which]!.subarray(0, length);
  if (length > SCRATCH_KEEP) return new Float64Array(length);
  scratches[which] = new Float64Array(Math.min(SCRATCH_KEEP, Math.max(length, 2 * scratches[which]!.length)));
  return scratches[which]!.subarray(0, length);
}

interface Buckets { lo: number; hi: number; scale: number; counts: Int32Array }

/** The range of the values of `a` (NaN left out) and their count per bucket; null when the range is not finite. */
function bucketsOf(a: Float64Array): Buckets | null {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < a.length; i++) { const x = a[i]!; if (x < lo) lo = x; if (x > hi) hi = x; }
  const counts = new Int32Array(BUCKETS);
  if (lo === hi) return { lo, hi, scale: 0, counts };
  const scale = BUCKETS / (hi - lo);
  if (!(scale > 0 && Number.isFinite(scale))) return null;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    // NaN fails the comparison: left out
    if (x >= lo) counts[Math.min(BUCKETS - 1, Math.floor((x - lo) * scale))]!++;
  }
  return { lo, hi, scale, counts };
}

/** Several quantiles of the values of `v` that are not NaN, each as `quantileOf` gives it (one count per bucket for all). */
export function quantilesOf(v: Float64Array, ps: readonly number[], present = presentCount(v)): number[] {
  if (present === 0) return ps.map(() => NaN);
  // the buckets once for every p that needs them (none when every rank is bracketed from a sample)
  let first: Buckets | null | undefined;
  const buckets = present > BUCKET_MIN ? () => (first === undefined ? (first = bucketsOf(v)) : first) : undefined;
  return ps.map((p) => {
    const h = (present - 1) * p, lo = Math.floor(h);
    const [a, b] = orderPair(v, present, lo, buckets);
    return a + (h - lo) * (b - a);
  });
}

/** How many values of `v` are not NaN. */
export function presentCount(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) m++;
  return m;
}

/**
 * The p-quantile of the values of `v` that are not NaN, as `quantileSelect` gives it on a copy of them (the same
 * order statistics, the same interpolation), `v` left as it is; NaN when there are none. `present`: their
 * count, when known.
 */
export function quantileOf(v: Float64Array, p: number, present = presentCount(v)): number {
  if (present === 0) return NaN;
  const h = (present - 1) * p, lo = Math.floor(h);
  const [a, b] = orderPair(v, present, lo);
  return a + (h - lo) * (b - a);
}
