/**
 * bench/import: `segmint import` of online_retail.csv (validation, quarantine, one transaction) against a
 * bare DuckDB `CREATE TABLE … AS SELECT * FROM read_csv(…)` of the same file into a fresh database file.
 * Target (issue #2): at most 1.5× the bare read.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { importFile, type ImportOptions, type ImportResult } from '../src/store/import/index.ts';
import { Workspace } from '../src/store/workspace.ts';
import { buildCli, cliProcess, machine, median, writeSection, type ProcessRun } from './benchmarks-md.ts';

const SHARED = process.env.SEGMINT_SHARED_DATA ?? resolve(import.meta.dirname, '../../shared/data');
const FILE = join(SHARED, 'online-retail/online_retail.csv');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function bare(dir: string): Promise<number> {
  const inst = await DuckDBInstance.create(join(dir, 'bare.duckdb'));
  const c = await inst.connect();
  const t0 = performance.now();
  await c.run(`CREATE TABLE t AS SELECT * FROM read_csv('${FILE.replace(/'/g, "''")}')`);
  await c.run('CHECKPOINT');
  const ms = performance.now() - t0;
  c.closeSync();
  inst.closeSync();
  return ms;
}

const RETAIL_COLUMNS = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'];

/**
 * Floors: the file parsed in one pass straight into a transactions table of a new database, with no
 * validation at all (no staging, line numbers, duplicate numbering, quarantine, customers or products),
 * committed and checkpointed. `design` writes only the 14 columns DESIGN.md names for transactions;
 * `workspace` writes Segmint's 20-column table (adding description, attributes and the provenance and
 * row-key columns that re-import and append need) in a new workspace.
 */
async function floor(dir: string, shape: 'design' | 'workspace'): Promise<number> {
  const f = FILE.replace(/'/g, "''");
  const q = 'TRY_CAST("Quantity" AS DOUBLE)';
  const p = 'TRY_CAST("UnitPrice" AS DOUBLE)';
  const ret = "coalesce(starts_with(\"InvoiceNo\", 'C'), false)";
  const common = `"CustomerID", "InvoiceNo", TRY_CAST("InvoiceDate" AS TIMESTAMP), CASE WHEN ${ret} THEN -abs(${q} * ${p}) ELSE ${q} * ${p} END, NULL, "StockCode"`;
  const from = `FROM read_csv('${f}', header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
      columns = {${RETAIL_COLUMNS.map((c) => `'${c}': 'VARCHAR'`).join(', ')}})`;
  let db: { run(sql: string): Promise<void> };
  let close: () => void;
  if (shape === 'workspace') {
    const ws = await Workspace.open(join(dir, 'ws'), { create: true });
    db = ws.db;
    close = () => ws.close();
  } else {
    const inst = await DuckDBInstance.create(join(dir, 'floor.duckdb'));
    const c = await inst.connect();
    db = { run: async (sql) => void (await c.run(sql)) };
    close = () => {
      c.closeSync();
      inst.closeSync();
    };
    await db.run(`CREATE TABLE transactions (customer_id VARCHAR, order_id VARCHAR NOT NULL, ts TIMESTAMP, amount DOUBLE,
      line_no INTEGER, product_id VARCHAR, category VARCHAR, department VARCHAR, quantity DOUBLE, unit_price DOUBLE,
      channel VARCHAR, coupon VARCHAR, currency VARCHAR, is_return BOOLEAN NOT NULL)`);
  }
  const t0 = performance.now();
  if (shape === 'design') await db.run(`INSERT INTO transactions SELECT ${common}, NULL, NULL, ${q}, ${p}, NULL, NULL, NULL, ${ret} ${from}`);
  else {
    await db.run(`INSERT INTO transactions SELECT ${common}, "Description", NULL, NULL, ${q}, ${p}, NULL, NULL, NULL, ${ret}, NULL, 1, 0,
      hash("Country", "CustomerID", "Description", "InvoiceDate", "InvoiceNo", "Quantity", "StockCode", "UnitPrice"), 1 ${from}`);
  }
  await db.run('CHECKPOINT');
  const ms = performance.now() - t0;
  close();
  return ms;
}

/** Phases of an import as its progress reports them, each with the time until the next phase began. */
type Phases = Record<string, number>;

async function segmint(dir: string, policies?: ImportOptions['policies']): Promise<{ ms: number; rows: ImportResult['rows']; phases: Phases }> {
  const ws = await Workspace.open(join(dir, 'ws'), { create: true });
  const phases: Phases = {};
  let last: [string, number] | undefined;
  const mark = (phase: string) => {
    const now = performance.now();
    if (last) phases[last[0]] = (phases[last[0]] ?? 0) + now - last[1];
    last = [phase, now];
  };
  const t0 = performance.now();
  const r = await importFile(ws, FILE, { kind: 'transactions', remember: false, policies, onProgress: (phase) => mark(phase) });
  mark('checkpoint');
  await ws.db.run('CHECKPOINT');
  mark('end');
  const ms = performance.now() - t0;
  ws.close();
  return { ms, rows: r.rows, phases };
}

const PHASE_TEXT: Record<string, string> = {
  fingerprinting: 'hash the file while DuckDB reads it into a temp table (column names from the header line, no sniffing), parsing ids, numbers and row keys in the same pass',
  reading: 'detect the date format (distinct values of the first 20,000 rows and a Bernoulli sample), count the rows',
  validating: 'number exact copies, decide each row\'s quarantine reason (a view)',
  loading: 'one per-customer aggregate (customers, traits, tallies), write the accepted rows to `transactions` (20 canonical columns), derive products',
  quarantining: 'write quarantined rows with their raw values, count reasons and observations, record the source, commit',
  checkpoint: 'CHECKPOINT',
};

export async function run(): Promise<void> {
  if (!existsSync(FILE)) {
    console.log(`bench/import: skipped, ${FILE} is missing (set SEGMINT_SHARED_DATA)`);
    return;
  }
  const bareMs: number[] = [];
  const segMs: number[] = [];
  const floorMs: number[] = [];
  const designMs: number[] = [];
  const anonMs: number[] = [];
  let anonRows: ImportResult['rows'] | undefined;
  const phaseRuns: Phases[] = [];
  const cliRuns: ProcessRun[] = [];
  let rows: unknown;
  buildCli();
  for (let i = 0; i < RUNS; i++) {
    // Alternate the order so neither side always runs on a warm page cache.
    for (const side of i % 2 ? ['cli', 'segmint', 'anonymous', 'floor', 'design', 'bare'] : ['bare', 'design', 'floor', 'anonymous', 'segmint', 'cli']) {
      const dir = mkdtempSync(join(tmpdir(), 'segmint-bench-'));
      try {
        if (side === 'bare') bareMs.push(await bare(dir));
        else if (side === 'cli') {
          // `segmint import` as the user runs it, a new process on a workspace made by `segmint init` (not timed)
          cliProcess(['init', join(dir, 'ws')]);
          cliRuns.push(cliProcess(['import', FILE, '--kind', 'transactions', '-w', join(dir, 'ws')]));
        }
        else if (side === 'floor') floorMs.push(await floor(dir, 'workspace'));
        else if (side === 'design') designMs.push(await floor(dir, 'design'));
        else if (side === 'anonymous') {
          const r = await segmint(dir, { missingCustomerId: 'anonymous' });
          anonMs.push(r.ms);
          anonRows = r.rows;
        }
        else {
          const r = await segmint(dir);
          segMs.push(r.ms);
          phaseRuns.push(r.phases);
          rows = r.rows;
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const b = median(bareMs);
  const s = median(segMs);
  const ratio = s / b;
  const fl = median(floorMs);
  const dl = median(designMs);
  const an = median(anonMs);
  const body = `Import of \`online_retail.csv\` (541,909 lines, 47 MB) into a new workspace: detection, validation of every
row, quarantine with raw values and reasons, customers and products derived, one transaction, checkpoint —
against a bare DuckDB \`CREATE TABLE t AS SELECT * FROM read_csv(file)\` into a new database file, checkpointed.
Median of ${RUNS} runs each, alternating order. Machine: ${machine()}. Run: ${new Date().toISOString().slice(0, 10)}.

| | median ms | runs (ms) |
| --- | ---: | --- |
| bare DuckDB read_csv → table | ${b.toFixed(0)} | ${bareMs.map((x) => x.toFixed(0)).join(', ')} |
| floor: one pass into DESIGN.md's 14 transaction columns, no validation | ${dl.toFixed(0)} | ${designMs.map((x) => x.toFixed(0)).join(', ')} |
| floor: one pass into the workspace's 20-column \`transactions\`, no validation | ${fl.toFixed(0)} | ${floorMs.map((x) => x.toFixed(0)).join(', ')} |
| segmint import | ${s.toFixed(0)} | ${segMs.map((x) => x.toFixed(0)).join(', ')} |
| segmint import, \`missingCustomerId: anonymous\` | ${an.toFixed(0)} | ${anonMs.map((x) => x.toFixed(0)).join(', ')} |
| **ratio** | **${ratio.toFixed(2)}×** (anonymous: ${(an / b).toFixed(2)}×) | target ≤ 1.5× (floors ${(dl / b).toFixed(2)}× and ${(fl / b).toFixed(2)}×) |
| \`segmint import online_retail.csv --kind transactions\` end to end, a new process (the compiled CLI; CPU ${(median(cliRuns.map((r) => r.cpuMs)) / 1000).toFixed(2)} s, peak RSS ${median(cliRuns.map((r) => r.rssMiB)).toFixed(0)} MiB) | ${median(cliRuns.map((r) => r.ms)).toFixed(0)} | ${cliRuns.map((r) => r.ms.toFixed(0)).join(', ')} (${(median(cliRuns.map((r) => r.ms)) / b).toFixed(2)}× the bare read; ${(median(cliRuns.map((r) => r.ms)) / s).toFixed(2)}× the library call above, the difference being start-up, the open of the new workspace and its close) |

Rows: \`${JSON.stringify(rows)}\`; with \`missingCustomerId: anonymous\`: \`${JSON.stringify(anonRows)}\`.

Why 1.5× is out of reach. The two floor rows parse the file in one pass straight into a transactions table
with no validation at all: no staging, no line numbers, no duplicate numbering, no quarantine, no customers
or products. Writing only the 14 columns DESIGN.md names costs ${(dl / b).toFixed(2)}× the bare read (it drops the
description and country text); the workspace's 20-column table, with the description and the source, line
and row-key columns that re-import and append need, costs ${(fl / b).toFixed(2)}×. DuckDB's string-compression analysis
dominates every persistent write. On top of a floor the import must keep every rejected row with its raw
values: by default the 135,080 rows without a customer id are among them, and the write and commit of
140,305 quarantine rows as JSON is most of the quarantining phase below (about 0.5× the bare read). With
\`missingCustomerId: anonymous\` (those rows kept as anonymous lines) the quarantine holds ${anonRows?.quarantined.toLocaleString('en-US')} rows, and
the import still takes ${(an / b).toFixed(2)}×: staging the file (to number lines and exact copies), the ${anonRows?.loaded.toLocaleString('en-US')}-row
write, 4,372 customers with their country, 3,684 products and the observation counts together cost more
than the target leaves above either floor. Switching off dictionary and FSST compression roughly halves the
writes but grows the workspace file several-fold, so Segmint keeps DuckDB's defaults.

Where segmint's time goes (median ms per phase over the runs):

| phase | what happens | median ms |
| --- | --- | ---: |
${Object.keys(PHASE_TEXT).map((p) => `| ${p} | ${PHASE_TEXT[p]} | ${median(phaseRuns.map((x) => x[p] ?? 0)).toFixed(0)} |`).join('\n')}`;
  writeSection('import', body);
  console.log(`bench/import: bare ${b.toFixed(0)} ms, floors ${dl.toFixed(0)} / ${fl.toFixed(0)} ms (${(dl / b).toFixed(2)}× / ${(fl / b).toFixed(2)}×), segmint ${s.toFixed(0)} ms, ratio ${ratio.toFixed(2)}×`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
