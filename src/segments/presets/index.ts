/**
 * Industry audience packs: the definitions each sector commonly uses, written in the text form over the
 * fields of the matching generator preset (docs/generator.md). `aliases` map those trait names to the
 * column names of the public data sets they also fit (telco-churn, bank-marketing, cc-general,
 * online-retail), so the same pack runs there; an audience whose fields a workspace lacks is reported as
 * not applicable rather than run.
 */
import type { AudiencePack } from '../ast.ts';

export const ECOMMERCE: AudiencePack = {
  name: 'ecommerce',
  description: 'online shop: carts, lapsing, coupons, value and engagement',
  audiences: [
    { name: 'abandoned-cart', description: 'added to cart in the last 30 days and did not order within 24 hours', where: "has event 'add_to_cart' then no orders within 24 hours in last 30 days" },
    { name: 'lapsed-90', description: 'repeat buyers with nothing in the last 90 days', where: 'all(orders >= 2, has no orders in last 90 days)' },
    { name: 'coupon-users', description: 'two or more orders with a coupon in the last year', where: 'orders where coupon is not null in last 1 year >= 2' },
    { name: 'high-spenders', description: 'net spend above the average customer', where: 'all(has orders, sum(amount) transactions > avg)' },
    { name: 'high-clv', description: 'predicted CLV above the average (needs a stored segmint clv predict run)', where: 'clv.clv > avg' },
    { name: 'valuable-at-risk', description: 'top or high CLV tier but at risk of churning (needs a CLV run)', where: "all(clv.clv_tier in ('top', 'high'), clv.churn_tier in ('at-risk', 'lapsed'))" },
    { name: 'frequent-low-spenders', description: 'four or more orders in the last year, lines cheaper than the median customer', where: 'all(orders in last 1 year >= 4, avg(amount) purchases < median)' },
    { name: 'one-time-buyers', description: 'exactly one order so far', where: 'orders = 1' },
    { name: 'new-customers', description: 'first order in the last 30 days', where: 'first order in last 30 days' },
    { name: 'newsletter-browsers', description: 'newsletter subscribers with five or more page views in the last 30 days', where: "all(newsletter = true, event 'page_view' in last 30 days >= 5)" },
    { name: 'loyal-reviewers', description: 'three or more orders and two or more reviews', where: "all(orders >= 3, event 'review' >= 2)" },
    { name: 'big-basket-regulars', description: 'regulars buying many distinct products', where: 'all(orders in last 1 year >= 3, distinct(product_id) purchases >= 20)' },
  ],
};

export const GROCERY: AudiencePack = {
  name: 'grocery',
  description: 'supermarket: department lovers, regulars, lapsing shoppers, families',
  audiences: [
    { name: 'produce-lovers', description: 'produce spend in the last 90 days in the top fifth', where: "sum(amount) purchases where department = 'produce' in last 90 days > p80" },
    { name: 'meat-lovers', description: 'meat spend in the last 90 days in the top fifth', where: "sum(amount) purchases where department = 'meat' in last 90 days > p80" },
    { name: 'gourmet-lovers', description: 'gourmet spend in the last 90 days in the top tenth', where: "sum(amount) purchases where department = 'gourmet' in last 90 days > p90" },
    { name: 'weekly-regulars', description: 'ten or more trips in the last 12 weeks', where: 'orders in last 12 weeks >= 10' },
    { name: 'lapsing', description: 'six or more trips in the last year, none in the last 30 days', where: 'all(orders in last 1 year >= 6, has no orders in last 30 days)' },
    { name: 'families', description: 'households of four or more with children', where: 'all(has_kids = true, household_size >= 4)' },
    { name: 'app-users', description: 'logged in to the app in the last 30 days', where: "has event 'app_login' in last 30 days" },
  ],
};

export const BANKING: AudiencePack = {
  name: 'banking',
  description: 'cards and accounts: product holders, dormancy, cash advances, balances',
  audiences: [
    { name: 'multi-product-holders', description: 'three or more products', where: 'products_held >= 3' },
    { name: 'mortgage-and-loan', description: 'a housing loan and a personal loan (bank-marketing)', where: 'all(housing = true, loan = true)' },
    { name: 'dormant-accounts', description: 'transactions before, none in the last 180 days', where: 'all(has transactions, has no transactions in last 180 days)' },
    { name: 'cash-advance-heavy', description: 'some cash advanced, and in the top fifth of all customers (p80 over everyone, zeros included)', where: 'all(cash_advance > 0, cash_advance > p80)' },
    { name: 'high-balance', description: 'balance in the top tenth', where: 'balance > p90' },
    { name: 'frequent-cash-advances', description: 'three or more cash advances in the last 90 days', where: "event 'cash_advance' in last 90 days >= 3" },
  ],
};

export const TELECOM: AudiencePack = {
  name: 'telecom',
  description: 'mobile operator: contracts, data use, churn risk, unusual usage',
  aliases: { contract_type: ['contract'], tenure_months: ['tenure'] },
  audiences: [
    { name: 'contract-ending', description: 'month-to-month customers past their first year', where: "all(contract_type in ('month-to-month', 'Month-to-month'), tenure_months >= 12)" },
    { name: 'new-month-to-month', description: 'month-to-month in the first year', where: "all(contract_type in ('month-to-month', 'Month-to-month'), tenure_months < 12)" },
    { name: 'heavy-data-users', description: 'data use per month in the top quarter and three or more usage spikes in the last 90 days', where: "all(data_gb_month > p75, event 'data_usage_spike' in last 90 days >= 3)" },
    { name: 'support-call-churn-risk', description: 'two or more support calls in the last 60 days on a month-to-month contract', where: "all(event 'call_support' in last 60 days >= 2, contract_type in ('month-to-month', 'Month-to-month'))" },
    { name: 'suspicious-usage-spikes', description: 'three or more usage spikes in the last 30 days', where: "event 'data_usage_spike' in last 30 days >= 3" },
    { name: 'high-bill-short-tenure', description: 'monthly charges in the top quarter, under a year with us', where: 'all(monthly_charges > p75, tenure_months < 12)' },
  ],
};

export const NGO: AudiencePack = {
  name: 'ngo',
  description: 'charity: first-time, lapsed, major and recurring donors',
  audiences: [
    { name: 'first-time-donors', description: 'one gift, in the last 90 days', where: 'all(orders = 1, first order in last 90 days)' },
    { name: 'lapsed-donors', description: 'gave twice or more, nothing in the last 12 months', where: 'all(orders >= 2, has no orders in last 12 months)' },
    { name: 'major-donors', description: 'a gift of 1,000 or more, or a major gift', where: "any(max(amount) purchases >= 1000, has purchases where category = 'major gift')" },
    { name: 'recurring-givers', description: 'three or more monthly gifts in the last 90 days', where: "purchases where category = 'monthly giving' in last 90 days >= 3" },
    { name: 'event-goers', description: 'attended an event in the last year', where: "has event 'event_attendance' in last 1 year" },
  ],
};

/** The packs by name. */
export const AUDIENCE_PRESETS: Readonly<Record<string, AudiencePack>> = { ecommerce: ECOMMERCE, grocery: GROCERY, banking: BANKING, telecom: TELECOM, ngo: NGO };
