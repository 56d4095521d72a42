#!/usr/bin/env node
// The segmint CLI. Runs the compiled dist/ when it is up to date with src/ (built by `npm run build`,
// which `npm ci` runs through "prepare"); otherwise runs the TypeScript sources through tsx, so a
// checkout being edited never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
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

let main;
const src = join(root, 'src');
if (existsSync(built) && (!existsSync(src) || statSync(built).mtimeMs >= newestSource(src))) {
  ({ main } = await import(built));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
