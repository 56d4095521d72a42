/**
 * What a sector preset declares: its catalogue, its customers' geography and timing, and its planted
 * segments with the parameters of their purchase process. The engine (../simulate.ts) turns these into rows;
 * the hooks cover what is specific to a sector (bills, fees, web sessions, pledges).
 */
import type { CustomerSim } from '../simulate.ts';

export type Preset = 'ecommerce' | 'grocery' | 'banking' | 'telecom' | 'ngo';

/** A catalogue item: a name (the price then comes from the department's distribution) or [name, list price]. */
export type Item = string | readonly [string, number];

export interface CategorySpec {
  name: string;
  items: readonly Item[];
}

export interface DepartmentSpec {
  name: string;
  categories: readonly CategorySpec[];
  /** median list price of an item without an explicit price */
  price: number;
  /** log-normal sigma of list prices across items, and of amounts across transactions for `freeAmount` */
  spread: number;
  /** amounts are drawn per transaction (card payments, gifts): the product's price × the customer's spend scale × noise */
  freeAmount?: boolean;
  /** round drawn amounts to this many cents (gifts of £5, £10 …) */
  roundTo?: number;
  /** channel of lines from this department (weights), instead of the customer's usual channel */
  channels?: readonly (readonly [string, number])[];
  /** false: never returned or refunded (bills, fees) */
  returnable?: boolean;
  /** product variants ([prefix, price factor]) multiplying the catalogue; none when absent */
  variants?: readonly (readonly [string, number])[];
}

export interface SegmentSpec {
  name: string;
  description: string;
  /** expected share of customers */
  share: number;
  /** signup time as a fraction of the period: uniform on [from, to]; negative is before the period starts */
  signup: readonly [number, number];
  /** exactly one order, at signup */
  once?: boolean;
  /** override the preset's `firstOrderAtSignup` for this segment */
  trial?: boolean;
  /** mean orders per month while active (individual rates λ ~ Gamma(rateShape, mean/rateShape)) */
  ordersPerMonth: number;
  rateShape: number;
  /** mean months active after signup (or after the period starts) before dropping out; Infinity: stays */
  lifetimeMonths: number;
  /** lapsed segments: stop buying at a uniform fraction of the period in this range */
  stopAt?: readonly [number, number];
  /** relative weight of each department (by index) for a line */
  deptWeights: readonly number[];
  /** multiplies the weight of products of these categories (default 1) */
  categoryWeights?: Readonly<Record<string, number>>;
  /** mean lines per order (1 + Poisson(lines − 1)) */
  linesPerOrder: number;
  /** > 0 prefers dear products, < 0 cheap ones: product weight × (price / median)^tilt */
  priceTilt: number;
  /** customer spend scale, log-normal with this median and sigma (free amounts; quantities for retail) */
  spendMedian: number;
  spendSigma: number;
  /** share of orders with a coupon */
  couponRate: number;
  /** share of orders with a (partial) return or refund */
  returnRate: number;
  /** probability of email opt-in */
  optIn: number;
  /** mean age; shift of the income band (0 = middle) */
  age: number;
  income: number;
  /** background events per active month, by type (email events only for opted-in customers) */
  events: Readonly<Record<string, number>>;
  /** rate multiplier of background events after the customer dropped out (default 0) */
  afterEnd?: number;
}

export interface PresetSpec {
  name: Preset;
  description: string;
  currency: string;
  departments: readonly DepartmentSpec[];
  /** country code → weight (codes in ../geo.ts) */
  countries: Readonly<Record<string, number>>;
  /** relative order frequency by hour of day (24), month (12, January first) and weekday (7, Sunday first) */
  hours: readonly number[];
  months: readonly number[];
  weekdays: readonly number[];
  /** usual channels (weights), one drawn per customer */
  channels: readonly (readonly [string, number])[];
  /** coupon codes and their discount */
  coupons: readonly (readonly [string, number])[];
  /** mean extra units per line: quantity = 1 + Poisson(quantity × customer quantity scale) */
  quantity: number;
  /** the first order happens at signup (a trial purchase), as the BG/NBD family assumes */
  firstOrderAtSignup: boolean;
  /** every event type the preset writes */
  eventTypes: readonly string[];
  /** sector trait columns of customers.csv, after the common ones */
  traitColumns: readonly string[];
  segments: readonly SegmentSpec[];
  /** a fresh set of hooks per run (their state lives in the closure, so runs never share it) */
  hooks: () => PresetHooks;
}

export interface PresetHooks {
  /** customer-level state drawn before any order (plan, household, gift size …) */
  setup?(sim: CustomerSim): void;
  /** after the Poisson orders: recurring charges (bills, direct debits, interest) */
  recurring?(sim: CustomerSim): void;
  /** called for each line written; may add lines (fees) or events */
  onLine?(sim: CustomerSim, t: number, product: number, cents: number): void;
  /** called for each order written, after its lines (sessions, reviews, pledges) */
  onOrder?(sim: CustomerSim, t: number): void;
  /** after the background events: other events (sessions, abandoned carts, …) */
  events?(sim: CustomerSim): void;
  /** multiplier of a background event rate for this customer (default 1) */
  eventScale?(sim: CustomerSim, type: string): number;
  /** properties cell (CSV-quoted JSON) of a background event */
  eventProps(sim: CustomerSim, type: string): string;
  /** the sector trait cells, comma-joined, in `traitColumns` order */
  traits(sim: CustomerSim): string;
}
