/**
 * Lift of each treatment arm against control, per segment, from per-cell summaries (size, mean, variance):
 * for a 0/1 outcome the difference of proportions with Newcombe's hybrid score interval, the pooled z test and
 * the ratio's log (Katz) interval; for any other outcome Welch's t interval and test, and the delta-method
 * interval of the relative lift. p-values are corrected across segments (Holm, Benjamini–Hochberg).
 * Pure, no I/O; docs/campaigns.md gives the definitions.
 */
import { benjaminiHochberg, holm, newcombe, normalQuantile, twoProportionP, welch } from './stats.ts';

export type OutcomeKind = 'proportion' | 'mean';

/** Per arm × segment summaries; cell (segment s, arm a) is at index s · arms.length + a. */
export interface CellSummaries {
  arms: readonly string[];
  segments: readonly string[];
  /** customers with a value of the outcome */
  n: Float64Array;
  mean: Float64Array;
  /** sample variance (n − 1 denominator); unused for proportions */
  variance: Float64Array;
}

/** One treatment arm against control in one segment (or overall). Figures a comparison lacks are null. */
export interface Comparison {
  /** null for the whole campaign */
  segment: string | null;
  arm: string;
  customers: number;
  mean: number | null;
  controlCustomers: number;
  controlMean: number | null;
  /** treatment mean − control mean (percentage points ×100 for a proportion) */
  lift: number | null;
  liftLow: number | null;
  liftHigh: number | null;
  /** lift / control mean */
  relativeLift: number | null;
  relativeLow: number | null;
  relativeHigh: number | null;
  pValue: number | null;
  /** Holm's adjusted p across the segments (or across arms overall) */
  pHolm: number | null;
  /** Benjamini–Hochberg adjusted p across the same family */
  pBH: number | null;
  /** lift × the arm's customers: extra responders (a proportion) or extra outcome (a mean, e.g. revenue) */
  incremental: number | null;
  incrementalLow: number | null;
  incrementalHigh: number | null;
}

export interface ArmCell {
  segment: string | null;
  arm: string;
  customers: number;
  mean: number | null;
  /** the total outcome: responders for a proportion, e.g. revenue for a mean */
  total: number;
}

export interface Lift {
  kind: OutcomeKind;
  confidence: number;
  control: string;
  /** per arm, overall then per segment */
  cells: ArmCell[];
  overall: Comparison[];
  bySegment: Comparison[];
}

const nul = (x: number) => (Number.isFinite(x) ? x : null);

/** Compare `arm` with `control` from their summaries. */
export function compareArms(kind: OutcomeKind, t: { n: number; mean: number; variance: number }, c: { n: number; mean: number; variance: number }, alpha = 0.05):
  Omit<Comparison, 'segment' | 'arm' | 'pHolm' | 'pBH'> {
  const base = { customers: t.n, mean: t.n > 0 ? t.mean : null, controlCustomers: c.n, controlMean: c.n > 0 ? c.mean : null };
  const empty = { lift: null, liftLow: null, liftHigh: null, relativeLift: null, relativeLow: null, relativeHigh: null, pValue: null, incremental: null, incrementalLow: null, incrementalHigh: null };
  if (t.n < 1 || c.n < 1) return { ...base, ...empty };
  const z = normalQuantile(1 - alpha / 2);
  let lift: number;
  let low: number;
  let high: number;
  let p: number;
  let rel: [number, number, number] | null = null;
  if (kind === 'proportion') {
    const [x1, x0] = [Math.round(t.mean * t.n), Math.round(c.mean * c.n)];
    lift = x1 / t.n - x0 / c.n;
    [low, high] = newcombe(x1, t.n, x0, c.n, z);
    p = twoProportionP(x1, t.n, x0, c.n);
    if (x1 > 0 && x0 > 0) {
      // Katz's log interval of the ratio p1/p0 (statsmodels' confint_proportions_2indep, compare='ratio', method='log')
      const ratio = (x1 / t.n) / (x0 / c.n);
      const se = Math.sqrt(1 / x1 - 1 / t.n + 1 / x0 - 1 / c.n);
      rel = [ratio - 1, Math.exp(Math.log(ratio) - z * se) - 1, Math.exp(Math.log(ratio) + z * se) - 1];
    }
  } else {
    const w = welch(t.n, t.mean, t.variance, c.n, c.mean, c.variance, alpha);
    if (!w) return { ...base, ...empty, lift: t.mean - c.mean };
    [lift, low, high, p] = [w.diff, w.low, w.high, w.p];
    if (c.mean !== 0) {
      // the delta method: Var(m1/m0) ≈ v1/(n1 m0²) + m1² v0/(n0 m0⁴)
      const r = lift / c.mean;
      const se = Math.sqrt(t.variance / (t.n * c.mean ** 2) + (t.mean ** 2 * c.variance) / (c.n * c.mean ** 4));
      rel = [r, r - z * se, r + z * se];
    }
  }
  return {
    ...base,
    lift, liftLow: low, liftHigh: high,
    relativeLift: rel ? nul(rel[0]) : null, relativeLow: rel ? nul(rel[1]) : null, relativeHigh: rel ? nul(rel[2]) : null,
    pValue: nul(p),
    incremental: lift * t.n, incrementalLow: low * t.n, incrementalHigh: high * t.n,
  };
}

/** Fill pHolm and pBH over the comparisons that have a p-value. */
function correct(rows: Comparison[]): void {
  const idx = rows.map((r, i) => (r.pValue === null ? -1 : i)).filter((i) => i >= 0);
  const ps = idx.map((i) => rows[i]!.pValue!);
  const [h, b] = [holm(ps), benjaminiHochberg(ps)];
  idx.forEach((i, k) => {
    rows[i]!.pHolm = h[k]!;
    rows[i]!.pBH = b[k]!;
  });
}

/** Pool the segments of `s` into one cell per arm (sizes, means and variances combined exactly). */
export function poolSegments(s: CellSummaries): { n: number; mean: number; variance: number }[] {
  const A = s.arms.length;
  return s.arms.map((_, a) => {
    let n = 0;
    let sum = 0;
    for (let g = 0; g < s.segments.length; g++) {
      const k = g * A + a;
      n += s.n[k]!;
      sum += s.n[k]! * s.mean[k]!;
    }
    const mean = n > 0 ? sum / n : 0;
    let ss = 0;
    for (let g = 0; g < s.segments.length; g++) {
      const k = g * A + a;
      const nk = s.n[k]!;
      if (nk > 0) ss += (nk > 1 ? (nk - 1) * s.variance[k]! : 0) + nk * (s.mean[k]! - mean) ** 2;
    }
    return { n, mean, variance: n > 1 ? ss / (n - 1) : 0 };
  });
}

/**
 * Lift of every arm but `control` against it, overall (p corrected across arms) and in each segment (p
 * corrected across all segment × arm comparisons). `overall` may be given when the summaries do not cover every
 * customer (e.g. a segment label missing); by default the segments are pooled.
 */
export function measureLift(s: CellSummaries, kind: OutcomeKind, control: number, options: { alpha?: number; overall?: { n: number; mean: number; variance: number }[] } = {}): Lift {
  const alpha = options.alpha ?? 0.05;
  const A = s.arms.length;
  const pooled = options.overall ?? poolSegments(s);
  const cells: ArmCell[] = [];
  const overall: Comparison[] = [];
  const bySegment: Comparison[] = [];
  s.arms.forEach((arm, a) => {
    const p = pooled[a]!;
    cells.push({ segment: null, arm, customers: p.n, mean: p.n > 0 ? p.mean : null, total: p.n * p.mean });
    if (a !== control) overall.push({ segment: null, arm, pHolm: null, pBH: null, ...compareArms(kind, p, pooled[control]!, alpha) });
  });
  s.segments.forEach((segment, g) => {
    const cell = (a: number) => ({ n: s.n[g * A + a]!, mean: s.mean[g * A + a]!, variance: s.variance[g * A + a]! });
    s.arms.forEach((arm, a) => {
      const c = cell(a);
      cells.push({ segment, arm, customers: c.n, mean: c.n > 0 ? c.mean : null, total: c.n * c.mean });
      if (a !== control) bySegment.push({ segment, arm, pHolm: null, pBH: null, ...compareArms(kind, c, cell(control), alpha) });
    });
  });
  correct(overall);
  correct(bySegment);
  return { kind, confidence: 1 - alpha, control: s.arms[control]!, cells, overall, bySegment };
}

/**
 * Per-cell summaries from per-customer arrays: arm and segment indexes and the outcome (NaN = missing, left
 * out). Two passes: the means, then the squared deviations.
 */
export function summariseCells(arms: readonly string[], segments: readonly string[], arm: Int32Array, segment: Int32Array, y: Float64Array): CellSummaries {
  const A = arms.length;
  const K = A * segments.length;
  const n = new Float64Array(K);
  const sum = new Float64Array(K);
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (v !== v) continue;
    const k = segment[i]! * A + arm[i]!;
    n[k]! += 1;
    sum[k]! += v;
  }
  const mean = new Float64Array(K);
  for (let k = 0; k < K; k++) mean[k] = n[k]! > 0 ? sum[k]! / n[k]! : 0;
  const ss = new Float64Array(K);
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (v !== v) continue;
    const k = segment[i]! * A + arm[i]!;
    ss[k]! += (v - mean[k]!) ** 2;
  }
  const variance = new Float64Array(K);
  for (let k = 0; k < K; k++) variance[k] = n[k]! > 1 ? ss[k]! / (n[k]! - 1) : 0;
  return { arms, segments, n, mean, variance };
}
