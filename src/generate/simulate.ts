/**
 * The per-customer simulation. One `CustomerSim` is reused for every customer of a run: `customer(i)`
 * reseeds the generator from (run key, i), draws the customer's segment, traits and purchase process, and
 * appends their rows to the writers. Nothing is allocated per row beyond the row's own string.
 *
 * Purchase process (buy till you die, Pareto/NBD-like): while active, orders arrive as a Poisson process
 * with the customer's rate λ ~ Gamma(shape, mean/shape), thinned by day-of-year and weekday seasonality;
 * the customer drops out after an Exponential lifetime (or at a set point for lapsed segments).
 */
import { AliasTable, Random } from '../models/random.ts';
import type { Catalogue } from './catalogue.ts';
import { Clock, csvField, money } from './format.ts';
import { COUNTRIES, type City } from './geo.ts';
import type { PresetHooks, PresetSpec, SegmentSpec } from './presets/types.ts';
import type { CsvWriter } from './writer.ts';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
/** average month */
export const MONTH = 30.4375 * DAY;

const INCOME_BANDS = ['<25k', '25-50k', '50-75k', '75-100k', '100-150k', '150k+'];
/** most events one customer can have (more are dropped); also the sort-key multiplier */
const MAX_EVENTS = 8192;
const MAX_LINES = 64;

/**
 * The generator key of a run: the seed mixed with the preset's name (FNV-1a), so customer i of one preset
 * does not share its random draws with customer i of another preset under the same seed.
 */
export function runKey(seed: number, preset: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < preset.length; k++) h = Math.imul(h ^ preset.charCodeAt(k), 0x01000193) >>> 0;
  return (seed ^ h) >>> 0;
}

export interface SimOptions {
  spec: PresetSpec;
  /** runKey(seed, preset) */
  key: number;
  /** period [t0, t1) in epoch ms */
  t0: number;
  t1: number;
  catalogue: Catalogue;
  customers: CsvWriter;
  transactions: CsvWriter;
  events: CsvWriter;
  truth: CsvWriter;
}

export class CustomerSim {
  readonly rng = new Random(0);
  readonly spec: PresetSpec;
  readonly cat: Catalogue;
  readonly clock: Clock;
  readonly t0: number;
  readonly t1: number;
  readonly span: number;
  readonly hooks: PresetHooks;
  readonly segmentCounts: Int32Array;

  // ── the customer being simulated ──
  id = '';
  segIndex = 0;
  seg!: SegmentSpec;
  signup = 0;
  /** max(signup, t0): when the customer can first appear in the data */
  start = 0;
  /** dropout (or the period end) */
  end = 0;
  /** orders per month while active */
  rate = 0;
  /** customer spend scale (free amounts) */
  spend = 1;
  /** multiplies the extra units per line (household size …) */
  qtyScale = 1;
  /** usual channel */
  channel = '';
  optIn = false;
  /** country code (keys of ../geo.ts COUNTRIES) */
  country = '';
  // statistics of the customer's rows inside the period, for traits
  orders = 0;
  firstOrder = -1;
  lastOrder = -1;
  spendCents = 0;
  readonly deptCents: Float64Array;
  readonly eventCounts: Int32Array;
  /** times of the orders written, in order */
  orderTimes = new Float64Array(256);

  // ── the order being written ──
  orderId = '';
  orderTs = '';
  orderTime = 0;
  orderChannel = '';
  /** coupon index into spec.coupons, or −1 */
  orderCoupon = -1;
  lineCount = 0;
  readonly lineProduct = new Int32Array(MAX_LINES);
  readonly lineQty = new Int32Array(MAX_LINES);
  readonly lineCents = new Int32Array(MAX_LINES);
  readonly lineChannel: string[] = new Array<string>(MAX_LINES).fill('');

  /** the current customer's rows, handed to the writers when the customer is done */
  private txText = '';
  private readonly key: number;
  private readonly out: { customers: CsvWriter; transactions: CsvWriter; events: CsvWriter; truth: CsvWriter };
  private nextOrder = 500_001;
  private readonly segTable: AliasTable;
  private readonly deptTables: AliasTable[];
  private readonly hourTable: AliasTable;
  private readonly channelTable: AliasTable;
  private readonly couponTable: AliasTable;
  private readonly deptChannels: (AliasTable | undefined)[];
  private readonly deptReturnable: boolean[];
  private readonly countryTable: AliasTable;
  private readonly countryCodes: string[];
  private readonly cityTables: AliasTable[];
  private readonly cityCells: string[][];
  private readonly dayMul: Float64Array;
  private readonly maxMul: number;
  private readonly eventIndex = new Map<string, number>();
  private readonly segEvents: { type: number[]; rate: number[]; name: string[] }[];
  private readonly segCells: string[];
  private evCount = 0;
  private readonly evKey = new Float64Array(MAX_EVENTS);
  private readonly evType = new Int32Array(MAX_EVENTS);
  private readonly evProps: string[] = new Array<string>(MAX_EVENTS).fill('');

  constructor(o: SimOptions) {
    this.spec = o.spec;
    this.key = o.key;
    this.cat = o.catalogue;
    this.t0 = o.t0;
    this.t1 = o.t1;
    this.span = o.t1 - o.t0;
    this.out = { customers: o.customers, transactions: o.transactions, events: o.events, truth: o.truth };
    this.hooks = o.spec.hooks();
    const spec = o.spec;
    // dates as far back as the earliest possible signup are formatted often enough to cache
    const earliest = Math.min(0, ...spec.segments.map((s) => s.signup[0]));
    this.clock = new Clock(o.t0 + earliest * this.span - DAY, o.t1 + 60 * DAY);
    this.segTable = new AliasTable(spec.segments.map((s) => s.share));
    this.segmentCounts = new Int32Array(spec.segments.length);
    this.deptTables = spec.segments.map((s) => new AliasTable(s.deptWeights));
    this.hourTable = new AliasTable(spec.hours);
    this.channelTable = new AliasTable(spec.channels.map((c) => c[1]));
    this.couponTable = new AliasTable(spec.coupons.length ? spec.coupons.map(() => 1) : [1]);
    this.deptChannels = spec.departments.map((d) => (d.channels ? new AliasTable(d.channels.map((c) => c[1])) : undefined));
    this.deptReturnable = spec.departments.map((d) => d.returnable !== false);
    this.deptCents = new Float64Array(spec.departments.length);
    spec.eventTypes.forEach((t, k) => this.eventIndex.set(t, k));
    this.eventCounts = new Int32Array(spec.eventTypes.length);
    this.segEvents = spec.segments.map((s) => {
      const names = Object.keys(s.events);
      return { name: names, type: names.map((n) => this.typeIndex(n)), rate: names.map((n) => s.events[n]!) };
    });
    this.segCells = spec.segments.map((s) => csvField(s.name));
    this.countryCodes = Object.keys(spec.countries);
    this.countryTable = new AliasTable(this.countryCodes.map((c) => spec.countries[c]!));
    const countries = this.countryCodes.map((code) => COUNTRIES[code]!);
    this.cityTables = countries.map((c) => new AliasTable(c.cities.map((x) => x.weight)));
    this.cityCells = countries.map((c) => c.cities.map((x: City) => `${csvField(x.name)},${csvField(x.region)},${csvField(c.name)}`));
    // seasonality by day of the period: month × weekday, each normalised to mean 1
    const monthMean = spec.months.reduce((a, b) => a + b, 0) / 12;
    const weekMean = spec.weekdays.reduce((a, b) => a + b, 0) / 7;
    const days = Math.ceil(this.span / DAY) + 1;
    this.dayMul = new Float64Array(days);
    let max = 0;
    for (let d = 0; d < days; d++) {
      const date = new Date(o.t0 + d * DAY);
      const m = (spec.months[date.getUTCMonth()]! / monthMean) * (spec.weekdays[date.getUTCDay()]! / weekMean);
      this.dayMul[d] = m;
      if (m > max) max = m;
    }
    this.maxMul = max;
  }

  typeIndex(type: string): number {
    const k = this.eventIndex.get(type);
    if (k === undefined) throw new Error(`event type ${type} is not declared by the ${this.spec.name} preset`);
    return k;
  }

  /** Simulate customer number `i` (1-based) and append their rows. */
  customer(i: number): void {
    const rng = this.rng.reseed(this.key, i);
    const spec = this.spec;
    this.id = String(10_000 + i);
    this.segIndex = this.segTable.sample(rng);
    this.segmentCounts[this.segIndex]! += 1;
    const seg = (this.seg = spec.segments[this.segIndex]!);
    this.orders = 0;
    this.firstOrder = -1;
    this.lastOrder = -1;
    this.spendCents = 0;
    this.deptCents.fill(0);
    this.eventCounts.fill(0);
    this.evCount = 0;

    // who they are
    const u = rng.next();
    const gender = u < 0.49 ? 'F' : u < 0.98 ? 'M' : 'X';
    const age = Math.max(18, Math.min(92, Math.round(rng.normal(seg.age, 12))));
    const band = INCOME_BANDS[Math.max(0, Math.min(5, Math.round(rng.normal(2 + seg.income, 1.1))))]!;
    const ci = this.countryTable.sample(rng);
    this.country = this.countryCodes[ci]!;
    const city = this.cityTables[ci]!.sample(rng);
    const place = COUNTRIES[this.countryCodes[ci]!]!.cities[city]!;
    const lat = (place.lat + rng.normal(0, 0.04)).toFixed(4);
    const lon = (place.lon + rng.normal(0, 0.06)).toFixed(4);
    this.optIn = rng.bernoulli(seg.optIn);
    this.channel = spec.channels[this.channelTable.sample(rng)]![0];
    this.qtyScale = 1;

    // when they arrive, how often they buy, when they leave
    this.signup = this.t0 + rng.uniform(seg.signup[0], seg.signup[1]) * this.span;
    this.start = Math.max(this.signup, this.t0);
    let end = this.t1;
    if (Number.isFinite(seg.lifetimeMonths)) end = Math.min(end, this.start + rng.exponential(1 / seg.lifetimeMonths) * MONTH);
    if (seg.stopAt) end = Math.min(end, Math.max(this.start + 14 * DAY, this.t0 + rng.uniform(seg.stopAt[0], seg.stopAt[1]) * this.span));
    this.end = Math.min(end, this.t1);
    this.rate = seg.ordersPerMonth > 0 ? rng.gamma(seg.rateShape, seg.ordersPerMonth / seg.rateShape) : 0;
    this.spend = rng.lognormal(Math.log(seg.spendMedian), seg.spendSigma);

    this.hooks.setup?.(this);
    this.purchases();
    this.hooks.recurring?.(this);
    this.backgroundEvents();
    this.hooks.events?.(this);
    this.flushEvents();

    const o = this.out;
    if (this.txText !== '') {
      o.transactions.add(this.txText);
      this.txText = '';
    }
    o.customers.add(`${this.id},${gender},${age},${band},${this.cityCells[ci]![city]!},${lat},${lon},${this.clock.date(this.signup)},${this.optIn},${this.hooks.traits(this)}\n`);
    o.customers.rows++;
    o.truth.add(`${this.id},${this.segCells[this.segIndex]!}\n`);
    o.truth.rows++;
  }

  // ── time ──

  /** A time on the day of `t`, at an hour drawn from the preset's hourly profile. */
  timeOfDay(t: number): number {
    const day = Math.floor(t / DAY) * DAY;
    return day + this.hourTable.sample(this.rng) * HOUR + Math.floor(this.rng.next() * 3600) * 1000;
  }

  /** Months between `from` and `to` (ms), at least 0. */
  months(from: number, to: number): number {
    return Math.max(0, (Math.min(to, this.t1) - Math.max(from, this.t0)) / MONTH);
  }

  /** Call `fn` with a time on day `dayOfMonth` (1–28) of every month from `from` until `to`, inside the period. */
  monthly(dayOfMonth: number, hour: number, from: number, to: number, fn: (t: number) => void): void {
    const d = new Date(Math.max(from, this.t0));
    let y = d.getUTCFullYear();
    let m = d.getUTCMonth();
    const stop = Math.min(to, this.t1);
    for (;;) {
      const t = Date.UTC(y, m, dayOfMonth) + hour * HOUR + Math.floor(this.rng.next() * 3600) * 1000;
      if (t >= stop) break;
      if (t >= from && t >= this.t0) fn(t);
      if (++m === 12) {
        m = 0;
        y++;
      }
    }
  }

  // ── orders ──

  private purchases(): void {
    const seg = this.seg;
    const rng = this.rng;
    if (seg.once) {
      const t = this.timeOfDay(this.signup);
      if (t >= this.t0 && t < this.t1) this.basket(t);
      return;
    }
    if ((seg.trial ?? this.spec.firstOrderAtSignup) && this.signup >= this.t0 && this.signup < this.end) this.basket(this.timeOfDay(this.signup));
    if (!(this.rate > 0)) return;
    const perMs = (this.rate * this.maxMul) / MONTH;
    let t = this.start;
    let prev = this.lastOrder;
    for (;;) {
      t += rng.exponential(perMs);
      if (t >= this.end) break;
      // seasonality by thinning: keep an arrival with probability multiplier(day) / max multiplier
      if (rng.next() * this.maxMul >= this.dayMul[Math.floor((t - this.t0) / DAY)]!) continue;
      // the hour is redrawn, so keep a customer's orders in time order
      let ot = this.timeOfDay(t);
      if (ot <= prev) ot = prev + 60_000 + Math.floor(rng.next() * 3600) * 1000;
      prev = ot;
      this.basket(ot);
    }
  }

  /** A retail order at `t`: lines from the segment's departments, a coupon at the segment's rate. */
  basket(t: number): void {
    const rng = this.rng;
    const seg = this.seg;
    const coupon = this.spec.coupons.length > 0 && rng.bernoulli(seg.couponRate) ? this.couponTable.sample(rng) : -1;
    if (!this.beginOrder(t, coupon)) return;
    const n = Math.min(MAX_LINES - 2, 1 + rng.poisson(seg.linesPerOrder - 1));
    const depts = this.deptTables[this.segIndex]!;
    const pickers = this.cat.pickers[this.segIndex]!;
    for (let l = 0; l < n; l++) {
      const di = depts.sample(rng);
      const product = this.cat.byDept[di]![pickers[di]!.sample(rng)]!;
      this.line(product, 1 + rng.poisson(this.spec.quantity * this.qtyScale), this.price(product));
    }
    this.endOrder();
  }

  /** The unit price in cents of `product` for this customer now: list price, or a drawn amount for free-amount departments. */
  price(product: number): number {
    const d = this.spec.departments[this.cat.dept[product]!]!;
    const list = this.cat.cents[product]!;
    if (!d.freeAmount) return list;
    const cents = list * this.spend * this.rng.lognormal(0, d.spread);
    const r = d.roundTo ?? 1;
    return Math.max(r, Math.round(cents / r) * r);
  }

  /** Start an order at `t` (false when outside the period: write nothing). */
  beginOrder(t: number, coupon = -1, channel?: string): boolean {
    if (t < this.t0 || t >= this.t1) {
      this.lineCount = -1;
      return false;
    }
    this.orderId = String(this.nextOrder++);
    this.orderTime = t;
    this.orderTs = this.clock.ts(t);
    this.orderChannel = channel ?? (this.rng.bernoulli(0.85) ? this.channel : this.spec.channels[this.channelTable.sample(this.rng)]![0]);
    this.orderCoupon = coupon;
    this.lineCount = 0;
    return true;
  }

  /** Add a line to the open order: quantity × unit price (cents before any coupon discount). */
  line(product: number, qty: number, unitCents: number): void {
    if (this.lineCount < 0 || this.lineCount >= MAX_LINES) return;
    const di = this.cat.dept[product]!;
    const dc = this.deptChannels[di];
    const channel = dc ? this.spec.departments[di]!.channels![dc.sample(this.rng)]![0] : this.orderChannel;
    let unit = unitCents;
    let coupon = '';
    if (this.orderCoupon >= 0) {
      const [code, discount] = this.spec.coupons[this.orderCoupon]!;
      coupon = code;
      unit = Math.max(1, Math.round(unit * (1 - discount)));
    }
    const amount = qty * unit;
    const k = this.lineCount++;
    this.lineProduct[k] = product;
    this.lineQty[k] = qty;
    this.lineCents[k] = unit;
    this.lineChannel[k] = channel;
    this.txText += `${this.id},${this.orderId},${k + 1},${this.orderTs},${this.cat.csv[product]!},${qty},${money(unit)},${money(amount)},${channel},${coupon}\n`;
    this.out.transactions.rows++;
    this.spendCents += amount;
    this.deptCents[di]! += amount;
    this.hooks.onLine?.(this, this.orderTime, product, amount);
  }

  /** Close the open order: maybe a return, then the preset's order events. */
  endOrder(): void {
    if (this.lineCount <= 0) return;
    const t = this.orderTime;
    if (this.orders === this.orderTimes.length) {
      const grown = new Float64Array(this.orderTimes.length * 2);
      grown.set(this.orderTimes);
      this.orderTimes = grown;
    }
    this.orderTimes[this.orders++] = t;
    if (this.firstOrder < 0 || t < this.firstOrder) this.firstOrder = t;
    if (t > this.lastOrder) this.lastOrder = t;
    const rng = this.rng;
    if (this.seg.returnRate > 0 && rng.bernoulli(this.seg.returnRate)) {
      const k = rng.int(0, this.lineCount - 1);
      const product = this.lineProduct[k]!;
      const rt = t + rng.uniform(1, 21) * DAY;
      if (this.deptReturnable[this.cat.dept[product]!] && rt < this.t1) {
        const qty = this.lineQty[k]!;
        const back = qty > 1 && rng.bernoulli(0.5) ? rng.int(1, qty - 1) : qty;
        const unit = this.lineCents[k]!;
        this.txText += `${this.id},C${this.orderId},${k + 1},${this.clock.ts(rt)},${this.cat.csv[product]!},-${back},${money(unit)},${money(-back * unit)},${this.lineChannel[k]!},\n`;
        this.out.transactions.rows++;
        this.spendCents -= back * unit;
        this.deptCents[this.cat.dept[product]!]! -= back * unit;
      }
    }
    this.hooks.onOrder?.(this, t);
  }

  /** Is there an order in (t, t + within]? */
  orderWithin(t: number, within: number): boolean {
    const times = this.orderTimes;
    for (let k = 0; k < this.orders; k++) {
      const o = times[k]!;
      if (o > t && o <= t + within) return true;
    }
    return false;
  }

  // ── events ──

  /** Record an event at `t` (dropped outside the period) with a CSV-ready properties cell. */
  event(t: number, type: string, props: string): void {
    if (t < this.t0 || t >= this.t1 || this.evCount >= MAX_EVENTS) return;
    const k = this.evCount++;
    const ti = this.typeIndex(type);
    this.evKey[k] = Math.floor(t / 1000) * MAX_EVENTS + k;
    this.evType[k] = ti;
    this.evProps[k] = props;
    this.eventCounts[ti]! += 1;
  }

  /** Count of events of `type` recorded for the current customer. */
  eventCount(type: string): number {
    return this.eventCounts[this.typeIndex(type)]!;
  }

  private backgroundEvents(): void {
    const rng = this.rng;
    const evs = this.segEvents[this.segIndex]!;
    const activeFrom = this.start;
    const activeTo = Math.max(this.end, Math.min(this.t1, this.start + DAY));
    const active = this.months(activeFrom, activeTo);
    const after = (this.seg.afterEnd ?? 0) > 0 ? this.months(activeTo, this.t1) : 0;
    for (let e = 0; e < evs.type.length; e++) {
      const name = evs.name[e]!;
      if (name.startsWith('email_') && !this.optIn) continue;
      const scale = this.hooks.eventScale ? this.hooks.eventScale(this, name) : 1;
      const rate = evs.rate[e]! * scale;
      const n = rng.poisson(rate * active);
      for (let k = 0; k < n; k++) this.event(this.timeOfDay(rng.uniform(Math.max(activeFrom, this.t0), activeTo)), name, this.hooks.eventProps(this, name));
      if (after > 0) {
        const m = rng.poisson(rate * (this.seg.afterEnd ?? 0) * after);
        for (let k = 0; k < m; k++) this.event(this.timeOfDay(rng.uniform(activeTo, this.t1)), name, this.hooks.eventProps(this, name));
      }
    }
  }

  /** Write the customer's events in time order, at most one per second (so no two lines are identical). */
  private flushEvents(): void {
    const n = this.evCount;
    if (n === 0) return;
    const keys = this.evKey.subarray(0, n).sort();
    const types = this.spec.eventTypes;
    let text = '';
    let written = 0;
    let prev = -1;
    for (let j = 0; j < n; j++) {
      const key = keys[j]!;
      const k = key % MAX_EVENTS;
      let sec = (key - k) / MAX_EVENTS;
      if (sec <= prev) sec = prev + 1;
      prev = sec;
      if (sec * 1000 >= this.t1) {
        // pushed past the end by the one-per-second rule: not written, so not counted
        for (let r = j; r < n; r++) this.eventCounts[this.evType[keys[r]! % MAX_EVENTS]!]! -= 1;
        break;
      }
      text += `${this.id},${this.clock.ts(sec * 1000)},${types[this.evType[k]!]!},${this.evProps[k]!}\n`;
      written++;
    }
    this.out.events.add(text);
    this.out.events.rows += written;
  }
}
