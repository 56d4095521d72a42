// Revenue and orders per calendar month, summed by the server (GET /overview/monthly): two charts with their
// numbers, and the totals in words.
import * as Plot from '@observablehq/plot';
import { get } from '../api.ts';
import { Async, useAsync } from './async.tsx';
import { Chart, fmt, money, type TableData } from './chart.tsx';
import { quietMarks, type Monthly } from './overview-types.ts';

const asDate = (m: string) => new Date(`${m}-01T00:00:00Z`);

export function MonthlyRevenue({ version }: { version: number }) {
  const state = useAsync((signal) => get<Monthly>('/overview/monthly', undefined, signal), [version]);
  return (
    <Async state={state} what="Loading revenue per month">
      {(m) => {
        if (m.months.length === 0) return <p>No transactions yet — import a transactions file below to see revenue and orders per month.</p>;
        const unit = m.currency ? ` (${m.currency})` : '';
        const first = m.months[0]!.month;
        const last = m.months.at(-1)!.month;
        const table: TableData = {
          columns: ['Month', `Net revenue${unit}`, 'Orders', 'Return orders', 'Buyers'],
          rows: m.months.map((r) => [r.month, r.revenue, r.orders, r.returns ?? null, r.buyers ?? null]),
        };
        const data = m.months.map((r) => ({ ...r, date: asDate(r.month) }));
        return (
          <>
            <p id="monthly-summary">
              From {first} to {last} ({m.months.length} months, calendar months in {m.timezone}): net revenue <strong>{money(m.totals.revenue)}</strong>{unit},{' '}
              <strong>{fmt(m.totals.orders)}</strong> orders and {fmt(m.totals.returns)} return orders by <strong>{fmt(m.totals.buyers)}</strong> buyers ({fmt(m.totals.lines)} transaction lines).
            </p>
            <div class="grid2">
              <Chart
                title={`Net revenue per month${unit}`}
                description={`Net revenue (purchases less returns) of each calendar month from ${first} to ${last}.`}
                table={table}
                deps={[m]}
                draw={(width) => quietMarks(Plot.plot({
                  width, height: 260, marginLeft: 64,
                  x: { type: 'utc', label: null },
                  y: { grid: true, label: `net revenue${unit}`, tickFormat: '~s' },
                  marks: [Plot.rectY(data, { x: 'date', y: 'revenue', interval: 'month', fill: '#1f5fbf', inset: 1, title: (d: { month: string; revenue: number }) => `${d.month}: ${money(d.revenue)}` }), Plot.ruleY([0])],
                }))}
              />
              <Chart
                title="Orders per month"
                description={`Orders (distinct purchase orders) and return orders of each calendar month from ${first} to ${last}.`}
                table={table}
                deps={[m]}
                draw={(width) => quietMarks(Plot.plot({
                  width, height: 260, marginLeft: 56,
                  x: { type: 'utc', label: null },
                  y: { grid: true, label: 'orders', zero: true },
                  color: { legend: true, domain: ['orders', 'return orders'], range: ['#1f5fbf', '#a3261b'] },
                  marks: [
                    Plot.lineY(data, { x: 'date', y: 'orders', stroke: () => 'orders', strokeWidth: 2 }),
                    Plot.dot(data, { x: 'date', y: 'orders', fill: () => 'orders', r: 3, title: (d: { month: string; orders: number }) => `${d.month}: ${fmt(d.orders)} orders` }),
                    Plot.lineY(data, { x: 'date', y: 'returns', stroke: () => 'return orders', strokeDasharray: '4 3' }),
                    Plot.ruleY([0]),
                  ],
                }))}
              />
            </div>
          </>
        );
      }}
    </Async>
  );
}
