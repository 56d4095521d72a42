// Fuzz: 10,000 random and malformed requests (bad JSON, huge bodies, path tricks in ids and file names,
// hostile rule text, wrong types, unknown routes and methods) answer 4xx with a JSON code — never a 5xx —
// and the server still answers afterwards, with nothing written outside the workspace. Seeded: a failure
// names the request that caused it and repeats.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { serverFixture, type ServerFixture } from '../helpers/server.ts';

let fx: ServerFixture;
before(async () => {
  fx = await serverFixture({ clv: false });
});
after(async () => fx?.close());

const REQUESTS = Number(process.env.SEGMINT_FUZZ_REQUESTS ?? 10_000);

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

const PWNED = '/tmp/segmint-fuzz-pwned';
const HOSTILE_IDS = [
  '..', '../..', '../../../../etc/passwd', '..%2F..%2Fsegmint.yaml', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', `..%2F..%2F..%2F..${PWNED}`, '%00', 'a%00b', '%ZZ', '%',
  'x'.repeat(600), 'lapsed', 'big-spenders', 'fuzz-a', '-1', '0', '1e309', '9007199254740993', '0x10', 'NaN', 'null', 'undefined', '__proto__', 'constructor',
  "' OR 1=1 --", '"; DROP TABLE customers; --', 'CON', 'aux.yaml', '.yaml', 'a.yaml', '💥', '%F0%9F%92%A5', '%C0%AE%C0%AE', 'segmint.duckdb', '~', '$HOME', '*', '?', '#',
];
const RULE_WORDS = ['has', 'no', 'orders', 'in', 'last', '90', 'days', 'rfm.segment', '=', "'Champions'", 'and', 'or', 'not', '(', ')', 'audience', "'lapsed'", '>', '>=', '<', 'rfm.monetary',
  'avg', 'events', 'properties.x', 'between', '1', '2', 'null', 'true', 'country', 'contains', '"', "'", ',', '.', 'cluster(9999999999999).name', 'rfm(1).r', '$', ';', '--', '/*', 'SELECT', '1e999', '-'];

function hostileRule(r: () => number): string {
  const k = r();
  if (k < 0.1) return '('.repeat(1 + Math.floor(r() * 20000)) + 'country = \'x\'' + ')'.repeat(Math.floor(r() * 20000));
  if (k < 0.2) return 'not '.repeat(1 + Math.floor(r() * 20000)) + 'has orders';
  if (k < 0.3) return Array.from({ length: 1 + Math.floor(r() * 3000) }, (_, i) => `country = '${i}'`).join(' or ');
  if (k < 0.35) return "audience 'lapsed' and ".repeat(1 + Math.floor(r() * 200)) + 'has orders';
  if (k < 0.4) return String.fromCharCode(...Array.from({ length: 1 + Math.floor(r() * 200) }, () => Math.floor(r() * 0xffff)));
  if (k < 0.45) return 'x'.repeat(100_001);
  return Array.from({ length: 1 + Math.floor(r() * 30) }, () => RULE_WORDS[Math.floor(r() * RULE_WORDS.length)]).join(r() < 0.8 ? ' ' : '');
}

function body(r: () => number, route: string): { payload?: string | Buffer; type?: string } {
  const k = r();
  const json = (v: unknown) => ({ payload: JSON.stringify(v), type: 'application/json' });
  if (k < 0.08) return { payload: ['{', '{"where":', '[', '"', '{"a":1,}', 'nul', '{"where": "x"} trailing', '\u0000', '{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {"x": 1}}}'][Math.floor(r() * 10)], type: 'application/json' };
  if (k < 0.1) return { payload: '['.repeat(50_000) + ']'.repeat(50_000), type: 'application/json' };
  if (k < 0.12) return { payload: JSON.stringify({ where: 'y'.repeat(1_100_000) }), type: 'application/json' };
  if (k < 0.14) return { payload: Buffer.alloc(Math.floor(r() * 3000), Math.floor(r() * 256)), type: ['text/csv', 'application/octet-stream', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml'][Math.floor(r() * 5)] };
  if (k < 0.16) return { payload: 'a=1&b=2', type: 'application/x-www-form-urlencoded' };
  if (k < 0.18) return { payload: '{}' };
  if (route.includes('audiences') && k < 0.7) return json({ where: hostileRule(r), ...(r() < 0.2 ? { description: 'd'.repeat(Math.floor(r() * 3000)) } : {}), ...(r() < 0.1 ? { extra: 1 } : {}) });
  if (route.includes('clusters') && k < 0.6) return json({ name: r() < 0.5 ? '' : 'n'.repeat(Math.floor(r() * 200)), note: r() < 0.5 ? 1 : 'x', actionable: r() < 0.5 ? 'yes' : true, owner: null });
  if (route.startsWith('/runs/') && k < 0.9) {
    // never a valid body: runs would start real work
    return json({ k: ['auto', 1, 51, -1, 'x', null][Math.floor(r() * 6)], bins: r() < 0.5 ? 1 : 10, features: ['../x', 'DROP TABLE'], asOf: '2011-13-45', seed: -1 });
  }
  return json([null, 1, 'x', [], { a: { b: { c: [] } } }, { where: 1 }, { where: null }, { name: 'x'.repeat(70) }, { asOf: 'yesterday' }][Math.floor(r() * 9)]);
}

function query(r: () => number): string {
  const keys = ['limit', 'offset', 'sort', 'order', 'label', 'customerId', 'after', 'kind', 'format', 'traits', 'names', 'from', 'to', 'snapshot', 'asOf', 'timeline', 'reason', 'sourceId', 'name', 'timezone', '__proto__', 'constructor[prototype][x]', ''];
  const vals = ['-1', '0', '1', '1001', '1e9', '99999999999999999999', 'abc', '', '%00', '..%2F..%2Fetc', 'csv', 'parquet', 'xml', 'desc', 'monetary', 'customer_id;DROP', "'", 'lapsed', 'rfm.segment', '../../x', 'x'.repeat(300), 'transactions', 'Europe/London', '../../../etc/passwd'];
  const n = Math.floor(r() * 5);
  return Array.from({ length: n }, () => `${encodeURIComponent(keys[Math.floor(r() * keys.length)]!)}=${r() < 0.9 ? encodeURIComponent(vals[Math.floor(r() * vals.length)]!) : vals[Math.floor(r() * vals.length)]}`).join('&');
}

test(`${REQUESTS.toLocaleString('en-US')} random and malformed requests: 4xx with a code, never a 5xx; the server answers afterwards`, async () => {
  const doc = JSON.parse((await fx.app.inject({ method: 'GET', url: '/openapi.json', headers: { authorization: `Bearer ${fx.tokens.viewer}` } })).body) as { paths: Record<string, Record<string, unknown>> };
  const routes = Object.entries(doc.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => ({ method: m.toUpperCase(), path: p })));
  const before = JSON.parse((await fx.app.inject({ method: 'GET', url: '/workspace', headers: { authorization: `Bearer ${fx.tokens.viewer}` } })).body) as { counts: Record<string, number> };
  const r = rng(20261202);
  const statuses = new Map<number, number>();
  const slow: [number, string][] = [];
  const loopStart = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    const route = routes[Math.floor(r() * routes.length)]!;
    const k = r();
    const path = k < 0.85
      ? route.path.replace(/\{\w+\}/g, () => (r() < 0.1 ? String(fx.runs.rfm) : HOSTILE_IDS[Math.floor(r() * HOSTILE_IDS.length)]!))
      : ['/', '//', '/../../etc/passwd', '/%2e%2e/%2e%2e/segmint.yaml', '/audiences/../../segmint.yaml', `/audiences/${'a/'.repeat(200)}`, '/docs/../openapi.json', '/server/tokens.json', '/ws/segmint.duckdb', '/\u0000'][Math.floor(r() * 10)]!;
    const method = r() < 0.9 ? route.method : ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'][Math.floor(r() * 7)]!;
    const auth = r();
    const token = auth < 0.65 ? fx.tokens.admin : auth < 0.75 ? fx.tokens.analyst : auth < 0.85 ? fx.tokens.viewer : auth < 0.92 ? undefined : ['sgm_', 'sgm_' + 'A'.repeat(43), 'x'.repeat(5000), fx.tokens.admin.slice(0, -1) + 'A', `${fx.tokens.admin} extra`][Math.floor(r() * 5)];
    const q = r() < 0.85 ? query(r) : '';
    const b = method === 'GET' || method === 'HEAD' || method === 'DELETE' ? (r() < 0.05 ? body(r, route.path) : {}) : body(r, route.path);
    const opts: InjectOptions = {
      method: method as InjectOptions['method'],
      url: q ? `${path}?${q}` : path,
      headers: { ...(token !== undefined ? { authorization: r() < 0.95 ? `Bearer ${token}` : token } : {}), ...(b.type ? { 'content-type': b.type } : {}) },
      ...(b.payload !== undefined ? { payload: b.payload } : {}),
    };
    const t0 = performance.now();
    const res = await fx.app.inject(opts);
    if (process.env.SEGMINT_TEST_TIMINGS) slow.push([performance.now() - t0, `${method} ${opts.url!.toString().slice(0, 100)} ${String(b.payload ?? '').slice(0, 60)} → ${res.statusCode}`]);
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    const what = `request ${i}: ${method} ${opts.url!.toString().slice(0, 200)} (${b.type ?? 'no body'}, ${String(b.payload ?? '').length} bytes) → ${res.statusCode}`;
    assert.ok(res.statusCode < 500, `${what}: ${res.body.slice(0, 500)}`);
    if (res.statusCode >= 400 && method !== 'HEAD') {
      let e: { code?: unknown; message?: unknown };
      try {
        e = JSON.parse(res.body) as typeof e;
      } catch {
        assert.fail(`${what}: the body is not JSON: ${res.body.slice(0, 200)}`);
      }
      assert.ok(typeof e.code === 'string' && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(e.code) && typeof e.message === 'string', `${what}: no error code: ${res.body.slice(0, 200)}`);
    }
  }
  if (process.env.SEGMINT_TEST_TIMINGS) console.log(`loop ${(performance.now() - loopStart).toFixed(0)} ms`);
  if (slow.length) {
    const by = new Map<string, [number, number]>();
    for (const [t, w] of slow) {
      const k = w.split('?')[0]!.split(' ').slice(0, 2).join(' ') + ' ' + w.split(' ').at(-1);
      const e = by.get(k) ?? [0, 0];
      by.set(k, [e[0] + t, e[1] + 1]);
    }
    console.log([...by].sort((a, b) => b[1][0] - a[1][0]).slice(0, 25).map(([k, [t, n]]) => `${t.toFixed(0)} ms ${n}× ${k}`).join('\n'), `\ntotal ${slow.reduce((a, [t]) => a + t, 0).toFixed(0)} ms`);
  }
  // the server still answers, the tables are all there, nothing was written outside the workspace
  assert.equal((await fx.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  const afterRes = await fx.app.inject({ method: 'GET', url: '/workspace', headers: { authorization: `Bearer ${fx.tokens.viewer}` } });
  assert.equal(afterRes.statusCode, 200);
  const afterWs = JSON.parse(afterRes.body) as { counts: Record<string, number> };
  assert.ok(afterWs.counts.customers! >= before.counts.customers!);
  assert.ok(afterWs.counts.transactions! >= before.counts.transactions!);
  assert.equal(existsSync(PWNED), false);
  assert.deepEqual(readdirSync(dirname(fx.dir)).sort(), ['sample.csv', 'ws']);
  // a POST /refresh among the requests writes refresh/freshness.json (and may read the inbox): both the workspace's own
  assert.deepEqual(readdirSync(fx.dir).filter((f) => !['audiences', 'server', 'refresh', 'inbox', 'segmint.yaml', 'segmint.duckdb', 'segmint.duckdb.wal', '.segmint-tmp', '.segmint-cache'].includes(f)), []);
  if (existsSync(join(fx.dir, 'refresh'))) assert.deepEqual(readdirSync(join(fx.dir, 'refresh')).filter((f) => !f.startsWith('freshness.json')), []);
  for (const f of existsSync(join(fx.dir, 'audiences')) ? readdirSync(join(fx.dir, 'audiences')) : []) assert.match(f, /^[A-Za-z][A-Za-z0-9_-]{0,63}\.yaml$/);
  // the requests reached the handlers, not only the schema checks
  const ok = [...statuses].filter(([s]) => s < 300).reduce((a, [, n]) => a + n, 0);
  assert.ok(ok > REQUESTS / 50, `only ${ok} requests succeeded: ${JSON.stringify([...statuses])}`);
  assert.ok((statuses.get(400) ?? 0) > REQUESTS / 10);
  assert.ok((statuses.get(401) ?? 0) > 0 && (statuses.get(404) ?? 0) > 0);
  console.log(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
});
