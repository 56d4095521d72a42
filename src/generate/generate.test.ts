import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers/workspace.ts';
import { readCsv } from '../../test/helpers/csv.ts';
import { generateDataset, PRESET_SPECS, PRESETS } from './index.ts';

const hashFiles = (dir: string) =>
  ['customers.csv', 'transactions.csv', 'events.csv', 'products.csv', 'ground_truth.csv']
    .map((f) => createHash('sha256').update(readFileSync(join(dir, f))).digest('hex'))
    .join(',');

test('the same seed gives byte-identical files; another seed different data', async () => {
  const a = tempDir();
  const b = tempDir();
  const c = tempDir();
  try {
    await generateDataset({ preset: 'ecommerce', customers: 300, seed: 11, outDir: a.dir });
    await generateDataset({ preset: 'ecommerce', customers: 300, seed: 11, outDir: b.dir });
    await generateDataset({ preset: 'ecommerce', customers: 300, seed: 12, outDir: c.dir });
    assert.equal(hashFiles(a.dir), hashFiles(b.dir));
    assert.notEqual(hashFiles(a.dir), hashFiles(c.dir));
  } finally {
    a.cleanup();
    b.cleanup();
    c.cleanup();
  }
});

for (const preset of PRESETS) {
  test(`${preset}: every customer has a planted segment, every transaction a known customer, returns are marked`, async () => {
    const t = tempDir();
    try {
      const r = await generateDataset({ preset, customers: 400, seed: 3, outDir: t.dir });
      const customers = readCsv(r.files.customers);
      const truth = readCsv(r.files.groundTruth);
      const tx = readCsv(r.files.transactions);
      assert.equal(customers.rows.length, 400);
      assert.equal(truth.rows.length, 400);
      const ids = new Set(customers.rows.map((x) => x[0]!));
      assert.deepEqual(new Set(truth.rows.map((x) => x[0]!)), ids);
      const names = new Set(truth.rows.map((x) => x[1]!));
      for (const s of PRESET_SPECS[preset].segments) assert.ok(names.has(s.name), `${preset} has ${s.name}`);
      assert.ok(tx.rows.length > 400, 'transactions present');
      assert.ok(tx.rows.every((row) => ids.has(row[0]!)), 'no unknown customer');
      const qty = tx.header.indexOf('quantity');
      const returns = tx.rows.filter((row) => row[1]!.startsWith('C'));
      assert.ok(returns.every((row) => Number(row[qty]) < 0), 'cancellations have negative quantity');
      if (preset !== 'ngo') assert.ok(returns.length > 0, 'some returns');
      for (const h of ['latitude', 'longitude', 'city', 'country', 'gender', 'age']) assert.ok(customers.header.includes(h), h);
      assert.equal(r.counts.transactions, tx.rows.length);
    } finally {
      t.cleanup();
    }
  });
}

test('grocery: planted segments differ where they should (produce lovers buy produce, meat lovers meat)', async () => {
  const t = tempDir();
  try {
    const r = await generateDataset({ preset: 'grocery', customers: 600, seed: 5, outDir: t.dir });
    const seg = new Map(readCsv(r.files.groundTruth).rows.map((x) => [x[0]!, x[1]!]));
    const tx = readCsv(r.files.transactions);
    const dept = tx.header.indexOf('department');
    const amount = tx.header.indexOf('amount');
    const spend: Record<string, Record<string, number>> = {};
    for (const row of tx.rows) {
      const s = seg.get(row[0]!)!;
      spend[s] ??= {};
      spend[s][row[dept]!] = (spend[s][row[dept]!] ?? 0) + Number(row[amount]);
    }
    const share = (s: string, d: string) => spend[s]![d]! / Object.values(spend[s]!).reduce((a, b) => a + b, 0);
    assert.ok(share('produce lovers', 'produce') > 2 * share('meat lovers', 'produce'));
    assert.ok(share('meat lovers', 'meat') > 2 * share('produce lovers', 'meat'));
    assert.ok(share('gourmet', 'gourmet') > 2 * share('basic shoppers', 'gourmet'));
  } finally {
    t.cleanup();
  }
});

test('invalid parameters are refused with a coded error', async () => {
  await assert.rejects(generateDataset({ preset: 'retail' as never, customers: 10, seed: 1, outDir: '/tmp/x' }), (e: { code: string; hint: string }) => e.code === 'invalid-option' && /grocery/.test(e.hint));
  await assert.rejects(generateDataset({ preset: 'ngo', customers: 0, seed: 1, outDir: '/tmp/x' }), (e: { code: string }) => e.code === 'invalid-option');
  await assert.rejects(generateDataset({ preset: 'ngo', customers: 5, seed: -1, outDir: '/tmp/x' }), (e: { code: string }) => e.code === 'invalid-option');
  await assert.rejects(generateDataset({ preset: 'ngo', customers: 5, seed: 1, outDir: '/tmp/x', start: '2024-13-01' }), (e: { code: string }) => e.code === 'invalid-option');
});
