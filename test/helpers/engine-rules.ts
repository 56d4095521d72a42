/**
 * Twenty audience rules beside the e-commerce pack, for the engine tests on Online Retail (the attach test
 * and the end-to-end test on DuckDB, PostgreSQL and ClickHouse): behaviour windows, sums and averages with
 * row filters, population statistics, returns, first and last orders, traits, scores and (in the end-to-end
 * test) CLV and clusters. The members are compared across engines, so each rule selects someone on Online
 * Retail (the tests check that the counts are not all zero).
 */
import type { AudiencePack } from '../../src/segments/ast.ts';
import { AUDIENCE_PRESETS } from '../../src/segments/presets/index.ts';

/** Rules over transactions, traits and the RFM run (no LRFMP, CLV or cluster run needed). */
export const VALUE_RULES: Record<string, string> = {
  'uk-regulars': "all(country = 'United Kingdom', orders in last 6 months >= 3)",
  'germany-or-france': "country in ('Germany', 'France')",
  'big-spenders-p90': 'sum(amount) purchases > p90',
  'returners': 'returns >= 2',
  'heavy-returners': 'sum(amount) returns < -500',
  'lapsed-6m': 'all(orders >= 2, has no orders in last 6 months)',
  'december-2010-buyers': "has orders between '2010-12-01' and '2010-12-31'",
  'first-order-2011': "first order after '2011-01-01'",
  'many-products': 'distinct(product_id) purchases >= 100',
  'bulk-lines': 'max(quantity) purchases >= 500',
  // below the mean of the customers' averages, not their median: with an odd number of customers the median is
  // one customer's own average, and ClickHouse's multi-threaded, two-shard float sums put that customer one
  // rounding either side of it from run to run (seen: customer 16620 in or out), so members could not be compared
  'cheap-lines': 'avg(unit_price) purchases < avg',
  'recent-and-frequent': 'all(orders in last 30 days >= 2, orders >= 5)',
  'champions': "rfm.segment = 'Champions'",
  'rfm-low-r': 'rfm.r = 1',
  'rfm-monetary-top': 'rfm.monetary > p80',
  'not-champions-high-m': "all(not(rfm.segment = 'Champions'), rfm.m >= 4)",
};

/** Rules over the LRFMP run, the CLV predictions and the cluster run (the end-to-end test). */
export const MODEL_RULES: Record<string, string> = {
  'clv-top-tier': "clv.clv_tier = 'top'",
  'clv-likely-alive-p75': 'clv.p_alive > p75',
  'cluster-0-or-1': 'cluster.id in (0, 1)',
  'lrfmp-long-tenure': 'lrfmp.l = 5',
};

/** A pack: the e-commerce audiences and `rules`. */
export function packWith(rules: Record<string, string>, name = 'engines'): AudiencePack {
  const base = AUDIENCE_PRESETS.ecommerce!;
  return { name, description: `${base.description}, and more`, audiences: [...base.audiences, ...Object.entries(rules).map(([n, where]) => ({ name: n, description: n, where }))] };
}
