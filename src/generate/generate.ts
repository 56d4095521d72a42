/**
 * `generateDataset`: synthetic customers, transactions, events and products for a sector preset, with
 * each customer's planted segment written to ground_truth.csv. Purchases follow a buy-till-you-die process
 * (Poisson orders at a Gamma-distributed individual rate until an exponential dropout), so value, cluster
 * and CLV analyses have structure to recover. Deterministic per seed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SegmintError } from '../core/errors.ts';
import { Random } from '../models/random.ts';
import { CITIES, PRESET_SPECS, PRESETS, type Preset, type PresetSpec, type SegmentSpec } from './presets.ts';
import { CsvWriter, csvField } from './writer.ts';

export const GENERATOR_VERSION = 1;

// The four UK cities are three times as likely as the others.
const CITY_WEIGHTS = Float64Array.from(CITIES, (_, k) => (k < 4 ? 3 : 1));

export interface GenerateParams {
  preset: Preset;
  customers: number;
  seed: number;
  outDir: string;
  /** first day of the period, YYYY-MM-DD (default 2023-01-01) */
  start?: string;
  /** length of the period in months (default 24) */
  months?: number;
}

export interface GenerateResult {
  preset: Preset;
  seed: number;
  outDir: string;
  files: { customers: string; transactions: string; events: string; products: string; groundTruth: string; manifest: string };
  counts: { customers: number; transactions: number; events: number; products: number };
  segments: { name: string; customers: number; description: string }[];
  period: { start: string; end: string };
}

const DAY = 86400000;
const MONTH = 30.4375 * DAY;

function bad(what: string, seen: unknown, hint: string): never {
  throw new SegmintError('invalid-option', `${what}, but got ${JSON.stringify(seen)}`, { hint });
}

function normalise(p: GenerateParams): Required<GenerateParams> {
  if (!PRESETS.includes(p.preset)) bad(`--preset must be one of ${PRESETS.join(', ')}`, p.preset, 'e.g. --preset grocery');
  if (!Number.isInteger(p.customers) || p.customers < 1 || p.customers > 50_000_000) bad('--customers must be a whole number from 1 to 50,000,000', p.customers, 'e.g. --customers 10000');
  if (!Number.isInteger(p.seed) || p.seed < 0 || p.seed > 0xffffffff) bad('--seed must be a whole number from 0 to 4294967295', p.seed, 'e.g. --seed 7');
  const start = p.start ?? '2023-01-01';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(`${start}T00:00:00Z`))) bad('--start must be a date YYYY-MM-DD', start, 'e.g. --start 2024-01-01');
  const months = p.months ?? 24;
  if (!Number.isInteger(months) || months < 1 || months > 240) bad('--months must be a whole number from 1 to 240', months, 'e.g. --months 24');
  if (!p.outDir) bad('--out must name a folder', p.outDir, 'e.g. --out generated/');
  return { preset: p.preset, customers: p.customers, seed: p.seed, outDir: resolve(p.outDir), start, months };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const dayCache = new Map<number, string>();
/** UTC `YYYY-MM-DD HH:MM:SS`; the date part is cached per day (the hot path writes millions). */
function fmtTs(ms: number): string {
  const day = Math.floor(ms / DAY);
  let d = dayCache.get(day);
  if (d === undefined) {
    d = new Date(day * DAY).toISOString().slice(0, 10);
    dayCache.set(day, d);
  }
  const sec = Math.floor((ms - day * DAY) / 1000);
  return `${d} ${pad2(Math.floor(sec / 3600))}:${pad2(Math.floor(sec / 60) % 60)}:${pad2(sec % 60)}`;
}
const fmtDate = (ms: number) => fmtTs(ms).slice(0, 10);

interface Product {
  id: string;
  dept: number;
  category: string;
  price: number;
  /** `product_id,category,department` ready for the CSV line */
  csv: string;
}

function catalogue(spec: PresetSpec, rng: Random): { products: Product[]; byDept: Product[][] } {
  const products: Product[] = [];
  const byDept: Product[][] = spec.departments.map(() => []);
  spec.departments.forEach((d, di) => {
    for (const c of d.categories) {
      for (let k = 0; k < 20; k++) {
        const id = `P${String(products.length + 1).padStart(5, '0')}`;
        const p = { id, dept: di, category: c, price: Math.max(0.25, Math.round(rng.lognormal(Math.log(d.price), d.spread) * 100) / 100), csv: `${id},${csvField(c)},${csvField(d.name)}` };
        products.push(p);
        byDept[di]!.push(p);
      }
    }
  });
  return { products, byDept };
}

const EVENT_PROPS: Record<string, (rng: Random, spec: PresetSpec) => string> = {
  page_view: (rng, s) => `{"page":"/${rng.pick(s.departments).name.replace(/ /g, '-')}"}`,
  add_to_cart: (rng) => `{"product_id":"P${String(rng.int(1, 300)).padStart(5, '0')}","qty":${rng.int(1, 3)}}`,
  email_open: (rng) => `{"campaign":"${rng.pick(['spring-sale', 'newsletter', 'win-back', 'new-arrivals'])}"}`,
  coupon_use: (rng) => `{"code":"${rng.pick(['SAVE10', 'WELCOME5', 'FREESHIP'])}"}`,
  review: (rng) => `{"stars":${rng.int(1, 5)}}`,
  app_login: (rng) => `{"device":"${rng.pick(['ios', 'android'])}"}`,
  login: (rng) => `{"device":"${rng.pick(['web', 'ios', 'android'])}"}`,
  cash_advance: (rng) => `{"amount":${rng.int(50, 800)}}`,
  branch_visit: (rng) => `{"branch":"B${rng.int(1, 40)}"}`,
  call_support: (rng) => `{"reason":"${rng.pick(['billing', 'coverage', 'device', 'cancellation'])}","minutes":${rng.int(2, 45)}}`,
  data_usage_spike: (rng) => `{"gb":${rng.int(5, 60)}}`,
  contract_renewal_offer: (rng) => `{"offer":"${rng.pick(['discount-10', 'free-upgrade'])}"}`,
  event_attendance: (rng) => `{"event":"${rng.pick(['gala', 'fun-run', 'webinar'])}"}`,
  donation_pledge: (rng) => `{"amount":${rng.int(500, 20000)}}`,
};

/** A pool of CSV-ready property cells per event type, drawn from instead of building JSON per event. */
function propPools(spec: PresetSpec, rng: Random): Map<string, string[]> {
  const pools = new Map<string, string[]>();
  for (const s of spec.segments) {
    for (const type of Object.keys(s.events)) {
      if (pools.has(type)) continue;
      const make = EVENT_PROPS[type] ?? (() => '{}');
      pools.set(type, Array.from({ length: 64 }, () => `"${make(rng, spec).replace(/"/g, '""')}"`));
    }
  }
  return pools;
}

/** Generate a data set into `params.outDir` (see docs/generator.md). */
export async function generateDataset(params: GenerateParams, onProgress?: (phase: string, fraction?: number) => void): Promise<GenerateResult> {
  const p = normalise(params);
  const spec = PRESET_SPECS[p.preset];
  mkdirSync(p.outDir, { recursive: true });
  const rng = new Random(p.seed);
  const t0 = Date.parse(`${p.start}T00:00:00Z`);
  const t1 = t0 + p.months * MONTH;
  const span = t1 - t0;
  const { products, byDept } = catalogue(spec, rng);
  const deptNames = spec.departments.map((d) => d.name);
  const files = {
    customers: join(p.outDir, 'customers.csv'),
    transactions: join(p.outDir, 'transactions.csv'),
    events: join(p.outDir, 'events.csv'),
    products: join(p.outDir, 'products.csv'),
    groundTruth: join(p.outDir, 'ground_truth.csv'),
    manifest: join(p.outDir, 'manifest.json'),
  };
  const traitKeys = Object.keys(spec.traits(new Random(0), spec.segments[0]!));
  const customers = new CsvWriter(files.customers, ['customer_id', 'gender', 'age', 'city', 'region', 'country', 'latitude', 'longitude', 'signup_date', 'email_opt_in', ...traitKeys]);
  const tx = new CsvWriter(files.transactions, ['customer_id', 'order_id', 'line_no', 'ts', 'product_id', 'category', 'department', 'quantity', 'unit_price', 'amount', 'channel', 'coupon']);
  const ev = new CsvWriter(files.events, ['customer_id', 'ts', 'type', 'properties']);
  const truth = new CsvWriter(files.groundTruth, ['customer_id', 'segment']);
  const shares = spec.segments.map((s) => s.share);
  const segCounts = spec.segments.map(() => 0);
  const deptWeights = spec.segments.map((s) => Float64Array.from(s.deptWeights));
  const pools = propPools(spec, rng);
  let orderNo = 100000;
  const step = Math.max(1, Math.floor(p.customers / 100));

  for (let i = 1; i <= p.customers; i++) {
    const si = rng.weighted(shares);
    const s: SegmentSpec = spec.segments[si]!;
    segCounts[si]!++;
    const id = String(i);
    // Who the customer is
    const city = CITIES[rng.weighted(CITY_WEIGHTS)]!;
    const signup = s.oneOrder ? t0 + rng.next() * span * 0.95 : t0 + rng.next() * span * 0.6;
    const traits = spec.traits(rng, s);
    const age = Math.max(18, Math.min(90, Math.round(rng.normal(s.name.includes('major') ? 62 : 42, 13))));
    let w = customers.line([
      id, rng.pick(['F', 'M', 'F', 'M', 'X'].slice(0, rng.bernoulli(0.02) ? 5 : 4)), age, city[0], city[1], city[2],
      (city[3] + rng.normal(0, 0.04)).toFixed(4), (city[4] + rng.normal(0, 0.04)).toFixed(4), fmtDate(signup), rng.bernoulli(0.6),
      ...traitKeys.map((k) => csvField(traits[k])),
    ].map((v) => (typeof v === 'string' ? csvField(v) : String(v))).join(','));
    if (w) await w;
    w = truth.line(`${id},${csvField(s.name)}`);
    if (w) await w;
    // How long they stay and how often they buy
    let end = s.stopAt !== undefined ? Math.max(signup + MONTH, t0 + s.stopAt * span * rng.uniform(0.6, 1.2)) : t1;
    if (Number.isFinite(s.lifetimeMonths)) end = Math.min(end, signup + rng.exponential(1 / s.lifetimeMonths) * MONTH);
    end = Math.min(end, t1);
    const rate = rng.gamma(s.rateShape, s.ordersPerMonth / s.rateShape); // orders per month
    const orderTimes: number[] = [];
    if (s.oneOrder) orderTimes.push(signup + rng.next() * DAY * 3);
    else {
      let t = signup + rng.next() * DAY * 10;
      orderTimes.push(t);
      for (;;) {
        t += rng.exponential(Math.max(rate, 1e-3)) * MONTH;
        if (t >= end) break;
        orderTimes.push(t);
      }
    }
    const channel = rng.pick(spec.channels);
    for (const ot0 of orderTimes) {
      if (ot0 >= t1) continue;
      const ot = Math.floor(ot0 / DAY) * DAY + (8 + rng.next() * 14) * 3600000;
      if (ot >= t1) continue;
      const orderId = String(++orderNo);
      const coupon = rng.bernoulli(s.couponRate) ? rng.pick(['SAVE10', 'WELCOME5', 'FREESHIP']) : '';
      const nLines = 1 + rng.poisson(Math.max(0, s.linesPerOrder - 1));
      const ts = fmtTs(ot);
      const ch = rng.bernoulli(0.8) ? channel : rng.pick(spec.channels);
      let firstLine = '';
      let firstPrice = 0;
      for (let l = 0; l < nLines; l++) {
        const di = rng.weighted(deptWeights[si]!);
        const prod = rng.pick(byDept[di]!);
        const qty = 1 + rng.poisson(p.preset === 'grocery' ? 0.5 : 0.2);
        const price = Math.round(prod.price * s.priceFactor * 100) / 100;
        const amount = (Math.round(qty * price * 100) / 100).toFixed(2);
        const rest = prod.csv;
        if (l === 0) {
          firstLine = rest;
          firstPrice = price;
        }
        w = tx.line(`${id},${orderId},${l + 1},${ts},${rest},${qty},${price.toFixed(2)},${amount},${csvField(ch)},${coupon}`);
        if (w) await w;
      }
      if (coupon && s.events.coupon_use !== undefined) {
        w = ev.line(`${id},${ts},coupon_use,"{""code"":""${coupon}""}"`);
        if (w) await w;
      }
      if (rng.bernoulli(s.returnRate)) {
        const rt = ot + rng.uniform(1, 14) * DAY;
        if (rt < t1) {
          w = tx.line(`${id},C${orderId},1,${fmtTs(rt)},${firstLine},-1,${firstPrice.toFixed(2)},${(-firstPrice).toFixed(2)},${csvField(ch)},`);
          if (w) await w;
        }
      }
    }
    // Behavioural events while active
    const activeMonths = Math.max(0.5, (Math.min(end, t1) - signup) / MONTH);
    for (const [type, perMonth] of Object.entries(s.events)) {
      if (type === 'coupon_use') continue;
      const n = rng.poisson(perMonth * activeMonths);
      for (let k = 0; k < n; k++) {
        const et = signup + rng.next() * (Math.min(end, t1) - signup);
        const pool = pools.get(type)!;
        w = ev.line(`${id},${fmtTs(et)},${type},${pool[(rng.nextUint32() & 63)]!}`);
        if (w) await w;
      }
    }
    if (i % step === 0) onProgress?.('generating customers', i / p.customers);
  }
  const prod = new CsvWriter(files.products, ['product_id', 'name', 'category', 'department', 'price']);
  for (const pr of products) prod.line(`${pr.id},${csvField(`${pr.category} item ${pr.id.slice(1)}`)},${csvField(pr.category)},${csvField(deptNames[pr.dept]!)},${pr.price.toFixed(2)}`);
  onProgress?.('writing files', 1);
  await Promise.all([customers.close(), tx.close(), ev.close(), truth.close(), prod.close()]);
  const result: GenerateResult = {
    preset: p.preset,
    seed: p.seed,
    outDir: p.outDir,
    files,
    counts: { customers: customers.rows, transactions: tx.rows, events: ev.rows, products: prod.rows },
    segments: spec.segments.map((s, k) => ({ name: s.name, customers: segCounts[k]!, description: s.description })),
    period: { start: p.start, end: fmtDate(t1 - 1) },
  };
  writeFileSync(files.manifest, `${JSON.stringify({ generatorVersion: GENERATOR_VERSION, params: { ...p, outDir: undefined }, ...result, outDir: undefined, files: undefined }, null, 2)}\n`);
  return result;
}
