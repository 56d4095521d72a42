// "Run RFM" (or LRFMP): an optional as-of date and a button that starts the run as a job on the server,
// shows its progress and, when it is done, tells the page to read the runs again.
import { useState } from 'preact/hooks';
import { send } from '../api.ts';
import { RoleHint, useAllowed } from '../session.ts';
import { JobStatus, useJob, type JobRef } from './job.tsx';

export function RunValueButton({ kind, onDone, label }: { kind: 'rfm' | 'lrfmp'; onDone: (runId: number | undefined) => void; label?: string }) {
  const job = useJob();
  const can = useAllowed('analyst');
  const [asOf, setAsOf] = useState('');
  const name = kind.toUpperCase();
  const start = async (e: Event) => {
    e.preventDefault();
    const done = await job.start(async () => {
      const r = await send<JobRef & { runId?: number }>('POST', `/runs/${kind}`, asOf ? { asOf } : {});
      // a server without a queue answers with the run itself
      return r.id ? r : { id: '', kind, status: 'succeeded' };
    });
    if (done?.status === 'succeeded') onDone((done.result as { runId?: number } | undefined)?.runId);
  };
  return (
    <form class="run-form form-row" onSubmit={start}>
      <div>
        <label for={`${kind}-as-of`}>{name} as-of date (optional)</label>
        <input id={`${kind}-as-of`} type="date" value={asOf} onInput={(e) => setAsOf((e.target as HTMLInputElement).value)} aria-describedby={`${kind}-as-of-hint`} />
      </div>
      <button type="submit" disabled={job.running || !can.allowed} title={can.reason} aria-describedby={can.allowed ? undefined : `${kind}-run-role`}>{label ?? `Run ${name}`}</button>
      <RoleHint need="analyst" id={`${kind}-run-role`} />
      <p id={`${kind}-as-of-hint`} class="hint">Scores every customer on their purchases before the as-of date (default: the day after the last purchase).</p>
      <JobStatus job={job.job} running={job.running} error={job.error}>{(j) => <p class="good">{name} run {(j.result as { runId?: number } | undefined)?.runId ?? ''} stored.</p>}</JobStatus>
    </form>
  );
}
