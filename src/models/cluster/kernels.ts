/**
 * Hot loops specialised to the number of features. V8 does not unroll a loop over a run-time `d`; the
 * same loop written out for d = 8 runs about 2.5× faster (measured on the silhouette pairs). Each kernel
 * is generated once per d from a template that contains only numbers and fixed identifiers — no user
 * text — and the arithmetic is the plain loop's: squared differences summed in feature order from 0.
 */

type SqDist = (A: Float64Array, a: number, B: Float64Array, b: number) => number;
/** Silhouette block: Σ_q∈[from,to) |y_p − y_q|, adding each distance to mirror[q] too. */
type PairBlock = (Y: Float64Array, p: number, from: number, to: number, mirror: Float64Array) => number;

/**
 * One Lloyd E-step over rows [lo, hi) with Hamerly's (2010) bounds — an upper bound on the distance to the
 * row's centre and one lower bound on the distance to every other centre — or a full scan when `full`.
 * `half` holds each centre's half distance to its nearest other centre; `shift` how far each centre just
 * moved (r1 the one that moved most, by maxShift, the runner-up by secondShift). The row is also added to
 * its cluster's sums in `sums` (per chunk of CHUNK rows: k·d sums then k counts, so that the totals do not
 * depend on how rows are split between threads). Returns the number of changed labels.
 */
type EStep = (X: Float64Array, C: Float64Array, k: number, labels: Int32Array, upper: Float64Array, lower: Float64Array, half: Float64Array, shift: Float64Array,
  r1: number, maxShift: number, secondShift: number, full: boolean, lo: number, hi: number, sums: Float64Array, chunk: number) => number;
/** k-means++ candidate over rows [lo, hi): candDist[i] = min(closest[i], |x_i − x_b|²), pots per chunk into chunkPot. */
type CandidateRange = (X: Float64Array, b: number, closest: Float64Array, candDist: Float64Array, lo: number, hi: number, chunkPot: Float64Array, chunk: number) => void;

/** Each column's mean (its sum in row order over n) into mean, then its summed squared deviations from it (in row order) into ss. */
type Moments = (X: Float64Array, n: number, mean: Float64Array, ss: Float64Array) => void;

/** Calinski-Harabasz and Davies-Bouldin's passes (metrics.ts calinskiDavies): each cluster's sums into C and the overall sums into mean, in row order. */
type ClusterSums = (X: Float64Array, n: number, labels: ArrayLike<number>, C: Float64Array, mean: Float64Array) => void;
/** Each row's squared distance to its cluster's centroid in C: summed over all rows (returned, W) and rooted into s per cluster, in row and feature order. */
type WithinSums = (X: Float64Array, n: number, labels: ArrayLike<number>, C: Float64Array, s: Float64Array) => number;

export interface Kernels { sqDist: SqDist; pairBlock: PairBlock; estep: EStep; candidateRange: CandidateRange; moments: Moments; clusterSums: ClusterSums; withinSums: WithinSums }

/** Source of `{ estep, candidateRange }` for d features: evaluated here and in worker threads. */
export function parallelKernelSource(d: number): string {
  const loadX = range(d).map((t) => `const x${t} = X[p + ${t}];`).join(' ');
  const diffs = (arr: string, base: string) => range(d).map((t) => `const e${t} = x${t} - ${arr}[${base} + ${t}];`).join(' ');
  // a full scan: nearest (arg, ties to the lower centre) and second-nearest squared distances
  const scan = `
        let b1 = Infinity, b2 = Infinity, arg = 0;
        for (let c = 0; c < k; c++) {
          const o = c * ${d}; ${diffs('C', 'o')}
          const s = 0 + ${sumSq(d)};
          if (s < b1) { b2 = b1; b1 = s; arg = c; } else if (s < b2) b2 = s;
        }
        if (arg !== a) { changed++; a = arg; }
        u = Math.sqrt(b1); l = Math.sqrt(b2);`;
  return `({
    estep(X, C, k, labels, upper, lower, half, shift, r1, maxShift, secondShift, full, lo, hi, sums, chunk) {
      let changed = 0;
      const stride = k * ${d} + k;
      for (let i = lo; i < hi; i++) {
        const p = i * ${d}; ${loadX}
        let a = labels[i], u = 0, l = 0;
        if (full) {${scan}
        } else {
          u = upper[i] + shift[a]; l = lower[i] - (a === r1 ? secondShift : maxShift);
          const m = half[a] > l ? half[a] : l;
          if (u > m) {
            const o = a * ${d}; ${diffs('C', 'o')}
            u = Math.sqrt(0 + ${sumSq(d)});
            if (u > m) {${scan}
            }
          }
        }
        labels[i] = a; upper[i] = u; lower[i] = l;
        const base = ((i / chunk) | 0) * stride, q = base + a * ${d};
        ${range(d).map((t) => `sums[q + ${t}] += x${t};`).join(' ')}
        sums[base + k * ${d} + a] += 1;
      }
      return changed;
    },
    candidateRange(X, b, closest, candDist, lo, hi, chunkPot, chunk) {
      const p = b * ${d}; ${loadX}
      let pot = 0, current = (lo / chunk) | 0;
      for (let i = lo; i < hi; i++) {
        const g = (i / chunk) | 0;
        if (g !== current) { chunkPot[current] = pot; pot = 0; current = g; }
        const o = i * ${d}; ${diffs('X', 'o')}
        const s = 0 + ${sumSq(d)};
        const m = s < closest[i] ? s : closest[i];
        candDist[i] = m; pot += m;
      }
      if (hi > lo) chunkPot[current] = pot;
    },
  })`;
}

/** The body of the silhouette block (Y, p, from, to, mirror) for d features; silhouette.ts builds it into its source too. */
export function pairBlockBody(d: number): string {
  const loadX = range(d).map((t) => `const x${t} = Y[r + ${t}];`).join(' ');
  const diffs = range(d).map((t) => `const e${t} = x${t} - Y[o + ${t}];`).join(' ');
  return `
    const r = p * ${d}; ${loadX}
    let acc = 0;
    for (let q = from; q < to; q++) {
      const o = q * ${d}; ${diffs}
      const dist = Math.sqrt(0 + ${sumSq(d)});
      acc += dist; mirror[q] += dist;
    }
    return acc;`;
}

const cache = new Map<number, Kernels>();

const range = (d: number) => Array.from({ length: d }, (_, t) => t);
/** `e0*e0 + e1*e1 + …` with e_t = x_t − B[o + t] (x_t held in locals). */
const sumSq = (d: number) => range(d).map((t) => `e${t} * e${t}`).join(' + ');

function build(d: number): Kernels {
  const loadX = (arr: string, base: string) => range(d).map((t) => `const x${t} = ${arr}[${base} + ${t}];`).join(' ');
  const diffs = (arr: string, base: string) => range(d).map((t) => `const e${t} = x${t} - ${arr}[${base} + ${t}];`).join(' ');
  const sqDist = new Function('A', 'a', 'B', 'b', `const p = a * ${d}, o = b * ${d}; ${loadX('A', 'p')} ${diffs('B', 'o')} return 0 + ${sumSq(d)};`) as SqDist;
  const pairBlock = new Function('Y', 'p', 'from', 'to', 'mirror', pairBlockBody(d)) as PairBlock;
  const { estep, candidateRange } = new Function(`return ${parallelKernelSource(d)}`)() as { estep: EStep; candidateRange: CandidateRange };
  // the column sums in locals (a typed array's element added to in place is a load and a store per value)
  const moments = new Function('X', 'n', 'mean', 'ss', `
    ${range(d).map((t) => `let m${t} = 0, s${t} = 0;`).join(' ')}
    for (let p = 0, end = n * ${d}; p < end; p += ${d}) { ${range(d).map((t) => `m${t} += X[p + ${t}];`).join(' ')} }
    ${range(d).map((t) => `m${t} /= n;`).join(' ')}
    for (let p = 0, end = n * ${d}; p < end; p += ${d}) { ${range(d).map((t) => `const e${t} = X[p + ${t}] - m${t}; s${t} += e${t} * e${t};`).join(' ')} }
    ${range(d).map((t) => `mean[${t}] = m${t}; ss[${t}] = s${t};`).join(' ')}`) as Moments;
  const clusterSums = new Function('X', 'n', 'labels', 'C', 'mean', `
    ${range(d).map((t) => `let m${t} = 0;`).join(' ')}
    for (let i = 0, p = 0; i < n; i++, p += ${d}) {
      const l = labels[i] * ${d};
      ${range(d).map((t) => `const x${t} = X[p + ${t}]; C[l + ${t}] += x${t}; m${t} += x${t};`).join(' ')}
    }
    ${range(d).map((t) => `mean[${t}] += m${t};`).join(' ')}`) as ClusterSums;
  const withinSums = new Function('X', 'n', 'labels', 'C', 's', `
    let W = 0;
    for (let i = 0, p = 0; i < n; i++, p += ${d}) {
      const l = labels[i], o = l * ${d};
      let q = 0;
      ${range(d).map((t) => `const e${t} = X[p + ${t}] - C[o + ${t}]; const f${t} = e${t} * e${t}; W += f${t}; q += f${t};`).join(' ')}
      s[l] += Math.sqrt(q);
    }
    return W;`) as WithinSums;
  return { sqDist, pairBlock, estep, candidateRange, moments, clusterSums, withinSums };
}

/** The kernels for `d` features (built on first use). */
export function kernels(d: number): Kernels {
  if (!Number.isInteger(d) || d < 1 || d > 4096) throw new RangeError(`kernels: d ${d}`);
  let k = cache.get(d);
  if (!k) { k = build(d); cache.set(d, k); }
  return k;
}
