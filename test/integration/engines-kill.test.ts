// A command killed mid-way (SIGKILL) on a PostgreSQL and on a two-shard ClickHouse workspace leaves no
// visible partial run, and the next command works (issue #11). Each command — import, rfm, clv fit, clv
// predict, cluster, an audience snapshot — runs as a CLI process with SEGMINT_TEST_HOLD (src/store/
// test-hold.ts), so it stops right before the write that publishes it: every per-customer row of the run (or
// every row of the import) is written, the runs (sources) row is not. It is killed there. Then, at the next
// open, the write is found and undone: the runs and their rows are those before, no row is tagged with the
// killed id, the journal is empty; and the same command run again stores a whole run. DuckDB's kill points
// are in crash.test.ts. Runs when TEST_POSTGRES_URL / TEST_CLICKHOUSE_URL(+_SHARD2_URL) are set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { openEngine } from '../../src/engines/index.ts';
import { generateDataset } from '../../src/generate/index.ts';
import { col, compile, count, eq, num, select, table } from '../../src/sql/index.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/workspace.ts';

const PG = process.env.TEST_POSTGRES_URL;
const CH = process.env.TEST_CLICKHOUSE_URL;
const CH2 = process.env.TEST_CLICKHOUSE_SHARD2_URL;
const BIN = resolve(import.meta.dirname, '../../bin/segmint.js');
const RUN = `${process.pid}_${Date.now() % 1e8}`;

const RUN_TABLES = ['run_scores', 'clv_predictions', 'run_clusters', 'audience_members'];

async function n(ws: Workspace, from: string, where?: { column: string; value: number }): Promise<number> {
  const q = compile(select({ select: [{ expr: count(), as: 'n' }], from: table(from), ...(where ? { where: eq(col(where.column), num(where.value)) } : {}) }), ws.db.dialect);
  return Number((await ws.db.one<{ n: number }>(q.sql, q.params))?.n ?? 0);
}

/** Runs, sources and the row counts of the tables a run or an import writes. */
async function state(ws: Workspace): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['runs', 'sources', 'transactions', 'customers', 'quarantine', 'journal', ...RUN_TABLES]) out[t] = await n(ws, t);
  return out;
}

/** Run `segmint args` with the hold at `point`; SIGKILL it once it says it holds. */
async function killHeld(args: string[], point: 'run' | 'import'): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SEGMINT_TEST_HOLD: point } });
  await new Promise<void>((res, rej) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes(`segmint-test-hold: ${point}`)) res();
    });
    child.on('exit', (code) => rej(new Error(`segmint ${args.join(' ')} exited (${code}) before it reached the hold: ${err}`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

interface Step {
  name: string;
  args: string[];
  point: 'run' | 'import';
  /** the table a finished run of this step writes rows to */
  rows?: string;
}

async function scenario(wsDir: string, dir: string): Promise<void> {
  const g = await generateDataset({ preset: 'ecommerce', customers: 300, seed: 5, outDir: join(dir, 'data') });
  const w = ['--workspace', wsDir, '--json'];
  const ok = async (args: string[]) => {
    const r = await runCli([...args, ...w]);
    assert.equal(r.code, 0, `segmint ${args.join(' ')}: ${r.err}`);
  };
  await ok(['import', g.files.customers, '--kind', 'customers']);
  const steps: Step[] = [
    { name: 'import', args: ['import', g.files.transactions, '--kind', 'transactions'], point: 'import' },
    { name: 'rfm', args: ['rfm'], point: 'run', rows: 'run_scores' },
    { name: 'clv fit', args: ['clv', 'fit'], point: 'run' },
    { name: 'cluster', args: ['cluster', '--k', '4', '--seed', '3'], point: 'run', rows: 'run_clusters' },
    { name: 'audience snapshot', args: ['audience', 'eval', '--where', 'orders >= 2', '--name', 'repeat'], point: 'run', rows: 'audience_members' },
    { name: 'clv predict', args: ['clv', 'predict', '--horizon', '12', '--unit', 'month'], point: 'run', rows: 'clv_predictions' },
  ];
  for (const s of steps) {
    let ws = await Workspace.open(wsDir);
    const before = await state(ws);
    await ws.closeAsync();
    await killHeld([...s.args, ...w], s.point);
    ws = await Workspace.open(wsDir);
    try {
      assert.equal(ws.recovered.length, 1, `${s.name}: the killed write is found at the next open`);
      const killedId = ws.recovered[0]!.id;
      // ClickHouse has no transaction: the rows the killed process wrote are there until the open deletes them
      // (PostgreSQL rolled them back with the killed connection's transaction)
      if (!ws.db.transactional && s.name !== 'clv fit') assert.ok(Object.values(ws.recovered[0]!.removed).reduce((a, x) => a + x, 0) > 0, `${s.name}: it had written rows (${JSON.stringify(ws.recovered[0]!.removed)})`);
      assert.deepEqual(await state(ws), before, `${s.name}: nothing of the killed write is visible`);
      if (s.point === 'run') for (const t of RUN_TABLES) assert.equal(await n(ws, t, { column: 'run_id', value: killedId }), 0, `${s.name}: no ${t} row of run ${killedId}`);
      else assert.equal(await n(ws, 'transactions', { column: 'source_id', value: killedId }), 0, `${s.name}: no line of source ${killedId}`);
    } finally {
      await ws.closeAsync();
    }
    // the next command works: the same one, to the end
    await ok(s.args);
    ws = await Workspace.open(wsDir);
    try {
      const after = await state(ws);
      assert.equal(after.journal, 0);
      if (s.point === 'run') {
        assert.equal(after.runs, before.runs! + 1, `${s.name}: one run more`);
        const last = compile(select({ select: [{ expr: col('run_id'), as: 'id' }], from: table('runs'), orderBy: [{ expr: col('run_id'), desc: true }], limit: 1 }), ws.db.dialect);
        const runId = Number((await ws.db.one<{ id: number }>(last.sql, last.params))?.id);
        if (s.rows) assert.ok((await n(ws, s.rows, { column: 'run_id', value: runId })) > 0, `${s.name}: the new run has its rows`);
      } else {
        assert.equal(after.sources, before.sources! + 1);
        assert.ok(after.transactions! > 0);
      }
    } finally {
      await ws.closeAsync();
    }
  }
}

test('killed mid-way on PostgreSQL: no partial run, the next command works', { skip: PG ? false : 'TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)' }, async () => {
  const schema = `seg_kill_${RUN}`;
  const admin = await openEngine(PG!);
  const t = tempDir('segmint-kill-pg-');
  try {
    const wsDir = join(t.dir, 'shop');
    const init = await runCli(['init', wsDir, '--engine', `${PG}?schema=${schema}`, '--json']);
    assert.equal(init.code, 0, init.err);
    await scenario(wsDir, t.dir);
  } finally {
    await admin.run(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.close();
    t.cleanup();
  }
});

test('killed mid-way on the two-shard ClickHouse cluster: no partial run, the next command works', { skip: CH && CH2 ? false : 'TEST_CLICKHOUSE_URL / TEST_CLICKHOUSE_SHARD2_URL are not set (scripts/clickhouse-cluster.sh start)' }, async () => {
  const database = `seg_kill_${RUN}`;
  const shards = [await openEngine(CH!), await openEngine(CH2!)];
  const t = tempDir('segmint-kill-ch-');
  try {
    const wsDir = join(t.dir, 'shop');
    const init = await runCli(['init', wsDir, '--engine', `${CH!.replace(/^http/, 'clickhouse')}/${database}`, '--cluster', 'segmint', '--shard', CH2!, '--json']);
    assert.equal(init.code, 0, init.err);
    await scenario(wsDir, t.dir);
  } finally {
    for (const s of shards) {
      await s.run(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
      await s.close();
    }
    t.cleanup();
  }
});
