// Keeps the layer direction of DESIGN.md true: each folder of src/ may import only the folders listed here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '../src');

const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  sql: ['core'],
  features: ['core', 'sql'],
  segments: ['core', 'sql', 'features'],
  models: ['core'],
  store: ['core', 'sql'],
  generate: ['core', 'models'],
  pipeline: ['core', 'sql', 'features', 'segments', 'models', 'store', 'generate'],
  report: ['core', 'sql', 'features', 'segments', 'models', 'store', 'pipeline', 'generate'],
  server: ['core', 'sql', 'features', 'segments', 'models', 'store', 'pipeline', 'generate', 'report'],
  cli: ['core', 'sql', 'features', 'segments', 'models', 'store', 'pipeline', 'generate', 'report'],
  // the public library API may re-export anything but the CLI and the server
  '.': ['core', 'sql', 'features', 'segments', 'models', 'store', 'pipeline', 'generate', 'report'],
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

test('every import in src/ follows the layer direction of DESIGN.md', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const from = layerOf(file);
    const allowed = ALLOWED[from];
    assert.ok(allowed, `src/${from} is not a known layer: add it to DESIGN.md and to this test`);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2]!;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC)) continue;
      const to = layerOf(target);
      if (to !== from && !allowed.includes(to)) violations.push(`${relative(SRC, file)} imports ${spec} (${from} → ${to})`);
    }
    if (/@duckdb\/node-api/.test(text) && relative(SRC, file) !== 'store/workspace.ts') {
      violations.push(`${relative(SRC, file)} imports @duckdb/node-api (only store/workspace.ts may)`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the layer check itself catches a violation', () => {
  // models may import only core: a models file importing store must be flagged by the rule table.
  assert.equal(ALLOWED.models!.includes('store'), false);
  assert.equal(layerOf(join(SRC, 'models/x.ts')), 'models');
});
