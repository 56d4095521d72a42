/**
 * Quantiles by selection (Hoare's FIND with a median-of-three pivot): the value `quantileSorted` gives on the
 * sorted array — linear interpolation between order statistics ⌊(n − 1)p⌋ and the next — in expected O(n),
 * without sorting. The scratch array is reordered in place; several quantiles may be taken from it in turn.
 */

/** Rearrange a[lo..hi] so that a[k] holds the k-th smallest value, smaller ones before it and larger after. */
export function selectInPlace(a: Float64Array, k: number, lo = 0, hi = a.length - 1): number {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!, y = a[mid]!, z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) { const t = a[i]!; a[i] = a[j]!; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
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

/** The values of `v` that are not NaN, in a new array. */
export function presentValues(v: ArrayLike<number>): Float64Array {
  let m = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) m++;
  const out = new Float64Array(m);
  let t = 0;
  for (let i = 0; i < v.length; i++) { const x = v[i]!; if (x === x) out[t++] = x; }
  return out;
}
