// A table whose rows come from the server a page at a time (every list is paged by the server, so a
// 1,000,000-customer workspace shows as fast as a small one): sortable columns, previous/next, a count.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useAsync, Async } from './async.tsx';
import { fmt } from './chart.tsx';

export interface Column<R> {
  key: string;
  label: string;
  /** the cell's content (default: the value formatted) */
  render?: (row: R) => ComponentChildren;
  sortable?: boolean;
  numeric?: boolean;
}

export interface Page<R> {
  rows: R[];
  total: number;
}

export interface PagedTableProps<R> {
  caption: string;
  columns: Column<R>[];
  load: (p: { offset: number; limit: number; sort?: string; order?: 'asc' | 'desc' }, signal: AbortSignal) => Promise<Page<R>>;
  pageSize?: number;
  /** what the list is of (a run, a filter): another list starts again at its first page */
  deps?: unknown[];
  initialSort?: { sort: string; order: 'asc' | 'desc' };
}

export function PagedTable<R extends Record<string, unknown>>(props: PagedTableProps<R>) {
  return <Paged<R> key={JSON.stringify(props.deps ?? [])} {...props} />;
}

function Paged<R extends Record<string, unknown>>({ caption, columns, load, pageSize = 25, deps = [], initialSort }: PagedTableProps<R>) {
  const [offset, setOffset] = useState(0);
  const [sort, setSort] = useState(initialSort);
  // the page keeps the offset it was loaded at: while the next one loads, the rows and the pager agree
  const state = useAsync(async (signal) => ({ ...(await load({ offset, limit: pageSize, ...(sort ?? {}) }, signal)), at: offset }), [offset, sort?.sort, sort?.order, ...deps]);
  const toggle = (key: string) => {
    setOffset(0);
    setSort((s) => (s?.sort === key ? { sort: key, order: s.order === 'asc' ? 'desc' : 'asc' } : { sort: key, order: 'desc' }));
  };
  return (
    <Async state={state} what={`Loading ${caption.toLowerCase()}`}>
      {(page) => (
        <div class="table-wrap" aria-busy={state.loading}>
          <table>
            <caption>{caption}</caption>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th scope="col" key={c.key} class={c.numeric ? 'num' : undefined} aria-sort={sort?.sort === c.key ? (sort.order === 'asc' ? 'ascending' : 'descending') : undefined}>
                    {c.sortable ? <button type="button" class="link" onClick={() => toggle(c.key)}>{c.label}{sort?.sort === c.key ? (sort.order === 'asc' ? ' ▲' : ' ▼') : ''}</button> : c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {page.rows.length === 0 && <tr><td colSpan={columns.length}>No rows.</td></tr>}
              {page.rows.map((r, i) => (
                <tr key={i}>{columns.map((c) => <td key={c.key} class={c.numeric ? 'num' : undefined}>{c.render ? c.render(r) : fmt(r[c.key])}</td>)}</tr>
              ))}
            </tbody>
          </table>
          <nav class="pager" aria-label={`${caption}: pages`}>
            <button type="button" disabled={page.at === 0} onClick={() => setOffset(Math.max(0, page.at - pageSize))}>Previous</button>
            <span aria-live="polite">{page.total === 0 ? 'none' : `${(page.at + 1).toLocaleString('en-US')}–${Math.min(page.at + page.rows.length, page.total).toLocaleString('en-US')} of ${page.total.toLocaleString('en-US')}`}</span>
            <button type="button" disabled={page.at + pageSize >= page.total} onClick={() => setOffset(page.at + pageSize)}>Next</button>
          </nav>
        </div>
      )}
    </Async>
  );
}
