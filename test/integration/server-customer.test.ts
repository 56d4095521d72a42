// GET /customers/{id} and GET /audiences/{name}/count read through the workspace state's caches (the latest
// runs, counts per workspace version): the answers equal what the tables hold, and a new run, a new snapshot, an
// import of events or a changed rule is seen by the next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importFile } from '../../src/store/import/index.ts';
import { evaluateAudience, prepareAudience } from '../../src/pipeline/audience.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { serverFixture, type ServerFixture } from '../helpers/server.ts';

let fx: ServerFixture;
before(async () => {
  fx = await serverFixture();
});
after(async () => fx?.close());

const get = async (url: string) => {
  const res = await fx.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${fx.tokens.viewer}` } });
  assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 300)}`);
  return JSON.parse(res.body) as Record<string, unknown> & { scores: Record<string, Record<string, unknown>>; audiences: { name: string; runId: number; member: boolean }[]; timeline: { type: string; ts: string; orderId?: string }[]; counts: { transactions: number } };
};

/** The customer with the most lines (a timeline longer than asked for). */
async function busiest(): Promise<string> {
  return String((await fx.ws.db.one<{ id: string }>('SELECT customer_id AS id FROM transactions WHERE customer_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1'))!.id);
}

test('a customer look-up: the scores of the latest runs, the audiences of the latest snapshots, the latest lines first', async () => {
  const id = await busiest();
  const c = await get(`/customers/${encodeURIComponent(id)}?timeline=7`);
  for (const [kind, table] of [['rfm', 'run_scores'], ['lrfmp', 'run_scores'], ['cluster', 'run_clusters'], ['clv-predict', 'clv_predictions']] as const) {
    const runId = fx.runs[kind];
    const row = await fx.ws.db.one<Record<string, unknown>>(`SELECT * FROM ${table} WHERE run_id = ? AND customer_id = ?`, [runId, id]);
    assert.ok(row, `${kind}: ${id} has a row in run ${runId}`);
    assert.equal(c.scores[kind]?.run_id, runId, kind);
  }
  assert.equal(c.scores.rfm!.segment, (await fx.ws.db.one<{ s: string }>('SELECT segment AS s FROM run_scores WHERE run_id = ? AND customer_id = ?', [fx.runs.rfm, id]))!.s);
  for (const [name, runId] of Object.entries(fx.snapshots)) {
    const member = Number((await fx.ws.db.one<{ n: number }>('SELECT count(*) AS n FROM audience_members WHERE run_id = ? AND customer_id = ?', [runId, id]))!.n) > 0;
    assert.deepEqual(c.audiences.find((a) => a.name === name) && { runId: c.audiences.find((a) => a.name === name)!.runId, member: c.audiences.find((a) => a.name === name)!.member }, { runId, member }, name);
  }
  const lines = await fx.ws.db.all<{ order_id: string; ts: Date }>('SELECT order_id, ts FROM transactions WHERE customer_id = ? ORDER BY ts DESC, order_id LIMIT 7', [id]);
  assert.deepEqual(c.timeline.map((t) => t.orderId), lines.map((l) => String(l.order_id)));
  assert.equal(c.counts.transactions, Number((await fx.ws.db.one<{ n: number }>('SELECT count(*) AS n FROM transactions WHERE customer_id = ?', [id]))!.n));
  assert.ok(c.counts.transactions > 7);
});

test('a new run and a new snapshot are seen by the next look-up; a count is counted again after a run or a changed rule', async () => {
  const id = await busiest();
  const count1 = await get('/audiences/lapsed/count');
  assert.equal(await get('/audiences/lapsed/count').then((c) => c.customers), count1.customers);
  const direct = async (where: string) => {
    const p = await prepareAudience(fx.ws, 'x', where, { asOf: String(count1.asOf) });
    return (await evaluateAudience(fx.ws, p, { store: false })).customers;
  };
  assert.equal(count1.customers, await direct('has no orders in last 90 days'));
  // a rule on the latest RFM run, counted before and after a new run with 3 bins: counted again
  const put0 = await fx.app.inject({ method: 'PUT', url: '/audiences/top-r', headers: { authorization: `Bearer ${fx.tokens.analyst}` }, payload: { where: 'rfm.r >= 3' } });
  assert.equal(put0.statusCode, 201, put0.body);
  const r1 = await get('/audiences/top-r/count');
  assert.equal(r1.customers, await direct('rfm.r >= 3'));
  // a new RFM run: the look-up shows it
  const rfm = await runValueSegmentation(fx.ws, 'rfm', { bins: 3 });
  const c = await get(`/customers/${encodeURIComponent(id)}?timeline=1`);
  assert.equal(c.scores.rfm!.run_id, rfm.runId);
  assert.equal(c.scores.lrfmp!.run_id, fx.runs.lrfmp);
  const r2 = await get('/audiences/top-r/count');
  assert.equal(r2.customers, await direct('rfm.r >= 3'));
  assert.notEqual(r2.customers, r1.customers, 'the new run has 3 bins: fewer customers with r >= 3 than with 5');
  // a changed definition is counted anew (its rule is the key)
  const put = await fx.app.inject({ method: 'PUT', url: '/audiences/lapsed', headers: { authorization: `Bearer ${fx.tokens.analyst}` }, payload: { where: 'has no orders in last 30 days' } });
  assert.equal(put.statusCode, 200, put.body);
  const count2 = await get('/audiences/lapsed/count');
  assert.equal(count2.customers, await direct('has no orders in last 30 days'));
  assert.notEqual(count2.customers, count1.customers);
  // a new snapshot of it: the look-up names it
  const snap = await evaluateAudience(fx.ws, await prepareAudience(fx.ws, 'lapsed', 'has no orders in last 30 days'));
  const after = await get(`/customers/${encodeURIComponent(id)}?timeline=1`);
  assert.equal(after.audiences.find((a) => a.name === 'lapsed')!.runId, snap.runId);
});

test('events imported after a look-up are in the next one (the workspace has none before)', async () => {
  const id = await busiest();
  const before = await get(`/customers/${encodeURIComponent(id)}?timeline=3`);
  assert.ok(before.timeline.every((t) => t.type === 'purchase' || t.type === 'return'));
  const file = join(fx.dir, '..', 'late-events.csv');
  writeFileSync(file, `customer_id,event_time,event_type,properties\n${id},2012-01-02 10:00:00,email_open,"{""campaign"": ""new year""}"\n${id},2012-01-03 09:00:00,page_view,\n`);
  await importFile(fx.ws, file, { kind: 'events', remember: false });
  const after = await get(`/customers/${encodeURIComponent(id)}?timeline=3`);
  assert.deepEqual(after.timeline.slice(0, 2).map((t) => [t.type, t.ts.slice(0, 10)]), [['page_view', '2012-01-03'], ['email_open', '2012-01-02']]);
  assert.equal(after.timeline[2]!.orderId, before.timeline[0]!.orderId);
  assert.equal((after.counts as unknown as { events: number }).events, 2);
});
