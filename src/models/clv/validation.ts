/**
 * Calibration/holdout validation: the model fitted on the calibration period predicts each customer's
 * purchases in the holdout period, compared with what they did. Per customer (mean absolute error, RMSE),
 * in aggregate (total predicted against total actual), by calibration frequency (the conditional-expectation
 * chart of Fader, Hardie & Lee 2005, figure 4), and by decile of the prediction (lift).
 */

export interface HoldoutValidation {
  customers: number;
  actualTotal: number;
  predictedTotal: number;
  /** (predicted − actual) / actual over all customers */
  aggregateRelativeError: number;
  meanAbsoluteError: number;
  rootMeanSquaredError: number;
  /** customers grouped by calibration frequency 0 … cap−1 and "cap+" */
  byFrequency: { frequency: string; customers: number; actualMean: number; predictedMean: number }[];
  /** deciles of the prediction, 1 = highest predicted */
  deciles: { decile: number; customers: number; actualMean: number; predictedMean: number; shareOfActual: number }[];
  /** share of holdout purchases made by the top decile, divided by 10 % */
  topDecileLift: number;
}

/** Compare holdout purchases with the predictions; customers are grouped by calibration frequency up to `cap`+. */
export function validateHoldout(calibrationFrequency: ArrayLike<number>, actual: ArrayLike<number>, predicted: ArrayLike<number>, cap = 7): HoldoutValidation {
  const n = actual.length;
  let at = 0;
  let pt = 0;
  let ae = 0;
  let se = 0;
  const groups = new Map<number, { c: number; a: number; p: number }>();
  for (let i = 0; i < n; i++) {
    const a = actual[i]!;
    const p = predicted[i]!;
    at += a;
    pt += p;
    ae += Math.abs(p - a);
    se += (p - a) ** 2;
    const k = Math.min(cap, calibrationFrequency[i]!);
    const g = groups.get(k) ?? { c: 0, a: 0, p: 0 };
    g.c++;
    g.a += a;
    g.p += p;
    groups.set(k, g);
  }
  const byFrequency = [...groups.entries()].sort((x, y) => x[0] - y[0])
    .map(([k, g]) => ({ frequency: k === cap ? `${cap}+` : String(k), customers: g.c, actualMean: g.a / g.c, predictedMean: g.p / g.c }));
  const order = [...Array(n).keys()].sort((x, y) => predicted[y]! - predicted[x]! || x - y);
  const deciles: HoldoutValidation['deciles'] = [];
  for (let d = 0; d < 10; d++) {
    const idx = order.slice(Math.floor((d * n) / 10), Math.floor(((d + 1) * n) / 10));
    if (idx.length === 0) continue;
    const a = idx.reduce((s, i) => s + actual[i]!, 0);
    const p = idx.reduce((s, i) => s + predicted[i]!, 0);
    deciles.push({ decile: d + 1, customers: idx.length, actualMean: a / idx.length, predictedMean: p / idx.length, shareOfActual: at > 0 ? a / at : 0 });
  }
  const top = deciles[0];
  return {
    customers: n, actualTotal: at, predictedTotal: pt, aggregateRelativeError: at > 0 ? (pt - at) / at : 0,
    meanAbsoluteError: n ? ae / n : 0, rootMeanSquaredError: n ? Math.sqrt(se / n) : 0, byFrequency, deciles,
    topDecileLift: top && n ? top.shareOfActual / (top.customers / n) : 0,
  };
}
