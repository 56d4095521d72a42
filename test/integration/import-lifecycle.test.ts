import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importFile } from '../../src/store/import/index.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { FIXTURES, withTempDir, withWorkspace } from '../helpers/workspace.ts';

const counts = async (ws: Workspace) => ({
  tx: (await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM transactions'))!.n,
  q: (await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM quarantine'))!.n,
  c: (await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM customers'))!.n,
  s: (await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM sources'))!.n,
});

test('re-importing the same file changes nothing', async () => {
  await withWorkspace(async (ws) => {
    const first = await importFile(ws, join(FIXTURES, 'messy-orders.csv'), { kind: 'transactions' });
    const before = await counts(ws);
    const again = await importFile(ws, join(FIXTURES, 'messy-orders.csv'), { kind: 'transactions' });
    assert.equal(again.alreadyImported, true);
    assert.equal(again.sourceId, first.sourceId);
    assert.deepEqual(await counts(ws), before);
  });
});

test('a newer export appends only the new rows and says so', async () => {
  await withTempDir(async (dir) => {
    const all = readFileSync(join(FIXTURES, 'messy-orders.csv'), 'utf8').trimEnd().split('\n');
    const older = join(dir, 'export-jan.csv');
    const newer = join(dir, 'export-feb.csv');
    writeFileSync(older, `${all.slice(0, 10).join('\n')}\n`); // header + 9 rows
    writeFileSync(newer, `${all.join('\n')}\n2000,A9,Vase,3,2011-02-01 12:00:00,9.00,c9,Italy\n`);
    await withWorkspace(async (ws) => {
      const a = await importFile(ws, older, { kind: 'transactions' });
      assert.deepEqual(a.rows, { read: 9, loaded: 2, quarantined: 7, alreadyPresent: 0 });
      const b = await importFile(ws, newer, { kind: 'transactions' });
      // rows 1-9 were seen (loaded or quarantined) before; of the 6 new ones: C1009, 1010, 1012, 2000 load,
      // line 11 repeats line 2 (duplicate-row) and line 14 is malformed.
      assert.deepEqual(b.rows, { read: 15, loaded: 4, quarantined: 2, alreadyPresent: 9 });
      assert.equal(b.reconciled, true);
      assert.match(b.warnings.join('\n'), /9 rows were imported before/);
      const tx = await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM transactions');
      assert.equal(tx!.n, 6);
      const dupQ = await ws.db.one<{ n: number }>("SELECT count(*) AS n FROM quarantine WHERE reason = 'missing-customer-id'");
      assert.equal(dupQ!.n, 1, 'a row quarantined by the older export is not quarantined again');
    });
  });
});

test('an import killed before commit leaves the workspace as it was and usable', async () => {
  await withTempDir(async (dir) => {
    let ws = await Workspace.open(dir, { create: true });
    await importFile(ws, join(FIXTURES, 'orders-amount.csv'), { kind: 'transactions' });
    const before = await counts(ws);
    ws.close();
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, '../helpers/import-child.ts'), dir, join(FIXTURES, 'messy-orders.csv')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((res, rej) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('paused-before-commit')) res();
      });
      child.on('exit', (code) => rej(new Error(`child exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    ws = await Workspace.open(dir);
    try {
      assert.deepEqual(await counts(ws), before, 'nothing of the killed import is visible');
      const r = await importFile(ws, join(FIXTURES, 'messy-orders.csv'), { kind: 'transactions' });
      assert.equal(r.alreadyImported, false);
      assert.equal(r.rows.loaded, 5);
    } finally {
      ws.close();
    }
  });
});
