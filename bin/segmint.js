#!/usr/bin/env node
// The segmint CLI. Runs the compiled dist/ when it is up to date with src/ (built by `npm run build`,
// which `npm ci` runs through "prepare"); otherwise runs the TypeScript sources through tsx, so a
// checkout being edited never runs stale code.
//
// CommonJS (bin/package.json), not an ES module: libuv's thread pool takes its size from UV_THREADPOOL_SIZE when
// it starts, and Node's ES module loader starts it before the first line of an ES module runs. DuckDB runs each
// connection's queries as tasks of that pool, and `segmint serve` keeps several read connections and a writer
// busy at once: with the default of 4 threads, streamed reads and a job's checkpoint could wait on each other.
'use strict';
process.env.UV_THREADPOOL_SIZE ??= '64';
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const root = join(__dirname, '..');
const built = join(root, 'dist/cli/main.js');

function newestSource(dir) {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestSource(p) : s.mtimeMs);
  }
  return newest;
}

async function run() {
  const src = join(root, 'src');
  let main;
  if (existsSync(built) && (!existsSync(src) || statSync(built).mtimeMs >= newestSource(src))) {
    ({ main } = await import(pathToFileURL(built).href));
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    ({ main } = await import(pathToFileURL(join(src, 'cli/main.ts')).href));
  }
  process.exitCode = await main(process.argv.slice(2));
}

run().catch((e) => {
  process.exitCode = 1;
  throw e;
});
