/**
 * bench/audiences: 20 audiences (the ecommerce pack and ten more common definitions) evaluated on
 * 1 million generated customers (ecommerce preset, seed 1) with ~10 million transaction lines and a
 * ~10-million-event sample of their ~25 million events. Each audience is counted (no snapshot stored) and, separately,
 * stored as a snapshot run. Baseline: the bare per-customer order count (count(DISTINCT order_id)) and e-mail
 * open count, each compared with 3 — roughly the cost of one behaviour condition on each table.
 * Target (issue #6): all 20 under 5 s in total on DuckDB.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { generatedEcommerce } from './generated.ts';
import { evaluateAudience, loadAudienceSchema, prepareAudience } from '../src/pipeline/audience.ts';
import { ECOMMERCE } from '../src/segments/presets/index.ts';
import { importFile } from '../src/store/import/index.ts';
import { quoteString } from '../src/sql/quote.ts';
import { Workspace } from '../src/store/workspace.ts';
import { buildCli, cliProcess, machine, median, writeSection, type ProcessRun } from './benchmarks-md.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench/out/audiences');
const CUSTOMERS = Number(process.env.BENCH_AUDIENCE_CUSTOMERS ?? 1_000_000);
const EVENTS = Math.round(CUSTOMERS * 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Ten more definitions marketers commonly write, over the same data. */
const MORE = [
  { name: 'uk-repeat-buyers', where: "all(country = 'United Kingdom', orders >= 2)" },
  { name: 'near-london', where: 'within 50 km of (51.5074, -0.1278)' },
  { name: 'mobile-app-buyers', where: "all(preferred_device = 'mobile', orders where channel = 'app' in last 1 year >= 1)" },
  { name: 'email-engaged', where: "event 'email_open' in last 90 days >= 3" },
  { name: 'subscribers-gone-quiet', where: "all(newsletter = true, has no event 'email_open' in last 90 days, has no orders in last 90 days)" },
  { name: 'cart-then-buy', where: "has event 'add_to_cart' then orders within 1 hour in last 90 days" },
  { name: 'returners', where: 'returns in last 1 year >= 2' },
  { name: 'top-decile-spend-last-year', where: 'sum(amount) transactions in last 1 year > p90' },
  { name: 'electronics-not-toys', where: "all(has purchases where department = 'electronics', has no purchases where department = 'toys')" },
  { name: 'young-high-income', where: "all(age < 35, income_band in ('75-100k', '100-150k', '150k+'))" },
];

export async function run(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const data = await generatedEcommerce(OUT, CUSTOMERS, 'audiences');
  const wsDir = join(OUT, `ws-${CUSTOMERS}`);
  let ws = await Workspace.open(wsDir, { create: true });
  if (Number((await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM transactions'))!.n) === 0) {
    console.log('bench/audiences: importing …');
    const sample = join(OUT, `events-${EVENTS}.csv`);
    if (!existsSync(sample)) {
      // a deterministic streaming sample (a hash of each line) of the share that leaves about EVENTS events
      const all = Number((await ws.db.one<{ n: number }>(`SELECT count(*) AS n FROM read_csv(${quoteString(join(data, 'events.csv'))}, header = true, all_varchar = true)`))!.n);
      const perMille = Math.min(1000, Math.ceil((1000 * EVENTS) / all));
      await ws.db.run(`COPY (SELECT * FROM read_csv(${quoteString(join(data, 'events.csv'))}, header = true, all_varchar = true) WHERE hash(customer_id, ts, type) % 1000 < ${perMille}) TO ${quoteString(sample)} (HEADER)`);
    }
    for (const [file, kind] of [[join(data, 'customers.csv'), 'customers'], [join(data, 'transactions.csv'), 'transactions'], [sample, 'events']] as const) {
      await importFile(ws, file, { kind, remember: false });
    }
  }
  const count = async (t: string) => Number((await ws.db.one<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))!.n);
  const [customers, lines, events] = [await count('customers'), await count('transactions'), await count('events')];
  ws.close();
  ws = await Workspace.open(wsDir);
  // the pack's CLV audiences need a stored CLV run, which this benchmark does not make
  const pack = ECOMMERCE.audiences.filter((a) => !a.where.includes('clv.'));
  const defs = [...pack, ...MORE];
  const schema = await loadAudienceSchema(ws.db, { properties: false, audiences: Object.fromEntries(defs.map((d) => [d.name, d.where])) });

  const baseline: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    // the WHERE on n keeps the engine from pruning the aggregates away
    await ws.db.one("SELECT count(*) FROM (SELECT customer_id, count(DISTINCT order_id) AS n FROM transactions WHERE customer_id IS NOT NULL AND ts < TIMESTAMP '2025-01-01' AND NOT is_return GROUP BY customer_id) WHERE n >= 3");
    await ws.db.one("SELECT count(*) FROM (SELECT customer_id, count(*) AS n FROM events WHERE ts < TIMESTAMP '2025-01-01' AND type = 'email_open' GROUP BY customer_id) WHERE n >= 3");
    baseline.push(performance.now() - t0);
  }
  // the same 20 as one pack file, for `segmint audience eval pack.json` as the user runs it
  const packFile = join(OUT, 'bench-pack.json');
  writeFileSync(packFile, JSON.stringify({ pack: 'bench', audiences: defs.map((d) => ({ name: d.name, where: d.where })), ...(ECOMMERCE.aliases ? { aliases: ECOMMERCE.aliases } : {}) }));
  buildCli();
  const cliRuns: ProcessRun[] = [];
  const perAudience = new Map<string, { ms: number[]; customers: number }>();
  const totals: number[] = [];
  const stored: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let total = 0;
    for (const d of defs) {
      const t0 = performance.now();
      const p = await prepareAudience(ws, d.name, d.where, { schema, asOf: '2025-01-01' });
      const r = await evaluateAudience(ws, p, { store: false });
      const ms = performance.now() - t0;
      total += ms;
      const e = perAudience.get(d.name) ?? { ms: [], customers: r.customers };
      e.ms.push(ms);
      perAudience.set(d.name, e);
    }
    totals.push(total);
    // the command, a new process, in the same round (the workspace closed while it runs)
    ws.close();
    cliRuns.push(cliProcess(['audience', 'eval', packFile, '--no-store', '--as-of', '2025-01-01', '--json', '-w', wsDir]));
    ws = await Workspace.open(wsDir);
  }
  {
    const t0 = performance.now();
    for (const d of defs) await evaluateAudience(ws, await prepareAudience(ws, d.name, d.where, { schema, asOf: '2025-01-01' }));
    stored.push(performance.now() - t0);
  }
  // leave the workspace as it was for the next run
  await ws.db.run('DELETE FROM audience_members');
  await ws.db.run("DELETE FROM runs WHERE kind = 'audience'");
  ws.close();

  const base = median(baseline);
  const tot = median(totals);
  const rows = defs.map((d) => {
    const e = perAudience.get(d.name)!;
    return `| ${d.name} | \`${d.where.replace(/\|/g, '\\|')}\` | ${e.customers.toLocaleString('en-US')} | ${median(e.ms).toFixed(0)} |`;
  });
  const body = `${customers.toLocaleString('en-US')} generated customers (ecommerce preset, seed 1), ${lines.toLocaleString('en-US')} transaction lines and
${events.toLocaleString('en-US')} of their events (a deterministic sample by a hash of each line), already in the workspace. 20 audiences as of 2025-01-01:
the ${pack.length} of the ecommerce pack without CLV rules and ${MORE.length} more common definitions (bench/audiences.ts). Each is parsed, checked,
lowered, compiled and counted on DuckDB; median of ${RUNS} runs. Machine: ${machine()}, load average ${loadavg()[0]!.toFixed(1)} when it started (a shared machine). Run: ${new Date().toISOString().slice(0, 10)}.

| | median ms | runs (ms) | vs baseline |
| --- | ---: | --- | ---: |
| baseline: bare per-customer order count (distinct order ids) and e-mail-open count, each compared with 3 | ${base.toFixed(0)} | ${baseline.map((x) => x.toFixed(0)).join(', ')} | 1.00× |
| 20 audiences, counted | ${tot.toFixed(0)} | ${totals.map((x) => x.toFixed(0)).join(', ')} | ${(tot / base).toFixed(2)}× |
| 20 audiences, each stored as a snapshot run | ${stored[0]!.toFixed(0)} | 1 run | ${(stored[0]! / base).toFixed(2)}× |
| \`segmint audience eval bench-pack.json --no-store\`: the 20 as a pack, counted by the command end to end (a new process, the compiled CLI; CPU ${(median(cliRuns.map((r) => r.cpuMs)) / 1000).toFixed(2)} s, peak RSS ${median(cliRuns.map((r) => r.rssMiB)).toFixed(0)} MiB) | ${median(cliRuns.map((r) => r.ms)).toFixed(0)} | ${cliRuns.map((r) => r.ms.toFixed(0)).join(', ')} | ${(median(cliRuns.map((r) => r.ms)) / base).toFixed(2)}× (${(median(cliRuns.map((r) => r.ms)) / tot).toFixed(2)}× the library calls) |

All 20 counted in **${(tot / 1000).toFixed(2)} s** in process, **${(median(cliRuns.map((r) => r.ms)) / 1000).toFixed(2)} s** as the command (target: under 5 s; fastest run ${(Math.min(...totals) / 1000).toFixed(2)} s). Storing a snapshot adds the insert of every member into \`audience_members\`.

| audience | rule | members | median ms |
| --- | --- | ---: | ---: |
${rows.join('\n')}`;
  writeSection('audiences', body);
  console.log(body);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
