// GET /customers/{id} from the look-up cache (src/server/customer-cache.ts) answers exactly as from the engine's
// point queries, for every customer of the server fixture and an unknown id, on DuckDB and (when
// TEST_POSTGRES_URL / TEST_CLICKHOUSE_URL is set) PostgreSQL and ClickHouse 18.16 holding a copy of the
// workspace; after a new run the cache of the new version holds it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { openEngine, type Engine } from '../../src/engines/index.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { importFile } from '../../src/store/import/index.ts';
import type { ServerContext } from '../../src/server/app.ts';
import type { CustomerCards } from '../../src/server/customer-cache.ts';
import { customerRoutes } from '../../src/server/routes/customers.ts';
import { WorkspaceState, type LatestRuns } from '../../src/server/state.ts';
import { serverFixture, type ServerFixture } from '../helpers/server.ts';
import { copyTableToClickHouse, httpRunner } from '../helpers/clickhouse.ts';
import { copyToPostgres, duckdbTables } from '../helpers/copy-to-engine.ts';

const PG = process.env.TEST_POSTGRES_URL;
const CH = process.env.TEST_CLICKHOUSE_URL;

/** A state whose look-ups never use the cache: every answer from the engine's point queries. */
class EngineOnly extends WorkspaceState {
  override async lookup<T>(_load: (latest: LatestRuns) => Promise<T>): Promise<{ latest: LatestRuns; held: T | undefined }> {
    return { latest: await this.latestRuns(), held: undefined };
  }
}

/** The look-up route alone over `db`, with `state`. */
async function over(fx: ServerFixture, db: Engine, state: WorkspaceState): Promise<FastifyInstance> {
  const app = Fastify();
  app.decorate('segmint', { ws: fx.ws, tokens: undefined as never, reader: () => ({ db, config: fx.ws.config, dir: fx.dir }) } satisfies ServerContext);
  await app.register(customerRoutes, { state });
  await app.ready();
  return app;
}

/** Every customer (and an unknown id) answered from memory as from the engine; returns how many were compared. */
async function sameAnswers(fx: ServerFixture, db: Engine): Promise<number> {
  const view = () => ({ db, config: fx.ws.config, dir: fx.dir });
  const cached = new WorkspaceState(view);
  const [engine, memory] = [await over(fx, db, new EngineOnly(view)), await over(fx, db, cached)];
  try {
    const ids = (await db.all<{ id: unknown }>('SELECT customer_id AS id FROM customers ORDER BY customer_id')).map((r) => String(r.id));
    assert.ok(ids.length > 100);
    // the first look-up starts the load and is answered from the engine
    const first = await memory.inject({ method: 'GET', url: `/customers/${encodeURIComponent(ids[0]!)}` });
    assert.equal(first.headers['x-segmint-lookup'], 'engine');
    const cards = await cached.lookupHeld<CustomerCards>();
    assert.ok(cards, 'the cache loaded');
    assert.equal(cards.index.size, ids.length);
    assert.ok(cards.bytes() > 0);
    let compared = 0;
    const engineAnswers = new Map<string, string>();
    for (const id of [...ids, 'no-such-customer']) {
      for (const timeline of [0, 50]) {
        const url = `/customers/${encodeURIComponent(id)}?timeline=${timeline}`;
        const a = await engine.inject({ method: 'GET', url });
        const b = await memory.inject({ method: 'GET', url });
        assert.equal(b.headers['x-segmint-lookup'], 'memory', url);
        assert.equal(a.headers['x-segmint-lookup'], 'engine', url);
        assert.equal(b.statusCode, a.statusCode, url);
        // the same JSON text: keys in the same order, timelines in the same order (lines at the same time in file order)
        assert.equal(b.body, a.body, url);
        if (timeline === 50) engineAnswers.set(url, a.body);
        compared++;
      }
    }
    // at once: the lines of many customers read by one query (line-batch.ts)
    const urls = [...engineAnswers.keys()];
    const answers = await Promise.all(urls.map((url) => memory.inject({ method: 'GET', url })));
    answers.forEach((b, i) => assert.equal(b.body, engineAnswers.get(urls[i]!), urls[i]));
    return compared;
  } finally {
    await engine.close();
    await memory.close();
  }
}

let fx: ServerFixture;
before(async () => {
  fx = await serverFixture();
});
after(async () => fx?.close());

test('duckdb: every customer from the look-up cache as from the point queries; a new run is in the next version\'s cache', async () => {
  // events of a few customers (two at the same time: in file order)
  const some = (await fx.ws.db.all<{ id: string }>('SELECT customer_id AS id FROM customers ORDER BY customer_id LIMIT 3')).map((r) => r.id);
  const file = join(fx.dir, '..', 'cache-events.csv');
  writeFileSync(file, `customer_id,event_time,event_type,properties\n${some.flatMap((id) => [`${id},2011-12-01 10:00:00,email_open,"{""campaign"": ""x""}"`, `${id},2011-12-01 10:00:00,page_view,`, `${id},2011-06-01 09:00:00,page_view,`]).join('\n')}\n`);
  await importFile(fx.ws, file, { kind: 'events', remember: false });
  assert.ok((await sameAnswers(fx, fx.ws.db)) > 200);
  // freshness: a look-up after a new run reads it, from the engine first, then from the new version's cache
  const state = new WorkspaceState(() => ({ db: fx.ws.db, config: fx.ws.config, dir: fx.dir }), () => fx.ws.db.writeCount?.());
  const app = await over(fx, fx.ws.db, state);
  try {
    const url = `/customers/${encodeURIComponent(fx.customerId)}?timeline=1`;
    await app.inject({ method: 'GET', url });
    await state.lookupHeld();
    const before = await app.inject({ method: 'GET', url });
    assert.equal(before.headers['x-segmint-lookup'], 'memory');
    // the events, from memory: the two at the same time in file order
    const ev = await app.inject({ method: 'GET', url: `/customers/${encodeURIComponent(some[0]!)}?timeline=1000` });
    const types = (JSON.parse(ev.body) as { timeline: { type: string; ts: string }[]; counts: { events: number } });
    assert.equal(types.counts.events, 3);
    assert.deepEqual(types.timeline.filter((t) => t.ts.startsWith('2011-12-01T10:00')).map((t) => t.type), ['email_open', 'page_view']);
    const rfm = await runValueSegmentation(fx.ws, 'rfm', { bins: 3 });
    const next = await app.inject({ method: 'GET', url });
    assert.equal(next.headers['x-segmint-lookup'], 'engine');
    assert.equal((JSON.parse(next.body) as { scores: { rfm: { run_id: number } } }).scores.rfm.run_id, rfm.runId);
    await state.lookupHeld();
    const held = await app.inject({ method: 'GET', url });
    assert.equal(held.headers['x-segmint-lookup'], 'memory');
    assert.equal(held.body, next.body);
  } finally {
    await app.close();
  }
});

test('postgres: the look-up cache answers as the point queries', { skip: PG ? false : 'TEST_POSTGRES_URL is not set' }, async () => {
  const schema = `segmint_customer_cache_${process.pid}`;
  const admin = await openEngine(PG!);
  let pg: Engine | undefined;
  try {
    await admin.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    pg = await openEngine(`${PG}${PG!.includes('?') ? '&' : '?'}schema=${schema}`, { create: true });
    await copyToPostgres(fx.ws.db, pg, await duckdbTables(fx.ws.db));
    assert.ok((await sameAnswers(fx, pg)) > 200);
  } finally {
    await pg?.close();
    await admin.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.close();
  }
});

test('clickhouse 18.16: the look-up cache answers as the point queries', { skip: CH ? false : 'TEST_CLICKHOUSE_URL is not set' }, async () => {
  const database = `segmint_customer_cache_${process.pid}`;
  await httpRunner(CH!, undefined).exec(`CREATE DATABASE ${database}`);
  let ch: Engine | undefined;
  try {
    const runner = httpRunner(CH!, database);
    for (const t of ['segmint_meta', 'sources', 'runs', 'customers', 'run_scores', 'clv_predictions', 'run_clusters', 'audience_members']) await copyTableToClickHouse(fx.ws.db as never, runner, t);
    await copyTableToClickHouse(fx.ws.db as never, runner, 'events', ['customer_id', 'ts', 'type', 'properties', 'source_id', 'source_line']);
    await copyTableToClickHouse(fx.ws.db as never, runner, 'transactions', ['customer_id', 'order_id', 'ts', 'amount', 'product_id', 'description', 'quantity', 'is_return', 'source_id', 'source_line']);
    ch = await openEngine(`${CH!.replace(/^http/, 'clickhouse')}/${database}`);
    assert.ok((await sameAnswers(fx, ch)) > 200);
  } finally {
    await ch?.close();
    await httpRunner(CH!, undefined).exec(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
  }
});
