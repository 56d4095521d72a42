// Runs every *.test.ts under src/ and test/ with node's own test runner (tsx loads TypeScript).
// Node 20's --test takes no globs, so the file list is built here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const filter = process.argv.slice(2);
let files = [...walk('src', []), ...walk('test', [])].sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (!process.env.SEGMINT_SHARED_DATA) {
  console.log('note: SEGMINT_SHARED_DATA is not set: tests on ../shared/data will skip (CI sets it).');
}
// the studio's browser tests need its build: rebuilt when web/ changed since
const built = spawnSync(process.execPath, ['scripts/build-web.mjs', '--if-stale'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
// UV_THREADPOOL_SIZE: DuckDB runs each query of each connection as a task of libuv's thread pool (4 threads by
// default), and the studio tests' servers run inside the test processes: their 4 read connections, a job's
// checkpoint on the writer and a streamed read waiting for its next chunk can need more than 4 at once. A CI run
// had one customer look-up wait 10 minutes (studio-overview) right after a job's write; a larger pool (idle
// threads cost nothing) is the suspected cure, not a proven one. It must be in the environment at start-up.
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env: { ...process.env, TZ: 'UTC', UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '64' } });
process.exit(r.status ?? 1);
