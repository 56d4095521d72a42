/**
 * One interface over the purchase models, so the pipeline, the CLI and the report do not care which one
 * was fitted: fit from patterns, and per customer P(alive), expected purchases in the next t periods, the
 * expected purchase rate while alive; at population level the expected repeat purchases E[X(t)].
 */
import { SegmintError } from '../../core/errors.ts';
import { bgbbConditionalExpected, bgbbExpected, bgbbPAlive, fitBgBb, type BgBbParams } from './bgbb.ts';
import { bgnbdConditionalExpected, bgnbdExpected, bgnbdExpectedIfAlive, bgnbdPAlive, fitBgNbd, type BgNbdParams } from './bgnbd.ts';
import type { FitOptions, MleFit } from './fit.ts';
import { fitMbgNbd, mbgnbdConditionalExpected, mbgnbdExpected, mbgnbdExpectedIfAlive, mbgnbdPAlive } from './mbgnbd.ts';
import { fitParetoNbd, paretonbdConditionalExpected, paretonbdExpected, paretonbdExpectedIfAlive, paretonbdPAlive, paretonbdSetPAlive, type ParetoNbdParams } from './paretonbd.ts';
import { toPatternSet, type Pattern, type PatternSet } from './patterns.ts';
import { bgnbdProbabilityOfPurchases, mbgnbdProbabilityOfPurchases, paretonbdProbabilityOfPurchases } from './pmf.ts';
import { bgbbProbabilityOfPurchases } from './bgbb.ts';

/** The purchase models, as `--model` names them. */
export const PURCHASE_MODELS = ['bgnbd', 'mbgnbd', 'paretonbd', 'bgbb'] as const;
export type PurchaseModelKind = (typeof PURCHASE_MODELS)[number];

/** The names the papers use. */
export const MODEL_NAMES: Readonly<Record<PurchaseModelKind, string>> = { bgnbd: 'BG/NBD', mbgnbd: 'MBG/NBD', paretonbd: 'Pareto/NBD', bgbb: 'BG/BB' };

/** A fitted purchase model: plain JSON, so it can be stored and read back. */
export interface PurchaseModel {
  kind: PurchaseModelKind;
  params: Record<string, number>;
}

export type PurchaseFit = MleFit & { kind: PurchaseModelKind; customers: number; patterns: number };

/** `--model` text to a model kind, or an `invalid-option` error listing the choices. */
export function parseModelKind(s: string): PurchaseModelKind {
  if ((PURCHASE_MODELS as readonly string[]).includes(s)) return s as PurchaseModelKind;
  throw new SegmintError('invalid-option', `--model ${s}: expected one of ${PURCHASE_MODELS.join(', ')}`, { hint: 'bgnbd is the usual choice; bgbb is for discrete opportunities such as annual donations' });
}

/** `--model` text to a model kind or `auto` (compare BG/NBD, MBG/NBD and Pareto/NBD on the holdout). */
export function parseModelOption(s: string): PurchaseModelKind | 'auto' {
  if (s === 'auto') return 'auto';
  if ((PURCHASE_MODELS as readonly string[]).includes(s)) return s as PurchaseModelKind;
  throw new SegmintError('invalid-option', `--model ${s}: expected auto or one of ${PURCHASE_MODELS.join(', ')}`, { hint: 'auto (the default) compares bgnbd, mbgnbd and paretonbd; bgbb is for discrete opportunities such as annual donations' });
}

/**
 * Fit `kind` on patterns (for BG/BB, T holds the number of opportunities n); a PatternSet is used as it is (one set
 * shared by several fits and their diagnostics indexes its distinct values once).
 */
export function fitPurchaseModel(kind: PurchaseModelKind, patterns: readonly Pattern[] | PatternSet, options: FitOptions = {}): PurchaseFit {
  const set = 'size' in patterns ? patterns : undefined;
  const size = set ? set.size : (patterns as readonly Pattern[]).length;
  if (size === 0) throw new SegmintError('empty-summary', 'no customers to fit', { hint: 'import transactions first, or check the calibration end date', exitCode: 1 });
  const s = set ?? toPatternSet(patterns as readonly Pattern[]);
  const fit: MleFit = kind === 'bgnbd' ? fitBgNbd(s, options)
    : kind === 'mbgnbd' ? fitMbgNbd(s, options)
      : kind === 'paretonbd' ? fitParetoNbd(s, options)
        : fitBgBb(Array.from({ length: s.size }, (_, i) => ({ x: s.x[i]!, tx: s.tx[i]!, n: s.T[i]!, weight: s.weight[i]! })), options);
  return { ...fit, kind, customers: s.total, patterns: size };
}

const asBgNbd = (p: Record<string, number>) => p as unknown as BgNbdParams;
const asParetoNbd = (p: Record<string, number>) => p as unknown as ParetoNbdParams;
const asBgBb = (p: Record<string, number>) => p as unknown as BgBbParams;

/** P(alive | x, t_x, T) at the end of calibration. */
export function probabilityAlive(m: PurchaseModel, x: number, tx: number, T: number): number {
  switch (m.kind) {
    case 'bgnbd': return bgnbdPAlive(asBgNbd(m.params), x, tx, T);
    case 'mbgnbd': return mbgnbdPAlive(asBgNbd(m.params), x, tx, T);
    case 'paretonbd': return paretonbdPAlive(asParetoNbd(m.params), x, tx, T);
    case 'bgbb': return bgbbPAlive(asBgBb(m.params), x, tx, T);
  }
}

/** probabilityAlive of every pattern of a set (Pareto/NBD with its ₂F₁ once per distinct (x, t_x) and (x, T)). */
export function probabilityAliveOfSet(m: PurchaseModel, set: PatternSet): Float64Array {
  if (m.kind === 'paretonbd') return paretonbdSetPAlive(asParetoNbd(m.params), set);
  const out = new Float64Array(set.size);
  for (let i = 0; i < set.size; i++) out[i] = probabilityAlive(m, set.x[i]!, set.tx[i]!, set.T[i]!);
  return out;
}

/** E[Y(t) | x, t_x, T]: expected purchases in the next t periods (BG/BB: the next t opportunities, rounded). */
export function conditionalExpectedPurchases(m: PurchaseModel, t: number, x: number, tx: number, T: number): number {
  switch (m.kind) {
    case 'bgnbd': return bgnbdConditionalExpected(asBgNbd(m.params), t, x, tx, T);
    case 'mbgnbd': return mbgnbdConditionalExpected(asBgNbd(m.params), t, x, tx, T);
    case 'paretonbd': return paretonbdConditionalExpected(asParetoNbd(m.params), t, x, tx, T);
    case 'bgbb': return bgbbConditionalExpected(asBgBb(m.params), Math.round(t), x, tx, T);
  }
}

/**
 * E[Y(t) | alive, x, T] for the continuous-time models, whose conditional expectation is this times P(alive)
 * and does not depend on t_x (so predictions compute it once per (x, T)); undefined for BG/BB.
 */
export function expectedPurchasesIfAlive(m: PurchaseModel, t: number, x: number, T: number): number | undefined {
  switch (m.kind) {
    case 'bgnbd': return bgnbdExpectedIfAlive(asBgNbd(m.params), t, x, T);
    case 'mbgnbd': return mbgnbdExpectedIfAlive(asBgNbd(m.params), t, x, T);
    case 'paretonbd': return paretonbdExpectedIfAlive(asParetoNbd(m.params), t, x, T);
    case 'bgbb': return undefined;
  }
}

/** E[X(t)]: expected repeat purchases of a new customer in (0, t] — the population curve. */
export function expectedRepeatPurchases(m: PurchaseModel, t: number): number {
  switch (m.kind) {
    case 'bgnbd': return bgnbdExpected(asBgNbd(m.params), t);
    case 'mbgnbd': return mbgnbdExpected(asBgNbd(m.params), t);
    case 'paretonbd': return paretonbdExpected(asParetoNbd(m.params), t);
    case 'bgbb': return bgbbExpected(asBgBb(m.params), Math.round(t));
  }
}

/** P(X(t) = n): the probability that a new customer makes n repeat purchases in (0, t] (BG/BB: in t opportunities). */
export function probabilityOfPurchases(m: PurchaseModel, t: number, n: number): number {
  switch (m.kind) {
    case 'bgnbd': return bgnbdProbabilityOfPurchases(asBgNbd(m.params), t, n);
    case 'mbgnbd': return mbgnbdProbabilityOfPurchases(asBgNbd(m.params), t, n);
    case 'paretonbd': return paretonbdProbabilityOfPurchases(asParetoNbd(m.params), t, n);
    case 'bgbb': return bgbbProbabilityOfPurchases(asBgBb(m.params), Math.round(t), n);
  }
}

/**
 * The expected purchase rate per period of a customer who is still alive, given the history: the mean of
 * the posterior Gamma(r + x, α + T) of λ (BG/BB: of the Beta(α + x, β + n − x) of p).
 */
export function rateIfAlive(m: PurchaseModel, x: number, T: number): number {
  const p = m.params;
  return m.kind === 'bgbb' ? (p.alpha! + x) / (p.alpha! + p.beta! + T) : (p.r! + x) / (p.alpha! + T);
}
