// Builds the studio (web/ → dist/web) with Vite. `--if-stale` builds only when a file under web/ is newer
// than the last build (the test runner calls it so browser tests never run an old studio). The build goes
// to a temporary folder renamed into place, so a test reading dist/web never sees half a build.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
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
// into place without a gap: the new (content-hashed) assets beside the old ones, then index.html renamed
// over the old one — a page another test has open keeps loading the assets it named. Assets of builds
// older than an hour are removed.
mkdirSync(join(out, 'assets'), { recursive: true });
const hour = Date.now() - 3600_000;
for (const name of readdirSync(join(out, 'assets'))) {
  const p = join(out, 'assets', name);
  if (statSync(p).mtimeMs < hour) rmSync(p, { force: true });
}
const move = (dir) => {
  for (const name of readdirSync(join(tmp, dir))) {
    const from = join(tmp, dir, name);
    if (name === 'index.html' && dir === '') continue;
    if (statSync(from).isDirectory()) {
      mkdirSync(join(out, dir, name), { recursive: true });
      move(join(dir, name));
    } else renameSync(from, join(out, dir, name));
  }
};
move('');
renameSync(join(tmp, 'index.html'), index);
rmSync(tmp, { recursive: true, force: true });
console.log(`studio built: ${out}`);
