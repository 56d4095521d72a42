/**
 * bench/engines: `segmint import`, `segmint rfm` and 20 audiences (`segmint audience eval FILE`, each stored as a
 * snapshot) on each engine, over the same generated transaction lines (ecommerce preset, seed 1): DuckDB (the
 * baseline), PostgreSQL, ClickHouse 18.16 on one server, and the two-shard ClickHouse cluster. Each workspace is
 * made with `segmint init --engine …` and loaded with `segmint import FILE --kind transactions`, as a user runs
 * them (on PostgreSQL and ClickHouse the file is parsed and checked in a scratch embedded DuckDB and bulk-loaded:
 * docs/engines.md). BENCH_ENGINES_LOAD=attach instead loads the lines as one plain `orders` table with each
 * engine's own bulk loader (DuckDB read_csv, psql \copy, clickhouse-client; on the cluster a Distributed table
 * over a MergeTree on each shard) and attaches it (`segmint source attach`, repeated lines kept). Every command
 * runs as a new process (the compiled CLI). Size: BENCH_ENGINES_CUSTOMERS customers (1,000,000 ≈ 10.3 M lines,
 * the default); BENCH_ENGINES_ONLY=duckdb,postgres,… picks engines; the servers: BENCH_PG_URL, BENCH_CH_URL,
 * BENCH_CH2_URL (default the local test servers). The section is rewritten after each engine, so a run cut short
 * still records the engines it finished.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generatedEcommerce } from './generated.ts';
import { buildCli, machine, writeSection } from './benchmarks-md.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench/out/engines');
const CUSTOMERS = Number(process.env.BENCH_ENGINES_CUSTOMERS ?? 1_000_000);
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CH = process.env.BENCH_CH_URL ?? 'http://127.0.0.1:8123';
const CH2 = process.env.BENCH_CH2_URL ?? 'http://127.0.0.1:8124';
const CLI = join(ROOT, 'bench/dist-cli.mjs');

/** Twenty audiences over the lines and the RFM run (the workspaces have no customer traits or events). */
const RULES: Record<string, string> = {
  'repeat-buyers': 'orders >= 2',
  'one-time-buyers': 'orders = 1',
  'lapsed-90': 'all(orders >= 2, has no orders in last 90 days)',
  'active-30': 'has orders in last 30 days',
  'big-spenders-p90': 'sum(amount) purchases > p90',
  'above-average-net': 'sum(amount) transactions > avg',
  'returners': 'returns in last 1 year >= 2',
  'cheap-lines': 'avg(unit_price) purchases < median',
  'many-products': 'distinct(product_id) purchases >= 20',
  'electronics-buyers': "has purchases where department = 'electronics' in last 1 year",
  'toys-not-beauty': "all(has purchases where department = 'toys', has no purchases where department = 'beauty')",
  'app-buyers': "orders where channel = 'app' >= 2",
  'coupon-users': 'orders where coupon is not null in last 1 year >= 2',
  'new-customers': 'first order in last 60 days',
  'frequent-last-year': 'orders in last 1 year >= 6',
  'bulk-lines': 'max(quantity) purchases >= 5',
  'champions': "rfm.segment = 'Champions'",
  'at-risk': "rfm.segment in ('At Risk', 'Cannot Lose Them')",
  'high-monetary': 'rfm.m = 5',
  'low-recency-high-frequency': 'all(rfm.r <= 2, rfm.f >= 4)',
};

const COLUMNS = 'customer_id text, order_id text, line_no integer, ts timestamp, product_id text, category text, department text, quantity integer, unit_price double precision, amount double precision, channel text, coupon text';
const CH_COLUMNS = 'customer_id String, order_id String, line_no Int32, ts DateTime, product_id String, category String, department String, quantity Int32, unit_price Float64, amount Float64, channel String, coupon String';

interface Engine {
  name: string;
  /** segmint init's --engine and extra options; undefined: DuckDB */
  init?: string[];
  /** make the empty database the workspace lives in (PostgreSQL: a database; ClickHouse: nothing left over) */
  prepare: () => void;
  /** attach mode: the plain table the lines are loaded into, and its loader */
  table: string;
  load: (csv: string) => void;
  /** drop everything the run made in the engine */
  drop: () => void;
}

const sh = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...(input !== undefined ? { input } : {}) });
/** clickhouse-client with `file` on its standard input. */
function fromFile(args: string[], file: string): void {
  const fd = openSync(file, 'r');
  try {
    const r = spawnSync('clickhouse-client', args, { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`clickhouse-client ${args.join(' ')}: ${r.stderr}`);
  } finally {
    closeSync(fd);
  }
}
const ch = (url: string, sql: string) => {
  const port = new URL(url).port === '8124' ? '9001' : '9000';
  return sh('clickhouse-client', ['--port', port, '-q', sql]);
};

function engines(): Engine[] {
  // attach mode uses its own databases, so that it can run beside an import run
  const x = process.env.BENCH_ENGINES_LOAD === 'attach' ? '_attach' : '';
  const pgUrl = new URL(PG);
  const pgDb = `seg_bench_engines${x}`;
  const admin = pgUrl.pathname.slice(1) || 'postgres';
  const psql = (db: string, sql: string) => sh('psql', ['-h', pgUrl.hostname, '-p', pgUrl.port || '5432', '-U', decodeURIComponent(pgUrl.username) || 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-c', sql]);
  const pgWs = new URL(PG);
  pgWs.pathname = `/${pgDb}`;
  const dropPg = () => void psql(admin, `DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`);
  const dropCh = (urls: string[], dbs: string[]) => () => {
    for (const url of urls) for (const db of dbs) ch(url, `DROP DATABASE IF EXISTS ${db}`);
  };
  return [
    { name: 'DuckDB', table: 'orders', prepare: () => undefined, load: () => undefined, drop: () => undefined },
    {
      name: 'PostgreSQL 15',
      init: ['--engine', `${pgWs.toString()}?schema=segmint`],
      table: 'public.orders',
      prepare: () => {
        dropPg();
        psql(admin, `CREATE DATABASE ${pgDb}`);
      },
      load: (csv) => {
        psql(pgDb, `CREATE TABLE public.orders (${COLUMNS})`);
        psql(pgDb, `\\copy public.orders FROM '${csv}' WITH (FORMAT csv, HEADER true)`);
        psql(pgDb, 'ANALYZE public.orders');
      },
      drop: dropPg,
    },
    {
      name: 'ClickHouse 18.16, one server',
      init: ['--engine', `${CH.replace(/^http/, 'clickhouse')}/seg_bench_one_ws${x}`],
      table: `seg_bench_one${x}.orders`,
      prepare: dropCh([CH], [`seg_bench_one${x}`, `seg_bench_one_ws${x}`]),
      load: (csv) => {
        ch(CH, `CREATE DATABASE seg_bench_one${x}`);
        ch(CH, `CREATE TABLE seg_bench_one${x}.orders (${CH_COLUMNS}) ENGINE = MergeTree ORDER BY customer_id`);
        fromFile(['--port', '9000', '-q', `INSERT INTO seg_bench_one${x}.orders FORMAT CSVWithNames`], csv);
      },
      drop: dropCh([CH], [`seg_bench_one${x}`, `seg_bench_one_ws${x}`]),
    },
    {
      name: 'ClickHouse 18.16, two shards',
      init: ['--engine', `${CH.replace(/^http/, 'clickhouse')}/seg_bench_two_ws${x}`, '--cluster', 'segmint', '--shard', CH2],
      table: `seg_bench_two${x}.orders`,
      prepare: dropCh([CH, CH2], [`seg_bench_two${x}`, `seg_bench_two_ws${x}`]),
      load: (csv) => {
        for (const url of [CH, CH2]) {
          ch(url, `CREATE DATABASE seg_bench_two${x}`);
          ch(url, `CREATE TABLE seg_bench_two${x}.orders_local (${CH_COLUMNS}) ENGINE = MergeTree ORDER BY customer_id`);
          ch(url, `CREATE TABLE seg_bench_two${x}.orders AS seg_bench_two${x}.orders_local ENGINE = Distributed(segmint, seg_bench_two${x}, orders_local, cityHash64(customer_id))`);
        }
        fromFile(['--port', '9000', '--insert_distributed_sync', '1', '-q', `INSERT INTO seg_bench_two${x}.orders FORMAT CSVWithNames`], csv);
      },
      drop: dropCh([CH, CH2], [`seg_bench_two${x}`, `seg_bench_two_ws${x}`]),
    },
  ];
}

/** Run the compiled CLI; its wall time in ms (throws on a non-zero exit). */
function timed(args: string[]): { ms: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`segmint ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, out: r.stdout };
}

interface Result {
  name: string;
  /** import mode: `segmint import`; attach mode: the engine's bulk loader + `segmint source attach` */
  load: number;
  rfm: number;
  audiences: number;
  loaded: number;
  members: number;
  segments: string;
  /** 1-minute load average before the engine's first command and after its last */
  loadavg: [number, number];
}

export async function run(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const attachMode = process.env.BENCH_ENGINES_LOAD === 'attach';
  // the 1,000,000-customer set of bench/rfm when it is there, else generated here
  const full = existsSync(join(ROOT, 'bench/out/rfm/data-1000000/manifest.json')) ? join(ROOT, 'bench/out/rfm/data-1000000') : await generatedEcommerce(OUT, 1_000_000, 'engines');
  const csv = CUSTOMERS >= 1_000_000 ? join(full, 'transactions.csv') : join(OUT, `orders-${CUSTOMERS}.csv`);
  const duck = await DuckDBInstance.create(':memory:');
  const con = await duck.connect();
  if (!existsSync(csv)) {
    // the first CUSTOMERS customers (ids from 10001), every line of each
    await con.run(`COPY (SELECT * FROM read_csv('${join(full, 'transactions.csv')}', header = true, types = {'customer_id': 'VARCHAR', 'order_id': 'VARCHAR'})
      WHERE CAST(customer_id AS BIGINT) < ${10001 + CUSTOMERS}) TO '${csv}' (HEADER, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S')`);
  }
  const lines = Number((await (await con.runAndReadAll(`SELECT count(*) FROM read_csv('${csv}', header = true)`)).getRows())[0]![0]);
  con.closeSync();
  // BENCH_ENGINES_NO_BUILD: run the dist/ already built (a run beside another one that uses it)
  if (!process.env.BENCH_ENGINES_NO_BUILD) buildCli();
  const rulesFile = join(OUT, 'rules.json');
  writeFileSync(rulesFile, JSON.stringify({ pack: 'bench', audiences: Object.entries(RULES).map(([name, where]) => ({ name, where })) }));
  const rows: Result[] = [];
  const only = process.env.BENCH_ENGINES_ONLY?.split(',');
  const started = new Date().toISOString().slice(0, 16).replace('T', ' ');
  for (const e of engines()) {
    if (only && !only.some((o) => e.name.toLowerCase().includes(o.toLowerCase()))) continue;
    const ws = join(OUT, `ws-${e.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}${attachMode ? '-attach' : ''}`);
    rmSync(ws, { recursive: true, force: true });
    const before = loadavg()[0]!;
    console.log(`bench/engines: ${e.name}: loading ${lines.toLocaleString('en-US')} lines (${attachMode ? 'bulk loader + attach' : 'segmint import'}; load average ${before.toFixed(1)}) …`);
    e.prepare();
    timed(['init', ws, ...(e.init ?? [])]);
    try {
      let load: number;
      let loaded: number;
      if (attachMode) {
        const t0 = performance.now();
        e.load(csv);
        if (!e.init) {
          // DuckDB: the lines as a table of the workspace database
          const inst = await DuckDBInstance.create(join(ws, 'segmint.duckdb'));
          const c = await inst.connect();
          await c.run(`CREATE TABLE orders AS SELECT * FROM read_csv('${csv}', header = true, types = {'customer_id': 'VARCHAR', 'order_id': 'VARCHAR', 'coupon': 'VARCHAR'})`);
          c.closeSync();
          inst.closeSync();
        }
        const yaml = join(ws, 'segmint.yaml');
        writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('duplicateRows: quarantine', 'duplicateRows: keep'));
        timed(['source', 'attach', '-w', ws, '--table', e.table, '--kind', 'transactions', '--json']);
        load = performance.now() - t0;
        loaded = lines;
      } else {
        const imp = timed(['import', csv, '-w', ws, '--kind', 'transactions', '--json']);
        load = imp.ms;
        loaded = (JSON.parse(imp.out) as { rows: { loaded: number } }).rows.loaded;
      }
      console.log(`bench/engines: ${e.name}: ${loaded.toLocaleString('en-US')} lines in ${(load / 1000).toFixed(1)} s; rfm …`);
      const rfm = timed(['rfm', '-w', ws, '--json']);
      const segs = (JSON.parse(rfm.out) as { segments: { segment: string; customers: number }[] }).segments;
      console.log(`bench/engines: ${e.name}: rfm ${(rfm.ms / 1000).toFixed(1)} s; 20 audiences …`);
      const aud = timed(['audience', 'eval', rulesFile, '-w', ws, '--json']);
      const results = (JSON.parse(aud.out) as { results: { name: string; customers: number }[] }).results;
      rows.push({
        name: e.name, load, rfm: rfm.ms, audiences: aud.ms, loaded,
        members: results.reduce((a, r) => a + r.customers, 0),
        segments: segs.slice(0, 3).map((s) => `${s.segment} ${s.customers.toLocaleString('en-US')}`).join(', '),
        loadavg: [before, loadavg()[0]!],
      });
      console.log(`bench/engines: ${e.name}: 20 audiences ${(aud.ms / 1000).toFixed(1)} s, ${rows.at(-1)!.members} memberships`);
    } finally {
      if (!process.env.BENCH_KEEP) {
        e.drop();
        rmSync(ws, { recursive: true, force: true });
      }
    }
    report(rows, lines, attachMode, started);
  }
}

/** docs/BENCHMARKS.md's section from the engines measured so far. */
function report(rows: Result[], lines: number, attachMode: boolean, started: string): void {
  const base = rows.find((r) => r.name === 'DuckDB');
  const one = rows.find((r) => r.name.includes('one server'));
  const two = rows.find((r) => r.name.includes('two shards'));
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const ratio = (ms: number, b?: number) => (b ? `${(ms / b).toFixed(2)}×` : '–');
  const table = rows.map((r) => `| ${r.name} | ${s(r.load)} | ${ratio(r.load, base?.load)} | ${s(r.rfm)} | ${ratio(r.rfm, base?.rfm)} | ${s(r.audiences)} | ${ratio(r.audiences, base?.audiences)} | ${r.members.toLocaleString('en-US')} | ${r.loadavg.map((l) => l.toFixed(1)).join(' → ')} |`);
  const how = attachMode
    ? `as one plain \`orders\` table loaded by each engine's own bulk loader and attached by a workspace (\`segmint source attach\`, repeated lines kept); "load" is the loader and the attach together`
    : `imported into a new workspace on each engine as a user does it: \`segmint init WS --engine …\`, then \`segmint import transactions.csv --kind transactions\` (on PostgreSQL and ClickHouse the file is parsed and checked in a scratch embedded DuckDB, then bulk-loaded: COPY, JSONEachRow; docs/engines.md); ${rows[0]?.loaded.toLocaleString('en-US') ?? ''} lines loaded on each`;
  const body = `${CUSTOMERS.toLocaleString('en-US')} generated customers (ecommerce preset, seed 1), ${lines.toLocaleString('en-US')} transaction lines, ${how}.
Each command is the compiled CLI as a new process, timed end to end (startup included, about 0.3 s); \`segmint rfm\` stores
the run, \`segmint audience eval\` evaluates and stores the 20 audiences of bench/engines.ts (transaction rules and RFM
rules). One run each, the engines one after another in one run (\`${attachMode ? 'BENCH_ENGINES_LOAD=attach ' : ''}npx tsx bench/engines.ts\`), started ${started} UTC.
Machine: ${machine()}, shared with other work: the 1-minute load average (\`uptime\`) before each engine's first command and
after its last is in the last column; the servers and Node compete for the same two cores, so read the ratios (same run)
rather than the seconds.

| engine | ${attachMode ? 'load + attach' : 'import'} (s) | vs DuckDB | rfm (s) | vs DuckDB | 20 audiences (s) | vs DuckDB | memberships | load average |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${table.join('\n')}

${one && two ? `Two shards against one server: ${attachMode ? 'load' : 'import'} ${ratio(two.load, one.load)}, RFM ${ratio(two.rfm, one.rfm)}, 20 audiences ${ratio(two.audiences, one.audiences)} (below 1× is faster). Both shards run on this one machine, so they share its two cores: the cluster splits the scans, but the per-customer aggregates over a Distributed table gather at the server Segmint talks to (docs/engines.md), and the extra hop costs time here.` : rows.length < 4 ? '(The engines missing from the table were not measured in this run.)' : ''}
${rows.every((r) => r.members === rows[0]!.members && r.segments === rows[0]!.segments) ? 'Every engine gave the same number of memberships and the same RFM segment sizes' : '**The engines did not all give the same memberships or segment sizes** (see the table)'}; the largest RFM segments${base ? ' on DuckDB' : ''}: ${(base ?? rows[0])?.segments ?? ''}.`;
  writeSection('engines', body);
  console.log(body);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
