/**
 * bench/startup: what a command pays before its work begins (issue #15: `segmint --help` under 0.3 s, a command
 * on a workspace under 0.5 s). The compiled CLI (bench/dist-cli.mjs, after `npm run build`) as a new process:
 * `--help`, and `segmint runs` on a new empty workspace (opens DuckDB, lists nothing) and on the demo workspace
 * (`segmint demo`, made once), against `node -e 0` (Node's own start-up); `--help` also through bin/segmint.js as a
 * checkout runs it (the launcher compares dist/ with src/ first); alternating run by run, medians.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { buildCli, machine, median, writeSection } from './benchmarks-md.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench/out/startup');
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 11);

function wall(args: string[]): number {
  const t0 = performance.now();
  const p = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (p.status !== 0) throw new Error(`node ${args.join(' ')}: ${p.stderr}`);
  return ms;
}

export async function run(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  buildCli();
  const cli = join(ROOT, 'bench/dist-cli.mjs');
  const ws = join(OUT, 'ws');
  if (!existsSync(join(ws, 'segmint.yaml'))) wall([cli, 'init', ws]);
  const demo = join(OUT, 'demo');
  if (!existsSync(join(demo, 'segmint.yaml'))) wall([cli, 'demo', '--dir', demo, '--json']);
  const launcher = join(ROOT, 'bin/segmint.js');
  const node: number[] = [], help: number[] = [], runs: number[] = [], demoRuns: number[] = [], binHelp: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    node.push(wall(['-e', '0']));
    help.push(wall([cli, '--help']));
    runs.push(wall([cli, 'runs', '-w', ws]));
    demoRuns.push(wall([cli, 'runs', '-w', demo]));
    binHelp.push(wall([launcher, '--help']));
  }
  const f = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  const row = (what: string, xs: number[], target: string) => `| ${what} | ${median(xs).toFixed(0)} | ${f(xs)} | ${target} |`;
  writeSection('startup', `The compiled CLI (\`npm run build\`, then bench/dist-cli.mjs) as a new process, ${RUNS} runs of each, alternating
run by run, medians. \`segmint runs\` on a new, empty workspace opens DuckDB and lists nothing: it is the price of
any command on a workspace before its work begins. Commands load what they use only: the DuckDB driver when a
database is opened, the report's chart libraries when a report is written (before that change, issue #15: \`--help\`
1,490 ms against 540 ms after it, 7 runs alternating with the previous build at load 12), and only the module of the
command asked for (\`segmint --help\` loads none: it lists them from src/cli/command-index.ts). Counts are written without
ICU (core/numbers.ts: the first \`toLocaleString\` of a process cost 48 ms). \`segmint runs\` on the demo workspace
lists its stored runs as well. The machine is shared with other
jobs (load average ${loadavg()[0]!.toFixed(1)} at the end): compare with Node's own start-up in the same run.
Machine: ${machine()}. Run: ${new Date().toISOString().slice(0, 10)}.

| | median ms | runs (ms) | target |
| --- | ---: | --- | --- |
${row('`node -e 0` (Node alone)', node, '')}
${row('`segmint --help`', help, '< 300 ms')}
${row('`segmint runs` on an empty workspace', runs, '< 500 ms')}
${row('`segmint runs` on the demo workspace (its runs listed)', demoRuns, '< 500 ms')}
${row('`node bin/segmint.js --help` (the launcher of a checkout: dist/ compared with src/ first)', binHelp, '')}`);
  console.log(`bench/startup: node ${median(node).toFixed(0)} ms, --help ${median(help).toFixed(0)} ms, runs ${median(runs).toFixed(0)} ms, demo runs ${median(demoRuns).toFixed(0)} ms, bin --help ${median(binHelp).toFixed(0)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
