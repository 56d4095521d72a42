// What the Value page reads from the server (GET /runs, /value/runs/{id}, /migration, /migration/customers)
// and the small formatting helpers its views share.
import { get } from '../api.ts';
import './value-clv.css';
import type { Page } from './table.tsx';

export interface RunListing {
  runId: number;
  kind: string;
  asOf: string | null;
  createdAt: string;
  customers: number | null;
  segments?: number;
  summary: string;
}

export interface SegmentStats {
  segment: string;
  customers: number;
  share: number;
  revenue: number;
  revenueShare: number;
  meanRecencyDays: number | null;
  meanFrequency: number | null;
  meanMonetary: number | null;
  action: string;
}

export interface GridCell {
  r: number;
  f: number;
  customers: number;
  revenue: number;
  /** the cell's most common segment */
  segment: string;
  segments: { segment: string; customers: number }[];
}

export interface ValueStats {
  runId: number;
  kind: string;
  asOf: string | null;
  createdAt?: string;
  bins: number;
  customers: number;
  revenue: number;
  segments: SegmentStats[];
  grid: GridCell[];
}

export interface MigrationDoc {
  from: { runId: number; kind: string; asOf: string };
  to: { runId: number; kind: string; asOf: string };
  labels: { from: string[]; to: string[] };
  cells: { from: string; to: string; customers: number; revenue: number }[];
}

export const runsOf = (kind: string, signal?: AbortSignal) => get<{ items: RunListing[] }>('/runs', { kind }, signal).then((r) => r.items);
export const valueStats = (runId: number, signal?: AbortSignal) => get<ValueStats>(`/value/runs/${runId}`, undefined, signal);

/** A page of a run's rows (GET /runs/{id}/rows) for a PagedTable. */
export async function runRows<R extends Record<string, unknown>>(runId: number, p: { offset: number; limit: number; sort?: string; order?: 'asc' | 'desc'; label?: string }, signal: AbortSignal): Promise<Page<R>> {
  const r = await get<{ items: R[]; total: number }>(`/runs/${runId}/rows`, p, signal);
  return { rows: r.items, total: r.total };
}

export const pct = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`);

/** "run 7 (as of 2011-12-10)" */
export const runLabel = (r: { runId: number; asOf: string | null }): string => `run ${r.runId}${r.asOf ? ` (as of ${r.asOf})` : ''}`;

/** Light fills that keep dark text readable (contrast above 7:1 with #1d2430), one per segment in order. */
export const PALETTE = ['#c6dbef', '#fdd0a2', '#c7e9c0', '#dadaeb', '#fcbba1', '#d9d9d9', '#fee391', '#a1d99b', '#bcbddc', '#9ecae1', '#fdae6b', '#e7cb94', '#cedb9c', '#e7969c', '#de9ed6'];
export const colourOf = (names: string[]) => (name: string): string => PALETTE[Math.max(0, names.indexOf(name)) % PALETTE.length]!;

/** An SVG element (the charts draw with the DOM, not a library's renderer). */
export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * A Plot chart as one image: the Chart names the whole (role img); Plot's names of its inner groups
 * ("line", "rule"…) are kept as data-mark instead (axe forbids aria-label on an SVG group without a role).
 */
export function asImage<E extends Element>(el: E): E {
  for (const g of el.querySelectorAll('[aria-label]')) {
    g.setAttribute('data-mark', g.getAttribute('aria-label') ?? '');
    g.removeAttribute('aria-label');
  }
  return el;
}
