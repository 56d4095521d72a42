/**
 * P(alive) and expected purchases over a grid of histories, as lifetimes' `conditional_probability_alive_matrix`
 * and its frequency/recency matrix: row t_x = 0 … maxRecency (whole periods), column x = 0 … maxFrequency, every
 * customer observed for T periods (default maxRecency, lifetimes' default: the longest observation).
 */
import { conditionalExpectedPurchases, probabilityAlive, type PurchaseModel } from './model.ts';

/** One row per recency 0 … maxRecency, one column per frequency 0 … maxFrequency. */
export type HistoryMatrix = Float64Array[];

function grid(maxFrequency: number, maxRecency: number, f: (x: number, tx: number) => number): HistoryMatrix {
  return Array.from({ length: maxRecency + 1 }, (_, tx) => Float64Array.from({ length: maxFrequency + 1 }, (_, x) => f(x, tx)));
}

/** P(alive | x, t_x, T) for x = 0 … maxFrequency, t_x = 0 … maxRecency (a customer without repeats has t_x = 0: the first row's value is used for x = 0). */
export function pAliveMatrix(m: PurchaseModel, maxFrequency: number, maxRecency: number, T = maxRecency): HistoryMatrix {
  return grid(maxFrequency, maxRecency, (x, tx) => probabilityAlive(m, x, x === 0 ? 0 : tx, T));
}

/** E[Y(t) | x, t_x, T]: expected purchases in the next t periods over the same grid. */
export function expectedPurchasesMatrix(m: PurchaseModel, t: number, maxFrequency: number, maxRecency: number, T = maxRecency): HistoryMatrix {
  return grid(maxFrequency, maxRecency, (x, tx) => conditionalExpectedPurchases(m, t, x, x === 0 ? 0 : tx, T));
}
