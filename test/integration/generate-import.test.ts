import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateDataset } from '../../src/generate/index.ts';
import { importFile } from '../../src/store/import/index.ts';
import { readCsv } from '../helpers/csv.ts';
import { tempDir, withWorkspace } from '../helpers/workspace.ts';

test('generated data imports cleanly: mapping detected, every row loaded, returns flagged, traits typed', async () => {
  const t = tempDir();
  try {
    const g = await generateDataset({ preset: 'ecommerce', customers: 500, seed: 9, outDir: t.dir });
    await withWorkspace(async (ws) => {
      const c = await importFile(ws, g.files.customers, { kind: 'customers' });
      const p = await importFile(ws, g.files.products, { kind: 'products' });
      const x = await importFile(ws, g.files.transactions, { kind: 'transactions' });
      const e = await importFile(ws, g.files.events, { kind: 'events' });
      for (const r of [c, p, x, e]) {
        assert.equal(r.reconciled, true);
        assert.equal(r.rows.quarantined, 0, `${r.kind}: ${JSON.stringify(r.quarantineByReason)}`);
      }
      assert.equal(x.rows.read, g.counts.transactions);
      assert.equal(e.rows.read, g.counts.events);
      assert.equal(c.customers.after, 500);
      const types = Object.fromEntries((await ws.db.all<{ column_name: string; data_type: string }>(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'customers'",
      )).map((r) => [r.column_name, r.data_type]));
      assert.equal(types.latitude, 'DOUBLE');
      assert.equal(types.email_opt_in, 'BOOLEAN');
      assert.equal(types.signup_date, 'DATE');
      const ret = await ws.db.one<{ n: number; bad: number }>("SELECT count(*) FILTER (WHERE is_return) AS n, count(*) FILTER (WHERE is_return AND amount > 0) AS bad FROM transactions");
      // returns flagged = the cancellation lines of the file, counted from the CSV itself
      const file = readCsv(g.files.transactions);
      const order = file.header.indexOf('order_id');
      const cancellations = file.rows.filter((r) => r[order]!.startsWith('C')).length;
      assert.ok(cancellations > 0);
      assert.equal(ret!.n, cancellations);
      assert.equal(ret!.bad, 0);
    });
  } finally {
    t.cleanup();
  }
});
