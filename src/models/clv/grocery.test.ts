import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMaximum } from '../../../test/helpers/clv.ts';
import { readCsv } from '../../../test/helpers/csv.ts';
import { shared } from '../../../test/helpers/workspace.ts';
import { conditionalExpectedPurchases, fitPurchaseModel, PURCHASE_MODELS } from './model.ts';
import { bgnbdLogLikelihood, type BgNbdParams } from './bgnbd.ts';
import { mbgnbdLogLikelihood } from './mbgnbd.ts';
import { paretonbdLogLikelihood, type ParetoNbdParams } from './paretonbd.ts';
import { toPatterns, type Pattern } from './patterns.ts';
import { validateHoldout } from './validation.ts';

const grocery = shared('btydplus-grocery/groceryElog.csv');

/** ln L of one pattern by the per-customer formulas (not the pattern-set sums the fit uses). */
function logLikelihoodOf(kind: string, p: Record<string, number>, q: Pattern): number {
  if (kind === 'paretonbd') return paretonbdLogLikelihood(p as unknown as ParetoNbdParams, q.x, q.tx, q.T);
  return (kind === 'bgnbd' ? bgnbdLogLikelihood : mbgnbdLogLikelihood)(p as unknown as BgNbdParams, q.x, q.tx, q.T);
}
const DAY = 86400000;

test('btydplus grocery (Platzer & Reutterer 2016): BG/NBD, MBG/NBD and Pareto/NBD converge with plausible estimates and forecast the 2007 holdout', { skip: grocery.skip }, () => {
  // the summary in weeks, calibration 2006, holdout 2007, computed here from the event log (one purchase per day)
  const days = new Map<string, Set<number>>();
  for (const [c, d] of readCsv(grocery.path).rows) {
    if (!days.has(c!)) days.set(c!, new Set());
    days.get(c!)!.add(Date.parse(`${d}T00:00:00Z`));
  }
  assert.equal(days.size, 1525);
  const cal = Date.parse('2006-12-31T00:00:00Z');
  const end = Date.parse('2007-12-30T00:00:00Z');
  const x: number[] = [];
  const tx: number[] = [];
  const T: number[] = [];
  const xh: number[] = [];
  for (const set of days.values()) {
    const ds = [...set].sort((a, b) => a - b);
    const inCal = ds.filter((d) => d <= cal);
    x.push(inCal.length - 1);
    tx.push((inCal.at(-1)! - ds[0]!) / DAY / 7);
    T.push((cal - ds[0]!) / DAY / 7);
    xh.push(ds.filter((d) => d > cal && d <= end).length);
  }
  const patterns = toPatterns(x, tx, T);
  for (const kind of PURCHASE_MODELS.filter((k) => k !== 'bgbb')) {
    const fit = fitPurchaseModel(kind, patterns);
    assert.ok(fit.converged, kind);
    assert.deepEqual(fit.warnings, [], kind);
    for (const [k, v] of Object.entries(fit.params)) {
      assert.ok(v > 0.05 && v < 50, `${kind} ${k} = ${v}`);
      const se = fit.standardErrors[k]!;
      assert.ok(se > 0 && se < v, `${kind} ${k}: standard error ${se} of ${v}`);
    }
    // measured: BG/NBD −15,836.6, MBG/NBD −15,781.9, Pareto/NBD −15,782.4
    assert.ok(fit.logLikelihood > -15900 && fit.logLikelihood < -15700, `${kind} LL ${fit.logLikelihood}`);
    // with no published estimates, the optimum itself is checked without the optimiser: gradient ≈ 0 and a
    // positive-definite Hessian of the likelihood (whose formula the hand-computed cases check)
    const names = Object.keys(fit.params);
    assertMaximum((t) => patterns.reduce((s, q) => s + q.weight * logLikelihoodOf(kind, Object.fromEntries(names.map((n, i) => [n, t[i]!])), q), 0), names.map((n) => fit.params[n]!), names);
    const m = { kind, params: fit.params };
    const v = validateHoldout(x, xh, x.map((xi, i) => conditionalExpectedPurchases(m, (end - cal) / DAY / 7, xi, tx[i]!, T[i]!)));
    // 3,389 purchase days in 2007; all three expect about 18 % more, and rank customers well (lift above 5)
    assert.equal(v.actualTotal, 3389);
    assert.ok(v.aggregateRelativeError > 0.1 && v.aggregateRelativeError < 0.25, `${kind}: ${v.aggregateRelativeError}`);
    assert.ok(v.topDecileLift > 5, `${kind}: lift ${v.topDecileLift}`);
  }
});
