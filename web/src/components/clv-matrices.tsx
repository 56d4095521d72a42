// P(alive) and expected purchases over frequency × recency, computed by the server from the fitted
// parameters (as lifetimes' matrices): every customer observed for the longest observation, T periods.
import * as Plot from '@observablehq/plot';
import { Chart } from './chart.tsx';
import { sig, type Matrices } from './clv-data.tsx';
import { asImage } from './value-data.tsx';

/** About ten ticks: 0 and every k-th value up to `max`. */
const every = (max: number) => Array.from({ length: max + 1 }, (_, i) => i).filter((i) => i % Math.max(1, Math.ceil(max / 10)) === 0);

function cells(m: (number | null)[][]) {
  return m.flatMap((row, tx) => row.map((v, x) => ({ x, tx, v })));
}

function Heat({ title, description, data, m, scheme, format, label }: { title: string; description: string; data: Matrices; m: (number | null)[][]; scheme: 'greens' | 'blues'; format: (v: number | null) => string; label: string }) {
  const c = cells(m);
  const columns = ['recency \\ frequency', ...Array.from({ length: data.maxFrequency + 1 }, (_, x) => String(x))];
  return (
    <Chart
      title={title}
      description={description}
      deps={[data.runId, data.maxFrequency, data.maxRecency]}
      table={{ columns, rows: m.map((row, tx) => [`${tx} ${data.period}s`, ...row.map(format)]) }}
      draw={(width) => asImage(Plot.plot({
        width: Math.min(width, 620), height: Math.min(520, 60 + 9 * (data.maxRecency + 1)), marginLeft: 50, marginBottom: 40,
        x: { label: 'frequency (repeat purchases) →', type: 'band', padding: 0, ticks: every(data.maxFrequency) },
        y: { label: `↑ recency (${data.period}s from first to last purchase)`, type: 'band', padding: 0, reverse: true, ticks: every(data.maxRecency) },
        color: { scheme, legend: true, label, ...(label === 'P(alive)' ? { domain: [0, 1] } : {}) },
        marks: [Plot.cell(c, { x: 'x', y: 'tx', fill: 'v', stroke: 'v', inset: 0, title: (d: { x: number; tx: number; v: number | null }) => `frequency ${d.x}, recency ${d.tx}: ${format(d.v)}` })],
      }))}
    />
  );
}

export function ClvMatrices({ data }: { data: Matrices }) {
  return (
    <>
      <p>The {data.name} model's answers for customers with each history: frequency 0 … {data.maxFrequency} repeat purchases, recency 0 … {data.maxRecency} {data.period}s, all observed for {data.T} {data.period}s (the fit's longest observation). Computed from the fitted parameters, not from customers.</p>
      <div class="grid2">
        <Heat title="P(alive) by frequency and recency" description={`Probability that a customer with this history is still active, after ${data.T} ${data.period}s.`} data={data} m={data.pAlive} scheme="greens" label="P(alive)" format={(v) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`)} />
        <Heat title={`Expected purchases in the next ${sig(data.horizon, 3)} ${data.period}s`} description="Purchases the model expects from a customer with this history in the prediction horizon." data={data} m={data.expectedPurchases} scheme="blues" label="expected purchases" format={(v) => sig(v, 3)} />
      </div>
    </>
  );
}
