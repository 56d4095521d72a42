// Pinned runs (issue #14): `cluster(12).name = …` and a pack's `runs:` read one stored run, so an audience
// keeps its meaning after the next clustering, while `cluster.…` follows the latest run. Unknown runs and
// runs of another kind are errors with a code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initEarlyWorkspace } from '../helpers/audience-data.ts';
import { runCli as run } from '../helpers/cli.ts';
import { withOpenWorkspace, withTempDir } from '../helpers/workspace.ts';

test('a pinned cluster run keeps its count after the next clustering; the unpinned rule follows the new run', async () => {
  await withTempDir(async (dir) => {
    const { ws, files } = await initEarlyWorkspace(dir, 11, false);
    const count = async (...args: string[]) => {
      const r = await run(['audience', 'eval', ...args, '--no-store', '-w', ws, '--json']);
      assert.equal(r.code, 0, r.err);
      return JSON.parse(r.out).customers as number;
    };
    const clusterIds = (runId: number) => withOpenWorkspace(ws, (w) => w.db.all<{ cluster: number; n: number }>('SELECT cluster, count(*)::INTEGER AS n FROM run_clusters WHERE run_id = ? GROUP BY cluster', [runId]));
    const c1 = await run(['cluster', '--k', '3', '--seed', '1', '-w', ws, '--json']);
    assert.equal(c1.code, 0, c1.err);
    const run1 = JSON.parse(c1.out).runId as number;
    const n1 = new Map((await clusterIds(run1)).map((r) => [r.cluster, r.n]));

    const pinned = `cluster(${run1}).id = 0`;
    const before = await count('--where', pinned);
    assert.equal(before, n1.get(0));
    assert.equal(await count('--where', 'cluster.id = 0'), before);
    const pack = join(dir, 'pinned.yaml');
    writeFileSync(pack, `pack: pinned\nruns: {cluster: ${run1}}\naudiences:\n  - name: first-cluster\n    where: cluster.id = 0\n  - name: other\n    where: cluster.id != 0\n`);

    // a newer export and a second clustering with another k: the latest run changes
    assert.equal((await run(['import', files.transactions, '--kind', 'transactions', '-w', ws])).code, 0);
    const c2 = await run(['cluster', '--k', '5', '--seed', '2', '-w', ws, '--json']);
    assert.equal(c2.code, 0, c2.err);
    const run2 = JSON.parse(c2.out).runId as number;
    const n2 = new Map((await clusterIds(run2)).map((r) => [r.cluster, r.n]));
    assert.notEqual(n2.get(0), n1.get(0), 'the second run must differ for the test to mean anything');

    assert.equal(await count('--where', pinned), before, 'the pinned rule keeps its count');
    assert.equal(await count('--where', 'cluster.id = 0'), n2.get(0), 'the unpinned rule follows the latest run');
    assert.equal(await count('--where', `cluster(${run2}).id = 0`), n2.get(0));
    // the pack's pin applies to each of its audiences
    const p = await run(['audience', 'eval', pack, '--no-store', '-w', ws, '--json']);
    assert.equal(p.code, 0, p.err);
    const byName = Object.fromEntries((JSON.parse(p.out).results as { name: string; customers: number }[]).map((r) => [r.name, r.customers]));
    assert.equal(byName['first-cluster'], before);
    assert.equal(byName.other, [...n1.values()].reduce((a, b) => a + b, 0) - before);
    assert.equal(await count(pack, '--name', 'first-cluster'), before);

    // the formatter keeps the pin
    const f = await run(['audience', 'fmt', '--where', `all(CLUSTER('run ${run1}').ID = 0, rfm.segment != 'x')`]);
    assert.equal(f.code, 0, f.err);
    assert.equal(f.out.trim(), `all(CLUSTER(${run1}).ID = 0, rfm.segment != 'x')`);

    // an unknown run, a run of another kind: exit 2 with the code; a pack pinning an unknown run too
    const unknown = await run(['audience', 'eval', '--where', "cluster(9999).name = 'x'", '--no-store', '-w', ws, '--json']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.out + unknown.err, /unknown-run/);
    assert.match(unknown.out + unknown.err, new RegExp(`runs of cluster: ${run1}, ${run2}`));
    const wrong = await run(['audience', 'eval', '--where', `rfm(${run1}).segment = 'Champions'`, '--no-store', '-w', ws]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /wrong-run-kind|is a cluster run, not a rfm run/);
    writeFileSync(pack, 'pack: pinned\nruns: {cluster: 9999}\naudiences:\n  - name: first-cluster\n    where: cluster.id = 0\n');
    const badPack = await run(['audience', 'eval', pack, '--no-store', '-w', ws, '--json']);
    assert.equal(badPack.code, 2, badPack.err);
    assert.match(badPack.out + badPack.err, /unknown-run/);
  });
});
