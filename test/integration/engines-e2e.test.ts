// Every command on three engines (issue #11, "Done when"): the bundled Online Retail sample imported into a
// DuckDB workspace, a PostgreSQL workspace and a workspace on the two-shard ClickHouse 18.16 cluster, then
// the same commands through the CLI on each — RFM as of 2011-09-10 and at the end, LRFMP, CLV fit and a
// 12-month prediction, clusters with k = 4, the e-commerce pack and 20 more rules (test/helpers/
// engine-rules.ts), the RFM migration and the report. Every customer's RFM code and segment, LRFMP code,
// CLV and churn tier, cluster id and membership of every audience must be identical across the three, the
// migration matrix too, and the fitted CLV parameters agree to 1e-9 relative. DuckDB always runs; the others
// when TEST_POSTGRES_URL / TEST_CLICKHOUSE_URL and TEST_CLICKHOUSE_SHARD2_URL are set (.ci/run sets them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openEngine, type Engine } from '../../src/engines/index.ts';
import { col, compile, eq, num, select, table } from '../../src/sql/index.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { MODEL_RULES, VALUE_RULES } from '../helpers/engine-rules.ts';
import { tempDir } from '../helpers/workspace.ts';

const PG = process.env.TEST_POSTGRES_URL;
const CH = process.env.TEST_CLICKHOUSE_URL;
const CH2 = process.env.TEST_CLICKHOUSE_SHARD2_URL;
const SAMPLE = resolve(import.meta.dirname, '../../data/online-retail.parquet');
const RUN = `${process.pid}_${Date.now() % 1e8}`;

/** What one engine's run of the pipeline gave, per customer and per step. */
interface Outcome {
  steps: Record<string, string>;
  rfmEarly: string[];
  rfm: string[];
  lrfmp: string[];
  clvParams: Record<string, number>;
  clv: string[];
  clusters: string[];
  audiences: Record<string, string[]>;
  migration: unknown;
  report: boolean;
}

async function cli(args: string[], wsDir: string, steps: Record<string, string>, step: string): Promise<Record<string, unknown> | undefined> {
  const r = await runCli([...args, '--workspace', wsDir, '--json']);
  if (r.code !== 0) {
    steps[step] = `failed (exit ${r.code}): ${r.err.trim().split('\n').slice(0, 3).join(' / ')}`;
    return undefined;
  }
  steps[step] = 'ok';
  return JSON.parse(r.out) as Record<string, unknown>;
}

async function rows(db: Engine, from: string, cols: string[], runId: number): Promise<string[]> {
  const q = compile(select({ select: cols.map((c) => ({ expr: col(c), as: c })), from: table(from), where: eq(col('run_id'), num(runId)) }), db.dialect);
  return (await db.all<Record<string, unknown>>(q.sql, q.params)).map((r) => cols.map((c) => (typeof r[c] === 'number' || typeof r[c] === 'bigint' ? String(Number(r[c])) : String(r[c]))).join(' ')).sort();
}

/** The numeric leaves of a fit's parameters, by path. */
function params(fit: Record<string, unknown> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of ['purchase', 'spend']) {
    const p = (fit?.[part] as { params?: Record<string, number> } | undefined)?.params ?? {};
    for (const [k, v] of Object.entries(p)) out[`${part}.${k}`] = v;
  }
  return out;
}

/** The whole pipeline through the CLI on the workspace at `wsDir` (created by the caller). */
async function pipeline(wsDir: string, dir: string): Promise<Outcome> {
  const steps: Record<string, string> = {};
  const o: Outcome = { steps, rfmEarly: [], rfm: [], lrfmp: [], clvParams: {}, clv: [], clusters: [], audiences: {}, migration: undefined, report: false };
  const imported = await cli(['import', SAMPLE, '--kind', 'transactions'], wsDir, steps, 'import');
  assert.ok(imported, `import: ${steps.import}`);
  assert.equal((imported.rows as { loaded: number }).loaded, 401604);
  const early = await cli(['rfm', '--as-of', '2011-09-10'], wsDir, steps, 'rfm --as-of 2011-09-10');
  const rfm = await cli(['rfm'], wsDir, steps, 'rfm');
  const lrfmp = await cli(['lrfmp'], wsDir, steps, 'lrfmp');
  const fit = await cli(['clv', 'fit'], wsDir, steps, 'clv fit');
  const predict = await cli(['clv', 'predict', '--horizon', '12', '--unit', 'month'], wsDir, steps, 'clv predict');
  const cluster = await cli(['cluster', '--k', '4', '--seed', '7'], wsDir, steps, 'cluster --k 4');
  const pack = await cli(['audience', 'eval', '--preset', 'ecommerce'], wsDir, steps, 'audience eval --preset ecommerce');
  const file = join(dir, 'rules.json');
  writeFileSync(file, JSON.stringify({ pack: 'more', audiences: Object.entries({ ...VALUE_RULES, ...MODEL_RULES }).map(([name, where]) => ({ name, where })) }));
  const more = await cli(['audience', 'eval', file], wsDir, steps, 'audience eval (20 rules)');
  o.migration = await cli(['migration', '--kind', 'rfm'], wsDir, steps, 'migration --kind rfm');
  const reportFile = join(dir, `report-${Math.random().toString(36).slice(2)}.html`);
  o.report = (await cli(['report', '--out', reportFile], wsDir, steps, 'report')) !== undefined && existsSync(reportFile) && readFileSync(reportFile, 'utf8').includes('Champions');
  const ws = await Workspace.open(wsDir);
  try {
    const db = ws.db;
    const runId = (x: Record<string, unknown> | undefined) => Number(x?.runId);
    if (early) o.rfmEarly = await rows(db, 'run_scores', ['customer_id', 'score_code', 'segment'], runId(early));
    if (rfm) o.rfm = await rows(db, 'run_scores', ['customer_id', 'score_code', 'segment'], runId(rfm));
    if (lrfmp) o.lrfmp = await rows(db, 'run_scores', ['customer_id', 'score_code', 'segment'], runId(lrfmp));
    o.clvParams = params(fit);
    if (predict) o.clv = await rows(db, 'clv_predictions', ['customer_id', 'clv_tier', 'churn_tier', 'excluded_reason'], runId(predict));
    if (cluster) o.clusters = await rows(db, 'run_clusters', ['customer_id', 'cluster'], runId(cluster));
    for (const r of [...((pack?.results as { name: string; runId: number }[] | undefined) ?? []), ...((more?.results as { name: string; runId: number }[] | undefined) ?? [])]) {
      o.audiences[r.name] = await rows(db, 'audience_members', ['customer_id'], r.runId);
    }
  } finally {
    await ws.closeAsync();
  }
  return o;
}

/** A JSON value without the keys that name runs (runId, …) or their wall-clock time (createdAt), fractions to 10 significant digits. */
function withoutRunIds(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutRunIds);
  // revenue sums: the same doubles added in another order, to 1e-9 relative
  if (typeof v === 'number' && !Number.isInteger(v)) return Number(v.toPrecision(10));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !/run|createdAt/i.test(k)).map(([k, x]) => [k, withoutRunIds(x)]));
  return v;
}

/** Compare an engine's outcome with DuckDB's; returns what differs (empty when all equal). */
function differences(got: Outcome, want: Outcome): string[] {
  const out: string[] = [];
  const same = (what: string, a: unknown, b: unknown) => {
    try {
      assert.deepEqual(a, b);
    } catch {
      // rows are strings per customer: say how many differ and show a few, so a difference can be looked into
      if (Array.isArray(a) && Array.isArray(b)) {
        const bs = new Set(b.map(String));
        const as = new Set(a.map(String));
        const onlyHere = a.map(String).filter((x) => !bs.has(x));
        const onlyDuck = b.map(String).filter((x) => !as.has(x));
        console.log(`${what}: ${onlyHere.length} rows only here (${onlyHere.slice(0, 3).join(' | ')}), ${onlyDuck.length} only on DuckDB (${onlyDuck.slice(0, 3).join(' | ')})`);
      }
      out.push(what);
    }
  };
  for (const [step, s] of Object.entries(got.steps)) if (s !== 'ok') out.push(`${step}: ${s}`);
  same('RFM as of 2011-09-10 per customer', got.rfmEarly, want.rfmEarly);
  same('RFM per customer', got.rfm, want.rfm);
  same('LRFMP per customer', got.lrfmp, want.lrfmp);
  for (const [k, v] of Object.entries(want.clvParams)) {
    const g = got.clvParams[k];
    if (g === undefined || !(Math.abs(g - v) <= 1e-9 * Math.abs(v))) out.push(`CLV parameter ${k}: ${g} vs DuckDB ${v}`);
  }
  same('CLV and churn tier per customer', got.clv, want.clv);
  same('cluster per customer', got.clusters, want.clusters);
  same('audience names', Object.keys(got.audiences).sort(), Object.keys(want.audiences).sort());
  for (const [name, m] of Object.entries(want.audiences)) same(`members of ${name}`, got.audiences[name], m);
  // run ids and creation times are left out: they differ by when and in what order the runs were made
  same('migration', withoutRunIds(got.migration), withoutRunIds(want.migration));
  if (got.report !== want.report) out.push('report');
  return out;
}

let reference: Promise<Outcome> | undefined;
function duckdb(): Promise<Outcome> {
  reference ??= (async () => {
    const t = tempDir('segmint-e2e-duck-');
    try {
      const wsDir = join(t.dir, 'shop');
      assert.equal((await runCli(['init', wsDir, '--json'])).code, 0);
      const o = await pipeline(wsDir, t.dir);
      assert.deepEqual(Object.entries(o.steps).filter(([, s]) => s !== 'ok'), [], 'every step runs on DuckDB');
      // the reference is not empty: every kind of result is there, and most audiences select someone
      assert.equal(o.rfm.length, 4339);
      assert.equal(new Set(o.clusters.map((c) => c.split(' ')[1])).size, 4);
      assert.ok(Object.keys(o.clvParams).length >= 6, JSON.stringify(o.clvParams));
      assert.ok(Object.keys(o.audiences).length >= 25, Object.keys(o.audiences).join(', '));
      assert.ok(Object.values(o.audiences).filter((m) => m.length > 0).length >= 20);
      assert.ok(o.report);
      console.log(`duckdb: ${o.rfm.length} customers scored, ${Object.keys(o.audiences).length} audiences (${Object.values(o.audiences).reduce((a, m) => a + m.length, 0)} memberships), clusters ${o.clusters.length}`);
      return o;
    } finally {
      t.cleanup();
    }
  })();
  return reference;
}

test('end to end on DuckDB: every command on Online Retail', async () => {
  await duckdb();
});

test('end to end on PostgreSQL: the same results as DuckDB', { skip: PG ? false : 'TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)' }, async () => {
  const schema = `seg_e2e_${RUN}`;
  const admin = await openEngine(PG!);
  const t = tempDir('segmint-e2e-pg-');
  try {
    const wsDir = join(t.dir, 'shop');
    const init = await runCli(['init', wsDir, '--engine', `${PG}?schema=${schema}`, '--json']);
    assert.equal(init.code, 0, init.err);
    const got = await pipeline(wsDir, t.dir);
    console.log(`postgres steps: ${JSON.stringify(got.steps)}`);
    const diff = differences(got, await duckdb());
    assert.deepEqual(diff, [], 'PostgreSQL differs from DuckDB');
  } finally {
    await admin.run(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.close();
    t.cleanup();
  }
});

test('end to end on the two-shard ClickHouse cluster: the same results as DuckDB', { skip: CH && CH2 ? false : 'TEST_CLICKHOUSE_URL / TEST_CLICKHOUSE_SHARD2_URL are not set (scripts/clickhouse-cluster.sh start)' }, async () => {
  const database = `seg_e2e_${RUN}`;
  const shards = [await openEngine(CH!), await openEngine(CH2!)];
  const t = tempDir('segmint-e2e-ch-');
  try {
    const wsDir = join(t.dir, 'shop');
    const init = await runCli(['init', wsDir, '--engine', `${CH!.replace(/^http/, 'clickhouse')}/${database}`, '--cluster', 'segmint', '--shard', CH2!, '--json']);
    assert.equal(init.code, 0, init.err);
    const got = await pipeline(wsDir, t.dir);
    console.log(`clickhouse steps: ${JSON.stringify(got.steps)}`);
    const diff = differences(got, await duckdb());
    assert.deepEqual(diff, [], 'ClickHouse differs from DuckDB');
  } finally {
    for (const s of shards) {
      await s.run(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
      await s.close();
    }
    t.cleanup();
  }
});
