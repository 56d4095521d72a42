/**
 * Worker thread for `--model auto` (choose.ts, fitCandidatesInParallel): fits one purchase model on a pattern set
 * sent as columns and diagnoses it, so that the costliest fit runs on the second core while the others run on the
 * main thread. The same code and the same data as in the main thread: the same numbers.
 */
import { parentPort } from 'node:worker_threads';
import { SegmintError } from '../../core/errors.ts';
import { diagnoseFit, type FitDiagnostics } from './diagnostics.ts';
import { fitPurchaseModel, type PurchaseFit, type PurchaseModelKind } from './model.ts';
import { patternSetOfColumns, patternSetOfSorted, type PatternSet } from './patterns.ts';

export interface FitJob {
  kind: PurchaseModelKind;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  penalizer?: number;
  /**
   * the pattern set's distinct values and indexes, as the sending thread has them (choose.ts sends them): not
   * recomputed here, where the fit is the `--model auto` fit's critical path; computed when absent
   */
  index?: Pick<PatternSet, 'ux' | 'xi' | 'utx' | 'txi' | 'uT' | 'Ti' | 'total'>;
  /**
   * without an index: the rows are distinct and in (x, t_x, T) order (a grouped read of the warehouse), indexed here
   * by patternSetOfSorted as the main thread indexes them meanwhile (clv fit posts them as soon as they are read)
   */
  sorted?: boolean;
}

/** The fit and its diagnosis, the message of a SegmintError (the model could not be fitted), or another failure. */
export type FitJobResult = { fit: PurchaseFit; diagnostics: FitDiagnostics } | { error: string } | { crash: string };

export function runFitJob(job: FitJob): FitJobResult {
  const set: PatternSet = job.index ? { size: job.x.length, x: job.x, tx: job.tx, T: job.T, weight: job.weight, ...job.index }
    : job.sorted ? patternSetOfSorted(job.x, job.tx, job.T, job.weight, true) : patternSetOfColumns(job.x, job.tx, job.T, job.weight);
  try {
    const fit = fitPurchaseModel(job.kind, set, { penalizer: job.penalizer, allowFlat: true });
    return { fit, diagnostics: diagnoseFit(job.kind, fit, set) };
  } catch (e) {
    if (e instanceof SegmintError) return { error: e.message };
    return { crash: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
  }
}

parentPort?.once('message', (job: FitJob) => {
  parentPort!.postMessage(runFitJob(job));
});
