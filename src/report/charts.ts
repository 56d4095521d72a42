/**
 * Chart helpers: Observable Plot rendered on the server into static SVG (linkedom supplies the document),
 * each wrapped in a <figure> with a title and a caption saying what it shows. Inputs are plain arrays;
 * outputs are HTML strings. Text from the data (labels, names) is escaped by the SVG serialiser, and every
 * mark carries an SVG <title>, so hovering shows the exact value with no script.
 *
 * An empty input gives a short "nothing to show" note instead of a chart; non-finite values are dropped, so
 * no chart ever says NaN.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { esc, num } from './html.ts';

const { document } = parseHTML('<!doctype html><html><body></body></html>');

/** The palette: accent for the main series, a lighter tint for partial or secondary values. */
export const COLORS = { accent: '#0f766e', light: '#99d5c9', second: '#d97706', ink: '#1f2937', muted: '#6b7280' } as const;

/** What every chart has: a title above it and a caption below saying what it shows. */
export interface ChartText {
  title: string;
  caption: string;
  /** drawing width in px (the SVG scales down to fit the page) */
  width?: number;
}

function figure(svg: string, t: ChartText): string {
  return `<figure><div class="title">${esc(t.title)}</div>\n${svg}\n<figcaption>${esc(t.caption)}</figcaption></figure>`;
}

function nothing(t: ChartText): string {
  return `<figure><div class="title">${esc(t.title)}</div><p class="empty">Nothing to show yet.</p></figure>`;
}

function render(options: Plot.PlotOptions): string {
  const el = Plot.plot({
    document,
    style: { background: 'white', fontSize: '12px', fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', color: COLORS.ink, overflow: 'visible' },
    ...options,
  } as Plot.PlotOptions) as unknown as { outerHTML: string };
  return el.outerHTML;
}

/** Short axis numbers: 950, 1.5k, 12k, 1.2M (no trailing ".0"). */
export function fmtShort(x: number): string {
  if (!Number.isFinite(x)) return '';
  const a = Math.abs(x);
  const trim = (s: string) => s.replace(/\.0$/, '');
  if (a >= 1e9) return `${trim((x / 1e9).toFixed(1))}B`;
  if (a >= 1e6) return `${trim((x / 1e6).toFixed(1))}M`;
  if (a >= 1e3) return `${trim((x / 1e3).toFixed(a >= 1e4 ? 0 : 1))}k`;
  if (a > 0 && a < 1) return String(Number(x.toFixed(2)));
  return `${Math.round(x)}`;
}

/** Axis label with its unit: ("net revenue", "GBP") → "net revenue (GBP)". */
export function withUnit(label: string, unit?: string): string {
  return unit ? `${label} (${unit})` : label;
}

/** y axes: about five round ticks, the domain extended to the next one. */
const Y_TICKS = 5;

/**
 * A value axis (y, or x of horizontal bars) for `values`: about five round ticks; whole-number data with a
 * small range (counts of a few) gets one tick per whole number instead of fractions.
 */
function yAxis(label: string | null, values: number[]): Record<string, unknown> {
  const max = Math.max(0, ...values);
  const min = Math.min(0, ...values);
  if (values.every(Number.isInteger) && max - min <= 8) {
    const top = Math.max(1, max);
    return { label, grid: true, domain: [min, top], ticks: Array.from({ length: top - min + 1 }, (_, i) => min + i), tickFormat: (v: number) => num(v) };
  }
  return { label, grid: true, tickFormat: fmtShort, nice: Y_TICKS, ticks: Y_TICKS };
}
const xAxisBelow = { labelAnchor: 'center', labelOffset: 36, labelArrow: 'none' } as const;
const MONTH = (d: Date) => d.toLocaleString('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' });
const ok = (v: number) => typeof v === 'number' && Number.isFinite(v);

/**
 * Horizontal bars, one per label, in the order given (largest first reads best), with the value printed at
 * the end of each bar; with `total`, the share of the total follows it.
 */
export function barsH(data: { label: string; value: number }[], t: ChartText & { xLabel: string; total?: number; format?: (v: number) => string; color?: string }): string {
  const rows = data.filter((d) => ok(d.value));
  if (rows.length === 0) return nothing(t);
  const fmt = t.format ?? ((v: number) => num(v));
  const share = (v: number) => (t.total && t.total > 0 ? ` (${num((100 * v) / t.total, 1)}%)` : '');
  const text = (d: { value: number }) => `${fmt(d.value)}${share(d.value)}`;
  const longest = Math.max(...rows.map((d) => d.label.length));
  const longestText = Math.max(...rows.map((d) => text(d).length));
  const hasNeg = rows.some((d) => d.value < 0);
  const svg = render({
    width: t.width ?? 560,
    height: 56 + 24 * rows.length,
    marginTop: 6,
    marginBottom: 44,
    marginLeft: Math.min(240, 14 + 6.6 * Math.min(longest, 34)),
    marginRight: 16 + 6.4 * longestText,
    x: { ...yAxis(t.xLabel, rows.map((d) => d.value)), ...xAxisBelow },
    y: { label: null, domain: rows.map((d) => d.label), tickFormat: (s: string) => (s.length > 34 ? `${s.slice(0, 33)}…` : s) },
    marks: [
      Plot.barX(rows, { x: 'value', y: 'label', fill: t.color ?? COLORS.accent, title: (d: { label: string; value: number }) => `${d.label}: ${text(d)}` }),
      Plot.text(rows, { x: 'value', y: 'label', text, textAnchor: hasNeg ? 'middle' : 'start', dx: hasNeg ? 0 : 4, fill: COLORS.ink }),
      Plot.ruleX([0]),
    ],
  });
  return figure(svg, t);
}

/**
 * Vertical bars over ordered categories (e.g. the bins "1", "2–3", "4–7" of a count), with the value above
 * each bar.
 */
export function columns(data: { label: string; value: number }[], t: ChartText & { xLabel: string; yLabel: string; format?: (v: number) => string }): string {
  const rows = data.filter((d) => ok(d.value));
  if (rows.length === 0) return nothing(t);
  const fmt = t.format ?? ((v: number) => num(v));
  const svg = render({
    width: t.width ?? 560,
    height: 280,
    marginTop: 26,
    marginLeft: 56,
    marginBottom: 48,
    x: { label: t.xLabel, domain: rows.map((d) => d.label), padding: 0.15, ...xAxisBelow },
    y: yAxis(t.yLabel, rows.map((d) => d.value)),
    marks: [
      Plot.barY(rows, { x: 'label', y: 'value', fill: COLORS.accent, title: (d: { label: string; value: number }) => `${d.label}: ${fmt(d.value)}` }),
      Plot.text(rows, { x: 'label', y: 'value', text: (d: { value: number }) => (Math.abs(d.value) < 1e5 ? num(d.value) : fmtShort(d.value)), dy: -7, fill: COLORS.ink, fontSize: 11 }),
      Plot.ruleY([0]),
    ],
  });
  return figure(svg, t);
}

/** "2011-03" for a UTC date. */
const monthKey = (d: Date) => d.toISOString().slice(0, 7);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Every month key from the first to the last (inclusive), and the ticks to label (at most about 14). */
function monthAxis(first: Date, last: Date): { domain: string[]; ticks: string[]; format: (k: string) => string } {
  const domain: string[] = [];
  for (let y = first.getUTCFullYear(), m = first.getUTCMonth(); y < last.getUTCFullYear() || (y === last.getUTCFullYear() && m <= last.getUTCMonth()); m === 11 ? (y++, (m = 0)) : m++) {
    domain.push(`${y}-${String(m + 1).padStart(2, '0')}`);
  }
  const step = [1, 2, 3, 6, 12, 24, 60, 120].find((k) => domain.length / k <= 14) ?? 120;
  const ticks = domain.filter((k) => (Number(k.slice(5, 7)) - 1) % Math.min(step, 12) === 0 && (step <= 12 || Number(k.slice(0, 4)) % (step / 12) === 0));
  const withYear = new Set<string>();
  let year = '';
  for (const k of ticks) {
    if (k.slice(0, 4) !== year) withYear.add(k);
    year = k.slice(0, 4);
  }
  const format = (k: string) => (step >= 12 ? k.slice(0, 4) : `${MONTHS[Number(k.slice(5, 7)) - 1]}${withYear.has(k) ? `\n${k.slice(0, 4)}` : ''}`);
  return { domain, ticks, format };
}

/**
 * Bars per calendar month (UTC), one slot for every month from the first to the last (months without data
 * show as empty slots). Months flagged `partial` (the data starts or ends inside them) are drawn in a
 * lighter tint so a short first or last month does not read as a drop.
 */
export function monthlyBars(data: { month: Date; value: number; partial?: boolean }[], t: ChartText & { yLabel: string; format?: (v: number) => string }): string {
  const rows = data.filter((d) => ok(d.value) && Number.isFinite(d.month.getTime())).map((d) => ({ ...d, key: monthKey(d.month) }));
  if (rows.length === 0) return nothing(t);
  const fmt = t.format ?? ((v: number) => num(v));
  const times = rows.map((d) => d.month.getTime());
  const axis = monthAxis(new Date(Math.min(...times)), new Date(Math.max(...times)));
  const svg = render({
    width: t.width ?? 560,
    height: 270,
    marginTop: 24,
    marginLeft: 56,
    marginRight: 12,
    marginBottom: 36,
    x: { type: 'band', domain: axis.domain, ticks: axis.ticks, tickFormat: axis.format, label: null, padding: 0.12, tickSize: 0 },
    y: yAxis(t.yLabel, rows.map((d) => d.value)),
    marks: [
      Plot.barY(rows, {
        x: 'key', y: 'value',
        fill: (d: { partial?: boolean }) => (d.partial ? COLORS.light : COLORS.accent),
        title: (d: { month: Date; value: number; partial?: boolean }) => `${MONTH(d.month)}: ${fmt(d.value)}${d.partial ? ' (part of the month)' : ''}`,
      }),
      Plot.ruleY([0]),
    ],
  });
  return figure(svg, t);
}

/**
 * A time series as lines (one per `series`, with a colour legend when there are several), with an area
 * under a single series and a dot per point; points flagged `partial` (a period the data covers only in
 * part) get a hollow dot. Dates are UTC.
 */
export function timeSeries(data: { date: Date; value: number; series?: string; partial?: boolean }[], t: ChartText & { yLabel: string; format?: (v: number) => string; area?: boolean; seriesOrder?: string[] }): string {
  const rows = data.filter((d) => ok(d.value) && Number.isFinite(d.date.getTime())).map((d) => ({ ...d, series: d.series ?? '' }));
  if (rows.length === 0) return nothing(t);
  const fmt = t.format ?? ((v: number) => num(v));
  const seen = new Set(rows.map((d) => d.series));
  const names = [...new Set([...(t.seriesOrder ?? []).filter((x) => seen.has(x)), ...seen])];
  const multi = names.length > 1;
  const palette = [COLORS.accent, COLORS.second, '#2563eb', '#9333ea', '#db2777', '#65a30d'];
  const title = (d: { date: Date; value: number; series: string; partial?: boolean }) => `${d.series ? `${d.series}, ` : ''}${MONTH(d.date)}: ${fmt(d.value)}${d.partial ? ' (part of the period)' : ''}`;
  const marks: Plot.Markish[] = [];
  if (!multi && t.area !== false) marks.push(Plot.areaY(rows, { x: 'date', y: 'value', fill: COLORS.accent, fillOpacity: 0.12 }));
  marks.push(
    Plot.lineY(rows, { x: 'date', y: 'value', z: 'series', stroke: multi ? 'series' : COLORS.accent, strokeWidth: 2 }),
    Plot.dot(rows.filter((d) => !d.partial), { x: 'date', y: 'value', fill: multi ? 'series' : COLORS.accent, r: 2.5, title }),
    Plot.dot(rows.filter((d) => d.partial), { x: 'date', y: 'value', stroke: multi ? 'series' : COLORS.accent, fill: 'white', strokeWidth: 1.5, r: 3.5, title }),
    Plot.ruleY([0]),
  );
  // Monthly data gets month ticks (Jan, Feb, … with the year under the first of each); other data Plot's own.
  let x: Record<string, unknown> = { type: 'utc', label: null, ticks: 8 };
  if (rows.every((d) => d.date.getUTCDate() === 1 && d.date.getUTCHours() === 0 && d.date.getUTCMinutes() === 0)) {
    const times = rows.map((d) => d.date.getTime());
    const lo = new Date(Math.min(...times));
    const hi = new Date(Math.max(...times));
    const axis = monthAxis(lo, hi);
    const pad = Math.max(86400000 * 6, (hi.getTime() - lo.getTime()) * 0.02);
    x = { type: 'utc', label: null, domain: [new Date(lo.getTime() - pad), new Date(hi.getTime() + pad)], ticks: axis.ticks.map((k) => new Date(`${k}-01T00:00:00Z`)), tickFormat: (d: Date) => axis.format(monthKey(d)) };
  }
  const svg = render({
    width: t.width ?? 560,
    height: 270,
    marginTop: 24,
    marginLeft: 56,
    marginRight: 20,
    marginBottom: 34,
    x,
    y: yAxis(t.yLabel, rows.map((d) => d.value)),
    color: multi ? { domain: names, range: palette.slice(0, names.length), legend: true } : undefined,
    marks,
  });
  return figure(svg, t);
}

/** A histogram from precomputed bins [x0, x1) with counts; `logX` puts the x axis on a log scale. */
export function histogram(bins: { x0: number; x1: number; count: number }[], t: ChartText & { xLabel: string; yLabel?: string; logX?: boolean }): string {
  const rows = bins.filter((b) => ok(b.x0) && ok(b.x1) && ok(b.count) && (!t.logX || b.x0 > 0));
  if (rows.length === 0 || rows.every((b) => b.count === 0)) return nothing(t);
  const svg = render({
    width: t.width ?? 560,
    height: 270,
    marginTop: 24,
    marginLeft: 56,
    marginRight: 20,
    marginBottom: 48,
    x: { label: t.xLabel, type: t.logX ? 'log' : 'linear', tickFormat: fmtShort, ...xAxisBelow },
    y: yAxis(t.yLabel ?? 'customers', rows.map((b) => b.count)),
    marks: [
      Plot.rectY(rows, {
        x1: 'x0', x2: 'x1', y: 'count', fill: COLORS.accent, insetLeft: 0.5, insetRight: 0.5,
        title: (b: { x0: number; x1: number; count: number }) => `${fmtShort(b.x0)} to ${fmtShort(b.x1)}: ${num(b.count)}`,
      }),
      Plot.ruleY([0]),
    ],
  });
  return figure(svg, t);
}

/** A heat map of cells with a value colour and a text label in each cell. */
export function heatmap(
  cells: { x: string | number; y: string | number; value: number; label: string }[],
  t: ChartText & {
    xLabel: string; yLabel: string; colorLabel: string; xDomain?: (string | number)[]; yDomain?: (string | number)[];
    /** fixed colour range (e.g. [0, 1] for probabilities), so near-equal values look equal; default the data's range */
    colorDomain?: [number, number];
    /** a diverging scale around 0 (e.g. z-scores: blue below, red above) */
    diverging?: boolean;
  },
): string {
  const rows = cells.filter((c) => ok(c.value));
  if (rows.length === 0) return nothing(t);
  const lo = t.colorDomain?.[0] ?? Math.min(...rows.map((c) => c.value));
  const hi = t.colorDomain?.[1] ?? Math.max(...rows.map((c) => c.value));
  const width = t.width ?? 560;
  // room for the longest row label (cluster names), at least the 60 px numbers need
  const marginLeft = Math.max(60, Math.min(260, 14 + 6.6 * Math.max(0, ...(t.yDomain ?? rows.map((c) => c.y)).map((y) => String(y).length))));
  // Column labels longer than their cell (segment names) are turned, with room below for them.
  const xs = (t.xDomain ?? [...new Set(rows.map((c) => c.x))]).map(String);
  const longestX = Math.max(0, ...xs.map((x) => x.length));
  const turn = 6.2 * longestX > (width - marginLeft) / Math.max(1, xs.length);
  const svg = render({
    width,
    height: 80 + 56 * (t.yDomain?.length ?? new Set(rows.map((c) => c.y)).size) + (turn ? 4.4 * longestX : 0),
    marginLeft,
    marginBottom: turn ? 30 + 4.4 * longestX : 44,
    padding: 0.05,
    x: { label: t.xLabel, domain: t.xDomain, type: 'band', ...xAxisBelow, ...(turn ? { tickRotate: -35, labelOffset: 22 + 4.4 * longestX } : {}) },
    y: { label: t.yLabel, domain: t.yDomain, type: 'band' },
    // No colour legend: Plot draws continuous legends on a canvas, which server-side rendering lacks;
    // every cell carries its number instead.
    color: t.diverging
      ? { type: 'diverging', scheme: 'BuRd', pivot: 0, symmetric: true, label: t.colorLabel }
      : { type: 'linear', scheme: 'YlGnBu', label: t.colorLabel, ...(t.colorDomain ? { domain: t.colorDomain } : {}) },
    marks: [
      Plot.cell(rows, { x: 'x', y: 'y', fill: 'value', title: (c: { x: unknown; y: unknown; label: string }) => `${t.xLabel} ${String(c.x)}, ${t.yLabel} ${String(c.y)}: ${c.label.replace(/\n/g, ', ')}` }),
      // Dark text on light cells, white on dark ones (the upper part of the YlGnBu ramp).
      Plot.text(rows, { x: 'x', y: 'y', text: 'label', fill: (c: { value: number }) => {
        if (t.diverging) return Math.abs(c.value) / Math.max(Math.abs(lo), Math.abs(hi), 1e-12) > 0.6 ? 'white' : COLORS.ink;
        return hi > lo && (c.value - lo) / (hi - lo) > 0.6 ? 'white' : COLORS.ink;
      }, fontSize: 11 }),
    ],
  });
  return figure(svg, t);
}

/** Two bars per category (e.g. share of customers and share of revenue per segment), side by side. */
export function pairedBars(
  data: { label: string; a: number; b: number }[],
  names: [string, string],
  t: ChartText & { xLabel: string; percent?: boolean; format?: (v: number) => string },
): string {
  const rows = data.filter((d) => ok(d.a) && ok(d.b));
  if (rows.length === 0) return nothing(t);
  const long = rows.flatMap((d) => [{ label: d.label, measure: names[0], value: d.a }, { label: d.label, measure: names[1], value: d.b }]);
  const longest = Math.max(...rows.map((d) => d.label.length));
  const fmt = t.format ?? ((v: number) => (t.percent ? `${num(100 * v, 1)}%` : fmtShort(v)));
  const svg = render({
    width: t.width ?? 760,
    height: 60 + 40 * rows.length,
    marginLeft: Math.min(260, 12 + 6.8 * longest),
    marginRight: 56,
    marginBottom: 44,
    x: { label: t.xLabel, grid: true, tickFormat: t.percent ? (x: number) => `${Math.round(100 * x)}%` : fmtShort, ...xAxisBelow },
    y: { axis: null, domain: names },
    fy: { label: null, domain: rows.map((d) => d.label), padding: 0.2 },
    color: { domain: names, range: [COLORS.accent, COLORS.second], legend: true },
    marks: [
      Plot.barX(long, { x: 'value', y: 'measure', fy: 'label', fill: 'measure', title: (d: { label: string; measure: string; value: number }) => `${d.label}, ${d.measure}: ${fmt(d.value)}` }),
      Plot.text(long, { x: 'value', y: 'measure', fy: 'label', text: (d: { value: number }) => fmt(d.value), textAnchor: 'start', dx: 3, fontSize: 10 }),
      Plot.ruleX([0]),
    ],
  });
  return figure(svg, t);
}

/**
 * Bins for a positive, skewed quantity on a log scale (`perDecade` bins per factor of ten). Values ≤ 0 are
 * left out (count them separately and say so in the caption); positive values below `floor` (default 1)
 * are counted in the first bin, so a few cents do not stretch the axis over decades.
 */
export function logBins(values: ArrayLike<number>, perDecade = 4, floor = 1): { x0: number; x1: number; count: number }[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > 0 && Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(lo <= hi)) return [];
  if (floor > 0) {
    lo = Math.max(lo, floor);
    hi = Math.max(hi, lo);
  }
  const e0 = Math.floor(Math.log10(lo) * perDecade) / perDecade;
  const n = Math.max(1, Math.floor((Math.log10(hi) - e0) * perDecade + 1e-9) + 1);
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > 0 && Number.isFinite(v)) counts[Math.min(n - 1, Math.max(0, Math.floor((Math.log10(v) - e0) * perDecade + 1e-9)))]!++;
  }
  return counts.map((count, k) => ({ x0: 10 ** (e0 + k / perDecade), x1: 10 ** (e0 + (k + 1) / perDecade), count }));
}

/** `n` equal-width bins over the finite values (one bin when they are all equal). */
export function linearBins(values: ArrayLike<number>, n = 30): { x0: number; x1: number; count: number }[] {
  const xs = Array.from(values).filter(Number.isFinite);
  if (xs.length === 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of xs) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi === lo) return [{ x0: lo - 0.5, x1: hi + 0.5, count: xs.length }];
  const w = (hi - lo) / n;
  const counts = new Array<number>(n).fill(0);
  for (const v of xs) counts[Math.min(n - 1, Math.floor((v - lo) / w))]!++;
  return counts.map((count, k) => ({ x0: lo + k * w, x1: lo + (k + 1) * w, count }));
}

const GROUP_PALETTE = [COLORS.accent, COLORS.second, '#2563eb', '#9333ea', '#db2777', '#65a30d', '#0891b2', '#b45309', '#4b5563', '#dc2626'];

/** A scatter of points coloured by group (e.g. customers on two principal components, by cluster), with a legend. */
export function scatter(points: { x: number; y: number; group: string }[], t: ChartText & { xLabel: string; yLabel: string; groupOrder?: string[] }): string {
  const rows = points.filter((p) => ok(p.x) && ok(p.y));
  if (rows.length === 0) return nothing(t);
  const seen = new Set(rows.map((p) => p.group));
  const names = [...new Set([...(t.groupOrder ?? []).filter((g) => seen.has(g)), ...seen])];
  const svg = render({
    width: t.width ?? 560,
    height: 380,
    marginLeft: 50,
    marginBottom: 44,
    x: { label: t.xLabel, ...xAxisBelow },
    y: { label: t.yLabel, grid: true },
    color: { domain: names, range: names.map((_, i) => GROUP_PALETTE[i % GROUP_PALETTE.length]!), legend: true },
    marks: [Plot.dot(rows, { x: 'x', y: 'y', fill: 'group', r: 2, fillOpacity: 0.6, title: (p: { group: string }) => p.group })],
  });
  return figure(svg, t);
}

/** Lines over a numeric x (e.g. a score by k), one per series, with an optional marked x. */
export function lines(points: { x: number; y: number; series: string }[], t: ChartText & { xLabel: string; yLabel: string; markX?: number; format?: (v: number) => string }): string {
  const rows = points.filter((p) => ok(p.x) && ok(p.y));
  if (rows.length === 0) return nothing(t);
  const names = [...new Set(rows.map((p) => p.series))];
  const fmt = t.format ?? ((v: number) => num(v, 3));
  const svg = render({
    width: t.width ?? 460,
    height: 260,
    marginLeft: 56,
    marginBottom: 40,
    x: { label: t.xLabel, ticks: [...new Set(rows.map((p) => p.x))], tickFormat: (v: number) => String(v), ...xAxisBelow },
    y: { label: t.yLabel, grid: true, tickFormat: fmtShort },
    color: names.length > 1 ? { domain: names, range: GROUP_PALETTE.slice(0, names.length), legend: true } : undefined,
    marks: [
      ...(t.markX === undefined ? [] : [Plot.ruleX([t.markX], { stroke: COLORS.muted, strokeDasharray: '4,3' })]),
      Plot.lineY(rows, { x: 'x', y: 'y', z: 'series', stroke: names.length > 1 ? 'series' : COLORS.accent, strokeWidth: 2 }),
      Plot.dot(rows, { x: 'x', y: 'y', fill: names.length > 1 ? 'series' : COLORS.accent, r: 3, title: (p: { x: number; y: number; series: string }) => `${p.series} at ${p.x}: ${fmt(p.y)}` }),
    ],
  });
  return figure(svg, t);
}
