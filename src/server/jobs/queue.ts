/**
 * The server's job queue. Long work (an import, an RFM, CLV or cluster run, an audience snapshot, a refresh)
 * runs as a job: queued, then run one at a time — the workspace has one database connection, and DuckDB one
 * writer — with progress, a cancel, and a log kept in the workspace:
 *
 *   <workspace>/server/jobs/<id>.json     the job as last known (written atomically at each change of state)
 *   <workspace>/server/jobs/<id>.ndjson   its events, one per line (status changes and progress)
 *
 * A server that stops with jobs queued or running leaves them so; the next start marks them `interrupted`
 * (a killed job's writes are journalled, so none is left half-done: store/journal.ts).
 *
 * `exclusive(fn)` runs `fn` between jobs: anything else that uses the connection (the webhook outbox reads)
 * goes through it, so it never sees a job's uncommitted rows.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSegmintError, SegmintError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../store/atomic-write.ts';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
const FINISHED: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);
export const isFinished = (s: JobStatus) => FINISHED.has(s);

export interface Job {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  status: JobStatus;
  /** the token name (or 'schedule') that submitted it */
  submittedBy?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  progress: { message: string; fraction: number | null };
  result?: unknown;
  error?: { code: string; message: string; hint?: string };
  /** a cancel was asked for while it ran; it stops at its next step */
  cancelRequested?: boolean;
}

/** One event of a job, as its log file and the SSE stream carry it. */
export interface JobEvent {
  seq: number;
  at: string;
  type: 'status' | 'progress';
  status?: JobStatus;
  message?: string;
  fraction?: number | null;
  error?: Job['error'];
}

export interface JobWork {
  kind: string;
  params?: Record<string, unknown>;
  submittedBy?: string;
  /** does the work; reports progress; stops (throws) when the signal is aborted */
  run: (progress: (message: string, fraction?: number) => void, signal: AbortSignal) => Promise<unknown>;
}

type Listener = (e: JobEvent, job: Job) => void;

const newId = () => `job_${Date.now().toString(36).padStart(9, '0')}${randomBytes(4).toString('hex')}`;
const ID_RE = /^job_[0-9a-z]{9}[0-9a-f]{8}$/;
export const isJobId = (s: string) => ID_RE.test(s);

export class JobQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly events = new Map<string, JobEvent[]>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly work = new Map<string, JobWork>();
  private readonly controllers = new Map<string, AbortController>();
  private readonly waiting: string[] = [];
  private lock: Promise<unknown> = Promise.resolve();
  private running: string | null = null;
  private closed = false;
  private lastProgressWrite = new Map<string, number>();
  readonly dir: string;

  constructor(workspaceDir: string, private readonly options: { keep?: number } = {}) {
    this.dir = join(workspaceDir, 'server', 'jobs');
    mkdirSync(this.dir, { recursive: true });
    this.load();
  }

  /** Read the job log; jobs a stopped server left queued or running become interrupted. */
  private load(): void {
    const keep = this.options.keep ?? 1000;
    const files = readdirSync(this.dir).filter((f) => f.endsWith('.json') && isJobId(f.slice(0, -5))).sort();
    for (const f of files.slice(-keep)) {
      let job: Job;
      try {
        job = JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as Job;
      } catch {
        continue;
      }
      if (!isFinished(job.status)) {
        job.status = 'interrupted';
        job.finishedAt = new Date().toISOString();
        job.error = { code: 'server-stopped', message: 'the server stopped before this job finished; its writes were undone or never started', hint: 'submit it again' };
        this.save(job);
        this.appendEvent(job, { type: 'status', status: 'interrupted', error: job.error });
      }
      this.jobs.set(job.id, job);
    }
  }

  private save(job: Job): void {
    writeFileAtomic(join(this.dir, `${job.id}.json`), `${JSON.stringify(job, null, 2)}\n`);
  }

  private appendEvent(job: Job, e: Omit<JobEvent, 'seq' | 'at'>): JobEvent {
    const list = this.events.get(job.id) ?? this.readEvents(job.id);
    const ev: JobEvent = { seq: list.length + 1, at: new Date().toISOString(), ...e };
    list.push(ev);
    this.events.set(job.id, list);
    appendFileSync(join(this.dir, `${job.id}.ndjson`), `${JSON.stringify(ev)}\n`);
    for (const l of this.listeners.get(job.id) ?? []) l(ev, job);
    return ev;
  }

  private readEvents(id: string): JobEvent[] {
    const f = join(this.dir, `${id}.ndjson`);
    if (!existsSync(f)) return [];
    const out: JobEvent[] = [];
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as JobEvent);
      } catch {
        // a line cut short by a killed process
      }
    }
    return out;
  }

  /** Queue work; it starts when the jobs before it are done. */
  submit(w: JobWork): Job {
    if (this.closed) throw new SegmintError('busy', 'the server is stopping and takes no more jobs', { hint: 'submit it again once the server is back' });
    const job: Job = {
      id: newId(), kind: w.kind, params: w.params ?? {}, status: 'queued', ...(w.submittedBy ? { submittedBy: w.submittedBy } : {}),
      createdAt: new Date().toISOString(), progress: { message: 'queued', fraction: 0 },
    };
    this.jobs.set(job.id, job);
    this.work.set(job.id, w);
    this.save(job);
    this.appendEvent(job, { type: 'status', status: 'queued' });
    this.waiting.push(job.id);
    void this.pump();
    return job;
  }

  get(id: string): Job {
    const j = isJobId(id) ? this.jobs.get(id) : undefined;
    if (!j) throw new SegmintError('unknown-job', `no job ${JSON.stringify(id.slice(0, 100))} on this server`, { hint: 'list jobs with GET /jobs' });
    return j;
  }

  /** Jobs, newest first. */
  list(filter: { status?: JobStatus; kind?: string } = {}): Job[] {
    return [...this.jobs.values()].filter((j) => (!filter.status || j.status === filter.status) && (!filter.kind || j.kind === filter.kind))
      .sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  /** A job's events so far (from its log when this server did not run it). */
  eventsOf(id: string): JobEvent[] {
    this.get(id);
    return [...(this.events.get(id) ?? this.readEvents(id))];
  }

  /** Listen to a job's events; returns the function that stops listening. */
  subscribe(id: string, l: Listener): () => void {
    this.get(id);
    const set = this.listeners.get(id) ?? new Set<Listener>();
    set.add(l);
    this.listeners.set(id, set);
    return () => set.delete(l);
  }

  /** Cancel: a queued job at once; a running one at its next step (its writes so far are journalled). */
  cancel(id: string): Job {
    const job = this.get(id);
    if (isFinished(job.status)) return job;
    if (job.status === 'queued') {
      const i = this.waiting.indexOf(id);
      if (i >= 0) this.waiting.splice(i, 1);
      this.finish(job, 'cancelled', { error: { code: 'cancelled', message: 'cancelled before it started' } });
      return job;
    }
    job.cancelRequested = true;
    this.save(job);
    this.controllers.get(id)?.abort(new SegmintError('cancelled', 'the job was cancelled', { hint: 'results stored before the cancel are kept' }));
    return job;
  }

  /** Run `fn` when no job is running (and hold jobs back until it is done). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  /** Resolves when no job is queued or running. */
  async idle(): Promise<void> {
    while (this.running !== null || this.waiting.length) await new Promise((r) => setTimeout(r, 20));
  }

  /** Take no more jobs; cancel the queued ones; wait for the running one to stop (it is asked to). */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of this.waiting.splice(0)) {
      const j = this.jobs.get(id);
      if (j) this.finish(j, 'cancelled', { error: { code: 'server-stopped', message: 'the server stopped before this job started' } });
    }
    if (this.running) this.controllers.get(this.running)?.abort(new SegmintError('cancelled', 'the server is stopping'));
    await this.lock;
  }

  private finish(job: Job, status: JobStatus, extra: { result?: unknown; error?: Job['error'] } = {}): void {
    job.status = status;
    job.finishedAt = new Date().toISOString();
    if (extra.result !== undefined) job.result = extra.result;
    if (extra.error) job.error = extra.error;
    if (status === 'succeeded') job.progress = { message: 'done', fraction: 1 };
    this.work.delete(job.id);
    this.save(job);
    this.appendEvent(job, { type: 'status', status, ...(extra.error ? { error: extra.error } : {}) });
  }

  private async pump(): Promise<void> {
    if (this.running !== null) return;
    const id = this.waiting.shift();
    if (id === undefined) return;
    const job = this.jobs.get(id)!;
    const w = this.work.get(id)!;
    this.running = id;
    try {
      await this.exclusive(() => this.runJob(job, w));
    } finally {
      this.running = null;
      void this.pump();
    }
  }

  private async runJob(job: Job, w: JobWork): Promise<void> {
    if (job.status !== 'queued') return;
    const ctl = new AbortController();
    this.controllers.set(job.id, ctl);
    job.status = 'running';
    job.startedAt = new Date().toISOString();
    job.progress = { message: 'started', fraction: 0 };
    this.save(job);
    this.appendEvent(job, { type: 'status', status: 'running' });
    const progress = (message: string, fraction?: number) => {
      if (ctl.signal.aborted) throw ctl.signal.reason;
      job.progress = { message: String(message).slice(0, 500), fraction: fraction === undefined || !Number.isFinite(fraction) ? null : Math.min(1, Math.max(0, fraction)) };
      this.appendEvent(job, { type: 'progress', message: job.progress.message, fraction: job.progress.fraction });
      // the job file follows the progress at most every second
      const now = Date.now();
      if (now - (this.lastProgressWrite.get(job.id) ?? 0) > 1000) {
        this.lastProgressWrite.set(job.id, now);
        this.save(job);
      }
    };
    try {
      const result = await w.run(progress, ctl.signal);
      if (ctl.signal.aborted && !job.cancelRequested) throw ctl.signal.reason;
      this.finish(job, 'succeeded', { result: result === undefined ? null : JSON.parse(JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) });
    } catch (e) {
      const cancelled = ctl.signal.aborted || isSegmintError(e, 'cancelled');
      const error = isSegmintError(e) ? { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } : { code: 'job-failed', message: e instanceof Error ? e.message : String(e) };
      this.finish(job, cancelled ? 'cancelled' : 'failed', { error: cancelled ? { code: 'cancelled', message: error.message } : error });
    } finally {
      this.controllers.delete(job.id);
      this.lastProgressWrite.delete(job.id);
    }
  }
}
