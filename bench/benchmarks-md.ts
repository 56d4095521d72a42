/** Writes one benchmark's section of docs/BENCHMARKS.md, keeping the other sections as they are. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';

const FILE = resolve(import.meta.dirname, '../docs/BENCHMARKS.md');
const HEADER = `# Benchmarks

Each section is written by its script in \`bench/\` (\`npm run bench\`, or \`npm run bench -- NAME\`). Every
figure is a ratio against a baseline measured in the same run on the same machine; absolute times are
given for context only. Timings never appear in tests.
`;

/** A command run as a new process under `/usr/bin/time -v`: wall ms, CPU ms (user + system, all threads) and peak RSS (MiB). */
export interface ProcessRun {
  ms: number;
  cpuMs: number;
  rssMiB: number;
}

/** `cmd ARGS` as a new process under /usr/bin/time -v (wall, CPU of all its threads, peak RSS) and its stdout; throws when it fails. */
export function timedProcess(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): ProcessRun & { out: string } {
  const t0 = performance.now();
  const p = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (p.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(p.stderr ?? '').slice(-2000)}`);
  const field = (name: string) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(p.stderr ?? '')?.[1] ?? NaN);
  return { ms, cpuMs: 1000 * (field('User time \\(seconds\\)') + field('System time \\(seconds\\)')), rssMiB: field('Maximum resident set size \\(kbytes\\)') / 1024, out: p.stdout };
}

/** `segmint ARGS`, the compiled CLI (bench/dist-cli.mjs; buildCli first), as a new process (timedProcess). */
export function cliProcess(args: readonly string[]): ProcessRun & { out: string } {
  return timedProcess(process.execPath, [resolve(import.meta.dirname, 'dist-cli.mjs'), ...args]);
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Compile the CLI (\`npm run build\`) for the benchmarks that run it as a process (bench/dist-cli.mjs). tsc writes
 * dist/ even when a file being edited elsewhere does not type-check: that is reported, not fatal.
 */
export function buildCli(): void {
  const root = resolve(import.meta.dirname, '..');
  const b = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  if (!existsSync(resolve(root, 'dist/cli/main.js'))) throw new Error(`npm run build wrote no dist/cli/main.js: ${b.stdout}${b.stderr}`);
  if (b.status !== 0) console.log(`bench: npm run build reported type errors (dist/ written anyway): ${(b.stdout ?? '').split('\n').filter((l) => l.includes('error')).slice(0, 3).join('; ')}`);
}

/** Replace (or add) the section `## name` in docs/BENCHMARKS.md. */
export function writeSection(name: string, body: string): void {
  const text = existsSync(FILE) ? readFileSync(FILE, 'utf8') : HEADER;
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${start}\n## ${name}\n\n${body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + section + text.slice(j + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(FILE, next);
}
