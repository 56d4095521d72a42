// The CLV scoring IR run on DuckDB (in memory) equals the models' own arithmetic: gammaGammaExpectedSpend
// per customer (and its reasons), CHURN_TIERS and CLV_TIERS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gammaGammaExpectedSpend } from '../models/clv/gamma-gamma.ts';
import { openMemoryDb } from '../store/workspace.ts';
import { cast, col, compile, num, select, subquery, table, unionAll, type Query } from '../sql/index.ts';
import { churnTier, clvTier, gammaGammaSpend } from './clv.ts';

const rowsOf = (values: number[][], names: string[]): Query =>
  unionAll(...values.map((v) => select({ select: v.map((x, i) => ({ expr: cast(num(x), 'double'), as: names[i]! })), from: table('one_row') })));

test('gammaGammaSpend equals gammaGammaExpectedSpend per customer, with its reasons; tiers as the tables say', async () => {
  const m = await openMemoryDb();
  try {
    await m.db.run('CREATE TEMP TABLE one_row AS SELECT 1 AS one');
    const params = { p: 6.25, q: 3.74, gamma: 15.44 };
    // x, zbar: a repeat buyer, a one-time buyer (x = 0), a repeat buyer with no positive mean
    const cases = [[3, 40.5], [0, 0], [2, -5], [10, 12.25]];
    const { reason, spend } = gammaGammaSpend(params, col('x'), col('zbar'));
    const q = select({ select: [{ expr: col('x'), as: 'x' }, { expr: col('zbar'), as: 'zbar' }, { expr: spend, as: 'spend' }, { expr: reason, as: 'reason' }], from: subquery(rowsOf(cases, ['x', 'zbar']), 'c') });
    const c = compile(q, 'duckdb');
    const got = await m.db.all<{ x: number; zbar: number; spend: number | null; reason: string | null }>(c.sql, c.params);
    assert.equal(got.length, cases.length);
    for (const r of got) {
      const want = gammaGammaExpectedSpend(params, r.x, r.zbar);
      if (Number.isNaN(want)) {
        assert.equal(r.spend, null);
        assert.equal(r.reason, 'non-positive-spend');
      } else {
        assert.ok(Math.abs(r.spend! - want) <= 1e-12 * want, `x=${r.x}: ${r.spend} vs ${want}`);
        assert.equal(r.reason, null);
      }
    }
    // p·x + q − 1 ≤ 0: undefined
    const bad = gammaGammaSpend({ p: 0.1, q: 0.5, gamma: 1 }, num(1), num(5));
    const b = compile(select({ select: [{ expr: bad.spend, as: 's' }, { expr: bad.reason, as: 'r' }], from: table('one_row') }), 'duckdb');
    assert.deepEqual(await m.db.one(b.sql, b.params), { s: null, r: 'spend-undefined' });

    const tiers = select({
      select: [
        { expr: churnTier(num(0.8)), as: 'a' }, { expr: churnTier(num(0.5)), as: 'b' }, { expr: churnTier(num(0.1)), as: 'c' },
        { expr: churnTier(num(0.9), 'not informative'), as: 'd' },
        { expr: clvTier(num(100), num(0)), as: 'e' }, { expr: clvTier(num(50), num(0.1)), as: 'f' }, { expr: clvTier(num(10), num(0.59)), as: 'g' }, { expr: clvTier(num(1), num(0.6)), as: 'h' },
      ],
      from: table('one_row'),
    });
    const t = compile(tiers, 'duckdb');
    assert.deepEqual(await m.db.one(t.sql, t.params), { a: 'active', b: 'cooling', c: 'lapsed', d: 'not informative', e: 'top', f: 'high', g: 'medium', h: 'low' });
  } finally {
    m.close();
  }
});
