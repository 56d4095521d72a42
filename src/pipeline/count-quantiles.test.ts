// countQuantiles against the engines' own quantile function (DuckDB's quantile_cont: the same doubles to the last
// bit; PostgreSQL's percentile_cont and the ClickHouse dialect's sorted-array form when their URLs are set).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine, parseEngineSpec, type Engine, type EngineSpec } from '../engines/index.ts';
import { cast, col, compile, quantiles, select, table } from '../sql/index.ts';
import { fractions } from '../scoring/rfm.ts';
import { countQuantiles, quantilesOfCounts } from './count-quantiles.ts';

/** Pseudo-random samples: few distinct whole numbers (ties), cents, wide doubles, one value, NULLs among them. */
function samples(): (number | null)[][] {
  let x = 987654321;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out: (number | null)[][] = [[7], [3, 3], [1, 2], [-1.5, 0, 2.25]];
  for (let t = 0; t < 24; t++) {
    const n = 2 + Math.floor(rnd() * (t % 3 === 0 ? 4000 : 60));
    out.push(Array.from({ length: n }, () => {
      const u = rnd();
      if (u < 0.05) return null;
      if (t % 4 === 0) return Math.floor(rnd() * 12);
      if (t % 4 === 1) return Math.round(rnd() * 1e6) / 100;
      if (t % 4 === 2) return (rnd() - 0.3) * 10 ** Math.floor(rnd() * 12 - 4);
      return Math.floor(rnd() * 730);
    }));
  }
  return out;
}

test('quantilesOfCounts: the order statistics of the multiset, interpolated; [] when empty', () => {
  // 1, 2, 2, 2, 5: h = 4p
  const v = Float64Array.of(1, 2, 5);
  const c = Float64Array.of(1, 3, 1);
  const between = (h: number) => 2 * (1 - (h - 3)) + 5 * (h - 3);
  assert.deepEqual(quantilesOfCounts(v, c, [0, 0.25, 0.5, 0.8, 0.9, 1]), [1, 2, 2, between(4 * 0.8), between(4 * 0.9), 5]);
  assert.deepEqual(quantilesOfCounts(new Float64Array(0), new Float64Array(0), [0.5]), []);
  // not ascending: the walk restarts
  assert.deepEqual(quantilesOfCounts(v, c, [1, 0]), [5, 1]);
});

async function compareOn(e: Engine, exact: boolean): Promise<number> {
  await e.run(e.dialect === 'clickhouse' ? 'CREATE TABLE cq (i Int32, x Nullable(Float64)) ENGINE = MergeTree ORDER BY i' : 'CREATE TABLE cq (i INTEGER, x DOUBLE PRECISION)');
  let compared = 0;
  try {
    for (const s of samples()) {
      await e.run(e.dialect === 'clickhouse' ? 'TRUNCATE TABLE cq' : 'DELETE FROM cq');
      await e.run(`INSERT INTO cq VALUES ${s.map((v, i) => `(${i}, ${v === null ? 'NULL' : String(v)})`).join(', ')}`);
      for (let bins = 2; bins <= 10; bins++) {
        const ps = fractions(bins);
        const got = (await countQuantiles(e, 'cq', ['x'], ps)).x!;
        const c = compile(select({ select: [{ expr: quantiles(cast(col('x'), 'double'), ps), as: 'q' }], from: table('cq') }), e.dialect);
        const want = [...((await e.all(c.sql, c.params))[0]!.q as number[] | null ?? [])].map(Number);
        assert.equal(got.length, want.length, `${e.dialect}, ${s.length} values, ${bins} bins`);
        got.forEach((g, k) => {
          if (exact) assert.equal(g, want[k], `${e.dialect}, ${s.length} values, p = ${ps[k]}`);
          else assert.ok(Math.abs(g - want[k]!) <= 1e-12 * Math.max(1, Math.abs(want[k]!)), `${e.dialect}, p = ${ps[k]}: ${g} vs ${want[k]}`);
          compared++;
        });
      }
    }
  } finally {
    await e.run('DROP TABLE cq');
  }
  return compared;
}

test("countQuantiles equals DuckDB's quantile_cont to the last bit (ties, cents, wide doubles, NULLs; 2 to 10 bins)", async () => {
  const e = await openEngine('duckdb::memory:');
  try {
    assert.ok(await compareOn(e, true) > 1000);
  } finally {
    await e.close();
  }
});

const PG_URL = process.env.TEST_POSTGRES_URL;
const CH_URL = process.env.TEST_CLICKHOUSE_URL;
const SCRATCH = `segmint_cq_test_${process.pid}`;

test('countQuantiles equals PostgreSQL\'s percentile_cont (within 1e-12: it interpolates as lo + d·(hi − lo))', { skip: PG_URL ? false : 'TEST_POSTGRES_URL is not set' }, async () => {
  const e = await openEngine({ ...(parseEngineSpec(PG_URL!) as Extract<EngineSpec, { engine: 'postgres' }>), schema: SCRATCH }, { create: true });
  try {
    assert.ok(await compareOn(e, false) > 1000);
  } finally {
    await e.run(`DROP SCHEMA IF EXISTS "${SCRATCH}" CASCADE`);
    await e.close();
  }
});

test("countQuantiles equals the ClickHouse dialect's quantiles (sorted arrays, DuckDB's interpolation)", { skip: CH_URL ? false : 'TEST_CLICKHOUSE_URL is not set' }, async () => {
  const e = await openEngine({ ...(parseEngineSpec(CH_URL!) as Extract<EngineSpec, { engine: 'clickhouse' }>), database: SCRATCH }, { create: true });
  try {
    assert.ok(await compareOn(e, true) > 1000);
  } finally {
    await e.run(`DROP DATABASE IF EXISTS \`${SCRATCH}\``);
    await e.close();
  }
});
