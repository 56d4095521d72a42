/**
 * ecommerce: an online shop selling home, kitchen, fashion, electronics, toys and beauty across the UK
 * and Europe. Segments differ in frequency, recency, spend, coupon use and browsing.
 */
import { AliasTable } from '../../models/random.ts';
import { DAY, HOUR, type CustomerSim } from '../simulate.ts';
import type { PresetSpec, SegmentSpec } from './types.ts';

const VARIANTS = [['classic', 1], ['premium', 1.7], ['eco', 1.15], ['mini', 0.6]] as const;

const base = {
  rateShape: 3, lifetimeMonths: Infinity, priceTilt: 0, spendMedian: 1, spendSigma: 0.3, couponRate: 0.08, returnRate: 0.05,
  optIn: 0.55, age: 40, income: 0,
} satisfies Partial<SegmentSpec>;

const segments: SegmentSpec[] = [
  {
    ...base, name: 'champions', description: 'frequent, recent, high spend: about one order a month from early on, dearer products, few drop out',
    share: 0.1, signup: [0, 0.4], ordersPerMonth: 1, rateShape: 5, lifetimeMonths: 150, deptWeights: [2, 2, 3, 3, 1, 2], linesPerOrder: 2,
    priceTilt: 0.9, couponRate: 0.04, optIn: 0.8, age: 38, income: 1, events: { email_open: 0.6 },
  },
  {
    ...base, name: 'loyal regulars', description: 'steady buyers every two months or so at average prices, mostly still active',
    share: 0.2, signup: [0, 0.6], ordersPerMonth: 0.45, lifetimeMonths: 60, deptWeights: [3, 3, 2, 1, 1, 2], linesPerOrder: 1.5,
    couponRate: 0.1, optIn: 0.6, age: 45, events: { email_open: 0.5 },
  },
  {
    ...base, name: 'bargain hunters', description: 'coupons on most orders, cheap products, many email opens and abandoned carts',
    share: 0.16, signup: [0, 0.6], ordersPerMonth: 0.4, lifetimeMonths: 48, deptWeights: [2, 3, 2, 1, 2, 2], linesPerOrder: 1.7,
    priceTilt: -1.5, couponRate: 0.75, returnRate: 0.07, optIn: 0.9, age: 36, income: -1, events: { email_open: 0.8 },
  },
  {
    ...base, name: 'one-time buyers', description: 'a single order (often with the welcome coupon), never back',
    share: 0.25, signup: [0, 0.97], once: true, ordersPerMonth: 0, rateShape: 1, deptWeights: [1, 1, 1, 1, 1, 1], linesPerOrder: 1.3,
    couponRate: 0.25, optIn: 0.3, age: 41, events: { email_open: 0.15 }, afterEnd: 1,
  },
  {
    ...base, name: 'lapsed', description: 'bought regularly in the first months, then stopped between 30% and 55% of the period',
    share: 0.15, signup: [0, 0.25], ordersPerMonth: 0.75, stopAt: [0.3, 0.55], deptWeights: [2, 2, 2, 2, 1, 1], linesPerOrder: 1.6,
    couponRate: 0.12, optIn: 0.55, age: 43, events: { email_open: 0.5 }, afterEnd: 0.3,
  },
  {
    ...base, name: 'browsers', description: 'many sessions and abandoned carts, hardly any orders',
    share: 0.14, signup: [0, 0.8], trial: false, ordersPerMonth: 0.05, rateShape: 2, deptWeights: [1, 1, 2, 3, 1, 1], linesPerOrder: 1.2,
    priceTilt: 0.3, couponRate: 0.1, returnRate: 0.03, optIn: 0.5, age: 29, events: { email_open: 0.3 },
  },
];

/** Per segment (same order): browsing sessions and abandoned carts per active month, pages per session, review probability per order. */
const BEHAVIOUR: Record<string, { sessions: number; abandoned: number; pages: number; review: number; stars: number }> = {
  champions: { sessions: 0.25, abandoned: 0.1, pages: 1.3, review: 0.15, stars: 4.5 },
  'loyal regulars': { sessions: 0.2, abandoned: 0.05, pages: 1.3, review: 0.08, stars: 4.2 },
  'bargain hunters': { sessions: 0.4, abandoned: 0.3, pages: 2, review: 0.05, stars: 3.6 },
  'one-time buyers': { sessions: 0.03, abandoned: 0.02, pages: 1.5, review: 0.04, stars: 3.8 },
  lapsed: { sessions: 0.15, abandoned: 0.05, pages: 1.3, review: 0.06, stars: 3.5 },
  browsers: { sessions: 0.7, abandoned: 0.35, pages: 2.5, review: 0.02, stars: 3.9 },
};

const DEVICES = ['mobile', 'desktop', 'tablet'];
/** share of orders whose web session was tracked (analytics consent): their page views and cart adds are in events.csv */
const TRACKED = 0.5;
const CAMPAIGNS = ['weekly-newsletter', 'spring-sale', 'summer-sale', 'black-friday', 'christmas-gift-guide', 'win-back', 'new-arrivals', 'back-in-stock'];
const PAGES = ['/', '/search', '/c/home', '/c/kitchen', '/c/fashion', '/c/electronics', '/c/toys', '/c/beauty', '/deals', '/basket'];

export const ecommerce: PresetSpec = {
  name: 'ecommerce',
  description: 'online shop (UK and Europe): home, kitchen, fashion, electronics, toys, beauty',
  currency: 'GBP',
  departments: [
    { name: 'home', price: 22, spread: 0.6, variants: VARIANTS, categories: [
      { name: 'decor', items: ['scented candle', 'vase', 'cushion', 'picture frame', 'wall mirror', 'throw'] },
      { name: 'lighting', items: ['table lamp', 'floor lamp', 'pendant shade', 'string lights', 'desk lamp'] },
      { name: 'textiles', items: ['bath towel set', 'duvet cover', 'rug', 'curtains', 'blanket'] },
    ] },
    { name: 'kitchen', price: 16, spread: 0.5, variants: VARIANTS, categories: [
      { name: 'cookware', items: ['frying pan', 'saucepan set', 'casserole dish', 'wok', 'baking tray'] },
      { name: 'tableware', items: ['dinner plate set', 'mug', 'wine glasses', 'bowl set', 'cutlery set'] },
      { name: 'storage', items: ['food container set', 'spice rack', 'bread bin', 'storage jars'] },
    ] },
    { name: 'fashion', price: 32, spread: 0.5, variants: VARIANTS, categories: [
      { name: 'women', items: ['dress', 'blouse', 'jeans', 'knit jumper', 'skirt'] },
      { name: 'men', items: ['oxford shirt', 'chinos', 'hoodie', 'rain jacket', 't-shirt'] },
      { name: 'accessories', items: ['scarf', 'leather belt', 'handbag', 'sunglasses', 'wallet'] },
    ] },
    { name: 'electronics', price: 45, spread: 0.9, variants: VARIANTS, categories: [
      { name: 'audio', items: ['wireless earbuds', 'bluetooth speaker', 'headphones', 'soundbar'] },
      { name: 'phone accessories', items: ['phone case', 'usb-c charger', 'power bank', 'screen protector'] },
      { name: 'gadgets', items: ['smart plug', 'fitness tracker', 'e-reader', 'webcam'] },
    ] },
    { name: 'toys', price: 15, spread: 0.5, variants: VARIANTS, categories: [
      { name: 'games', items: ['board game', 'card game', 'party game'] },
      { name: 'puzzles', items: ['1000-piece jigsaw', '3d puzzle', 'brain teaser'] },
      { name: 'outdoor', items: ['football', 'kite', 'scooter', 'water pistol'] },
    ] },
    { name: 'beauty', price: 18, spread: 0.5, variants: VARIANTS, categories: [
      { name: 'skin care', items: ['moisturiser', 'cleanser', 'serum', 'sun cream'] },
      { name: 'hair care', items: ['shampoo', 'conditioner', 'hair oil', 'hair dryer'] },
      { name: 'fragrance', items: ['eau de parfum', 'body mist', 'aftershave'] },
    ] },
  ],
  countries: { GB: 0.6, IE: 0.08, FR: 0.1, DE: 0.1, NL: 0.07, ES: 0.05 },
  hours: [1, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2, 2.2, 2.4, 2.5, 2.8, 2.6, 2.4, 2.4, 2.6, 3, 3.5, 4, 4.2, 3.8, 3, 2],
  months: [0.85, 0.8, 0.9, 0.95, 0.95, 0.9, 0.95, 0.95, 0.95, 1, 1.3, 1.6],
  weekdays: [1.1, 1.05, 0.95, 0.95, 0.95, 0.95, 1.05],
  channels: [['web', 0.55], ['app', 0.35], ['marketplace', 0.1]],
  coupons: [['SAVE10', 0.1], ['WELCOME15', 0.15], ['FLASH20', 0.2], ['FREESHIP', 0]],
  quantity: 0.15,
  firstOrderAtSignup: true,
  eventTypes: ['page_view', 'add_to_cart', 'email_open', 'coupon_use', 'review'],
  traitColumns: ['newsletter', 'preferred_device'],
  segments,
  hooks: () => {
    const behaviour = segments.map((s) => BEHAVIOUR[s.name]!);
    const deviceBySegment = segments.map((s) => new AliasTable(s.name === 'browsers' ? [7, 2, 1] : s.name === 'champions' ? [4, 5, 1] : [5, 4, 1]));
    const appChannel = new AliasTable([3, 6, 1]);
    let device = 0;
    let newsletter = false;
    const page = (sim: CustomerSim) => `"{""page"":""${sim.rng.pick(PAGES)}""}"`;
    const productPage = (sim: CustomerSim, product: number) => `"{""page"":""/p/${sim.cat.ids[product]!}""}"`;
    const cart = (sim: CustomerSim, product: number, qty: number) => `"{""product_id"":""${sim.cat.ids[product]!}"",""quantity"":${qty},""price"":${(sim.cat.cents[product]! / 100).toFixed(2)}}"`;
    /** a browsing session from `t`: `pages` page views some seconds apart; returns the time after the last */
    const session = (sim: CustomerSim, t: number, pages: number): number => {
      for (let k = 0; k < pages; k++) {
        sim.event(t, 'page_view', k === 0 || sim.rng.bernoulli(0.5) ? page(sim) : productPage(sim, sim.rng.int(0, sim.cat.size - 1)));
        t += (15 + sim.rng.exponential(1 / 60)) * 1000;
      }
      return t;
    };
    return {
      setup(sim) {
        device = deviceBySegment[sim.segIndex]!.sample(sim.rng);
        if (device === 0) sim.channel = ['web', 'app', 'marketplace'][appChannel.sample(sim.rng)]!;
        newsletter = sim.optIn && sim.rng.bernoulli(0.7);
      },
      onOrder(sim, t) {
        const b = behaviour[sim.segIndex]!;
        const rng = sim.rng;
        if (rng.bernoulli(TRACKED)) {
          // the session that led to the order: the product page, each item into the cart, checkout at t
          const n = sim.lineCount;
          let s = t - (n + 1) * 40_000 - (60 + rng.exponential(1 / 300)) * 1000;
          sim.event(s, 'page_view', productPage(sim, sim.lineProduct[0]!));
          s += 30_000;
          for (let k = 0; k < n; k++) {
            sim.event(s, 'add_to_cart', cart(sim, sim.lineProduct[k]!, sim.lineQty[k]!));
            s += 20_000 + rng.int(0, 20) * 1000;
          }
        }
        if (sim.orderCoupon >= 0) {
          sim.event(t, 'coupon_use', `"{""code"":""${sim.spec.coupons[sim.orderCoupon]![0]}"",""order_id"":""${sim.orderId}""}"`);
        }
        if (rng.bernoulli(b.review)) {
          const stars = Math.max(1, Math.min(5, Math.round(rng.normal(b.stars, 0.9))));
          sim.event(t + rng.uniform(3, 20) * DAY, 'review', `"{""product_id"":""${sim.cat.ids[sim.lineProduct[0]!]!}"",""stars"":${stars}}"`);
        }
      },
      events(sim) {
        const b = behaviour[sim.segIndex]!;
        const rng = sim.rng;
        const months = sim.months(sim.start, Math.max(sim.end, sim.start + 30 * DAY));
        const to = Math.min(sim.t1, Math.max(sim.end, sim.start + 30 * DAY));
        const sessions = rng.poisson(b.sessions * months);
        for (let k = 0; k < sessions; k++) session(sim, sim.timeOfDay(rng.uniform(sim.start, to)), 1 + rng.poisson(b.pages - 1));
        // abandoned carts: an add_to_cart with no order in the next 24 hours (26 here, to leave margin)
        const carts = rng.poisson(b.abandoned * months);
        const pickers = sim.cat.pickers[sim.segIndex]!;
        for (let k = 0; k < carts; k++) {
          const t = sim.timeOfDay(rng.uniform(sim.start, to));
          if (sim.orderWithin(t - HOUR, 27 * HOUR)) continue;
          const di = rng.weighted(sim.seg.deptWeights);
          const product = sim.cat.byDept[di]![pickers[di]!.sample(rng)]!;
          sim.event(t - 90_000, 'page_view', productPage(sim, product));
          sim.event(t, 'add_to_cart', cart(sim, product, 1));
        }
      },
      eventProps(sim, type) {
        if (type === 'email_open') return `"{""campaign"":""${sim.rng.pick(CAMPAIGNS)}""}"`;
        return '"{}"';
      },
      traits: () => `${newsletter},${DEVICES[device]!}`,
    };
  },
};
