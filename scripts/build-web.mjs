// Builds the studio (web/ → dist/web) with Vite. `--if-stale` builds only when a file under web/ is newer
// than the last build (the test runner calls it so browser tests never run an old studio). The build goes
// to a temporary folder renamed into place, so a test reading dist/web never sees half a build.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'web');

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

const index = join(out, 'index.html');
if (process.argv.includes('--if-stale') && existsSync(index) && statSync(index).mtimeMs >= newest(join(root, 'web'))) process.exit(0);
const tmp = join(root, 'dist', `.web-${process.pid}`);
await build({ configFile: join(root, 'web', 'vite.config.ts'), build: { outDir: tmp, emptyOutDir: true }, logLevel: 'warn' });
rmSync(out, { recursive: true, force: true });
renameSync(tmp, out);
console.log(`studio built: ${out}`);
