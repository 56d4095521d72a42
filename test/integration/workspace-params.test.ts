import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openMemoryDb } from '../../src/store/workspace.ts';

test('duckdb: a whole number beyond 64-bit integers (1e200) binds as a double, smaller ones as before', async () => {
  const { db, close } = await openMemoryDb();
  try {
    const r = await db.one<{ a: number; b: number; c: number; t: string }>('SELECT ? AS a, ? AS b, ? * 2 AS c, typeof(?) AS t', [1e200, -1e300, 3, 7]);
    assert.equal(r!.a, 1e200);
    assert.equal(r!.b, -1e300);
    assert.equal(Number(r!.c), 6);
    assert.match(r!.t, /INT/);
  } finally {
    close();
  }
});
