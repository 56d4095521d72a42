// Purchases by place (issue #21) on a generated shop with 40 stores around London: a places file with
// coordinates, customers with coordinates, and lines naming their store (--map place_id=store) with a till
// number kept on the line. Every rule's members equal a brute-force count over the generated rows in JS
// (haversine written out here), on DuckDB, PostgreSQL (TEST_POSTGRES_URL) and ClickHouse 18.16, one server
// and the two-shard cluster (TEST_CLICKHOUSE_URL, TEST_CLICKHOUSE_SHARD2_URL), where places live on the first
// shard only, as in a cluster workspace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine, type Engine } from '../../src/engines/index.ts';
import { evaluateAudience, loadAudienceSchema, prepareAudience } from '../../src/pipeline/audience.ts';
import { checkAudience } from '../../src/segments/check.ts';
import { lowerAudience } from '../../src/segments/lower.ts';
import type { AudienceSchema } from '../../src/segments/schema.ts';
import { compile } from '../../src/sql/index.ts';
import { importFile } from '../../src/store/import/index.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { copyTableToClickHouse, httpRunner, type ClickHouseRunner } from '../helpers/clickhouse.ts';
import { copyToPostgres } from '../helpers/copy-to-engine.ts';
import { tempDir } from '../helpers/workspace.ts';
import { screenshot } from '../helpers/screenshot.ts';
import { runCli } from '../helpers/cli.ts';
import { placeFigures } from '../../src/report/places-section.ts';
import { buildReport } from '../../src/report/index.ts';

const PG = process.env.TEST_POSTGRES_URL;
const CH1 = process.env.TEST_CLICKHOUSE_URL;
const CH2 = process.env.TEST_CLICKHOUSE_SHARD2_URL;
const CLUSTER = process.env.TEST_CLICKHOUSE_CLUSTER ?? 'segmint';
const PG_SKIP = PG ? false : 'TEST_POSTGRES_URL is not set: the PostgreSQL run is skipped';
const CH_SKIP = CH1 ? false : 'TEST_CLICKHOUSE_URL is not set: the ClickHouse 18.16 run is skipped';
const CLUSTER_SKIP = CH1 && CH2 ? false : 'TEST_CLICKHOUSE_URL and TEST_CLICKHOUSE_SHARD2_URL are not both set: the cluster run is skipped';
for (const s of [PG_SKIP, CH_SKIP, CLUSTER_SKIP]) if (s) console.log(`# ${s}`);

const R = 6371.0088;
/** Great-circle distance in km (haversine), written out independently of the SQL. */
function km(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLon = (b[1] - a[1]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A seeded generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Line { customer: string; store: string; till: number; amount: number; ret: boolean }
interface Data { places: Map<string, [number, number]>; customers: Map<string, [number, number] | null>; lines: Line[] }

/** 40 stores and 300 customers within about 40 km of central London; 3,000 lines, some of them returns. */
function generate(dir: string): Data {
  const r = rng(21);
  const near = (): [number, number] => [Number((51.5 + (r() - 0.5) * 0.7).toFixed(5)), Number((-0.12 + (r() - 0.5) * 1.1).toFixed(5))];
  const places = new Map<string, [number, number]>();
  for (let i = 1; i <= 40; i++) places.set(`S${i}`, near());
  const customers = new Map<string, [number, number] | null>();
  for (let i = 1; i <= 300; i++) customers.set(`C${i}`, i % 25 === 0 ? null : near());
  const lines: Line[] = [];
  const ids = [...places.keys()];
  for (let i = 0; i < 3000; i++) {
    const c = `C${1 + Math.floor(r() * 300)}`;
    // each customer mostly uses a few stores: a store picked from a window that depends on the customer
    const k = Number(c.slice(1));
    const store = ids[(k + Math.floor(r() * 4) * 7) % ids.length]!;
    lines.push({ customer: c, store, till: 1 + Math.floor(r() * 5), amount: Number((1 + r() * 60).toFixed(2)), ret: r() < 0.05 });
  }
  writeFileSync(join(dir, 'stores.csv'), `store_id,name,lat,lon,format\n${[...places].map(([id, [la, lo]], i) => `${id},Store ${id},${la},${lo},${i % 3 ? 'express' : 'superstore'}`).join('\n')}\n`
    // a row without an id and one with a latitude out of range are quarantined
    + ',Nameless,51.5,-0.1,express\nS99,Nowhere,123,0,express\n');
  writeFileSync(join(dir, 'customers.csv'), `customer_id,latitude,longitude\n${[...customers].map(([id, p]) => `${id},${p ? p[0] : ''},${p ? p[1] : ''}`).join('\n')}\n`);
  const day = (i: number) => `2024-0${1 + (i % 6)}-${String(1 + (i % 27)).padStart(2, '0')} 10:00:00`;
  writeFileSync(join(dir, 'lines.csv'), `order,customer,date,amount,quantity,shop,till\n${lines.map((l, i) => `${l.ret ? 'C' : ''}O${i},${l.customer},${day(i)},${l.ret ? -l.amount : l.amount},${l.ret ? -1 : 1},${l.store},${l.till}`).join('\n')}\n`);
  return { places, customers, lines };
}

/** The rules, each with its brute-force members. */
function cases(d: Data): Record<string, string[]> {
  const buys = d.lines.filter((l) => !l.ret);
  const who = (ls: Line[]) => [...new Set(ls.map((l) => l.customer))].sort();
  const london: [number, number] = [51.51, -0.13];
  const s3 = d.places.get('S3')!;
  const distinctStores = new Map<string, Set<string>>();
  for (const l of buys) (distinctStores.get(l.customer) ?? distinctStores.set(l.customer, new Set()).get(l.customer)!).add(l.store);
  const tillSpend = new Map<string, number>();
  for (const l of buys.filter((x) => x.till === 2)) tillSpend.set(l.customer, (tillSpend.get(l.customer) ?? 0) + l.amount);
  const nearest = (p: [number, number]) => Math.min(...[...d.places.values()].map((q) => km(p, q)));
  const all = [...d.customers.keys()];
  const within10 = who(buys.filter((l) => km(d.places.get(l.store)!, london) <= 10));
  return {
    'has purchases where within 10 km of (51.51, -0.13)': within10,
    'has purchases where place within 8 km of place \'S3\'': who(buys.filter((l) => km(d.places.get(l.store)!, s3) <= 8)),
    'has purchases where shop = \'S7\'': who(buys.filter((l) => l.store === 'S7')),
    'has purchases where place_id in (\'S7\', \'S8\')': who(buys.filter((l) => l.store === 'S7' || l.store === 'S8')),
    'distinct(shop) purchases >= 3': all.filter((c) => (distinctStores.get(c)?.size ?? 0) >= 3).sort(),
    'sum(amount) purchases where till = 2 >= 60': all.filter((c) => (tillSpend.get(c) ?? 0) >= 60).sort(),
    // customers all of whose purchases (if any) are from stores within 25 km
    'has no purchases where not(within 25 km of (51.51, -0.13))': all.filter((c) => !buys.some((l) => l.customer === c && !(km(d.places.get(l.store)!, london) <= 25))).sort(),
    'all(has purchases where within 10 km of (51.51, -0.13), not(has returns))': within10.filter((c) => !d.lines.some((l) => l.ret && l.customer === c)),
    'distance_to_nearest_place_km < 2': all.filter((c) => d.customers.get(c) && nearest(d.customers.get(c)!) < 2).sort(),
  };
}

const members = (rows: Record<string, unknown>[]) => rows.map((r) => String(r.customer_id)).sort();

describe('purchases by place on a generated shop', () => {
  const t = tempDir('segmint-places-');
  let ws: Workspace;
  let data: Data;
  let expected: Record<string, string[]>;
  let schema: AudienceSchema;
  const asOf = new Date('2024-07-01T00:00:00Z');
  const lowered = (text: string, s: AudienceSchema = schema) => {
    const c = checkAudience(text, s);
    assert.ok(c.node, `${text}: ${JSON.stringify(c.diagnostics)}`);
    return lowerAudience(c.node, { schema: s, asOf, refs: c.refs });
  };

  before(async () => {
    data = generate(t.dir);
    expected = cases(data);
    ws = await Workspace.open(join(t.dir, 'ws'), { create: true });
    const p = await importFile(ws, join(t.dir, 'stores.csv'), { kind: 'places' });
    assert.deepEqual([p.rows.loaded, p.quarantineByReason], [40, { 'missing-place-id': 1, 'invalid-coordinate': 1 }]);
    await importFile(ws, join(t.dir, 'lines.csv'), { kind: 'transactions', map: { place_id: 'shop' } });
    await importFile(ws, join(t.dir, 'customers.csv'), { kind: 'customers' });
    schema = await loadAudienceSchema(ws.db);
  });
  after(() => {
    ws?.close();
    t.cleanup();
  });

  test('import: places with their extra columns, line attributes with their types, the place attribute', async () => {
    assert.deepEqual(schema.lineAttributes, { shop: 'string', till: 'number' });
    assert.equal(schema.places?.attribute, 'shop');
    assert.equal(schema.places?.ids.length, 40);
    const rows = await ws.db.all<{ id: string; latitude: number; longitude: number; format: string }>("SELECT place_id AS id, latitude, longitude, format FROM places WHERE place_id IN ('S1', 'S3') ORDER BY 1");
    assert.deepEqual(rows.map((r) => [r.id, r.latitude, r.longitude, r.format]), [['S1', ...data.places.get('S1')!, 'superstore'], ['S3', ...data.places.get('S3')!, 'express']]);
  });

  test('distance_to_nearest_place_km equals the brute-force nearest store for every customer', async () => {
    const rows = await ws.db.all<{ customer_id: string; d: number | null }>('SELECT customer_id, distance_to_nearest_place_km AS d FROM customers');
    assert.equal(rows.length, 300);
    for (const r of rows) {
      const p = data.customers.get(r.customer_id)!;
      if (p === null) assert.equal(r.d, null, r.customer_id);
      else assert.ok(Math.abs(r.d! - Math.min(...[...data.places.values()].map((q) => km(p, q)))) < 1e-9, `${r.customer_id}: ${r.d}`);
    }
  });

  test('duckdb: every rule equals its brute-force count', async () => {
    let nonEmpty = 0;
    for (const [text, want] of Object.entries(expected)) {
      const { sql, params } = compile(lowered(text), 'duckdb');
      assert.deepEqual(members(await ws.db.all(sql, params as never[])), want, text);
      if (want.length > 0 && want.length < 300) nonEmpty++;
    }
    assert.equal(nonEmpty, Object.keys(expected).length, `every case selects some customers and not all: ${Object.entries(expected).map(([k, v]) => `${k}: ${v.length}`).join('; ')}`);
    console.log(`duckdb = brute force: ${Object.entries(expected).map(([k, v]) => `${k}: ${v.length}`).join('; ')}`);
  });

  test('report: purchases and customers by place equal the generated lines; the section renders (PNG with Chromium)', async () => {
    const figures = await placeFigures(ws.db, 'shop');
    assert.equal(figures.length, 40);
    for (const f of figures) {
      const mine = data.lines.filter((l) => l.store === f.place);
      const buys = mine.filter((l) => !l.ret);
      const revenue = mine.reduce((a, l) => a + (l.ret ? -l.amount : l.amount), 0);
      assert.deepEqual([f.customers, f.orders, f.lines, f.known, f.name], [new Set(buys.map((l) => l.customer)).size, buys.length, buys.length, true, `Store ${f.place}`], String(f.place));
      assert.ok(Math.abs(f.revenue - revenue) < 1e-6, `${f.place}: ${f.revenue} vs ${revenue}`);
    }
    const html = await buildReport(ws.db);
    assert.match(html, /Purchases by place/);
    assert.match(html, /Revenue per place/);
    assert.match(html, /Distance to the nearest place/);
    const file = join(t.dir, 'report.html');
    writeFileSync(file, html);
    const png = join(process.env.SEGMINT_SCREENSHOTS ?? t.dir, 'places-report.png');
    const shot = await screenshot(file, png, { width: 1200, height: 9000 });
    if (!shot) console.log('# no Chromium: the report was not rendered to PNG');
    else console.log(`# report rendered to ${png}`);
  });

  test('a text value no line holds is named with the nearest ones', async () => {
    const p = await prepareAudience(ws, 'x', "has purchases where shop = 's7'", { asOf: '2024-07-01' });
    const r = await evaluateAudience(ws, p, { store: false });
    assert.equal(r.customers, 0);
    assert.match(r.warnings.join('\n'), /no transaction line has shop 's7'.*did you mean 'S7'/);
  });

  test('the checker: misspelt line columns and places get a suggestion; distances need places', () => {
    const codes = (text: string, s = schema) => checkAudience(text, s).diagnostics.map((d) => `${d.code}: ${d.message}`);
    assert.match(codes("has purchases where shpo = 'S1'")[0]!, /^unknown-field: .*did you mean shop\?/);
    assert.match(codes("has purchases where place within 5 km of place 'S300'")[0]!, /^unknown-place: .*did you mean S30\?/);
    assert.match(codes("has purchases where till = '2'")[0]!, /^type-mismatch/);
    assert.match(codes("has event 'x' where within 5 km of (51, 0)").join('\n'), /invalid-filter/);
    assert.match(codes('has purchases where within 5 km of (51, 0)', { ...schema, places: undefined })[0]!, /^missing-place/);
    assert.match(codes('has purchases where within 0 km of (91, 0)').join('\n'), /invalid-distance[\s\S]*invalid-coordinate/);
  });

  test('postgres: the same members', { skip: PG_SKIP }, async () => {
    const name = `segmint_places_${process.pid}`;
    const admin = await openEngine(PG!);
    let pg: Engine | undefined;
    try {
      await admin.run(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      pg = await openEngine(`${PG}${PG!.includes('?') ? '&' : '?'}schema=${name}`, { create: true });
      await copyToPostgres(ws.db, pg, ['customers', 'transactions', 'products', 'places', 'sources', 'events', 'runs']);
      // the schema read from PostgreSQL's own tables
      const s = await loadAudienceSchema(pg);
      assert.deepEqual([s.lineAttributes, s.places?.attribute, s.places?.ids.length], [schema.lineAttributes, 'shop', 40]);
      for (const [text, want] of Object.entries(expected)) {
        const { sql, params } = compile(lowered(text, s), 'postgres');
        assert.deepEqual(members(await pg.all(sql, params)), want, text);
      }
    } finally {
      await pg?.close();
      await admin.run(`DROP SCHEMA IF EXISTS ${name} CASCADE`).catch(() => undefined);
      await admin.close();
    }
  });

  // what the rules read (row keys aside: a UInt64 written as text does not insert on 18.16)
  const LINE_COLUMNS = ['customer_id', 'order_id', 'ts', 'amount', 'is_return', 'product_id', 'category', 'department', 'channel', 'coupon', 'quantity', 'unit_price', 'line_no', 'description', 'currency', 'attributes'];
  /** Import the three files into a workspace on another engine (places, then customers, then lines) and run every rule there. */
  async function onEngineWorkspace(engineArgs: string[], cleanup: () => Promise<void>): Promise<void> {
    const dir = join(t.dir, `ws-${engineArgs[1]!.slice(0, 5)}`);
    try {
      const init = await runCli(['init', dir, ...engineArgs, '--json']);
      assert.equal(init.code, 0, init.err);
      const other = await Workspace.open(dir);
      try {
        const p = await importFile(other, join(t.dir, 'stores.csv'), { kind: 'places' });
        assert.equal(p.rows.loaded, 40);
        await importFile(other, join(t.dir, 'customers.csv'), { kind: 'customers' });
        await importFile(other, join(t.dir, 'lines.csv'), { kind: 'transactions', map: { place_id: 'shop' } });
        const s = await loadAudienceSchema(other.db);
        assert.deepEqual([s.lineAttributes, s.places?.attribute, s.places?.ids.length], [schema.lineAttributes, 'shop', 40]);
        for (const [text, want] of Object.entries(expected)) {
          const { sql, params } = compile(lowered(text, s), other.db.dialect);
          assert.deepEqual(members(await other.db.all(sql, params)), want, `${other.db.dialect}: ${text}`);
        }
        const f = await placeFigures(other.db, 'shop');
        assert.deepEqual(f.map((x) => [x.place, x.customers, x.lines]), (await placeFigures(ws.db, 'shop')).map((x) => [x.place, x.customers, x.lines]));
      } finally {
        other.close();
      }
    } finally {
      await cleanup();
    }
  }

  test('a PostgreSQL workspace: places imported through the engine, the same members', { skip: PG_SKIP }, async () => {
    const name = `segmint_places_ws_${process.pid}`;
    const admin = await openEngine(PG!);
    process.env.SEGMINT_TEST_PG_PASSWORD ??= '';
    await onEngineWorkspace(['--engine', `${PG}?schema=${name}&password_env=SEGMINT_TEST_PG_PASSWORD`], async () => {
      await admin.run(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch(() => undefined);
      await admin.close();
    });
  });

  test('a ClickHouse cluster workspace: places imported through the engine, the same members', { skip: CLUSTER_SKIP }, async () => {
    const db = `segmint_places_ws_${process.pid}`;
    await onEngineWorkspace(['--engine', `${CH1!.replace(/^http/, 'clickhouse')}/${db}`, '--cluster', CLUSTER, '--shard', CH2!], async () => {
      for (const u of [CH1!, CH2!]) await httpRunner(u, undefined).exec(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
    });
  });

  const TABLES: [string, string[] | undefined, boolean][] = [['customers', undefined, true], ['transactions', LINE_COLUMNS, true], ['products', ['product_id', 'category', 'department'], false], ['places', undefined, false]];
  test('clickhouse 18.16: the same members', { skip: CH_SKIP }, async () => {
    const db = `segmint_places_one_${process.pid}`;
    await httpRunner(CH1!, undefined).exec(`CREATE DATABASE ${db}`);
    try {
      const ch = httpRunner(CH1!, db);
      for (const [name, columns] of TABLES) await copyTableToClickHouse(ws.db as never, ch, name, columns);
      for (const [text, want] of Object.entries(expected)) assert.deepEqual(members(await ch.rows(compile(lowered(text), 'clickhouse').sql)), want, text);
    } finally {
      await httpRunner(CH1!, undefined).exec(`DROP DATABASE IF EXISTS ${db}`);
    }
  });

  test('clickhouse 18.16, two shards: the same members with places on the first shard only', { skip: CLUSTER_SKIP }, async () => {
    const db = `segmint_places_two_${process.pid}`;
    const shards: ClickHouseRunner[] = [httpRunner(CH1!, db), httpRunner(CH2!, db)];
    for (const u of [CH1!, CH2!]) await httpRunner(u, undefined).exec(`CREATE DATABASE ${db}`);
    try {
      const ch = httpRunner(CH1!, db, { insert_distributed_sync: '1' });
      for (const [name, columns, sharded] of TABLES) await copyTableToClickHouse(ws.db as never, ch, name, columns, sharded ? { cluster: CLUSTER, database: db, shards } : undefined);
      const held = await Promise.all(shards.map(async (s) => Number((await s.rows('SELECT count() AS n FROM transactions_local'))[0]!.n)));
      assert.ok(held[0]! > 0 && held[1]! > 0, `lines per shard: ${held.join(', ')}`);
      for (const [text, want] of Object.entries(expected)) assert.deepEqual(members(await ch.rows(compile(lowered(text), 'clickhouse').sql)), want, text);
    } finally {
      for (const u of [CH1!, CH2!]) await httpRunner(u, undefined).exec(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
    }
  });
});
