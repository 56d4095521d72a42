// The segments of an RFM or LRFMP run: a treemap by customers or by revenue, the table of segments
// (customers, share, revenue, means, suggested action), and one segment's customers paged by the server.
import { useEffect, useRef, useState } from 'preact/hooks';
import { href, navigate, type Route } from '../router.ts';
import { Chart, fmt, money } from './chart.tsx';
import { PagedTable } from './table.tsx';
import { drawTreemap } from './treemap.tsx';
import { colourOf, pct, runRows, type ValueStats } from './value-data.tsx';

export function SegmentTreemap({ stats }: { stats: ValueStats }) {
  const [by, setBy] = useState<'customers' | 'revenue'>('customers');
  const colour = colourOf(stats.segments.map((s) => s.segment));
  const negative = stats.segments.filter((s) => s.revenue <= 0).length;
  return (
    <div>
      <fieldset class="toggle">
        <legend>Size the segments by</legend>
        {(['customers', 'revenue'] as const).map((k) => (
          <label class="inline" key={k}><input type="radio" name="treemap-by" value={k} checked={by === k} onChange={() => setBy(k)} /> {k}</label>
        ))}
      </fieldset>
      <Chart
        title={`Segments by ${by}`}
        description={`Each rectangle is a segment of run ${stats.runId}, its area the segment's ${by === 'customers' ? 'number of customers' : 'revenue (net spend up to the as-of date)'}.`}
        deps={[stats.runId, by]}
        table={{
          columns: ['segment', 'customers', 'share of customers', 'revenue', 'share of revenue'],
          rows: stats.segments.map((s) => [s.segment, s.customers, pct(s.share), money(s.revenue), pct(s.revenueShare)]),
        }}
        draw={(width) => drawTreemap(stats.segments.map((s) => ({
          name: s.segment, value: by === 'customers' ? s.customers : s.revenue, fill: colour(s.segment),
          label: by === 'customers' ? `${fmt(s.customers)} (${pct(s.share, 0)})` : `${money(s.revenue)} (${pct(s.revenueShare, 0)})`,
        })), Math.min(width, 900))}
      />
      {by === 'revenue' && negative > 0 && <p class="hint">{negative} segment{negative > 1 ? 's have' : ' has'} no positive revenue and no area here; the table shows it.</p>}
    </div>
  );
}

/** The segment table; a segment's "customers" button opens its customers below (kept in the address). */
export function SegmentTable({ stats, route, caption }: { stats: ValueStats; route: Route; caption: string }) {
  const open = (segment: string) => {
    const q = new URLSearchParams(route.query);
    q.set('segmentRun', String(stats.runId));
    q.set('segment', segment);
    navigate(`#/${route.parts.map(encodeURIComponent).join('/')}?${q.toString()}`);
  };
  return (
    <div class="table-wrap">
      <table class="segments">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Segment</th><th scope="col" class="num">Customers</th><th scope="col" class="num">Share</th><th scope="col" class="num">Revenue</th>
            <th scope="col" class="num">Revenue share</th><th scope="col" class="num">Mean recency (days)</th><th scope="col" class="num">Mean orders</th>
            <th scope="col" class="num">Mean net spend</th><th scope="col">Suggested action</th>
          </tr>
        </thead>
        <tbody>
          {stats.segments.map((s) => (
            <tr key={s.segment}>
              <th scope="row">{s.segment}</th>
              <td class="num"><button type="button" class="link" onClick={() => open(s.segment)} aria-label={`${fmt(s.customers)} customers in ${s.segment}: list them`}>{fmt(s.customers)}</button></td>
              <td class="num">{pct(s.share)}</td><td class="num">{money(s.revenue)}</td><td class="num">{pct(s.revenueShare)}</td>
              <td class="num">{fmt(s.meanRecencyDays === null ? null : Math.round(s.meanRecencyDays))}</td><td class="num">{fmt(s.meanFrequency, 1)}</td>
              <td class="num">{money(s.meanMonetary)}</td><td class="action">{s.action}</td>
            </tr>
          ))}
        </tbody>
        <tfoot><tr><th scope="row">All</th><td class="num">{fmt(stats.customers)}</td><td class="num">100%</td><td class="num">{money(stats.revenue)}</td><td colSpan={5} /></tr></tfoot>
      </table>
    </div>
  );
}

interface ScoreRow extends Record<string, unknown> { customer_id: string; segment: string; r: number; f: number; m: number | null; recency_days: number; frequency: number; monetary: number }

/** The customers of one segment of a run, paged and sorted by the server, each a link to the customer page. */
export function SegmentCustomers({ runId, segment, onClose }: { runId: number; segment: string; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // opening a segment moves the focus to its list (and the list into view)
  useEffect(() => {
    heading.current?.focus();
    heading.current?.scrollIntoView({ block: 'start' });
  }, [runId, segment]);
  return (
    <section class="card" aria-labelledby="segment-customers-h">
      <div class="row-between">
        <h2 id="segment-customers-h" ref={heading} tabIndex={-1}>Customers in {segment} (run {runId})</h2>
        <button type="button" class="secondary" onClick={onClose}>Close</button>
      </div>
      <PagedTable<ScoreRow>
        key={`${runId}:${segment}`}
        caption={`Customers in ${segment}`}
        deps={[runId, segment]}
        initialSort={{ sort: 'monetary', order: 'desc' }}
        load={(p, signal) => runRows<ScoreRow>(runId, { ...p, label: segment }, signal)}
        columns={[
          { key: 'customer_id', label: 'Customer', sortable: true, render: (r) => <a href={href('customers', String(r.customer_id))}>{String(r.customer_id)}</a> },
          { key: 'r', label: 'R', sortable: true, numeric: true },
          { key: 'f', label: 'F', sortable: true, numeric: true },
          { key: 'm', label: 'M', sortable: true, numeric: true },
          { key: 'recency_days', label: 'Recency (days)', sortable: true, numeric: true },
          { key: 'frequency', label: 'Orders', sortable: true, numeric: true },
          { key: 'monetary', label: 'Net spend', sortable: true, numeric: true, render: (r) => money(r.monetary) },
        ]}
      />
    </section>
  );
}
