/**
 * Choosing a purchase model: BG/NBD, MBG/NBD and Pareto/NBD fitted on the same calibration patterns, compared on
 * the holdout (per-customer mean absolute error and RMSE of purchases, the error of the total) and on the
 * calibration data (log-likelihood, BIC = −2 ln L + k ln n, Schwarz 1978). The choice: the lowest holdout MAE
 * among the fits that are not degenerate (all fits when every one is), the lower BIC breaking near-ties (MAE
 * within 0.5 %); without a holdout, the lowest BIC among the non-degenerate fits. docs/models.md ("Choosing the
 * model") explains it.
 */
import { SegmintError } from '../../core/errors.ts';
import { diagnoseFit, type FitDiagnostics } from './diagnostics.ts';
import { conditionalExpectedPurchases, fitPurchaseModel, MODEL_NAMES, type PurchaseFit, type PurchaseModelKind } from './model.ts';
import { groupPatterns, patternSet, type Pattern, type PatternSet } from './patterns.ts';
import type { FitJob, FitJobResult } from './fit-worker.ts';
import { Worker } from 'node:worker_threads';
import { validateHoldout, type HoldoutValidation } from './validation.ts';

/** The models `--model auto` compares (BG/BB is for discrete opportunities and is fitted when asked for). */
export const AUTO_MODELS: readonly PurchaseModelKind[] = ['bgnbd', 'mbgnbd', 'paretonbd'];

/** Relative MAE difference under which the lower BIC decides. */
export const MAE_TIE = 0.005;
/** BIC differences below this are ties, kept by the order of AUTO_MODELS (BG/NBD first). */
export const BIC_TIE = 1e-3;

export interface ModelCandidate {
  model: PurchaseModelKind;
  name: string;
  /** the calibration fit, or why there is none */
  fit?: PurchaseFit;
  error?: string;
  diagnostics?: FitDiagnostics;
  bic?: number;
  validation?: HoldoutValidation;
}

export interface ModelComparisonRow {
  model: PurchaseModelKind;
  name: string;
  fitted: boolean;
  /** why the model could not be fitted */
  error: string | null;
  logLikelihood: number | null;
  bic: number | null;
  degenerate: boolean | null;
  /** issue codes of the fit's diagnostics */
  issues: string[];
  meanAbsoluteError: number | null;
  rootMeanSquaredError: number | null;
  /** predicted total − actual total over the holdout, relative to the actual */
  totalError: number | null;
  predictedTotal: number | null;
  actualTotal: number | null;
  chosen: boolean;
}

export interface ModelChoice {
  /** what decided: the holdout's per-customer MAE, or BIC when there is no holdout */
  by: 'holdout' | 'bic';
  chosen: PurchaseModelKind;
  reason: string;
  rows: ModelComparisonRow[];
}

export interface CalibrationData {
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  T: ArrayLike<number>;
  weights?: ArrayLike<number>;
  /** holdout purchases per customer and the holdout length in periods (one row per customer) */
  holdout?: { x: ArrayLike<number>; periods: number };
}

/** Holdout validation of a fitted model: each customer's conditional expectation over the holdout against what they did. */
export function holdoutOf(kind: PurchaseModelKind, params: Record<string, number>, d: CalibrationData): HoldoutValidation {
  const { patterns, of } = groupPatterns(d.x, d.tx, d.T);
  const m = { kind, params };
  const perPattern = patterns.map((p) => conditionalExpectedPurchases(m, d.holdout!.periods, p.x, p.tx, p.T));
  return validateHoldout(d.x, d.holdout!.x, Array.from(of, (j) => perPattern[j]!));
}

export interface CandidateOptions {
  penalizer?: number;
  kinds?: readonly PurchaseModelKind[];
  /** the calibration data's pattern set, when the caller has it already */
  patterns?: PatternSet;
}

/** A candidate from its fit and diagnosis (or the error that kept it from being fitted): BIC, holdout validation. */
function candidateOf(kind: PurchaseModelKind, r: FitJobResult, n: number, d: CalibrationData): ModelCandidate {
  const c: ModelCandidate = { model: kind, name: MODEL_NAMES[kind] };
  if ('crash' in r) throw new Error(`fitting ${MODEL_NAMES[kind]} failed: ${r.crash}`);
  if ('error' in r) {
    c.error = r.error;
    return c;
  }
  c.fit = r.fit;
  c.diagnostics = r.diagnostics;
  c.bic = -2 * c.fit.logLikelihood + Object.keys(c.fit.params).length * Math.log(n);
  if (d.holdout) c.validation = holdoutOf(kind, c.fit.params, d);
  return c;
}

/** Fit every model of `kinds` on the calibration data; a model that cannot be fitted keeps its error. */
export function fitCandidates(d: CalibrationData, options: CandidateOptions = {}): ModelCandidate[] {
  // one pattern set for every fit and diagnosis: its distinct values (and Pareto/NBD's pairs) are indexed once
  const patterns = options.patterns ?? patternSet(d.x, d.tx, d.T, d.weights);
  return (options.kinds ?? AUTO_MODELS).map((kind) => candidateOf(kind, fitOnSet(kind, patterns, options.penalizer), patterns.total, d));
}

function fitOnSet(kind: PurchaseModelKind, patterns: PatternSet, penalizer: number | undefined): FitJobResult {
  try {
    const fit = fitPurchaseModel(kind, patterns, { penalizer, allowFlat: true });
    return { fit, diagnostics: diagnoseFit(kind, fit, patterns) };
  } catch (e) {
    if (!(e instanceof SegmintError)) throw e;
    return { error: e.message };
  }
}

/** The model fitCandidatesInParallel fits in a worker thread: the costliest of the three (its ₂F₁ per pair). */
export const IN_WORKER: PurchaseModelKind = 'paretonbd';

/**
 * A worker thread for one fit (fit-worker.ts), started before its job is known: a new thread loads its modules
 * (about 0.1 s), which `clv fit --model auto` lets it do while the engine computes the summary. `fit` posts the
 * job once; `close` ends the thread (always call it: a started thread keeps the process alive).
 */
export interface FitWorker {
  /**
   * the fit and its diagnosis, or undefined when the worker could not start or died (fit in this thread then); the
   * answer to the job `post` sent when it was of the same model
   */
  fit(kind: PurchaseModelKind, patterns: PatternSet, penalizer: number | undefined): Promise<FitJobResult | undefined>;
  /**
   * the job sent before this thread has its pattern set: the rows distinct and in (x, t_x, T) order (a grouped read),
   * which the worker indexes itself while this thread does (clv fit: the worker starts its fit sooner)
   */
  post(kind: PurchaseModelKind, sorted: { x: Float64Array; tx: Float64Array; T: Float64Array; weight: Float64Array }, penalizer: number | undefined): void;
  close(): void;
}

/** Start a fit worker; undefined when no worker can be started. */
export function startFitWorker(): FitWorker | undefined {
  let worker: Worker;
  try {
    // compiled, the worker is fit-worker.js beside this file; run from the sources (tests, tsx), fit-worker.ts, which a
    // worker loads only once it has registered tsx's loader itself (Node 20 does not pass --import tsx's hooks on)
    const sources = import.meta.url.endsWith('.ts');
    const url = new URL(sources ? './fit-worker.ts' : './fit-worker.js', import.meta.url);
    worker = sources
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true })
      : new Worker(url);
  } catch {
    return undefined;
  }
  // listened to from the start: a worker that fails to load before its job is posted answers undefined too
  const answer = new Promise<FitJobResult | undefined>((resolve) => {
    worker.once('message', (r: FitJobResult) => resolve(r));
    // a worker that cannot load or dies: the fit is made in this thread instead
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
  let posted: { kind: PurchaseModelKind; penalizer: number | undefined } | undefined;
  return {
    post: (kind, sorted, penalizer) => {
      if (posted) throw new Error('startFitWorker: one job per worker');
      posted = { kind, penalizer };
      const job: FitJob = { kind, x: sorted.x, tx: sorted.tx, T: sorted.T, weight: sorted.weight, penalizer, sorted: true };
      worker.postMessage(job);
    },
    fit: (kind, patterns, penalizer) => {
      if (posted) {
        if (posted.kind === kind && posted.penalizer === penalizer) return answer;
        throw new Error('startFitWorker: one job per worker');
      }
      posted = { kind, penalizer };
      const { ux, xi, utx, txi, uT, Ti, total } = patterns;
      const job: FitJob = { kind, x: patterns.x, tx: patterns.tx, T: patterns.T, weight: patterns.weight, penalizer, index: { ux, xi, utx, txi, uT, Ti, total } };
      worker.postMessage(job);
      return answer;
    },
    close: () => void worker.terminate(),
  };
}

/** Fit `kind` in a worker thread (fit-worker.ts); undefined when no worker can be started. */
export async function fitInWorker(kind: PurchaseModelKind, patterns: PatternSet, penalizer: number | undefined, started?: FitWorker): Promise<FitJobResult | undefined> {
  const w = started ?? startFitWorker();
  if (!w) return undefined;
  try {
    return await w.fit(kind, patterns, penalizer);
  } finally {
    w.close();
  }
}

export interface ParallelOptions extends CandidateOptions {
  /** a worker started earlier (startFitWorker): used for the worker's fit and closed after it */
  worker?: FitWorker;
  /** more work for this thread while the worker fits (clv fit: Gamma-Gamma), run after this thread's fits */
  meanwhile?: () => void;
}

/**
 * fitCandidates with the costliest fit (Pareto/NBD) in a worker thread while the others run in this one: on two
 * cores `--model auto` takes about as long as its slowest fit. The same fits, the same numbers, the same order;
 * where no worker can run, everything in this thread.
 */
export async function fitCandidatesInParallel(d: CalibrationData, options: ParallelOptions = {}): Promise<ModelCandidate[]> {
  const patterns = options.patterns ?? patternSet(d.x, d.tx, d.T, d.weights);
  const kinds = options.kinds ?? AUTO_MODELS;
  const away = kinds.includes(IN_WORKER) ? fitInWorker(IN_WORKER, patterns, options.penalizer, options.worker) : undefined;
  if (!away) options.worker?.close();
  const here = new Map(kinds.filter((k) => !(away && k === IN_WORKER)).map((k) => [k, fitOnSet(k, patterns, options.penalizer)] as const));
  options.meanwhile?.();
  const remote = away ? (await away) ?? fitOnSet(IN_WORKER, patterns, options.penalizer) : undefined;
  return kinds.map((k) => candidateOf(k, here.get(k) ?? remote!, patterns.total, d));
}

const f3 = (x: number) => x.toFixed(3);
const sgn = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} %`;

/** Choose among fitted candidates (see the file comment) and explain the choice. */
export function chooseModel(candidates: readonly ModelCandidate[]): ModelChoice {
  const fitted = candidates.filter((c) => c.fit);
  if (fitted.length === 0) {
    throw new SegmintError('convergence-error', `no purchase model could be fitted: ${candidates.map((c) => `${c.name}: ${c.error}`).join('; ')}`, {
      hint: 'check the summary (period, calibration end: do customers have repeat purchases?) or add a small penalty such as --penalizer 0.1', exitCode: 1,
    });
  }
  const sound = fitted.filter((c) => !c.diagnostics!.degenerate);
  const pool = sound.length ? sound : fitted;
  const byHoldout = pool.every((c) => c.validation);
  let chosen: ModelCandidate;
  if (byHoldout) {
    const best = Math.min(...pool.map((c) => c.validation!.meanAbsoluteError));
    const near = pool.filter((c) => c.validation!.meanAbsoluteError <= best * (1 + MAE_TIE) + 1e-12);
    chosen = near.reduce((a, b) => (b.bic! < a.bic! - BIC_TIE ? b : a));
  } else chosen = pool.reduce((a, b) => (b.bic! < a.bic! - BIC_TIE ? b : a));
  const parts: string[] = [];
  const failed = candidates.filter((c) => !c.fit);
  const degenerate = fitted.filter((c) => c.diagnostics!.degenerate);
  if (byHoldout) {
    const v = chosen.validation!;
    const lowest = pool.reduce((a, b) => (b.validation!.meanAbsoluteError < a.validation!.meanAbsoluteError ? b : a));
    const others = pool.filter((c) => c !== chosen);
    const list = others.length ? `; ${others.map((c) => `${c.name} ${f3(c.validation!.meanAbsoluteError)}`).join(', ')}` : '';
    if (lowest === chosen) parts.push(`${chosen.name} has the lowest mean absolute error per customer on the holdout (${f3(v.meanAbsoluteError)}${list}), RMSE ${f3(v.rootMeanSquaredError)}, total ${sgn(v.aggregateRelativeError)}`);
    else if (Math.abs(lowest.bic! - chosen.bic!) < BIC_TIE) parts.push(`${chosen.name} has the lowest mean absolute error per customer on the holdout to 0.5 % (${f3(v.meanAbsoluteError)}${list}), RMSE ${f3(v.rootMeanSquaredError)}, total ${sgn(v.aggregateRelativeError)}`);
    else parts.push(`${chosen.name}'s mean absolute error per customer on the holdout (${f3(v.meanAbsoluteError)}${list}) is within 0.5 % of the lowest, and its BIC is lower (${chosen.bic!.toFixed(1)} against ${lowest.bic!.toFixed(1)} for ${lowest.name}); RMSE ${f3(v.rootMeanSquaredError)}, total ${sgn(v.aggregateRelativeError)}`);
    const same = others.filter((c) => Math.abs(c.bic! - chosen.bic!) < BIC_TIE && c.validation!.meanAbsoluteError <= v.meanAbsoluteError * (1 + MAE_TIE) + 1e-12);
    if (same.length) parts.push(`${same.map((c) => c.name).join(' and ')} ${same.length > 1 ? 'have' : 'has'} the same errors and BIC (${chosen.bic!.toFixed(1)}): the fits are the same model in effect, so the first listed is kept`);
    else {
      const tied = others.filter((c) => c.validation!.meanAbsoluteError <= v.meanAbsoluteError * (1 + MAE_TIE) + 1e-12 && c.validation!.meanAbsoluteError >= v.meanAbsoluteError);
      if (tied.length && lowest === chosen) parts.push(`${tied.map((c) => c.name).join(' and ')} ${tied.length > 1 ? 'are' : 'is'} within 0.5 % of it, with a higher BIC`);
    }
  } else {
    parts.push(`there is no holdout (give --calibration-end to compare the models on later purchases), so the choice is the lowest BIC: ${chosen.name} ${chosen.bic!.toFixed(1)}${pool.filter((c) => c !== chosen).map((c) => `, ${c.name} ${c.bic!.toFixed(1)}`).join('')}`);
  }
  if (sound.length && degenerate.length) parts.push(`left out as degenerate: ${degenerate.map((c) => `${c.name} (${c.diagnostics!.issues.map((i) => i.code).join(', ')})`).join('; ')}`);
  if (!sound.length) parts.push(`every model's fit is degenerate (${degenerate.map((c) => `${c.name}: ${c.diagnostics!.issues.map((i) => i.code).join(', ')}`).join('; ')}), so the predictions carry the warnings below`);
  if (failed.length) parts.push(`not fitted: ${failed.map((c) => `${c.name} (${c.error})`).join('; ')}`);
  const rows: ModelComparisonRow[] = candidates.map((c) => ({
    model: c.model, name: c.name, fitted: !!c.fit, error: c.error ?? null,
    logLikelihood: c.fit ? c.fit.logLikelihood : null, bic: c.bic ?? null,
    degenerate: c.diagnostics ? c.diagnostics.degenerate : null, issues: c.diagnostics ? c.diagnostics.issues.map((i) => i.code) : [],
    meanAbsoluteError: c.validation?.meanAbsoluteError ?? null, rootMeanSquaredError: c.validation?.rootMeanSquaredError ?? null,
    totalError: c.validation ? c.validation.aggregateRelativeError : null, predictedTotal: c.validation?.predictedTotal ?? null, actualTotal: c.validation?.actualTotal ?? null,
    chosen: c === chosen,
  }));
  return { by: byHoldout ? 'holdout' : 'bic', chosen: chosen.model, reason: `${parts.join('; ')}.`, rows };
}

/** Patterns of the calibration data (for diagnostics of a chosen fit). */
export function calibrationPatterns(d: CalibrationData): Pattern[] {
  return groupPatterns(d.x, d.tx, d.T, d.weights).patterns;
}
