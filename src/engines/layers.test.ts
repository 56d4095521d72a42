// The connection layer is the only place that talks to a database driver: no file of src/, bin/ or scripts/
// outside src/engines/ (tests aside) imports @duckdb/node-api, pg, pg-copy-streams or @clickhouse/client.
// bench/ is outside the rule on purpose: its baselines measure the bare driver beside the command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const CHECKED = ['src', 'bin', 'scripts'];
const DRIVERS = ['@duckdb/node-api', '@duckdb/node-bindings', 'pg', 'pg-copy-streams', '@clickhouse/client'];

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (/\.(ts|mts|js|mjs|cjs)$/.test(p) && !/\.test\.ts$/.test(p)) out.push(p);
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
// `from 'pg'`, `from "pg/lib/x"`, `import('pg')`, `require('pg')`, `import 'pg'` — not `from 'pgx'` or './pg.ts'
const DRIVER_IMPORT = new RegExp(
  `(?:\\bfrom\\s*|\\bimport\\s*\\(\\s*|\\brequire\\s*\\(\\s*|\\bimport\\s+)['"](${DRIVERS.map(escape).join('|')})(?:/[^'"]*)?['"]`,
  'g',
);

/** The driver imports of one file (its path relative to the repository, its text) that break the rule. */
export function driverViolations(path: string, text: string): string[] {
  if (path.startsWith('src/engines/')) return [];
  return [...text.matchAll(DRIVER_IMPORT)].map((m) => `${path} imports ${m[1]} (only src/engines/ may)`);
}

test('only src/engines/ imports a database driver', () => {
  const found = CHECKED.flatMap((d) => files(join(ROOT, d))).flatMap((f) => driverViolations(relative(ROOT, f), readFileSync(f, 'utf8')));
  assert.deepEqual(found, []);
});

test('the driver check catches every way of importing a driver, and nothing else', () => {
  assert.deepEqual(driverViolations('src/store/workspace.ts', "import { DuckDBInstance } from '@duckdb/node-api';"), [
    'src/store/workspace.ts imports @duckdb/node-api (only src/engines/ may)',
  ]);
  assert.equal(driverViolations('src/pipeline/x.ts', "import pg from 'pg';").length, 1);
  assert.equal(driverViolations('src/pipeline/x.ts', 'import type { Client } from "pg";').length, 1);
  assert.equal(driverViolations('src/pipeline/x.ts', "const { from } = await import('pg-copy-streams');").length, 1);
  assert.equal(driverViolations('src/report/x.ts', "export { createClient } from '@clickhouse/client';").length, 1);
  assert.equal(driverViolations('scripts/x.mjs', "const pg = require('pg/lib/client');").length, 1);
  assert.equal(driverViolations('bin/x.js', "import '@duckdb/node-api';").length, 1);
  assert.deepEqual(driverViolations('src/engines/postgres.ts', "import pg from 'pg';"), []);
  assert.deepEqual(driverViolations('src/store/x.ts', "import { x } from './pg.ts'; import y from 'pgx'; const s = 'from pg';"), []);
});
