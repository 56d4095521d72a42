import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grouped } from './numbers.ts';

test("grouped writes numbers as toLocaleString('en-US') does", () => {
  const values = [0, -0, 1, -1, 7, 12, 999, 1000, -1000, 9999.9995, 999999.9996, 1234567, 1234567.891, 0.5, 0.0005, 0.0004, 1.0005, 2.675, -2.675,
    0.1 + 0.2, 1e20, 123456789012345680000, 1e21, -1e21, 1e-6, 1e-7, 3.14159, -0.0004, -0.0005, 1_000_000, 2 ** 53, Number.MAX_SAFE_INTEGER + 2,
    NaN, Infinity, -Infinity, 0.9995, 99.9995, -99.9995, 1.9999, 5e-324];
  // pseudo-random values of every magnitude, and ties at the third decimal
  let x = 12345;
  for (let i = 0; i < 20000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const m = x / 2147483648;
    values.push((m - 0.5) * 10 ** ((i % 25) - 6));
    values.push(Math.round(m * 1e7) / 1e4 + 0.0005);
    values.push(Math.round((m - 0.5) * 1e9));
  }
  for (const v of values) assert.equal(grouped(v), v.toLocaleString('en-US'), String(v));
});
