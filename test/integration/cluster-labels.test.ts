// Cluster labels across re-runs, through the HTTP API on the server fixture: the detail route's figures
// against the stored rows, labels carried to the matching clusters of a new run (checked independently: the
// nearest centre by the test's own distances, and the cluster sharing most customers), "new — review" for a
// cluster with no match, a person's label replacing a carried one, and the carry-over of a run stored
// outside the server done when its labels are first read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serverFixture, type ServerFixture } from '../helpers/server.ts';
import { auth, waitForJob } from '../helpers/jobs-server.ts';
import { runClustering } from '../../src/pipeline/cluster.ts';

let fx: ServerFixture;
before(async () => {
  fx = await serverFixture({ clv: false });
});
after(async () => fx?.close());

interface Label { name?: string; note?: string; owner?: string; actionable?: boolean; updatedBy: string; carriedFrom?: { runId: number; cluster: number } }
interface Match { runId: number; cluster: number | null; distance: number | null; threshold: number }
interface DetailCluster { cluster: number; name: string; customers: number; share: number; persona: string; features: { feature: string; z: number | null }[]; traits: { words: string }[]; label: Label | null; match: Match | null; review: boolean }
interface Detail {
  runId: number; k: number; seed: number | null; features: string[]; customers: number; choice: unknown; fixedK?: string;
  clusters: DetailCluster[]; pca: { explained: number[]; x: number[]; y: number[]; cluster: number[] } | null; carry: { runId: number; threshold: number; features: string[] } | null;
}

const get = async <T>(url: string, token = fx.tokens.viewer): Promise<T> => {
  const r = await fx.app.inject({ method: 'GET', url, headers: auth(token) });
  assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
  return r.json<T>();
};
const put = async (run: number, cluster: number, body: object) => {
  const r = await fx.app.inject({ method: 'PUT', url: `/runs/${run}/clusters/${cluster}`, headers: auth(fx.tokens.analyst), payload: body });
  assert.equal(r.statusCode, 200, r.body);
};
const runCluster = async (body: object): Promise<{ runId: number; labelsCarriedFrom: number | null }> => {
  const r = await fx.app.inject({ method: 'POST', url: '/runs/cluster', headers: auth(fx.tokens.analyst), payload: body });
  assert.equal(r.statusCode, 202, r.body);
  const job = await waitForJob(fx.app, fx.tokens.analyst, r.json<{ id: string }>().id);
  assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
  return job.result as { runId: number; labelsCarriedFrom: number | null };
};

/** The test's own centre distance: root mean square of the z differences over the features both have. */
function distance(a: DetailCluster, b: DetailCluster): number {
  const zb = new Map(b.features.map((f) => [f.feature, f.z]));
  const shared = a.features.filter((f) => f.z !== null && typeof zb.get(f.feature) === 'number');
  return Math.sqrt(shared.reduce((s, f) => s + (f.z! - zb.get(f.feature)!) ** 2, 0) / shared.length);
}

/** Customers in both clusters, per (old cluster, new cluster), counted in the warehouse. */
async function overlap(from: number, to: number): Promise<Map<string, number>> {
  const rows = await fx.ws.db.all<{ a: number; b: number; n: number | bigint }>(
    'SELECT a.cluster AS a, b.cluster AS b, count(*) AS n FROM run_clusters a JOIN run_clusters b ON a.customer_id = b.customer_id WHERE a.run_id = ? AND b.run_id = ? GROUP BY 1, 2', [from, to]);
  return new Map(rows.map((r) => [`${r.a}:${r.b}`, Number(r.n)]));
}

test('cluster detail: sizes equal the stored rows, profiles and personas of every cluster, the PCA picture, why k (given here)', async () => {
  const d = await get<Detail>(`/runs/${fx.runs.cluster}/cluster-detail`);
  assert.equal(d.k, 3);
  assert.equal(d.seed, 1);
  assert.deepEqual(d.features, ['recency_days', 'frequency', 'monetary']);
  assert.equal(d.choice, null);
  assert.match(d.fixedK!, /k = 3 was given/);
  const counts = await fx.ws.db.all<{ c: number; n: number | bigint }>('SELECT cluster AS c, count(*) AS n FROM run_clusters WHERE run_id = ? GROUP BY 1 ORDER BY 1', [fx.runs.cluster]);
  assert.deepEqual(d.clusters.map((c) => [c.cluster, c.customers]), counts.map((r) => [Number(r.c), Number(r.n)]));
  assert.equal(d.customers, counts.reduce((s, r) => s + Number(r.n), 0));
  for (const c of d.clusters) {
    assert.ok(Math.abs(c.share - c.customers / d.customers) < 1e-12);
    assert.deepEqual(c.features.map((f) => f.feature), d.features);
    for (const f of c.features) assert.ok(Number.isFinite(f.z), `${c.name} ${f.feature}`);
    assert.ok(c.persona.startsWith(`${c.name}: ${c.customers.toLocaleString('en-US')} customers`), c.persona);
    assert.equal(c.label, null);
    assert.equal(c.match, null);
    assert.equal(c.review, false);
  }
  // the picture: a sample of at most 2,000 customers, each with its cluster
  assert.ok(d.pca && d.pca.x.length > 100 && d.pca.x.length <= 2000);
  assert.equal(d.pca.y.length, d.pca.x.length);
  assert.equal(d.pca.cluster.length, d.pca.x.length);
  assert.ok(d.pca.cluster.every((c) => c >= 0 && c < 3));
  assert.equal(d.pca.explained.length, 2);
  assert.equal(d.carry, null);
  // not a cluster run, no run
  const rfm = await fx.app.inject({ method: 'GET', url: `/runs/${fx.runs.rfm}/cluster-detail`, headers: auth(fx.tokens.viewer) });
  assert.equal(rfm.statusCode, 400);
  assert.equal(rfm.json<{ code: string }>().code, 'wrong-run-kind');
  assert.equal((await fx.app.inject({ method: 'GET', url: '/runs/99999/cluster-detail', headers: auth(fx.tokens.viewer) })).statusCode, 404);
});

test('labels carry over to the matching clusters of a re-run; a cluster with no match is "new — review"; a person\'s label replaces a carried one', async () => {
  const a = fx.runs.cluster;
  const before = await get<Detail>(`/runs/${a}/cluster-detail`);
  // label two clusters: the largest and the smallest
  const bySize = [...before.clusters].sort((x, y) => y.customers - x.customers);
  const big = bySize[0]!.cluster, small = bySize.at(-1)!.cluster;
  await put(a, big, { name: 'Everyday buyers', note: 'newsletter only' });
  await put(a, small, { name: 'Top customers', note: 'call them first', owner: 'ann', actionable: true });

  // the same k with another seed, from the API (a job)
  const rerun = await runCluster({ k: 3, seed: 7 });
  assert.equal(rerun.labelsCarriedFrom, a);
  const b = rerun.runId;
  const after = await get<Detail>(`/runs/${b}/cluster-detail`);
  assert.deepEqual(after.carry, { runId: a, threshold: 0.5, features: ['frequency', 'monetary', 'recency_days'] });
  const shared = await overlap(a, b);
  for (const [from, name] of [[big, 'Everyday buyers'], [small, 'Top customers']] as const) {
    const carried = after.clusters.filter((c) => c.label?.name === name);
    assert.equal(carried.length, 1, `${name} is on one cluster of run ${b}`);
    const c = carried[0]!;
    assert.deepEqual(c.label!.carriedFrom, { runId: a, cluster: from });
    // independently: of run b's clusters, this one is the nearest to the labelled centre, within the threshold
    const source = before.clusters.find((x) => x.cluster === from)!;
    const d = after.clusters.map((x) => distance(x, source));
    assert.equal(d.indexOf(Math.min(...d)), after.clusters.indexOf(c));
    assert.ok(d[after.clusters.indexOf(c)]! <= 0.5);
    assert.ok(Math.abs(c.match!.distance! - d[after.clusters.indexOf(c)]!) < 1e-12);
    // and it holds most of the labelled cluster's customers
    const most = after.clusters.map((x) => shared.get(`${from}:${x.cluster}`) ?? 0);
    assert.equal(most.indexOf(Math.max(...most)), after.clusters.indexOf(c));
    assert.equal(c.review, false);
  }
  const top = after.clusters.find((c) => c.label?.name === 'Top customers')!;
  assert.deepEqual({ note: top.label!.note, owner: top.label!.owner, actionable: top.label!.actionable }, { note: 'call them first', owner: 'ann', actionable: true });
  // the clusters list of the run says the same
  const list = await get<{ items: { cluster: number; label: Label | null; match: Match | null; review: boolean }[] }>(`/runs/${b}/clusters`);
  assert.deepEqual(list.items.map((i) => [i.cluster, i.label?.name ?? null, i.match?.cluster ?? null]), after.clusters.map((c) => [c.cluster, c.label?.name ?? null, c.match?.cluster ?? null]));
  assert.ok(existsSync(join(fx.dir, 'server', 'cluster-matches.json')));

  // four clusters against the three of the latest labelled run (b, whose labels were carried): at least one is new
  const four = await runCluster({ k: 4, seed: 1 });
  assert.equal(four.labelsCarriedFrom, b);
  const c4 = await get<Detail>(`/runs/${four.runId}/cluster-detail`);
  const fresh = c4.clusters.filter((c) => c.review);
  assert.ok(fresh.length >= 1);
  for (const c of fresh) {
    assert.equal(c.match!.cluster, null);
    assert.equal(c.label, null);
    assert.ok(c.match!.distance! > 0.5, `cluster ${c.cluster}: nearest ${c.match!.distance}`);
  }
  assert.ok(c4.clusters.filter((c) => c.match?.cluster !== null).length <= 3);
  // a person labels the new cluster: it is reviewed
  await put(four.runId, fresh[0]!.cluster, { name: 'Newcomers' });
  const reviewed = (await get<Detail>(`/runs/${four.runId}/cluster-detail`)).clusters.find((c) => c.cluster === fresh[0]!.cluster)!;
  assert.equal(reviewed.review, false);
  assert.equal(reviewed.label!.name, 'Newcomers');
  // a carried label set again by a person is theirs (no longer "carried")
  await put(b, top.cluster, { name: 'Top customers', note: 'call them first, then email' });
  const own = (await get<Detail>(`/runs/${b}/cluster-detail`)).clusters.find((c) => c.cluster === top.cluster)!;
  assert.equal(own.label!.carriedFrom, undefined);
  assert.equal(own.label!.updatedBy, 'test-analyst');
});

test('a cluster run stored outside the server gets the carried labels when they are first read', async () => {
  const labelledBefore = await get<{ items: { runId: number }[] }>('/runs?kind=cluster');
  const latest = labelledBefore.items.at(-1)!.runId;
  const run = await runClustering({ ws: fx.ws }, { k: 4, seed: 3 });
  assert.ok(run.runId! > latest);
  const d = await get<Detail>(`/runs/${run.runId}/cluster-detail`);
  assert.equal(d.carry?.runId, latest);
  const carried = d.clusters.filter((c) => c.label?.carriedFrom);
  assert.ok(carried.length >= 1);
  for (const c of carried) assert.equal(c.label!.carriedFrom!.runId, latest);
  // read again: the same (kept, not matched anew)
  const again = await get<Detail>(`/runs/${run.runId}/cluster-detail`);
  assert.deepEqual(again.clusters.map((c) => [c.label, c.match]), d.clusters.map((c) => [c.label, c.match]));
});
