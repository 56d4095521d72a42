// An audience's size over its stored snapshots: a small line with a dot per snapshot, and the same in words
// for screen readers (its accessible name) and in a table behind "Show the numbers".
import * as Plot from '@observablehq/plot';
import { useEffect, useRef } from 'preact/hooks';
import { get } from '../api.ts';
import { useAsync } from './async.tsx';
import { fmt } from './chart.tsx';
import type { Snapshot } from './audience-types.ts';

export function useSnapshots(name: string) {
  return useAsync((signal) => get<{ items: Snapshot[] }>(`/audiences/${encodeURIComponent(name)}/snapshots`, undefined, signal).then((r) => r.items), [name]);
}

export function trendWords(name: string, items: Snapshot[]): string {
  if (items.length === 0) return `${name}: no snapshot yet`;
  const a = items[0]!;
  const b = items.at(-1)!;
  return items.length === 1
    ? `${name}: one snapshot, ${fmt(b.customers)} customers as of ${b.asOf ?? '–'}`
    : `${name}: ${items.length} snapshots, from ${fmt(a.customers)} customers (${a.asOf ?? '–'}) to ${fmt(b.customers)} (${b.asOf ?? '–'})`;
}

export function SnapshotTrend({ name, items }: { name: string; items: Snapshot[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    if (items.length === 0) {
      el.replaceChildren();
      return;
    }
    const data = items.map((s, i) => ({ i: i + 1, customers: s.customers ?? 0 }));
    const max = Math.max(1, ...data.map((d) => d.customers));
    const chart = Plot.plot({
      width: 140, height: 36, margin: 4, axis: null,
      x: { domain: [0.5, Math.max(2, data.length) + 0.5] }, y: { domain: [0, max * 1.1] },
      marks: [Plot.line(data, { x: 'i', y: 'customers', stroke: '#1f5fbf' }), Plot.dot(data, { x: 'i', y: 'customers', fill: '#1f5fbf', r: 2.5 })],
    });
    // the marks' own labels would be inside an image: the figure's one name says it all
    for (const g of chart.querySelectorAll('[aria-label]')) g.removeAttribute('aria-label');
    chart.setAttribute('role', 'img');
    chart.setAttribute('aria-label', trendWords(name, items));
    el.replaceChildren(chart);
  }, [name, items]);
  if (items.length === 0) return <span class="hint">no snapshot yet</span>;
  return <div class="trend" ref={box} />;
}
