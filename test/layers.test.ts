// Keeps the layer direction of DESIGN.md true: each folder of src/ may import only the folders listed here.
// (Which files may import a database driver is checked by src/engines/layers.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../src');

const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  sql: ['core'],
  engines: ['core', 'sql'],
  features: ['core', 'sql'],
  segments: ['core', 'sql', 'features'],
  models: ['core'],
  scoring: ['core', 'sql', 'models'],
  store: ['core', 'sql', 'engines'],
  generate: ['core', 'models'],
  pipeline: ['core', 'sql', 'engines', 'features', 'segments', 'models', 'scoring', 'store', 'generate'],
  report: ['core', 'sql', 'engines', 'features', 'segments', 'models', 'scoring', 'store', 'pipeline', 'generate'],
  server: ['core', 'sql', 'engines', 'features', 'segments', 'models', 'scoring', 'store', 'pipeline', 'generate', 'report'],
  // the CLI starts the server (`segmint serve`, loaded lazily by that one command)
  cli: ['core', 'sql', 'engines', 'features', 'segments', 'models', 'scoring', 'store', 'pipeline', 'generate', 'report', 'server'],
  // the public library API may re-export anything but the CLI and the server
  '.': ['core', 'sql', 'engines', 'features', 'segments', 'models', 'scoring', 'store', 'pipeline', 'generate', 'report'],
};

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const layerOf = (file: string) => {
  const rel = relative(SRC, file);
  return rel.includes('/') ? rel.split('/')[0]! : '.';
};

/** The layer violations of one source file (path under src/, its text). */
function violationsIn(file: string, text: string): string[] {
  const out: string[] = [];
  const from = layerOf(file);
  const allowed = ALLOWED[from];
  if (!allowed) return [`src/${from} is not a known layer: add it to DESIGN.md and to this test`];
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2]!;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(SRC)) continue;
    const to = layerOf(target);
    if (to !== from && !allowed.includes(to)) out.push(`${relative(SRC, file)} imports ${spec} (${from} → ${to})`);
  }
  return out;
}

test('every import in src/ follows the layer direction of DESIGN.md', () => {
  assert.deepEqual(files(SRC).flatMap((f) => violationsIn(f, readFileSync(f, 'utf8'))), []);
});

test('the layer check itself catches violations', () => {
  assert.deepEqual(violationsIn(join(SRC, 'models/x.ts'), "import { Workspace } from '../store/workspace.ts';"), ['models/x.ts imports ../store/workspace.ts (models → store)']);
  assert.equal(violationsIn(join(SRC, 'store/x.ts'), "export { q } from '../cli/main.ts';").length, 1);
  assert.equal(violationsIn(join(SRC, 'report/x.ts'), "const m = await import('../cli/main.ts');").length, 1);
  assert.deepEqual(violationsIn(join(SRC, 'features/x.ts'), "import { col } from '../sql/ir.ts';"), []);
  assert.equal(violationsIn(join(SRC, 'nowhere/x.ts'), '').length, 1);
});

// web/ (the studio) is a client of the server over HTTP only: it imports its own files and packages, never src/
const WEB = resolve(import.meta.dirname, '../web/src');

function webViolationsIn(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (!spec.startsWith('.') && !spec.startsWith('/')) {
      if (spec.startsWith('node:') || ['fs', 'path', 'child_process', '@duckdb/node-api', 'pg', '@clickhouse/client', 'fastify'].includes(spec.split('/')[0]!)) out.push(`${relative(WEB, file)} imports ${spec} (a server-side module)`);
      continue;
    }
    if (!resolve(dirname(file), spec).startsWith(WEB)) out.push(`${relative(WEB, file)} imports ${spec} (outside web/src)`);
  }
  return out;
}

test('the studio (web/src) imports only its own files and browser packages, never src/', () => {
  const all = (dir: string, out: string[] = []): string[] => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) all(p, out);
      else if (/\.(ts|tsx)$/.test(p)) out.push(p);
    }
    return out;
  };
  assert.deepEqual(all(WEB).flatMap((f) => webViolationsIn(f, readFileSync(f, 'utf8'))), []);
  assert.equal(webViolationsIn(join(WEB, 'pages/x.tsx'), "import { parse } from '../../../src/segments/parse.ts';").length, 1);
  assert.equal(webViolationsIn(join(WEB, 'x.ts'), "import { readFileSync } from 'node:fs';").length, 1);
  assert.deepEqual(webViolationsIn(join(WEB, 'pages/x.tsx'), "import * as Plot from '@observablehq/plot';\nimport { get } from '../api.ts';"), []);
});
