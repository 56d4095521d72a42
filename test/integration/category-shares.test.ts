import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { categoryShares } from '../../src/features/category-shares.ts';
import { importFile } from '../../src/store/import/index.ts';
import { compile } from '../../src/sql/index.ts';
import { FIXTURES, withWorkspace } from '../helpers/workspace.ts';

test('department shares, price-adjusted shares and the heavy-buyer index, checked by hand', async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, join(FIXTURES, 'baskets.csv'), { kind: 'transactions', policies: { duplicateRows: 'keep' } });
    const q = compile(categoryShares({ asOf: new Date('2024-02-01T00:00:00Z') }), 'duckdb');
    const rows = await ws.db.all<{ customer_id: string; department: string; spend: number; share: number; price_adjusted_share: number; heavy_buyer_index: number }>(
      `SELECT * FROM (${q.sql}) ORDER BY customer_id, department`, q.params);
    const a = Object.fromEntries(rows.filter((r) => r.customer_id === 'a').map((r) => [r.department, r]));
    // a: vegetables 4, wine 20 of 24
    assert.ok(Math.abs(a.vegetables!.share - 4 / 24) < 1e-12);
    // average line: vegetables (2+2+2+2)/4 = 2, wine (20+40)/2 = 30 → adjusted 4/2 = 2 and 20/30 = 0.667
    assert.ok(Math.abs(a.vegetables!.price_adjusted_share - 2 / (2 + 20 / 30)) < 1e-12);
    assert.ok(a.vegetables!.price_adjusted_share > 0.5 && a.vegetables!.share < 0.2, 'cheap produce no longer dwarfed');
    // wine spend among wine buyers: 20, 40 → p90 = 20 + 0.9·20 = 38; a: 20/38
    assert.ok(Math.abs(a.wine!.heavy_buyer_index - 20 / 38) < 1e-12);
    const b = rows.find((r) => r.customer_id === 'b' && r.department === 'wine')!;
    assert.equal(b.heavy_buyer_index, 1, 'capped at 1');
    const c = rows.filter((r) => r.customer_id === 'c');
    assert.equal(c.length, 1);
    assert.equal(c[0]!.share, 1);
    for (const r of rows) for (const v of [r.share, r.price_adjusted_share, r.heavy_buyer_index]) assert.ok(Number.isFinite(v));
    const sums = new Map<string, number>();
    for (const r of rows) sums.set(r.customer_id, (sums.get(r.customer_id) ?? 0) + r.price_adjusted_share);
    for (const s of sums.values()) assert.ok(Math.abs(s - 1) < 1e-12, 'adjusted shares sum to 1');
  });
});
