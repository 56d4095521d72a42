/**
 * Predictions per (x, t_x, T) pattern from a fitted purchase model: P(alive), expected purchases over a
 * horizon, the same discounted, and the wait to the next purchase at the expected rate. The pipeline applies them to
 * customers in the warehouse (with the spend model, the margin and the tiers); docs/models.md ("CLV
 * predictions") defines each figure.
 */
import { SegmintError } from '../../core/errors.ts';
import { conditionalExpectedPurchases, expectedPurchasesIfAlive, probabilityAlive, rateIfAlive, type PurchaseModel } from './model.ts';
import { index, pairs } from './patterns.ts';

export interface PredictOptions {
  /** horizon in model periods (BG/BB: opportunities) */
  horizon: number;
  /** days per model period, for the discounting and the days to the next purchase */
  periodDays: number;
  /** annual discount rate (default 0.1) */
  discountRate?: number;
  /**
   * a discount rate per step instead (lifetimes' `discount_rate`, a monthly rate): step k's purchases (months;
   * BG/BB opportunities) are divided by (1 + rate)^k
   */
  stepDiscountRate?: number;
  /** margin applied to spend (default 1: CLV in revenue) */
  margin?: number;
}

/** A column as a Float64Array: itself when it is one. */
const asDoubles = (a: ArrayLike<number>): Float64Array => (a instanceof Float64Array ? a : Float64Array.from(a));

/** Churn-risk tiers by P(alive): lower bounds of active, cooling and at-risk; below the last, lapsed. */
export const CHURN_TIERS = [{ tier: 'active', from: 0.75 }, { tier: 'cooling', from: 0.5 }, { tier: 'at-risk', from: 0.25 }, { tier: 'lapsed', from: 0 }] as const;
/** CLV tiers by rank: the top 10 %, the next 20 %, the next 30 %, the remaining 40 % (upper rank shares). */
export const CLV_TIERS = [{ tier: 'top', to: 0.1 }, { tier: 'high', to: 0.3 }, { tier: 'medium', to: 0.6 }, { tier: 'low', to: 1 }] as const;

/** Check and default the options once: horizon > 0, discount rate > −1 (default 0.1), margin in (0, 1] (default 1). */
export function normalisePredictOptions(o: PredictOptions): Required<Omit<PredictOptions, 'stepDiscountRate'>> & Pick<PredictOptions, 'stepDiscountRate'> {
  const d = o.discountRate ?? 0.1;
  const sd = o.stepDiscountRate;
  if (sd !== undefined && (!(sd > -1) || !Number.isFinite(sd))) throw new SegmintError('invalid-option', `--monthly-discount-rate ${sd}: expected a rate per month such as 0.01`, { hint: '0.01 a month is lifetimes\' default' });
  const m = o.margin ?? 1;
  if (!(o.horizon > 0) || !Number.isFinite(o.horizon)) throw new SegmintError('invalid-option', `--horizon ${o.horizon}: expected a number > 0`, { hint: 'e.g. --horizon 12 --unit month' });
  if (!(d > -1) || !Number.isFinite(d)) throw new SegmintError('invalid-option', `--discount-rate ${d}: expected an annual rate such as 0.1`, { hint: '0.1 discounts a year ahead by 10 %' });
  if (!(m > 0) || !(m <= 1)) throw new SegmintError('invalid-option', `--margin ${m}: expected a share in (0, 1]`, { hint: 'e.g. --margin 0.3 for a 30 % margin' });
  return { horizon: o.horizon, periodDays: o.periodDays, discountRate: d, margin: m, ...(sd !== undefined ? { stepDiscountRate: sd } : {}) };
}

export interface PatternPredictions {
  pAlive: Float64Array;
  /** E[Y(horizon) | x, t_x, T] */
  expectedPurchases: Float64Array;
  /** Σ_k (E[Y(t_k)] − E[Y(t_{k−1})]) / (1 + d)^(t_k in years): purchases discounted to the end of calibration */
  discountedPurchases: Float64Array;
  /** periodDays / E[rate | alive, history]: the mean wait at the expected rate of a customer still alive (1/E[λ], not E[1/λ], which is infinite for r + x ≤ 1) */
  daysToNextPurchase: Float64Array;
}

/**
 * Predict for patterns given as columns. The discounting steps are months (BG/BB: opportunities): each
 * month's expected purchases are discounted at the annual rate to the month's end.
 */
export function predictPatterns(model: PurchaseModel, p: { x: ArrayLike<number>; tx: ArrayLike<number>; T: ArrayLike<number> }, options: PredictOptions): PatternPredictions {
  const o = normalisePredictOptions(options);
  const n = p.x.length;
  const out: PatternPredictions = { pAlive: new Float64Array(n), expectedPurchases: new Float64Array(n), discountedPurchases: new Float64Array(n), daysToNextPurchase: new Float64Array(n) };
  const steps = model.kind === 'bgbb' ? Math.max(1, Math.round(o.horizon)) : Math.max(1, Math.round((o.horizon * o.periodDays) / 30.4375));
  const times = Array.from({ length: steps }, (_, k) => (o.horizon * (k + 1)) / steps);
  const factors = o.stepDiscountRate !== undefined
    ? times.map((_, k) => Math.pow(1 + o.stepDiscountRate!, -(k + 1)))
    : times.map((t) => Math.pow(1 + o.discountRate, -(t * o.periodDays) / 365.25));
  // E[Y(t_k) | alive, x, T] per distinct (x, T), where the model has it (else the conditional per pattern): the pairs
  // numbered through the distinct x and T (index, pairs), their curves side by side in one array (a Map of Maps keyed
  // by the doubles cost 75 ms of `clv predict`'s main thread at bench/clv's 265,025 patterns)
  let pairOf: Int32Array | undefined;
  let curves: Float64Array | undefined;
  if (model.kind !== 'bgbb') {
    const xs = index(asDoubles(p.x));
    const Ts = index(asDoubles(p.T));
    const pr = pairs(xs.i, Ts.i, Ts.u.length);
    pairOf = pr.of;
    curves = new Float64Array(pr.a.length * steps);
    for (let j = 0; j < pr.a.length; j++) {
      const x = xs.u[pr.a[j]!]!;
      const T = Ts.u[pr.b[j]!]!;
      for (let k = 0; k < steps; k++) curves[j * steps + k] = expectedPurchasesIfAlive(model, times[k]!, x, T)!;
    }
  }
  for (let i = 0; i < n; i++) {
    const x = p.x[i]!;
    const tx = p.tx[i]!;
    const T = p.T[i]!;
    const pa = probabilityAlive(model, x, tx, T);
    const c = pairOf ? pairOf[i]! * steps : -1;
    let prev = 0;
    let disc = 0;
    for (let k = 0; k < steps; k++) {
      const e = c >= 0 ? curves![c + k]! * pa : conditionalExpectedPurchases(model, times[k]!, x, tx, T);
      disc += (e - prev) * factors[k]!;
      prev = e;
    }
    out.pAlive[i] = pa;
    out.expectedPurchases[i] = prev;
    out.discountedPurchases[i] = disc;
    out.daysToNextPurchase[i] = o.periodDays / rateIfAlive(model, x, T);
  }
  return out;
}
