import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyToFile } from '../../src/pipeline/export.ts';
import { openMemoryDb } from '../../src/store/workspace.ts';
import { withTempDir } from '../helpers/workspace.ts';

test('copyToFile writes the rows in the format of the extension and counts them', async () => {
  const { db, close } = await openMemoryDb();
  try {
    await withTempDir(async (dir) => {
      const r = await copyToFile(db, 'SELECT range AS n, range * 2 AS twice FROM range(7) WHERE range >= ?', join(dir, 'x.csv'), [2]);
      assert.equal(r.rows, 5);
      assert.deepEqual(readFileSync(r.file, 'utf8').trim().split('\n'), ['n,twice', '2,4', '3,6', '4,8', '5,10', '6,12']);
      const p = await copyToFile(db, 'SELECT 1 AS a', join(dir, 'x.parquet'));
      assert.equal((await db.one<{ n: number }>(`SELECT count(*) AS n FROM read_parquet('${p.file}')`))?.n, 1);
    });
  } finally {
    close();
  }
});

test('copyToFile refuses an unknown extension with a coded error and a hint', async () => {
  const { db, close } = await openMemoryDb();
  try {
    await assert.rejects(copyToFile(db, 'SELECT 1', 'members.txt'), (e: { code: string; hint?: string }) => e.code === 'invalid-option' && /\.csv/.test(e.hint ?? ''));
  } finally {
    close();
  }
});
