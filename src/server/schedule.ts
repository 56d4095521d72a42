/**
 * The refresh schedule of a workspace: one cron pattern (5 fields, or 6 with seconds first), an IANA time
 * zone (default UTC) and an on/off switch, kept in `<workspace>/server/schedule.json`. While the server runs,
 * the scheduler submits a refresh job at each time the pattern names — unless a refresh is still queued or
 * running, when that time is skipped (and said so in the schedule's state). Times come from croner; the
 * clock and timer are injectable so a test can drive it without waiting.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { SegmintError } from '../core/errors.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';

export interface Schedule {
  cron: string;
  timezone: string;
  enabled: boolean;
  updatedAt: string;
}

export interface ScheduleState {
  schedule: Schedule | null;
  /** the next times it will run (none when disabled or absent) */
  next: string[];
  lastFired?: { at: string; jobId?: string; skipped?: string };
}

const file = (dir: string) => join(dir, 'server', 'schedule.json');

export function readSchedule(dir: string): Schedule | null {
  const f = file(dir);
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as Schedule;
  } catch {
    return null;
  }
}

/** Check a pattern and zone; returns the pattern's next `n` times after `from`. */
export function checkSchedule(cron: string, timezone: string, n = 3, from = new Date()): Date[] {
  const fields = cron.trim().split(/\s+/);
  if (cron.length > 200 || fields.length < 5 || fields.length > 6) {
    throw new SegmintError('invalid-schedule', `'${cron.slice(0, 200)}' is not a cron pattern of 5 fields (minute hour day month weekday), or 6 with seconds first`, { hint: "e.g. '0 3 * * *' for 03:00 every day, '*/15 * * * *' every quarter hour" });
  }
  try {
    Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new SegmintError('invalid-schedule', `unknown time zone '${timezone.slice(0, 100)}'`, { hint: 'an IANA name such as Europe/London, or UTC' });
  }
  let c: Cron;
  try {
    c = new Cron(cron, { paused: true, timezone, mode: '5-or-6-parts' });
  } catch (e) {
    throw new SegmintError('invalid-schedule', `'${cron.slice(0, 200)}': ${(e as Error).message}`, { hint: "e.g. '0 3 * * *' for 03:00 every day" });
  }
  const next = c.nextRuns(n, from);
  c.stop();
  if (!next.length) throw new SegmintError('invalid-schedule', `'${cron.slice(0, 200)}' never runs`, { hint: 'check the day and month fields' });
  return next;
}

export function saveSchedule(dir: string, input: { cron: string; timezone?: string; enabled?: boolean }): Schedule {
  const timezone = input.timezone ?? 'UTC';
  checkSchedule(input.cron, timezone);
  const s: Schedule = { cron: input.cron.trim(), timezone, enabled: input.enabled ?? true, updatedAt: new Date().toISOString() };
  mkdirSync(join(dir, 'server'), { recursive: true });
  writeFileAtomic(file(dir), `${JSON.stringify(s, null, 2)}\n`);
  return s;
}

export function deleteSchedule(dir: string): void {
  const s = readSchedule(dir);
  if (!s) return;
  writeFileAtomic(file(dir), `${JSON.stringify({ ...s, enabled: false, updatedAt: new Date().toISOString() }, null, 2)}\n`);
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
}

export const REAL_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
};

/** Fires `fire` at each time of the workspace's schedule; `reload()` after the schedule changes. */
export class Scheduler {
  private timer: unknown;
  private stopped = false;
  /** the time last fired for: the next is looked for after it, so one time never fires twice */
  private firedFor = 0;
  lastFired?: ScheduleState['lastFired'];

  constructor(
    private readonly dir: string,
    /** submits the refresh; returns its job id, or a reason it was skipped */
    private readonly fire: () => { jobId?: string; skipped?: string },
    private readonly clock: Clock = REAL_CLOCK,
  ) {}

  state(): ScheduleState {
    const schedule = readSchedule(this.dir);
    const next = schedule?.enabled ? checkSchedule(schedule.cron, schedule.timezone, 3, new Date(this.clock.now())).map((d) => d.toISOString()) : [];
    return { schedule, next, ...(this.lastFired ? { lastFired: this.lastFired } : {}) };
  }

  reload(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const s = readSchedule(this.dir);
    if (!s?.enabled) return;
    let next: Date | undefined;
    try {
      next = checkSchedule(s.cron, s.timezone, 1, new Date(Math.max(this.clock.now(), this.firedFor)))[0];
    } catch {
      return;
    }
    if (!next) return;
    // long waits are taken in steps (a timer holds at most about 24.8 days)
    const wait = Math.max(0, Math.min(next.getTime() - this.clock.now(), 2 ** 31 - 1));
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      if (this.clock.now() + 5 >= next.getTime()) {
        this.firedFor = next.getTime();
        const r = this.fire();
        this.lastFired = { at: new Date(this.clock.now()).toISOString(), ...r };
      }
      this.reload();
    }, wait);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
