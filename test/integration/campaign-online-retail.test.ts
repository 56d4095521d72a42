// Issue #17: a campaign created on an audience of the Online Retail workspace (the bundled parquet). Created
// again (in a second workspace on the same data) it assigns the same arms; created again on a later snapshot,
// the new members get arms and every existing member keeps its own. Outcomes from the workspace (conversion,
// revenue in the window after the send date) against a computation written out here on the raw file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { quoteString } from '../../src/sql/quote.ts';
import { openMemoryDb } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/workspace.ts';

const BUNDLED = resolve(import.meta.dirname, '../../data/online-retail.parquet');
let dir = '';
let cleanup = () => {};
let wsA = '';
let wsB = '';
let early = '';
const REPEAT = 'orders >= 2';
const CREATE = ['campaign', 'create', 'summer', '--audience', 'repeat', '--control', '20%', '--arms', 'a:40%,b:40%', '--seed', '3'];

async function ok(ws: string, args: string[]): Promise<string> {
  const r = await runCli([...args, '-w', ws]);
  assert.equal(r.code, 0, `segmint ${args.join(' ')}: ${r.err}`);
  return r.out;
}
const okJson = async (ws: string, args: string[]) => JSON.parse(await ok(ws, [...args, '--json']));
const sendList = (file: string) => new Map(readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).map(([id, arm]) => [id!, arm!]));

before(async () => {
  ({ dir, cleanup } = tempDir());
  [wsA, wsB] = [join(dir, 'a'), join(dir, 'b')];
  early = join(dir, 'early.parquet');
  const { db, close } = await openMemoryDb();
  try {
    await db.run(`COPY (SELECT * FROM read_parquet(${quoteString(BUNDLED)}) WHERE InvoiceDate < TIMESTAMP '2011-07-01') TO ${quoteString(early)} (FORMAT parquet)`);
  } finally {
    close();
  }
  for (const ws of [wsA, wsB]) {
    assert.equal((await runCli(['init', ws])).code, 0);
    await ok(ws, ['import', early, '--kind', 'transactions']);
    await ok(ws, ['audience', 'eval', '--where', REPEAT, '--name', 'repeat']);
  }
});
after(() => cleanup());

test('created again on the same data, a campaign assigns the same arms; the split matches the plan', async () => {
  const a = await okJson(wsA, [...CREATE, '--out', join(dir, 'send-a.csv')]);
  const b = await okJson(wsB, [...CREATE, '--out', join(dir, 'send-b.csv')]);
  assert.equal(a.sendDate, '2011-07-01');
  assert.ok(a.added > 1000, `${a.added} members`);
  assert.deepEqual(b.arms, a.arms);
  const [sa, sb] = [sendList(join(dir, 'send-a.csv')), sendList(join(dir, 'send-b.csv'))];
  assert.equal(sa.size, a.added);
  assert.deepEqual([...sb.entries()].sort(), [...sa.entries()].sort());
  // shares near 20/40/40: the split check (chi-square, p ≥ 0.001) passes
  const show = await okJson(wsA, ['campaign', 'measure', 'summer', '--metric', 'conversion']);
  assert.equal(show.srm.flagged, false, show.srm.message);
  for (const arm of a.arms) assert.ok(Math.abs(arm.customers / a.added - arm.share) < 0.03, `${arm.arm}: ${arm.customers} of ${a.added}`);
  // the same command again on the same snapshot adds nobody and moves nobody
  const again = await okJson(wsA, CREATE);
  assert.deepEqual([again.added, again.kept], [0, a.added]);
  // another plan under the same name is refused
  const r = await runCli([...CREATE.slice(0, -1), '4', '-w', wsA, '--json']);
  assert.equal(r.code, 2);
  assert.equal(JSON.parse(r.out).error.code, 'campaign-exists');
});

test('a second snapshot\'s new members get arms while existing members keep theirs; outcomes equal a direct computation', async () => {
  const first = sendList(join(dir, 'send-a.csv'));
  await ok(wsA, ['import', BUNDLED, '--kind', 'transactions']);
  const snap = await okJson(wsA, ['audience', 'eval', '--where', REPEAT, '--name', 'repeat']);
  const r = await okJson(wsA, [...CREATE, '--out', join(dir, 'send-2.csv')]);
  const second = sendList(join(dir, 'send-2.csv'));
  assert.equal(r.kept, first.size);
  assert.ok(r.added > 500, `${r.added} new members`);
  assert.equal(second.size, first.size + r.added);
  for (const [id, arm] of first) assert.equal(second.get(id), arm, `customer ${id} moved`);
  // the new members are exactly the second snapshot's members that were not in the first
  const added = [...second.keys()].filter((id) => !first.has(id));
  assert.equal(added.length, r.added);
  assert.ok(snap.customers >= added.length);

  // outcomes: conversion and revenue of each arm in the 30 days from the send date, computed on the raw file
  const m = await okJson(wsA, ['campaign', 'measure', 'summer', '--metric', 'conversion,revenue', '--window', '30']);
  assert.deepEqual(m.window, { from: '2011-07-01', to: '2011-07-31', days: 30 });
  const { db, close } = await openMemoryDb();
  try {
    await db.run('CREATE TABLE send (customer_id VARCHAR, arm VARCHAR)');
    await db.run(`INSERT INTO send SELECT customer_id, arm FROM read_csv(${quoteString(join(dir, 'send-2.csv'))}, header = true, all_varchar = true)`);
    // CustomerID is a number in the file (17850.0): the workspace keeps its integral text; exact duplicate
    // lines are quarantined on import (duplicateRows: quarantine), so each counts once
    const want = await db.all<{ arm: string; n: number; conv: number; rev: number }>(`SELECT s.arm, count(*) AS n, avg(CASE WHEN o.orders > 0 THEN 1.0 ELSE 0.0 END) AS conv, avg(coalesce(o.rev, 0)) AS rev
      FROM send s LEFT JOIN (SELECT CAST(CAST(CustomerID AS BIGINT) AS VARCHAR) AS customer_id, count(DISTINCT InvoiceNo) FILTER (WHERE NOT starts_with(InvoiceNo, 'C') AND Quantity > 0) AS orders,
        sum(Quantity * UnitPrice) AS rev FROM (SELECT DISTINCT * FROM read_parquet(${quoteString(BUNDLED)})) WHERE CustomerID IS NOT NULL AND InvoiceDate >= TIMESTAMP '2011-07-01' AND InvoiceDate < TIMESTAMP '2011-07-31' GROUP BY 1) o
      ON o.customer_id = s.customer_id GROUP BY s.arm ORDER BY s.arm`);
    for (const w of want) {
      const cell = (metric: string) => m.metrics.find((x: { metric: string }) => x.metric === metric).cells.find((c: { arm: string; segment: null }) => c.arm === w.arm && c.segment === null);
      assert.equal(cell('conversion').customers, Number(w.n), w.arm);
      assert.ok(Math.abs(cell('conversion').mean - Number(w.conv)) < 1e-12, `${w.arm} conversion ${cell('conversion').mean} against ${w.conv}`);
      assert.ok(Math.abs(cell('revenue').mean - Number(w.rev)) < 1e-6, `${w.arm} revenue ${cell('revenue').mean} against ${w.rev}`);
    }
  } finally {
    close();
  }
  assert.equal(m.metrics[0].kind, 'proportion');
  assert.equal(m.metrics[1].kind, 'mean');

  // by a stored segmentation: every member has a label (or '(none)'), and the segments add up to the arms
  await ok(wsA, ['rfm', '--as-of', '2011-07-01']);
  const by = await okJson(wsA, ['campaign', 'measure', 'summer', '--by', 'rfm.segment', '--metric', 'conversion']);
  const cells = by.metrics[0].cells as { segment: string | null; arm: string; customers: number }[];
  for (const arm of ['control', 'a', 'b']) {
    const total = cells.filter((c) => c.segment === null && c.arm === arm)[0]!.customers;
    assert.equal(cells.filter((c) => c.segment !== null && c.arm === arm).reduce((s, c) => s + c.customers, 0), total, arm);
  }
  assert.ok(by.segments.includes('(none)'), 'the members who joined after the as-of date have no RFM segment');
  assert.equal(by.metrics[0].bySegment.length, 2 * by.segments.length);

  // segmint runs lists the campaign's runs: the first create, the one that added nobody, the one on the later snapshot
  const runs = (await okJson(wsA, ['runs', '--kind', 'campaign'])) as { name: string; customers: number; summary: string }[];
  assert.deepEqual(runs.map((x) => [x.name, x.customers]), [['summer', first.size], ['summer', 0], ['summer', r.added]]);
  assert.equal(runs[2]!.summary, `campaign summer: ${r.added.toLocaleString('en-US')} customers given an arm`);
});
