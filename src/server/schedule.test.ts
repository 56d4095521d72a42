import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSchedule, saveSchedule, Scheduler, type Clock } from './schedule.ts';

/** A clock whose time moves only when the test says so; timers run in time order. */
function fakeClock(start: string): Clock & { advance(ms: number): void } {
  let now = Date.parse(start);
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = ++seq;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (t) => void timers.delete(t as number),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = end;
    },
  };
}

test('a schedule every minute fires once a minute, at the minute, on an injected clock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'segmint-schedule-'));
  try {
    saveSchedule(dir, { cron: '* * * * *' });
    const clock = fakeClock('2026-03-01T10:00:30.000Z');
    const fired: string[] = [];
    const s = new Scheduler(dir, () => {
      fired.push(new Date(clock.now()).toISOString());
      return { jobId: `job-${fired.length}` };
    }, clock);
    s.reload();
    clock.advance(29_000);
    assert.deepEqual(fired, []);
    clock.advance(3 * 60_000);
    assert.deepEqual(fired, ['2026-03-01T10:01:00.000Z', '2026-03-01T10:02:00.000Z', '2026-03-01T10:03:00.000Z']);
    assert.equal(s.lastFired?.jobId, 'job-3');
    assert.deepEqual(s.state().next, ['2026-03-01T10:04:00.000Z', '2026-03-01T10:05:00.000Z', '2026-03-01T10:06:00.000Z']);
    // switched off: no more
    saveSchedule(dir, { cron: '* * * * *', enabled: false });
    s.reload();
    clock.advance(10 * 60_000);
    assert.equal(fired.length, 3);
    s.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a daily schedule in a time zone fires at that zone\'s wall-clock time', () => {
  // 03:00 in New York is 07:00 UTC in summer (EDT) and 08:00 UTC in winter (EST)
  assert.deepEqual(checkSchedule('0 3 * * *', 'America/New_York', 2, new Date('2026-03-07T12:00:00Z')).map((d) => d.toISOString()), ['2026-03-08T07:00:00.000Z', '2026-03-09T07:00:00.000Z']);
  assert.deepEqual(checkSchedule('0 3 * * *', 'America/New_York', 1, new Date('2026-01-10T12:00:00Z')).map((d) => d.toISOString()), ['2026-01-11T08:00:00.000Z']);
  // six fields: seconds first
  assert.deepEqual(checkSchedule('*/20 * * * * *', 'UTC', 3, new Date('2026-01-01T00:00:05Z')).map((d) => d.toISOString()), ['2026-01-01T00:00:20.000Z', '2026-01-01T00:00:40.000Z', '2026-01-01T00:01:00.000Z']);
  for (const bad of ['* * * *', '61 * * * *', 'every minute please', '* * 31 2 *']) assert.throws(() => checkSchedule(bad, 'UTC'), { code: 'invalid-schedule' }, bad);
  assert.throws(() => checkSchedule('* * * * *', 'Mars/Olympus'), { code: 'invalid-schedule' });
});
