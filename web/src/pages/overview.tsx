// Overview: what the workspace holds and how fresh each result is.
import { get } from '../api.ts';
import { Async, useAsync } from '../components/async.tsx';
import { fmt, Section } from '../components/chart.tsx';

export interface WorkspaceDoc {
  engine: string;
  asOf: string | null;
  counts: Record<string, number>;
  audiences: number;
  freshness: Record<string, { lastSuccess: { runId?: number; at: string; asOf?: string | null } | null; lastFailure: { at: string; message: string; jobId?: string } | null }>;
}

export function OverviewPage() {
  const ws = useAsync((signal) => get<WorkspaceDoc>('/workspace', undefined, signal), []);
  return (
    <>
      <h1 tabIndex={-1}>Overview</h1>
      <Async state={ws} what="Loading the workspace">
        {(w) => (
          <>
            <Section title="The workspace" id="counts">
              <dl class="stats">
                {(['customers', 'transactions', 'events', 'sources', 'quarantined', 'runs'] as const).map((k) => (
                  <div key={k}><dt>{k}</dt><dd>{fmt(w.counts[k] ?? 0)}</dd></div>
                ))}
                <div><dt>audiences</dt><dd>{fmt(w.audiences)}</dd></div>
                <div><dt>engine</dt><dd>{w.engine}</dd></div>
              </dl>
            </Section>
            <Section title="Freshness" id="freshness">
              <table>
                <caption class="sr-only">Last success and failure of each kind of result</caption>
                <thead><tr><th scope="col">Result</th><th scope="col">Last success</th><th scope="col">Run</th><th scope="col">Last failure</th></tr></thead>
                <tbody>
                  {Object.entries(w.freshness).map(([k, f]) => (
                    <tr key={k}>
                      <th scope="row">{k}</th>
                      <td>{f.lastSuccess ? f.lastSuccess.at : 'never'}</td>
                      <td>{f.lastSuccess?.runId ?? '–'}</td>
                      <td>{f.lastFailure ? <span class="bad">{f.lastFailure.at}: {f.lastFailure.message}</span> : '–'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Section>
          </>
        )}
      </Async>
    </>
  );
}
