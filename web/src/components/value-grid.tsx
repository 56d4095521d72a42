// The R × F grid of an RFM or LRFMP run: one cell per (R score, F score), coloured by its customers and
// labelled with its most common segment; the numbers (with every segment of a cell) behind the chart.
import * as Plot from '@observablehq/plot';
import { Chart, fmt, money } from './chart.tsx';
import { asImage, type ValueStats } from './value-data.tsx';

export function ValueGrid({ stats }: { stats: ValueStats }) {
  const scores = Array.from({ length: stats.bins }, (_, i) => i + 1);
  const most = Math.max(1, ...stats.grid.map((c) => c.customers));
  const table = {
    columns: ['R score', 'F score', 'customers', 'revenue', 'segment (most customers)', 'segments'],
    rows: stats.grid.map((c) => [c.r, c.f, c.customers, money(c.revenue), c.segment, c.segments.map((s) => `${s.segment} ${fmt(s.customers)}`).join(', ')]),
  };
  return (
    <Chart
      title="Recency × frequency grid"
      description={`Customers of run ${stats.runId} in each pair of R score (${stats.bins} = most recent) and F score (${stats.bins} = most frequent), coloured by their number and labelled with the segment most of them are in.`}
      table={table}
      deps={[stats.runId]}
      draw={(width) => asImage(Plot.plot({
        width: Math.min(width, 760),
        height: 100 + stats.bins * 72,
        marginLeft: 56,
        marginBottom: 44,
        x: { domain: scores, label: `R score (${stats.bins} = most recent) →`, labelAnchor: 'center', labelOffset: 36 },
        y: { domain: [...scores].reverse(), label: `↑ F score (${stats.bins} = most frequent)` },
        color: { type: 'sqrt', scheme: 'blues', label: 'customers', legend: true, domain: [0, most] },
        style: { fontSize: '12px' },
        marks: [
          Plot.cell(stats.grid, { x: 'r', y: 'f', fill: 'customers', inset: 1, title: (c: (typeof stats.grid)[number]) => `R ${c.r}, F ${c.f}: ${fmt(c.customers)} customers (${c.segments.map((s) => `${s.segment} ${s.customers}`).join(', ')})` }),
          Plot.text(stats.grid, {
            x: 'r', y: 'f', lineWidth: 6, fontSize: 12,
            text: (c: (typeof stats.grid)[number]) => `${c.segment}\n${fmt(c.customers)}`,
            fill: (c: (typeof stats.grid)[number]) => (Math.sqrt(c.customers / most) > 0.6 ? '#ffffff' : '#1d2430'),
          }),
        ],
      }))}
    />
  );
}
