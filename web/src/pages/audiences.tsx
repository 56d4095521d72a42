// Audiences: every definition with its size over its snapshots, the last snapshot's count and the count
// now; exports of the members (CSV, NDJSON) through the token; the overlap between the audiences ticked;
// webhook subscriptions (admin).
import { useState } from 'preact/hooks';
import { download, get } from '../api.ts';
import { Async, ErrorBox, useAsync } from '../components/async.tsx';
import { fmt, Section } from '../components/chart.tsx';
import { OverlapMatrix } from '../components/audience-overlap.tsx';
import { SnapshotTrend, useSnapshots } from '../components/audience-trend.tsx';
import { pct, type AudienceCount, type AudienceDef } from '../components/audience-types.ts';
import { Webhooks } from '../components/audience-webhooks.tsx';
import { href, type Route } from '../router.ts';

const PAGE = 20;

export function AudiencesPage(_: { route: Route }) {
  const list = useAsync((signal) => get<{ items: AudienceDef[] }>('/audiences', undefined, signal).then((r) => r.items), []);
  const [compare, setCompare] = useState<string[]>([]);
  // a page of rows at a time: each row counts its audience now and reads its snapshots
  const [page, setPage] = useState(0);
  const toggle = (name: string, on: boolean) => setCompare((xs) => (on ? [...xs, name].slice(-12) : xs.filter((x) => x !== name)));
  return (
    <>
      <h1 tabIndex={-1}>Audiences</h1>
      <p><a class="button" href={href('audiences', 'new')}>New audience</a></p>
      <Async state={list} what="Loading the audiences">
        {(items) => (
          <>
            <Section title="Audiences" id="list">
              {items.length === 0 ? <p class="empty-state" role="note">No audience yet — <a href={href('audiences', 'new')}>define the first one</a>, e.g. customers with no orders in the last 90 days.</p> : (
                <div class="table-wrap">
                  <table class="audiences">
                    <caption class="sr-only">Audiences</caption>
                    <thead>
                      <tr>
                        <th scope="col">Compare</th><th scope="col">Audience</th><th scope="col">Size over snapshots</th>
                        <th scope="col" class="num">Last snapshot</th><th scope="col" class="num">Now</th><th scope="col">Export</th>
                      </tr>
                    </thead>
                    <tbody>
                      {items.slice(page * PAGE, (page + 1) * PAGE).map((a) => <AudienceRow key={a.name} a={a} compared={compare.includes(a.name)} onCompare={(on) => toggle(a.name, on)} />)}
                    </tbody>
                  </table>
                  {items.length > PAGE && (
                    <nav class="pager" aria-label="Audiences: pages">
                      <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>Previous</button>
                      <span aria-live="polite">{page * PAGE + 1}–{Math.min(items.length, (page + 1) * PAGE)} of {items.length}</span>
                      <button type="button" disabled={(page + 1) * PAGE >= items.length} onClick={() => setPage(page + 1)}>Next</button>
                    </nav>
                  )}
                </div>
              )}
            </Section>
            {items.length > 0 && (
              <Section title="Overlap between audiences" id="overlap">
                <OverlapMatrix names={compare} />
              </Section>
            )}
            <Section title="Webhooks" id="webhooks">
              <Webhooks audiences={items} />
            </Section>
          </>
        )}
      </Async>
    </>
  );
}

function AudienceRow({ a, compared, onCompare }: { a: AudienceDef; compared: boolean; onCompare: (on: boolean) => void }) {
  const snaps = useSnapshots(a.name);
  const now = useAsync((signal) => get<AudienceCount>(`/audiences/${encodeURIComponent(a.name)}/count`, undefined, signal), [a.name, a.updatedAt]);
  const last = snaps.data?.at(-1);
  return (
    <tr>
      <td><input type="checkbox" checked={compared} onChange={(e) => onCompare((e.target as HTMLInputElement).checked)} aria-label={`Compare ${a.name}`} /></td>
      <td>
        <a href={href('audiences', a.name)}><strong>{a.name}</strong></a>
        {a.description && <div>{a.description}</div>}
        <div class="rule"><code>{a.where}</code></div>
      </td>
      <td>{snaps.error ? <span class="bad">could not load</span> : snaps.data ? <SnapshotTrend name={a.name} items={snaps.data} /> : <span class="hint">…</span>}</td>
      <td class="num">{last ? <>{fmt(last.customers)}<div class="hint">as of {last.asOf ?? '–'}</div></> : '–'}</td>
      <td class="num" data-count={a.name}>{now.error ? <span class="bad" title={(now.error as Error).message}>error</span> : now.data ? <>{fmt(now.data.customers)}<div class="hint">{pct(now.data.share)}</div></> : '…'}</td>
      <td><ExportButtons name={a.name} /></td>
    </tr>
  );
}

function ExportButtons({ name }: { name: string }) {
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const go = async (format: 'csv' | 'ndjson') => {
    setBusy(format);
    setError(undefined);
    try {
      await download(`/audiences/${encodeURIComponent(name)}/export`, { format }, `${name}.${format}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <div class="exports">
      {(['csv', 'ndjson'] as const).map((f) => (
        <button key={f} type="button" class="secondary" disabled={busy !== undefined} onClick={() => go(f)} aria-label={`Export ${name} as ${f.toUpperCase()}`}>
          {busy === f ? 'Exporting…' : f.toUpperCase()}
        </button>
      ))}
      {error !== undefined && <ErrorBox error={error} title="Export failed" />}
    </div>
  );
}
