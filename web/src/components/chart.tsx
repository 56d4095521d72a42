// A chart (Observable Plot, or any SVG/HTML element a page draws) in a figure with a caption, an
// accessible name and description, and its numbers as a table behind "Show the numbers": the text
// alternative for people who cannot see the chart, and for everyone who wants the exact figures.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface TableData {
  columns: string[];
  rows: (string | number | null)[][];
}

export function Chart({ title, description, draw, table, deps = [] }: {
  title: string;
  /** one sentence saying what the chart shows (read by screen readers) */
  description: string;
  /** draws the chart for a width in pixels */
  draw: (width: number) => Element;
  table?: TableData;
  deps?: unknown[];
}) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(640);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(280, Math.floor(el.clientWidth))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const chart = draw(width);
    chart.setAttribute('role', 'img');
    chart.setAttribute('aria-label', `${title}. ${description}`);
    el.replaceChildren(chart);
  }, [width, ...deps]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-body" />
      {table && <NumbersTable title={title} table={table} />}
    </figure>
  );
}

export function NumbersTable({ title, table }: { title: string; table: TableData }) {
  return (
    <details class="numbers">
      <summary>Show the numbers</summary>
      <table>
        <caption class="sr-only">{title}</caption>
        <thead><tr>{table.columns.map((c) => <th scope="col" key={c}>{c}</th>)}</tr></thead>
        <tbody>{table.rows.map((r, i) => <tr key={i}>{r.map((v, j) => (j === 0 ? <th scope="row" key={j}>{fmt(v)}</th> : <td key={j}>{fmt(v)}</td>))}</tr>)}</tbody>
      </table>
    </details>
  );
}

export function fmt(v: unknown, digits = 2): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: digits });
  return String(v);
}

export const money = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: 0 }));

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" aria-labelledby={id ? `${id}-h` : undefined}>
      <h2 id={id ? `${id}-h` : undefined}>{title}</h2>
      {children}
    </section>
  );
}
