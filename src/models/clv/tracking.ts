/**
 * Tracking: expected against actual repeat purchases of a cohort, period by period, across the calibration
 * period and the holdout (Fader, Hardie & Lee 2005, figures 2 and 3; R BTYD's `bgnbd.PlotTrackingCum` and
 * `…Inc`, lifetimes' `expected_cumulative_transactions`). A customer who made the first purchase `birth` periods
 * after the cohort's first is expected to have made E[X(t − birth)] repeat purchases by time t; the cohort's
 * expectation is the sum over customers. Seasonality: holdout periods whose actual purchases depart from the
 * model's by more than any calibration period did. docs/models.md ("Tracking") defines each figure.
 */
import { expectedRepeatPurchases, type PurchaseModel } from './model.ts';

/**
 * Σ_i weight_i · E[X(t − birth_i)] over customers born by t, for each t of `times` (periods since the cohort's
 * first purchase). E[X] is computed once per distinct t − birth.
 */
export function expectedCumulativeRepeatPurchases(m: PurchaseModel, births: ArrayLike<number>, weights: ArrayLike<number> | undefined, times: ArrayLike<number>): Float64Array {
  const byBirth = new Map<number, number>();
  for (let i = 0; i < births.length; i++) byBirth.set(births[i]!, (byBirth.get(births[i]!) ?? 0) + (weights ? weights[i]! : 1));
  const out = new Float64Array(times.length);
  // births and times on a grid (days, periods) repeat the same differences t: E[X(t)] once per distinct t
  const memo = new Map<number, number>();
  for (const [b, w] of byBirth) {
    for (let k = 0; k < times.length; k++) {
      const t = times[k]! - b;
      if (!(t > 0)) continue;
      let e = memo.get(t);
      if (e === undefined) {
        e = expectedRepeatPurchases(m, t);
        memo.set(t, e);
      }
      out[k] = out[k]! + w * e;
    }
  }
  return out;
}

/** Period-by-period increments of a cumulative series (the first is the first value). */
export function incrementsOf(cumulative: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: cumulative.length }, (_, k) => cumulative[k]! - (k > 0 ? cumulative[k - 1]! : 0));
}

export interface TrackingPoint {
  /** 1, 2, …: the period ending `period` periods after the cohort's first purchase */
  period: number;
  actual: number;
  expected: number;
  actualCumulative: number;
  expectedCumulative: number;
  /** the period ends after the calibration end */
  holdout: boolean;
}

/**
 * The tracking series for periods 1 … actual.length: `actual[k]` the repeat purchases made in period k + 1, the
 * expectation from the births (model time units since the cohort's first purchase; a period is `periodLength`
 * units) and the model; periods past `calibrationPeriods` are the holdout.
 */
export function trackingSeries(m: PurchaseModel, births: ArrayLike<number>, weights: ArrayLike<number> | undefined, actual: ArrayLike<number>, calibrationPeriods: number, periodLength = 1): TrackingPoint[] {
  const times = Array.from({ length: actual.length }, (_, k) => k + 1);
  // births and the model in model time units; a tracking period is `periodLength` of them
  const cum = expectedCumulativeRepeatPurchases(m, births, weights, times.map((t) => t * periodLength));
  const inc = incrementsOf(cum);
  let ac = 0;
  return times.map((t, k) => {
    ac += actual[k]!;
    return { period: t, actual: actual[k]!, expected: inc[k]!, actualCumulative: ac, expectedCumulative: cum[k]!, holdout: t > calibrationPeriods };
  });
}

/**
 * Holdout periods whose |actual − expected| exceeds the largest departure of any calibration period: the model
 * (fitted on the calibration period) does not know what happened then (a season, a campaign, a stock-out).
 */
export function seasonalDepartures(points: readonly TrackingPoint[]): { threshold: number; periods: TrackingPoint[] } {
  const cal = points.filter((p) => !p.holdout);
  const threshold = cal.reduce((s, p) => Math.max(s, Math.abs(p.actual - p.expected)), 0);
  return { threshold, periods: cal.length ? points.filter((p) => p.holdout && Math.abs(p.actual - p.expected) > threshold) : [] };
}
