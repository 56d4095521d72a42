// clv predict's keyed customers (pipeline/clv-keyed-customers.ts): keyValues gives the doubles keyColumns computes in
// DuckDB for the same keys, for every period unit; readKeyedCustomers groups a summary's keys as GROUP BY k does
// (each pattern once, with its customers), maps each customer, in the table's order, to its pattern, and gives up when
// a customer has no key
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PERIOD_DAYS } from '../../src/features/transaction-summary.ts';
import { keyColumns, PATTERN_KEY_DAYS } from '../../src/pipeline/clv-fit-summary.ts';
import { keyValues, readKeyedCustomers } from '../../src/pipeline/clv-keyed-customers.ts';
import { cast, col, count, select, table } from '../../src/sql/ir.ts';
import { compile } from '../../src/sql/index.ts';
import { withWorkspace } from '../helpers/workspace.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** Pattern keys as the summary packs them: (x · 2^17 + recency days) · 2^17 + T days, recency ≤ T < 2^17. */
function keys(n: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const T = Math.floor(r() * (r() < 0.1 ? PATTERN_KEY_DAYS : 2000));
    const recency = Math.floor(r() * (T + 1));
    const x = Math.floor(r() * Math.min(recency + 1, r() < 0.05 ? 20000 : 60));
    return (x * PATTERN_KEY_DAYS + recency) * PATTERN_KEY_DAYS + T;
  });
}

test('keyValues: the frequency, recency and T DuckDB computes from the same keys (keyColumns), bit for bit', async () => {
  await withWorkspace(async (ws) => {
    const k = keys(20_000, 11);
    await ws.db.run('CREATE TEMP TABLE kv (k DOUBLE)');
    await ws.db.appendDoubles('kv', [Float64Array.from(k)]);
    for (const unit of [PERIOD_DAYS.week, PERIOD_DAYS.hour, PERIOD_DAYS.month, PERIOD_DAYS.day * 3, PERIOD_DAYS.hour * 6]) {
      const h = keyColumns(col('k'), unit);
      const q = compile(select({ select: [{ expr: col('k'), as: 'k' }, { expr: h.frequency, as: 'x' }, { expr: h.recency, as: 'tx' }, { expr: h.T, as: 't' }], from: table('kv') }), 'duckdb');
      const sql = await ws.db.numericColumns(q.sql, q.params, ['k', 'x', 'tx', 't']);
      const js = keyValues(sql.k!, unit);
      for (let i = 0; i < sql.k!.length; i++) {
        assert.ok(Object.is(js.x[i], sql.x![i]) && Object.is(js.tx[i], sql.tx![i]) && Object.is(js.T[i], sql.t![i]),
          `unit ${unit}, key ${sql.k![i]}: ${js.x[i]}/${js.tx[i]}/${js.T[i]} against ${sql.x![i]}/${sql.tx![i]}/${sql.t![i]}`);
      }
    }
  });
});

test('readKeyedCustomers: the patterns of GROUP BY k with their customers, each customer\'s pattern in table order; undefined when a key is missing', async () => {
  await withWorkspace(async (ws) => {
    const db = ws.db;
    // 300,000 customers over 5,000 keys, written in an order of their own (three row groups, both threads)
    const k = keys(5_000, 12);
    await db.run('CREATE TEMP TABLE k5 (j DOUBLE, k DOUBLE)');
    await db.appendDoubles('k5', [Float64Array.from(k, (_, j) => j), Float64Array.from(k)]);
    await db.run(`CREATE TEMP TABLE ks AS SELECT 'c' || i AS customer_id, CAST(i AS DOUBLE) AS monetary_value,
      k5.k, CASE WHEN i % 13 = 0 THEN NULL ELSE i / 10 END AS expected_spend
      FROM range(300000) t(i) JOIN k5 ON k5.j = (i * 7919) % 5000 ORDER BY i`);
    const c = await readKeyedCustomers(db, 'ks', 7);
    assert.ok(c);
    assert.equal(c.of.length, 300000);
    // each pattern as the engine groups and computes it (keyColumns over the key, unit 7)
    const h = keyColumns(col('k'), 7);
    const g = compile(select({
      select: [{ expr: col('k'), as: 'k' }, { expr: cast(count(), 'double'), as: 'n' }, { expr: h.frequency, as: 'x' }, { expr: h.recency, as: 'tx' }, { expr: h.T, as: 't' }],
      from: table('ks'), groupBy: [col('k')],
    }), 'duckdb');
    const grouped = await db.numericColumns(g.sql, g.params, ['k', 'n', 'x', 'tx', 't']);
    assert.equal(c.patterns.k.length, grouped.k!.length);
    const at = new Map(Array.from(c.patterns.k, (v, j) => [v, j]));
    grouped.k!.forEach((k, r) => {
      const j = at.get(k)!;
      assert.ok(j !== undefined, `key ${k} among the patterns`);
      assert.equal(c.patterns.n[j], grouped.n![r], `customers of key ${k}`);
      assert.ok(Object.is(c.patterns.x[j], grouped.x![r]) && Object.is(c.patterns.tx[j], grouped.tx![r]) && Object.is(c.patterns.T[j], grouped.t![r]), `x, t_x, T of key ${k}`);
    });
    for (let i = 0; i < 300000; i++) {
      assert.equal(c.patterns.k[c.of[i]!], k[(i * 7919) % 5000], `customer ${i}'s pattern`);
      const spend = c.spend[i]!;
      assert.ok(i % 13 === 0 ? Number.isNaN(spend) : spend === i / 10, `customer ${i}'s spend ${spend}`);
    }
    await db.run('UPDATE ks SET k = NULL WHERE customer_id = \'c123456\'');
    assert.equal(await readKeyedCustomers(db, 'ks', 7), undefined);
  });
});
