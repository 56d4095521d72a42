// The feature and scoring SQL compiled for PostgreSQL and run on a real server gives the same results as
// DuckDB on the same rows. Runs when TEST_POSTGRES_URL is set (.ci/run sets it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { customerMetrics, METRIC_COLUMNS } from '../../src/features/customer-metrics.ts';
import { scoreQuery, edgesQuery } from '../../src/scoring/rfm.ts';
import { DEFAULT_RFM_SEGMENTS } from '../../src/models/rfm/segments.ts';
import { generateDataset } from '../../src/generate/index.ts';
import { importFile } from '../../src/store/import/index.ts';
import { compile } from '../../src/sql/index.ts';
import { tempDir, withWorkspace } from '../helpers/workspace.ts';

const URL = process.env.TEST_POSTGRES_URL;
const skip = URL ? false : 'TEST_POSTGRES_URL is not set (CI starts PostgreSQL and sets it)';
const asOf = new Date('2025-01-01T00:00:00Z');
const specs = [
  { score: 'r' as const, metric: 'recency_days', higherIsBetter: false },
  { score: 'f' as const, metric: 'frequency', higherIsBetter: true },
  { score: 'm' as const, metric: 'monetary', higherIsBetter: true },
];

test('postgres: customer metrics, bin edges and RFM segments equal DuckDB on the same transactions', { skip }, async () => {
  const g = tempDir();
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  const schema = `segmint_test_${process.pid}`;
  try {
    const gen = await generateDataset({ preset: 'ecommerce', customers: 400, seed: 21, outDir: g.dir });
    await withWorkspace(async (ws) => {
      await importFile(ws, gen.files.transactions, { kind: 'transactions' });
      const rows = await ws.db.all<Record<string, unknown>>(
        "SELECT customer_id, order_id, strftime(ts, '%Y-%m-%d %H:%M:%S') AS ts, amount, is_return, product_id, quantity FROM transactions",
      );
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(`SET search_path TO ${schema}`);
      await client.query('CREATE TABLE transactions (customer_id TEXT, order_id TEXT, ts TIMESTAMP, amount DOUBLE PRECISION, is_return BOOLEAN, product_id TEXT, quantity DOUBLE PRECISION)');
      for (let i = 0; i < rows.length; i += 1000) {
        const chunk = rows.slice(i, i + 1000);
        const values = chunk.map((_, k) => `(${Array.from({ length: 7 }, (_, j) => `$${k * 7 + j + 1}`).join(', ')})`).join(', ');
        await client.query(`INSERT INTO transactions VALUES ${values}`, chunk.flatMap((r) => [r.customer_id, r.order_id, r.ts, r.amount, r.is_return, r.product_id, r.quantity]));
      }
      // DuckDB
      const mq = customerMetrics({ asOf, windowFunctions: true });
      const dm = compile(mq, 'duckdb');
      await ws.db.run(`CREATE TEMP TABLE __features AS ${dm.sql}`, dm.params);
      const sq = scoreQuery({ features: '__features', bins: 5, scores: specs, rules: DEFAULT_RFM_SEGMENTS, ruleScale: 5 });
      const ds = compile(sq, 'duckdb');
      const duck = await ws.db.all<Record<string, unknown>>(`SELECT f.*, s.r, s.f, s.m, s.score_code, s.segment FROM (${ds.sql}) s JOIN __features f USING (customer_id) ORDER BY customer_id`, ds.params);
      // PostgreSQL, from the same IR
      const pm = compile(mq, 'postgres');
      await client.query(`CREATE TEMP TABLE __features AS ${pm.sql}`, pm.params);
      const ps = compile(sq, 'postgres');
      const post = (await client.query(`SELECT f.*, s.r, s.f, s.m, s.score_code, s.segment FROM (${ps.sql}) s JOIN __features f USING (customer_id) ORDER BY customer_id`, ps.params)).rows;
      assert.ok(duck.length > 300);
      assert.equal(post.length, duck.length);
      const eq = compile(edgesQuery({ features: '__features', bins: 5, scores: specs })!, 'postgres');
      const pe = (await client.query(eq.sql, eq.params)).rows[0];
      assert.equal(pe.q_f.length, 4);
      for (let i = 0; i < duck.length; i++) {
        const a = duck[i]!;
        const b = post[i]!;
        for (const c of METRIC_COLUMNS) {
          const x = a[c];
          const y = b[c];
          if (x instanceof Date || y instanceof Date) assert.equal(new Date(x as Date).getTime(), new Date(y as Date).getTime(), `${a.customer_id}.${c}`);
          else if (typeof x === 'number' || typeof y === 'number') assert.ok(Math.abs(Number(x) - Number(y)) < 1e-6, `${a.customer_id}.${c}: ${x} vs ${y}`);
          else assert.equal(String(x), String(y), `${a.customer_id}.${c}`);
        }
        for (const c of ['r', 'f', 'm', 'segment']) assert.equal(String(b[c]), String(a[c]), `${a.customer_id}.${c}`);
        assert.equal(Number(b.score_code), Number(a.score_code));
      }
    });
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end();
    g.cleanup();
  }
});
