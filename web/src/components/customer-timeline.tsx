// One customer's purchases and events over time: per calendar month (summed by the server, the whole
// history) as a chart with its numbers, and the latest lines and events as a table that shows more on demand.
import * as Plot from '@observablehq/plot';
import { useState } from 'preact/hooks';
import { get } from '../api.ts';
import { Async, useAsync } from './async.tsx';
import { Chart, fmt, money, type TableData } from './chart.tsx';
import { quietMarks, type CustomerActivity, type CustomerDoc, type TimelineItem } from './overview-types.ts';

const FIRST = 25;
const MORE = 50;
const MAX = 1000;

/** A UTC ISO time shown as YYYY-MM-DD HH:MM in `zone`. */
export function inZone(iso: string, zone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
  } catch {
    return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

export function ActivityChart({ activity }: { activity: CustomerActivity }) {
  const a = activity;
  if (a.months.length === 0) return <p>No purchases or events recorded for this customer.</p>;
  const data = a.months.map((m) => ({ ...m, date: new Date(`${m.month}-01T00:00:00Z`) }));
  const table: TableData = { columns: ['Month', 'Net revenue', 'Orders', 'Return orders', 'Events'], rows: a.months.map((m) => [m.month, m.revenue, m.orders, m.returns ?? 0, m.events ?? 0]) };
  const hasEvents = a.events > 0;
  return (
    <Chart
      title="Purchases per month"
      description={`Net revenue of each calendar month (${a.timezone}) with the number of orders above each bar${hasEvents ? ', and events per month as dots' : ''}; from ${a.months[0]!.month} to ${a.months.at(-1)!.month}.`}
      table={table}
      deps={[a]}
      draw={(width) => quietMarks(Plot.plot({
        width, height: 220, marginLeft: 60,
        x: { type: 'utc', label: null, domain: [new Date(data[0]!.date.getTime() - 16 * 86400e3), new Date(data.at(-1)!.date.getTime() + 46 * 86400e3)] },
        y: { grid: true, label: 'net revenue', zero: true },
        marks: [
          Plot.rectY(data, { x: 'date', y: 'revenue', interval: 'month', fill: '#1f5fbf', inset: 2, title: (d: { month: string; revenue: number; orders: number }) => `${d.month}: ${money(d.revenue)}, ${fmt(d.orders)} orders` }),
          Plot.text(data.filter((d) => d.orders > 0), { x: (d: { date: Date }) => new Date(d.date.getTime() + 15 * 86400e3), y: 'revenue', text: (d: { orders: number }) => `${d.orders}`, dy: -8, fill: '#1d2430' }),
          Plot.ruleY([0]),
        ],
      }))}
    />
  );
}

export function TimelineTable({ customerId, zone, total }: { customerId: string; zone: string; total: number }) {
  const [limit, setLimit] = useState(FIRST);
  const state = useAsync((signal) => get<CustomerDoc>(`/customers/${encodeURIComponent(customerId)}`, { timeline: limit }, signal), [customerId, limit]);
  return (
    <Async state={state} what="Loading the timeline">
      {(doc) => {
        const items = doc.timeline;
        return (
          <>
            <div class="table-wrap">
              <table>
                <caption>Latest purchases and events ({fmt(items.length)} of {fmt(total)}, times in {zone})</caption>
                <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Order</th><th scope="col">Product</th><th scope="col">Description</th><th scope="col" class="num">Quantity</th><th scope="col" class="num">Amount</th></tr></thead>
                <tbody>
                  {items.length === 0 && <tr><td colSpan={7}>No purchases or events.</td></tr>}
                  {items.map((t, i) => <Row key={i} t={t} zone={zone} />)}
                </tbody>
              </table>
            </div>
            {items.length < total && limit < MAX && (
              <button type="button" class="secondary more" disabled={state.loading} onClick={() => setLimit(Math.min(MAX, limit + MORE))}>{state.loading ? 'Loading…' : `Show ${fmt(Math.min(MORE, total - items.length))} more`}</button>
            )}
            {items.length < total && limit >= MAX && <p class="hint">The first {fmt(MAX)} are shown; export the customer's rows for the rest.</p>}
          </>
        );
      }}
    </Async>
  );
}

function Row({ t, zone }: { t: TimelineItem; zone: string }) {
  const isTx = t.type === 'purchase' || t.type === 'return';
  const props = !isTx && t.properties && typeof t.properties === 'object' ? Object.entries(t.properties as Record<string, unknown>).map(([k, v]) => `${k}: ${String(v)}`).join(', ') : null;
  return (
    <tr class={t.type === 'return' ? 'return' : undefined}>
      <td class="nowrap">{inZone(t.ts, zone)}</td>
      <td>{isTx ? t.type : <span class="badge">{t.type}</span>}</td>
      <td>{t.orderId ?? '–'}</td>
      <td>{t.productId ?? '–'}</td>
      <td>{isTx ? (t.description ?? '–') : (props || '–')}</td>
      <td class="num">{fmt(t.quantity)}</td>
      <td class="num">{t.amount === null || t.amount === undefined ? '–' : t.amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}</td>
    </tr>
  );
}
