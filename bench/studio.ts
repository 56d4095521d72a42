/**
 * bench/studio: time to first render of each studio page, as a person opening it sees it, from the browser's
 * own performance timings: `segmint serve` as a process over (a) the demo workspace (`segmint demo`, Online
 * Retail: 4,339 customers) and (b) a workspace of 1,000,000 customers (the purchases bench/clv simulates,
 * with RFM, LRFMP, CLV and cluster runs and three audiences); Chromium (Debian's, playwright-core) opens each
 * page in a new tab; "rendered" is the moment the page's heading is shown and no part of it is still loading
 * (every `.loading` status gone), measured as performance.now() from the navigation's start; first
 * contentful paint beside it. Median of BENCH_STUDIO_RUNS (default 5) loads per page. Plus the size of the
 * built assets (raw and gzip). Goal (issue #13): under 1 s on the demo, under 2 s at 1,000,000 customers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { AudienceDefinitions } from '../src/server/definitions.ts';
import { buildCli, machine, median, writeSection } from './benchmarks-md.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench/out/studio');
const RUNS = Number(process.env.BENCH_STUDIO_RUNS ?? 5);
const CUSTOMERS = Number(process.env.BENCH_STUDIO_CUSTOMERS ?? 1_000_000);
const PAGES = ['overview', 'value', 'clusters', 'clv', 'audiences', 'audiences/lapsed', 'customers/CUSTOMER'] as const;

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/segmint.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('exit', (code) => done({ code, out, err }));
  });
}

async function must(args: string[]): Promise<string> {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`segmint ${args.join(' ')} failed (${r.code}): ${r.err.slice(-2000)}`);
  return r.out;
}

async function demoWorkspace(): Promise<string> {
  const dir = join(OUT, 'demo');
  if (!existsSync(join(dir, 'segmint.yaml'))) {
    console.log('bench/studio: segmint demo …');
    await must(['demo', '--dir', dir]);
  }
  return dir;
}

async function bigWorkspace(): Promise<string | undefined> {
  const dir = join(OUT, `ws-${CUSTOMERS}`);
  if (existsSync(join(dir, '.bench-ready'))) return dir;
  const data = join(ROOT, `bench/out/clv/transactions-${CUSTOMERS}.csv`);
  if (!existsSync(data)) {
    console.log(`bench/studio: no ${data} (npm run bench -- clv makes it): the ${CUSTOMERS.toLocaleString('en-US')}-customer workspace is skipped`);
    return undefined;
  }
  mkdirSync(OUT, { recursive: true });
  console.log(`bench/studio: building the ${CUSTOMERS.toLocaleString('en-US')}-customer workspace …`);
  await must(['init', dir]);
  await must(['import', data, '--kind', 'transactions', '--workspace', dir]);
  for (const args of [['rfm'], ['lrfmp'], ['clv', 'fit', '--model', 'bgnbd'], ['clv', 'predict', '--horizon', '12', '--unit', 'month'], ['cluster', '--k', '4', '--seed', '1']]) await must([...args, '--workspace', dir]);
  writeFileSync(join(dir, '.bench-ready'), '');
  return dir;
}

/** The audience definitions the pages list (the files the server reads). */
function defineAudiences(dir: string): void {
  const defs = new AudienceDefinitions(dir);
  for (const [name, where] of [['lapsed', 'has no orders in last 90 days'], ['big-spenders', 'rfm.m >= 4'], ['repeat-buyers', 'orders in last 1 year >= 3']] as const) defs.write(name, where);
}

async function serve(dir: string): Promise<{ child: ChildProcess; link: string; base: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/segmint.js'), 'serve', '--workspace', dir, '--port', '0', '--open-as', 'viewer'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const link = await new Promise<string>((ok, fail) => {
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /Studio: (http:\/\/\S+)/.exec(err);
      if (m) ok(m[1]!);
    });
    child.once('exit', (code) => fail(new Error(`segmint serve exited ${code}: ${err}`)));
  });
  return { child, link, base: /^(http:\/\/[^/]+)/.exec(link)![1]! };
}

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${v.toFixed(0)} ms`);

interface Timing { page: string; rendered: number; fcp: number | null }

async function measure(browser: Browser, dir: string): Promise<Timing[]> {
  const { child, link, base } = await serve(dir);
  const token = /#token=(\S+)$/.exec(link)![1]!;
  const out: Timing[] = [];
  try {
    // a customer to open: the first row of the latest RFM run
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const runs = (await (await fetch(`${base}/runs?kind=rfm`, auth)).json()) as { items: { runId: number }[] };
    const rows = (await (await fetch(`${base}/runs/${runs.items.at(-1)!.runId}/rows?limit=1`, auth)).json()) as { items: { customer_id: string }[] };
    const customer = String(rows.items[0]!.customer_id);
    for (const p of PAGES) {
      const page = p.replace('CUSTOMER', encodeURIComponent(customer));
      const runs: { rendered: number; fcp: number | null }[] = [];
      for (let i = 0; i < RUNS + 1; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        await context.addInitScript(`sessionStorage.setItem('segmint-token', ${JSON.stringify(token)})`);
        const tab = await context.newPage();
        await tab.goto(`${base}/studio/#/${page}`);
        await tab.waitForFunction("document.querySelector('main h1') && !document.querySelector('main .loading')", undefined, { timeout: 120_000, polling: 10 });
        const t = (await tab.evaluate("({ rendered: performance.now(), fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime ?? null })")) as { rendered: number; fcp: number | null };
        await context.close();
        if (i > 0) runs.push(t); // the first load warms the server's caches and the browser's
      }
      out.push({ page, rendered: median(runs.map((r) => r.rendered)), fcp: runs.every((r) => r.fcp !== null) ? median(runs.map((r) => r.fcp!)) : null });
      console.log(`  ${page}: ${out.at(-1)!.rendered.toFixed(0)} ms`);
    }
  } finally {
    child.kill('SIGTERM');
  }
  return out;
}

/** The built files the page loads: index.html and the assets it names (older builds' assets may sit beside them). */
function assets(): { file: string; bytes: number; gzip: number }[] {
  const dir = join(ROOT, 'dist/web');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const named = [...html.matchAll(/(?:src|href)="\/studio\/([^"]+)"/g)].map((m) => m[1]!).filter((f) => existsSync(join(dir, f)));
  const files = ['index.html', ...new Set(named)];
  // the chunks the entry imports lazily are named in it
  for (const f of named.filter((x) => x.endsWith('.js'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/["'`]\.\/([\w.-]+\.js)["'`]/g)) if (existsSync(join(dir, 'assets', m[1]!))) files.push(`assets/${m[1]}`);
  }
  return [...new Set(files)].map((f) => ({ file: f, bytes: statSync(join(dir, f)).size, gzip: gzipSync(readFileSync(join(dir, f))).length }));
}

export async function run(): Promise<void> {
  buildCli();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const rows: string[] = [];
  const loads: string[] = [];
  try {
    const demo = await demoWorkspace();
    defineAudiences(demo);
    loads.push(`demo ${loadavg()[0]!.toFixed(1)}`);
    const d = await measure(browser, demo);
    const big = await bigWorkspace();
    let b: Timing[] = [];
    if (big) {
      defineAudiences(big);
      loads.push(`1M ${loadavg()[0]!.toFixed(1)}`);
      b = await measure(browser, big);
    }
    for (const t of d) {
      const o = b.find((x) => x.page.split('/')[0] === t.page.split('/')[0] && x.page.includes('/') === t.page.includes('/'));
      rows.push(`| ${t.page.replace(/customers\/.*/, 'customers/{id}')} | ${t.rendered.toFixed(0)} ms | ${ms(t.fcp)} | ${ms(o?.rendered)} | ${ms(o?.fcp)} |`);
    }
  } finally {
    await browser.close();
  }
  const a = assets();
  const js = a.filter((x) => x.file.endsWith('.js'));
  const body = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; load average at the start of each workspace: ${loads.join(', ')} (other work shared the 2 cores).
\`segmint serve\` as a process, Chromium (headless) opening each page in a new tab; "rendered" = the page's heading shown and nothing still loading, from the navigation's start (median of ${RUNS} loads after one warm-up). Goal: under 1 s on the demo, under 2 s at 1,000,000 customers.

| page | demo: rendered | demo: first paint | 1,000,000 customers: rendered | 1M: first paint |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

Built assets (dist/web): ${a.length} files, ${(a.reduce((s, x) => s + x.bytes, 0) / 1024).toFixed(0)} KiB (${(a.reduce((s, x) => s + x.gzip, 0) / 1024).toFixed(0)} KiB gzip); JavaScript ${(js.reduce((s, x) => s + x.bytes, 0) / 1024).toFixed(0)} KiB (${(js.reduce((s, x) => s + x.gzip, 0) / 1024).toFixed(0)} KiB gzip).
`;
  if (!process.env.BENCH_STUDIO_DRY) writeSection('studio', body);
  console.log(body);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
