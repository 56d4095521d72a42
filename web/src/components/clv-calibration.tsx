// Calibration against holdout: purchases made in the holdout against the model's expectation, by repeat
// purchases in the calibration period and by decile; the tracking of repeat purchases per period.
import * as Plot from '@observablehq/plot';
import { Chart, fmt } from './chart.tsx';
import { sig, type ClvFit } from './clv-data.tsx';
import { asImage, pct } from './value-data.tsx';

export function Calibration({ fit }: { fit: ClvFit }) {
  const v = fit.validation;
  const tr = fit.tracking;
  if (!v && !(tr && tr.points.length)) {
    return <p class="empty-state">No holdout: this fit used every purchase up to {fit.calibrationEnd ?? 'the as-of date'}. Fit again with a calibration end date (POST /runs/clv with calibrationEnd, or segmint clv fit --calibration-end) to compare the model with purchases it has not seen.</p>;
  }
  return (
    <>
      {!v && <p class="empty-state">No holdout: this fit used every purchase up to {fit.calibrationEnd ?? 'the as-of date'}, so the tracking below compares the model with the purchases it was fitted on. Fit again with a calibration end date to test it on purchases it has not seen.</p>}
      {v && (
        <>
          <p>In the {sig(v.holdoutPeriods, 3)}-{fit.period} holdout the {fmt(v.customers)} customers made {fmt(v.actualTotal)} purchases; the model expected {sig(v.predictedTotal, 5)} ({pct(v.aggregateRelativeError)} off). Mean absolute error per customer {sig(v.meanAbsoluteError, 3)}; top-decile lift {sig(v.topDecileLift, 3)}.</p>
          <div class="grid2">
            <Chart
              title="Calibration against holdout"
              description="For customers grouped by repeat purchases in the calibration period: mean purchases made in the holdout and mean purchases the model expected."
              deps={[v.actualTotal, v.predictedTotal]}
              table={{ columns: ['repeat purchases (calibration)', 'customers', 'holdout: made (mean)', 'holdout: expected (mean)'], rows: v.byFrequency.map((g) => [g.frequency, g.customers, sig(g.actualMean, 3), sig(g.predictedMean, 3)]) }}
              draw={(width) => asImage(Plot.plot({
                width: Math.min(width, 620), height: 300, marginBottom: 40, x: { label: 'repeat purchases in the calibration period', domain: v.byFrequency.map((g) => g.frequency) }, y: { label: 'purchases per customer in the holdout', grid: true },
                color: { legend: true, domain: ['made', 'expected'], range: ['#1f5fbf', '#e07b00'] },
                marks: [
                  Plot.barY(v.byFrequency, { x: 'frequency', y: 'actualMean', fill: () => 'made', title: (g: { frequency: string; actualMean: number }) => `${g.frequency}: ${sig(g.actualMean, 3)} made` }),
                  Plot.lineY(v.byFrequency, { x: 'frequency', y: 'predictedMean', stroke: () => 'expected', strokeWidth: 2 }),
                  Plot.dot(v.byFrequency, { x: 'frequency', y: 'predictedMean', fill: () => 'expected', r: 4, title: (g: { frequency: string; predictedMean: number }) => `${g.frequency}: ${sig(g.predictedMean, 3)} expected` }),
                  Plot.ruleY([0]),
                ],
              }))}
            />
            <div class="table-wrap">
              <table>
                <caption>Deciles of the expected holdout purchases (1 = highest)</caption>
                <thead><tr><th scope="col">Decile</th><th scope="col" class="num">Customers</th><th scope="col" class="num">Expected</th><th scope="col" class="num">Made</th><th scope="col" class="num">Share of purchases</th></tr></thead>
                <tbody>{v.deciles.map((d) => <tr key={d.decile}><th scope="row">{d.decile}</th><td class="num">{fmt(d.customers)}</td><td class="num">{sig(d.predictedMean, 3)}</td><td class="num">{sig(d.actualMean, 3)}</td><td class="num">{pct(d.shareOfActual)}</td></tr>)}</tbody>
              </table>
            </div>
          </div>
        </>
      )}
      {tr && tr.points.length > 0 && (
        <Chart
          title={`Tracking: cumulative repeat purchases per ${tr.period}`}
          description={`Repeat purchases made by the fitted customers against the model's expectation, ${tr.period} by ${tr.period} from their first purchase (${tr.origin}); the first ${tr.calibrationPeriods} ${tr.period}s are the calibration period.`}
          deps={[tr.points.length]}
          table={{ columns: [tr.period, 'starts', 'made', 'expected', 'made (cumulative)', 'expected (cumulative)', 'period'], rows: tr.points.map((q) => [q.period, q.start, q.actual, sig(q.expected, 4), q.actualCumulative, sig(q.expectedCumulative, 5), q.holdout ? 'holdout' : 'calibration']) }}
          draw={(width) => {
            const rows = tr.points.flatMap((q) => [{ date: new Date(`${q.start}T00:00:00Z`), value: q.actualCumulative, series: 'made' }, { date: new Date(`${q.start}T00:00:00Z`), value: q.expectedCumulative, series: 'expected' }]);
            const cut = tr.points.find((q) => q.holdout);
            return asImage(Plot.plot({
              width: Math.min(width, 900), height: 300, y: { label: 'repeat purchases (cumulative)', grid: true }, x: { label: null },
              color: { legend: true, domain: ['made', 'expected'], range: ['#1f5fbf', '#e07b00'] },
              marks: [
                Plot.lineY(rows, { x: 'date', y: 'value', stroke: 'series', strokeWidth: 2 }),
                ...(cut ? [Plot.ruleX([new Date(`${cut.start}T00:00:00Z`)], { stroke: '#4b5563', strokeDasharray: '4 3' }), Plot.text([new Date(`${cut.start}T00:00:00Z`)], { x: (d: Date) => d, frameAnchor: 'top', dy: 6, dx: 4, textAnchor: 'start', text: () => 'holdout →', fill: '#1d2430' })] : []),
              ],
            }));
          }}
        />
      )}
    </>
  );
}
