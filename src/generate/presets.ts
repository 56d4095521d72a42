/**
 * The sector presets of `segmint generate`: departments and price ranges, the planted segments with
 * their purchase process, and the sector's traits and events (docs/generator.md).
 */
import type { Random } from '../models/random.ts';

export type Preset = 'ecommerce' | 'grocery' | 'banking' | 'telecom' | 'ngo';
export const PRESETS: readonly Preset[] = ['ecommerce', 'grocery', 'banking', 'telecom', 'ngo'];

export interface Department {
  name: string;
  categories: readonly string[];
  /** median unit price and log-normal spread */
  price: number;
  spread: number;
}

export interface SegmentSpec {
  name: string;
  description: string;
  /** share of customers */
  share: number;
  /** mean orders per month while active; individual rates are Gamma with shape `rateShape` */
  ordersPerMonth: number;
  rateShape: number;
  /** mean active months before dropping out (Infinity: stays); exactly one order when `oneOrder` */
  lifetimeMonths: number;
  oneOrder?: boolean;
  /** stops buying after this fraction of the period (lapsed segments) */
  stopAt?: number;
  /** relative weight of each department (by index) */
  deptWeights: readonly number[];
  /** mean lines per order (at least one) */
  linesPerOrder: number;
  /** multiplies prices */
  priceFactor: number;
  /** share of orders with a coupon */
  couponRate: number;
  /** share of orders later (partly) returned */
  returnRate: number;
  /** events per active month, by type */
  events: Readonly<Record<string, number>>;
}

export interface PresetSpec {
  name: Preset;
  currency: string;
  departments: readonly Department[];
  channels: readonly string[];
  segments: readonly SegmentSpec[];
  /** sector traits of one customer of a segment */
  traits(rng: Random, seg: SegmentSpec): Record<string, string | number | boolean>;
}

const seg = (s: Partial<SegmentSpec> & Pick<SegmentSpec, 'name' | 'description' | 'share' | 'ordersPerMonth' | 'deptWeights'>): SegmentSpec => ({
  rateShape: 3, lifetimeMonths: Infinity, linesPerOrder: 1.5, priceFactor: 1, couponRate: 0.05, returnRate: 0.03, events: {}, ...s,
});

const bands = ['<20k', '20-40k', '40-60k', '60-90k', '90k+'];
const band = (rng: Random, shift: number) => bands[Math.max(0, Math.min(4, Math.round(rng.normal(2 + shift, 1))))]!;

export const PRESET_SPECS: Readonly<Record<Preset, PresetSpec>> = {
  ecommerce: {
    name: 'ecommerce', currency: 'GBP', channels: ['web', 'app', 'marketplace'],
    departments: [
      { name: 'home', categories: ['decor', 'lighting', 'textiles'], price: 18, spread: 0.6 },
      { name: 'kitchen', categories: ['cookware', 'tableware', 'storage'], price: 14, spread: 0.5 },
      { name: 'fashion', categories: ['women', 'men', 'accessories'], price: 35, spread: 0.5 },
      { name: 'electronics', categories: ['audio', 'phones', 'gadgets'], price: 60, spread: 0.8 },
      { name: 'toys', categories: ['games', 'puzzles', 'outdoor'], price: 16, spread: 0.5 },
      { name: 'beauty', categories: ['skin', 'hair', 'fragrance'], price: 22, spread: 0.5 },
    ],
    segments: [
      seg({ name: 'champions', description: 'frequent, recent, high spend', share: 0.12, ordersPerMonth: 1.0, deptWeights: [2, 2, 3, 3, 1, 2], priceFactor: 1.5, linesPerOrder: 1.6, events: { page_view: 0.5, email_open: 0.3, review: 0.05 } }),
      seg({ name: 'loyal regulars', description: 'steady monthly-ish buyers, average spend', share: 0.2, ordersPerMonth: 0.5, deptWeights: [3, 3, 2, 1, 1, 2], events: { page_view: 0.35, email_open: 0.25, review: 0.03 } }),
      seg({ name: 'bargain hunters', description: 'coupon users buying cheap items', share: 0.18, ordersPerMonth: 0.33, deptWeights: [2, 3, 2, 1, 2, 2], priceFactor: 0.55, couponRate: 0.7, events: { page_view: 0.6, coupon_use: 0, email_open: 0.4 } }),
      seg({ name: 'one-time buyers', description: 'a single order', share: 0.25, ordersPerMonth: 0.05, oneOrder: true, deptWeights: [1, 1, 1, 1, 1, 1], events: { page_view: 0.2 } }),
      seg({ name: 'lapsed', description: 'bought regularly, then stopped in the first half', share: 0.15, ordersPerMonth: 0.5, stopAt: 0.4, deptWeights: [2, 2, 2, 2, 1, 1], events: { page_view: 0.3, email_open: 0.2 } }),
      seg({ name: 'browsers', description: 'many page views and abandoned carts, few orders', share: 0.1, ordersPerMonth: 0.04, deptWeights: [1, 1, 2, 3, 1, 1], events: { page_view: 1.5, add_to_cart: 0.5, email_open: 0.2 } }),
    ],
    traits: (rng, s) => ({
      newsletter: rng.bernoulli(s.name === 'champions' || s.name === 'browsers' ? 0.7 : 0.35),
      preferred_device: rng.pick(s.name === 'browsers' ? ['mobile', 'mobile', 'desktop'] : ['mobile', 'desktop', 'tablet']),
      income_band: band(rng, s.name === 'champions' ? 1 : s.name === 'bargain hunters' ? -1 : 0),
    }),
  },
  grocery: {
    name: 'grocery', currency: 'USD', channels: ['store', 'online', 'pickup'],
    departments: [
      { name: 'produce', categories: ['vegetables', 'fruit', 'salads'], price: 2.2, spread: 0.5 },
      { name: 'meat', categories: ['beef', 'poultry', 'pork'], price: 8, spread: 0.5 },
      { name: 'dairy', categories: ['milk', 'cheese', 'yogurt'], price: 3, spread: 0.4 },
      { name: 'bakery', categories: ['bread', 'pastry'], price: 3, spread: 0.4 },
      { name: 'pantry', categories: ['canned', 'pasta', 'snacks', 'cereal'], price: 2.8, spread: 0.5 },
      { name: 'gourmet', categories: ['deli', 'wine', 'imported'], price: 14, spread: 0.6 },
      { name: 'household', categories: ['cleaning', 'paper'], price: 5, spread: 0.5 },
    ],
    segments: [
      seg({ name: 'basic shoppers', description: 'pantry, dairy and household staples', share: 0.3, ordersPerMonth: 1.2, deptWeights: [1, 1, 3, 2, 5, 0.1, 3], linesPerOrder: 4, priceFactor: 0.9, events: { app_login: 0.5, email_open: 0.5 } }),
      seg({ name: 'meat lovers', description: 'meat dominates the basket', share: 0.18, ordersPerMonth: 1.2, deptWeights: [1, 7, 1, 1, 2, 0.3, 1], linesPerOrder: 4, events: { app_login: 0.5, coupon_use: 0.2 } }),
      seg({ name: 'produce lovers', description: 'fruit and vegetables dominate', share: 0.2, ordersPerMonth: 1.6, deptWeights: [9, 0.3, 2, 1, 1, 0.5, 0.7], linesPerOrder: 4, events: { app_login: 0.8, email_open: 0.6 } }),
      seg({ name: 'gourmet', description: 'deli, wine and imported goods at high prices', share: 0.12, ordersPerMonth: 0.8, deptWeights: [2, 2, 2, 1, 1, 6, 0.5], linesPerOrder: 4, priceFactor: 1.4, events: { app_login: 0.3, email_open: 0.8 } }),
      seg({ name: 'variety shoppers', description: 'spread evenly over departments', share: 0.2, ordersPerMonth: 1, deptWeights: [2, 2, 2, 2, 2, 2, 2], linesPerOrder: 5, events: { app_login: 0.5, coupon_use: 0.15 } }),
    ],
    traits: (rng, s) => ({
      household_size: Math.max(1, Math.round(rng.normal(s.name === 'variety shoppers' ? 3.5 : 2.4, 1.1))),
      has_kids: rng.bernoulli(s.name === 'variety shoppers' ? 0.65 : 0.35),
      loyalty_card: rng.bernoulli(0.6),
      income_band: band(rng, s.name === 'gourmet' ? 1.5 : 0),
    }),
  },
  banking: {
    name: 'banking', currency: 'EUR', channels: ['card', 'online', 'atm', 'branch'],
    departments: [
      { name: 'groceries', categories: ['supermarket'], price: 45, spread: 0.6 },
      { name: 'dining', categories: ['restaurants', 'cafes'], price: 28, spread: 0.6 },
      { name: 'travel', categories: ['airlines', 'hotels'], price: 320, spread: 0.8 },
      { name: 'fuel', categories: ['stations'], price: 55, spread: 0.3 },
      { name: 'online', categories: ['marketplaces', 'subscriptions'], price: 35, spread: 0.8 },
      { name: 'cash advance', categories: ['atm withdrawal'], price: 200, spread: 0.5 },
      { name: 'bills', categories: ['utilities', 'insurance'], price: 90, spread: 0.5 },
    ],
    segments: [
      seg({ name: 'transactors', description: 'many card purchases, paid in full', share: 0.35, ordersPerMonth: 6, deptWeights: [4, 3, 0.5, 2, 3, 0.05, 1], linesPerOrder: 1, returnRate: 0.01, events: { login: 2 } }),
      seg({ name: 'revolvers', description: 'moderate purchases, carry a balance', share: 0.3, ordersPerMonth: 3, deptWeights: [4, 2, 1, 2, 2, 0.3, 2], linesPerOrder: 1, returnRate: 0.01, events: { login: 1 } }),
      seg({ name: 'cash-advance heavy', description: 'cash advances dominate', share: 0.15, ordersPerMonth: 2, deptWeights: [1, 0.5, 0.1, 1, 0.5, 6, 1], linesPerOrder: 1, returnRate: 0, events: { login: 1, cash_advance: 0.5, branch_visit: 0.2 } }),
      seg({ name: 'dormant', description: 'hardly uses the account', share: 0.2, ordersPerMonth: 0.2, lifetimeMonths: 8, deptWeights: [2, 1, 0.2, 1, 1, 0.2, 1], linesPerOrder: 1, returnRate: 0, events: { login: 0.2 } }),
    ],
    traits: (rng, s) => {
      const limit = Math.round(rng.lognormal(Math.log(s.name === 'transactors' ? 6000 : 3000), 0.5) / 100) * 100;
      const bal = s.name === 'revolvers' || s.name === 'cash-advance heavy' ? rng.uniform(0.3, 0.95) * limit : rng.uniform(0, 0.2) * limit;
      return {
        products_held: 1 + rng.poisson(s.name === 'dormant' ? 0.3 : 1.5),
        credit_limit: limit,
        balance: Math.round(bal * 100) / 100,
        cash_advance: s.name === 'cash-advance heavy' ? Math.round(rng.uniform(500, 4000)) : Math.round(rng.exponential(1 / 60)),
        account_status: s.name === 'dormant' ? rng.pick(['dormant', 'dormant', 'active']) : 'active',
      };
    },
  },
  telecom: {
    name: 'telecom', currency: 'USD', channels: ['online', 'store', 'phone'],
    departments: [
      { name: 'plan', categories: ['monthly bill'], price: 55, spread: 0.25 },
      { name: 'data', categories: ['data pack'], price: 10, spread: 0.3 },
      { name: 'roaming', categories: ['roaming pack'], price: 15, spread: 0.3 },
      { name: 'devices', categories: ['phone', 'accessory'], price: 150, spread: 0.9 },
    ],
    segments: [
      seg({ name: 'heavy data users', description: 'monthly bill plus frequent data packs', share: 0.25, ordersPerMonth: 2.2, rateShape: 20, deptWeights: [5, 5, 0.5, 0.3], linesPerOrder: 1, priceFactor: 1.3, returnRate: 0.005, events: { data_usage_spike: 2, call_support: 0.1 } }),
      seg({ name: 'basic', description: 'the monthly bill and little else', share: 0.35, ordersPerMonth: 1.05, rateShape: 30, deptWeights: [20, 0.3, 0.2, 0.1], linesPerOrder: 1, priceFactor: 0.7, returnRate: 0.005, events: { call_support: 0.1 } }),
      seg({ name: 'churn risk', description: 'month-to-month, many support calls, leaves', share: 0.15, ordersPerMonth: 1.1, rateShape: 30, lifetimeMonths: 10, deptWeights: [10, 1, 0.3, 0.2], linesPerOrder: 1, returnRate: 0.01, events: { call_support: 1.5, contract_renewal_offer: 0.3 } }),
      seg({ name: 'loyal families', description: 'long contracts, several lines, devices', share: 0.25, ordersPerMonth: 1.4, rateShape: 30, deptWeights: [6, 1, 1, 1], linesPerOrder: 1.5, priceFactor: 1.8, returnRate: 0.01, events: { call_support: 0.15 } }),
    ],
    traits: (rng, s) => ({
      contract_type: s.name === 'churn risk' ? 'month-to-month' : s.name === 'loyal families' ? rng.pick(['two year', 'two year', 'one year']) : rng.pick(['month-to-month', 'one year', 'two year']),
      tenure_months: s.name === 'loyal families' ? rng.int(24, 72) : rng.int(1, 48),
      monthly_charges: Math.round(rng.normal(s.name === 'heavy data users' ? 75 : s.name === 'loyal families' ? 95 : 45, 10) * 100) / 100,
      data_gb_month: Math.round(rng.lognormal(Math.log(s.name === 'heavy data users' ? 40 : 6), 0.4) * 10) / 10,
      support_calls: rng.poisson(s.name === 'churn risk' ? 5 : 0.8),
    }),
  },
  ngo: {
    name: 'ngo', currency: 'EUR', channels: ['online', 'direct debit', 'event', 'mail'],
    departments: [{ name: 'donation', categories: ['annual appeal', 'emergency', 'monthly giving', 'event'], price: 40, spread: 0.7 }],
    segments: [
      seg({ name: 'one-time donors', description: 'a single gift', share: 0.4, ordersPerMonth: 0.05, oneOrder: true, deptWeights: [1], linesPerOrder: 1, returnRate: 0, events: { email_open: 0.5 } }),
      seg({ name: 'recurring givers', description: 'monthly direct debit', share: 0.3, ordersPerMonth: 1, rateShape: 40, deptWeights: [1], linesPerOrder: 1, priceFactor: 0.5, returnRate: 0.01, events: { email_open: 1.5, event_attendance: 0.05 } }),
      seg({ name: 'major donors', description: 'few, large gifts', share: 0.05, ordersPerMonth: 0.15, deptWeights: [1], linesPerOrder: 1, priceFactor: 25, returnRate: 0, events: { event_attendance: 0.2, donation_pledge: 0.1 } }),
      seg({ name: 'lapsed donors', description: 'gave a few times, then stopped', share: 0.25, ordersPerMonth: 0.3, stopAt: 0.35, deptWeights: [1], linesPerOrder: 1, returnRate: 0, events: { email_open: 0.3 } }),
    ],
    traits: (rng, s) => ({
      donor_type: s.name === 'major donors' ? 'major' : s.name === 'recurring givers' ? 'regular' : 'individual',
      recurring: s.name === 'recurring givers',
      age_band: rng.pick(s.name === 'major donors' ? ['55-64', '65+'] : ['25-34', '35-44', '45-54', '55-64', '65+']),
    }),
  },
};

/** Cities with coordinates per country, for the geographic traits. */
export const CITIES: readonly (readonly [string, string, string, number, number])[] = [
  ['London', 'England', 'United Kingdom', 51.5074, -0.1278], ['Manchester', 'England', 'United Kingdom', 53.4808, -2.2426],
  ['Edinburgh', 'Scotland', 'United Kingdom', 55.9533, -3.1883], ['Cardiff', 'Wales', 'United Kingdom', 51.4816, -3.1791],
  ['Paris', 'Île-de-France', 'France', 48.8566, 2.3522], ['Lyon', 'Auvergne-Rhône-Alpes', 'France', 45.764, 4.8357],
  ['Berlin', 'Berlin', 'Germany', 52.52, 13.405], ['Munich', 'Bavaria', 'Germany', 48.1351, 11.582],
  ['Madrid', 'Madrid', 'Spain', 40.4168, -3.7038], ['Amsterdam', 'North Holland', 'Netherlands', 52.3676, 4.9041],
  ['New York', 'New York', 'United States', 40.7128, -74.006], ['Chicago', 'Illinois', 'United States', 41.8781, -87.6298],
];
