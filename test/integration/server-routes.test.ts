// Walks every route of the server's OpenAPI document: without a token → 401, with a role too weak → 403,
// with the role the route names → its success status; every response recorded (errors included) is
// validated against the document's schema for its status and content type (Ajv, JSON Schema 2020-12).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { ajv2020, serverFixture, type ServerFixture } from '../helpers/server.ts';
import { FIXTURES } from '../helpers/workspace.ts';
import { ROLES, type Role } from '../../src/store/tokens.ts';
import { DuckDbEngine } from '../../src/engines/duckdb.ts';
import type { Param, Row } from '../../src/engines/types.ts';

let fx: ServerFixture;
before(async () => {
  fx = await serverFixture();
});
after(async () => fx?.close());

type Op = { 'x-role'?: string; parameters?: { in: string; name: string; required?: boolean }[]; responses: Record<string, { content?: Record<string, { schema: object }> }>; requestBody?: unknown };

/** A request that should succeed, for each route of the built-in resources: method path → request. */
function sample(method: string, path: string): { url: string; body?: unknown; headers?: Record<string, string>; ok: number[] } | undefined {
  const r = fx.runs;
  const customer = encodeURIComponent(fx.customerId);
  const known: Record<string, { url: string; body?: unknown; headers?: Record<string, string>; ok: number[] }> = {
    'GET /health': { url: '/health', ok: [200] },
    'GET /workspace': { url: '/workspace', ok: [200] },
    'GET /me': { url: '/me', ok: [200] },
    'GET /sources': { url: '/sources', ok: [200] },
    'POST /sources': { url: '/sources?kind=transactions&format=csv&name=orders.csv', body: readFileSync(join(FIXTURES, 'orders-amount.csv')), headers: { 'content-type': 'text/csv' }, ok: [201, 202] },
    'GET /quarantine': { url: '/quarantine?limit=5&offset=1', ok: [200] },
    'GET /runs': { url: '/runs?kind=rfm', ok: [200] },
    'GET /runs/{runId}': { url: `/runs/${r.cluster}`, ok: [200] },
    'POST /runs/{kind}': { url: '/runs/rfm', body: { bins: 4 }, ok: [201, 202] },
    'GET /runs/{runId}/rows': { url: `/runs/${r.rfm}/rows?limit=5&offset=2&sort=monetary&order=desc`, ok: [200] },
    'GET /runs/{runId}/clusters': { url: `/runs/${r.cluster}/clusters`, ok: [200] },
    'GET /runs/{runId}/cluster-detail': { url: `/runs/${r.cluster}/cluster-detail`, ok: [200] },
    'PUT /runs/{runId}/clusters/{cluster}': { url: `/runs/${r.cluster}/clusters/1`, body: { name: 'Loyal', note: 'call them first', owner: 'ann', actionable: true }, ok: [200] },
    'GET /audiences': { url: '/audiences', ok: [200] },
    'POST /audiences/validate': { url: '/audiences/validate', body: { where: 'rfm.frequency >= 2 and has orders in last 30 days' }, ok: [200] },
    'GET /audiences/{name}': { url: '/audiences/lapsed', ok: [200] },
    'PUT /audiences/{name}': { url: '/audiences/walk-test', body: { where: 'rfm.frequency >= 2', description: 'repeat buyers' }, ok: [201, 200] },
    'DELETE /audiences/{name}': { url: '/audiences/walk-test', ok: [204] },
    'GET /audiences/{name}/count': { url: '/audiences/lapsed/count', ok: [200] },
    'GET /audiences/{name}/members': { url: '/audiences/lapsed/members?limit=3', ok: [200] },
    'GET /audiences/{name}/explain/{customerId}': { url: `/audiences/big-spenders/explain/${customer}`, ok: [200] },
    'GET /audiences/{name}/snapshots': { url: '/audiences/lapsed/snapshots', ok: [200] },
    'POST /audiences/{name}/snapshots': { url: '/audiences/lapsed/snapshots', body: {}, ok: [201, 202] },
    'GET /audiences/{name}/diff': { url: `/audiences/lapsed/diff?limit=10`, ok: [200] },
    'GET /audiences/{name}/export': { url: '/audiences/lapsed/export?format=csv&traits=country&traits=rfm.segment', ok: [200] },
    'GET /migration': { url: `/migration?from=${r.rfm}&to=${r.cluster}`, ok: [200] },
    'GET /audience-overlap': { url: '/audience-overlap?names=lapsed&names=big-spenders', ok: [200] },
    'GET /audience-vocabulary': { url: '/audience-vocabulary?kind=products&prefix=w&limit=3&offset=1', ok: [200] },
    'POST /audiences/parse': { url: '/audiences/parse', body: { where: "all(has no orders in last 3 months, country = 'Germany')" }, ok: [200] },
    'POST /audiences/format': { url: '/audiences/format', body: { blocks: { kind: 'has', negate: true, source: { kind: 'orders' }, window: { n: 90, unit: 'days' } } }, ok: [200] },
    'POST /audiences/count': { url: '/audiences/count', body: { where: "country = 'Germany'" }, ok: [200] },
    'GET /customers/{customerId}': { url: `/customers/${customer}?timeline=5`, ok: [200] },
    'GET /value/runs/{runId}': { url: `/value/runs/${r.lrfmp}`, ok: [200] },
    'GET /migration/customers': { url: `/migration/customers?from=${r.rfm}&to=${r.lrfmp}&fromLabel=Champions&toLabel=High-contribution%20loyal&limit=5&offset=1`, ok: [200] },
    'GET /clv/fits/{runId}': { url: `/clv/fits/${r.clv}`, ok: [200] },
    'GET /clv/fits/{runId}/matrices': { url: `/clv/fits/${r.clv}/matrices?maxFrequency=5&maxRecency=8&horizon=4`, ok: [200] },
    'GET /clv/predictions/{runId}/stats': { url: `/clv/predictions/${r['clv-predict']}/stats?bins=10`, ok: [200] },
  };
  return known[`${method} ${path}`];
}

/** Path parameters of routes this file does not know (other modules'): a value of the right shape. */
const fill = (path: string) => path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'runId' ? String(fx.runs.rfm) : name === 'name' ? 'lapsed' : name === 'customerId' ? encodeURIComponent(fx.customerId) : '1'));

test('every route of the OpenAPI document: 401 without a token, 403 with a weaker role, success with its role; every response valid', async () => {
  // the document and the docs page need a token like every route but /health
  for (const url of ['/openapi.json', '/docs', '/docs/json']) {
    assert.equal((await fx.app.inject({ method: 'GET', url })).statusCode, 401, `${url} without a token`);
    assert.equal((await fx.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer sgm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })).statusCode, 401, `${url} with an unknown token`);
  }
  assert.ok([200, 302].includes((await fx.app.inject({ method: 'GET', url: '/docs', headers: { authorization: `Bearer ${fx.tokens.viewer}` } })).statusCode), '/docs with a viewer token');
  const docRes = await fx.app.inject({ method: 'GET', url: '/openapi.json', headers: { authorization: `Bearer ${fx.tokens.viewer}` } });
  assert.equal(docRes.statusCode, 200);
  const doc = JSON.parse(docRes.body) as { openapi: string; paths: Record<string, Record<string, Op>> };
  assert.equal(doc.openapi, '3.1.0');
  const ajv = ajv2020();
  ajv.addSchema(doc, 'api');
  const validators = new Map<string, (x: unknown) => boolean>();
  let checked = 0;

  const check = (method: string, path: string, op: Op, res: LightMyRequestResponse) => {
    const status = String(res.statusCode);
    const response = op.responses[status];
    assert.ok(response, `${method} ${path}: status ${status} is not in the document (${Object.keys(op.responses).join(', ')}): ${res.body.slice(0, 300)}`);
    const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (!response.content) {
      assert.equal(res.body, '', `${method} ${path} ${status}: the document says no body`);
      checked++;
      return;
    }
    assert.ok(response.content[type], `${method} ${path} ${status}: content type ${type} is not in the document (${Object.keys(response.content).join(', ')})`);
    const pointer = ['paths', path, method.toLowerCase(), 'responses', status, 'content', type, 'schema'].map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    const key = `api#/${pointer}`;
    let v = validators.get(key);
    if (!v) validators.set(key, (v = ajv.compile({ $ref: key })));
    const value = type === 'application/json' ? JSON.parse(res.body) as unknown : res.body;
    assert.ok(v(value), `${method} ${path} ${status}: the response does not match the document: ${JSON.stringify((v as { errors?: unknown }).errors)} — ${res.body.slice(0, 300)}`);
    checked++;
  };

  // DELETE last (it removes what PUT made)
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([m, op]) => ({ method: m.toUpperCase(), path, op })))
    .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
  assert.ok(ops.length >= 25, `only ${ops.length} operations in the document`);
  const seen = new Set<string>();
  // the validation can fail: a summary without its counts does not match
  const wsSchema = ajv.compile({ $ref: 'api#/paths/~1workspace/get/responses/200/content/application~1json/schema' });
  assert.equal(wsSchema({ engine: 'duckdb' }), false);
  const errSchema = ajv.compile({ $ref: 'api#/components/schemas/Error' });
  assert.equal(errSchema({ message: 'no code' }), false);
  const timings: string[] = [];
  for (const { method, path, op } of ops) {
    const t0 = Date.now();
    const role = op['x-role'];
    assert.ok(role === 'public' || ROLES.includes(role as Role), `${method} ${path}: x-role ${String(role)}`);
    const s = sample(method, path);
    const req = (token?: string): InjectOptions => ({
      method: method as InjectOptions['method'],
      url: s?.url ?? fill(path),
      headers: { ...(s?.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(s?.body !== undefined ? { payload: s.body as InjectOptions['payload'] } : ['POST', 'PUT', 'PATCH'].includes(method) ? { payload: {} } : {}),
    });
    if (role !== 'public') {
      const r401 = await fx.app.inject(req());
      assert.equal(r401.statusCode, 401, `${method} ${path} without a token: ${r401.statusCode} ${r401.body.slice(0, 200)}`);
      check(method, path, op, r401);
      const bad = await fx.app.inject(req('sgm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
      assert.equal(bad.statusCode, 401, `${method} ${path} with an unknown token`);
      const weaker = ROLES.slice(0, ROLES.indexOf(role as Role));
      for (const w of weaker) {
        const r403 = await fx.app.inject(req(fx.tokens[w]));
        assert.equal(r403.statusCode, 403, `${method} ${path} with ${w} (needs ${role}): ${r403.statusCode} ${r403.body.slice(0, 200)}`);
        check(method, path, op, r403);
      }
    }
    const res = await fx.app.inject(req(role === 'public' ? undefined : fx.tokens[role as Role]));
    if (s) {
      assert.ok(s.ok.includes(res.statusCode), `${method} ${path} with ${role}: ${res.statusCode} ${res.body.slice(0, 400)}`);
      seen.add(`${method} ${path}`);
    } else {
      // a route of another module with made-up parameters: any documented answer but a server error
      assert.ok(res.statusCode < 500, `${method} ${path}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    }
    check(method, path, op, res);
    timings.push(`${method} ${path} ${Date.now() - t0} ms`);
  }
  if (process.env.SEGMINT_TEST_TIMINGS) console.log(timings.join('\n'));
  // every built-in route was called with a request that succeeds
  for (const k of ['GET /workspace', 'POST /sources', 'GET /runs/{runId}/rows', 'PUT /audiences/{name}', 'DELETE /audiences/{name}', 'GET /audiences/{name}/export', 'GET /customers/{customerId}']) assert.ok(seen.has(k), `${k} is not in the document`);
  assert.ok(checked > ops.length * 2);
});

test('the recorded effects: the label and the definition are kept in the workspace; the upload is not named after the client', async () => {
  const h = { authorization: `Bearer ${fx.tokens.viewer}` };
  const cl = JSON.parse((await fx.app.inject({ method: 'GET', url: `/runs/${fx.runs.cluster}/clusters`, headers: h })).body) as { items: { cluster: number; label: { name?: string; owner?: string; actionable?: boolean; updatedBy: string } | null }[] };
  const one = cl.items.find((c) => c.cluster === 1)!;
  assert.deepEqual({ name: one.label?.name, owner: one.label?.owner, actionable: one.label?.actionable, by: one.label?.updatedBy }, { name: 'Loyal', owner: 'ann', actionable: true, by: 'test-analyst' });
  // the upload was queued as a job: wait for its source
  let src: { items: { file: string }[] } = { items: [] };
  for (let i = 0; i < 600 && src.items.length < 2; i++) {
    if (i) await new Promise((done) => setTimeout(done, 100));
    src = JSON.parse((await fx.app.inject({ method: 'GET', url: '/sources', headers: h })).body) as typeof src;
  }
  assert.equal(src.items.length, 2);
  const uploaded = src.items.at(-1)!.file;
  assert.match(uploaded, /^server\/uploads\/\d{4}-\d{2}-\d{2}-[0-9a-f]{16}\.csv$/);
  // the audience definition file the walk created was deleted again; the fixture's are there
  const list = JSON.parse((await fx.app.inject({ method: 'GET', url: '/audiences', headers: h })).body) as { items: { name: string }[] };
  assert.deepEqual(list.items.map((a) => a.name).sort(), ['big-spenders', 'lapsed']);
});

test('exports hold exactly the members: CSV and NDJSON rows equal the members paged with after, and the count', async () => {
  const h = { authorization: `Bearer ${fx.tokens.viewer}` };
  const count = (JSON.parse((await fx.app.inject({ method: 'GET', url: '/audiences/big-spenders/count', headers: h })).body) as { customers: number }).customers;
  assert.ok(count > 10);
  const paged: string[] = [];
  let after: string | null = null;
  do {
    const page = JSON.parse((await fx.app.inject({ method: 'GET', url: `/audiences/big-spenders/members?limit=7${after === null ? '' : `&after=${encodeURIComponent(after)}`}`, headers: h })).body) as { items: string[]; next: string | null };
    paged.push(...page.items);
    after = page.next;
  } while (after !== null);
  assert.equal(paged.length, count);
  const csv = await fx.app.inject({ method: 'GET', url: '/audiences/big-spenders/export?format=csv&traits=rfm.monetary', headers: h });
  const lines = csv.body.trimEnd().split('\n');
  assert.equal(lines[0], 'customer_id,rfm.monetary');
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), paged);
  // every exported customer satisfies the rule (rfm.monetary > 1000), read back from the export itself
  assert.ok(lines.slice(1).every((l) => Number(l.split(',')[1]) > 1000));
  const nd = await fx.app.inject({ method: 'GET', url: '/audiences/big-spenders/export?format=ndjson', headers: h });
  assert.deepEqual(nd.body.trimEnd().split('\n').map((l) => (JSON.parse(l) as { customer_id: string }).customer_id), paged);
  // from a stored snapshot: its members, whatever the rule says now
  const snap = await fx.app.inject({ method: 'GET', url: `/audiences/big-spenders/export?format=ndjson&snapshot=${fx.snapshots['big-spenders']}`, headers: h });
  assert.equal(snap.statusCode, 200);
  assert.equal(snap.body.trimEnd().split('\n').length, count);
  // a snapshot of another audience is refused
  assert.equal((await fx.app.inject({ method: 'GET', url: `/audiences/big-spenders/export?snapshot=${fx.snapshots.lapsed}`, headers: h })).statusCode, 404);
});

test('GET /me names the token that signed the request and its role', async () => {
  for (const role of ROLES) {
    const res = await fx.app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${fx.tokens[role]}` } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(JSON.parse(res.body), { name: `test-${role}`, role });
  }
});

test('POST /audiences/count past its time limit: 504 count-timeout, the query stopped on the engine, and the next count answers', async () => {
  const h = { authorization: `Bearer ${fx.tokens.viewer}` };
  const where = 'has orders in last 90 days';
  const count = () => fx.app.inject({ method: 'POST', url: '/audiences/count', headers: h, payload: { where } });
  const before = await count();
  assert.equal(before.statusCode, 200, before.body);
  // every count of the fixture's few hundred customers takes milliseconds: while this request runs, the engine is
  // given a statement that would run for many minutes in place of the count's, with the route's own time limit
  const original = DuckDbEngine.prototype.oneWithin;
  const limits: number[] = [];
  DuckDbEngine.prototype.oneWithin = function <T extends Row>(this: DuckDbEngine, _sql: string, _params: readonly Param[] | undefined, ms: number): Promise<T | undefined> {
    limits.push(ms);
    return original.call(this, 'SELECT count(*) AS n FROM range(300000) a, range(300000) b WHERE (a.range * 31 + b.range) % 97 = 3', undefined, ms) as Promise<T | undefined>;
  };
  const previous = process.env.SEGMINT_DRAFT_COUNT_TIMEOUT_MS;
  process.env.SEGMINT_DRAFT_COUNT_TIMEOUT_MS = '300';
  let timedOut: LightMyRequestResponse;
  const t0 = Date.now();
  try {
    timedOut = await count();
  } finally {
    DuckDbEngine.prototype.oneWithin = original;
    if (previous === undefined) delete process.env.SEGMINT_DRAFT_COUNT_TIMEOUT_MS;
    else process.env.SEGMINT_DRAFT_COUNT_TIMEOUT_MS = previous;
  }
  const stopped = Date.now() - t0;
  assert.deepEqual(limits, [300], 'the route gives the engine its limit (SEGMINT_DRAFT_COUNT_TIMEOUT_MS)');
  assert.equal(timedOut.statusCode, 504, timedOut.body);
  const e = JSON.parse(timedOut.body) as { code: string; message: string; hint?: string };
  assert.equal(e.code, 'count-timeout');
  assert.match(e.message, /took longer than 0\.3 s and was stopped/);
  assert.match(e.hint ?? '', /snapshot/);
  assert.ok(stopped < 60_000, `answered after ${stopped} ms`);
  // the server goes on answering, with the same count as before
  const again = await count();
  assert.equal(again.statusCode, 200, again.body);
  assert.equal((JSON.parse(again.body) as { customers: number }).customers, (JSON.parse(before.body) as { customers: number }).customers);
});
