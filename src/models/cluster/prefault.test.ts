import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prefault } from './prefault.ts';

test('prefault never changes a value: the pages written before, during and after its pass keep what the caller wrote', async () => {
  // the worker does not keep the process alive (unref): this timer does, until the test ends
  const alive = setInterval(() => undefined, 1000);
  try {
    // 48 MiB of doubles: the caller writes every value while the worker runs its pass from the other end
    const n = 6 * 2 ** 20;
    const buffer = new SharedArrayBuffer(n * 8);
    const x = new Float64Array(buffer);
    // the first pages written before the worker starts
    for (let i = 0; i < 4096; i++) x[i] = i + 0.5;
    const done = prefault(buffer);
    for (let i = 4096; i < n; i++) x[i] = i + 0.5;
    await done;
    let wrong = 0;
    for (let i = 0; i < n; i++) if (x[i] !== i + 0.5) wrong++;
    assert.equal(wrong, 0);
    // the pages it reached first are resident and still zero where the caller wrote nothing
    const untouched = new Float64Array(new SharedArrayBuffer(2 ** 20));
    await prefault(untouched.buffer as SharedArrayBuffer);
    assert.ok(untouched.every((v) => v === 0));
  } finally {
    clearInterval(alive);
  }
});
