// How fresh each kind of result is (GET /workspace's freshness): the last success with its run and as-of
// date, the last failure with its message; buttons to run RFM and clustering when there is none yet, and
// a refresh (POST /refresh) with its progress.
import { useState } from 'preact/hooks';
import { send } from '../api.ts';
import { useJob, JobStatus, type JobRef } from './job.tsx';
import { fmt } from './chart.tsx';
import { when, type Freshness } from './overview-types.ts';

const LABELS: Record<string, string> = {
  import: 'Import', rfm: 'RFM', lrfmp: 'LRFMP', clv: 'CLV fit', 'clv-predict': 'CLV prediction', cluster: 'Clustering', audience: 'Audience snapshot', refresh: 'Refresh',
};

interface RunResult { runId?: number | null; k?: number; customers?: { clustered?: number } | number; asOf?: string | null }
interface RefreshDoc { imported?: unknown[]; recomputed?: boolean; steps?: { step: string; runId?: number }[]; audiences?: unknown[] }

export function FreshnessTable({ freshness, hasData, onChanged, denied }: { freshness: Record<string, Freshness>; hasData: boolean; onChanged: () => void; denied?: string }) {
  const rfm = useJob();
  const cluster = useJob();
  const run = async (j: ReturnType<typeof useJob>, kind: 'rfm' | 'cluster') => {
    const done = await j.start(() => send<JobRef>('POST', `/runs/${kind}`, kind === 'cluster' ? { k: 'auto' } : {}));
    if (done) onChanged();
  };
  const action = (k: string) => {
    if (!hasData) return null;
    if (k === 'rfm') return <button type="button" class="secondary" disabled={rfm.running || !!denied} title={denied ? `Running RFM ${denied}` : undefined} onClick={() => run(rfm, 'rfm')}>Run RFM</button>;
    if (k === 'cluster') return <button type="button" class="secondary" disabled={cluster.running || !!denied} title={denied ? `Clustering ${denied}` : undefined} onClick={() => run(cluster, 'cluster')}>Run clustering</button>;
    return null;
  };
  return (
    <>
      <div class="table-wrap">
        <table>
          <caption class="sr-only">Last success and last failure of each kind of result</caption>
          <thead><tr><th scope="col">Result</th><th scope="col">Last success (UTC)</th><th scope="col" class="num">Run</th><th scope="col">As of</th><th scope="col">Last failure</th></tr></thead>
          <tbody>
            {Object.entries(freshness).map(([k, f]) => (
              <tr key={k}>
                <th scope="row">{LABELS[k] ?? k}</th>
                <td>{f.lastSuccess ? when(f.lastSuccess.at) : <>never {action(k)}</>}</td>
                <td class="num">{f.lastSuccess?.runId !== undefined ? `#${f.lastSuccess.runId}` : '–'}</td>
                <td>{f.lastSuccess?.asOf ?? '–'}</td>
                <td>{f.lastFailure ? <span class="bad">{when(f.lastFailure.at)}: {f.lastFailure.message}</span> : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!hasData && <p class="hint">No data yet: import a transactions file below, then run RFM and clustering here.</p>}
      {denied && <p class="hint" id="runs-denied">Running RFM, clustering or a refresh {denied}.</p>}
      <JobStatus {...rfm}>{(j) => (j.status === 'succeeded' ? <p class="good">RFM run #{fmt((j.result as RunResult)?.runId)} stored.</p> : null)}</JobStatus>
      <JobStatus {...cluster}>{(j) => (j.status === 'succeeded' ? <ClusterDone r={j.result as RunResult} /> : null)}</JobStatus>
    </>
  );
}

function ClusterDone({ r }: { r: RunResult }) {
  const n = typeof r?.customers === 'object' ? r.customers.clustered : r?.customers;
  return <p class="good">Clustering run #{fmt(r?.runId)} stored: {fmt(r?.k)} clusters{n !== undefined ? ` of ${fmt(n)} customers` : ''}.</p>;
}

export function RefreshButton({ onChanged, denied }: { onChanged: () => void; denied?: string }) {
  const j = useJob();
  const [force, setForce] = useState(false);
  const go = async () => {
    const done = await j.start(() => send<JobRef>('POST', '/refresh', force ? { force: true } : {}));
    if (done) onChanged();
  };
  return (
    <div class="refresh">
      <p class="hint">A refresh imports the files waiting in the workspace's inbox, re-runs the latest RFM, LRFMP, CLV and clustering runs on the new data, snapshots every audience and sends webhooks.</p>
      <div class="form-row">
        <button type="button" disabled={j.running || !!denied} aria-describedby={denied ? 'runs-denied' : undefined} onClick={go}>{j.running ? 'Refreshing…' : 'Refresh now'}</button>
        <label class="inline"><input type="checkbox" checked={force} onChange={(e) => setForce((e.target as HTMLInputElement).checked)} /> re-run even without new data</label>
      </div>
      <JobStatus {...j}>{(done) => (done.status === 'succeeded' ? <RefreshDone r={done.result as RefreshDoc} /> : null)}</JobStatus>
    </div>
  );
}

function RefreshDone({ r }: { r: RefreshDoc }) {
  const imported = r?.imported?.length ?? 0;
  const runs = (r?.steps ?? []).filter((s) => s.runId !== undefined).length;
  if (!r?.recomputed) return <p class="good">Refreshed: {imported === 0 ? 'no new file in the inbox' : `${fmt(imported)} files imported`}; the results were up to date, nothing re-run.</p>;
  return <p class="good">Refreshed: {fmt(imported)} files imported, {fmt(runs)} runs stored, {fmt(r.audiences?.length ?? 0)} audiences snapshotted.</p>;
}
