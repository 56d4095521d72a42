/**
 * Evaluation of an uplift score on a randomised sample (binary outcome, treatment 1 / control 0): the Qini
 * and uplift curves, the areas under them normalised by the perfect curve (Qini coefficient, AUUC), uplift
 * at the top k, and random targeting as the baseline. Definitions follow scikit-uplift 0.5
 * (sklift/metrics/metrics.py: qini_curve, perfect_qini_curve, qini_auc_score, uplift_curve,
 * perfect_uplift_curve, uplift_auc_score, uplift_at_k), which follow Radcliffe (2007) and Devriendt, Guns &
 * Verbeke (2020):
 *
 * - rows are ranked by score, highest first (ties: the later row first, as sklift's reversed stable sort);
 *   the curves are evaluated at the last row of each run of equal scores, and start at (0, 0);
 * - Qini curve at the top n: Q(n) = R_t(n) − R_c(n) · N_t(n) / N_c(n) (responders R, sizes N in the top n;
 *   the second term is 0 while N_c(n) = 0);
 * - uplift curve: U(n) = (R_t(n)/N_t(n) − R_c(n)/N_c(n)) · n (a ratio with a zero denominator counts 0);
 * - perfect Qini curve: the ranking treated responders, then the rest, then control responders (with
 *   negative effects; without, the two-segment curve of sklift); perfect uplift curve: sklift's ranking
 *   2·[y = t] + (y when control responders outnumber treated non-responders, else t);
 * - coefficient = (area(actual) − area(diagonal)) / (area(perfect) − area(diagonal)) by the trapezoid rule,
 *   the diagonal joining (0, 0) to the perfect curve's end: 0 for random targeting, 1 for the perfect one;
 * - uplift@k (strategy overall): among the top ⌊k·n⌋ rows, the treated response rate minus the control's;
 *   (by group): the top ⌊k·N_t⌋ treated against the top ⌊k·N_c⌋ control rows.
 */

import { SegmintError } from '../../core/errors.ts';
import { Random } from '../random.ts';

export interface Curve {
  /** number of rows targeted (0 … n) */
  x: Float64Array;
  /** curve value at each x */
  y: Float64Array;
}

function check(y: ArrayLike<number>, t: ArrayLike<number>, score?: ArrayLike<number>): void {
  const n = y.length;
  if (t.length !== n || (score && score.length !== n))
    throw new SegmintError('invalid-uplift-input', `outcomes, treatment flags and scores need the same length, got ${n}, ${t.length}${score ? `, ${score.length}` : ''}`);
  let nt = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new SegmintError('invalid-uplift-input', `outcomes must be 0 or 1, row ${i + 1} has ${y[i]}`, { hint: 'the Qini and uplift curves are defined for a binary outcome' });
    if (t[i] !== 0 && t[i] !== 1) throw new SegmintError('invalid-uplift-input', `treatment flags must be 0 or 1, row ${i + 1} has ${t[i]}`);
    if (score && !Number.isFinite(score[i]!)) throw new SegmintError('invalid-uplift-input', `score of row ${i + 1} is ${score[i]}`, { hint: 'every row needs a finite uplift score' });
    nt += t[i]!;
  }
  if (nt === 0 || nt === n) throw new SegmintError('empty-arm', `the sample has ${nt} treated and ${n - nt} control rows`, { hint: 'uplift is measured against a control group: both arms need rows' });
}

/** Row indices by score, highest first; equal scores in descending row order (sklift's reversed mergesort). */
export function rankByScore(score: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(score.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => score[b]! - score[a]! || b - a);
  return order;
}

/** Cumulative counts at the end of each run of equal scores in `order` (all runs of length 1 when `score` is absent). */
function cumulative(y: ArrayLike<number>, t: ArrayLike<number>, order: Uint32Array, score?: ArrayLike<number>) {
  const n = order.length;
  const ends: number[] = [];
  const nt: number[] = [];
  const rt: number[] = [];
  const rc: number[] = [];
  let cnt = 0;
  let crt = 0;
  let crc = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (t[i] === 1) {
      cnt++;
      crt += y[i]!;
    } else crc += y[i]!;
    if (k === n - 1 || !score || score[order[k + 1]!] !== score[i]) {
      ends.push(k + 1);
      nt.push(cnt);
      rt.push(crt);
      rc.push(crc);
    }
  }
  return { ends, nt, rt, rc };
}

function qiniFrom(c: ReturnType<typeof cumulative>): Curve {
  const m = c.ends.length;
  const x = new Float64Array(m + 1);
  const v = new Float64Array(m + 1);
  for (let k = 0; k < m; k++) {
    const nc = c.ends[k]! - c.nt[k]!;
    x[k + 1] = c.ends[k]!;
    v[k + 1] = c.rt[k]! - (nc === 0 ? 0 : (c.rc[k]! * c.nt[k]!) / nc);
  }
  return { x, y: v };
}

function upliftFrom(c: ReturnType<typeof cumulative>): Curve {
  const m = c.ends.length;
  const x = new Float64Array(m + 1);
  const v = new Float64Array(m + 1);
  for (let k = 0; k < m; k++) {
    const nAll = c.ends[k]!;
    const nt = c.nt[k]!;
    const nc = nAll - nt;
    x[k + 1] = nAll;
    v[k + 1] = ((nt === 0 ? 0 : c.rt[k]! / nt) - (nc === 0 ? 0 : c.rc[k]! / nc)) * nAll;
  }
  return { x, y: v };
}

/** The Qini curve of `score` (see the file comment). */
export function qiniCurve(y: ArrayLike<number>, t: ArrayLike<number>, score: ArrayLike<number>): Curve {
  check(y, t, score);
  return qiniFrom(cumulative(y, t, rankByScore(score), score));
}

/** The uplift curve of `score`. */
export function upliftCurve(y: ArrayLike<number>, t: ArrayLike<number>, score: ArrayLike<number>): Curve {
  check(y, t, score);
  return upliftFrom(cumulative(y, t, rankByScore(score), score));
}

/** The perfect Qini curve; `negativeEffect` false gives sklift's curve for a campaign that harms no one. */
export function perfectQiniCurve(y: ArrayLike<number>, t: ArrayLike<number>, negativeEffect = true): Curve {
  check(y, t);
  const n = y.length;
  if (negativeEffect) {
    const s = Float64Array.from({ length: n }, (_, i) => (t[i] === 1 ? y[i]! : -y[i]!));
    return qiniFrom(cumulative(y, t, rankByScore(s), s));
  }
  let nt = 0;
  let rt = 0;
  let rc = 0;
  for (let i = 0; i < n; i++) {
    if (t[i] === 1) {
      nt++;
      rt += y[i]!;
    } else rc += y[i]!;
  }
  const r = rt - (nt * rc) / (n - nt);
  return { x: Float64Array.of(0, r, n), y: Float64Array.of(0, r, r) };
}

/** The perfect uplift curve (sklift's perfect_uplift_curve). */
export function perfectUpliftCurve(y: ArrayLike<number>, t: ArrayLike<number>): Curve {
  check(y, t);
  const n = y.length;
  let controlResponders = 0;
  let treatedNonResponders = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] === 1 && t[i] === 0) controlResponders++;
    if (y[i] === 0 && t[i] === 1) treatedNonResponders++;
  }
  const s = Float64Array.from({ length: n }, (_, i) => 2 * (y[i] === t[i] ? 1 : 0) + (controlResponders > treatedNonResponders ? y[i]! : t[i]!));
  return upliftFrom(cumulative(y, t, rankByScore(s), s));
}

/** Area under a curve by the trapezoid rule (x increasing). */
export function trapezoid(c: Curve): number {
  let a = 0;
  for (let k = 1; k < c.x.length; k++) a += ((c.x[k]! - c.x[k - 1]!) * (c.y[k]! + c.y[k - 1]!)) / 2;
  return a;
}

function normalised(actual: Curve, perfect: Curve): number {
  const end = perfect.x.length - 1;
  const diagonal = (perfect.x[end]! * perfect.y[end]!) / 2;
  const best = trapezoid(perfect) - diagonal;
  if (best === 0) throw new SegmintError('degenerate-uplift', 'the perfect curve encloses no area above the diagonal: every ranking is as good as random here', { hint: 'the sample needs responders in at least one arm' });
  return (trapezoid(actual) - diagonal) / best;
}

/** Qini coefficient: area between the Qini curve and the diagonal over that of the perfect curve (sklift qini_auc_score). */
export function qiniCoefficient(y: ArrayLike<number>, t: ArrayLike<number>, score: ArrayLike<number>, negativeEffect = true): number {
  return normalised(qiniCurve(y, t, score), perfectQiniCurve(y, t, negativeEffect));
}

/** Normalised area under the uplift curve (AUUC; sklift uplift_auc_score). */
export function upliftAuc(y: ArrayLike<number>, t: ArrayLike<number>, score: ArrayLike<number>): number {
  return normalised(upliftCurve(y, t, score), perfectUpliftCurve(y, t));
}

function atK(y: ArrayLike<number>, t: ArrayLike<number>, order: Uint32Array, k: number, strategy: 'overall' | 'by-group'): number {
  const n = order.length;
  const whole = k < 1;
  let nTreated = 0;
  for (let i = 0; i < n; i++) nTreated += t[i]!;
  const sums = [0, 0];
  const counts = [0, 0];
  if (strategy === 'overall') {
    const size = whole ? Math.floor(n * k) : k;
    for (let r = 0; r < size; r++) {
      const i = order[r]!;
      counts[t[i]!]!++;
      sums[t[i]!]! += y[i]!;
    }
  } else {
    const want = [whole ? Math.floor((n - nTreated) * k) : k, whole ? Math.floor(nTreated * k) : k];
    if (want[0]! > n - nTreated || want[1]! > nTreated)
      throw new SegmintError('invalid-k', `k = ${k} asks for more rows than an arm has (${nTreated} treated, ${n - nTreated} control)`, { hint: 'use a smaller k' });
    for (let r = 0; r < n; r++) {
      const i = order[r]!;
      const g = t[i]!;
      if (counts[g]! < want[g]!) {
        counts[g]!++;
        sums[g]! += y[i]!;
      }
    }
  }
  if (counts[0] === 0 || counts[1] === 0)
    throw new SegmintError('empty-arm', `the top ${counts[0]! + counts[1]!} rows hold ${counts[1]} treated and ${counts[0]} control rows`, { hint: 'use a larger k: uplift at k compares the two arms within the top k' });
  return sums[1]! / counts[1]! - sums[0]! / counts[0]!;
}

function checkK(k: number, n: number): void {
  const ok = k > 0 && (k < 1 || (Number.isInteger(k) && k < n));
  if (!ok) throw new SegmintError('invalid-k', `k must be a share in (0, 1) or a whole number of rows below ${n}, got ${k}`, { hint: 'e.g. 0.3 for the top 30%' });
}

/**
 * Uplift at the top k (sklift uplift_at_k): k in (0, 1) is a share of the rows, a whole k ≥ 1 a number of
 * rows. `empty-arm` when the top k hold no treated or no control row.
 */
export function upliftAtK(y: ArrayLike<number>, t: ArrayLike<number>, score: ArrayLike<number>, k: number, strategy: 'overall' | 'by-group' = 'overall'): number {
  check(y, t, score);
  checkK(k, y.length);
  return atK(y, t, rankByScore(score), k, strategy);
}

/** Area under the Qini curve of the ranking `order` (no ties), streamed without building the curve. */
function qiniAreaInOrder(y: ArrayLike<number>, t: ArrayLike<number>, order: Uint32Array): number {
  let nt = 0;
  let rt = 0;
  let rc = 0;
  let prev = 0;
  let area = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (t[i] === 1) {
      nt++;
      rt += y[i]!;
    } else rc += y[i]!;
    const nc = k + 1 - nt;
    const q = rt - (nc === 0 ? 0 : (rc * nt) / nc);
    area += (prev + q) / 2;
    prev = q;
  }
  return area;
}

export interface RandomTargeting {
  /** expected values under random targeting: the diagonal (coefficients 0) and the sample's average uplift */
  qiniCoefficient: 0;
  upliftAuc: 0;
  upliftAtK: number;
  /** over `permutations` random rankings: mean and 95th percentile of each figure */
  permutations: number;
  qiniMean: number;
  qini95: number;
  upliftAtKMean: number;
  upliftAtK95: number;
}

/**
 * Random targeting as a baseline: its expected Qini coefficient and AUUC are 0 (the diagonal) and its
 * expected uplift at any k is the sample's average uplift (treated minus control response rate); the
 * permutation figures show how far chance alone goes on this sample (seeded, reproducible).
 */
export function randomTargeting(yIn: ArrayLike<number>, tIn: ArrayLike<number>, k: number, o: { permutations?: number; seed?: number } = {}): RandomTargeting {
  check(yIn, tIn);
  const y = Float64Array.from(yIn);
  const t = Uint8Array.from(tIn);
  const n = y.length;
  checkK(k, n);
  const perms = o.permutations ?? 100;
  let nt = 0;
  let rt = 0;
  let rc = 0;
  for (let i = 0; i < n; i++) {
    nt += t[i]!;
    if (t[i] === 1) rt += y[i]!;
    else rc += y[i]!;
  }
  const ate = rt / nt - rc / (n - nt);
  const perfect = perfectQiniCurve(y, t);
  const end = perfect.x.length - 1;
  const diagonal = (perfect.x[end]! * perfect.y[end]!) / 2;
  const best = trapezoid(perfect) - diagonal;
  if (best === 0) throw new SegmintError('degenerate-uplift', 'the perfect curve encloses no area above the diagonal: every ranking is as good as random here', { hint: 'the sample needs responders in at least one arm' });
  const rng = new Random(o.seed ?? 0, 0x51a1);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const qs = new Float64Array(perms);
  const us: number[] = [];
  for (let r = 0; r < perms; r++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    qs[r] = (qiniAreaInOrder(y, t, order) - diagonal) / best;
    try {
      us.push(atK(y, t, order, k, 'overall'));
    } catch {
      // a top k without one of the arms has no uplift: left out of the permutation figures
    }
  }
  // without permutations (or none with both arms in the top k) the figures fall back on the expectations
  const q95 = (xs: ArrayLike<number>, none: number) => {
    const s = Float64Array.from(xs).sort();
    return s.length ? s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]! : none;
  };
  const mean = (xs: ArrayLike<number>, none: number) => (xs.length ? Array.from(xs).reduce((a, b) => a + b, 0) / xs.length : none);
  return { qiniCoefficient: 0, upliftAuc: 0, upliftAtK: ate, permutations: perms, qiniMean: mean(qs, 0), qini95: q95(qs, 0), upliftAtKMean: mean(us, ate), upliftAtK95: q95(us, ate) };
}
