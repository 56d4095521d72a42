// Issue #14, everyday features: `segmint runs` lists the stored runs of every kind; `segmint migration`
// compares any two segmentations (defaults, --kind, --by, across kinds, --out); `audience eval --out
// --traits` carries the latest scores (rfm.segment, clv.clv, cluster.name); `audience diff --out`.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDataset } from '../../src/generate/index.ts';
import { writeEarlyExport } from '../helpers/audience-data.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir, withOpenWorkspace } from '../helpers/workspace.ts';

let dir = '';
let ws = '';
let cleanup = () => {};
const LAPSED = 'all(has orders, has no orders in last 60 days)';

async function ok(args: string[]): Promise<string> {
  const r = await runCli([...args, '-w', ws]);
  assert.equal(r.code, 0, `segmint ${args.join(' ')}: ${r.err}`);
  return r.out;
}
const okJson = async (args: string[]) => JSON.parse(await ok([...args, '--json']));
const ndjson = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const query = <T extends Record<string, unknown>>(sql: string, params: (string | number)[] = []) => withOpenWorkspace(ws, (w) => w.db.all<T>(sql, params));

// runs: 1 rfm, 2 cluster, 3 audience (first export); 4 rfm, 5 cluster, 6 audience (full file); 7 clv fit; 8, 9 clv predict
before(async () => {
  ({ dir, cleanup } = tempDir());
  ws = join(dir, 'ws');
  const g = await generateDataset({ preset: 'ecommerce', customers: 300, seed: 11, outDir: join(dir, 'gen') });
  const early = writeEarlyExport(g.files.transactions, join(dir, 'early.csv'), '2024-07-01');
  assert.equal((await runCli(['init', ws])).code, 0);
  await ok(['import', g.files.customers, '--kind', 'customers']);
  for (const file of [early, g.files.transactions]) {
    await ok(['import', file, '--kind', 'transactions']);
    await ok(['rfm']);
    await ok(['cluster', '--k', '3']);
    await ok(['audience', 'eval', '--where', LAPSED, '--name', 'lapsed']);
  }
  await ok(['clv', 'fit']);
  await ok(['clv', 'predict', '--horizon', '12', '--unit', 'month']);
  await ok(['clv', 'predict', '--horizon', '24', '--unit', 'month']);
});

after(() => cleanup());

test('runs and migration have --help with examples', async () => {
  for (const args of [['runs'], ['migration'], ['audience', 'migration'], ['audience', 'diff']]) {
    const r = await runCli([...args, '--help']);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.out, /Examples:/);
    assert.match(r.out, /--json/);
  }
});

test('segmint runs lists every kind with a one-line summary; --kind filters; an unknown kind is exit 2 with did-you-mean', async () => {
  const runs = await okJson(['runs']);
  assert.deepEqual(runs.map((r: { runId: number; kind: string }) => [r.runId, r.kind]),
    [[1, 'rfm'], [2, 'cluster'], [3, 'audience'], [4, 'rfm'], [5, 'cluster'], [6, 'audience'], [7, 'clv'], [8, 'clv-predict'], [9, 'clv-predict']]);
  const scored = await query<{ run_id: number; n: number; d: number }>('SELECT run_id, count(*) AS n, count(DISTINCT segment) AS d FROM run_scores GROUP BY run_id ORDER BY run_id');
  assert.equal(runs[3].customers, Number(scored[1]!.n));
  assert.equal(runs[3].segments, Number(scored[1]!.d));
  assert.equal(runs[3].summary, `${Number(scored[1]!.n)} customers, ${Number(scored[1]!.d)} segments`);
  assert.equal(runs[0].asOf, '2024-07-01');
  assert.equal(runs[1].k, 3);
  assert.match(runs[1].summary, /customers, k = 3 \(kmeans\)/);
  assert.equal(runs[2].name, 'lapsed');
  assert.match(runs[2].summary, /^lapsed: \d+ customers$/);
  assert.match(runs[6].summary, /^(bgnbd|mbgnbd|paretonbd) \+ gammagamma fit \(per week\) on \d+ customers$/);
  assert.match(runs[8].summary, /customers, 24 months ahead, fit run 7$/);
  for (const r of runs) assert.match(r.createdAt, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

  assert.deepEqual((await okJson(['runs', '--kind', 'cluster'])).map((r: { runId: number }) => r.runId), [2, 5]);
  const human = await ok(['runs', '--kind', 'rfm']);
  assert.match(human, /run\s+kind\s+as of\s+created\s+summary/);
  assert.equal(human.trim().split('\n').filter((l) => /^\d/.test(l)).length, 2);
  const bad = await runCli(['runs', '--kind', 'rmf', '-w', ws]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /did you mean rfm\?/);
});

test('segmint migration: the two latest RFM runs by default, entered/left for customers in one run only, --out per customer', async () => {
  const m = await okJson(['migration']);
  assert.deepEqual([m.from.runId, m.to.runId], [1, 4]);
  assert.equal(m.from.label, 'segment');
  const [only1, only4, both] = await withOpenWorkspace(ws, async (w) => Promise.all([
    w.db.one<{ n: number }>('SELECT count(*) AS n FROM (SELECT customer_id FROM run_scores WHERE run_id = 1 EXCEPT SELECT customer_id FROM run_scores WHERE run_id = 4)'),
    w.db.one<{ n: number }>('SELECT count(*) AS n FROM (SELECT customer_id FROM run_scores WHERE run_id = 4 EXCEPT SELECT customer_id FROM run_scores WHERE run_id = 1)'),
    w.db.one<{ n: number; same: number }>('SELECT count(*) AS n, count(*) FILTER (WHERE a.segment = b.segment) AS same FROM run_scores a JOIN run_scores b USING (customer_id) WHERE a.run_id = 1 AND b.run_id = 4'),
  ]));
  assert.ok(Number(only4!.n) > 0, 'customers who first bought after the first export entered');
  assert.deepEqual(m.customers, { stayed: Number(both!.same), moved: Number(both!.n) - Number(both!.same), entered: Number(only4!.n), left: Number(only1!.n) });
  const cellSum = (pred: (c: { from: string; to: string }) => boolean) => m.cells.filter(pred).reduce((a: number, c: { customers: number }) => a + c.customers, 0);
  assert.equal(cellSum((c) => c.from === '(entered)'), Number(only4!.n));
  assert.equal(cellSum((c) => c.to === '(left)'), Number(only1!.n));

  // --out: one row per customer of either run, the same moves as the matrix
  const file = join(dir, 'moves.ndjson');
  const withOut = await okJson(['migration', '--out', file]);
  assert.equal(withOut.out.rows, Number(both!.n) + Number(only1!.n) + Number(only4!.n));
  const rows = ndjson(file);
  assert.deepEqual(Object.keys(rows[0]!), ['customer_id', 'from_label', 'to_label', 'change', 'revenue']);
  for (const c of m.cells as { from: string; to: string; customers: number; revenue: number }[]) {
    const mine = rows.filter((r) => (r.from_label ?? '(entered)') === c.from && (r.to_label ?? '(left)') === c.to);
    assert.equal(mine.length, c.customers, `${c.from} → ${c.to}`);
    assert.ok(Math.abs(mine.reduce((a, r) => a + Number(r.revenue), 0) - c.revenue) < 1e-6 * Math.max(1, Math.abs(c.revenue)));
  }
  assert.ok(rows.every((r) => r.change === (r.from_label === null ? 'entered' : r.to_label === null ? 'left' : r.from_label === r.to_label ? 'stayed' : 'moved')));
  assert.equal((await runCli(['migration', '--out', file, '-w', ws])).code, 2, 'an existing --out needs --force');

  const human = await ok(['migration']);
  assert.match(human, /rfm run 1 \(segment, as of 2024-07-01\) → rfm run 4/);
  assert.match(human, /from \\ to/);
  assert.match(human, /stayed \d+, moved \d+, entered \d+ \(in run 4 only\), left \d+ \(in run 1 only\)/);
  // --to alone: the run of its kind before it
  assert.deepEqual(Object.values((await okJson(['migration', '--to', '4'])).from).slice(0, 2), [1, 'rfm']);
});

test('segmint migration: cluster runs, CLV or churn tiers with --by, audience snapshots, and across kinds', async () => {
  const cl = await okJson(['migration', '--kind', 'cluster']);
  assert.deepEqual([cl.from.runId, cl.to.runId, cl.from.label], [2, 5, 'cluster']);
  const names = await query<{ n: string }>('SELECT DISTINCT cluster_name AS n FROM run_clusters WHERE run_id = 5 ORDER BY 1');
  assert.deepEqual(cl.labels.to.filter((x: string) => x !== '(left)'), names.map((r) => r.n));

  const predicted = Number((await query<{ n: number }>('SELECT count(*) AS n FROM clv_predictions WHERE run_id = 9'))[0]!.n);
  const total = (m: { cells: { customers: number }[] }) => m.cells.reduce((a, c) => a + c.customers, 0);
  const tiers = await okJson(['migration', '--kind', 'clv-predict']);
  assert.deepEqual([tiers.from.runId, tiers.to.runId, tiers.to.label], [8, 9, 'CLV tier']);
  assert.equal(total(tiers), predicted);
  const churn = await okJson(['migration', '--kind', 'clv-predict', '--by', 'churn-tier']);
  assert.equal(churn.to.label, 'churn tier');
  const churnTiers = await query<{ t: string }>('SELECT DISTINCT churn_tier AS t FROM clv_predictions WHERE run_id = 9 AND churn_tier IS NOT NULL ORDER BY 1');
  assert.deepEqual(churn.labels.to.filter((x: string) => !x.startsWith('(')), churnTiers.map((r) => r.t));
  assert.deepEqual((await okJson(['migration', '--kind', 'clv-predict', '--by', 'churn'])).cells, churn.cells);

  // an RFM run against a cluster run: segments × cluster names
  const cross = await okJson(['migration', '--from', '4', '--to', '5']);
  assert.ok(cross.labels.from.includes('Champions') || cross.labels.from.length > 3, cross.labels.from.join());
  assert.deepEqual(cross.labels.to.filter((x: string) => x !== '(left)'), names.map((r) => r.n));
  const pairs = await query<{ s: string; c: string; n: number }>('SELECT a.segment AS s, b.cluster_name AS c, count(*) AS n FROM run_scores a JOIN run_clusters b USING (customer_id) WHERE a.run_id = 4 AND b.run_id = 5 GROUP BY 1, 2');
  for (const p of pairs) assert.equal(cross.cells.find((c: { from: string; to: string }) => c.from === p.s && c.to === p.c)?.customers, Number(p.n));

  // audience snapshots: the same answer from segmint migration and segmint audience migration, matching the diff
  const am = await okJson(['migration', '--kind', 'audience']);
  assert.deepEqual([am.from.runId, am.to.runId, am.to.name], [3, 6, 'lapsed']);
  // audience migration keeps its label for customers in one run only
  const old = await okJson(['audience', 'migration', '--from', '3', '--to', '6']);
  const renamed = (m: { cells: { from: string; to: string }[] }) => m.cells.map((c) => ({ ...c, from: c.from.replace('(entered)', '(not in run)'), to: c.to.replace('(left)', '(not in run)') }));
  assert.deepEqual(old.cells, renamed(am));
  assert.deepEqual(old.customers, am.customers);
  const oldRfm = await okJson(['audience', 'migration', '--from', '1', '--to', '4']);
  assert.ok(oldRfm.labels.from.includes('(not in run)') && !oldRfm.labels.from.includes('(entered)'));
  assert.deepEqual(oldRfm.cells, renamed(await okJson(['migration', '--from', '1', '--to', '4'])));
  const diff = await okJson(['audience', 'diff', '--name', 'lapsed']);
  const cell = (f: string, t: string) => am.cells.find((c: { from: string; to: string }) => c.from === f && c.to === t)?.customers ?? 0;
  assert.equal(cell('member', 'not a member'), diff.left.length);
  assert.equal(cell('not a member', 'member'), diff.entered.length);

  // refused: a CLV fit has no labels; --by on runs without tiers; unknown runs and kinds; one run of a kind
  const cases: [string[], RegExp][] = [
    [['--from', '7', '--to', '8'], /clv run, which has no per-customer labels/],
    [['--by', 'churn-tier'], /only clv-predict runs have CLV and churn tiers/],
    [['--kind', 'clv-predict', '--by', 'chrun'], /--by chrun: no such label; did you mean churn\?/],
    [['--from', '999', '--to', '1'], /no run 999/],
    [['--kind', 'clusters'], /did you mean cluster\?/],
    [['--from', '4'], /no other rfm runs after run 4/],
    [['--from', 'x', '--to', '1'], /expected a run id/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['migration', ...args, '-w', ws]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, message, args.join(' '));
  }
});

test('audience eval --out --traits carries the latest scores; an unknown name is exit 2 with did-you-mean and stores nothing', async () => {
  const file = join(dir, 'members.ndjson');
  const r = await okJson(['audience', 'eval', '--where', LAPSED, '--out', file, '--traits', 'country,rfm.segment,clv.clv,clv.churn_tier,cluster.name,rfm.score']);
  assert.ok(r.customers > 0);
  const rows = ndjson(file);
  assert.equal(rows.length, r.customers);
  assert.deepEqual(Object.keys(rows[0]!), ['customer_id', 'country', 'rfm.segment', 'clv.clv', 'clv.churn_tier', 'cluster.name', 'rfm.score']);
  const expected = new Map((await query<{ id: string; seg: string | null; code: number | null; clv: number | null; churn: string | null; cname: string | null }>(`
    SELECT c.customer_id AS id, s.segment AS seg, s.score_code AS code, p.clv, p.churn_tier AS churn, k.cluster_name AS cname FROM customers c
    LEFT JOIN run_scores s ON s.customer_id = c.customer_id AND s.run_id = 4
    LEFT JOIN clv_predictions p ON p.customer_id = c.customer_id AND p.run_id = 9
    LEFT JOIN run_clusters k ON k.customer_id = c.customer_id AND k.run_id = 5`)).map((x) => [x.id, x]));
  for (const row of rows) {
    const e = expected.get(String(row.customer_id))!;
    assert.equal(row['rfm.segment'], e.seg);
    assert.equal(row['rfm.score'], e.code === null ? null : Number(e.code));
    assert.equal(row['clv.clv'], e.clv);
    assert.equal(row['clv.churn_tier'], e.churn);
    assert.equal(row['cluster.name'], e.cname);
  }
  assert.ok(rows.some((x) => x['rfm.segment'] !== null) && rows.some((x) => x['cluster.name'] !== null));

  const runsBefore = (await okJson(['runs'])).length;
  const cases: [string, RegExp][] = [
    ['rfm.segmnt', /rfm has no field segmnt; did you mean rfm\.segment\?/],
    ['cluster.nmae', /did you mean cluster\.name\?/],
    ['contry', /did you mean country\?/],
    ['lrfmp.segment', /reads the latest stored lrfmp run, and this workspace has none/],
    ['cluster.probability', /no membership probabilities/],
  ];
  for (const [trait, message] of cases) {
    const bad = await runCli(['audience', 'eval', '--where', LAPSED, '--out', join(dir, 'bad.csv'), '--traits', trait, '-w', ws]);
    assert.equal(bad.code, 2, trait);
    assert.match(bad.err, message, trait);
  }
  assert.equal((await okJson(['runs'])).length, runsBefore, 'a refused --traits stores no snapshot');
});

test('audience diff --out writes who entered and who left', async () => {
  const file = join(dir, 'diff.csv');
  const d = await okJson(['audience', 'diff', '--name', 'lapsed', '--out', file]);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'customer_id,change');
  const rows = lines.slice(1).map((l) => l.split(','));
  assert.deepEqual(rows.filter((x) => x[1] === 'entered').map((x) => x[0]), d.entered);
  assert.deepEqual(rows.filter((x) => x[1] === 'left').map((x) => x[0]), d.left);
  assert.equal(d.out.rows, d.entered.length + d.left.length);
  assert.match(await ok(['audience', 'diff', '--name', 'lapsed', '--out', file, '--force']), /wrote \d+ customers to/);
});
