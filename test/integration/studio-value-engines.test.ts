// The Value and CLV pages' data routes on PostgreSQL: the server fixture's workspace copied into a fresh
// PostgreSQL schema, the routes (value-stats.ts, clv-detail.ts) answering over each engine; every answer is
// the same (numbers to 9 significant digits). Runs when TEST_POSTGRES_URL is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { openEngine, type Engine } from '../../src/engines/index.ts';
import { valueStatsRoutes } from '../../src/server/routes/value-stats.ts';
import { clvDetailRoutes } from '../../src/server/routes/clv-detail.ts';
import type { ServerContext } from '../../src/server/app.ts';
import type { WorkspaceState } from '../../src/server/state.ts';
import { serverFixture } from '../helpers/server.ts';
import { copyToPostgres, duckdbTables } from '../helpers/copy-to-engine.ts';

const URL = process.env.TEST_POSTGRES_URL;
const skip = URL ? false : 'TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test): the PostgreSQL run is skipped';

test('postgres: the Value and CLV routes answer as on DuckDB', { skip }, async () => {
  const fx = await serverFixture();
  const schema = `segmint_studio_value_${process.pid}`;
  const admin = await openEngine(URL!);
  let pg: Engine | undefined;
  const apps: FastifyInstance[] = [];
  try {
    await admin.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    pg = await openEngine(`${URL}${URL!.includes('?') ? '&' : '?'}schema=${schema}`, { create: true });
    await copyToPostgres(fx.ws.db, pg, await duckdbTables(fx.ws.db));
    const over = async (db: Engine) => {
      const app = Fastify();
      app.decorate('segmint', { ws: fx.ws, tokens: undefined as never, reader: () => ({ db, config: fx.ws.config, dir: fx.dir }) } satisfies ServerContext);
      const state = undefined as unknown as WorkspaceState;
      await app.register(valueStatsRoutes, { state });
      await app.register(clvDetailRoutes, { state });
      await app.ready();
      apps.push(app);
      return app;
    };
    const [duck, post] = [await over(fx.ws.db), await over(pg)];
    const r = fx.runs;
    const same = (s: string) => JSON.stringify(JSON.parse(s), (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(9)) : v));
    for (const url of [
      `/value/runs/${r.rfm}`, `/value/runs/${r.lrfmp}`,
      `/migration/customers?from=${r.rfm}&to=${r.lrfmp}&fromLabel=Champions&toLabel=High-contribution%20loyal&limit=5&offset=1`,
      `/migration/customers?from=${r.rfm}&to=${r.cluster}&fromLabel=Lost&toLabel=${encodeURIComponent('(not in run)')}`,
      `/clv/fits/${r.clv}`, `/clv/fits/${r.clv}/matrices`, `/clv/predictions/${r['clv-predict']}/stats`,
    ]) {
      const a = await duck.inject({ method: 'GET', url });
      const b = await post.inject({ method: 'GET', url });
      assert.equal(a.statusCode, 200, `${url} on DuckDB: ${a.body.slice(0, 300)}`);
      assert.equal(b.statusCode, 200, `${url} on PostgreSQL: ${b.body.slice(0, 300)}`);
      assert.equal(same(b.body), same(a.body), url);
    }
  } finally {
    for (const a of apps) await a.close();
    await pg?.close();
    await admin.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.close();
    await fx.close();
  }
});
