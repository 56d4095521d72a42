// Starting work on the server (a job) and following it: a button, then a progress bar with the job's own
// words, then what it returned or why it failed. The page decides what to show of the result.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, waitJob, type Job } from '../api.ts';
import { ErrorBox } from './async.tsx';

export interface JobRef { id: string; kind: string; status: string }

export function useJob(): { job: Job | undefined; error: unknown; running: boolean; start: (submit: () => Promise<JobRef>) => Promise<Job | undefined> } {
  const [job, setJob] = useState<Job>();
  const [error, setError] = useState<unknown>();
  const [running, setRunning] = useState(false);
  const start = async (submit: () => Promise<JobRef>) => {
    setRunning(true);
    setError(undefined);
    setJob(undefined);
    try {
      const ref = await submit();
      const done = await waitJob(ref.id, setJob);
      if (done.status !== 'succeeded') setError(new ApiError(500, done.error?.code ?? done.status, done.error?.message ?? `the job ${done.status}`, done.error?.hint));
      return done;
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setRunning(false);
    }
  };
  return { job, error, running, start };
}

/** The progress of a running job, announced politely to screen readers. */
export function JobStatus({ job, running, error, children }: { job: Job | undefined; running: boolean; error: unknown; children?: (job: Job) => ComponentChildren }) {
  if (error) return <ErrorBox error={error} title="The job failed" />;
  if (!job) return running ? <p role="status">Starting…</p> : null;
  if (job.status === 'queued' || job.status === 'running') {
    const f = job.progress?.fraction;
    return (
      <div class="progress" role="status" aria-live="polite">
        <progress max={1} value={f ?? undefined} aria-label={`${job.kind} progress`} />
        <span>{job.progress?.message || job.status}{typeof f === 'number' ? ` (${Math.round(f * 100)}%)` : ''}</span>
      </div>
    );
  }
  // a failed or cancelled job is told by its error (set a moment after the job ends), never drawn as a result
  if (job.status !== 'succeeded') return <ErrorBox error={new ApiError(500, job.error?.code ?? job.status, job.error?.message ?? `the job ${job.status}`, job.error?.hint)} title="The job failed" />;
  return <div role="status">{children ? children(job) : <p class="good">Done.</p>}</div>;
}
