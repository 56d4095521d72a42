// The quarantine in short (GET /quarantine): rows set aside at import, counted per source and reason, and
// a few of them with their raw values, so a marketer sees why lines were not loaded.
import { get } from '../api.ts';
import { Async, useAsync } from './async.tsx';
import { fmt } from './chart.tsx';
import type { QuarantinePage } from './overview-types.ts';

const EXAMPLES = 5;
const base = (f: string | null) => (f ? f.split('/').at(-1)! : '–');

/**
 * The names uploads were given (the server stores an upload under a random name): source id → name, from
 * the latest import jobs; a source imported otherwise keeps its file's name.
 */
async function uploadNames(signal: AbortSignal): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  try {
    const jobs = await get<{ items: { params?: { name?: string | null }; result?: { sourceId?: number | null } }[] }>('/jobs', { kind: 'import', status: 'succeeded', limit: 100 }, signal);
    for (const j of jobs.items) if (j.params?.name && typeof j.result?.sourceId === 'number') names.set(j.result.sourceId, j.params.name);
  } catch (e) {
    if (signal.aborted) throw e;
  }
  return names;
}

/** The raw values of a quarantined row, in one short line. */
function rawText(raw: unknown): string {
  if (raw === null || raw === undefined) return '–';
  const o = typeof raw === 'string' ? raw : Object.entries(raw as Record<string, unknown>).map(([k, v]) => `${k}=${v === null || v === undefined || v === '' ? '∅' : String(v)}`).join(', ');
  return o.length > 160 ? `${o.slice(0, 159)}…` : o;
}

export function QuarantineSummary({ version }: { version: number }) {
  const state = useAsync(async (signal) => {
    const [q, names] = await Promise.all([get<QuarantinePage>('/quarantine', { limit: EXAMPLES }, signal), uploadNames(signal)]);
    return { ...q, names };
  }, [version]);
  return (
    <Async state={state} what="Loading the quarantine">
      {(q) => {
        if (q.total === 0) return <p>No quarantined rows: every line imported so far was loaded.</p>;
        return (
          <>
            <p>{fmt(q.total)} rows were set aside at import (not loaded), by source and reason:</p>
            <div class="table-wrap">
              <table>
                <caption>Quarantined rows per source and reason</caption>
                <thead><tr><th scope="col">Source</th><th scope="col">Kind</th><th scope="col">Reason</th><th scope="col" class="num">Rows</th></tr></thead>
                <tbody>
                  {q.summary.map((s) => (
                    <tr key={`${s.sourceId}-${s.reason}`}>
                      <th scope="row">#{s.sourceId} {q.names.get(s.sourceId) ?? base(s.file)}</th>
                      <td>{s.kind}</td>
                      <td>{s.reason}</td>
                      <td class="num">{fmt(s.rows)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div class="table-wrap">
              <table>
                <caption>The first {fmt(Math.min(EXAMPLES, q.items.length))} quarantined rows</caption>
                <thead><tr><th scope="col" class="num">Source</th><th scope="col" class="num">Line</th><th scope="col">Reason</th><th scope="col">Raw values</th></tr></thead>
                <tbody>
                  {q.items.map((r) => (
                    <tr key={`${r.sourceId}-${r.line}-${r.reason}`}>
                      <td class="num">#{r.sourceId}</td>
                      <td class="num">{fmt(r.line)}</td>
                      <td class="reason">{r.reason}{r.detail ? <span class="hint"> — {r.detail}</span> : null}</td>
                      <td class="raw">{rawText(r.raw)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        );
      }}
    </Async>
  );
}
