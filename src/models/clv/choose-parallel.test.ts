import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cdnowPatterns, cdnowSummary } from '../../../test/helpers/clv.ts';
import { patternSet } from './patterns.ts';
import { fitCandidates, fitCandidatesInParallel, fitInWorker, startFitWorker } from './choose.ts';
import { runFitJob } from './fit-worker.ts';

test('fitCandidatesInParallel (Pareto/NBD in a worker thread) gives exactly fitCandidates\' fits, diagnoses and BIC on CDNOW', { skip: cdnowSummary.skip }, async () => {
  const p = cdnowPatterns();
  const d = { x: p.map((q) => q.x), tx: p.map((q) => q.tx), T: p.map((q) => q.T), weights: p.map((q) => q.weight) };
  const parallel = await fitCandidatesInParallel(d);
  const sequential = fitCandidates(d);
  assert.deepEqual(parallel.map((c) => c.model), ['bgnbd', 'mbgnbd', 'paretonbd']);
  assert.ok(parallel.every((c) => c.fit && c.diagnostics && Number.isFinite(c.bic)), 'all three fitted');
  assert.deepEqual(parallel, sequential);
  // Fader & Hardie's note: Pareto/NBD LL = −9595.0 on CDNOW
  assert.equal(Number(parallel[2]!.fit!.logLikelihood.toFixed(1)), -9595.0);
});

test('fitInWorker: the worker thread starts (from the sources too) and returns the fit made in this thread', { skip: cdnowSummary.skip }, async () => {
  const p = cdnowPatterns();
  const set = patternSet(p.map((q) => q.x), p.map((q) => q.tx), p.map((q) => q.T), p.map((q) => q.weight));
  const away = await fitInWorker('paretonbd', set, undefined);
  assert.ok(away && 'fit' in away, `the worker answered: ${JSON.stringify(away)?.slice(0, 200)}`);
  assert.deepEqual(away, runFitJob({ kind: 'paretonbd', x: set.x, tx: set.tx, T: set.T, weight: set.weight }));
});

test('a worker sent sorted rows before this thread indexes them (clv fit) answers with the same fit; a second job is refused', { skip: cdnowSummary.skip }, async () => {
  const p = cdnowPatterns();
  const set = patternSet(p.map((q) => q.x), p.map((q) => q.tx), p.map((q) => q.T), p.map((q) => q.weight));
  const w = startFitWorker()!;
  try {
    // patternSet's rows are distinct and in (x, t_x, T) order, as a grouped read gives them
    w.post('paretonbd', { x: set.x.slice(), tx: set.tx.slice(), T: set.T.slice(), weight: set.weight.slice() }, undefined);
    assert.throws(() => w.fit('bgnbd', set, undefined), /one job per worker/);
    const away = await w.fit('paretonbd', set, undefined);
    assert.deepEqual(away, runFitJob({ kind: 'paretonbd', x: set.x, tx: set.tx, T: set.T, weight: set.weight }));
  } finally {
    w.close();
  }
});
