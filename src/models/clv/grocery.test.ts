import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCsv } from '../../../test/helpers/csv.ts';
import { shared } from '../../../test/helpers/workspace.ts';
import { conditionalExpectedPurchases, fitPurchaseModel, PURCHASE_MODELS } from './model.ts';
import { toPatterns } from './patterns.ts';
import { validateHoldout } from './validation.ts';

const grocery = shared('btydplus-grocery/groceryElog.csv');
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
    const m = { kind, params: fit.params };
    const v = validateHoldout(x, xh, x.map((xi, i) => conditionalExpectedPurchases(m, (end - cal) / DAY / 7, xi, tx[i]!, T[i]!)));
    // 3,389 purchase days in 2007; all three expect about 18 % more, and rank customers well (lift above 5)
    assert.equal(v.actualTotal, 3389);
    assert.ok(v.aggregateRelativeError > 0.1 && v.aggregateRelativeError < 0.25, `${kind}: ${v.aggregateRelativeError}`);
    assert.ok(v.topDecileLift > 5, `${kind}: lift ${v.topDecileLift}`);
  }
});
