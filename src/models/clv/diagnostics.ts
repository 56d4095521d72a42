/**
 * What a purchase-model fit can and cannot tell: a parameter on the boundary, a model without drop-out, a flat
 * likelihood (Hessian not positive definite), standard errors larger than the estimates, and a P(alive) that
 * barely varies across customers. Each issue says what was seen, what it means and what to do; docs/models.md
 * ("When a fit is degenerate") explains them with references.
 */
import type { MleFit } from './fit.ts';
import { MODEL_NAMES, probabilityAliveOfSet, type PurchaseModel, type PurchaseModelKind } from './model.ts';
import { toPatternSet, type Pattern, type PatternSet } from './patterns.ts';
import { grouped } from '../../core/numbers.ts';

export type FitIssueCode = 'no-dropout' | 'boundary' | 'hessian-not-positive-definite' | 'large-standard-error' | 'p-alive-not-informative';

export interface FitIssue {
  code: FitIssueCode;
  /** the parameters concerned, when there are */
  parameters?: string[];
  /** what was seen */
  message: string;
  /** what it means for the predictions */
  meaning: string;
  /** what to do */
  advice: string;
}

/** The spread of P(alive) over customers: weighted 5th, 50th and 95th percentiles, and the share below 0.75. */
export interface PAliveSpread {
  p05: number;
  p50: number;
  p95: number;
  /** share of customers with P(alive) below 0.75 (the lower edge of the `active` churn tier) */
  shareBelowActive: number;
}

export interface FitDiagnostics {
  /** a boundary estimate, no drop-out, a flat likelihood or an uninformative P(alive) */
  degenerate: boolean;
  /** a standard error larger than its estimate (the fit stands, but loosely) */
  weak: boolean;
  /** false when P(alive) cannot separate active from lapsed customers: churn tiers are not drawn from it */
  pAliveInformative: boolean;
  pAlive: PAliveSpread;
  issues: FitIssue[];
}

/** P(alive) spread below this (95th − 5th percentile) is "barely varies". */
export const P_ALIVE_MIN_SPREAD = 0.05;
/** A drop-out chance per purchase (BG/NBD, MBG/NBD: a/(a+b)) or a share dropping out within the longest observation (Pareto/NBD) below this is "no drop-out". */
export const MIN_DROPOUT = 1e-3;

/** Buckets of weightedQuantiles' first pass over the values' range. */
const QUANTILE_BUCKETS = 4096;

/**
 * Weighted percentiles of `values` (the smallest value whose cumulative weight reaches q). One pass puts the finite
 * values' weights into buckets of equal width over their range (a monotone map, so a bucket's values all lie between
 * its neighbours'); the bucket where each q's cumulative weight is reached is then sorted alone, its weights summed
 * per distinct value in order (no sort of every value: a million customers' patterns take a few milliseconds).
 */
export function weightedQuantiles(values: ArrayLike<number>, weights: ArrayLike<number>, qs: readonly number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    total += weights[i]!;
  }
  if (!(lo <= hi)) return qs.map(() => NaN);
  const nb = QUANTILE_BUCKETS;
  const scale = hi > lo && Number.isFinite(hi - lo) ? nb / (hi - lo) : 0;
  const bw = new Float64Array(nb);
  const count = new Int32Array(nb);
  // each value's bucket (−1: not finite)
  const of = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      of[i] = -1;
      continue;
    }
    const b = Math.min(nb - 1, Math.floor((v - lo) * scale));
    of[i] = b;
    bw[b] = bw[b]! + weights[i]!;
    count[b] = count[b]! + 1;
  }
  return qs.map((q) => {
    const target = q * total - 1e-9 * total;
    // the bucket where the cumulative weight reaches the target (the last non-empty one at the latest)
    let acc = 0;
    let b = 0;
    let last = 0;
    for (; b < nb; b++) {
      if (count[b] === 0) continue;
      last = b;
      if (acc + bw[b]! >= target) break;
      acc += bw[b]!;
    }
    if (b === nb) {
      b = last;
      acc -= bw[b]!;
    }
    // its values, sorted, with the weight of each distinct value
    const u = new Float64Array(count[b]!);
    let m = 0;
    for (let i = 0; i < values.length; i++) {
      if (of[i] === b) u[m++] = values[i]! === 0 ? 0 : values[i]!;
    }
    u.sort();
    let d = 0;
    for (let k = 0; k < m; k++) if (k === 0 || u[k]! !== u[d - 1]!) u[d++] = u[k]!;
    const w = new Float64Array(d);
    for (let i = 0; i < values.length; i++) {
      if (of[i] !== b) continue;
      const v = values[i]!;
      let l = 0;
      let h = d - 1;
      while (l < h) {
        const mid = (l + h) >> 1;
        if (u[mid]! < v) l = mid + 1;
        else h = mid;
      }
      w[l] = w[l]! + weights[i]!;
    }
    for (let k = 0; k < d; k++) {
      acc += w[k]!;
      if (acc >= target) return u[k]!;
    }
    return u[d - 1]!;
  });
}

/** The P(alive) spread of customers given as values with weights (customers per value). */
export function pAliveSpread(pAlive: ArrayLike<number>, weights: ArrayLike<number>): PAliveSpread {
  const [p05, p50, p95] = weightedQuantiles(pAlive, weights, [0.05, 0.5, 0.95]);
  let below = 0;
  let total = 0;
  for (let i = 0; i < pAlive.length; i++) {
    if (!Number.isFinite(pAlive[i]!)) continue;
    total += weights[i]!;
    if (pAlive[i]! < 0.75) below += weights[i]!;
  }
  return { p05: p05!, p50: p50!, p95: p95!, shareBelowActive: total > 0 ? below / total : 0 };
}

/** Whether a spread lets P(alive) tell customers apart. */
export const isInformative = (s: PAliveSpread): boolean => Number.isFinite(s.p05) && s.p95 - s.p05 >= P_ALIVE_MIN_SPREAD;

const pct = (x: number) => (x < 1 && x >= 0.9995 ? 'over 99.9 %' : `${(100 * x).toFixed(1)} %`);
const g = (x: number) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(1) : grouped(Number(x.toPrecision(4))));

/**
 * The drop-out the fitted model implies: BG/NBD and MBG/NBD the mean chance a/(a+b) of dropping out at a purchase;
 * Pareto/NBD the share of customers expected to drop out within `horizon` periods, 1 − (β/(β+horizon))^s; BG/BB the
 * mean chance γ/(γ+δ) per opportunity.
 */
export function impliedDropout(m: PurchaseModel, horizon: number): number {
  const p = m.params;
  switch (m.kind) {
    case 'bgnbd':
    case 'mbgnbd': return p.a! / (p.a! + p.b!);
    case 'paretonbd': return -Math.expm1(p.s! * Math.log(p.beta! / (p.beta! + horizon)));
    case 'bgbb': return p.gamma! / (p.gamma! + p.delta!);
  }
}

/**
 * Diagnose a fit on the patterns it was fitted on (P(alive) at the end of the calibration period). `pAliveOverride`
 * gives the spread of other customers (e.g. the predictions' history) instead.
 */
export function diagnoseFit(kind: PurchaseModelKind, fit: Pick<MleFit, 'params' | 'standardErrors' | 'boundary' | 'hessianPositiveDefinite'>, patterns: readonly Pattern[] | PatternSet): FitDiagnostics {
  const name = MODEL_NAMES[kind];
  const m: PurchaseModel = { kind, params: fit.params };
  const issues: FitIssue[] = [];
  const set = 'size' in patterns ? patterns : toPatternSet(patterns);
  let maxT = 0;
  for (let i = 0; i < set.size; i++) maxT = Math.max(maxT, set.T[i]!);
  const dropout = impliedDropout(m, maxT);
  const noDropout = dropout < MIN_DROPOUT;
  const p = fit.params;
  if (noDropout) {
    const what = kind === 'paretonbd'
      ? `${name} expects ${pct(dropout)} of customers to stop buying within ${g(maxT)} periods (s = ${g(p.s!)}, β = ${g(p.beta!)})`
      : kind === 'bgbb' ? `${name} estimates the chance to drop out per opportunity at ${g(dropout)} (γ = ${g(p.gamma!)}, δ = ${g(p.delta!)})`
        : `${name} estimates the chance to drop out after a purchase at ${g(dropout)} (a = ${g(p.a!)}, b = ${g(p.b!)})`;
    issues.push({
      code: 'no-dropout', parameters: kind === 'paretonbd' ? ['s', 'beta'] : kind === 'bgbb' ? ['gamma', 'delta'] : ['a', 'b'],
      message: `${what}: the fit is degenerate, a model without drop-out`,
      meaning: 'these data show no evidence that customers stop buying within the calibration period; the model treats every customer as still active, so P(alive) is not informative and expected purchases come from each customer\'s purchase rate alone',
      advice: 'read churn from recency instead (RFM segments: At risk, Hibernating, Lost); a longer history (more calibration time for silence to show) or another model (--model auto compares three) may find drop-out; a penalty (--penalizer) shrinks the parameters towards 0 and cannot create drop-out the data do not show, so check any penalised fit on the holdout',
    });
  }
  const pinned = fit.boundary.filter((n) => !(noDropout && issues[0]!.parameters!.includes(n)));
  if (pinned.length) {
    issues.push({
      code: 'boundary', parameters: pinned,
      message: `${name}: the estimate of ${pinned.join(', ')} is on the boundary of the parameter space (→ 0), so it has no standard error`,
      meaning: 'the likelihood is highest at the edge: the parameter is bounded by the data, not estimated, and predictions that depend on it are extrapolations',
      advice: 'try another model (--model auto compares three); check the period (--period week) and that customers have repeat purchases; a penalty (--penalizer) keeps parameters finite but is no substitute for data',
    });
  } else if (fit.boundary.length && noDropout) {
    issues[0]!.message += ` (${fit.boundary.join(', ')} → 0 is on the boundary, without a standard error)`;
  }
  if (!fit.hessianPositiveDefinite) {
    issues.push({
      code: 'hessian-not-positive-definite',
      message: `${name}: the log-likelihood is flat in some direction at the estimate (its Hessian is not positive definite), so there are no standard errors`,
      meaning: 'different parameter values fit these data equally well: the parameters cannot be read one by one, though the predictions may still agree with the data',
      advice: 'add a penalty (--penalizer 0.1), use more customers or a longer calibration period, or compare the other models (--model auto)',
    });
  }
  const loose = Object.entries(fit.standardErrors).filter(([k, se]) => se !== null && se > p[k]!).map(([k]) => k);
  if (loose.length) {
    issues.push({
      code: 'large-standard-error', parameters: loose,
      message: `${name}: the standard error of ${loose.map((k) => `${k} (${g(fit.standardErrors[k]!)} against an estimate of ${g(p[k]!)})`).join(', ')} is larger than the estimate`,
      meaning: 'the data hardly pin these parameters down: a 95 % interval would run from near 0 to several times the estimate',
      advice: 'read the predictions with caution; a longer calibration period, more customers or a small penalty narrows them',
    });
  }
  const spread = pAliveSpread(probabilityAliveOfSet(m, set), set.weight);
  const informative = !noDropout && isInformative(spread);
  if (!informative) issues.push(pAliveIssue(spread));
  return {
    degenerate: noDropout || pinned.length > 0 || !fit.hessianPositiveDefinite || !informative,
    weak: loose.length > 0,
    pAliveInformative: informative,
    pAlive: spread,
    issues,
  };
}

/** The issue for a P(alive) that does not separate customers. */
export function pAliveIssue(s: PAliveSpread): FitIssue {
  return {
    code: 'p-alive-not-informative',
    message: `P(alive) barely varies: 90 % of customers lie between ${pct(s.p05)} and ${pct(s.p95)} (${pct(s.shareBelowActive)} below 75 %)`,
    meaning: 'P(alive) does not separate active from lapsed customers, so churn tiers are not drawn from it: they read "not informative"',
    advice: 'read churn from recency (RFM segments: At risk, Hibernating, Lost), or refit with a longer calibration period or another model (--model auto)',
  };
}
