import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importFile } from '../../src/store/import/index.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { withTempDir } from '../helpers/workspace.ts';

/** A customers file of `columns` trait columns × `rows` rows, five kinds of trait in turn. */
function wideCsv(columns: number, rows: number, first = 0): string {
  const kinds = ['int', 'double', 'bool', 'date', 'text'] as const;
  const kind = (j: number) => kinds[j % kinds.length]!;
  const value = (r: number, j: number) => {
    switch (kind(j)) {
      case 'int': return String(r * 7 + j);
      case 'double': return r === 3 && j === 1 ? 'inf' : `${r}.${(j % 9) + 1}`;
      case 'bool': return (r + j) % 2 ? 'yes' : 'no';
      case 'date': return `2024-0${(r % 9) + 1}-1${j % 10}`;
      default: return `v${(r * j) % 5}`;
    }
  };
  const head = ['customer_id', ...Array.from({ length: columns }, (_, j) => `Trait ${first + j}`)];
  const lines = [head.join(',')];
  for (let r = 0; r < rows; r++) lines.push([`C${r}`, ...Array.from({ length: columns }, (_, j) => value(r, first + j))].join(','));
  return `${lines.join('\n')}\n`;
}

test('a 2,000-column customers file imports: every trait arrives, typed, with every value; a second wide file updates its own columns only', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'wide.csv');
    writeFileSync(file, wideCsv(2000, 40));
    const ws = await Workspace.open(join(dir, 'ws'), { create: true });
    try {
      const r = await importFile(ws, file, { kind: 'customers', remember: false });
      assert.deepEqual(r.rows, { read: 40, loaded: 40, quarantined: 0, alreadyPresent: 0 });
      const cols = new Map((await ws.db.all<{ column_name: string; data_type: string }>(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'customers' AND table_schema = 'main'",
      )).map((c) => [c.column_name, c.data_type]));
      const expected = ['BIGINT', 'DOUBLE', 'BOOLEAN', 'DATE', 'VARCHAR'];
      for (let j = 0; j < 2000; j++) assert.equal(cols.get(`trait_${j}`), expected[j % 5], `trait_${j}`);
      // the primary key survives: a repeated id is still refused
      await assert.rejects(ws.db.run("INSERT INTO customers (customer_id) VALUES ('C1')"));
      const row = await ws.db.one<Record<string, unknown>>("SELECT * FROM customers WHERE customer_id = 'C5'");
      assert.equal(row!.trait_0, 35);
      assert.equal(row!.trait_1, 5.2);
      assert.equal(row!.trait_1997, false);
      assert.equal((row!.trait_1998 as Date).toISOString().slice(0, 10), '2024-06-18');
      assert.equal(row!.trait_1999, `v${(5 * 1999) % 5}`);
      // every value arrived: no column has a missing value except the one non-finite double
      const missing = await ws.db.one<{ n: number }>(`SELECT list_sum([${Array.from({ length: 2000 }, (_, j) => `count(*) FILTER (WHERE trait_${j} IS NULL)`).join(', ')}]) AS n FROM customers`);
      assert.equal(missing!.n, 1);
      assert.ok(r.observations.some((o) => o.code === 'non-finite-trait-value' && o.count === 1));
      // a later wide file with other columns (and a changed one) keeps the earlier values of the columns it lacks
      const later = join(dir, 'later.csv');
      writeFileSync(later, wideCsv(150, 40, 1999));
      await importFile(ws, later, { kind: 'customers', remember: false });
      const after = await ws.db.one<Record<string, unknown>>("SELECT trait_0, trait_1999, trait_2145 FROM customers WHERE customer_id = 'C5'");
      assert.equal(after!.trait_0, 35);
      assert.equal(after!.trait_2145, 5 * 7 + 2145);
      assert.equal(after!.trait_1999, `v${(5 * 1999) % 5}`);
      assert.equal((await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM customers'))!.n, 40);
    } finally {
      ws.close();
    }
  });
});
