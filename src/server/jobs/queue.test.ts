import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobQueue, type JobEvent } from './queue.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'segmint-queue-'));

test('jobs run one at a time in order; their events and state are logged in the workspace', async () => {
  const dir = tmp();
  try {
    const q = new JobQueue(dir);
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const work = (name: string) => ({
      kind: 'test', params: { name },
      run: async (progress: (m: string, f?: number) => void) => {
        most = Math.max(most, ++running);
        order.push(`start ${name}`);
        for (let i = 1; i <= 3; i++) {
          await new Promise((r) => setTimeout(r, 5));
          progress(`step ${i}`, i / 3);
        }
        order.push(`end ${name}`);
        running--;
        return { name };
      },
    });
    const jobs = ['a', 'b', 'c'].map((n) => q.submit(work(n)));
    await q.idle();
    assert.equal(most, 1);
    assert.deepEqual(order, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    for (const j of jobs) {
      const got = q.get(j.id);
      assert.equal(got.status, 'succeeded');
      assert.deepEqual(got.result, { name: got.params.name });
      const events = q.eventsOf(j.id);
      assert.deepEqual(events.map((e) => e.type === 'status' ? e.status : e.message), ['queued', 'running', 'step 1', 'step 2', 'step 3', 'succeeded']);
      const logged = readFileSync(join(dir, 'server', 'jobs', `${j.id}.ndjson`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JobEvent);
      assert.deepEqual(logged, events);
      assert.equal((JSON.parse(readFileSync(join(dir, 'server', 'jobs', `${j.id}.json`), 'utf8')) as { status: string }).status, 'succeeded');
    }
    // newest first
    assert.deepEqual(q.list().map((j) => j.params.name), ['c', 'b', 'a']);
    await q.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cancel: a queued job at once, a running one at its next progress report; a failure keeps its code', async () => {
  const dir = tmp();
  try {
    const q = new JobQueue(dir);
    let steps = 0;
    const long = q.submit({
      kind: 'long',
      run: async (progress) => {
        for (;;) {
          await new Promise((r) => setTimeout(r, 5));
          progress(`step ${++steps}`);
        }
      },
    });
    const queued = q.submit({ kind: 'never', run: async () => assert.fail('a cancelled job must not run') });
    const failing = q.submit({ kind: 'fails', run: async () => { throw Object.assign(new Error('bad input'), { code: 'x' }); } });
    while (steps < 3) await new Promise((r) => setTimeout(r, 5));
    assert.equal(q.cancel(queued.id).status, 'cancelled');
    q.cancel(long.id);
    await q.idle();
    assert.equal(q.get(long.id).status, 'cancelled');
    assert.equal(q.get(long.id).error?.code, 'cancelled');
    assert.equal(q.get(failing.id).status, 'failed');
    assert.equal(q.get(failing.id).error?.message, 'bad input');
    assert.throws(() => q.get('job_nonsense'), { code: 'unknown-job' });
    await q.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a job left running by a stopped server is interrupted at the next start', async () => {
  const dir = tmp();
  try {
    const q = new JobQueue(dir);
    let started = false;
    const j = q.submit({ kind: 'stuck', run: () => { started = true; return new Promise(() => undefined); } });
    while (!started) await new Promise((r) => setTimeout(r, 5));
    // the process "stops" here: a new queue reads the log
    const again = new JobQueue(dir);
    const got = again.get(j.id);
    assert.equal(got.status, 'interrupted');
    assert.equal(got.error?.code, 'server-stopped');
    assert.deepEqual(again.eventsOf(j.id).map((e) => e.status).filter(Boolean), ['queued', 'running', 'interrupted']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
