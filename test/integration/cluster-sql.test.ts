// The in-SQL assignment of a fitted cluster model (features/cluster-assignment.ts) agrees with the
// in-process one on every customer, on DuckDB, on PostgreSQL (when TEST_POSTGRES_URL is set), on ClickHouse
// 18.16 (TEST_CLICKHOUSE_URL) and on chdb (ClickHouse 26.x, when installed: .ci/run does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { clusterAssignmentQuery } from '../../src/features/cluster-assignment.ts';
import { fitClusters, type InputColumn } from '../../src/models/cluster/index.ts';
import { Random } from '../../src/models/random.ts';
import { compile, quoteClickHouseString, table } from '../../src/sql/index.ts';
import { openMemoryDb } from '../../src/store/workspace.ts';
import { chdbRunner, engineRunner, type ClickHouseRunner } from '../helpers/clickhouse.ts';

const PG_URL = process.env.TEST_POSTGRES_URL;
const PG_SKIP = PG_URL ? false : 'TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test): PostgreSQL run skipped';
if (!PG_URL) console.log(`# ${PG_SKIP}`);

/** 1,500 customers in three spend groups, with missing values, a skewed column and a region. */
function data() {
  const rng = new Random(11);
  const n = 1500, ids: string[] = [], spend: number[] = [], visits: number[] = [], region: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    const g = i % 3;
    ids.push(`c${String(i).padStart(4, '0')}`);
    spend.push(i % 97 === 0 ? NaN : rng.lognormal(3 + 1.5 * g, 0.6));
    visits.push(Math.max(0, Math.round(rng.normal(2 + 4 * g, 1.5))));
    region.push(i % 50 === 0 ? null : rng.pick(g === 2 ? ['north', 'north', 'south'] : ['south', 'east']));
  }
  const columns: InputColumn[] = [
    { name: 'spend', kind: 'numeric', values: Float64Array.from(spend) },
    { name: 'visits', kind: 'numeric', values: Float64Array.from(visits) },
    { name: 'region', kind: 'categorical', values: region },
  ];
  return { ids, spend, visits, region, columns };
}

const { ids, spend, visits, region, columns } = data();
const fitted = fitClusters(columns, { k: 4, seed: 5, log1p: ['spend'], winsorize: 0.01, scaling: 'robust' });
// Gaussian mixtures: full covariance on the numbers and the region, diagonal on the numbers
const mixtures = [
  fitClusters(columns, { algorithm: 'gmm', k: 3, seed: 5, log1p: ['spend'] }),
  fitClusters(columns.slice(0, 2), { algorithm: 'gmm', covariance: 'diag', k: 3, seed: 6, log1p: ['spend'] }),
];
// k-prototypes: the numbers scaled, the region compared as it is
const prototypes = fitClusters(columns, { algorithm: 'kprototypes', k: 3, seed: 7, log1p: ['spend'] });
const models = [fitted, ...mixtures, prototypes];
const q = (dialect: 'duckdb' | 'postgres') => models.map((m) => compile(clusterAssignmentQuery(m.model.toJSON(), { from: table('feats'), idColumn: 'id' }), dialect));

type Out = { customer_id: string; cluster: unknown; cluster_name: string; distance: unknown; probability: unknown };

// New customers outside the training range: huge and tiny values, spend ≤ −1 where the model takes log1p,
// an unseen region, everything missing; and a model on one unscaled feature with a row exactly halfway
// between its two centroids (a tie: the lower cluster).
const fresh = {
  ids: ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8'],
  spend: [1e200, -5, -1, 0, 1e-300, null, 3e6, -1e300, 5],
  visits: [3, 1e300, -1e200, 0, 2, null, 1e-300, 7, 4],
  region: ['north', 'west', null, 'south', 'east', null, 'north', 'south', 'east'],
};
const freshColumns: InputColumn[] = [
  { name: 'spend', kind: 'numeric', values: Float64Array.from(fresh.spend, (v) => v ?? NaN) },
  { name: 'visits', kind: 'numeric', values: Float64Array.from(fresh.visits, (v) => v ?? NaN) },
  { name: 'region', kind: 'categorical', values: fresh.region },
];
const tie = fitClusters([{ name: 'spend', kind: 'numeric', values: Float64Array.from([0, 0, 0, 10, 10, 10]) }], { k: 2, scaling: 'none', seed: 1 });
const freshModels = [...models, tie];
const freshQ = (dialect: 'duckdb' | 'postgres') => freshModels.map((m) => compile(clusterAssignmentQuery(m.model.toJSON(), { from: table('fresh'), idColumn: 'id' }), dialect));
function expectFreshAgreement(m: number, rows: Out[]) {
  const fit = freshModels[m]!;
  const mine = fit.model.assign(m === freshModels.length - 1 ? freshColumns.slice(0, 1) : freshColumns.filter((c) => fit.model.preprocessing.steps.some((s) => s.name === c.name) || fit.model.json.prototypes?.categorical.some((f) => f.name === c.name)));
  const byId = new Map(rows.map((r) => [r.customer_id, r]));
  fresh.ids.forEach((id, i) => {
    const r = byId.get(id)!;
    assert.ok(Number.isFinite(mine.distances[i]!), `model ${m}, ${id}: in-process distance ${mine.distances[i]}`);
    assert.equal(Number(r.cluster), mine.labels[i], `model ${m}, ${id}: cluster`);
    assert.ok(Math.abs(Number(r.distance) - mine.distances[i]!) <= 1e-9 * Math.max(1, mine.distances[i]!), `model ${m}, ${id}: distance ${String(r.distance)} vs ${mine.distances[i]}`);
    if (mine.probabilities) assert.ok(Math.abs(Number(r.probability) - mine.probabilities[i]!) < 1e-12, `model ${m}, ${id}: probability`);
  });
  if (fit === tie) assert.equal(mine.labels[8], 0, 'spend 5 is halfway between the centroids 0 and 10: the lower cluster');
}
// numbers as text, cast by the engine (a driver binds a whole number such as 1e200 as a 64-bit integer)
const freshRows = () => fresh.ids.map((id, i) => [id, fresh.spend[i] === null ? null : String(fresh.spend[i]), fresh.visits[i] === null ? null : String(fresh.visits[i]), fresh.region[i]!]);
function expectAgreement(fit: typeof fitted, rows: Out[]) {
  assert.equal(rows.length, ids.length);
  const byId = new Map(rows.map((r) => [r.customer_id, r]));
  let mismatches = 0;
  ids.forEach((id, i) => {
    const r = byId.get(id)!;
    if (Number(r.cluster) !== fit.labels[i] || r.cluster_name !== fit.model.names[fit.labels[i]!]) mismatches++;
    assert.ok(Math.abs(Number(r.distance) - fit.distances[i]!) < 1e-9, `${id}: distance ${String(r.distance)} vs ${fit.distances[i]}`);
    if (fit.probabilities) assert.ok(Math.abs(Number(r.probability) - fit.probabilities[i]!) < 1e-12, `${id}: probability ${String(r.probability)} vs ${fit.probabilities[i]}`);
    else assert.equal(r.probability, null);
  });
  assert.equal(mismatches, 0);
}

test('duckdb: the SQL assignment (nearest centroid; most probable mixture component) agrees with the in-process one on every customer, also outside the training range and on ties', async () => {
  const { db, close } = await openMemoryDb();
  try {
    await db.run('CREATE TABLE feats (id VARCHAR, spend DOUBLE, visits INTEGER, region VARCHAR)');
    for (let s = 0; s < ids.length; s += 300) {
      const chunk = ids.slice(s, s + 300);
      await db.run(`INSERT INTO feats VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((id, t) => [id, Number.isNaN(spend[s + t]!) ? null : spend[s + t]!, visits[s + t]!, region[s + t]!]));
    }
    for (const [m, c] of q('duckdb').entries()) expectAgreement(models[m]!, await db.all<Out>(c.sql, c.params));
    await db.run('CREATE TABLE fresh (id VARCHAR, spend DOUBLE, visits DOUBLE, region VARCHAR)');
    await db.run(`INSERT INTO fresh VALUES ${fresh.ids.map(() => '(?, CAST(? AS DOUBLE), CAST(? AS DOUBLE), ?)').join(', ')}`, freshRows().flat());
    for (const [m, c] of freshQ('duckdb').entries()) expectFreshAgreement(m, await db.all<Out>(c.sql, c.params));
  } finally {
    close();
  }
});

test('postgres: the SQL assignment (nearest centroid; most probable mixture component) agrees with the in-process one on every customer, also outside the training range and on ties', { skip: PG_SKIP }, async () => {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query('CREATE TEMP TABLE feats (id VARCHAR, spend DOUBLE PRECISION, visits INTEGER, region VARCHAR)');
    for (let s = 0; s < ids.length; s += 300) {
      const chunk = ids.slice(s, s + 300);
      await client.query(`INSERT INTO feats VALUES ${chunk.map((_, t) => `($${4 * t + 1}, $${4 * t + 2}, $${4 * t + 3}, $${4 * t + 4})`).join(', ')}`,
        chunk.flatMap((id, t) => [id, Number.isNaN(spend[s + t]!) ? null : spend[s + t]!, visits[s + t]!, region[s + t]!]));
    }
    for (const [m, c] of q('postgres').entries()) expectAgreement(models[m]!, (await client.query(c.sql, c.params)).rows as Out[]);
    await client.query('CREATE TEMP TABLE fresh (id VARCHAR, spend DOUBLE PRECISION, visits DOUBLE PRECISION, region VARCHAR)');
    await client.query(`INSERT INTO fresh VALUES ${fresh.ids.map((_, t) => `($${4 * t + 1}, CAST($${4 * t + 2} AS DOUBLE PRECISION), CAST($${4 * t + 3} AS DOUBLE PRECISION), $${4 * t + 4})`).join(', ')}`, freshRows().flat());
    for (const [m, c] of freshQ('postgres').entries()) expectFreshAgreement(m, (await client.query(c.sql, c.params)).rows as Out[]);
  } finally {
    await client.end();
  }
});

// ClickHouse 18.16 (TEST_CLICKHOUSE_URL, through src/engines) and chdb (26.x, when installed): the same
// agreement, with the feature tables in ClickHouse types (Nullable where a value may be missing)
const CH_URL = process.env.TEST_CLICKHOUSE_URL;
const chdb = chdbRunner();
const clickhouses: { name: string; skip: string | false; open: () => Promise<ClickHouseRunner> }[] = [
  { name: 'clickhouse 18.16', skip: CH_URL ? false : 'TEST_CLICKHOUSE_URL is not set (scripts/clickhouse-cluster.sh start): ClickHouse run skipped', open: () => engineRunner(CH_URL!, `segmint_cluster_sql_${process.pid}`) },
  { name: 'chdb', skip: typeof chdb === 'string' ? chdb : false, open: async () => chdb as ClickHouseRunner },
];
const chValue = (v: string | number | null) => (v === null || (typeof v === 'number' && Number.isNaN(v)) ? 'NULL' : typeof v === 'number' ? String(v) : quoteClickHouseString(v));
for (const ch of clickhouses) {
  if (ch.skip) console.log(`# ${ch.skip}`);
  test(`${ch.name}: the SQL assignment agrees with the in-process one on every customer, also outside the training range and on ties`, { skip: ch.skip }, async () => {
    const r = await ch.open();
    const suffix = `${process.pid}`;
    try {
      await r.exec(`CREATE TABLE feats_${suffix} (id String, spend Nullable(Float64), visits Nullable(Int32), region Nullable(String)) ENGINE = MergeTree ORDER BY id`);
      await r.exec(`INSERT INTO feats_${suffix} VALUES ${ids.map((id, i) => `(${chValue(id)}, ${chValue(spend[i]!)}, ${visits[i]}, ${chValue(region[i]!)})`).join(', ')}`);
      for (const m of models) expectAgreement(m, await r.rows(compile(clusterAssignmentQuery(m.model.toJSON(), { from: table(`feats_${suffix}`), idColumn: 'id' }), 'clickhouse').sql) as Out[]);
      await r.exec(`CREATE TABLE fresh_${suffix} (id String, spend Nullable(Float64), visits Nullable(Float64), region Nullable(String)) ENGINE = MergeTree ORDER BY id`);
      await r.exec(`INSERT INTO fresh_${suffix} VALUES ${fresh.ids.map((id, i) => `(${chValue(id)}, ${chValue(fresh.spend[i]!)}, ${chValue(fresh.visits[i]!)}, ${chValue(fresh.region[i]!)})`).join(', ')}`);
      for (const [m, fit] of freshModels.entries()) {
        expectFreshAgreement(m, await r.rows(compile(clusterAssignmentQuery(fit.model.toJSON(), { from: table(`fresh_${suffix}`), idColumn: 'id' }), 'clickhouse').sql) as Out[]);
      }
    } finally {
      await r.exec(`DROP TABLE IF EXISTS feats_${suffix}`).catch(() => undefined);
      await r.exec(`DROP TABLE IF EXISTS fresh_${suffix}`).catch(() => undefined);
      if (ch.name !== 'chdb') await r.exec(`DROP DATABASE IF EXISTS segmint_cluster_sql_${suffix}`).catch(() => undefined);
      await r.close();
    }
  });
}

test('clickhouse: the assignment query compiles without window functions or CTEs, constants escaped', () => {
  const c = compile(clusterAssignmentQuery(fitted.model.toJSON(), { from: table('feats'), idColumn: 'id' }), 'clickhouse');
  assert.deepEqual(c.params, []);
  assert.doesNotMatch(c.sql, /\bOVER\b|\bWITH\b/);
  assert.ok(c.sql.includes(`'${fitted.model.names[0]}'`));
});

test('the assignment query binds every model constant and quotes the names', () => {
  const c = compile(clusterAssignmentQuery(fitted.model.toJSON(), { from: table('my table'), idColumn: 'Customer ID' }), 'postgres');
  assert.match(c.sql, /FROM "my table"/);
  assert.match(c.sql, /"Customer ID"/);
  assert.ok(c.params.includes(fitted.model.names[0]!));
});
