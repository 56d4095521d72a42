// The builder's blocks round-trip with the text: text → blocks → canonical text is the formatter's text of
// the same rule, and rules the blocks cannot show say why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAudience } from '../segments/parse.ts';
import { formatAudience } from '../segments/format.ts';
import { BlockError, fromBlocks, toBlocks, type Block } from './audience-blocks.ts';

const RULES = [
  "all(has no orders in last 3 months, country = 'Germany')",
  "any(country in ('UK', 'FR'), not(rfm.segment = 'Champions'), rfm.monetary > p90)",
  'orders in last 90 days >= 2',
  'sum(amount) purchases in last 1 year > avg',
  "has event 'login' in last 30 days",
  'last order more than 90 days ago',
  "first order between '2011-01-01' and '2011-06-30'",
  "all(age between 20 and 30, email is not null, city starts with 'Lon', name contains 'x', signup_date after '2020-01-01')",
  "not in audience 'lapsed'",
  'has returns',
];

test('text → blocks → text gives the canonical text', () => {
  for (const r of RULES) {
    const node = parseAudience(r).node;
    assert.ok(node, r);
    const b = toBlocks(node);
    assert.ok('blocks' in b, `${r}: ${'reason' in b ? b.reason : ''}`);
    assert.equal(formatAudience(fromBlocks(JSON.parse(JSON.stringify(b.blocks)))), formatAudience(node), r);
  }
});

test('rules the blocks cannot show say why', () => {
  for (const [r, why] of [
    ["has purchases where category = 'x'", /row filters/],
    ["has event 'add_to_cart' then no orders within 24 hours", /sequences/],
    ['within 25 km of (51.5, -0.12)', /distances/],
    ["cluster(3).name = 'x'", /pinned run/],
  ] as const) {
    const b = toBlocks(parseAudience(r).node!);
    assert.ok('reason' in b, r);
    assert.match(b.reason, why);
  }
});

test('blocks built by hand: the builder\'s "no orders in the last 3 months, in Germany"', () => {
  const b: Block = { kind: 'group', op: 'all', items: [
    { kind: 'has', negate: true, source: { kind: 'orders' }, window: { n: 3, unit: 'months' } },
    { kind: 'field', field: 'country', op: '=', values: [{ type: 'string', value: 'Germany' }] },
  ] };
  assert.equal(formatAudience(fromBlocks(b)), "all(has no orders in last 3 months, country = 'Germany')");
  assert.equal(formatAudience(fromBlocks({ kind: 'field', field: 'name', op: '=', values: [{ type: 'string', value: "O'Brien" }] })), "name = 'O''Brien'");
});

test('malformed blocks are refused with where they are', () => {
  for (const [b, where] of [
    [{ kind: 'group', op: 'all', items: [{ kind: 'field', field: 'x', op: '~', values: [] }] }, /blocks\.items\[0\]\.op/],
    [{ kind: 'has', negate: true, source: { kind: 'orders' }, window: { n: 0, unit: 'days' } }, /window\.n/],
    [{ kind: 'field', field: 'x', op: '=', values: [{ type: 'number', value: 'NaN' }] }, /values\[0\]/],
    [{ kind: 'field', field: 'x', op: 'between', values: [{ type: 'number', value: 1 }] }, /expected 2 values/],
    [{ kind: 'measure', agg: 'sum', source: { kind: 'orders' }, op: '>', value: { type: 'number', value: 1 } }, /aggField/],
    [null, /expected an object/],
  ] as const) {
    assert.throws(() => fromBlocks(b), (e: unknown) => e instanceof BlockError && where.test(e.message), JSON.stringify(b));
  }
  let deep: unknown = { kind: 'ref', negate: false, name: 'x' };
  for (let i = 0; i < 20; i++) deep = { kind: 'not', item: deep };
  assert.throws(() => fromBlocks(deep), /nested deeper/);
});
