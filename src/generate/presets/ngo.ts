/**
 * ngo: a UK and Irish charity. Transactions are donations (department "donation", category the kind of
 * appeal); recurring givers pay a fixed monthly direct debit, major donors give a few large gifts, each
 * announced by a pledge.
 */
import { DAY, type CustomerSim } from '../simulate.ts';
import type { PresetSpec, SegmentSpec } from './types.ts';

const base = {
  rateShape: 2, lifetimeMonths: Infinity, linesPerOrder: 1, priceTilt: 0, spendMedian: 1, spendSigma: 0.5, couponRate: 0,
  returnRate: 0.004, optIn: 0.6, age: 52, income: 0,
} satisfies Partial<SegmentSpec>;

const segments: SegmentSpec[] = [
  {
    ...base, name: 'one-time donors', description: 'a single gift, mostly to an emergency or seasonal appeal',
    share: 0.4, signup: [0, 0.97], once: true, ordersPerMonth: 0, rateShape: 1, deptWeights: [1], spendMedian: 1,
    categoryWeights: { 'emergency appeal': 5, 'seasonal appeal': 3, event: 1.5, 'monthly giving': 0, 'major gift': 0 }, optIn: 0.45, age: 46,
    events: { email_open: 0.3, event_attendance: 0.005 }, afterEnd: 1,
  },
  {
    ...base, name: 'recurring givers', description: 'a fixed monthly direct debit (£5–£30) on the same day each month; some cancel',
    share: 0.3, signup: [-1, 0.7], ordersPerMonth: 0.04, lifetimeMonths: 72, deptWeights: [1],
    categoryWeights: { 'emergency appeal': 3, 'seasonal appeal': 3, event: 1, 'monthly giving': 0, 'major gift': 0 }, returnRate: 0.01, optIn: 0.75,
    age: 55, events: { email_open: 1.2, event_attendance: 0.03 },
  },
  {
    ...base, name: 'major donors', description: 'a few large gifts (median about £2,700), each after a pledge; events and galas',
    share: 0.05, signup: [-1, 0.5], ordersPerMonth: 0.13, rateShape: 3, deptWeights: [1], spendMedian: 1, spendSigma: 0.6,
    categoryWeights: { 'major gift': 1, 'emergency appeal': 0, 'seasonal appeal': 0, event: 0, 'monthly giving': 0 }, returnRate: 0, optIn: 0.7,
    age: 64, income: 2, events: { email_open: 0.5, event_attendance: 0.15 },
  },
  {
    ...base, name: 'lapsed donors', description: 'gave several times early on, then stopped between 20% and 45% of the period',
    share: 0.25, signup: [0, 0.25], ordersPerMonth: 0.4, stopAt: [0.2, 0.45], deptWeights: [1],
    categoryWeights: { 'emergency appeal': 2, 'seasonal appeal': 3, event: 1.5, 'monthly giving': 0, 'major gift': 0 }, optIn: 0.55, age: 50,
    events: { email_open: 0.8, event_attendance: 0.02 }, afterEnd: 0.2,
  },
];

const MONTHLY = [[5, 2], [8, 1], [10, 4], [15, 2], [20, 2], [25, 1], [30, 1]] as const;
const CAMPAIGNS = ['winter-appeal', 'emergency-update', 'impact-report', 'newsletter', 'thank-you', 'legacy-giving'];
const EVENTS = ['charity run', 'gala dinner', 'supporter webinar', 'open day', 'quiz night'];

export const ngo: PresetSpec = {
  name: 'ngo',
  description: 'UK and Irish charity: single gifts, monthly direct debits, major gifts',
  currency: 'GBP',
  departments: [
    { name: 'donation', price: 30, spread: 0.6, freeAmount: true, roundTo: 500, categories: [
      { name: 'emergency appeal', items: [['Flood Relief Appeal', 30], ['Earthquake Response', 30], ['Famine Appeal', 30]] },
      { name: 'seasonal appeal', items: [['Winter Appeal', 25], ['Spring Appeal', 25], ['Christmas Appeal', 30]] },
      { name: 'event', items: [['Charity Run Sponsorship', 20], ['Quiz Night Ticket', 15], ['Gala Dinner', 120]] },
      { name: 'monthly giving', items: [['Monthly Direct Debit', 10]] },
      { name: 'major gift', items: [['Capital Campaign', 2500], ['Programme Sponsorship', 2500]] },
    ] },
  ],
  countries: { GB: 0.85, IE: 0.15 },
  hours: [0.3, 0.15, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 1.5, 2, 2.2, 2.3, 2.5, 2.3, 2.2, 2.2, 2.3, 2.5, 2.8, 3, 3, 2.5, 1.6, 0.8],
  months: [0.9, 0.8, 0.85, 0.9, 0.9, 0.85, 0.8, 0.8, 0.9, 1, 1.3, 2],
  weekdays: [1.1, 1, 1, 1, 1, 0.95, 0.95],
  channels: [['online', 0.6], ['mail', 0.2], ['phone', 0.1], ['event', 0.1]],
  coupons: [],
  quantity: 0,
  firstOrderAtSignup: true,
  eventTypes: ['email_open', 'event_attendance', 'donation_pledge'],
  traitColumns: ['donor_type', 'recurring', 'gift_aid'],
  segments,
  hooks: () => {
    let monthly = -1;
    let debitCents = 0;
    let donorType = 'individual';
    let giftAid = false;
    const recurringSeg = segments.findIndex((s) => s.name === 'recurring givers');
    const majorSeg = segments.findIndex((s) => s.name === 'major donors');
    return {
      setup(sim: CustomerSim) {
        if (monthly < 0) monthly = sim.cat.names.indexOf('Monthly Direct Debit');
        const rng = sim.rng;
        debitCents = MONTHLY[rng.weighted(MONTHLY.map((m) => m[1]))]![0] * 100;
        donorType = sim.segIndex === majorSeg ? (['individual', 'trust or foundation', 'corporate'] as const)[rng.weighted([0.6, 0.25, 0.15])]! : rng.bernoulli(0.02) ? 'corporate' : 'individual';
        giftAid = donorType === 'individual' && sim.country === 'GB' && rng.bernoulli(0.6);
        if (sim.segIndex === recurringSeg) sim.channel = 'direct debit';
      },
      recurring(sim) {
        if (sim.segIndex !== recurringSeg) return;
        const day = [1, 15, 28][Number(sim.id) % 3]!;
        sim.monthly(day, 6, sim.start, sim.end, (t) => {
          // about 2% of debits fail and are not collected
          if (sim.rng.bernoulli(0.02) || !sim.beginOrder(t, -1, 'direct debit')) return;
          sim.line(monthly, 1, debitCents);
          sim.endOrder();
        });
      },
      onOrder(sim, t) {
        if (sim.segIndex !== majorSeg) return;
        // a major gift is pledged two to eight weeks before it arrives
        const amount = Math.round(sim.lineCents[0]! / 50_000) * 500;
        sim.event(t - sim.rng.uniform(14, 56) * DAY, 'donation_pledge', `"{""amount"":${Math.max(500, amount)},""campaign"":""${sim.cat.names[sim.lineProduct[0]!]!}""}"`);
      },
      eventProps(sim, type) {
        if (type === 'event_attendance') return `"{""event"":""${sim.rng.pick(EVENTS)}""}"`;
        return `"{""campaign"":""${sim.rng.pick(CAMPAIGNS)}""}"`;
      },
      traits: (sim) => `${donorType},${sim.segIndex === recurringSeg},${giftAid}`,
    };
  },
};
