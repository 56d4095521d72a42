// A customer id to open: the form navigates to #/customers/<id> (the page then says if there is none); without
// one, the customers of the latest RFM run to pick from.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.ts';
import { href, navigate } from '../router.ts';
import { Async, useAsync } from './async.tsx';
import { money } from './chart.tsx';
import { PagedTable, type Column } from './table.tsx';

export function CustomerSearch({ current }: { current?: string }) {
  const [value, setValue] = useState(current ?? '');
  useEffect(() => setValue(current ?? ''), [current]);
  const submit = (e: Event) => {
    e.preventDefault();
    const id = value.trim();
    if (id) navigate(href('customers', id));
  };
  return (
    <form class="search form-row" role="search" aria-label="Find a customer" onSubmit={submit}>
      <div>
        <label for="customer-id">Customer id</label>
        <input id="customer-id" type="search" value={value} maxLength={256} autoComplete="off" aria-describedby="customer-id-help" onInput={(e) => setValue((e.target as HTMLInputElement).value)} required />
      </div>
      <button type="submit">Open</button>
      <p id="customer-id-help" class="hint">The id as imported (the customer_id of the data), e.g. from an audience's member list.</p>
    </form>
  );
}

interface RunDoc { runId: number; kind: string; asOf?: string | null }
interface ScoreRow extends Record<string, unknown> { customer_id: string; segment: string; frequency: number; monetary: number; recency_days: number }

/** Without an id: the customers of the latest RFM run, paged and sorted by the server, each a link to open. */
export function CustomerPicker() {
  const runs = useAsync((signal) => get<{ items: RunDoc[] }>('/runs', { kind: 'rfm' }, signal), []);
  return (
    <Async state={runs} what="Loading the RFM runs">
      {(r) => {
        const run = r.items.at(-1);
        if (!run) return <p>No RFM run yet — run RFM from the <a href={href('overview')}>overview</a> to list customers by value here, or enter an id above.</p>;
        const columns: Column<ScoreRow>[] = [
          { key: 'customer_id', label: 'Customer', sortable: true, render: (x) => <a href={href('customers', x.customer_id)}>{x.customer_id}</a> },
          { key: 'segment', label: 'RFM segment', sortable: true },
          { key: 'frequency', label: 'Orders', sortable: true, numeric: true },
          { key: 'monetary', label: 'Revenue', sortable: true, numeric: true, render: (x) => money(x.monetary) },
          { key: 'recency_days', label: 'Days since last purchase', sortable: true, numeric: true },
        ];
        return (
          <PagedTable<ScoreRow>
            caption={`Or pick a customer: RFM run #${run.runId}${run.asOf ? ` as of ${run.asOf}` : ''}`}
            columns={columns}
            pageSize={10}
            initialSort={{ sort: 'monetary', order: 'desc' }}
            deps={[run.runId]}
            load={async (p, signal) => {
              const page = await get<{ total: number; items: ScoreRow[] }>(`/runs/${run.runId}/rows`, { limit: p.limit, offset: p.offset, sort: p.sort, order: p.order }, signal);
              return { rows: page.items, total: page.total };
            }}
          />
        );
      }}
    </Async>
  );
}
