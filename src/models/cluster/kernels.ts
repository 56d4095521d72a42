/**
 * Hot loops specialised to the number of features. V8 does not unroll a loop over a run-time `d`; the
 * same loop written out for d = 8 runs about 2.5× faster (measured on the silhouette pairs). Each kernel
 * is generated once per d from a template that contains only numbers and fixed identifiers — no user
 * text — and the arithmetic is the plain loop's: squared differences summed in feature order from 0.
 */

type SqDist = (A: Float64Array, a: number, B: Float64Array, b: number) => number;
/** Nearest and second-nearest centroid of row i: writes labels[i], upper[i] = √d1, lower[i] = √d2. */
type Nearest2 = (X: Float64Array, i: number, C: Float64Array, k: number, labels: Int32Array, upper: Float64Array, lower: Float64Array) => void;
/** k-means++ candidate: candDist[i] = min(closest[i], |x_i − x_b|²) for all rows; returns the sum. */
type Candidate = (X: Float64Array, n: number, b: number, closest: Float64Array, candDist: Float64Array) => number;
/** Silhouette block: Σ_q∈[from,to) |y_p − y_q|, adding each distance to mirror[q] too. */
type PairBlock = (Y: Float64Array, p: number, from: number, to: number, mirror: Float64Array) => number;

export interface Kernels { sqDist: SqDist; nearest2: Nearest2; candidate: Candidate; pairBlock: PairBlock }

const cache = new Map<number, Kernels>();

const range = (d: number) => Array.from({ length: d }, (_, t) => t);
/** `e0*e0 + e1*e1 + …` with e_t = x_t − B[o + t] (x_t held in locals). */
const sumSq = (d: number) => range(d).map((t) => `e${t} * e${t}`).join(' + ');

function build(d: number): Kernels {
  const loadX = (arr: string, base: string) => range(d).map((t) => `const x${t} = ${arr}[${base} + ${t}];`).join(' ');
  const diffs = (arr: string, base: string) => range(d).map((t) => `const e${t} = x${t} - ${arr}[${base} + ${t}];`).join(' ');
  const sqDist = new Function('A', 'a', 'B', 'b', `const p = a * ${d}, o = b * ${d}; ${loadX('A', 'p')} ${diffs('B', 'o')} return 0 + ${sumSq(d)};`) as SqDist;
  const nearest2 = new Function('X', 'i', 'C', 'k', 'labels', 'upper', 'lower', `
    const p = i * ${d}; ${loadX('X', 'p')}
    let b1 = Infinity, b2 = Infinity, arg = 0;
    for (let c = 0; c < k; c++) {
      const o = c * ${d}; ${diffs('C', 'o')}
      const s = 0 + ${sumSq(d)};
      if (s < b1) { b2 = b1; b1 = s; arg = c; } else if (s < b2) b2 = s;
    }
    labels[i] = arg; upper[i] = Math.sqrt(b1); lower[i] = Math.sqrt(b2);`) as Nearest2;
  const candidate = new Function('X', 'n', 'b', 'closest', 'candDist', `
    const p = b * ${d}; ${loadX('X', 'p')}
    let pot = 0;
    for (let i = 0; i < n; i++) {
      const o = i * ${d}; ${diffs('X', 'o')}
      const s = 0 + ${sumSq(d)};
      const m = s < closest[i] ? s : closest[i];
      candDist[i] = m; pot += m;
    }
    return pot;`) as Candidate;
  const pairBlock = new Function('Y', 'p', 'from', 'to', 'mirror', `
    const r = p * ${d}; ${loadX('Y', 'r')}
    let acc = 0;
    for (let q = from; q < to; q++) {
      const o = q * ${d}; ${diffs('Y', 'o')}
      const dist = Math.sqrt(0 + ${sumSq(d)});
      acc += dist; mirror[q] += dist;
    }
    return acc;`) as PairBlock;
  return { sqDist, nearest2, candidate, pairBlock };
}

/** The kernels for `d` features (built on first use). */
export function kernels(d: number): Kernels {
  if (!Number.isInteger(d) || d < 1 || d > 4096) throw new RangeError(`kernels: d ${d}`);
  let k = cache.get(d);
  if (!k) { k = build(d); cache.set(d, k); }
  return k;
}
