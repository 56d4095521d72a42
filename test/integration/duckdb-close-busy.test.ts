// Closing a DuckDB connection while a query runs on it: the driver deadlocks when the connection goes away under
// the query (engines/duckdb-calls.ts; CI saw a studio test's process hang after its last test). The engine closes
// such a connection when the query has settled: the query is interrupted, the process ends, and the file is free.
// Each case runs in a child process, so that a deadlock shows as a timeout here instead of a hung test run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ENGINE = resolve(import.meta.dirname, '../../src/engines/duckdb.ts');

/** Run `body` (with `openDuckDb` and `file` in scope) in a new process; its stdout's last line, or a timeout. */
function child(dir: string, body: string): { status: number | null; out: string; timedOut: boolean } {
  const script = join(dir, 'case.mts');
  writeFileSync(script, `import { openDuckDb } from ${JSON.stringify(ENGINE)};
const file = ${JSON.stringify(join(dir, 'db.duckdb'))};
${body}
`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${(r.stdout ?? '').trim().split('\n').pop() ?? ''}${r.status === 0 ? '' : ` ${r.stderr}`}`, timedOut: r.error !== undefined && /ETIMEDOUT/.test(String(r.error)) };
}

// a query of several seconds: a cross join counted without a shortcut
const SLOW = 'SELECT sum(a.range * b.range % 7) AS s FROM range(60000) a, range(60000) b';

/**
 * In a new process: a slow query on `conn` ('reader': a connection of connect(); 'owner': the workspace's own),
 * closed 300 ms in; then a call on the closed connection, and the file opened again. What each step gave.
 */
function closeUnderQuery(conn: 'reader' | 'owner'): { outcome: string; later: string; n: number } {
  const dir = mkdtempSync(join(tmpdir(), 'segmint-close-busy-'));
  try {
    const r = child(dir, `
const db = await openDuckDb(file);
await db.run('CREATE TABLE t AS SELECT 1 AS x');
const busy = ${conn === 'reader' ? 'await db.connect!()' : 'db'};
const q = busy.one(${JSON.stringify(SLOW)}).then(() => 'finished', (e) => 'rejected: ' + e.message.split('\\n')[0]);
await new Promise((r) => setTimeout(r, 300));
busy.closeSync();
const outcome = await q;
const later = await busy.one('SELECT 1').then(() => 'ran', () => 'refused');
db.closeSync();
const again = await openDuckDb(file);
const n = await again.one('SELECT count(*) AS n FROM t');
again.closeSync();
console.log(JSON.stringify({ outcome, later, n: Number(n!.n) }));
`);
    assert.equal(r.timedOut, false, 'the process hung: the connection was closed under its query');
    assert.equal(r.status, 0, r.out);
    return JSON.parse(r.out) as { outcome: string; later: string; n: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const conn of ['reader', 'owner'] as const) {
  test(`${conn === 'reader' ? 'a reader' : 'the owning connection'} closed while its query runs: the query stops, later calls are refused, the process exits, the file opens again`, () => {
    const res = closeUnderQuery(conn);
    assert.match(res.outcome, /^rejected: .*interrupt/i);
    assert.equal(res.later, 'refused');
    assert.equal(res.n, 1);
  });
}
