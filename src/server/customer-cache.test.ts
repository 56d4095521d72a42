import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Column, PositionSet } from './customer-cache.ts';
import { plain } from './routes/runs.ts';

/** Every value set reads back as plain() gives it (position 0 never set: null). */
function roundTrip(values: unknown[]): void {
  const c = new Column('x', values.length + 1);
  values.forEach((v, i) => c.set(i + 1, v));
  c.finish();
  assert.equal(c.get(0), null);
  values.forEach((v, i) => assert.deepEqual(c.get(i + 1), plain({ x: v }).x, `${typeof v} ${String(v)} at ${i + 1}`));
}

test('a column reads back each value as plain() gives it, however it is held', () => {
  // whole numbers: Int8, Int16, Int32 (the extremes of each next to null), else doubles
  roundTrip([1, null, -127, 127, 5]);
  roundTrip([-128, 0, null, 3]);
  roundTrip([32767, -32767, null]);
  roundTrip([-32768, 2147483647, -2147483647, null]);
  roundTrip([-2147483648, 1]);
  roundTrip([2 ** 40, 3, null]);
  roundTrip([1.5, NaN, Infinity, -Infinity, null, 0, -0]);
  roundTrip([12n, 7, null]);
  // text: a few values (one-byte codes), a thousand (two-byte), and 70,000 (four-byte)
  roundTrip(['a', null, 'b', 'a', '']);
  roundTrip(Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? null : `v${i % 400}`)));
  roundTrip(Array.from({ length: 70_000 }, (_, i) => `id-${i}`));
  roundTrip([true, false, null, true]);
  roundTrip([new Date('2011-12-09T12:50:00Z'), null, new Date(0)]);
  // mixed kinds and objects are held as they are
  roundTrip([1, 'one', null, true]);
  roundTrip([{ a: 1 }, [1, 2], null, 'x']);
  roundTrip([null, null]);
});

test('a position set holds exactly the positions added', () => {
  const s = new PositionSet(1001);
  const added = [0, 7, 8, 500, 1000];
  for (const p of added) s.add(p);
  for (let p = 0; p <= 1000; p++) assert.equal(s.has(p), added.includes(p), String(p));
});
