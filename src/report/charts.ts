/**
 * Chart helpers: Observable Plot rendered on the server into static SVG (linkedom supplies the document),
 * each wrapped in a <figure> with a title and a caption saying what it shows. Inputs are plain arrays.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { esc } from './html.ts';

const { document } = parseHTML('<!doctype html><html><body></body></html>');
const ACCENT = '#0f766e';

interface FigureText {
  title: string;
  caption: string;
}

function figure(svg: string, t: FigureText): string {
  return `<figure><div class="title">${esc(t.title)}</div>${svg}<figcaption>${esc(t.caption)}</figcaption></figure>`;
}

function render(options: Record<string, unknown>): string {
  const el = Plot.plot({ document, style: { background: 'white', fontSize: '12px' }, ...options } as Plot.PlotOptions) as unknown as { outerHTML: string };
  return el.outerHTML;
}

const fmtShort = (x: number) => (Math.abs(x) >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : Math.abs(x) >= 1e4 ? `${(x / 1e3).toFixed(0)}k` : Math.abs(x) >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : `${Math.round(x)}`);

/** Horizontal bars, one per label, largest first as given; the value is printed at the end of each bar. */
export function barsH(data: { label: string; value: number }[], t: FigureText & { xLabel: string; width?: number }): string {
  if (data.length === 0) return `<p class="empty">${esc(t.title)}: nothing to show.</p>`;
  const longest = Math.max(...data.map((d) => d.label.length));
  const svg = render({
    width: t.width ?? 760,
    height: 40 + 24 * data.length,
    marginLeft: Math.min(260, 12 + 6.8 * longest),
    marginRight: 64,
    x: { label: t.xLabel, grid: true, tickFormat: fmtShort },
    y: { label: null, domain: data.map((d) => d.label) },
    marks: [
      Plot.barX(data, { x: 'value', y: 'label', fill: ACCENT }),
      Plot.text(data, { x: 'value', y: 'label', text: (d: { value: number }) => d.value.toLocaleString('en-US', { maximumFractionDigits: 0 }), textAnchor: 'start', dx: 4, fill: '#1f2937' }),
      Plot.ruleX([0]),
    ],
  });
  return figure(svg, t);
}

/** Monthly bars over time (UTC months). */
export function monthlyBars(data: { month: Date; value: number }[], t: FigureText & { yLabel: string; width?: number }): string {
  if (data.length === 0) return `<p class="empty">${esc(t.title)}: nothing to show.</p>`;
  const svg = render({
    width: t.width ?? 760,
    height: 260,
    marginLeft: 60,
    x: { type: 'utc', label: null },
    y: { label: t.yLabel, grid: true, tickFormat: fmtShort },
    marks: [Plot.rectY(data, { x: 'month', y: 'value', interval: 'month', fill: ACCENT, inset: 1 }), Plot.ruleY([0])],
  });
  return figure(svg, t);
}

/** A histogram from precomputed bins [x0, x1) with counts; `log` gives the y axis a log scale. */
export function histogram(bins: { x0: number; x1: number; count: number }[], t: FigureText & { xLabel: string; yLabel?: string; width?: number; logX?: boolean }): string {
  if (bins.length === 0) return `<p class="empty">${esc(t.title)}: nothing to show.</p>`;
  const svg = render({
    width: t.width ?? 760,
    height: 250,
    marginLeft: 60,
    x: { label: t.xLabel, type: t.logX ? 'log' : 'linear', tickFormat: fmtShort },
    y: { label: t.yLabel ?? 'customers', grid: true, tickFormat: fmtShort },
    marks: [Plot.rectY(bins, { x1: 'x0', x2: 'x1', y: 'count', fill: ACCENT, insetLeft: 1 }), Plot.ruleY([0])],
  });
  return figure(svg, t);
}

/** A heat map of cells with a value colour and a text label in each cell. */
export function heatmap(
  cells: { x: string | number; y: string | number; value: number; label: string }[],
  t: FigureText & { xLabel: string; yLabel: string; colorLabel: string; xDomain?: (string | number)[]; yDomain?: (string | number)[]; width?: number },
): string {
  if (cells.length === 0) return `<p class="empty">${esc(t.title)}: nothing to show.</p>`;
  const svg = render({
    width: t.width ?? 560,
    height: 80 + 56 * (t.yDomain?.length ?? new Set(cells.map((c) => c.y)).size),
    marginLeft: 60,
    padding: 0.05,
    x: { label: t.xLabel, domain: t.xDomain, type: 'band' },
    y: { label: t.yLabel, domain: t.yDomain, type: 'band' },
    // No colour legend: Plot draws continuous legends on a canvas, which server-side rendering lacks;
    // every cell carries its number instead.
    color: { type: 'linear', scheme: 'YlGnBu', label: t.colorLabel },
    marks: [
      Plot.cell(cells, { x: 'x', y: 'y', fill: 'value' }),
      Plot.text(cells, { x: 'x', y: 'y', text: 'label', fill: 'black', stroke: 'white', strokeWidth: 3, paintOrder: 'stroke', fontSize: 11 }),
    ],
  });
  return figure(svg, t);
}

/** Two bars per category (e.g. share of customers and share of revenue per segment), side by side. */
export function pairedBars(data: { label: string; a: number; b: number }[], names: [string, string], t: FigureText & { xLabel: string; width?: number; percent?: boolean }): string {
  if (data.length === 0) return `<p class="empty">${esc(t.title)}: nothing to show.</p>`;
  const long = data.flatMap((d) => [{ label: d.label, measure: names[0], value: d.a }, { label: d.label, measure: names[1], value: d.b }]);
  const longest = Math.max(...data.map((d) => d.label.length));
  const svg = render({
    width: t.width ?? 760,
    height: 60 + 40 * data.length,
    marginLeft: Math.min(260, 12 + 6.8 * longest),
    marginRight: 56,
    x: { label: t.xLabel, grid: true, tickFormat: t.percent ? (x: number) => `${Math.round(100 * x)}%` : fmtShort },
    y: { axis: null, domain: names },
    fy: { label: null, domain: data.map((d) => d.label), padding: 0.2 },
    color: { domain: names, range: [ACCENT, '#f59e0b'], legend: true },
    marks: [
      Plot.barX(long, { x: 'value', y: 'measure', fy: 'label', fill: 'measure' }),
      Plot.text(long, { x: 'value', y: 'measure', fy: 'label', text: (d: { value: number }) => (t.percent ? `${(100 * d.value).toFixed(1)}%` : fmtShort(d.value)), textAnchor: 'start', dx: 3, fontSize: 10 }),
      Plot.ruleX([0]),
    ],
  });
  return figure(svg, t);
}
