// Migration between two runs of the same kind (RFM or LRFMP): pick the earlier and the later run, see the
// moves as a Sankey diagram and as a matrix of counts; a count opens exactly the customers who moved so,
// paged by the server (GET /migration/customers).
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api.ts';
import { href } from '../router.ts';
import { Async, useAsync } from './async.tsx';
import { Chart, fmt, money, Section } from './chart.tsx';
import { drawSankey } from './sankey.tsx';
import { PagedTable } from './table.tsx';
import { colourOf, runLabel, runsOf, type MigrationDoc, type RunListing } from './value-data.tsx';

const KINDS = [{ id: 'rfm', label: 'RFM' }, { id: 'lrfmp', label: 'LRFMP' }] as const;

export function MigrationView({ reloadKey }: { reloadKey: number }) {
  const [kind, setKind] = useState<'rfm' | 'lrfmp'>('rfm');
  const runs = useAsync((signal) => runsOf(kind, signal), [kind, reloadKey]);
  return (
    <Section title="Migration between two runs" id="migration">
      <div class="form-row">
        <div>
          <label for="migration-kind">Segmentation</label>
          <select id="migration-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as 'rfm' | 'lrfmp')}>
            {KINDS.map((k) => <option key={k.id} value={k.id}>{k.label}</option>)}
          </select>
        </div>
      </div>
      <Async state={runs} what="Loading the runs">
        {(items) => (items.length < 2
          ? <p class="empty-state">{items.length === 0 ? `No ${kind.toUpperCase()} run yet` : `Only one ${kind.toUpperCase()} run (${runLabel(items[0]!)})`} — a migration compares two. Run {kind.toUpperCase()} again with another as-of date (above, “Run {kind.toUpperCase()}”).</p>
          : <MigrationPicker key={kind} runs={items} />)}
      </Async>
    </Section>
  );
}

function MigrationPicker({ runs: listed }: { runs: RunListing[] }) {
  // in as-of order: by default the two latest as-of dates, the earlier one first
  const runs = [...listed].sort((a, b) => (a.asOf ?? '').localeCompare(b.asOf ?? '') || a.runId - b.runId);
  const [from, setFrom] = useState(runs[runs.length - 2]!.runId);
  const [to, setTo] = useState(runs[runs.length - 1]!.runId);
  useEffect(() => {
    setFrom(runs[runs.length - 2]!.runId);
    setTo(runs[runs.length - 1]!.runId);
  }, [runs.map((r) => r.runId).join(',')]);
  const select = (id: string, label: string, value: number, set: (n: number) => void) => (
    <div>
      <label for={id}>{label}</label>
      <select id={id} value={String(value)} onChange={(e) => set(Number((e.target as HTMLSelectElement).value))}>
        {runs.map((r) => <option key={r.runId} value={String(r.runId)}>{runLabel(r)} — {r.summary}</option>)}
      </select>
    </div>
  );
  return (
    <>
      <div class="form-row">
        {select('migration-from', 'From (earlier run)', from, setFrom)}
        {select('migration-to', 'To (later run)', to, setTo)}
      </div>
      {from === to ? <p class="hint">Choose two different runs.</p> : <Migration from={from} to={to} />}
    </>
  );
}

function Migration({ from, to }: { from: number; to: number }) {
  const m = useAsync((signal) => get<MigrationDoc>('/migration', { from, to }, signal), [from, to]);
  const [cell, setCell] = useState<{ from: string; to: string; customers: number }>();
  useEffect(() => setCell(undefined), [from, to]);
  return (
    <Async state={m} what="Comparing the runs">
      {(d) => {
        const count = (a: string, b: string) => d.cells.find((c) => c.from === a && c.to === b)?.customers ?? 0;
        const total = d.cells.reduce((s, c) => s + c.customers, 0);
        const stayed = d.cells.filter((c) => c.from === c.to).reduce((s, c) => s + c.customers, 0);
        const colour = colourOf([...new Set([...d.labels.from, ...d.labels.to])]);
        const fromTitle = `${runLabel(d.from)}`;
        const toTitle = `${runLabel(d.to)}`;
        return (
          <>
            <p>{fmt(total)} customers in either run: {fmt(stayed)} kept their segment, {fmt(total - stayed)} moved, entered or left. “(not in run)” is a customer scored in only one of the two runs.</p>
            <Chart
              title={`Moves from ${fromTitle} to ${toTitle}`}
              description={`A band from a segment of ${fromTitle} on the left to a segment of ${toTitle} on the right, as wide as the customers who moved so.`}
              deps={[d.from.runId, d.to.runId]}
              table={{ columns: ['from', 'to', 'customers', 'revenue between the runs'], rows: d.cells.map((c) => [c.from, c.to, c.customers, money(c.revenue)]) }}
              draw={(width) => drawSankey(d.cells.map((c) => ({ from: c.from, to: c.to, value: c.customers })), Math.min(width, 1000), colour, { fromTitle, toTitle })}
            />
            <div class="table-wrap">
              <table class="matrix">
                <caption>Customers by segment in {fromTitle} (rows) and {toTitle} (columns); a count lists them</caption>
                <thead>
                  <tr><th scope="col">from \ to</th>{d.labels.to.map((t) => <th scope="col" class="num" key={t}>{t}</th>)}<th scope="col" class="num">total</th></tr>
                </thead>
                <tbody>
                  {d.labels.from.map((f) => (
                    <tr key={f}>
                      <th scope="row">{f}</th>
                      {d.labels.to.map((t) => {
                        const n = count(f, t);
                        return (
                          <td key={t} class={`num${f === t ? ' same' : ''}`}>
                            {n === 0 ? <span class="zero">0</span> : (
                              <button type="button" class="link" aria-pressed={cell?.from === f && cell.to === t} aria-label={`${fmt(n)} customers from ${f} to ${t}`} onClick={() => setCell({ from: f, to: t, customers: n })}>{fmt(n)}</button>
                            )}
                          </td>
                        );
                      })}
                      <td class="num">{fmt(d.labels.to.reduce((s, t) => s + count(f, t), 0))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {cell && <MovedCustomers from={from} to={to} fromLabel={cell.from} toLabel={cell.to} onClose={() => setCell(undefined)} />}
          </>
        );
      }}
    </Async>
  );
}

interface MoveRow extends Record<string, unknown> { customer_id: string; from_label: string; to_label: string; change: string; revenue: number | null }

function MovedCustomers({ from, to, fromLabel, toLabel, onClose }: { from: number; to: number; fromLabel: string; toLabel: string; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // opening a cell moves the focus to its list
  useEffect(() => {
    heading.current?.focus();
    heading.current?.scrollIntoView({ block: 'start' });
  }, [from, to, fromLabel, toLabel]);
  return (
    <div class="moved" id="moved-customers">
      <div class="row-between">
        <h3 ref={heading} tabIndex={-1}>From {fromLabel} (run {from}) to {toLabel} (run {to})</h3>
        <button type="button" class="secondary" onClick={onClose}>Close</button>
      </div>
      <PagedTable<MoveRow>
        key={`${from}:${to}:${fromLabel}:${toLabel}`}
        caption={`Customers from ${fromLabel} to ${toLabel}`}
        deps={[from, to, fromLabel, toLabel]}
        load={async (p, signal) => {
          const r = await get<{ items: MoveRow[]; total: number }>('/migration/customers', { from, to, fromLabel, toLabel, limit: p.limit, offset: p.offset }, signal);
          return { rows: r.items, total: r.total };
        }}
        columns={[
          { key: 'customer_id', label: 'Customer', render: (r) => <a href={href('customers', r.customer_id)}>{r.customer_id}</a> },
          { key: 'change', label: 'Change' },
          { key: 'revenue', label: 'Revenue between the runs', numeric: true, render: (r) => money(r.revenue) },
        ]}
      />
    </div>
  );
}
