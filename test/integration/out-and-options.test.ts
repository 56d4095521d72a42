// Issue #20, defects 2 and 7: every --out is checked before any work (the workspace's own files, existing
// files without --force, missing folders) and written through a temporary file; numeric options are bounded.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateDataset } from '../../src/generate/index.ts';
import { boundedNumber } from '../../src/cli/options.ts';
import { checkOutFile, copyToFile } from '../../src/pipeline/export.ts';
import { importFile } from '../../src/store/import/index.ts';
import { openMemoryDb, Workspace } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { FIXTURES, tempDir, withOpenWorkspace, withTempDir } from '../helpers/workspace.ts';

let dir = '';
let ws = '';
let cleanup = () => {};

/** rows of the runs table */
const runCount = () => withOpenWorkspace(ws, async (w) => Number((await w.db.one<{ n: number }>('SELECT count(*) AS n FROM runs'))!.n));

before(async () => {
  ({ dir, cleanup } = tempDir());
  ws = join(dir, 'ws');
  const g = await generateDataset({ preset: 'ecommerce', customers: 300, seed: 3, outDir: join(dir, 'gen') });
  assert.equal((await runCli(['init', ws])).code, 0);
  const imp = await runCli(['import', g.files.transactions, '--kind', 'transactions', '-w', ws]);
  assert.equal(imp.code, 0, imp.err);
  const fit = await runCli(['clv', 'fit', '-w', ws]);
  assert.equal(fit.code, 0, fit.err);
});

after(() => cleanup());

test('report --out onto the workspace\'s own files is refused, by any path, and the workspace still opens', async () => {
  const db = join(ws, 'segmint.duckdb');
  const dbBytes = readFileSync(db);
  const yaml = readFileSync(join(ws, 'segmint.yaml'), 'utf8');
  mkdirSync(join(dir, 'links'), { recursive: true });
  symlinkSync(db, join(dir, 'links', 'db-link.html'));
  symlinkSync(ws, join(dir, 'links', 'ws-link'));
  const targets = [
    db,
    join(ws, 'segmint.yaml'),
    join(ws, 'segmint.duckdb.wal'),
    join(dir, 'gen', '..', 'ws', 'segmint.duckdb'),
    join(dir, 'links', 'db-link.html'),
    join(dir, 'links', 'ws-link', 'segmint.yaml'),
  ];
  for (const out of targets) {
    for (const force of [[], ['--force']]) {
      const r = await runCli(['report', '-w', ws, '--out', out, ...force]);
      assert.equal(r.code, 2, `${out} ${force.join('')}: ${r.err}`);
      assert.match(r.err, /error\[out-is-workspace-file\]: --out .* is the workspace file .*segmint\.(duckdb|yaml)/, out);
      assert.match(r.err, /hint: /);
    }
  }
  assert.deepEqual(readFileSync(db), dbBytes);
  assert.equal(readFileSync(join(ws, 'segmint.yaml'), 'utf8'), yaml);
  assert.ok(!existsSync(join(ws, 'segmint.duckdb.wal')) || !readFileSync(join(ws, 'segmint.duckdb.wal'), 'utf8').includes('<html'));
  // the same guard on a table export
  const rfm = await runCli(['rfm', '-w', ws, '--out', join(ws, 'segmint.duckdb.csv'), '--force']);
  assert.equal(rfm.code, 2);
  assert.match(rfm.err, /error\[out-is-workspace-file\]/);
  // still a working workspace
  assert.equal(await runCount(), 1);
  const report = await runCli(['report', '-w', ws, '--json']);
  assert.equal(report.code, 0, report.err);
});

test('rfm --out onto an existing file is refused without --force (no run stored) and replaces it with --force', async () => {
  const out = join(dir, 'existing.csv');
  writeFileSync(out, 'keep me\n');
  const runs = await runCount();
  const refused = await runCli(['rfm', '-w', ws, '--out', out]);
  assert.equal(refused.code, 2, refused.err);
  assert.match(refused.err, /error\[out-exists\]: --out .*existing\.csv already exists/);
  assert.match(refused.err, /hint: pass --force/);
  assert.equal(readFileSync(out, 'utf8'), 'keep me\n');
  assert.equal(await runCount(), runs, 'a refused --out stores no run');

  const forced = await runCli(['rfm', '-w', ws, '--out', out, '--force', '--json']);
  assert.equal(forced.code, 0, forced.err);
  assert.equal(JSON.parse(forced.out).out.file, out);
  assert.match(readFileSync(out, 'utf8'), /^customer_id,recency_days,/);
  assert.equal(await runCount(), runs + 1);
  // no temporary file left beside it
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('rfm --out into a missing folder exits 2 before the run is stored; so do an unknown extension and a folder', async () => {
  const runs = await runCount();
  const missing = await runCli(['rfm', '-w', ws, '--out', join(dir, 'missing', 'dir', 'x.csv')]);
  assert.equal(missing.code, 2, missing.err);
  assert.match(missing.err, /error\[out-folder-missing\]: --out .*x\.csv: the folder .*missing[/\\]dir does not exist/);
  const ext = await runCli(['lrfmp', '-w', ws, '--out', join(dir, 'x.txt')]);
  assert.equal(ext.code, 2);
  assert.match(ext.err, /error\[invalid-option\]: --out .*x\.txt: unknown extension/);
  const folder = await runCli(['rfm', '-w', ws, '--out', join(dir, 'gen'), '--force']);
  assert.equal(folder.code, 2);
  const predict = await runCli(['clv', 'predict', '--horizon', '12', '--unit', 'month', '-w', ws, '--out', join(dir, 'nope', 'p.csv')]);
  assert.equal(predict.code, 2);
  assert.match(predict.err, /error\[out-folder-missing\]/);
  const cluster = await runCli(['cluster', '--k', '3', '-w', ws, '--out', join(dir, 'nope', 'c.csv')]);
  assert.equal(cluster.code, 2);
  assert.match(cluster.err, /error\[out-folder-missing\]/);
  const audience = await runCli(['audience', 'eval', '--where', 'orders >= 1', '-w', ws, '--out', join(dir, 'nope', 'a.csv')]);
  assert.equal(audience.code, 2);
  assert.match(audience.err, /error\[out-folder-missing\]/);
  assert.equal(await runCount(), runs, 'no run stored');
});

test('clv predict --horizon 1e9 --unit month exits 2 at once, naming the option, the value and the range', async () => {
  const t0 = Date.now();
  const r = await runCli(['clv', 'predict', '--horizon', '1e9', '--unit', 'month', '-w', ws]);
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /error\[invalid-option\]: --horizon 1e9: expected a number above 0 and up to 1200 \(100 years in months\)/);
  const days = await runCli(['clv', 'predict', '--horizon', '100000', '--unit', 'day', '-w', ws]);
  assert.equal(days.code, 2);
  assert.match(days.err, /--horizon 100000: expected a number above 0 and up to 36,525/);
  for (const [args, re] of [
    [['clv', 'predict', '--horizon', '12', '--unit', 'month', '--margin', '2'], /--margin 2: expected a number above 0 and up to 1/],
    [['clv', 'predict', '--horizon', '12', '--unit', 'month', '--discount-rate', '50'], /--discount-rate 50: expected a number from 0 to 1/],
    [['clv', 'predict', '--horizon', '12', '--unit', 'month', '--fit', '1.5'], /--fit 1\.5: expected a whole number from 1 to/],
    [['clv', 'fit', '--penalizer', '1e300'], /--penalizer 1e300: expected a number from 0 to 1000/],
    [['rfm', '--bins', '1e9'], /--bins 1e9: expected a whole number from 2 to 9/],
    [['cluster', '--k', '1e9'], /--k 1e9: expected a whole number from 1 to 100/],
    [['cluster', '--k-max', '5000'], /--k-max 5000: expected a whole number from 2 to 100/],
    [['cluster', '--restarts', '1e6'], /--restarts 1e6: expected a whole number from 1 to 100/],
    [['cluster', '--seed', '-1'], /--seed -1: expected a whole number from 0 to 4,294,967,295/],
    [['cluster', '--winsorize', '0.7'], /--winsorize 0\.7: expected a number from 0 to below 0\.5/],
    [['audience', 'diff', '--limit', '1e12'], /--limit 1e12: expected a whole number from 0 to 1,000,000/],
    [['generate', '--preset', 'grocery', '--customers', '1e12', '--out', join(dir, 'g2')], /--customers 1e12: expected a whole number from 1 to 50,000,000/],
    [['generate', '--preset', 'grocery', '--months', '9999', '--out', join(dir, 'g2')], /--months 9999: expected a whole number from 1 to 240/],
  ] as const) {
    const res = await runCli([...args, '-w', ws]);
    assert.equal(res.code, 2, `${args.join(' ')}: ${res.err}`);
    assert.match(res.err, re, args.join(' '));
  }
  assert.ok(!existsSync(join(dir, 'g2')));
});

test('clv predict at the longest horizon finishes', async () => {
  const r = await runCli(['clv', 'predict', '--horizon', '1200', '--unit', 'month', '-w', ws, '--json']);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).horizon, 1200);
});

test('generate --out refuses a workspace folder and existing files without --force', async () => {
  const intoWs = await runCli(['generate', '--preset', 'grocery', '--customers', '20', '--out', ws, '--force']);
  assert.equal(intoWs.code, 2);
  assert.match(intoWs.err, /error\[out-is-workspace\]/);
  const out = join(dir, 'gen-small');
  assert.equal((await runCli(['generate', '--preset', 'grocery', '--customers', '20', '--out', out])).code, 0);
  const again = await runCli(['generate', '--preset', 'grocery', '--customers', '20', '--seed', '2', '--out', out]);
  assert.equal(again.code, 2);
  assert.match(again.err, /error\[out-exists\]: --out .* already holds customers\.csv/);
  const forced = await runCli(['generate', '--preset', 'grocery', '--customers', '20', '--seed', '2', '--out', out, '--force']);
  assert.equal(forced.code, 0, forced.err);
});

test('a failed export leaves the old file as it was and no temporary file', async () => {
  const { db, close } = await openMemoryDb();
  try {
    const out = join(dir, 'atomic.csv');
    writeFileSync(out, 'old\n');
    await assert.rejects(copyToFile(db, "SELECT CAST(CASE WHEN range < 100000 THEN '1' ELSE 'x' END AS INTEGER) AS n FROM range(200000)", out));
    assert.equal(readFileSync(out, 'utf8'), 'old\n');
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('atomic.csv.')), []);
    // the library refuses the workspace's files too
    await assert.rejects(copyToFile(db, 'SELECT 1', join(ws, 'segmint.duckdb.csv')), (e: { code: string }) => e.code === 'out-is-workspace-file');
  } finally {
    close();
  }
});

test('boundedNumber and checkOutFile', () => {
  assert.equal(boundedNumber('--customers', '1_000_000', { min: 1, max: 5e7, integer: true }), 1_000_000);
  assert.equal(boundedNumber('--min-share', '2%', { min: 0, max: 0.5, percent: true }), 0.02);
  for (const bad of ['', 'abc', '0x10', 'Infinity', 'NaN', '1.5']) {
    assert.throws(() => boundedNumber('--k', bad, { min: 1, max: 100, integer: true }), (e: { code: string; exitCode: number; message: string }) =>
      e.code === 'invalid-option' && e.exitCode === 2 && e.message === `--k ${bad}: expected a whole number from 1 to 100`);
  }
  const fresh = join(dir, 'fresh.csv');
  assert.equal(checkOutFile(fresh, { extensions: ['.csv'] }), fresh);
});

test('segmint demo --dir refuses a workspace that holds other data, and leaves it as it was', async () => {
  await withTempDir(async (d) => {
    const w = await Workspace.open(d, { create: true });
    await importFile(w, join(FIXTURES, 'orders-amount.csv'), { kind: 'transactions' });
    w.close();
    const r = await runCli(['demo', '--dir', d, '--json']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /error\[demo-dir-is-workspace\]/);
    const again = await Workspace.open(d, { readOnly: true });
    try {
      assert.ok(Number((await again.db.one<{ n: number }>('SELECT count(*) AS n FROM transactions'))!.n) > 0, 'the workspace keeps its data');
    } finally {
      again.close();
    }
  });
});
