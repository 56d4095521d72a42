import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../engines/index.ts';
import { Workspace, type Db } from '../store/workspace.ts';
import { recordRun } from '../store/runs.ts';
import { ClusterLabels } from './labels.ts';

/** A cluster run with the given profile z-scores (the only part of the summary the carry-over reads). */
async function clusterRun(ws: { db: Db }, runId: number, z: Record<string, number>[]) {
  await recordRun(ws.db, runId, 'cluster', '2020-01-01', { k: z.length }, {
    profiles: z.map((f, cluster) => ({ cluster, name: `c${cluster}`, features: Object.entries(f).map(([feature, v]) => ({ feature, z: v })) })),
  });
}

/** The carry-over on the runs table of `ws.db`, with its files in `ws.dir`. */
async function scenario(ws: { db: Db; dir: string }) {
  const L = new ClusterLabels(ws.dir);
  const lapsed = { recency: 1.5, frequency: -0.6 }, loyal = { recency: -0.8, frequency: 1.2 }, mid = { recency: 0, frequency: 0 };
  await clusterRun(ws, 1, [lapsed, loyal, mid]);
  // nothing labelled yet: nothing to carry, nothing recorded
  await clusterRun(ws, 2, [loyal, lapsed, mid]);
  assert.equal(await L.carryOver(ws.db, 2), undefined);
  assert.ok(!existsSync(join(ws.dir, 'server', 'cluster-matches.json')));
  L.set(1, 0, { name: 'Lapsed', note: 'win back', updatedBy: 'ann' });
  L.set(1, 1, { name: 'Loyal', owner: 'bob', actionable: true, updatedBy: 'ann' });
  // run 2 has no labels: read now, it takes run 1's, by match (its cluster 0 is run 1's cluster 1)
  const m2 = await L.carryOver(ws.db, 2);
  assert.equal(m2!.runId, 1);
  assert.deepEqual(m2!.features, ['frequency', 'recency']);
  assert.deepEqual(Object.fromEntries(Object.entries(m2!.clusters).map(([c, x]) => [c, x.cluster])), { 0: 1, 1: 0, 2: 2 });
  const l2 = L.ofRun(2);
  assert.deepEqual({ name: l2['0']!.name, owner: l2['0']!.owner, actionable: l2['0']!.actionable, from: l2['0']!.carriedFrom }, { name: 'Loyal', owner: 'bob', actionable: true, from: { runId: 1, cluster: 1 } });
  assert.deepEqual({ name: l2['1']!.name, note: l2['1']!.note, from: l2['1']!.carriedFrom }, { name: 'Lapsed', note: 'win back', from: { runId: 1, cluster: 0 } });
  assert.equal(l2['2'], undefined, 'matched, but its match had no label');
  // run 3: two known clusters moved a little, one far away; matched to run 2 (the latest labelled), not run 1
  await clusterRun(ws, 3, [{ recency: 1.45, frequency: -0.55 }, { recency: 3, frequency: 3 }, { recency: -0.75, frequency: 1.25 }]);
  const m3 = await L.carryOver(ws.db, 3);
  assert.equal(m3!.runId, 2);
  assert.deepEqual(Object.fromEntries(Object.entries(m3!.clusters).map(([c, x]) => [c, x.cluster])), { 0: 1, 1: null, 2: 0 });
  assert.ok(m3!.clusters['1']!.distance! > m3!.threshold);
  assert.deepEqual([L.ofRun(3)['0']?.name, L.ofRun(3)['1'], L.ofRun(3)['2']?.name], ['Lapsed', undefined, 'Loyal']);
  assert.deepEqual(L.ofRun(3)['0']!.carriedFrom, { runId: 2, cluster: 1 });
  // done once: a label set since is kept, and a second call changes nothing
  L.set(3, 1, { name: 'Big and frequent', updatedBy: 'cy' });
  assert.deepEqual(await L.carryOver(ws.db, 3), m3);
  assert.equal(L.ofRun(3)['1']!.name, 'Big and frequent');
  // a run older than every label has nothing to come from; a run with labels of its own is not matched
  assert.equal(await L.carryOver(ws.db, 1), undefined);
  await clusterRun(ws, 4, [lapsed]);
  L.set(4, 0, { name: 'Mine', updatedBy: 'ann' });
  assert.equal(await L.carryOver(ws.db, 4), undefined);
  assert.equal(L.ofRun(4)['0']!.carriedFrom, undefined);
  // no feature in common with the labelled run: every cluster is new
  await clusterRun(ws, 5, [{ tenure: 1 }, { tenure: -1 }]);
  const m5 = await L.carryOver(ws.db, 5);
  assert.equal(m5!.runId, 4);
  assert.deepEqual(m5!.features, []);
  assert.deepEqual(Object.values(m5!.clusters), [{ cluster: null, distance: null }, { cluster: null, distance: null }]);
}

test('carry-over: labels follow the matching clusters (renumbered), a far cluster is new, runs without labels or earlier than the labels are left alone, done once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'segmint-labels-'));
  const ws = await Workspace.open(join(dir, 'ws'), { create: true });
  try {
    await scenario(ws);
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

const PG = process.env.TEST_POSTGRES_URL;
test('carry-over on PostgreSQL: the same', { skip: PG ? false : 'TEST_POSTGRES_URL is not set (.ci/run sets it)' }, async () => {
  const schema = `segmint_labels_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'segmint-labels-pg-'));
  const admin = await openEngine(PG!);
  let db: Db | undefined;
  try {
    await admin.run(`CREATE SCHEMA ${schema}`);
    db = await openEngine(`${PG}?schema=${schema}`);
    await db.run('CREATE TABLE runs (run_id integer NOT NULL PRIMARY KEY, kind text NOT NULL, as_of timestamp, params json, summary json, created_at timestamp NOT NULL)');
    await scenario({ db, dir });
  } finally {
    await db?.close();
    await admin.run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
