/**
 * The CLV section: the fitted models with standard errors, calibration against holdout, heat maps of
 * expected purchases and P(alive) over frequency × recency, churn-risk tiers, and CLV by RFM segment.
 */
import type { ClvFitResult, ClvPredictResult } from '../pipeline/clv.ts';
import type { Db } from '../store/workspace.ts';
import { all, one } from '../pipeline/run-query.ts';
import { compile } from '../sql/compile.ts';
import { and, avg, cast, col, count, eq, floor, div, index, isNotNull, jsonGet, least, lit, max, median, num as n, quantiles, select, subquery, sum, table, type Expr } from '../sql/ir.ts';
import { barsH, heatmap, histogram, logBins, pairedBars, timeSeries, withUnit } from './charts.ts';
import { esc, htmlTable, kpis, money, num, pct, sig, type ReportSection } from './html.ts';
import { actionFor } from '../models/actions.ts';

const FREQ_CAP = 8;
const RECENCY_BINS = 6;

/** The latest run of `kind` (with its summary as text), optionally only those where `where` holds. */
const latestRun = (kind: string, where?: Expr) => select({
  select: [{ expr: col('run_id'), as: 'run_id' }, { expr: cast(col('summary'), 'varchar'), as: 'summary' }],
  from: table('runs'), where: where ? and(eq(col('kind'), lit(kind)), where) : eq(col('kind'), lit(kind)),
  orderBy: [{ expr: col('run_id'), desc: true }], limit: 1,
});


function paramTable(m: { params: Record<string, number>; standardErrors: Record<string, number | null> }): string {
  return htmlTable(['parameter', 'estimate', 'std. error'], Object.entries(m.params).map(([k, v]) => [k, sig(v), sig(m.standardErrors[k])]));
}

/** Section for the latest CLV fit (and the latest prediction run, when there is one), or undefined. */
export async function clvSection(db: Db, options: { currency?: string; actions?: Record<string, string> } = {}): Promise<ReportSection | undefined> {
  const fitRun = await one<{ run_id: number; summary: string }>(db, latestRun('clv'));
  if (!fitRun) return undefined;
  const fit = JSON.parse(fitRun.summary) as ClvFitResult;
  // the latest predictions made from this fit (an older fit's would not match the parameters shown)
  const predRun = await one<{ run_id: number; summary: string }>(db, latestRun('clv-predict', eq(jsonGet(col('params'), 'fitRunId', 'number'), n(Number(fitRun.run_id)))));
  const pred = predRun ? (JSON.parse(predRun.summary) as ClvPredictResult) : undefined;
  const cur = options.currency;
  const parts: string[] = [];
  const p = fit.purchase;
  parts.push(`<p>Run ${fitRun.run_id}: the <b>${esc(p.name)}</b> purchase model${fit.spend ? ' and the Gamma-Gamma spend model' : ''} fitted on ${num(p.customers)} customers (${num(p.patterns)} distinct frequency, recency and age patterns), in ${esc(fit.period)}s, with purchases up to ${esc(fit.calibrationEnd ?? '')}${fit.holdoutEnd ? ` and the holdout to ${esc(fit.holdoutEnd)}` : ''}. Log-likelihood ${num(p.logLikelihood, 1)}, ${p.converged ? 'converged' : 'not converged'}. Definitions and references: docs/models.md.</p>`);
  const d = fit.refit?.diagnostics ?? fit.diagnostics;
  if (fit.diagnostics?.degenerate || fit.refit?.diagnostics.degenerate || fit.diagnostics?.weak) {
    const issues = [...(fit.diagnostics?.issues ?? []), ...(fit.refit ? fit.refit.diagnostics.issues.map((i) => ({ ...i, message: `refitted on all purchases: ${i.message}` })) : [])];
    parts.push(`<div class="warn"><p><b>${fit.diagnostics?.degenerate || fit.refit?.diagnostics.degenerate ? `The ${esc(p.name)} fit is degenerate: read its P(alive) and churn figures with the notes below.` : `The ${esc(p.name)} fit is weak.`}</b></p><ul>${
      issues.map((i) => `<li>${esc(i.message)}. <i>What it means:</i> ${esc(i.meaning)}. <i>What to do:</i> ${esc(i.advice)}.</li>`).join('')}</ul></div>`);
  }
  if (fit.choice) {
    const c = fit.choice;
    parts.push(htmlTable(['model', 'log-likelihood', 'BIC', 'holdout MAE', 'holdout RMSE', 'holdout total error', 'fit', 'chosen'], c.rows.map((x) => [
      x.name, x.logLikelihood === null ? '–' : num(x.logLikelihood, 1), x.bic === null ? '–' : num(x.bic, 1),
      x.meanAbsoluteError === null ? '–' : num(x.meanAbsoluteError, 3), x.rootMeanSquaredError === null ? '–' : num(x.rootMeanSquaredError, 3),
      x.totalError === null ? '–' : pct(x.totalError), !x.fitted ? `not fitted: ${x.error ?? ''}` : x.degenerate ? `degenerate (${x.issues.join(', ')})` : x.issues.length ? x.issues.join(', ') : 'sound', x.chosen ? 'chosen' : '',
    ]), `Model choice (--model auto), by ${c.by === 'holdout' ? 'the holdout' : 'BIC'}: ${c.reason}${fit.refit ? ` Predictions use ${fit.refit.name} refitted on all purchases to ${fit.holdoutEnd ?? ''}.` : ''}`));
  }
  if (pred) {
    parts.push(kpis([
      { label: 'customers predicted', value: num(pred.customers.predicted), note: pred.customers.excluded ? `${num(pred.customers.excluded)} without a CLV` : undefined },
      { label: `expected purchases, next ${pred.horizon} ${pred.unit}s`, value: num(pred.totals.expectedPurchases) },
      { label: `CLV, next ${pred.horizon} ${pred.unit}s`, value: money(pred.totals.clv, cur, 0), note: `discount ${pred.monthlyDiscountRate !== undefined ? `${pct(pred.monthlyDiscountRate)} a month` : `${pct(pred.discountRate)} a year`}, margin ${pct(pred.margin, 0)}` },
      { label: 'mean P(alive)', value: pct(pred.totals.meanPAlive), note: pred.pAliveInformative === false ? 'not informative' : undefined },
    ]));
  }
  parts.push('<div class="grid2">');
  parts.push(`<div><h3>${esc(p.name)}</h3>${paramTable(p)}</div>`);
  if (fit.spend) parts.push(`<div><h3>Gamma-Gamma</h3>${paramTable(fit.spend)}<p class="note">${num(fit.spend.customers)} repeat buyers; excluded ${num(fit.spend.excluded.noRepeatPurchases)} without repeat purchases and ${num(fit.spend.excluded.nonPositiveSpend)} with non-positive spend. Frequency–spend correlation ${num(fit.spend.frequencySpendCorrelation, 2)} (the model assumes none).</p></div>`);
  parts.push('</div>');
  const v = fit.validation;
  if (v) {
    parts.push('<div class="grid2">');
    parts.push(pairedBars(v.byFrequency.map((g) => ({ label: `${g.frequency} repeat${g.frequency === '1' ? '' : 's'} (${num(g.customers)})`, a: g.actualMean, b: g.predictedMean })), ['holdout: made', 'holdout: expected'], {
      title: 'Calibration against holdout', xLabel: `purchases per customer in the ${num(v.holdoutPeriods, 1)}-${fit.period} holdout`, width: 620, format: (x) => num(x, 2),
      caption: `Customers grouped by their repeat purchases in the calibration period: purchases they made in the holdout against the model's conditional expectation. In all, ${num(v.actualTotal)} made and ${num(v.predictedTotal)} expected (${pct(v.aggregateRelativeError)}).`,
    }));
    parts.push(htmlTable(['decile', 'customers', 'expected', 'made', 'share of purchases'], v.deciles.map((d) => [d.decile, d.customers, num(d.predictedMean, 2), num(d.actualMean, 2), pct(d.shareOfActual)]),
      `Deciles of the expected holdout purchases (1 = highest). Top-decile lift ${num(v.topDecileLift, 2)}; mean absolute error per customer ${num(v.meanAbsoluteError, 3)}, RMSE ${num(v.rootMeanSquaredError, 3)}.`));
    parts.push('</div>');
  }
  const tr = fit.tracking;
  if (tr && tr.points.length) {
    const date = (s: string) => new Date(`${s}T00:00:00Z`);
    const model = `${p.name} (calibration fit)`;
    const calEnd = fit.calibrationEnd ?? '';
    const seasonal = tr.seasonality.periods;
    const note = `${tr.period.charAt(0).toUpperCase()}${tr.period.slice(1)} 1 starts at the first purchase of the ${num(p.customers)} customers fitted (${esc(tr.origin)}); ${tr.calibrationPeriods} ${tr.period}s end by the calibration end (${esc(calEnd)}), the rest is the holdout.`;
    parts.push('<div class="grid2">');
    parts.push(timeSeries(tr.points.flatMap((q) => [{ date: date(q.start), value: q.actualCumulative, series: 'made' }, { date: date(q.start), value: q.expectedCumulative, series: model }]), {
      title: 'Tracking: cumulative repeat purchases', yLabel: 'repeat purchases (cumulative)', seriesOrder: ['made', model], width: 560,
      caption: `Repeat purchase days made by the customers against the model's expectation, each customer from their first purchase on (Fader, Hardie & Lee 2005, fig. 3). ${note}`,
    }));
    parts.push(timeSeries(tr.points.flatMap((q) => [{ date: date(q.start), value: q.actual, series: 'made' }, { date: date(q.start), value: q.expected, series: model }]), {
      title: `Tracking: repeat purchases per ${tr.period}`, yLabel: `repeat purchases per ${tr.period}`, seriesOrder: ['made', model], width: 560,
      caption: `The same per ${tr.period} (fig. 2). ${seasonal.length
        ? `In ${seasonal.length} holdout ${tr.period}${seasonal.length > 1 ? 's' : ''} (${seasonal.map((q) => `from ${q.start}`).join(', ')}) the purchases depart from the model's by more than in any calibration ${tr.period} (${num(tr.seasonality.threshold, 1)}): a season or a campaign the calibration period did not show.`
        : `No holdout ${tr.period} departs from the model by more than the calibration ${tr.period}s did (${num(tr.seasonality.threshold, 1)}).`}`,
    }));
    parts.push('</div>');
    if (seasonal.length) parts.push(`<p class="warn">Seasonality: ${seasonal.length} holdout ${tr.period}${seasonal.length > 1 ? 's' : ''} (${seasonal.map((q) => `${esc(q.start)}: ${num(q.actual)} made, ${num(q.expected, 1)} expected`).join('; ')}) depart from the model by more than any calibration ${tr.period}. The holdout errors above include this; the model knows no season.</p>`);
  }
  if (pred && predRun) {
    const id = predRun.run_id;
    const ofRun = eq(col('run_id'), n(Number(id)));
    const edges = await one<{ hi: number }>(db, select({ select: [{ expr: max(col('recency')), as: 'hi' }], from: table('clv_predictions'), where: ofRun }));
    const width = Math.max(1e-9, Number(edges?.hi ?? 0)) / RECENCY_BINS;
    const fCell = least(cast(col('frequency'), 'integer'), n(FREQ_CAP));
    const rCell = least(cast(floor(div(col('recency'), n(width))), 'integer'), n(RECENCY_BINS - 1));
    const grid = await all<{ f: number; r: number; n: number; e: number; pa: number }>(db, select({
      select: [{ expr: fCell, as: 'f' }, { expr: rCell, as: 'r' }, { expr: count(), as: 'n' }, { expr: avg(col('expected_purchases')), as: 'e' }, { expr: avg(col('p_alive')), as: 'pa' }],
      from: table('clv_predictions'), where: ofRun, groupBy: [fCell, rCell],
    }));
    const rLabel = (k: number) => `${num(k * width, 0)}–${num((k + 1) * width, 0)}`;
    const fLabel = (f: number) => (f === FREQ_CAP ? `${FREQ_CAP}+` : String(f));
    const xDomain = Array.from({ length: RECENCY_BINS }, (_, k) => rLabel(k));
    const yDomain = Array.from({ length: FREQ_CAP + 1 }, (_, k) => fLabel(FREQ_CAP - k)).filter((f) => grid.some((g) => fLabel(g.f) === f));
    const common = { xLabel: `recency (${fit.period}s from first to last purchase)`, yLabel: 'repeat purchases', xDomain, yDomain, width: 560 };
    parts.push('<div class="grid2">');
    parts.push(heatmap(grid.map((g) => ({ x: rLabel(g.r), y: fLabel(g.f), value: g.e, label: `${num(g.e, 2)}\n(${num(g.n)})` })), {
      ...common, title: `Expected purchases in the next ${pred.horizon} ${pred.unit}s`, colorLabel: 'expected purchases',
      caption: 'Mean expected purchases of the customers in each cell (their number in brackets): frequent buyers who bought recently are expected to buy most.',
    }));
    parts.push(heatmap(grid.map((g) => ({ x: rLabel(g.r), y: fLabel(g.f), value: g.pa, label: `${pct(g.pa, 0)}\n(${num(g.n)})` })), {
      ...common, title: 'P(alive)', colorLabel: 'P(alive)', colorDomain: [0, 1],
      caption: pred.pAliveInformative === false
        ? 'Mean probability that the customers of each cell are still active. Not informative for this fit (see the notes above): the cells barely differ, so this map does not say who has gone.'
        : 'Mean probability that the customers of each cell are still active: a frequent buyer with an old last purchase has probably gone.',
    }));
    parts.push('</div>');
    parts.push('<div class="grid2">');
    const informative = pred.pAliveInformative !== false;
    if (!informative) {
      parts.push(`<div><h3>Churn risk: not informative</h3><p class="warn">P(alive) does not separate active from lapsed customers here (90 % of customers between ${pct(pred.pAlive.p05)} and ${pct(pred.pAlive.p95)}${d?.issues.some((i) => i.code === 'no-dropout') ? '; the model found no drop-out' : ''}), so no churn tiers are drawn from it: every customer reads "not informative". Read churn from recency instead (the RFM segments At risk, Hibernating and Lost).</p></div>`);
    } else parts.push(barsH(pred.churnTiers.map((t) => ({ label: `${t.tier} (P(alive) ${pct(t.meanPAlive, 0)})`, value: t.customers })), {
      title: 'Churn risk', xLabel: 'customers', total: pred.customers.predicted, width: 520,
      caption: 'Tiers of P(alive): active ≥ 75 %, cooling ≥ 50 %, at-risk ≥ 25 %, lapsed below.',
    }));
    const clvQuery = compile(select({ select: [{ expr: col('clv'), as: 'clv' }], from: table('clv_predictions'), where: and(ofRun, isNotNull(col('clv'))) }), db.dialect);
    const clv = (await db.columns(clvQuery.sql, clvQuery.params)).clv as number[];
    parts.push(histogram(logBins(clv, 4, 1), {
      title: 'CLV distribution', xLabel: `CLV over ${pred.horizon} ${pred.unit}s (log scale)`, logX: true, width: 520,
      caption: `${num(clv.length)} customers with a CLV; values below 1 are counted in the first bin.`,
    }));
    parts.push('</div>');
    parts.push('<div class="grid2">');
    if (informative) parts.push(htmlTable(['churn risk', 'customers', 'mean P(alive)', 'suggested action'], pred.churnTiers.map((t) => [t.tier, t.customers, pct(t.meanPAlive), actionFor(t.tier, options.actions)])));
    parts.push(htmlTable(['CLV tier', 'customers', 'share of CLV', 'suggested action'], pred.clvTiers.map((t) => [t.tier, t.customers, pct(t.shareOfClv), actionFor(t.tier, options.actions)])));
    parts.push('</div>');
    const rfm = await one<{ run_id: number }>(db, latestRun('rfm'));
    if (rfm) {
      const clvOf = col('clv', 'c');
      const segs = await all<{ segment: string; n: number; total: number; mean: number; median: number; p90: number }>(db, select({
        select: [{ expr: col('segment', 's'), as: 'segment' }, { expr: count(), as: 'n' }, { expr: sum(clvOf), as: 'total' }, { expr: avg(clvOf), as: 'mean' },
          { expr: median(clvOf), as: 'median' }, { expr: index(quantiles(clvOf, [0.9]), 1), as: 'p90' }],
        from: table('clv_predictions', 'c'),
        // the RFM run's rows picked in a subquery: ClickHouse 18.16 joins only on column equalities (a constant in
        // ON was read as a UInt8 column to join by)
        joins: [{
          type: 'inner',
          target: subquery(select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: col('segment'), as: 'segment' }], from: table('run_scores'), where: eq(col('run_id'), n(Number(rfm.run_id))) }), 's'),
          on: eq(col('customer_id', 's'), col('customer_id', 'c')),
        }],
        where: and(eq(col('run_id', 'c'), n(Number(id))), isNotNull(clvOf)),
        groupBy: [col('segment', 's')], orderBy: [{ expr: sum(clvOf), desc: true }],
      }));
      const total = segs.reduce((a, s) => a + Number(s.total), 0);
      parts.push('<div class="grid2">');
      parts.push(barsH(segs.map((s) => ({ label: s.segment, value: Number(s.mean) })), {
        title: 'Mean CLV by RFM segment', xLabel: withUnit('mean CLV', cur), format: (x) => num(x, 0), width: 560,
        caption: `RFM run ${rfm.run_id} joined with the predictions by customer: the CLV the model expects per head in each segment.`,
      }));
      parts.push(htmlTable(['RFM segment', 'customers', 'CLV share', withUnit('median', cur), withUnit('mean', cur), withUnit('p90', cur)],
        segs.map((s) => [s.segment, Number(s.n), pct(total ? Number(s.total) / total : 0), num(Number(s.median), 0), num(Number(s.mean), 0), num(Number(s.p90), 0)])));
      parts.push('</div>');
    }
  } else parts.push(`<p class="empty">No predictions from fit run ${fitRun.run_id} yet: run segmint clv predict.</p>`);
  return { id: 'clv', title: 'Customer lifetime value', html: parts.join('\n') };
}
