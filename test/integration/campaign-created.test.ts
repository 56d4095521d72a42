// Issue #17: a campaign created on a small workspace written out here, with outcomes from the workspace — orders,
// revenue and events in the window after the send date, nothing before it or after the window — checked against
// the rule that wrote the files; segmint campaign plan against Fleiss's formula written out; errors users can cause.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/workspace.ts';

let dir = '';
let ws = '';
let cleanup = () => {};
const N = 300;
const id = (i: number) => `c${String(i).padStart(3, '0')}`;

async function ok(args: string[]): Promise<string> {
  const r = await runCli([...args, '-w', ws]);
  assert.equal(r.code, 0, `segmint ${args.join(' ')}: ${r.err}`);
  return r.out;
}
const okJson = async (args: string[]) => JSON.parse(await ok([...args, '--json']));

/** What each customer did: clicks in the window (and one before the send, one after the window), an order in the window. */
const clicks = (i: number) => (i % 3 === 0 ? 1 : 0) + (i % 10 === 0 ? 2 : 0);
const orders = (i: number) => (i % 7 === 0 ? 1 : 0);

before(async () => {
  ({ dir, cleanup } = tempDir());
  ws = join(dir, 'ws');
  assert.equal((await runCli(['init', ws])).code, 0);
  const customers = ['customer_id,region', ...Array.from({ length: N }, (_, k) => `${id(k + 1)},${(k + 1) % 2 ? 'North' : 'South'}`)];
  const events = ['customer_id,event_time,event_type'];
  const tx = ['customer_id,order_id,date,amount'];
  for (let i = 1; i <= N; i++) {
    for (let c = 0; c < clicks(i); c++) events.push(`${id(i)},2024-03-0${5 + c} 10:00:00,email_click`);
    if (i % 4 === 0) events.push(`${id(i)},2024-02-20 10:00:00,email_click`); // before the send
    if (i % 5 === 0) events.push(`${id(i)},2024-03-31 00:00:00,email_click`); // the day after a 30-day window
    tx.push(`${id(i)},early-${i},2024-01-15,10`); // before the send
    if (orders(i)) tx.push(`${id(i)},o-${i},2024-03-10,${i}`);
  }
  for (const [name, rows] of [['customers', customers], ['events', events], ['transactions', tx]] as const) {
    writeFileSync(join(dir, `${name}.csv`), `${rows.join('\n')}\n`);
    await ok(['import', join(dir, `${name}.csv`), '--kind', name]);
  }
  await ok(['audience', 'eval', '--where', "region in ('North', 'South')", '--name', 'everyone']);
});
after(() => cleanup());

test('outcomes from the workspace: conversion, revenue, event and events counted in the window after the send date only', async () => {
  const c = await okJson(['campaign', 'create', 'promo', '--audience', 'everyone', '--control', '50%', '--send-date', '2024-03-01', '--out', join(dir, 'send.csv')]);
  assert.equal(c.members, N);
  const arms = new Map(readFileSync(join(dir, 'send.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).map(([cid, arm]) => [cid!, arm!]));
  const m = await okJson(['campaign', 'measure', 'promo', '--metric', 'conversion,revenue,event:email_click,events:email_click', '--window', '30', '--by', 'region']);
  assert.deepEqual(m.window, { from: '2024-03-01', to: '2024-03-31', days: 30 });
  assert.deepEqual(m.segments, ['North', 'South']);
  const want = (arm: string, region: string | null, f: (i: number) => number) => {
    const xs = Array.from({ length: N }, (_, k) => k + 1).filter((i) => arms.get(id(i)) === arm && (region === null || (i % 2 ? 'North' : 'South') === region)).map(f);
    return { n: xs.length, mean: xs.reduce((a, b) => a + b, 0) / xs.length };
  };
  const outcome: Record<string, (i: number) => number> = {
    conversion: orders, revenue: (i) => orders(i) * i, 'event:email_click': (i) => (clicks(i) > 0 ? 1 : 0), 'events:email_click': clicks,
  };
  for (const r of m.metrics) {
    assert.equal(r.kind, r.metric === 'revenue' || r.metric === 'events:email_click' ? 'mean' : 'proportion', r.metric);
    for (const cell of r.cells) {
      const w = want(cell.arm, cell.segment, outcome[r.metric]!);
      assert.equal(cell.customers, w.n, `${r.metric} ${cell.arm} ${cell.segment}`);
      assert.ok(Math.abs(cell.mean - w.mean) < 1e-12, `${r.metric} ${cell.arm} ${cell.segment}: ${cell.mean} against ${w.mean}`);
    }
    for (const k of r.bySegment) assert.ok(Math.abs(k.lift - (k.mean - k.controlMean)) < 1e-12);
  }
  // by membership of another audience's latest snapshot: in / not in
  await ok(['audience', 'eval', '--where', "region = 'North'", '--name', 'north']);
  const aud = await okJson(['campaign', 'measure', 'promo', '--metric', 'conversion', '--by', 'audience:north']);
  assert.deepEqual(aud.segments, ['in north', 'not in north']);
  const north = m.metrics[0].cells.filter((q: { segment: string | null }) => q.segment === 'North');
  const inNorth = aud.metrics[0].cells.filter((q: { segment: string | null }) => q.segment === 'in north');
  assert.deepEqual(inNorth.map((q: { customers: number; mean: number }) => [q.customers, q.mean]), north.map((q: { customers: number; mean: number }) => [q.customers, q.mean]));

  // the same experiment imported from a file (ids of the workspace's customers, its send date): the same figures
  const file = join(dir, 'experiment.csv');
  writeFileSync(file, `customer_id,group\n${[...arms].map(([cid, arm]) => `${cid},${arm}`).join('\n')}\n`);
  await ok(['campaign', 'import', file, '--name', 'promo-file', '--arm-column', 'group', '--control', 'control', '--send-date', '2024-03-01', '--planned', 'control:50%,treatment:50%']);
  const imported = await okJson(['campaign', 'measure', 'promo-file', '--metric', 'conversion,revenue', '--window', '30', '--by', 'region']);
  assert.deepEqual(imported.window, m.window);
  // equal up to the last bits of the engine's parallel sums
  const same = (a: unknown, b: unknown, at: string): void => {
    if (typeof a === 'number' && typeof b === 'number') return assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${at}: ${a} against ${b}`);
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), at);
      for (const key of Object.keys(a)) same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`);
      return;
    }
    assert.equal(a, b, at);
  };
  for (const [k, metric] of ['conversion', 'revenue'].entries()) {
    const created = m.metrics.find((x: { metric: string }) => x.metric === metric);
    same(imported.metrics[k].cells, created.cells, `${metric} cells`);
    same(imported.metrics[k].bySegment, created.bySegment, `${metric} bySegment`);
  }

  // the window is counted, not everything after the send: a 31-day window takes the clicks of 31 March too
  const wide = await okJson(['campaign', 'measure', 'promo', '--metric', 'events:email_click', '--window', '31']);
  const total = (x: { cells: { segment: string | null; customers: number; mean: number }[] }) => x.cells.filter((q) => q.segment === null).reduce((s, q) => s + q.customers * q.mean, 0);
  const in30 = Array.from({ length: N }, (_, k) => clicks(k + 1)).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total(wide.metrics[0]) - (in30 + N / 5)) < 1e-9);
  // the last order (10 March) falls before the window's end: said; the last event (31 March) does not
  assert.deepEqual(m.notes, ['the last transaction is on 2024-03-10, before the end of the 30-day window (2024-03-31): outcomes may still be coming in']);
});

test('errors users can cause: unknown audience, shares that do not add up, an unknown event type or metric', async () => {
  const bad = async (args: string[], code: string, text: RegExp) => {
    const r = await runCli([...args, '-w', ws, '--json']);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    const e = JSON.parse(r.out).error;
    assert.equal(e.code, code);
    assert.match(`${e.message} ${e.hint}`, text);
  };
  await bad(['campaign', 'create', 'x', '--audience', 'everyon'], 'unknown-audience', /did you mean everyone/);
  await bad(['campaign', 'create', 'x', '--audience', 'everyone', '--arms', 'a:50%,b:50%'], 'invalid-option', /add up to 110%/);
  await bad(['campaign', 'create', 'x', '--audience', 'everyone', '--arms', 'a,control'], 'invalid-option', /'control' appears twice/);
  await bad(['campaign', 'create', 'x', '--audience', 'everyone', '--control', '0'], 'invalid-option', /above 0 and below 1/);
  await bad(['campaign', 'measure', 'promo', '--metric', 'event:email_clik'], 'unknown-event-type', /did you mean email_click/);
  await bad(['campaign', 'measure', 'promo', '--metric', 'revenu'], 'unknown-metric', /did you mean revenue/);
  await bad(['campaign', 'measure', 'promo', '--by', 'rfm.segment'], 'no-model-run', /rfm/);
  await bad(['campaign', 'plan', '--baseline', '5%'], 'invalid-usage', /--mde/);
});

test('segmint campaign plan: Fleiss\'s sample size written out, and the smallest lift a size detects', async () => {
  const [za, zb] = [1.959963984540054, 0.8416212335729143];
  const n = Math.ceil((za * Math.sqrt(2 * 0.055 * 0.945) + zb * Math.sqrt(0.05 * 0.95 + 0.06 * 0.94)) ** 2 / 1e-4);
  const p = await okJson(['campaign', 'plan', '--baseline', '5%', '--mde', '1%']);
  assert.deepEqual([p.control, p.treatment, p.total], [n, n, 2 * n]);
  const rel = await okJson(['campaign', 'plan', '--baseline', '5%', '--relative-mde', '20%']);
  assert.equal(rel.control, n);
  const mde = await okJson(['campaign', 'plan', '--baseline', '5%', '--size', String(n)]);
  assert.ok(Math.abs(mde.mde - 0.01) < 2e-6, `${mde.mde}`);
  const text = await ok(['campaign', 'plan', '--baseline', '5%', '--mde', '1%']);
  assert.match(text, new RegExp(`${n.toLocaleString('en-US')} control and ${n.toLocaleString('en-US')} treated customers`));
});

test('campaign list and show: the stored campaigns with their plan, members and columns', async () => {
  const all = await okJson(['campaign', 'list']);
  assert.deepEqual(all.map((c: { name: string; source: string; members: number }) => [c.name, c.source, c.members]), [['promo', 'created', N], ['promo-file', 'imported', N]]);
  const promo = await okJson(['campaign', 'show', 'promo']);
  assert.deepEqual([promo.control, promo.arms, promo.seed, promo.audience, promo.sendDate], ['control', [{ name: 'control', share: 0.5 }, { name: 'treatment', share: 0.5 }], 0, 'everyone', '2024-03-01']);
  const text = await ok(['campaign', 'show', 'promo-file']);
  assert.match(text, /campaign 'promo-file' \(from .*experiment\.csv\), 300 members/);
  assert.match(text, /outcomes: none; pre-treatment columns: none/);
});
