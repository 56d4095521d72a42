// Cluster runs in audiences through the CLI: `cluster.…` rules read the latest cluster run, explain shows
// the observed values, and the migration matrix between two cluster runs (one after each of two imports of
// different periods) has the counts and revenue computed here from the stored labels and the raw rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEarlyWorkspace } from '../helpers/audience-data.ts';
import { runCli as run } from '../helpers/cli.ts';
import { withOpenWorkspace, withTempDir } from '../helpers/workspace.ts';

type Row = { customer_id: string; cluster: number; cluster_name: string; distance: number; probability: number | null };

test('cluster runs in audiences: rules, explain, and the migration matrix between two cluster runs across two imports', async () => {
  await withTempDir(async (dir) => {
    const { ws, files } = await initEarlyWorkspace(dir, 7, false);

    // before any cluster run: a clear diagnostic
    const none = await run(['audience', 'eval', '--where', "cluster.name = 'x'", '--no-store', '-w', ws]);
    assert.equal(none.code, 2);
    assert.match(none.err, /no-model-run|reads the latest stored cluster run/);

    const c1 = await run(['cluster', '--k', '3', '--seed', '1', '-w', ws, '--json']);
    assert.equal(c1.code, 0, c1.err);
    const run1 = JSON.parse(c1.out).runId as number;
    assert.equal((await run(['import', files.transactions, '--kind', 'transactions', '-w', ws])).code, 0);
    const c2 = await run(['cluster', '--k', '3', '--seed', '1', '-w', ws, '--json']);
    assert.equal(c2.code, 0, c2.err);
    const run2 = JSON.parse(c2.out).runId as number;

    const { rows1, rows2, asOf1, asOf2, tx } = await withOpenWorkspace(ws, async (w) => ({
      rows1: await w.db.all<Row>('SELECT customer_id, cluster, cluster_name, distance, probability FROM run_clusters WHERE run_id = ?', [run1]),
      rows2: await w.db.all<Row>('SELECT customer_id, cluster, cluster_name, distance, probability FROM run_clusters WHERE run_id = ?', [run2]),
      asOf1: (await w.db.one<{ d: string }>("SELECT strftime(as_of, '%Y-%m-%d') AS d FROM runs WHERE run_id = ?", [run1]))!.d,
      asOf2: (await w.db.one<{ d: string }>("SELECT strftime(as_of, '%Y-%m-%d') AS d FROM runs WHERE run_id = ?", [run2]))!.d,
      tx: await w.db.all<{ customer_id: string | null; ts: Date; amount: number }>('SELECT customer_id, ts, amount FROM transactions'),
    }));
    assert.ok(asOf1 < asOf2, `${asOf1} < ${asOf2}`);

    // rules read the latest run (run2)
    const byName = new Map<string, Row[]>();
    for (const r of rows2) byName.set(r.cluster_name, [...(byName.get(r.cluster_name) ?? []), r]);
    const [name] = [...byName.keys()].sort();
    const count = async (where: string) => {
      const r = await run(['audience', 'eval', '--where', where, '--no-store', '-w', ws, '--json']);
      assert.equal(r.code, 0, r.err);
      return JSON.parse(r.out).customers as number;
    };
    assert.equal(await count(`cluster.name = '${name!.replace(/'/g, "''")}'`), byName.get(name!)!.length);
    assert.equal(await count('cluster.id in (0, 2)'), rows2.filter((r) => r.cluster === 0 || r.cluster === 2).length);
    const dists = rows2.map((r) => r.distance).sort((a, b) => a - b);
    const cut = dists[Math.floor(dists.length / 2)]!;
    assert.equal(await count(`cluster.distance < ${cut}`), rows2.filter((r) => r.distance < cut).length);
    const mean = dists.reduce((a, b) => a + b, 0) / dists.length;
    assert.equal(await count('cluster.distance > avg'), rows2.filter((r) => r.distance > mean).length);
    // a k-means run has no probabilities: said so, with the fields it has
    const p = await run(['audience', 'eval', '--where', 'cluster.probability > 0.8', '--no-store', '-w', ws]);
    assert.equal(p.code, 2);
    assert.match(p.err, /no membership probabilities/);
    const typo = await run(['audience', 'eval', '--where', 'cluster.distnce < 1', '--no-store', '-w', ws]);
    assert.equal(typo.code, 2);
    assert.match(typo.err, /did you mean distance\?/);

    // explain shows the customer's cluster values
    const who = byName.get(name!)![0]!;
    const ex = JSON.parse((await run(['audience', 'explain', who.customer_id, '--where', `all(cluster.name = '${name!.replace(/'/g, "''")}', cluster.distance <= ${who.distance + 1})`, '-w', ws, '--json'])).out);
    assert.equal(ex.member, true);
    assert.equal(ex.explanation.items[0].observed, name);
    assert.ok(Math.abs(ex.explanation.items[1].observed - who.distance) < 1e-9);
    const human = await run(['audience', 'explain', who.customer_id, '--where', 'cluster.id = 99', '-w', ws]);
    assert.match(human.out, new RegExp(`✗ cluster\\.id = 99 {2}\\(observed: ${who.cluster}\\)`));

    // the migration matrix between the two runs: every customer of either run once, revenue between the as-of dates
    const m = JSON.parse((await run(['audience', 'migration', '--from', String(run1), '--to', String(run2), '-w', ws, '--json'])).out);
    const a = new Map(rows1.map((r) => [r.customer_id, r.cluster_name]));
    const b = new Map(rows2.map((r) => [r.customer_id, r.cluster_name]));
    const [from, to] = [new Date(`${asOf1}T00:00:00Z`), new Date(`${asOf2}T00:00:00Z`)];
    const spend = new Map<string, number>();
    for (const t of tx) if (t.customer_id !== null && t.ts >= from && t.ts < to) spend.set(t.customer_id, (spend.get(t.customer_id) ?? 0) + t.amount);
    const expected = new Map<string, { customers: number; revenue: number }>();
    for (const id of new Set([...a.keys(), ...b.keys()])) {
      const k = `${a.get(id) ?? '(not in run)'} → ${b.get(id) ?? '(not in run)'}`;
      const e = expected.get(k) ?? { customers: 0, revenue: 0 };
      e.customers++;
      e.revenue += spend.get(id) ?? 0;
      expected.set(k, e);
    }
    assert.equal(m.cells.length, expected.size);
    for (const c of m.cells as { from: string; to: string; customers: number; revenue: number }[]) {
      const e = expected.get(`${c.from} → ${c.to}`);
      assert.ok(e, `${c.from} → ${c.to}`);
      assert.equal(c.customers, e.customers, `${c.from} → ${c.to}`);
      assert.ok(Math.abs(c.revenue - e.revenue) < 1e-6 * Math.max(1, Math.abs(e.revenue)), `${c.from} → ${c.to}: ${c.revenue} vs ${e.revenue}`);
    }
    assert.ok(m.cells.some((c: { from: string; to: string }) => c.from === '(not in run)'), 'customers who first bought after the first import are new in the second run');
    assert.deepEqual(m.labels.to.filter((l: string) => l !== '(not in run)'), [...byName.keys()].sort());
    assert.match((await run(['audience', 'migration', '--from', String(run1), '--to', String(run2), '-w', ws])).out, /from \\ to/);

    // a mixture's run: cluster.probability reads its membership probabilities
    assert.equal((await run(['cluster', '--algorithm', 'gmm', '--k', '3', '--seed', '1', '-w', ws])).code, 0);
    const gmm = await withOpenWorkspace(ws, (w) => w.db.all<Row>("SELECT probability FROM run_clusters WHERE run_id = (SELECT max(run_id) FROM runs WHERE kind = 'cluster')"));
    assert.equal(await count('cluster.probability > 0.8'), gmm.filter((r) => r.probability !== null && r.probability > 0.8).length);
  });
});
