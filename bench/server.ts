/**
 * bench/server: `segmint serve` as its own process over a workspace of 1,000,000 customers (the purchases
 * bench/clv simulates from BG/NBD + Gamma-Gamma, seed 1: ~2.1 million orders; an RFM run and a cluster run;
 * audience definitions), driven with autocannon over HTTP on loopback:
 *   - customer look-up (GET /customers/{id}, random ids, timeline of 20) with 50 concurrent clients;
 *   - audience count (GET /audiences/{name}/count) with 20 concurrent clients (counted once per workspace
 *     version, then answered from the server's cache), and evaluated every time (a new as-of date per request:
 *     what a count costs after a run or an import) with one client;
 *   - an export of ~300,000 members (GET /audiences/{name}/export?format=csv and ndjson), the server's
 *     resident memory sampled every 100 ms while it streams (and its peak, VmHWM).
 * Targets (issue #12): look-up p99 < 50 ms, count p99 < 2 s, export at a steady memory, no errors. Each case runs
 * BENCH_RUNS times (default 3), alternating; the tables give the median of the runs' figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { runClustering } from '../src/pipeline/cluster.ts';
import { runValueSegmentation } from '../src/pipeline/value.ts';
import { AudienceDefinitions } from '../src/server/definitions.ts';
import { importFile } from '../src/store/import/index.ts';
import { TokenStore } from '../src/store/tokens.ts';
import { Workspace } from '../src/store/workspace.ts';
import { machine, median, writeSection } from './benchmarks-md.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench/out/server');
const CUSTOMERS = Number(process.env.BENCH_SERVER_CUSTOMERS ?? 1_000_000);
const DURATION = Number(process.env.BENCH_SERVER_SECONDS ?? 15);
const EXPORT_MEMBERS = Math.round(CUSTOMERS * 0.3);
const PORT = Number(process.env.BENCH_SERVER_PORT ?? 18731);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** BENCH_SERVER_CASES=lookup: the look-up cases only (a trial; printed, docs/BENCHMARKS.md not written) */
const LOOKUP_ONLY = process.env.BENCH_SERVER_CASES === 'lookup';
/** BENCH_DRY=1: print the section instead of writing it */
const DRY = Boolean(process.env.BENCH_DRY) || LOOKUP_ONLY;

/** The workspace: imported and scored once, then reused. Returns the customer ids to look up. */
async function prepare(wsDir: string): Promise<void> {
  if (existsSync(join(wsDir, 'audiences', 'export-300k.yaml'))) return;
  // the purchases bench/clv simulates (made once per size by `npm run bench -- clv`)
  const data = join(ROOT, `bench/out/clv/transactions-${CUSTOMERS}.csv`);
  const ws = await Workspace.open(wsDir, { create: true });
  try {
    if (Number((await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM transactions'))!.n) === 0) {
      if (!existsSync(data)) throw new Error(`bench/server needs ${data}: run npm run bench -- clv first`);
      console.log('bench/server: importing …');
      await importFile(ws, data, { kind: 'transactions', remember: false });
    }
    console.log('bench/server: rfm and cluster runs …');
    await runValueSegmentation(ws, 'rfm');
    await runClustering({ ws }, { k: 4, seed: 1 });
    // an audience of about EXPORT_MEMBERS customers: the highest spenders
    const edge = Number((await ws.db.one<{ m: number }>(`SELECT quantile_disc(monetary, ${1 - EXPORT_MEMBERS / CUSTOMERS}) AS m FROM run_scores WHERE run_id = (SELECT max(run_id) FROM runs WHERE kind = 'rfm')`))!.m);
    const defs = new AudienceDefinitions(wsDir);
    defs.write('lapsed-high-value', 'all(has no orders in last 180 days, rfm.m >= 4)');
    defs.write('repeat-buyers', 'orders in last 1 year >= 3');
    defs.write('export-300k', `rfm.monetary > ${edge}`);
  } finally {
    ws.close();
  }
}

function startServer(wsDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/segmint.js'), 'serve', '--workspace', wsDir, '--port', String(PORT)], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((ok, fail) => {
    let err = '';
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString();
      const m = /segmint serve: (http:\/\/\S+)/.exec(err);
      if (m) ok({ child, url: m[1]! });
    });
    child.once('exit', (code) => fail(new Error(`segmint serve exited with ${code}: ${err}`)));
  });
}

/** The process's CPU time (user + system) in ms. */
const cpuMs = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // utime and stime, fields 14 and 15, in clock ticks of 10 ms
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

const rssKb = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

async function cannon(o: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((ok, fail) => {
    // a long time-out: a slow answer is measured as such, not counted as an error
    autocannon({ timeout: 120, ...o }, (err, res) => (err ? fail(err) : ok(res)));
  });
}

/** Stream one export to nowhere; the server's RSS sampled meanwhile. */
function streamExport(url: string, token: string, pid: number): Promise<{ bytes: number; lines: number; ms: number; rss: number[]; status: number }> {
  return new Promise((ok, fail) => {
    const rss: number[] = [];
    const timer = setInterval(() => rss.push(rssKb(pid, 'VmRSS')), 100);
    const t0 = performance.now();
    let bytes = 0;
    let lines = 0;
    request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.on('data', (b: Buffer) => {
        bytes += b.length;
        for (let i = 0; i < b.length; i++) if (b[i] === 10) lines++;
      });
      res.on('end', () => {
        clearInterval(timer);
        ok({ bytes, lines, ms: performance.now() - t0, rss, status: res.statusCode ?? 0 });
      });
      res.on('error', fail);
    }).on('error', fail).end();
  });
}

/** Look one customer up every 100 ms until the answer came from the look-up cache; the time that took. */
async function untilCached(url: string, token: string): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const from = await new Promise<string>((ok, fail) => {
      request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () => ok(String(res.headers['x-segmint-lookup'] ?? '')));
      }).on('error', fail).end();
    });
    if (from === 'memory') return performance.now() - t0;
    // a server without the look-up cache (an earlier Segmint, measured for comparison)
    if (from === '') return NaN;
    if (performance.now() - t0 > 600_000) throw new Error('the look-up cache was not ready after 10 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

export async function run(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const wsDir = join(OUT, `ws-${CUSTOMERS}`);
  await prepare(wsDir);
  // read-write: a workspace made by an earlier Segmint is migrated (schema 12: the look-up's indexes)
  const ws = await Workspace.open(wsDir);
  const ids = (await ws.db.all<{ id: string }>(`SELECT customer_id AS id FROM customers USING SAMPLE 10000 ROWS`)).map((r) => r.id);
  const counts = Object.fromEntries(await Promise.all(['customers', 'transactions'].map(async (t) => [t, Number((await ws.db.one<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))!.n)])));
  ws.close();
  const tokens = new TokenStore(wsDir);
  const token = tokens.create('bench', 'viewer');
  const { child, url } = await startServer(wsDir);
  const headers = { authorization: `Bearer ${token.token}` };
  try {
    const rssStart = rssKb(child.pid!, 'VmRSS');
    // warm-up (the schema cache, the engine's first reads)
    await cannon({ url: `${url}/audiences/repeat-buyers/count`, connections: 1, amount: 2, headers });
    await cannon({ url: `${url}/customers/${encodeURIComponent(ids[0]!)}`, connections: 1, amount: 20, headers });
    // the first look-up of a workspace version starts loading the look-up cache (the latest runs' rows, the
    // snapshots' members, line counts); look-ups read the engine until it is ready: wait for it
    console.error('bench/server: warm-up done, waiting for the look-up cache …');
    const rssBeforeCache = rssKb(child.pid!, 'VmRSS');
    const cacheMs = await untilCached(`${url}/customers/${encodeURIComponent(ids[0]!)}?timeline=20`, token.token);
    const rssCached = rssKb(child.pid!, 'VmRSS');
    console.error(`bench/server: look-up cache ready after ${(cacheMs / 1000).toFixed(1)} s`);
    let i = 0;
    const lookupReq = [{ method: 'GET' as const, setupRequest: (req: autocannon.Request) => ({ ...req, path: `/customers/${encodeURIComponent(ids[i++ % ids.length]!)}?timeline=20` }) }];
    // a new as-of date for every request (900 days back from the data's end, none asked twice in a bench of up to
    // 900 such requests): the rule is evaluated each time, no cached count
    let day = 0;
    const countReq = [{ method: 'GET' as const, setupRequest: (req: autocannon.Request) => ({ ...req, path: `/audiences/lapsed-high-value/count?asOf=${new Date(Date.UTC(2024, 11, 31) - 86_400_000 * (day++ % 900)).toISOString().slice(0, 10)}` }) }];
    const runs: Record<'lookup1' | 'lookup' | 'count1' | 'count' | 'eval1', autocannon.Result[]> = { lookup1: [], lookup: [], count1: [], count: [], eval1: [] };
    const loads: number[] = [];
    // the server's CPU time per look-up (user + system), per run
    const lookupCpu = { lookup1: [] as number[], lookup: [] as number[] };
    for (let k = 0; k < RUNS; k++) {
      loads.push(loadavg()[0]!);
      // one client first: what one request costs on this machine, without queueing
      let cpu = cpuMs(child.pid!);
      runs.lookup1.push(await cannon({ url, connections: 1, duration: DURATION, headers, requests: lookupReq }));
      lookupCpu.lookup1.push((cpuMs(child.pid!) - cpu) / runs.lookup1.at(-1)!.requests.total);
      cpu = cpuMs(child.pid!);
      runs.lookup.push(await cannon({ url, connections: 50, duration: DURATION, headers, requests: lookupReq }));
      lookupCpu.lookup.push((cpuMs(child.pid!) - cpu) / runs.lookup.at(-1)!.requests.total);
      if (LOOKUP_ONLY) continue;
      runs.count1.push(await cannon({ url: `${url}/audiences/lapsed-high-value/count`, connections: 1, duration: DURATION, headers }));
      runs.count.push(await cannon({ url: `${url}/audiences/lapsed-high-value/count`, connections: 20, duration: DURATION, headers }));
      runs.eval1.push(await cannon({ url, connections: 1, duration: DURATION, headers, requests: countReq }));
      // autocannon stops at the deadline, the server does not: let the last evaluation finish before the next case
      // (20 clients evaluating at once would leave 20 full scans running into the next cases: not measured)
      await cannon({ url: `${url}/health`, connections: 1, amount: 1 });
      await new Promise((r) => setTimeout(r, 3000));
    }
    loads.push(loadavg()[0]!);
    const cpuLine = `Server CPU time (user + system) per look-up: ${median(lookupCpu.lookup1).toFixed(2)} ms with one client, ${median(lookupCpu.lookup).toFixed(2)} ms with 50.`;
    if (LOOKUP_ONLY) {
      const one = (name: string, rs: autocannon.Result[]) => `${name}: ${rs.map((r) => `${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, errors ${r.errors + r.non2xx}`).join('; ')}`;
      console.log([`load ${loads.map((l) => l.toFixed(1)).join(', ')}; cache ready ${(cacheMs / 1000).toFixed(1)} s after the warm-up; RSS ${mb(rssBeforeCache)} → ${mb(rssCached)}`, one('1 client', runs.lookup1), one('50 clients', runs.lookup), cpuLine].join('\n'));
      return;
    }
    const before = rssKb(child.pid!, 'VmRSS');
    const csv = await streamExport(`${url}/audiences/export-300k/export?format=csv&traits=rfm.segment&traits=rfm.frequency`, token.token, child.pid!);
    const ndjson = await streamExport(`${url}/audiences/export-300k/export?format=ndjson&traits=rfm.segment&traits=rfm.frequency`, token.token, child.pid!);
    const peak = rssKb(child.pid!, 'VmHWM');
    const errors = Object.values(runs).flat().reduce((n, r) => n + r.errors + r.non2xx, 0) + (csv.status === 200 ? 0 : 1) + (ndjson.status === 200 ? 0 : 1);
    const steady = (e: typeof csv) => {
      const half = e.rss.slice(Math.floor(e.rss.length / 2));
      const first = e.rss.slice(0, Math.max(1, Math.floor(e.rss.length / 2)));
      return `${mb(Math.max(...first))} in the first half, ${mb(Math.max(...half))} in the second`;
    };
    // the median of the runs' figures (a case none of whose requests finished has no latency: "none")
    const row = (name: string, rs: autocannon.Result[], c: number, target: string) => {
      const lat = (f: (r: autocannon.Result) => number) => (rs.every((r) => r.requests.total === 0) ? 'none' : ms(median(rs.filter((r) => r.requests.total > 0).map(f))));
      return `| ${name} | ${c} | ${median(rs.map((r) => r.requests.total)).toLocaleString('en-US')} | ${median(rs.map((r) => r.requests.average)).toFixed(0)} | ${lat((r) => r.latency.p50)} | ${lat((r) => r.latency.p99)} | ${lat((r) => r.latency.max)} | ${rs.reduce((n, r) => n + r.errors + r.non2xx, 0)} | ${target} |`;
    };
    const p99 = (rs: autocannon.Result[]) => median(rs.map((r) => r.latency.p99));
    const rps = (rs: autocannon.Result[]) => median(rs.map((r) => r.requests.average));
    const times = (a: number, b: number) => (a > 0 && b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a');
    const body = `\`segmint serve\` as its own process (DuckDB workspace) over ${counts.customers!.toLocaleString('en-US')} customers (the purchases bench/clv simulates, seed 1)
with ${counts.transactions!.toLocaleString('en-US')} orders, an RFM run and a cluster run (k = 4); autocannon on loopback for ${DURATION} s per case,
${RUNS} runs of every case in turn, medians of the runs' figures (\`npm run bench -- server\`). Machine: ${machine()};
load average (1 min) at the start of each run and at the end: ${loads.map((l) => l.toFixed(1)).join(', ')} (other work shares the cores).

| case | clients | requests | req/s | p50 | p99 | max | errors | target |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${row('GET /customers/{id}?timeline=20 (random ids)', runs.lookup1, 1, '')}
${row('GET /customers/{id}?timeline=20 (random ids)', runs.lookup, 50, 'p99 < 50 ms')}
${row('GET /audiences/lapsed-high-value/count', runs.count1, 1, '')}
${row('GET /audiences/lapsed-high-value/count', runs.count, 20, 'p99 < 2 s')}
${row('… count evaluated every time (a new ?asOf= per request)', runs.eval1, 1, '')}

Look-up with 50 clients: ${rps(runs.lookup).toFixed(0)} req/s, ${times(rps(runs.lookup), rps(runs.lookup1))} one client's throughput; its p99 is ${times(p99(runs.lookup), p99(runs.lookup1))} one client's.
${cpuLine}
A count is kept per workspace version (highest run and source id and their numbers) and rule (compiled SQL
and as-of date): with one client the cached answer's p99 is ${times(p99(runs.eval1), p99(runs.count1))} faster than an evaluation's.

Export of the audience \`export-300k\` (\`rfm.monetary > …\`, the top 30 % by spend) with two traits, evaluated once into a temporary table of the request's read
connection, then streamed in pages of 5,000 customer ids:

| format | rows | bytes | time | rows/s | server RSS while streaming | peak RSS (VmHWM, whole run) |
| --- | --- | --- | --- | --- | --- | --- |
| CSV | ${(csv.lines - 1).toLocaleString('en-US')} | ${(csv.bytes / 1e6).toFixed(1)} MB | ${(csv.ms / 1000).toFixed(1)} s | ${Math.round((csv.lines - 1) / (csv.ms / 1000)).toLocaleString('en-US')} | ${steady(csv)} | ${mb(peak)} |
| NDJSON | ${ndjson.lines.toLocaleString('en-US')} | ${(ndjson.bytes / 1e6).toFixed(1)} MB | ${(ndjson.ms / 1000).toFixed(1)} s | ${Math.round(ndjson.lines / (ndjson.ms / 1000)).toLocaleString('en-US')} | ${steady(ndjson)} | ${mb(peak)} |

Server RSS: ${mb(rssStart)} after start, ${mb(rssBeforeCache)} after the warm-up, ${mb(rssCached)} once the look-up cache was loaded
(ready ${(cacheMs / 1000).toFixed(1)} s after the warm-up), ${mb(before)} before the exports. Errors in all cases: ${errors}.

One client shows what a request costs; with 50 (20) clients the requests queue for the workspace's read
connections and the machine's cores, so p99 is about clients ÷ throughput. A look-up reads from the look-up
cache of the workspace version (src/server/customer-cache.ts: the customers' traits, the latest run of each score
kind, the members of each audience's latest snapshot and each customer's number of lines, as typed columns by
customer, loaded on the version's first look-up while look-ups read the engine) and reads only its timeline
from the engine by customer_id (the ART index of schema version 12), the lines of the customers looked up at
once in one query (src/server/line-batch.ts: a query costs about 0.5 ms of CPU whatever it reads); the version is read again
only after the server's own connection wrote (no other process can write a DuckDB file the server holds).`;
    console.log(body);
    if (!DRY) writeSection('server', body);
  } finally {
    child.kill('SIGTERM');
    tokens.revoke(token.id);
  }
}
