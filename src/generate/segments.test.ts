// The planted segments must be recoverable: each test computes, from the generated files alone, the
// statistic a segmentation would use and checks that the segments differ in it by a wide margin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsv } from '../../test/helpers/csv.ts';
import { generateDataset, type Preset } from './index.ts';

interface Line {
  customer: string;
  order: string;
  ts: string;
  product: string;
  category: string;
  department: string;
  quantity: number;
  unitPrice: number;
  amount: number;
  coupon: string;
  isReturn: boolean;
}

interface Data {
  segmentOf: Map<string, string>;
  customersOf: Map<string, string[]>;
  customers: Map<string, Record<string, string>>;
  lines: Line[];
  events: { customer: string; ts: string; type: string; props: Record<string, unknown> }[];
  period: { start: string; end: string };
}

async function generate(preset: Preset, customers: number, seed = 2): Promise<Data> {
  const dir = mkdtempSync(join(tmpdir(), `segmint-segments-${preset}-`));
  try {
    const r = await generateDataset({ preset, customers, seed, outDir: dir });
    const truth = readCsv(r.files.groundTruth);
    const segmentOf = new Map(truth.rows.map((x) => [x[0]!, x[1]!]));
    const customersOf = new Map<string, string[]>();
    for (const [c, s] of segmentOf) customersOf.set(s, [...(customersOf.get(s) ?? []), c]);
    const cu = readCsv(r.files.customers);
    const custRows = new Map(cu.rows.map((row) => [row[0]!, Object.fromEntries(cu.header.map((h, i) => [h, row[i]!]))]));
    const tx = readCsv(r.files.transactions);
    const k = (name: string) => tx.header.indexOf(name);
    const lines = tx.rows.map((x) => ({
      customer: x[k('customer_id')]!, order: x[k('order_id')]!, ts: x[k('ts')]!, product: x[k('product_id')]!, category: x[k('category')]!,
      department: x[k('department')]!, quantity: Number(x[k('quantity')]), unitPrice: Number(x[k('unit_price')]), amount: Number(x[k('amount')]),
      coupon: x[k('coupon')]!, isReturn: x[k('order_id')]!.startsWith('C'),
    }));
    const ev = readCsv(r.files.events);
    const events = ev.rows.map((x) => ({ customer: x[0]!, ts: x[1]!, type: x[2]!, props: JSON.parse(x[3]!) as Record<string, unknown> }));
    return { segmentOf, customersOf, customers: custRows, lines, events, period: r.period };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per segment: the sum of `value` over the rows kept by `keep`, divided by the segment's customer count (or by `per`). */
function perCustomer<T extends { customer: string }>(d: Data, rows: T[], value: (r: T) => number, keep: (r: T) => boolean = () => true): Map<string, number> {
  const sums = new Map<string, number>();
  for (const r of rows) if (keep(r)) sums.set(d.segmentOf.get(r.customer)!, (sums.get(d.segmentOf.get(r.customer)!) ?? 0) + value(r));
  return new Map([...d.customersOf].map(([s, cs]) => [s, (sums.get(s) ?? 0) / cs.length]));
}

/** Per segment: share of the spend (purchases, returns excluded) in departments (or categories) accepted by `which`. */
function spendShare(d: Data, which: (l: Line) => boolean): Map<string, number> {
  const all = perCustomer(d, d.lines, (l) => l.amount, (l) => !l.isReturn);
  const part = perCustomer(d, d.lines, (l) => l.amount, (l) => !l.isReturn && which(l));
  return new Map([...all].map(([s, v]) => [s, part.get(s)! / v]));
}

const orderCounts = (d: Data): Map<string, number> => {
  const orders = new Map<string, Set<string>>();
  for (const l of d.lines) if (!l.isReturn) (orders.get(l.customer) ?? orders.set(l.customer, new Set()).get(l.customer)!).add(l.order);
  return new Map([...d.segmentOf.keys()].map((c) => [c, orders.get(c)?.size ?? 0]));
};

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const get = (m: Map<string, number>, k: string) => {
  const v = m.get(k);
  assert.ok(v !== undefined, `segment ${k} present`);
  return v;
};
/** ts of a fraction of the period */
const at = (d: Data, f: number) => {
  const a = Date.parse(`${d.period.start}T00:00:00Z`);
  const b = Date.parse(`${d.period.end}T00:00:00Z`) + 86_400_000;
  return new Date(a + f * (b - a)).toISOString().replace('T', ' ').slice(0, 19);
};

test('grocery: department spend shares tell the planted segments apart', async () => {
  const d = await generate('grocery', 400);
  const produce = spendShare(d, (l) => l.department === 'produce');
  const meat = spendShare(d, (l) => l.department === 'meat');
  const gourmet = spendShare(d, (l) => l.department === 'gourmet');
  const staples = spendShare(d, (l) => ['pantry', 'household', 'dairy'].includes(l.department));
  assert.ok(get(produce, 'produce lovers') > 0.35 && get(produce, 'produce lovers') > 3 * get(produce, 'meat lovers'), `produce ${[...produce]}`);
  assert.ok(get(meat, 'meat lovers') > 0.45 && get(meat, 'meat lovers') > 3 * get(meat, 'produce lovers'), `meat ${[...meat]}`);
  assert.ok(get(gourmet, 'gourmet') > 0.5 && get(gourmet, 'gourmet') > 5 * get(gourmet, 'basic shoppers'), `gourmet ${[...gourmet]}`);
  for (const s of ['meat lovers', 'produce lovers', 'gourmet', 'variety shoppers']) assert.ok(get(staples, 'basic shoppers') > get(staples, s) + 0.15, `staples ${[...staples]}`);
  // variety shoppers: the most lines per trip, and no department above a third of their spend
  const linesPerOrder = new Map([...d.customersOf.keys()].map((s) => {
    const ls = d.lines.filter((l) => !l.isReturn && d.segmentOf.get(l.customer) === s);
    return [s, ls.length / new Set(ls.map((l) => l.order)).size];
  }));
  for (const s of d.customersOf.keys()) if (s !== 'variety shoppers') assert.ok(get(linesPerOrder, 'variety shoppers') > get(linesPerOrder, s) + 1, `lines per order ${[...linesPerOrder]}`);
  for (const dept of ['produce', 'meat', 'dairy', 'bakery', 'pantry', 'gourmet', 'household']) {
    assert.ok(get(spendShare(d, (l) => l.department === dept), 'variety shoppers') < 1 / 3, dept);
  }
  // household size drives basket quantities: variety shoppers (large households) buy more units per line
  const unitsPerLine = perCustomer(d, d.lines, (l) => l.quantity, (l) => !l.isReturn);
  const linesPerCustomer = perCustomer(d, d.lines, () => 1, (l) => !l.isReturn);
  assert.ok(get(unitsPerLine, 'variety shoppers') / get(linesPerCustomer, 'variety shoppers') > 1.15 * (get(unitsPerLine, 'gourmet') / get(linesPerCustomer, 'gourmet')));
});

test('ecommerce: frequency, recency, spend, coupons and browsing tell the planted segments apart', async () => {
  const d = await generate('ecommerce', 1500);
  const orders = orderCounts(d);
  const bySeg = (s: string) => d.customersOf.get(s)!.map((c) => orders.get(c)!);
  // champions buy most often and spend most per customer
  const spend = perCustomer(d, d.lines, (l) => l.amount);
  for (const s of d.customersOf.keys()) {
    if (s === 'champions') continue;
    assert.ok(mean(bySeg('champions')) > 2 * mean(bySeg(s)), `orders: champions vs ${s}`);
    assert.ok(get(spend, 'champions') > 3 * get(spend, s), `spend: champions vs ${s}`);
  }
  // one-time buyers: exactly one order each
  assert.ok(bySeg('one-time buyers').every((n) => n === 1));
  // heterogeneous Poisson rates (Gamma mixing): order counts overdispersed within a segment
  const lr = bySeg('loyal regulars');
  const v = mean(lr.map((x) => (x - mean(lr)) ** 2));
  assert.ok(v > 1.5 * mean(lr), `loyal regulars: variance ${v} vs mean ${mean(lr)}`);
  // lapsed: nothing after 60% of the period; champions are recent
  const last = new Map<string, string>();
  for (const l of d.lines) if (!l.isReturn && l.ts > (last.get(l.customer) ?? '')) last.set(l.customer, l.ts);
  assert.ok(d.customersOf.get('lapsed')!.every((c) => (last.get(c) ?? '') < at(d, 0.6)), 'lapsed stop early');
  const recent = d.customersOf.get('champions')!.filter((c) => (last.get(c) ?? '') >= at(d, 0.9)).length / d.customersOf.get('champions')!.length;
  assert.ok(recent > 0.7, `champions active in the last tenth: ${recent}`);
  // bargain hunters: coupons on most orders, low unit prices
  const couponShare = new Map([...d.customersOf.keys()].map((s) => {
    const ls = d.lines.filter((l) => !l.isReturn && d.segmentOf.get(l.customer) === s);
    return [s, ls.filter((l) => l.coupon !== '').length / ls.length];
  }));
  for (const s of d.customersOf.keys()) if (s !== 'bargain hunters') assert.ok(get(couponShare, 'bargain hunters') > 0.55 && get(couponShare, s) < 0.3, `coupons ${[...couponShare]}`);
  const price = (s: string) => mean(d.lines.filter((l) => !l.isReturn && d.segmentOf.get(l.customer) === s).map((l) => l.unitPrice));
  assert.ok(price('bargain hunters') < 0.6 * price('loyal regulars') && price('champions') > 1.3 * price('loyal regulars'));
  // browsers: many page views and abandoned carts per order
  const views = perCustomer(d, d.events, () => 1, (e) => e.type === 'page_view');
  const perOrder = (s: string) => get(views, s) / Math.max(0.05, mean(bySeg(s)));
  for (const s of ['champions', 'loyal regulars', 'lapsed']) assert.ok(perOrder('browsers') > 5 * perOrder(s), `views per order ${s}`);
  // abandoned carts: add_to_cart with no order in the next 24 hours
  const orderTimes = new Map<string, number[]>();
  for (const l of d.lines) if (!l.isReturn) orderTimes.set(l.customer, [...(orderTimes.get(l.customer) ?? []), Date.parse(`${l.ts.replace(' ', 'T')}Z`)]);
  const abandoned = perCustomer(d, d.events, () => 1, (e) => {
    if (e.type !== 'add_to_cart') return false;
    const t = Date.parse(`${e.ts.replace(' ', 'T')}Z`);
    return !(orderTimes.get(e.customer) ?? []).some((o) => o > t && o <= t + 86_400_000);
  });
  const converted = perCustomer(d, d.events, () => 1, (e) => e.type === 'add_to_cart');
  assert.ok(get(converted, 'champions') > get(abandoned, 'champions'), 'most cart adds of champions lead to an order');
  for (const s of ['champions', 'loyal regulars', 'one-time buyers', 'lapsed']) assert.ok(get(abandoned, 'browsers') > 2 * get(abandoned, s), `abandoned carts ${s}`);
  // coupon_use events match the coupon orders
  const couponOrders = new Set(d.lines.filter((l) => l.coupon !== '' && !l.isReturn).map((l) => l.order));
  const couponEvents = d.events.filter((e) => e.type === 'coupon_use');
  assert.ok(couponEvents.length > 0 && couponEvents.every((e) => couponOrders.has(String(e.props.order_id))));
});

test('banking: cash advances, interest and activity tell the planted segments apart', async () => {
  const d = await generate('banking', 300);
  const cash = spendShare(d, (l) => l.department === 'cash advance');
  assert.ok(get(cash, 'cash-advance heavy') > 0.4, `cash ${[...cash]}`);
  assert.ok(get(cash, 'transactors') < 0.05 && get(cash, 'revolvers') < 0.15);
  // interest is charged to revolvers and cash-advance heavy customers, never to transactors
  const interest = perCustomer(d, d.lines, () => 1, (l) => l.category === 'interest');
  assert.equal(get(interest, 'transactors'), 0);
  assert.ok(get(interest, 'revolvers') > 10 && get(interest, 'cash-advance heavy') > 10);
  // each cash advance has its 3% fee (at least 5.00) on the same order, and a cash_advance event
  const fees = new Map(d.lines.filter((l) => l.product && l.category === 'charges' && l.amount >= 5 && !l.isReturn).map((l) => [l.order, l.amount]));
  const advances = d.lines.filter((l) => l.department === 'cash advance');
  assert.ok(advances.length > 0 && advances.every((l) => Math.abs((fees.get(l.order) ?? 0) - Math.max(5, Math.round(l.amount * 3) / 100)) < 0.011));
  assert.equal(d.events.filter((e) => e.type === 'cash_advance').length, advances.length);
  // transactors pay most often; dormant accounts go quiet and are flagged dormant
  const tx = perCustomer(d, d.lines, () => 1, (l) => !l.isReturn && l.department !== 'fees');
  for (const s of ['revolvers', 'cash-advance heavy', 'dormant']) assert.ok(get(tx, 'transactors') > 1.3 * get(tx, s), s);
  assert.ok(get(tx, 'dormant') < 10);
  const dormant = d.customersOf.get('dormant')!;
  assert.ok(dormant.filter((c) => d.customers.get(c)!.account_status === 'dormant').length > 0.8 * dormant.length);
  const util = (s: string) => mean(d.customersOf.get(s)!.map((c) => Number(d.customers.get(c)!.balance) / Number(d.customers.get(c)!.credit_limit)));
  assert.ok(util('revolvers') > 0.4 && util('transactors') < 0.15);
  // the cash_advance trait is the total of the customer's cash advances
  for (const c of d.customersOf.get('cash-advance heavy')!) {
    const total = advances.filter((l) => l.customer === c).reduce((a, l) => a + l.amount, 0);
    assert.ok(Math.abs(total - Number(d.customers.get(c)!.cash_advance)) < 0.01);
  }
});

test('telecom: contracts, support calls, data use and churn tell the planted segments apart', async () => {
  const d = await generate('telecom', 400);
  const trait = (s: string, name: string) => d.customersOf.get(s)!.map((c) => d.customers.get(c)![name]!);
  assert.ok(trait('churn risk', 'contract_type').every((x) => x === 'month-to-month'));
  const calls = (s: string) => mean(trait(s, 'support_calls').map(Number));
  for (const s of ['heavy data users', 'basic', 'loyal families']) assert.ok(calls('churn risk') > 3 * calls(s), `support calls ${s}`);
  // support_calls = the customer's call_support events
  const callEvents = new Map<string, number>();
  for (const e of d.events) if (e.type === 'call_support') callEvents.set(e.customer, (callEvents.get(e.customer) ?? 0) + 1);
  for (const [c, row] of d.customers) assert.equal(Number(row.support_calls), callEvents.get(c) ?? 0);
  // churners: most churn-risk customers get their last bill well before the end; loyal families keep paying
  const lastBill = new Map<string, string>();
  for (const l of d.lines) if (l.department === 'plan' && l.ts > (lastBill.get(l.customer) ?? '')) lastBill.set(l.customer, l.ts);
  const gone = (s: string) => d.customersOf.get(s)!.filter((c) => (lastBill.get(c) ?? '') < at(d, 0.9)).length / d.customersOf.get(s)!.length;
  assert.ok(gone('churn risk') > 0.7 && gone('loyal families') < 0.15, `churned ${gone('churn risk')} vs ${gone('loyal families')}`);
  // one bill a month while active, quantity = lines: loyal families have several lines and the highest charges
  assert.ok(d.lines.filter((l) => l.department === 'plan' && d.segmentOf.get(l.customer) === 'loyal families').every((l) => l.quantity >= 2));
  const charges = (s: string) => mean(trait(s, 'monthly_charges').map(Number));
  for (const s of ['heavy data users', 'basic', 'churn risk']) assert.ok(charges('loyal families') > 1.5 * charges(s));
  // heavy data users: data packs and usage spikes
  const spikes = perCustomer(d, d.events, () => 1, (e) => e.type === 'data_usage_spike');
  const packs = perCustomer(d, d.lines, () => 1, (l) => l.department === 'data' && !l.isReturn);
  for (const s of ['basic', 'churn risk', 'loyal families']) {
    assert.ok(get(spikes, 'heavy data users') > 4 * get(spikes, s), `spikes ${s}`);
    assert.ok(get(packs, 'heavy data users') > 4 * get(packs, s), `data packs ${s}`);
  }
  const gb = (s: string) => mean(trait(s, 'data_gb_month').map(Number));
  assert.ok(gb('heavy data users') > 4 * gb('basic'));
});

test('ngo: gift size, regularity and lapsing tell the planted segments apart', async () => {
  const d = await generate('ngo', 600);
  const gifts = d.lines.filter((l) => !l.isReturn);
  const giftsOf = (s: string) => gifts.filter((l) => d.segmentOf.get(l.customer) === s);
  const meanGift = (s: string) => mean(giftsOf(s).map((l) => l.amount));
  for (const s of ['one-time donors', 'recurring givers', 'lapsed donors']) assert.ok(meanGift('major donors') > 20 * meanGift(s), `gift size ${s}`);
  assert.ok(d.lines.every((l) => l.department === 'donation'));
  // one gift per one-time donor; recurring givers: the same amount by direct debit nearly every month
  const orders = orderCounts(d);
  assert.ok(d.customersOf.get('one-time donors')!.every((c) => orders.get(c) === 1));
  for (const c of d.customersOf.get('recurring givers')!) {
    const debits = gifts.filter((l) => l.customer === c && l.category === 'monthly giving');
    assert.ok(new Set(debits.map((l) => l.amount)).size <= 1, 'a fixed monthly amount');
    const months = new Set(debits.map((l) => l.ts.slice(0, 7)));
    assert.equal(months.size, debits.length, 'at most one debit a month');
  }
  assert.ok(mean(d.customersOf.get('recurring givers')!.map((c) => orders.get(c)!)) > 10);
  // lapsed donors stop before half the period
  assert.ok(giftsOf('lapsed donors').every((l) => l.ts < at(d, 0.5)));
  // pledges come from major donors only, and precede their gifts
  const pledges = d.events.filter((e) => e.type === 'donation_pledge');
  assert.ok(pledges.length > 0 && pledges.every((e) => d.segmentOf.get(e.customer) === 'major donors'));
  const recurring = (s: string) => d.customersOf.get(s)!.map((c) => d.customers.get(c)!.recurring);
  assert.ok(recurring('recurring givers').every((x) => x === 'true') && recurring('one-time donors').every((x) => x === 'false'));
});
