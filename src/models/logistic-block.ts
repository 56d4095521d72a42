/**
 * The inner sums of a logistic fit's pass over the rows, for one block of rows whose dense design columns are
 * laid out column by column (campaign/logistic.ts's one-thread sweep and classify/logistic-passes.ts's chunks on
 * two threads share it, so both add the same terms in the same order). Pure.
 */

/**
 * For rows k < len of a block: g[gOff + a] += Σₖ rₖ·xₖₐ and, b ≤ a, h[hOff + a·md + b] += Σₖ vₖ·xₖₐ·xₖ_b over the
 * md dense columns (column a at cols[a·stride …]), four columns b at a time. `vx` is scratch of at least len.
 */
export function denseBlockSums(
  cols: Float64Array, stride: number, len: number, md: number, r: Float64Array, v: Float64Array, vx: Float64Array,
  g: Float64Array, gOff: number, h: Float64Array, hOff: number,
): void {
  for (let a = 0; a < md; a++) {
    const oa = a * stride;
    let ga = 0;
    for (let k = 0; k < len; k++) {
      const xa = cols[oa + k]!;
      ga += r[k]! * xa;
      vx[k] = v[k]! * xa;
    }
    g[gOff + a]! += ga;
    const row = hOff + a * md;
    let b = 0;
    for (; b + 3 <= a; b += 4) {
      const o0 = b * stride;
      const o1 = o0 + stride;
      const o2 = o1 + stride;
      const o3 = o2 + stride;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < len; k++) {
        const q = vx[k]!;
        s0 += q * cols[o0 + k]!;
        s1 += q * cols[o1 + k]!;
        s2 += q * cols[o2 + k]!;
        s3 += q * cols[o3 + k]!;
      }
      h[row + b]! += s0;
      h[row + b + 1]! += s1;
      h[row + b + 2]! += s2;
      h[row + b + 3]! += s3;
    }
    for (; b <= a; b++) {
      const ob = b * stride;
      let sb = 0;
      for (let k = 0; k < len; k++) sb += vx[k]! * cols[ob + k]!;
      h[row + b]! += sb;
    }
  }
}
