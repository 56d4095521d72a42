// An audience's stored snapshots (runs): their sizes as a small chart and a table, and a button that
// stores one now (a job on the server; analyst), after which the list reads them again.
import { send } from '../api.ts';
import { fmt } from './chart.tsx';
import { ErrorBox } from './async.tsx';
import { RoleHint, useAllowed } from '../session.ts';
import { JobStatus, useJob, type JobRef } from './job.tsx';
import { SnapshotTrend, trendWords, useSnapshots } from './audience-trend.tsx';

export function Snapshots({ name, changed }: { name: string; changed: boolean }) {
  const snaps = useSnapshots(name);
  const job = useJob();
  const can = useAllowed('analyst');
  const store = async () => {
    await job.start(() => send<JobRef>('POST', `/audiences/${encodeURIComponent(name)}/snapshots`, {}));
    snaps.reload();
  };
  return (
    <>
      {snaps.error ? <ErrorBox error={snaps.error} title="Could not read the snapshots" /> : !snaps.data ? <p class="loading">Loading the snapshots…</p> : (
        <>
          <div class="form-row">
            <SnapshotTrend name={name} items={snaps.data} />
            <p>{trendWords(name, snaps.data)}.</p>
          </div>
          {snaps.data.length > 0 && (
            <details class="numbers">
              <summary>Show the snapshots</summary>
              <table class="narrow">
                <caption class="sr-only">Snapshots of {name}</caption>
                <thead><tr><th scope="col">Run</th><th scope="col">As of</th><th scope="col">Stored</th><th scope="col" class="num">Customers</th></tr></thead>
                <tbody>{[...snaps.data].reverse().map((s) => <tr key={s.runId}><th scope="row">#{s.runId}</th><td>{s.asOf ?? '–'}</td><td>{s.createdAt.slice(0, 16).replace('T', ' ')}</td><td class="num">{fmt(s.customers)}</td></tr>)}</tbody>
              </table>
            </details>
          )}
        </>
      )}
      <p>
        <button type="button" class="secondary" onClick={store} disabled={job.running || !can.allowed} title={can.reason} aria-describedby={can.allowed ? undefined : 'snapshot-role'}>Store a snapshot now</button>
        <RoleHint need="analyst" id="snapshot-role" />
        {changed && <span class="hint"> (of the saved rule)</span>}
      </p>
      <JobStatus job={job.job} running={job.running} error={job.error}>
        {(j) => <p class="good">Stored snapshot #{String((j.result as { runId?: number } | undefined)?.runId ?? '–')}: {fmt((j.result as { customers?: number } | undefined)?.customers)} customers.</p>}
      </JobStatus>
    </>
  );
}
