/**
 * A test hook for the kill tests (test/integration/engines-kill.test.ts): with SEGMINT_TEST_HOLD set to
 * `run` or `import`, a command stops right before the write that publishes its run (the runs row) or its
 * import (the sources row) — every other row already written — says so on stderr, and waits to be killed.
 * Unset (always, outside those tests), it does nothing.
 */
export async function holdForTest(point: 'run' | 'import'): Promise<void> {
  if (process.env.SEGMINT_TEST_HOLD !== point) return;
  process.stderr.write(`segmint-test-hold: ${point}\n`);
  // a timer keeps the process alive (a promise alone does not): it waits here until it is killed
  await new Promise(() => setInterval(() => undefined, 60_000));
}
