// The Value and CLV pages' data routes on PostgreSQL and ClickHouse 18.16: the server fixture's workspace
// copied into a fresh PostgreSQL schema / ClickHouse database, the routes (value-stats.ts, clv-detail.ts)
// answering over each engine; every answer is DuckDB's (numbers to 9 significant digits). Runs when
// TEST_POSTGRES_URL / TEST_CLICKHOUSE_URL is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { openEngine, type Engine } from '../../src/engines/index.ts';
import { valueStatsRoutes } from '../../src/server/routes/value-stats.ts';
import { clvDetailRoutes } from '../../src/server/routes/clv-detail.ts';
import type { ServerContext } from '../../src/server/app.ts';
import { WorkspaceState } from '../../src/server/state.ts';
import { serverFixture, type ServerFixture } from '../helpers/server.ts';
import { copyTableToClickHouse, httpRunner } from '../helpers/clickhouse.ts';
import { copyToPostgres, duckdbTables } from '../helpers/copy-to-engine.ts';

const URL = process.env.TEST_POSTGRES_URL;
const CH = process.env.TEST_CLICKHOUSE_URL;
const skip = URL ? false : 'TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test): the PostgreSQL run is skipped';
const chSkip = CH ? false : 'TEST_CLICKHOUSE_URL is not set: the ClickHouse 18.16 run is skipped';

/** The routes over `db` (a server of just these two route files, reading through `db`). */
async function over(fx: ServerFixture, db: Engine): Promise<FastifyInstance> {
  const app = Fastify();
  app.decorate('segmint', { ws: fx.ws, tokens: undefined as never, reader: () => ({ db, config: fx.ws.config, dir: fx.dir }) } satisfies ServerContext);
  // the routes keep their answers per workspace version (state.memo): each engine's server has its own state
  const state = new WorkspaceState(() => ({ db, config: fx.ws.config, dir: fx.dir }));
  await app.register(valueStatsRoutes, { state });
  await app.register(clvDetailRoutes, { state });
  await app.ready();
  return app;
}

/** Every route's answer over `other` equals DuckDB's. */
async function sameAnswers(fx: ServerFixture, other: Engine): Promise<void> {
  const [duck, them] = [await over(fx, fx.ws.db), await over(fx, other)];
  try {
    const r = fx.runs;
    const same = (s: string) => JSON.stringify(JSON.parse(s), (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(9)) : v));
    for (const url of [
      `/value/runs/${r.rfm}`, `/value/runs/${r.lrfmp}`,
      `/migration/customers?from=${r.rfm}&to=${r.lrfmp}&fromLabel=Champions&toLabel=High-contribution%20loyal&limit=5&offset=1`,
      `/migration/customers?from=${r.rfm}&to=${r.cluster}&fromLabel=Lost&toLabel=${encodeURIComponent('(not in run)')}`,
      `/clv/fits/${r.clv}`, `/clv/fits/${r.clv}/matrices`, `/clv/predictions/${r['clv-predict']}/stats`,
    ]) {
      const a = await duck.inject({ method: 'GET', url });
      const b = await them.inject({ method: 'GET', url });
      assert.equal(a.statusCode, 200, `${url} on DuckDB: ${a.body.slice(0, 300)}`);
      assert.equal(b.statusCode, 200, `${url} on ${other.dialect}: ${b.body.slice(0, 300)}`);
      assert.equal(same(b.body), same(a.body), url);
    }
  } finally {
    await duck.close();
    await them.close();
  }
}

test('postgres: the Value and CLV routes answer as on DuckDB', { skip }, async () => {
  const fx = await serverFixture();
  const schema = `segmint_studio_value_${process.pid}`;
  const admin = await openEngine(URL!);
  let pg: Engine | undefined;
  try {
    await admin.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    pg = await openEngine(`${URL}${URL!.includes('?') ? '&' : '?'}schema=${schema}`, { create: true });
    await copyToPostgres(fx.ws.db, pg, await duckdbTables(fx.ws.db));
    await sameAnswers(fx, pg);
  } finally {
    await pg?.close();
    await admin.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.close();
    await fx.close();
  }
});

test('clickhouse 18.16: the Value and CLV routes answer as on DuckDB', { skip: chSkip }, async () => {
  const fx = await serverFixture();
  const database = `segmint_studio_value_${process.pid}`;
  await httpRunner(CH!, undefined).exec(`CREATE DATABASE ${database}`);
  let ch: Engine | undefined;
  try {
    const runner = httpRunner(CH!, database);
    // segmint_meta and sources: the workspace version the routes' answers are kept by (WorkspaceState.memo)
    for (const t of ['segmint_meta', 'sources', 'runs', 'customers', 'run_scores', 'clv_predictions', 'run_clusters']) await copyTableToClickHouse(fx.ws.db as never, runner, t);
    // the migration's revenue reads these columns of the lines
    await copyTableToClickHouse(fx.ws.db as never, runner, 'transactions', ['customer_id', 'ts', 'amount']);
    ch = await openEngine(`${CH!.replace(/^http/, 'clickhouse')}/${database}`);
    await sameAnswers(fx, ch);
  } finally {
    await ch?.close();
    await httpRunner(CH!, undefined).exec(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
    await fx.close();
  }
});
