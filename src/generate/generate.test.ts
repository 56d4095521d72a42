import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSegmintError } from '../core/errors.ts';
import { readCsv } from '../../test/helpers/csv.ts';
import { generateDataset, GENERATOR_VERSION, PRESET_SPECS, PRESETS, type GenerateParams, type Preset } from './index.ts';
import { Clock, csvField, money } from './format.ts';

const FILES = ['customers.csv', 'transactions.csv', 'events.csv', 'products.csv', 'ground_truth.csv', 'manifest.json'];

function tmp(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'segmint-generate-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const hashDir = (dir: string) => FILES.map((f) => createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')).join(',');

test('the same parameters give byte-identical files; another seed gives other data', async () => {
  const [a, b, c] = [tmp(), tmp(), tmp()];
  try {
    await generateDataset({ preset: 'ecommerce', customers: 300, seed: 11, outDir: a.dir });
    await generateDataset({ preset: 'ecommerce', customers: 300, seed: 11, outDir: b.dir });
    await generateDataset({ preset: 'ecommerce', customers: 300, seed: 12, outDir: c.dir });
    assert.equal(hashDir(a.dir), hashDir(b.dir));
    for (const f of ['customers.csv', 'transactions.csv', 'events.csv', 'ground_truth.csv']) {
      assert.notEqual(readFileSync(join(a.dir, f), 'utf8'), readFileSync(join(c.dir, f), 'utf8'), f);
    }
  } finally {
    a.done();
    b.done();
    c.done();
  }
});

test('a larger run starts with the same customers as a smaller one (each customer has its own random stream)', async () => {
  const [small, large] = [tmp(), tmp()];
  try {
    await generateDataset({ preset: 'grocery', customers: 40, seed: 5, outDir: small.dir });
    await generateDataset({ preset: 'grocery', customers: 80, seed: 5, outDir: large.dir });
    for (const f of ['customers.csv', 'ground_truth.csv', 'transactions.csv', 'events.csv']) {
      const s = readFileSync(join(small.dir, f), 'utf8');
      assert.ok(readFileSync(join(large.dir, f), 'utf8').startsWith(s), `${f} of 40 customers is a prefix of the one of 80`);
    }
  } finally {
    small.done();
    large.done();
  }
});

/** Everything that must hold for every preset, checked on the files with an independent CSV reader. */
for (const preset of PRESETS) {
  test(`${preset}: well-formed files, ground truth for every customer, consistent transactions and events`, async () => {
    const t = tmp();
    try {
      const r = await generateDataset({ preset, customers: 250, seed: 3, outDir: t.dir, start: '2022-03-01', months: 18 });
      const spec = PRESET_SPECS[preset];
      const customers = readCsv(r.files.customers);
      const truth = readCsv(r.files.groundTruth);
      const tx = readCsv(r.files.transactions);
      const events = readCsv(r.files.events);
      const products = readCsv(r.files.products);
      // shape: header as documented, every row as wide as its header
      assert.deepEqual(customers.header.slice(0, 11), ['customer_id', 'gender', 'age', 'income_band', 'city', 'region', 'country', 'latitude', 'longitude', 'signup_date', 'email_opt_in']);
      assert.deepEqual(customers.header.slice(11), [...spec.traitColumns]);
      assert.deepEqual(tx.header, ['customer_id', 'order_id', 'line_no', 'ts', 'product_id', 'category', 'department', 'quantity', 'unit_price', 'amount', 'channel', 'coupon']);
      assert.deepEqual(events.header, ['customer_id', 'ts', 'type', 'properties']);
      assert.deepEqual(products.header, ['product_id', 'name', 'category', 'department', 'price']);
      assert.deepEqual(truth.header, ['customer_id', 'segment']);
      for (const f of [customers, truth, tx, events, products]) assert.ok(f.rows.every((row) => row.length === f.header.length), 'row widths');
      for (const f of ['customers.csv', 'transactions.csv', 'events.csv']) assert.ok(!readFileSync(join(t.dir, f), 'utf8').includes('\r'), `${f} uses LF`);
      // counts reported = rows written
      assert.deepEqual(r.counts, { customers: 250, transactions: tx.rows.length, events: events.rows.length, products: products.rows.length });
      // customers: unique ids, each with exactly one planted segment from the preset's list; every listed segment present
      const ids = customers.rows.map((x) => x[0]!);
      assert.equal(new Set(ids).size, 250);
      assert.deepEqual(truth.rows.map((x) => x[0]), ids);
      const names = spec.segments.map((s) => s.name);
      assert.ok(truth.rows.every((x) => names.includes(x[1]!)));
      assert.deepEqual(new Set(truth.rows.map((x) => x[1])), new Set(names), 'every planted segment has customers');
      assert.deepEqual(r.segments.map((s) => s.name), names);
      assert.equal(r.segments.reduce((a, s) => a + s.customers, 0), 250);
      const col = (h: string[], name: string) => h.indexOf(name);
      const [lat, lon, signup, optIn] = ['latitude', 'longitude', 'signup_date', 'email_opt_in'].map((c) => col(customers.header, c)) as [number, number, number, number];
      for (const row of customers.rows) {
        assert.ok(Math.abs(Number(row[lat])) <= 90 && Math.abs(Number(row[lon])) <= 180 && row[lat] !== '', 'coordinates');
        assert.match(row[signup]!, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(row[optIn] === 'true' || row[optIn] === 'false');
      }
      // transactions: known customers and products, timestamps inside the period, amount = quantity × unit price
      const idSet = new Set(ids);
      const productIds = new Set(products.rows.map((x) => x[0]!));
      const [q, up, amt, ts, oid, pid] = ['quantity', 'unit_price', 'amount', 'ts', 'order_id', 'product_id'].map((c) => col(tx.header, c)) as [number, number, number, number, number, number];
      const sold = new Set<string>();
      for (const row of tx.rows) {
        assert.ok(idSet.has(row[0]!), `transaction of unknown customer ${row[0]}`);
        assert.ok(productIds.has(row[pid]!), `unknown product ${row[pid]}`);
        assert.match(row[ts]!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        assert.ok(row[ts]! >= '2022-03-01 00:00:00' && row[ts]! < '2023-09-01 00:00:00', `ts ${row[ts]} inside the period`);
        assert.match(row[amt]!, /^-?\d+\.\d{2}$/);
        assert.equal(Math.round(Number(row[q]) * Number(row[up]) * 100), Math.round(Number(row[amt]) * 100), 'amount = quantity × unit_price');
        if (!row[oid]!.startsWith('C')) {
          assert.ok(Number(row[q]) > 0 && Number(row[amt]) >= 0);
          sold.add(`${row[oid]}/${row[2]}`);
        }
      }
      // returns: order id of a sold line prefixed with C, negative quantity and amount, no more than was sold
      const returns = tx.rows.filter((row) => row[oid]!.startsWith('C'));
      assert.ok(returns.length > 0, 'some returns or refunds');
      for (const row of returns) {
        assert.ok(sold.has(`${row[oid]!.slice(1)}/${row[2]}`), `return ${row[oid]} line ${row[2]} cancels a sold line`);
        assert.ok(Number(row[q]) < 0 && Number(row[amt]) < 0);
      }
      // events: known customers and declared types, JSON object properties, time order per customer, no duplicate lines
      const seen = new Set<string>();
      let prev = ['', ''];
      for (const row of events.rows) {
        assert.ok(idSet.has(row[0]!));
        assert.ok(spec.eventTypes.includes(row[2]!), `event type ${row[2]}`);
        const props: unknown = JSON.parse(row[3]!);
        assert.ok(props !== null && typeof props === 'object' && !Array.isArray(props));
        assert.ok(row[1]! >= '2022-03-01 00:00:00' && row[1]! < '2023-09-01 00:00:00');
        if (row[0] === prev[0]) assert.ok(row[1]! > prev[1]!, 'events of a customer in time order, one per second at most');
        prev = [row[0]!, row[1]!];
        const key = row.join('\u0001');
        assert.ok(!seen.has(key), 'no duplicate event lines');
        seen.add(key);
      }
      // products: unique ids, positive or zero prices with two decimals
      assert.equal(productIds.size, products.rows.length);
      assert.ok(products.rows.every((x) => /^\d+\.\d{2}$/.test(x[4]!)));
      // manifest
      const manifest = JSON.parse(readFileSync(r.files.manifest, 'utf8')) as Record<string, unknown>;
      assert.equal(manifest.preset, preset);
      assert.equal(manifest.seed, 3);
      assert.equal(manifest.generatorVersion, GENERATOR_VERSION);
      assert.deepEqual(manifest.params, { preset, customers: 250, seed: 3, start: '2022-03-01', months: 18 });
      assert.deepEqual(manifest.counts, r.counts);
      assert.deepEqual((manifest.segments as { name: string; description: string }[]).map((s) => [s.name, s.description]), spec.segments.map((s) => [s.name, s.description]));
      assert.deepEqual(r.period, { start: '2022-03-01', end: '2023-08-31' });
    } finally {
      t.done();
    }
  });
}

test('progress is reported by phase, with fractions rising to 1 about every 1%', async () => {
  const t = tmp();
  try {
    const calls: [string, number | undefined][] = [];
    await generateDataset({ preset: 'ngo', customers: 1000, seed: 1, outDir: t.dir }, (phase, f) => calls.push([phase, f]));
    const fractions = calls.filter(([p]) => p === 'customers').map(([, f]) => f!);
    assert.ok(fractions.length >= 100 && fractions.length <= 102, `${fractions.length} progress calls`);
    assert.ok(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1]!)));
    assert.equal(fractions.at(-1), 1);
    assert.deepEqual(calls.at(-1), ['done', 1]);
  } finally {
    t.done();
  }
});

test('invalid parameters are refused with a coded error that says what was seen and what to do', async () => {
  const t = tmp();
  try {
    const ok: GenerateParams = { preset: 'ngo', customers: 5, seed: 1, outDir: join(t.dir, 'out') };
    const cases: [Partial<Record<keyof GenerateParams, unknown>>, RegExp][] = [
      [{ preset: 'retail' }, /preset must be one of ecommerce, grocery, banking, telecom, ngo, but got "retail"/],
      [{ preset: 'grocey' }, /preset/],
      [{ customers: 0 }, /customers must be a whole number/],
      [{ customers: 2.5 }, /customers/],
      [{ customers: '10' }, /customers/],
      [{ seed: -1 }, /seed must be a whole number from 0 to 4294967295, but got -1/],
      [{ seed: 2 ** 32 }, /seed/],
      [{ outDir: '' }, /outDir must name a folder/],
      [{ start: '2024-13-01' }, /start must be a calendar date/],
      [{ start: '2023-02-29' }, /start/],
      [{ start: '1/2/2024' }, /start/],
      [{ months: 0 }, /months must be a whole number from 1 to 240/],
      [{ months: 12.5 }, /months/],
    ];
    for (const [change, message] of cases) {
      await assert.rejects(generateDataset({ ...ok, ...change } as GenerateParams), (e: unknown) => {
        assert.ok(isSegmintError(e, 'invalid-option'), `${JSON.stringify(change)} gives invalid-option`);
        assert.equal(e.exitCode, 2);
        assert.match(e.message, message);
        assert.ok(e.hint && e.hint.length > 0);
        return true;
      });
    }
    await assert.rejects(generateDataset({ ...ok, preset: 'grocey' as Preset }), (e: unknown) => isSegmintError(e) && /did you mean --preset grocery/.test(e.hint ?? ''));
    // --out naming a file
    const file = join(t.dir, 'a-file');
    writeFileSync(file, 'x');
    await assert.rejects(generateDataset({ ...ok, outDir: file }), (e: unknown) => isSegmintError(e, 'invalid-option') && /is a file/.test(e.message));
  } finally {
    t.done();
  }
});

test('formatting helpers: money in cents, RFC 4180 fields, UTC timestamps as Date would print them', () => {
  assert.equal(money(0), '0.00');
  assert.equal(money(5), '0.05');
  assert.equal(money(1234), '12.34');
  assert.equal(money(-1205), '-12.05');
  assert.equal(money(100000), '1000.00');
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField(undefined), '');
  const from = Date.UTC(2020, 0, 1);
  const to = Date.UTC(2021, 0, 1);
  const clock = new Clock(from, to);
  for (const ms of [from, to - 1000, Date.UTC(2020, 1, 29, 23, 59, 59), Date.UTC(2020, 5, 15, 7, 3, 9, 999), Date.UTC(1999, 11, 31, 12), Date.UTC(2030, 6, 1)]) {
    const iso = new Date(ms).toISOString();
    assert.equal(clock.ts(ms), `${iso.slice(0, 10)} ${iso.slice(11, 19)}`);
    assert.equal(clock.date(ms), iso.slice(0, 10));
  }
});
