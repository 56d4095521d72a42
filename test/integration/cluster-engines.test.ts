// segmint cluster (workspace mode) on DuckDB, PostgreSQL and the two-shard ClickHouse 18.16 cluster (issue #11):
// Online Retail (the bundled Parquet) clustered with k = 4 through the same pipeline function gives every
// customer the same cluster id and name on the three engines, and the same centroids to 1e-9 relative. The
// DuckDB run stores the fit's own assignment; the PostgreSQL and ClickHouse runs assign every customer in
// the engine by the model's SQL (features/cluster-assignment.ts), so the engines check each other: three
// independent computations of the features, two of them also of the assignment. Each engine's run is
// also checked against a plain nearest-centroid pass here over the stored model and the fit's features.
// PostgreSQL runs when TEST_POSTGRES_URL is set, ClickHouse when TEST_CLICKHOUSE_URL and
// TEST_CLICKHOUSE_SHARD2_URL are (scripts/clickhouse-cluster.sh start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openEngine, type Engine } from '../../src/engines/index.ts';
import { runClustering, type ClusterRunResult } from '../../src/pipeline/cluster.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { DEMO_DATA } from '../../src/pipeline/demo.ts';
import { col, compile, eq, num, select, table } from '../../src/sql/index.ts';
import { importFile } from '../../src/store/import/index.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { copyToPostgres, duckdbTables } from '../helpers/copy-to-engine.ts';
import { tempDir, withWorkspace } from '../helpers/workspace.ts';

const PG = process.env.TEST_POSTGRES_URL;
const CH = process.env.TEST_CLICKHOUSE_URL;
const CH2 = process.env.TEST_CLICKHOUSE_SHARD2_URL;
const skipPg = PG ? false : 'TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test): the PostgreSQL run is skipped';
const skipCh = CH && CH2 ? false : 'TEST_CLICKHOUSE_URL / TEST_CLICKHOUSE_SHARD2_URL are not set (scripts/clickhouse-cluster.sh start): the ClickHouse run is skipped';
for (const s of [skipPg, skipCh]) if (s) console.log(`# ${s}`);
const OPTIONS = { k: 4, seed: 0 } as const;

/** customer → "cluster name" of a stored cluster run, sorted by customer. */
async function clustersOf(db: Engine, runId: number): Promise<[string, string][]> {
  const q = compile(select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: col('cluster'), as: 'cluster' }, { expr: col('cluster_name'), as: 'name' }], from: table('run_clusters'), where: eq(col('run_id'), num(runId)) }), db.dialect);
  return (await db.all<{ customer_id: string; cluster: unknown; name: string }>(q.sql, q.params))
    .map((r): [string, string] => [String(r.customer_id), `${Number(r.cluster)} ${r.name}`]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The same fit on two engines: k, sizes, names, centroids (1e-9 relative), and no customer assigned otherwise in SQL. */
function sameFit(got: ClusterRunResult, want: ClusterRunResult, what: string): void {
  assert.equal(got.k, want.k, `${what}: k`);
  assert.deepEqual(got.customers, want.customers, `${what}: customers`);
  assert.equal(got.sqlDisagreements, 0, `${what}: the engine's assignment against the fit`);
  assert.deepEqual(got.clusters.map((c) => [c.name, c.customers]), want.clusters.map((c) => [c.name, c.customers]), `${what}: names and sizes`);
  got.model.centroids.forEach((row, c) => row.forEach((x, j) => {
    const w = want.model.centroids[c]![j]!;
    assert.ok(Math.abs(x - w) <= 1e-9 * Math.max(1, Math.abs(w)), `${what}: centroid ${c}[${j}] ${x} vs ${w}`);
  }));
}

/** Every stored customer is in the cluster with the nearest centroid of the stored model, computed here from the RFM metrics the value pipeline stored (table __cluster_test_features). */
async function checkNearest(ws: Workspace, r: ClusterRunResult, stored: [string, string][]): Promise<void> {
  const steps = r.model.preprocessing.steps as { name: string; impute: number; log1p: boolean; center: number; scale: number; clipLow: number | null; clipHigh: number | null; floor?: number }[];
  const rows = await ws.db.all<Record<string, unknown>>(`SELECT customer_id, ${steps.map((s) => `CAST("${s.name}" AS DOUBLE) AS "${s.name}"`).join(', ')} FROM __cluster_test_features`);
  const byId = new Map(rows.map((x) => [String(x.customer_id), x]));
  let far = 0;
  for (const [id, label] of stored) {
    const x = byId.get(id)!;
    const z = steps.map((s) => {
      let v = x[s.name] === null ? s.impute : Number(x[s.name]);
      if (s.floor !== undefined) v = Math.max(v, s.floor);
      if (s.log1p) v = Math.log(Math.max(1 + v, 1e-300));
      if (s.clipLow !== null) v = Math.max(v, s.clipLow);
      if (s.clipHigh !== null) v = Math.min(v, s.clipHigh);
      return (v - s.center) / s.scale;
    });
    const d = r.model.centroids.map((c) => c.reduce((a, m, j) => a + (z[j]! - m) ** 2, 0));
    const sorted = [...d].sort((a, b) => a - b);
    const best = d.indexOf(sorted[0]!);
    // a customer at (numerically) equal distance from two centroids may go to either
    if (String(best) !== label.split(' ')[0] && sorted[1]! - sorted[0]! > 1e-9) far++;
  }
  assert.equal(far, 0, 'customers not in the nearest cluster of the stored model');
}

test('cluster k = 4 on Online Retail: the same cluster per customer on DuckDB, PostgreSQL and the ClickHouse cluster', { skip: skipPg && skipCh ? 'neither PostgreSQL nor ClickHouse is configured' : false }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, DEMO_DATA, { kind: 'transactions', timezone: 'Europe/London' });
    const d = await runClustering({ ws }, OPTIONS);
    assert.ok(d.runId !== null && d.customers.clustered > 4000, JSON.stringify(d.customers));
    assert.deepEqual(d.features, ['recency_days', 'frequency', 'monetary']);
    const want = await clustersOf(ws.db, d.runId!);
    assert.equal(want.length, d.customers.clustered);
    assert.equal(new Set(want.map((w) => w[1])).size, 4);
    // the independent check of the stored rows: the RFM metrics as the value pipeline computes them, nearest centroid here
    const rfm = await runValueSegmentation(ws, 'rfm');
    await ws.db.run(`CREATE OR REPLACE TEMP TABLE __cluster_test_features AS SELECT customer_id, recency_days, frequency, monetary FROM run_scores WHERE run_id = ${rfm.runId}`);
    await checkNearest(ws, d, want);

    if (!skipPg) {
      const schema = `segmint_cluster_eng_${process.pid}`;
      const admin = await openEngine(PG!);
      let pg: Engine | undefined;
      try {
        await admin.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        pg = await openEngine(`${PG}${PG!.includes('?') ? '&' : '?'}schema=${schema}`, { create: true });
        // the quarantined lines play no part in clustering
        await copyToPostgres(ws.db, pg, (await duckdbTables(ws.db)).filter((t) => t !== 'quarantine'));
        const p = await runClustering({ ws: { db: pg, config: ws.config } }, OPTIONS);
        sameFit(p, d, 'postgres');
        assert.deepEqual(await clustersOf(pg, p.runId!), want, 'postgres: cluster per customer');
      } finally {
        await pg?.close();
        await admin.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
        await admin.close();
      }
    }

    if (!skipCh) {
      const t = tempDir('segmint-ch-cluster-');
      const database = `segmint_cluster_${process.pid}_${Date.now() % 1e6}`;
      const shards = [await openEngine(CH!), await openEngine(CH2!)];
      try {
        const wsDir = join(t.dir, 'shop');
        const init = await runCli(['init', wsDir, '--engine', `${CH!.replace(/^http/, 'clickhouse')}/${database}`, '--cluster', 'segmint', '--shard', CH2!, '--json']);
        assert.equal(init.code, 0, init.err);
        const ch = await Workspace.open(wsDir);
        try {
          assert.equal(ch.db.dialect, 'clickhouse');
          await importFile(ch, DEMO_DATA, { kind: 'transactions', timezone: 'Europe/London' });
          const c = await runClustering({ ws: ch }, OPTIONS);
          sameFit(c, d, 'clickhouse');
          assert.deepEqual(await clustersOf(ch.db, c.runId!), want, 'clickhouse: cluster per customer');
        } finally {
          await ch.closeAsync();
        }
      } finally {
        for (const s of shards) {
          await s.run(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
          await s.close();
        }
        t.cleanup();
      }
    }
  });
});
