/**
 * grocery: a US supermarket chain with stores, online orders and pickup. Segments are told apart by how
 * their spend splits over departments (produce, meat, gourmet …); basket sizes follow household size.
 */
import { DAY, type CustomerSim } from '../simulate.ts';
import type { PresetSpec, SegmentSpec } from './types.ts';

const VARIANTS = [['store brand', 0.85], ['organic', 1.35], ['family size', 1.6], ['premium', 1.5]] as const;

const base = {
  signup: [0, 0.7], rateShape: 4, lifetimeMonths: 48, linesPerOrder: 5, priceTilt: 0, spendMedian: 1, spendSigma: 0.3,
  couponRate: 0.12, returnRate: 0.01, optIn: 0.55, age: 44, income: 0,
} satisfies Partial<SegmentSpec>;

// departments: produce, meat, dairy, bakery, pantry, gourmet, household
const segments: SegmentSpec[] = [
  {
    ...base, name: 'basic shoppers', description: 'pantry, dairy and household staples at low prices; little produce, meat or gourmet',
    share: 0.3, ordersPerMonth: 1.8, deptWeights: [1, 1, 3, 2, 5, 0.1, 3], priceTilt: -0.8, couponRate: 0.2, income: -0.6,
    events: { app_login: 1, email_open: 0.6 },
  },
  {
    ...base, name: 'meat lovers', description: 'meat dominates the basket',
    share: 0.18, ordersPerMonth: 1.6, deptWeights: [1, 7, 1, 1, 2, 0.3, 1], age: 41, events: { app_login: 0.8, email_open: 0.5 },
  },
  {
    ...base, name: 'produce lovers', description: 'fruit and vegetables dominate, often organic; frequent small trips',
    share: 0.2, ordersPerMonth: 2.4, deptWeights: [9, 0.3, 2, 1, 1, 0.5, 0.7], linesPerOrder: 4, priceTilt: 0.4, age: 39, income: 0.5,
    events: { app_login: 1.5, email_open: 0.8 },
  },
  {
    ...base, name: 'gourmet', description: 'deli, wine and imported goods, premium products, high spend per trip',
    share: 0.12, ordersPerMonth: 1.2, deptWeights: [2, 2, 2, 1, 1, 6, 0.5], priceTilt: 1.3, couponRate: 0.03, optIn: 0.7, age: 50, income: 1.6,
    events: { app_login: 0.5, email_open: 1 },
  },
  {
    ...base, name: 'variety shoppers', description: 'large family baskets spread evenly over all departments',
    share: 0.2, ordersPerMonth: 1.8, deptWeights: [2, 2, 2, 2, 2, 0.6, 2], linesPerOrder: 7, age: 38, events: { app_login: 1, email_open: 0.6 },
  },
];

const HOUSEHOLD: Record<string, number> = { 'basic shoppers': 2.2, 'meat lovers': 2.8, 'produce lovers': 2.2, gourmet: 2, 'variety shoppers': 4.1 };
const CAMPAIGNS = ['weekly-ad', 'digital-coupons', 'recipe-of-the-week', 'holiday-savings', 'loyalty-rewards'];

export const grocery: PresetSpec = {
  name: 'grocery',
  description: 'US supermarket chain: stores, online orders and pickup',
  currency: 'USD',
  departments: [
    { name: 'produce', price: 2.5, spread: 0.45, variants: VARIANTS, categories: [
      { name: 'vegetables', items: ['carrots', 'broccoli', 'spinach', 'tomatoes', 'potatoes', 'onions', 'bell peppers', 'cucumber'] },
      { name: 'fruit', items: ['bananas', 'apples', 'strawberries', 'grapes', 'oranges', 'blueberries', 'avocados'] },
      { name: 'salads', items: ['mixed greens', 'caesar salad kit', 'coleslaw'] },
    ] },
    { name: 'meat', price: 7.5, spread: 0.45, variants: VARIANTS, categories: [
      { name: 'beef', items: ['ground beef', 'ribeye steak', 'stew beef', 'beef burgers'] },
      { name: 'poultry', items: ['chicken breast', 'whole chicken', 'chicken thighs', 'ground turkey'] },
      { name: 'pork', items: ['pork chops', 'bacon', 'sausages', 'sliced ham'] },
    ] },
    { name: 'dairy', price: 3.2, spread: 0.4, variants: VARIANTS, categories: [
      { name: 'milk', items: ['whole milk', '2% milk', 'oat milk'] },
      { name: 'cheese', items: ['cheddar', 'mozzarella', 'parmesan'] },
      { name: 'yogurt', items: ['greek yogurt', 'vanilla yogurt'] },
      { name: 'eggs', items: ['large eggs'] },
    ] },
    { name: 'bakery', price: 3.5, spread: 0.4, variants: VARIANTS, categories: [
      { name: 'bread', items: ['sandwich loaf', 'sourdough', 'bagels', 'tortillas'] },
      { name: 'pastry', items: ['croissants', 'muffins', 'donuts'] },
    ] },
    { name: 'pantry', price: 3, spread: 0.45, variants: VARIANTS, categories: [
      { name: 'canned', items: ['black beans', 'canned tomatoes', 'chicken soup'] },
      { name: 'pasta & rice', items: ['spaghetti', 'long grain rice', 'macaroni'] },
      { name: 'snacks', items: ['potato chips', 'cookies', 'crackers', 'granola bars'] },
      { name: 'cereal', items: ['corn flakes', 'oatmeal', 'granola'] },
    ] },
    { name: 'gourmet', price: 12, spread: 0.6, variants: VARIANTS, categories: [
      { name: 'deli', items: ['prosciutto', 'brie', 'marinated olives', 'hummus'] },
      { name: 'wine', items: ['cabernet sauvignon', 'chardonnay', 'prosecco', 'rosé'] },
      { name: 'imported', items: ['truffle oil', 'aged balsamic', 'bronze-cut pasta', 'belgian chocolate'] },
    ] },
    { name: 'household', price: 6, spread: 0.45, variants: VARIANTS, categories: [
      { name: 'cleaning', items: ['dish soap', 'laundry detergent', 'surface spray'] },
      { name: 'paper', items: ['paper towels', 'toilet paper', 'tissues'] },
    ] },
  ],
  countries: { US: 1 },
  hours: [0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.5, 2.2, 2.8, 3.2, 3.4, 3.3, 3.1, 3, 3.2, 3.6, 4, 3.8, 3, 2.2, 1.4, 0.7, 0.3],
  months: [0.95, 0.92, 0.97, 0.98, 1, 1, 1.02, 1.02, 0.98, 1, 1.1, 1.25],
  weekdays: [1.2, 0.85, 0.85, 0.9, 0.95, 1.1, 1.4],
  channels: [['store', 0.75], ['online', 0.15], ['pickup', 0.1]],
  coupons: [['DIGITAL1', 0.05], ['WEEKLY10', 0.1], ['MFR-SAVE', 0.15]],
  quantity: 0.3,
  firstOrderAtSignup: true,
  eventTypes: ['app_login', 'email_open', 'coupon_use'],
  traitColumns: ['household_size', 'has_kids', 'loyalty_card'],
  segments,
  hooks: () => {
    let household = 1;
    let kids = false;
    let card = false;
    return {
      setup(sim: CustomerSim) {
        const rng = sim.rng;
        household = Math.max(1, Math.min(8, Math.round(rng.normal(HOUSEHOLD[sim.seg.name] ?? 2.5, 1))));
        kids = household >= 3 && rng.bernoulli(0.75);
        card = rng.bernoulli(sim.seg.name === 'gourmet' ? 0.5 : 0.7);
        sim.qtyScale = household / 2.5;
      },
      onOrder(sim, t) {
        if (sim.orderCoupon >= 0) {
          sim.event(t, 'coupon_use', `"{""code"":""${sim.spec.coupons[sim.orderCoupon]![0]}"",""order_id"":""${sim.orderId}""}"`);
        }
        // an app check of the list or the digital coupons before an online or pickup order
        if (sim.orderChannel !== 'store' && sim.rng.bernoulli(0.6)) sim.event(t - sim.rng.uniform(0.1, 2) * DAY, 'app_login', `"{""screen"":""shopping-list"",""os"":""${sim.rng.bernoulli(0.55) ? 'ios' : 'android'}""}"`);
      },
      eventScale: (_sim, type) => (type === 'app_login' ? (card ? 1 : 0.2) : 1),
      eventProps(sim, type) {
        if (type === 'email_open') return `"{""campaign"":""${sim.rng.pick(CAMPAIGNS)}""}"`;
        return `"{""screen"":""${sim.rng.pick(['home', 'weekly-ad', 'digital-coupons', 'shopping-list', 'rewards'])}"",""os"":""${sim.rng.bernoulli(0.55) ? 'ios' : 'android'}""}"`;
      },
      traits: () => `${household},${kids},${card}`,
    };
  },
};
