/**
 * banking: credit-card accounts of a euro-area bank. Transactions are card payments by merchant sector,
 * cash advances (with their fee) and monthly interest and fees; "products" are merchants and charges.
 */
import { AliasTable } from '../../models/random.ts';
import { DAY, type CustomerSim } from '../simulate.ts';
import type { PresetSpec, SegmentSpec } from './types.ts';

const CARD = [['card present', 0.85], ['online', 0.15]] as const;

const base = {
  rateShape: 4, lifetimeMonths: Infinity, linesPerOrder: 1, priceTilt: 0, spendMedian: 1, spendSigma: 0.35,
  couponRate: 0, returnRate: 0.012, optIn: 0.5, age: 45, income: 0,
} satisfies Partial<SegmentSpec>;

// departments: groceries, dining, travel, fuel, online shopping, cash advance, fees, bills
const segments: SegmentSpec[] = [
  {
    ...base, name: 'transactors', description: 'many card payments across sectors, balance paid in full: no interest, almost no cash advances',
    share: 0.35, signup: [-3, 0.6], ordersPerMonth: 5, rateShape: 6, deptWeights: [4, 3, 0.6, 2, 3, 0.03, 0, 1.5], spendMedian: 1.3,
    income: 1, age: 42, events: { login: 3, branch_visit: 0.03 },
  },
  {
    ...base, name: 'revolvers', description: 'moderate card use, carry a large balance: monthly interest, some late fees',
    share: 0.3, signup: [-3, 0.5], ordersPerMonth: 3, deptWeights: [4, 2, 0.8, 2, 2.5, 0.2, 0, 1.5], income: -0.4, age: 44,
    events: { login: 2, branch_visit: 0.1 },
  },
  {
    ...base, name: 'cash-advance heavy', description: 'cash advances dominate (each with a 3% fee), high balance, interest, branch visits',
    share: 0.15, signup: [-2, 0.5], ordersPerMonth: 2.5, deptWeights: [1.5, 0.5, 0.1, 1, 0.5, 6, 0, 1], returnRate: 0.004, income: -1, age: 39,
    events: { login: 1.5, branch_visit: 0.3 },
  },
  {
    ...base, name: 'dormant', description: 'an open account hardly used: a few payments, then nothing (inactive for months by the end)',
    share: 0.2, signup: [-4, 0.3], ordersPerMonth: 0.5, rateShape: 2, lifetimeMonths: 6, deptWeights: [2, 1, 0.2, 1, 1, 0.2, 0, 1],
    returnRate: 0.005, optIn: 0.3, age: 52, events: { login: 0.3, branch_visit: 0.02 }, afterEnd: 0.15,
  },
];

const PROFILE: Record<string, { limit: number; utilisation: readonly [number, number]; products: number; lateFee: number }> = {
  transactors: { limit: 8000, utilisation: [0, 0.12], products: 2.2, lateFee: 0 },
  revolvers: { limit: 4000, utilisation: [0.45, 0.95], products: 1.3, lateFee: 0.05 },
  'cash-advance heavy': { limit: 2500, utilisation: [0.7, 1], products: 0.7, lateFee: 0.12 },
  dormant: { limit: 3000, utilisation: [0, 0.05], products: 0.4, lateFee: 0 },
};

export const banking: PresetSpec = {
  name: 'banking',
  description: 'credit-card accounts of a euro-area bank: card payments, cash advances, interest and fees',
  currency: 'EUR',
  departments: [
    { name: 'groceries', price: 42, spread: 0.6, freeAmount: true, channels: CARD, categories: [
      { name: 'supermarkets', items: ['Lidl', 'Aldi', 'Carrefour', 'Rewe', 'Albert Heijn', 'Mercadona', 'Esselunga'] },
    ] },
    { name: 'dining', price: 24, spread: 0.6, freeAmount: true, channels: CARD, categories: [
      { name: 'restaurants', items: ['Trattoria Roma', 'Le Petit Bistro', 'Sushi House', 'Burger Point'] },
      { name: 'cafes', items: ['Starbucks', 'Café Central', 'Coffee Fellows'] },
    ] },
    { name: 'travel', price: 240, spread: 0.8, freeAmount: true, channels: [['online', 0.8], ['card present', 0.2]], categories: [
      { name: 'airlines', items: ['Ryanair', 'Lufthansa', 'KLM', 'Air France', 'Iberia'] },
      { name: 'hotels', items: ['Booking.com', 'Marriott', 'Accor'] },
      { name: 'rail', items: ['Deutsche Bahn', 'SNCF', 'Trenitalia'] },
    ] },
    { name: 'fuel', price: 55, spread: 0.3, freeAmount: true, channels: [['card present', 1]], categories: [
      { name: 'fuel stations', items: ['Shell', 'TotalEnergies', 'BP', 'Aral', 'Repsol'] },
    ] },
    { name: 'online shopping', price: 35, spread: 0.8, freeAmount: true, channels: [['online', 1]], categories: [
      { name: 'marketplaces', items: ['Amazon', 'Zalando', 'bol.com', 'eBay'] },
      { name: 'subscriptions', items: ['Netflix', 'Spotify', 'Disney+'] },
    ] },
    { name: 'cash advance', price: 180, spread: 0.5, freeAmount: true, roundTo: 1000, returnable: false, channels: [['atm', 0.85], ['branch', 0.15]], categories: [
      { name: 'cash withdrawal', items: ['ATM withdrawal', 'cash over the counter'] },
    ] },
    { name: 'fees', price: 10, spread: 0, returnable: false, channels: [['account', 1]], categories: [
      { name: 'interest', items: [['purchase interest', 0], ['cash advance interest', 0]] },
      { name: 'charges', items: [['cash advance fee', 0], ['late payment fee', 25]] },
    ] },
    { name: 'bills', price: 85, spread: 0.5, freeAmount: true, returnable: false, channels: [['direct debit', 1]], categories: [
      { name: 'utilities', items: ['EnBW', 'EDF', 'Vattenfall', 'Endesa', 'Enel'] },
      { name: 'insurance', items: ['Allianz', 'AXA', 'Generali'] },
    ] },
  ],
  countries: { DE: 0.3, FR: 0.25, NL: 0.15, ES: 0.15, IT: 0.15 },
  hours: [0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.4, 1, 1.6, 2, 2.2, 2.6, 3.2, 3, 2.4, 2.3, 2.5, 3, 3.2, 2.8, 2.2, 1.5, 0.9, 0.5],
  months: [0.9, 0.88, 0.95, 0.98, 1, 1.02, 1.08, 1.05, 0.97, 0.98, 1, 1.3],
  weekdays: [0.7, 1, 1, 1, 1.05, 1.2, 1.15],
  channels: [['card present', 1]],
  coupons: [],
  quantity: 0,
  firstOrderAtSignup: true,
  eventTypes: ['login', 'cash_advance', 'branch_visit'],
  traitColumns: ['products_held', 'credit_limit', 'balance', 'cash_advance', 'account_status'],
  segments,
  hooks: () => {
    const profiles = segments.map((s) => PROFILE[s.name]!);
    let fees = -1;
    let cashDept = -1;
    let limit = 0;
    let balance = 0;
    let products = 1;
    const device = new AliasTable([4, 3, 3]);
    const devices = ['web', 'ios', 'android'];
    const product = (sim: CustomerSim, name: string): number => sim.cat.names.indexOf(name);
    let purchaseInterest = -1;
    let cashInterest = -1;
    let cashFee = -1;
    let lateFee = -1;
    return {
      setup(sim) {
        if (fees < 0) {
          fees = sim.spec.departments.findIndex((d) => d.name === 'fees');
          cashDept = sim.spec.departments.findIndex((d) => d.name === 'cash advance');
          purchaseInterest = product(sim, 'purchase interest');
          cashInterest = product(sim, 'cash advance interest');
          cashFee = product(sim, 'cash advance fee');
          lateFee = product(sim, 'late payment fee');
        }
        const p = profiles[sim.segIndex]!;
        const rng = sim.rng;
        limit = Math.max(500, Math.round(rng.lognormal(Math.log(p.limit), 0.45) / 100) * 100);
        balance = Math.round(rng.uniform(p.utilisation[0], p.utilisation[1]) * limit * 100);
        products = 1 + rng.poisson(p.products);
      },
      onLine(sim, t, prod, cents) {
        if (sim.cat.dept[prod] !== cashDept) return;
        // a cash advance: the bank's 3% fee (at least €5) on the same order, and the event
        sim.line(cashFee, 1, Math.max(500, Math.round(cents * 0.03)));
        const branch = sim.lineChannel[sim.lineCount - 2] === 'branch';
        sim.event(t, 'cash_advance', `"{""amount"":${(cents / 100).toFixed(2)},""channel"":""${branch ? 'branch' : 'atm'}""}"`);
        if (branch) sim.event(t - 60_000, 'branch_visit', `"{""branch"":""B${String(sim.rng.int(1, 60)).padStart(3, '0')}"",""reason"":""cash""}"`);
      },
      recurring(sim) {
        const p = profiles[sim.segIndex]!;
        if (balance === 0 || p.utilisation[0] === 0) return;
        // monthly statement: interest at 19.9% a year on the revolving balance; late fees now and then
        const day = 1 + (Number(sim.id) % 28);
        sim.monthly(day, 3, sim.start, sim.end, (t) => {
          const rng = sim.rng;
          if (!sim.beginOrder(t, -1, 'account')) return;
          const cashShare = sim.spendCents > 0 ? Math.min(0.9, sim.deptCents[cashDept]! / sim.spendCents) : 0;
          const interest = Math.round(((balance * 0.199) / 12) * rng.uniform(0.85, 1.15));
          sim.line(cashShare > 0.4 ? cashInterest : purchaseInterest, 1, interest);
          if (rng.bernoulli(p.lateFee)) sim.line(lateFee, 1, sim.cat.cents[lateFee]!);
          sim.endOrder();
        });
      },
      eventProps(sim, type) {
        if (type === 'branch_visit') return `"{""branch"":""B${String(sim.rng.int(1, 60)).padStart(3, '0')}"",""reason"":""${sim.rng.pick(['advice', 'card', 'statement', 'complaint'])}""}"`;
        return `"{""device"":""${devices[device.sample(sim.rng)]!}""}"`;
      },
      traits(sim) {
        const active = sim.lastOrder >= 0 && sim.lastOrder >= sim.t1 - 180 * DAY;
        const cashAdvance = Math.round(sim.deptCents[cashDept]!) / 100;
        return `${products},${limit},${(balance / 100).toFixed(2)},${cashAdvance.toFixed(2)},${active ? 'active' : 'dormant'}`;
      },
    };
  },
};
