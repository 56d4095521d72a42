/**
 * bench/memory: peak resident memory of every command on a 1,000,000-customer workspace (issue #20, defect 5:
 * each at most 2 GB). Generates the ecommerce preset (seed 1) with `segmint generate`, then runs each command
 * as a new process under `/usr/bin/time -v` and reads its "Maximum resident set size"; wall time beside it.
 * BENCH_MEMORY_CUSTOMERS sets another size (a quick check); SEGMINT_MEMORY_LIMIT passes through to the commands.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { memoryLimitBytes } from '../src/store/workspace.ts';
import { machine, writeSection } from './benchmarks-md.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench/out/memory');
const CUSTOMERS = Number(process.env.BENCH_MEMORY_CUSTOMERS ?? 1_000_000);
const BUDGET = 2 * 2 ** 30;

interface Measured {
  label: string;
  command: string;
  rssBytes: number;
  ms: number;
  exit: number;
}

/** Run `segmint ARGS` as a new process under /usr/bin/time -v; its peak RSS and wall time. */
function measure(label: string, args: string[]): Measured {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, join(ROOT, 'bin/segmint.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  const ms = performance.now() - t0;
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
  const exit = r.status ?? -1;
  const out: Measured = { label, command: `segmint ${args.join(' ')}`, rssBytes: m ? Number(m[1]) * 1024 : NaN, ms, exit };
  console.log(`bench/memory: ${label}: ${(out.rssBytes / 2 ** 20).toFixed(0)} MiB, ${(ms / 1000).toFixed(1)} s, exit ${exit}`);
  if (exit !== 0) console.log((r.stdout ?? '').slice(-2000), (r.stderr ?? '').slice(-4000));
  return out;
}

const mib = (b: number) => (Number.isFinite(b) ? Math.round(b / 2 ** 20).toLocaleString('en-US') : '?');

export async function run(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const data = join(OUT, `data-${CUSTOMERS}`);
  const ws = join(OUT, `ws-${CUSTOMERS}`);
  const results: Measured[] = [];
  if (!existsSync(join(data, 'manifest.json'))) {
    results.push(measure('generate', ['generate', '--preset', 'ecommerce', '--customers', String(CUSTOMERS), '--seed', '1', '--out', data]));
  }
  rmSync(ws, { recursive: true, force: true });
  rmSync(join(OUT, 'report.html'), { force: true });
  const w = ['--workspace', ws];
  const steps: [string, string[]][] = [
    ['init', ['init', ws]],
    ['import transactions', ['import', join(data, 'transactions.csv'), '--kind', 'transactions', ...w]],
    ['import customers', ['import', join(data, 'customers.csv'), '--kind', 'customers', ...w]],
    ['import products', ['import', join(data, 'products.csv'), '--kind', 'products', ...w]],
    ['import events', ['import', join(data, 'events.csv'), '--kind', 'events', ...w]],
    ['rfm', ['rfm', ...w]],
    ['lrfmp', ['lrfmp', ...w]],
    ['clv fit', ['clv', 'fit', ...w]],
    ['clv predict --horizon 12 --unit month', ['clv', 'predict', '--horizon', '12', '--unit', 'month', ...w]],
    ['cluster --k 8', ['cluster', '--k', '8', ...w]],
    ['audience eval --preset ecommerce', ['audience', 'eval', '--preset', 'ecommerce', ...w]],
    ['report', ['report', '--out', join(OUT, 'report.html'), ...w]],
  ];
  for (const [label, args] of steps) results.push(measure(label, args));
  // a wide customers file: 5,000 columns × 100 rows, five kinds of trait in turn, into a workspace of its own
  const wide = join(OUT, 'wide-5000.csv');
  const kinds = [(r: number, j: number) => String(r * 7 + j), (r: number, j: number) => `${r}.${(j % 9) + 1}`, (r: number, j: number) => ((r + j) % 2 ? 'yes' : 'no'),
    (r: number, j: number) => `2024-0${(r % 9) + 1}-1${j % 10}`, (r: number, j: number) => `v${(r * j) % 5}`];
  const lines = [['customer_id', ...Array.from({ length: 4999 }, (_, j) => `trait_${j}`)].join(',')];
  for (let r = 0; r < 100; r++) lines.push([`C${r}`, ...Array.from({ length: 4999 }, (_, j) => kinds[j % 5]!(r, j))].join(','));
  writeFileSync(wide, `${lines.join('\n')}\n`);
  const wideWs = join(OUT, 'ws-wide');
  rmSync(wideWs, { recursive: true, force: true });
  measure('init (wide)', ['init', wideWs]);
  results.push(measure('import customers, 5,000 columns × 100 rows', ['import', wide, '--kind', 'customers', '--workspace', wideWs]));

  const size = (f: string) => (existsSync(f) ? `${(statSync(f).size / 2 ** 20).toFixed(0)} MiB` : '?');
  const limit = memoryLimitBytes(undefined);
  const over = results.filter((r) => !(r.rssBytes <= BUDGET));
  const rows = results.map((r) => `| ${r.label} | ${mib(r.rssBytes)} | ${(r.ms / 1000).toFixed(1)} | ${r.exit === 0 ? (r.rssBytes <= BUDGET ? 'yes' : '**no**') : `**exit ${r.exit}**`} |`);
  writeSection('memory', `
Peak memory at ${CUSTOMERS.toLocaleString('en-US')} customers: the ecommerce preset (seed 1; transactions.csv ${size(join(data, 'transactions.csv'))},
events.csv ${size(join(data, 'events.csv'))}, customers.csv ${size(join(data, 'customers.csv'))}), every command run as a new process
(\`node bin/segmint.js …\`) one after the other on one workspace, under \`/usr/bin/time -v\`: the peak resident set size is
its "Maximum resident set size" (Node, the TypeScript loader when dist/ is stale, DuckDB and everything else in the process).
DuckDB's memory limit: the default, ${mib(limit)} MiB (the smaller of 1 GB and a quarter of this machine's ${(totalmem() / 2 ** 30).toFixed(0)} GiB;
\`memoryLimit\` in segmint.yaml or SEGMINT_MEMORY_LIMIT change it), spilling to the workspace's \`.segmint-tmp/\`.
Machine: ${machine()}, shared with other engineers' jobs. Run: ${new Date().toISOString().slice(0, 10)}.

| command | peak RSS (MiB) | wall (s) | ≤ 2 GiB |
| --- | ---: | ---: | --- |
${rows.join('\n')}

Before (issue #20, no memory limit, one ALTER TABLE and one type query per trait column): import transactions
4.2 GB, import events 7.5 GB, lrfmp 2.7 GB, cluster 2.8 GB; the 5,000-column customers file 149 s and 8.2 GB.

${over.length ? `Over the 2 GiB budget (or failed): ${over.map((r) => r.label).join(', ')}.` : 'Every command stays within 2 GiB.'}
`);
}

