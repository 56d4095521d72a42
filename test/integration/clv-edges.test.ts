// clv predict's CLV tier edges (pipeline/clv-edges.ts): descendingRanks gives the value a sorted copy holds at each
// descending position and how many are greater, with many equal values, −0 and 0, negatives, NaN, sorted or
// reversed input and values crowded into one bucket; and the tiers a
// prediction run stores are those of a row_number() ranking of its CLVs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLV_TIERS } from '../../src/models/clv/predict.ts';
import { descendingRanks } from '../../src/pipeline/clv-edges.ts';
import { simulateBgNbd } from '../../src/models/clv/simulate.ts';
import { runClvFit, runClvPredict } from '../../src/pipeline/clv.ts';
import { importFile } from '../../src/store/import/index.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import { shared, withWorkspace } from '../helpers/workspace.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

test('descendingRanks: the value at each descending position and the count above it, as a sorted copy has them', () => {
  const r = rng(7);
  const cases: Float64Array[] = [
    Float64Array.from({ length: 1000 }, () => r() * 100),
    Float64Array.from({ length: 1000 }, () => Math.floor(r() * 5)),
    Float64Array.from({ length: 997 }, (_, i) => i),
    Float64Array.from({ length: 997 }, (_, i) => -i),
    Float64Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : r() - 0.5)),
    Float64Array.from({ length: 3000 }, () => (r() - 0.5) * 10 ** Math.floor(r() * 12 - 6)),
    // crowded: every value within one bucket (the same sign, exponent and top 4 mantissa bits), many of them tied
    Float64Array.from({ length: 5000 }, () => 1000 + Math.floor(r() * 40) / 1000),
    Float64Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? NaN : r() * 3)),
    new Float64Array(64).fill(3),
    Float64Array.of(2),
  ];
  for (const a of cases) {
    const given = Float64Array.from(a);
    // as a typed array sorts: NaN last (the greatest); −0 and 0 compare equal
    const sorted = Float64Array.from(a).sort();
    const n = a.length;
    const rank = descendingRanks(given);
    const ks = [0, n - 1, Math.floor(n * 0.1), Math.floor(n * 0.3), Math.floor(n * 0.6), Math.floor(n / 2), ...Array.from({ length: 20 }, () => Math.floor(r() * n))];
    for (const k of ks) {
      const { v, above } = rank(k);
      const want = sorted[n - 1 - k]!;
      assert.ok(Object.is(v, want) || (v === 0 && want === 0) || (Number.isNaN(v) && Number.isNaN(want)), `position ${k} of ${n}: ${v} against ${want}`);
      assert.ok(!Object.is(v, -0), 'a −0 is given as 0');
      const greater = Number.isNaN(v) ? 0 : sorted.filter((x) => x > v || Number.isNaN(x)).length;
      assert.equal(above, greater, `values above position ${k} of ${n}`);
    }
    // only −0 is rewritten
    given.forEach((x, i) => assert.ok(Object.is(x, a[i]) || (Object.is(a[i], -0) && Object.is(x, 0)) || (Number.isNaN(x) && Number.isNaN(a[i]!))));
  }
});

test('a table read without ORDER BY comes in its rowid order across row groups (clvEdgesOfCustomers takes positions for rowids)', async () => {
  await withWorkspace(async (ws) => {
    // 400,000 rows: four row groups, scanned by both threads; the rows written in an order their values do not have
    await ws.db.run('CREATE TEMP TABLE edges_order AS SELECT (i * 7919) % 400000 AS k, CAST(i AS DOUBLE) AS spend FROM range(400000) t(i)');
    const read = await ws.db.numericColumns('SELECT k, spend FROM edges_order', [], ['k', 'spend'], 400000);
    const rid = await ws.db.numericColumns('SELECT CAST(rowid AS DOUBLE) AS rid, spend FROM edges_order WHERE spend % 1000 = 0', [], ['rid', 'spend']);
    assert.equal(read.k!.length, 400000);
    read.spend!.forEach((v, i) => assert.ok(v === i && read.k![i] === (i * 7919) % 400000, `row ${i}`));
    rid.rid!.forEach((r, j) => assert.equal(r, rid.spend![j], 'the rowid is the position written'));
  });
});

/** The stored CLV tiers of a prediction run against a row_number() ranking of its stored CLVs (ties by customer id). */
async function assertTiersByRank(ws: Workspace, runId: number): Promise<{ n: number; tied: number }> {
  const shares = CLV_TIERS.slice(0, -1).map((t) => `WHEN rk < ${t.to} THEN '${t.tier}'`).join(' ');
  const r = (await ws.db.one<{ n: number; differ: number; tied: number }>(`SELECT count(*) AS n,
      count(*) FILTER (WHERE clv_tier IS DISTINCT FROM want) AS differ,
      count(*) FILTER (WHERE clv IN (SELECT clv FROM clv_predictions WHERE run_id = ? GROUP BY clv HAVING count(*) > 1)) AS tied
    FROM (SELECT clv, clv_tier, CASE WHEN clv IS NULL THEN NULL ${shares} ELSE '${CLV_TIERS[CLV_TIERS.length - 1]!.tier}' END AS want
      FROM (SELECT clv, clv_tier, (row_number() OVER (ORDER BY clv DESC NULLS LAST, customer_id) - 1) / count(clv) OVER () AS rk
        FROM clv_predictions WHERE run_id = ?))`, [runId, runId]))!;
  assert.equal(Number(r.differ), 0, `customers whose CLV tier is not their rank's, of ${r.n}`);
  return { n: Number(r.n), tied: Number(r.tied) };
}

test('clv predict: each customer\'s CLV tier is the share ranked above them, ties by customer id, with a margin and a monthly discount rate', async () => {
  await withWorkspace(async (ws, dir) => {
    // 2,000 customers with 200 distinct histories (BG/NBD and Gamma-Gamma's own story): 10 customers share each
    // history, so each CLV, and the tiers' edges fall among ties
    const sim = simulateBgNbd(200, { r: 0.5, alpha: 4, a: 0.8, b: 2.5 }, { p: 6, q: 4, gamma: 15 }, { seed: 5, maxT: 52, events: true }).events!;
    const end = Date.parse('2024-01-01T00:00:00Z');
    let csv = 'customer_id,order_id,ts,amount\n';
    for (let copy = 0; copy < 10; copy++) {
      sim.customer.forEach((c, e) => {
        const ts = new Date(end - sim.daysBeforeEnd[e]! * 86_400_000 + 36_000_000).toISOString().slice(0, 19).replace('T', ' ');
        csv += `c${String(copy * 200 + c).padStart(4, '0')},o${copy}-${e},${ts},${sim.value[e]!.toFixed(2)}\n`;
      });
    }
    const file = join(dir, 'ties.csv');
    writeFileSync(file, csv);
    await importFile(ws, file, { kind: 'transactions' });
    await runClvFit(ws, { model: 'bgnbd', asOf: '2024-01-02' });
    for (const [margin, monthlyDiscountRate] of [[0.37, 0.013], [1, undefined]] as const) {
      const pr = await runClvPredict(ws, { horizon: 6, unit: 'month', margin, ...(monthlyDiscountRate !== undefined ? { monthlyDiscountRate } : {}) });
      const { n, tied } = await assertTiersByRank(ws, pr.runId);
      assert.equal(n, 2000);
      assert.ok(tied >= 1800, `most customers share their CLV (${tied})`);
      assert.deepEqual(pr.clvTiers.map((t) => t.customers), [200, 400, 600, 800]);
    }
  });
});

const sample = shared('cdnow/CDNOW_sample.txt');

test('clv predict on CDNOW: each customer\'s CLV tier is the share ranked above them', { skip: sample.skip }, async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, sample.path, { kind: 'transactions', columnNames: ['master_id', 'customer_id', 'date', 'cds', 'dollars'], policies: { duplicateRows: 'keep' } });
    await runClvFit(ws, { model: 'bgnbd', asOf: '1998-07-01' });
    const pr = await runClvPredict(ws, { horizon: 39, unit: 'week', margin: 0.3 });
    assert.equal((await assertTiersByRank(ws, pr.runId)).n, 2357);
  });
});
