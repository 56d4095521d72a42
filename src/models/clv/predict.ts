/**
 * Predictions per customer from a fitted purchase model and, optionally, the Gamma-Gamma spend model:
 * P(alive), expected purchases and spend over a horizon, CLV with a discount rate and a margin, the expected
 * wait to the next purchase, churn-risk and CLV tiers. Computed once per distinct (x, t_x, T) pattern.
 * docs/models.md ("CLV predictions") defines each figure.
 */
import { SegmintError } from '../../core/errors.ts';
import { gammaGammaExpectedSpend, type GammaGammaParams } from './gamma-gamma.ts';
import { conditionalExpectedPurchases, probabilityAlive, rateIfAlive, type PurchaseModel } from './model.ts';

export interface PredictOptions {
  /** horizon in model periods (BG/BB: opportunities) */
  horizon: number;
  /** days per model period, for the discounting and the days to the next purchase */
  periodDays: number;
  /** annual discount rate (default 0.1) */
  discountRate?: number;
  /** margin applied to spend (default 1: CLV in revenue) */
  margin?: number;
  /** lower P(alive) bounds of the tiers active, cooling, at-risk (default 0.75, 0.5, 0.25; below: lapsed) */
  churnThresholds?: readonly [number, number, number];
}

export const CHURN_TIERS = ['active', 'cooling', 'at-risk', 'lapsed'] as const;
export const CLV_TIERS = ['top', 'high', 'medium', 'low'] as const;
/** CLV tiers by rank: the top 10 %, the next 20 %, the next 30 %, the remaining 40 %. */
export const CLV_TIER_SHARES = [0.1, 0.3, 0.6] as const;

export interface CustomerPredictions {
  pAlive: Float64Array;
  expectedPurchases: Float64Array;
  /** expected spend per purchase (NaN where not predicted) */
  expectedSpend: Float64Array;
  /** expected discounted spend × margin over the horizon (NaN where not predicted) */
  clv: Float64Array;
  /** expected days to the next purchase if the customer is alive */
  daysToNextPurchase: Float64Array;
  churnTier: string[];
  /** '' where there is no CLV */
  clvTier: string[];
  /** customers without a spend prediction, by reason */
  excluded: Record<string, number>;
}

export function normalisePredictOptions(o: PredictOptions): Required<PredictOptions> {
  const d = o.discountRate ?? 0.1;
  const m = o.margin ?? 1;
  if (!(o.horizon > 0) || !Number.isFinite(o.horizon)) throw new SegmintError('invalid-option', `--horizon ${o.horizon}: expected a number > 0`, { hint: 'e.g. --horizon 12 --unit month' });
  if (!(d > -1) || !Number.isFinite(d)) throw new SegmintError('invalid-option', `--discount-rate ${d}: expected an annual rate such as 0.1`, { hint: '0.1 discounts a year ahead by 10 %' });
  if (!(m > 0) || !(m <= 1)) throw new SegmintError('invalid-option', `--margin ${m}: expected a share in (0, 1]`, { hint: 'e.g. --margin 0.3 for a 30 % margin' });
  const th = o.churnThresholds ?? [0.75, 0.5, 0.25];
  return { horizon: o.horizon, periodDays: o.periodDays, discountRate: d, margin: m, churnThresholds: th };
}

/** Σ_k (E[Y(t_k)] − E[Y(t_{k−1})]) / (1 + d)^(t_k in years), in steps of a month (BG/BB: an opportunity). */
function discountedPurchases(m: PurchaseModel, o: Required<PredictOptions>, x: number, tx: number, T: number): { total: number; discounted: number } {
  const steps = m.kind === 'bgbb' ? Math.max(1, Math.round(o.horizon)) : Math.max(1, Math.round((o.horizon * o.periodDays) / 30.4375));
  let prev = 0;
  let discounted = 0;
  for (let k = 1; k <= steps; k++) {
    const t = (o.horizon * k) / steps;
    const e = conditionalExpectedPurchases(m, t, x, tx, T);
    discounted += (e - prev) / Math.pow(1 + o.discountRate, (t * o.periodDays) / 365.25);
    prev = e;
  }
  return { total: prev, discounted };
}

export function churnTier(pAlive: number, th: readonly [number, number, number]): string {
  return pAlive >= th[0] ? 'active' : pAlive >= th[1] ? 'cooling' : pAlive >= th[2] ? 'at-risk' : 'lapsed';
}

/**
 * Predict for customers given as columns (x, t_x, T in model periods; zbar = mean repeat spend, optional).
 * Without a spend model, expectedSpend and clv are NaN for everyone (excluded as `no-spend-model`).
 */
export function predictCustomers(
  model: PurchaseModel,
  data: { x: ArrayLike<number>; tx: ArrayLike<number>; T: ArrayLike<number>; zbar?: ArrayLike<number> },
  spend: GammaGammaParams | undefined,
  options: PredictOptions,
): CustomerPredictions {
  const o = normalisePredictOptions(options);
  const n = data.x.length;
  const out: CustomerPredictions = {
    pAlive: new Float64Array(n), expectedPurchases: new Float64Array(n), expectedSpend: new Float64Array(n), clv: new Float64Array(n),
    daysToNextPurchase: new Float64Array(n), churnTier: new Array<string>(n), clvTier: new Array<string>(n).fill(''), excluded: {},
  };
  const cache = new Map<string, [number, number, number, number]>();
  const count = (reason: string) => (out.excluded[reason] = (out.excluded[reason] ?? 0) + 1);
  for (let i = 0; i < n; i++) {
    const x = data.x[i]!;
    const tx = data.tx[i]!;
    const T = data.T[i]!;
    const key = `${x}|${tx}|${T}`;
    let c = cache.get(key);
    if (!c) {
      const pa = probabilityAlive(model, x, tx, T);
      const { total, discounted } = discountedPurchases(model, o, x, tx, T);
      c = [pa, total, discounted, o.periodDays / rateIfAlive(model, x, T)];
      cache.set(key, c);
    }
    out.pAlive[i] = c[0];
    out.expectedPurchases[i] = c[1];
    out.daysToNextPurchase[i] = c[3];
    out.churnTier[i] = churnTier(c[0], o.churnThresholds);
    let s = NaN;
    if (!spend) count('no-spend-model');
    else if (x > 0 && !(data.zbar && data.zbar[i]! > 0)) count('non-positive-spend');
    else {
      s = gammaGammaExpectedSpend(spend, x, data.zbar ? data.zbar[i]! : 0);
      if (Number.isNaN(s)) count('spend-undefined');
    }
    out.expectedSpend[i] = s;
    out.clv[i] = Number.isNaN(s) ? NaN : o.margin * s * c[2];
  }
  // CLV tiers by rank among the customers with a CLV
  const ranked = [...Array(n).keys()].filter((i) => !Number.isNaN(out.clv[i]!)).sort((a, b) => out.clv[b]! - out.clv[a]!);
  ranked.forEach((i, k) => {
    const q = k / ranked.length;
    out.clvTier[i] = q < CLV_TIER_SHARES[0] ? 'top' : q < CLV_TIER_SHARES[1] ? 'high' : q < CLV_TIER_SHARES[2] ? 'medium' : 'low';
  });
  return out;
}
