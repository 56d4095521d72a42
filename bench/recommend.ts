/**
 * bench/recommend: co-occurrence and the top 10 for every customer of the 1,000,000-customer generated
 * workspace (ecommerce preset, seed 1: ~10.3 M lines, 312 products), as a new process (the library call end to
 * end: the grouped (customer, product) read from DuckDB, histories, pair counts, neighbours, top 10 with reasons
 * for every customer), with its phases and peak RSS; and `segmint recommend evaluate` as a CLI process.
 * Target (issue #18): under 60 s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, copyFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { generatedEcommerce } from './generated.ts';
import { importFile } from '../src/store/import/index.ts';
import { Workspace } from '../src/store/workspace.ts';
import { fitRecommender, recommendAll } from '../src/pipeline/recommend.ts';
import { buildCli, machine, writeSection } from './benchmarks-md.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench/out/recommend');
const CUSTOMERS = Number(process.env.BENCH_RECOMMEND_CUSTOMERS ?? 1_000_000);

/** The child: one end-to-end run in a fresh process, timings and peak RSS as JSON on stdout. */
async function child(wsDir: string): Promise<void> {
  const t0 = performance.now();
  const ws = await Workspace.open(wsDir, { readOnly: true });
  const m = await fitRecommender(ws, {});
  const t1 = performance.now();
  const s = recommendAll(m, { k: 10 });
  const t2 = performance.now();
  ws.close();
  console.log(JSON.stringify({ fitSeconds: (t1 - t0) / 1000, topKSeconds: (t2 - t1) / 1000, totalSeconds: (t2 - t0) / 1000, peakRssMb: process.resourceUsage().maxRSS / 1024, ...s, items: m.data.items.length }));
}

async function workspace(): Promise<string> {
  const wsDir = join(OUT, `ws-${CUSTOMERS}`);
  if (existsSync(join(wsDir, 'segmint.duckdb'))) return wsDir;
  const rfmWs = join(ROOT, `bench/out/rfm/ws-${CUSTOMERS}`);
  mkdirSync(wsDir, { recursive: true });
  if (existsSync(join(rfmWs, 'segmint.duckdb'))) {
    for (const f of ['segmint.duckdb', 'segmint.yaml']) copyFileSync(join(rfmWs, f), join(wsDir, f));
    return wsDir;
  }
  const data = await generatedEcommerce(join(ROOT, 'bench/out/rfm'), CUSTOMERS, 'recommend');
  const ws = await Workspace.open(wsDir, { create: true });
  await importFile(ws, join(data, 'transactions.csv'), { kind: 'transactions', remember: false });
  ws.close();
  return wsDir;
}

export async function run(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const wsDir = await workspace();
  const self = resolve(import.meta.dirname, 'recommend.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', wsDir], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/recommend child failed: ${r.stderr}`);
  const lib = JSON.parse(r.stdout.trim().split('\n').pop()!);
  buildCli();
  const t = performance.now();
  const cli = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(ROOT, 'bin/segmint.js'), 'recommend', 'evaluate', '--split', '2024-10-01', '--json', '-w', wsDir], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const cliSeconds = (performance.now() - t) / 1000;
  if (cli.status !== 0) throw new Error(`segmint recommend evaluate failed: ${cli.stderr}`);
  const ev = JSON.parse(cli.stdout);
  const cliRssMb = Number(cli.stderr.trim().split('\n').pop()) / 1024;
  const f = (x: number) => x.toFixed(1);
  const body = `Co-occurrence and the top 10 for every customer of a generated workspace (ecommerce preset, seed 1, ${CUSTOMERS.toLocaleString('en-US')} customers
generated, ${lib.customers.toLocaleString('en-US')} with purchases, ~10.3 M lines, ${lib.items} products), each as a new process, ${machine()}, load average ${loadavg()[0]!.toFixed(1)}.

| what | seconds | peak RSS |
| --- | --- | --- |
| library end to end: read (customer, product) pairs grouped in DuckDB, histories, pair counts, neighbours | ${f(lib.fitSeconds)} | |
| top 10 with reasons for all ${lib.customers.toLocaleString('en-US')} customers (${lib.coPurchase.toLocaleString('en-US')} co-purchase, ${lib.popularFill.toLocaleString('en-US')} popularity fill; ${lib.distinctItems} distinct items) | ${f(lib.topKSeconds)} | |
| total (target: under 60 s) | ${f(lib.totalSeconds)} | ${f(lib.peakRssMb)} MB |
| \`segmint recommend evaluate --split 2024-10-01\` (CLI process; ${ev.evaluatedCustomers.toLocaleString('en-US')} customers scored with three methods) | ${f(cliSeconds)} | ${f(cliRssMb)} MB |
`;
  console.log(body);
  writeSection('recommend', body);
}

if (process.argv[2] === '--child') await child(process.argv[3]!);
