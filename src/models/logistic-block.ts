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

/** log(1 + e^x) without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** 1 / (1 + e^−x) without overflow. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** What a pass computes: the objective alone, with the gradient, or with the gradient and the Hessian. */
export const PASS_F = 1;
export const PASS_G = 2;
export const PASS_H = 3;

/**
 * Where a pass's sums are in its output array: the gradient over (intercept, dense columns) (md values), over
 * the one-hot columns (ns), the (intercept, dense) Hessian (md × md, lower triangle), one-hot × (intercept,
 * dense) (ns × md), and one-hot pairs of different groups (ns × ns, lower triangle).
 */
export interface PassLayout { g: number; gs: number; h: number; c: number; s: number }

/** The layout of those sums from offset `o` on, and where they end. */
export function passLayout(o: number, md: number, ns: number): PassLayout & { end: number } {
  const g = o, gs = g + md, h = gs + ns, c = h + md * md, s = c + ns * md;
  return { g, gs, h, c, s, end: s + ns * ns };
}

/** The rows a pass reads: one-hot codes (n × groups, row-major, −1 for none), 0/1 outcomes, optional weights. */
export interface PassRows { codes: Int32Array; groups: number; ns: number; y: Float64Array; w: Float64Array | null | undefined }

/**
 * One block of a pass at θ over rows start … start + len − 1, whose design is in `cols` column by column
 * (`stride` apart; column 0 all 1s for the intercept, then the dense columns): the rows' linear predictors into
 * `e` (the intercept b0, the dense terms bd[j] in column order, then the one-hot coefficients bs[code] in group
 * order), the weighted log-loss added to `f` (returned, so that it adds in row order across blocks), and with
 * `mode` PASS_G or PASS_H the gradient and Hessian sums added into `out` at `at`. `r`, `v`, `vx`: scratch of ≥ len.
 */
export function blockPass(
  cols: Float64Array, stride: number, len: number, md: number, b0: number, bd: ArrayLike<number>, bs: ArrayLike<number>,
  rows: PassRows, start: number, mode: number, e: Float64Array, r: Float64Array, v: Float64Array, vx: Float64Array,
  out: Float64Array, at: PassLayout, f: number,
): number {
  const { codes, groups, ns, y, w } = rows;
  const pd = md - 1;
  e.fill(b0);
  for (let j = 0; j < pd; j++) {
    const oj = (j + 1) * stride;
    const bj = bd[j]!;
    for (let k = 0; k < len; k++) e[k]! += cols[oj + k]! * bj;
  }
  if (groups) {
    for (let k = 0; k < len; k++) {
      let ek = e[k]!;
      for (let gi = 0, cb = (start + k) * groups; gi < groups; gi++) {
        const c = codes[cb + gi]!;
        if (c >= 0) ek += bs[c]!;
      }
      e[k] = ek;
    }
  }
  for (let k = 0; k < len; k++) {
    const ek = e[k]!;
    const li = y[start + k] === 1 ? softplus(-ek) : softplus(ek);
    f += w ? w[start + k]! * li : li;
  }
  if (mode === PASS_F) return f;
  if (mode === PASS_G) {
    // the gradient alone: the same sums in the same order as with the Hessian
    for (let k = 0; k < len; k++) {
      const i = start + k;
      const mu = sigmoid(e[k]!);
      const rk = (w ? w[i]! : 1) * (mu - y[i]!);
      r[k] = rk;
      for (let gi = 0, cb = i * groups; gi < groups; gi++) {
        const c = codes[cb + gi]!;
        if (c >= 0) out[at.gs + c]! += rk;
      }
    }
    for (let a = 0; a < md; a++) {
      const oa = a * stride;
      let ga = 0;
      for (let k = 0; k < len; k++) ga += r[k]! * cols[oa + k]!;
      out[at.g + a]! += ga;
    }
    return f;
  }
  for (let k = 0; k < len; k++) {
    const i = start + k;
    const mu = sigmoid(e[k]!);
    const wi = w ? w[i]! : 1;
    const rk = wi * (mu - y[i]!);
    const vk = wi * mu * (1 - mu);
    r[k] = rk;
    v[k] = vk;
    // a row's one-hot 1s add its dense values (times its weight) to their rows of the Hessian, and its weight
    // to the pairs of 1s it holds
    for (let gi = 0, cb = i * groups; gi < groups; gi++) {
      const c = codes[cb + gi]!;
      if (c < 0) continue;
      out[at.gs + c]! += rk;
      const base = at.c + c * md;
      out[base]! += vk;
      for (let j = 1; j < md; j++) out[base + j]! += vk * cols[j * stride + k]!;
      for (let gj = 0; gj < gi; gj++) {
        const t = codes[cb + gj]!;
        if (t >= 0) out[at.s + c * ns + t]! += vk; // t < c: the groups are numbered in order
      }
    }
  }
  denseBlockSums(cols, stride, len, md, r, v, vx, out, at.g, out, at.h);
  return f;
}
