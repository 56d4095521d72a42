import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/render.ts';
import { generateDataset } from '../../src/generate/index.ts';
import { adjustedRandIndex } from '../../src/models/cluster/index.ts';
import { buildReport } from '../../src/report/index.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { readCsv } from '../helpers/csv.ts';
import { shared, withTempDir } from '../helpers/workspace.ts';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const io: Io = { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`), interactive: false };
  const code = await main(args, io);
  return { code, out, err };
}

/** `segmint generate` data of a preset imported (transactions) into a new workspace in dir. */
async function generatedWorkspace(dir: string, preset: 'ecommerce' | 'grocery', customers: number) {
  const gen = await generateDataset({ preset, customers, seed: 4, outDir: join(dir, 'gen') });
  const ws = join(dir, 'ws');
  assert.equal((await run(['init', ws])).code, 0);
  assert.equal((await run(['import', gen.files.transactions, '--kind', 'transactions', '-w', ws])).code, 0);
  assert.equal((await run(['import', gen.files.customers, '--kind', 'customers', '-w', ws])).code, 0);
  return { gen, ws };
}

test('cluster --help has examples and the global options', async () => {
  const r = await run(['cluster', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /Examples:[\s\S]*--input/);
  assert.match(r.out, /--json/);
  assert.match(r.out, /--workspace/);
});

test('cluster on a workspace: RFM features, k chosen, a stored run and --out with one row per customer', async () => {
  await withTempDir(async (dir) => {
    const { ws } = await generatedWorkspace(dir, 'ecommerce', 400);
    const out = join(dir, 'clusters.csv');
    const r = await run(['cluster', '-w', ws, '--log1p', 'frequency,monetary', '--seed', '2', '--json', '--out', out]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.features, ['recency_days', 'frequency', 'monetary']);
    assert.ok(j.k >= 2 && j.k <= 10 && j.choice.k === j.k, j.choice.reason);
    assert.equal(j.sqlDisagreements, 0);
    assert.equal(j.clusters.reduce((s: number, c: { customers: number }) => s + c.customers, 0), j.customers.clustered);
    // revenue shares from the monetary metric add up to 1
    assert.ok(Math.abs(j.clusters.reduce((s: number, c: { criteria: { substantial: { revenueShare: number } } }) => s + c.criteria.substantial.revenueShare, 0) - 1) < 1e-9);
    assert.equal(j.picture, undefined);
    const rows = readCsv(out);
    assert.deepEqual(rows.header, ['customer_id', 'cluster', 'cluster_name', 'distance']);
    assert.equal(rows.rows.length, j.customers.clustered);
    const names = new Set(j.clusters.map((c: { name: string }) => c.name));
    assert.ok(rows.rows.every((x) => names.has(x[2]!)));
    const w = await Workspace.open(ws);
    try {
      const run1 = await w.db.one<{ kind: string; summary: string }>('SELECT kind, CAST(summary AS VARCHAR) AS summary FROM runs WHERE run_id = ?', [j.runId]);
      assert.equal(run1?.kind, 'cluster');
      assert.equal(JSON.parse(run1!.summary).model.k, j.k);
      // the report gets the cluster section with its four charts, and no NaN anywhere
      const html = await buildReport(w.db);
      for (const title of ['Choosing k: silhouette and stability', 'Choosing k: inertia (the elbow)', 'Clusters on the first two principal components', 'Cluster profiles (z-scores)', 'Cluster size against revenue']) {
        assert.ok(html.includes(title), title);
      }
      for (const c of j.clusters) assert.ok(html.includes(c.name), c.name);
      assert.ok(!/NaN/.test(html));
    } finally {
      w.close();
    }
  });
});

test('planted grocery segments recovered through the workspace: segmint generate → import → cluster --shares department (ARI ≥ 0.9)', async () => {
  await withTempDir(async (dir) => {
    const { gen, ws } = await generatedWorkspace(dir, 'grocery', 1500);
    const out = join(dir, 'clusters.csv');
    const r = await run(['cluster', '-w', ws, '--shares', 'department', '--k', '5', '--seed', '1', '--json', '--out', out]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.features, ['bakery_share', 'dairy_share', 'gourmet_share', 'household_share', 'meat_share', 'pantry_share', 'produce_share']);
    const truth = new Map(readCsv(gen.files.groundTruth).rows.map((x) => [x[0]!, x[1]!]));
    const segments = [...new Set(truth.values())];
    const rows = readCsv(out).rows;
    assert.equal(rows.length, 1500);
    const ari = adjustedRandIndex(rows.map((x) => Number(x[1])), rows.map((x) => segments.indexOf(truth.get(x[0]!)!)));
    assert.ok(ari >= 0.9, `ARI ${ari}`);
    for (const name of ['Meat lovers', 'Gourmet lovers', 'Produce lovers']) assert.ok(j.clusters.some((c: { name: string }) => c.name === name), name);
    // accessible: the share of each cluster with e-mail opt-in (customers.csv), against a count from the file
    const cu = readCsv(gen.files.customers);
    const optIn = new Map(cu.rows.map((x) => [x[0]!, x[cu.header.indexOf('email_opt_in')] === 'true']));
    for (const c of j.clusters) {
      const members = rows.filter((x) => Number(x[1]) === c.cluster);
      assert.ok(Math.abs(c.criteria.accessible.shareWithContact - members.filter((x) => optIn.get(x[0]!)).length / members.length) < 1e-12);
    }
  });
});

test('cluster --input: bad usage is exit code 2 with a coded error', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'c.csv');
    writeFileSync(file, 'id,spend,region,empty\na,1,north,\nb,2,south,\nc,3,north,\nd,40,south,\n');
    assert.match((await run(['cluster', '--input', file, '--id-column', 'id', '--features', 'spend,empty', '-w', dir])).err, /error\[empty-feature\]: --features empty: every value is missing/);
    const cat = await run(['cluster', '--input', file, '--id-column', 'id', '--features', 'spend,region', '-w', dir]);
    assert.equal(cat.code, 2);
    assert.match(cat.err, /error\[categorical-as-numeric\][\s\S]*--categorical region/);
    const unknown = await run(['cluster', '--input', file, '--id-column', 'id', '--features', 'spnd', '-w', dir]);
    assert.match(unknown.err, /error\[unknown-feature\][\s\S]*did you mean spend/);
    assert.match((await run(['cluster', '--input', file, '-w', dir])).err, /error\[invalid-option\]/);
    assert.match((await run(['cluster', '--input', file, '--id-column', 'id', '--algorithm', 'kprototypes', '-w', dir])).err, /error\[k-required\]/);
    const k = await run(['cluster', '--input', file, '--id-column', 'id', '--k', '9', '-w', dir]);
    assert.match(k.err, /error\[invalid-k\]/);
    const ok = await run(['cluster', '--input', file, '--id-column', 'id', '--categorical', 'region', '--k', '2', '-w', dir, '--json']);
    assert.equal(ok.code, 0, ok.err);
    assert.equal(JSON.parse(ok.out).runId, null);
    writeFileSync(join(dir, 'one.csv'), 'id,spend\na,1\n');
    assert.match((await run(['cluster', '--input', join(dir, 'one.csv'), '--id-column', 'id', '-w', dir])).err, /error\[too-few-customers\]/);
  });
});

const cc = shared('cc-general/CC GENERAL.csv');
test('cc-general clusters through the CLI with missing values imputed and counted, and readable names', { skip: cc.skip }, async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, 'cards.csv');
    const features = 'BALANCE,PURCHASES,ONEOFF_PURCHASES,INSTALLMENTS_PURCHASES,CASH_ADVANCE,PURCHASES_FREQUENCY,CREDIT_LIMIT,PAYMENTS,MINIMUM_PAYMENTS,PRC_FULL_PAYMENT';
    const r = await run(['cluster', '--input', cc.path, '--id-column', 'CUST_ID', '--features', features, '--log1p', 'auto', '--k', '5', '--seed', '1', '--json', '--out', out, '-w', dir]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.missing, { CREDIT_LIMIT: 1, MINIMUM_PAYMENTS: 313 });
    assert.equal(j.customers.clustered, 8950);
    assert.equal(j.sqlDisagreements, 0);
    const names: string[] = j.clusters.map((c: { name: string }) => c.name);
    assert.equal(new Set(names).size, 5);
    assert.ok(names.some((n) => /cash-advance/i.test(n)), names.join(', '));
    for (const c of j.clusters) assert.match(c.persona, /customers \(\d+\.\d% of all\)/);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 8951);
  });
});

const mall = shared('mall-customers/Mall_Customers.csv');
test('Mall customers through the CLI: the five income × spending groups', { skip: mall.skip }, async () => {
  await withTempDir(async (dir) => {
    const r = await run(['cluster', '--input', mall.path, '--id-column', 'CustomerID', '--features', 'Annual Income (k$),Spending Score (1-100)', '--seed', '1', '--json', '-w', dir]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.k, 5);
    assert.deepEqual(j.clusters.map((c: { name: string }) => c.name).sort(),
      ['Average customers', 'High-income high-spend customers', 'High-income low-spend customers', 'Low-income high-spend customers', 'Low-income low-spend customers']);
  });
});

test('Mall customers as a Gaussian mixture: k = 5 by BIC, the same five groups, probabilities in --out', { skip: mall.skip }, async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, 'mall.csv');
    const r = await run(['cluster', '--input', mall.path, '--id-column', 'CustomerID', '--features', 'Annual Income (k$),Spending Score (1-100)', '--algorithm', 'gmm', '--seed', '1', '--json', '--out', out, '-w', dir]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.k, 5);
    assert.match(j.choice.reason, /^k = 5 has the lowest BIC/);
    assert.equal(j.sqlDisagreements, 0);
    assert.equal(j.model.mixture.covariance, 'full');
    assert.equal(new Set(j.clusters.map((c: { name: string }) => c.name)).size, 5);
    const rows = readCsv(out);
    assert.deepEqual(rows.header, ['customer_id', 'cluster', 'cluster_name', 'distance', 'probability']);
    assert.ok(rows.rows.every((x) => Number(x[4]) > 0.2 && Number(x[4]) <= 1));
  });
});

test('cluster --input: rows taken in id order whatever the file order; --out without a workspace written straight from the engine, in id order, as exportClusters writes it', async () => {
  const { Random } = await import('../../src/models/random.ts');
  const { openMemoryDb } = await import('../../src/store/workspace.ts');
  const { exportClusters, runClustering } = await import('../../src/pipeline/cluster.ts');
  await withTempDir(async (dir) => {
    // three groups in 3 features; ids whose text order is not their numeric order; a few blank cells
    const rng = new Random(11);
    const lines = Array.from({ length: 3000 }, (_, i) => {
      const g = i % 3, id = `c${rng.int(0, 1_000_000)}-${i}`;
      const v = [0, 1, 2].map((j) => (g === j ? 5 : 0) + rng.normal());
      return `${id},${v.map((x, j) => (j === 2 && i % 97 === 5 ? '' : x.toFixed(6))).join(',')}`;
    });
    const byId = [...lines].sort((a, b) => (a.split(',')[0]! < b.split(',')[0]! ? -1 : 1));
    const shuffled = [...lines];
    for (let i = shuffled.length - 1; i > 0; i--) { const j = rng.int(0, i); [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]; }
    const write = (name: string, rows: string[]) => { const f = join(dir, name); writeFileSync(f, `id,a,b,c\n${rows.join('\n')}\n`); return f; };
    const files = { sorted: write('sorted.csv', byId), shuffled: write('shuffled.csv', shuffled) };
    for (const extra of [['--k', '3'], ['--k', '3', '--missing', 'exclude'], ['--k', '3', '--algorithm', 'gmm']]) {
      const outs: Record<string, string> = {};
      const json: Record<string, { out: { rows: number }; clusters: unknown; customers: { clustered: number }; sqlDisagreements: number }> = {};
      for (const [name, file] of Object.entries(files)) {
        const out = join(dir, `${name}-out.csv`);
        const r = await run(['cluster', '--input', file, '--id-column', 'id', '--seed', '1', ...extra, '--json', '--out', out, '--force', '-w', dir]);
        assert.equal(r.code, 0, r.err);
        json[name] = JSON.parse(r.out);
        outs[name] = readFileSync(out, 'utf8');
      }
      // the same fit and the same file whatever the order of the rows in the input
      assert.equal(outs.shuffled, outs.sorted, extra.join(' '));
      assert.deepEqual(json.shuffled!.clusters, json.sorted!.clusters);
      assert.equal(json.sorted!.sqlDisagreements, 0);
      const rows = readCsv(join(dir, 'shuffled-out.csv'));
      assert.deepEqual(rows.header, ['customer_id', 'cluster', 'cluster_name', 'distance', ...(extra.includes('gmm') ? ['probability'] : [])]);
      const excluded = extra.includes('exclude') ? byId.filter((l) => l.endsWith(',')).length : 0;
      assert.ok(excluded === 0 || excluded > 20);
      assert.equal(rows.rows.length, 3000 - excluded);
      assert.equal(json.shuffled!.out.rows, 3000 - excluded);
      assert.equal(json.shuffled!.customers.clustered, 3000 - excluded);
      // in id order, the ids of the file (less the excluded rows)
      assert.deepEqual(rows.rows.map((x) => x[0]), byId.filter((l) => !(excluded && l.endsWith(','))).map((l) => l.split(',')[0]));
      // the three planted groups
      const truth = rows.rows.map((x) => Number(x[0]!.split('-')[1]) % 3);
      assert.ok(adjustedRandIndex(rows.rows.map((x) => Number(x[1])), truth) > 0.95);
      // the file written straight from the join is the file exportClusters writes from the run's table
      const mem = await openMemoryDb();
      try {
        const opts = { input: { file: files.shuffled, idColumn: 'id' }, k: 3, seed: 1, ...(extra.includes('exclude') ? { missing: 'exclude' as const } : {}), ...(extra.includes('gmm') ? { algorithm: 'gmm' as const } : {}) };
        const r = await runClustering({ db: mem.db }, opts);
        assert.equal(r.out, undefined);
        const file = join(dir, 'export.csv');
        assert.equal((await exportClusters(mem.db, null, file)).rows, 3000 - excluded);
        assert.equal(readFileSync(file, 'utf8'), outs.shuffled);
      } finally {
        mem.close();
      }
    }
  });
});

test('cluster --input: the model\'s SQL is checked on the sample by the input\'s rowid, and by a column of the fit when the file has a column named rowid (which hides DuckDB\'s)', async () => {
  const { Random } = await import('../../src/models/random.ts');
  const { openMemoryDb } = await import('../../src/store/workspace.ts');
  const { runClustering } = await import('../../src/pipeline/cluster.ts');
  await withTempDir(async (dir) => {
    const rng = new Random(5);
    // more rows than the sample (10,000), ids whose text order is not the file's
    const rows = Array.from({ length: 12_000 }, (_, i) => {
      const g = i % 3;
      return [`c${(i * 7919) % 12_000}`, ...[0, 1, 2].map((j) => ((g === j ? 4 : 0) + rng.normal()).toFixed(6)), String(rng.int(0, 99))];
    });
    const plain = join(dir, 'plain.csv'), withRowid = join(dir, 'rowid.csv');
    writeFileSync(plain, `id,a,b,c,other\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    writeFileSync(withRowid, `id,a,b,c,ROWID\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const results = [];
    for (const file of [plain, withRowid]) {
      const mem = await openMemoryDb();
      try {
        results.push(await runClustering({ db: mem.db }, { input: { file, idColumn: 'id' }, features: ['a', 'b', 'c'], k: 3, seed: 2, outFile: join(dir, 'out.csv') }));
      } finally {
        mem.close();
      }
    }
    const [a, b] = results as [Awaited<ReturnType<typeof runClustering>>, Awaited<ReturnType<typeof runClustering>>];
    assert.equal(a.sqlDisagreements, 0);
    assert.equal(b.sqlDisagreements, 0);
    assert.equal(a.picture.customerIds.length, 10_000);
    // the sample's ids: the rows the fit sampled, whichever way they were looked up
    assert.deepEqual(b.picture.customerIds, a.picture.customerIds);
    assert.deepEqual(b.clusters, a.clusters);
    // each picture id's cluster is the one the output file gives that id
    const written = new Map(readCsv(join(dir, 'out.csv')).rows.map((r) => [r[0]!, Number(r[1])]));
    assert.equal(written.size, 12_000);
    assert.deepEqual(a.picture.customerIds.map((id) => written.get(id)), a.picture.cluster);
  });
});
