/**
 * telecom: a US mobile operator. Every active customer gets a monthly bill (plan price × lines) on their
 * billing day; add-ons (data packs, roaming, devices) arrive as a Poisson process. Churners leave after an
 * Exponential lifetime, with support calls piling up before they go.
 */
import { DAY, type CustomerSim } from '../simulate.ts';
import type { PresetSpec, SegmentSpec } from './types.ts';

const base = {
  rateShape: 2, linesPerOrder: 1, priceTilt: 0, spendMedian: 1, spendSigma: 0, couponRate: 0, returnRate: 0.06,
  optIn: 0.5, age: 42, income: 0,
} satisfies Partial<SegmentSpec>;

// departments: plan, data, roaming, devices
const segments: SegmentSpec[] = [
  {
    ...base, name: 'heavy data users', description: 'unlimited plans, frequent data top-ups and usage spikes',
    share: 0.25, signup: [-2, 0.6], ordersPerMonth: 1.3, rateShape: 4, lifetimeMonths: 60, deptWeights: [0, 8, 1.2, 0.3], age: 31, income: 0.3,
    events: { data_usage_spike: 1.5, call_support: 0.1, contract_renewal_offer: 0.03 },
  },
  {
    ...base, name: 'basic', description: 'a cheap single-line plan and little else; rarely calls, rarely leaves',
    share: 0.35, signup: [-3, 0.7], ordersPerMonth: 0.06, lifetimeMonths: 96, deptWeights: [0, 2, 0.5, 1], age: 55, income: -0.5,
    events: { call_support: 0.08, data_usage_spike: 0.02, contract_renewal_offer: 0.02 },
  },
  {
    ...base, name: 'churn risk', description: 'month-to-month contracts, many support calls and retention offers; most leave within a year',
    share: 0.15, signup: [-0.6, 0.7], ordersPerMonth: 0.15, lifetimeMonths: 9, deptWeights: [0, 3, 0.3, 0.5], age: 35, income: -0.3,
    events: { call_support: 1, contract_renewal_offer: 0.3, data_usage_spike: 0.1 },
  },
  {
    ...base, name: 'loyal families', description: 'family plans with 2–5 lines on two-year contracts, device purchases, long tenure',
    share: 0.25, signup: [-4, 0.3], ordersPerMonth: 0.2, lifetimeMonths: 200, deptWeights: [0, 2, 1, 3], age: 44, income: 0.8,
    events: { call_support: 0.12, contract_renewal_offer: 0.04, data_usage_spike: 0.2 },
  },
];

/** per segment: plans (product names, weights), contracts (weights: month-to-month, one year, two year), lines, data GB median */
const PROFILE: Record<string, { plans: readonly (readonly [string, number])[]; contracts: readonly [number, number, number]; lines: readonly [number, number]; gb: number }> = {
  'heavy data users': { plans: [['Unlimited', 0.6], ['Unlimited Plus', 0.4]], contracts: [0.2, 0.45, 0.35], lines: [1, 1], gb: 45 },
  basic: { plans: [['Basic 5GB', 0.7], ['Standard 20GB', 0.3]], contracts: [0.3, 0.4, 0.3], lines: [1, 1], gb: 3.5 },
  'churn risk': { plans: [['Standard 20GB', 0.6], ['Basic 5GB', 0.4]], contracts: [1, 0, 0], lines: [1, 1], gb: 9 },
  'loyal families': { plans: [['Family Share', 1]], contracts: [0.02, 0.18, 0.8], lines: [2, 5], gb: 14 },
};
const CONTRACTS = ['month-to-month', 'one year', 'two year'];
const REASONS = ['billing', 'coverage', 'device', 'plan change', 'cancellation', 'roaming'];

export const telecom: PresetSpec = {
  name: 'telecom',
  description: 'US mobile operator: monthly bills, data packs, roaming, devices',
  currency: 'USD',
  departments: [
    { name: 'plan', price: 40, spread: 0, returnable: false, channels: [['auto-pay', 0.8], ['online', 0.15], ['store', 0.05]], categories: [
      { name: 'monthly bill', items: [['Basic 5GB', 25], ['Standard 20GB', 40], ['Unlimited', 60], ['Unlimited Plus', 75], ['Family Share', 35]] },
    ] },
    { name: 'data', price: 10, spread: 0, returnable: false, categories: [
      { name: 'data pack', items: [['1GB top-up', 5], ['5GB top-up', 15], ['10GB top-up', 25]] },
    ] },
    { name: 'roaming', price: 10, spread: 0, returnable: false, categories: [
      { name: 'roaming pack', items: [['Canada & Mexico day pass', 5], ['World traveller day pass', 10], ['Cruise pack', 50]] },
    ] },
    { name: 'devices', price: 100, spread: 0, categories: [
      { name: 'phones', items: [['Moto G', 149], ['Galaxy A15', 199], ['Pixel 8a', 499], ['iPhone 15', 799]] },
      { name: 'accessories', items: [['phone case', 25], ['fast charger', 29], ['wireless earbuds', 79], ['screen protector', 15]] },
    ] },
  ],
  countries: { US: 1 },
  hours: [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 1.6, 2, 2.2, 2.4, 2.6, 2.5, 2.3, 2.3, 2.5, 2.8, 3, 2.8, 2.4, 1.8, 1.1, 0.6],
  months: [1, 0.95, 1, 1, 1, 1.05, 1.15, 1.1, 1, 1, 1.05, 1.2],
  weekdays: [0.9, 1, 1, 1, 1, 1.05, 1.05],
  channels: [['app', 0.5], ['online', 0.3], ['store', 0.15], ['phone', 0.05]],
  coupons: [],
  quantity: 0,
  firstOrderAtSignup: false,
  eventTypes: ['call_support', 'data_usage_spike', 'contract_renewal_offer'],
  traitColumns: ['contract_type', 'tenure_months', 'monthly_charges', 'data_gb_month', 'support_calls'],
  segments,
  hooks: () => {
    const profiles = segments.map((s) => PROFILE[s.name]!);
    let plan = 0;
    let lines = 1;
    let contract = 0;
    let billCents = 0;
    let gb = 0;
    const planIndex = new Map<string, number>();
    return {
      setup(sim: CustomerSim) {
        if (planIndex.size === 0) sim.cat.names.forEach((n, k) => planIndex.set(n, k));
        const p = profiles[sim.segIndex]!;
        const rng = sim.rng;
        plan = planIndex.get(p.plans[rng.weighted(p.plans.map((x) => x[1]))]![0])!;
        lines = rng.int(p.lines[0], p.lines[1]);
        contract = rng.weighted(p.contracts);
        // two-year contracts get 10% off the plan
        billCents = Math.round(sim.cat.cents[plan]! * (contract === 2 ? 0.9 : 1));
        gb = Math.round(rng.lognormal(Math.log(p.gb * lines), 0.45) * 10) / 10;
      },
      recurring(sim) {
        const day = 1 + (new Date(sim.signup).getUTCDate() % 28);
        sim.monthly(day, 2, sim.start, sim.end, (t) => {
          if (!sim.beginOrder(t)) return;
          sim.line(plan, lines, billCents);
          sim.endOrder();
        });
      },
      events(sim) {
        // leaving: calls pile up in the last six weeks, and a retention offer is often made
        if (sim.end >= sim.t1) return;
        const rng = sim.rng;
        const calls = rng.poisson(2.5);
        for (let k = 0; k < calls; k++) sim.event(sim.timeOfDay(sim.end - rng.uniform(1, 45) * DAY), 'call_support', `"{""reason"":""${rng.bernoulli(0.5) ? 'cancellation' : 'billing'}"",""minutes"":${rng.int(5, 45)}}"`);
        if (rng.bernoulli(0.6)) sim.event(sim.timeOfDay(sim.end - rng.uniform(2, 30) * DAY), 'contract_renewal_offer', '"{""offer"":""retention-discount-20""}"');
      },
      eventProps(sim, type) {
        const rng = sim.rng;
        if (type === 'call_support') return `"{""reason"":""${rng.pick(REASONS)}"",""minutes"":${rng.int(2, 40)}}"`;
        if (type === 'data_usage_spike') return `"{""gb"":${(gb * rng.uniform(0.15, 0.6)).toFixed(1)},""roaming"":${rng.bernoulli(0.1)}}"`;
        return `"{""offer"":""${rng.pick(['upgrade-discount', 'free-month', 'loyalty-data-bonus'])}""}"`;
      },
      traits(sim) {
        const tenure = Math.max(0, Math.round((Math.min(sim.end, sim.t1) - sim.signup) / (30.4375 * DAY)));
        return `${CONTRACTS[contract]!},${tenure},${((billCents * lines) / 100).toFixed(2)},${gb},${sim.eventCount('call_support')}`;
      },
    };
  },
};
