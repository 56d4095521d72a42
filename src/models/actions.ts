/**
 * A suggested action for every segment: the named RFM and LRFMP segments, the CLV and churn-risk tiers, and
 * clusters (from their profile's traits). segmint.yaml `segments.actions` (segment name → text) overrides the
 * defaults (docs/models.md, "Suggested actions").
 */
import { CHURN_TIERS, CLV_TIERS } from './clv/predict.ts';
import type { ClusterProfile } from './cluster/profile.ts';
import { DEFAULT_LRFMP_SEGMENTS, DEFAULT_LRFP_SEGMENTS, DEFAULT_RF_SEGMENTS, DEFAULT_RFM_SEGMENTS, type SegmentRule } from './rfm/segments.ts';

/** The default action per named segment and tier (RFM and RF share names; LRFP's Loyal is RFM's Loyal). */
export const DEFAULT_ACTIONS: Readonly<Record<string, string>> = {
  // RFM (and RF)
  Champions: 'reward them: loyalty perks, early access to new products, ask for reviews and referrals',
  "Can't lose them": 'win them back personally: a renewal offer, a call or a personal e-mail, ask what changed',
  Loyal: 'upsell higher-value products, invite them to the loyalty programme, ask for reviews',
  'At risk': 'send a personalised win-back offer before they lapse, with reminders of what they bought',
  New: 'onboard them: a welcome series, help with the first use, a reason for a second order',
  'Potential loyalist': 'offer membership or the loyalty programme, recommend products related to their purchases',
  Promising: 'build the habit: brand content and a small incentive on the next order',
  'Need attention': 'reactivate with a limited-time offer and recommendations from their history',
  'About to sleep': 'share popular products and a discount before they are lost',
  Hibernating: 'low-cost reactivation only: an occasional relevant offer, no expensive incentives',
  Lost: 'one last-chance win-back campaign, then suppress them from paid campaigns',
  // LRFMP
  'High-contribution loyal': 'retain and reward: VIP service, early access, a referral programme',
  'Low-contribution loyal': 'grow the basket: cross-sell, bundles, a spend threshold for free delivery',
  Uncertain: 'nurture towards the next visits: onboarding, recommendations, a return incentive',
  'High-spending lost': 'win back with a personalised offer on what they used to buy',
  'Low-spending lost': 'low-cost reactivation, or suppress them from paid campaigns',
  // LRFP (no amounts)
  'Frequent loyal': 'retain and reward: VIP service, early access, a referral programme',
  'Frequent lost': 'win back with a personalised offer on what they used to buy',
  'Infrequent lost': 'low-cost reactivation, or suppress them from paid campaigns',
  // CLV tiers
  top: 'protect them: VIP service, account management, early access; never discount blindly',
  high: 'grow towards the top tier: upsell, cross-sell, the loyalty programme',
  medium: 'develop with targeted cross-sell and a reason to buy more often',
  low: 'serve at low cost: automated campaigns only',
  // churn-risk tiers (P(alive))
  active: 'keep them engaged: regular news, loyalty rewards, no discounts needed',
  cooling: 'reminders and recommendations before they slip further',
  'at-risk': 'a win-back offer now, weighted by their CLV',
  lapsed: 'one last win-back attempt, then stop spending on them',
};

/** The segment and tier names the defaults know, with the names of the workspace's own rules. */
export function knownSegmentNames(customRules: readonly (readonly SegmentRule[] | undefined)[] = []): Set<string> {
  const names = new Set<string>(Object.keys(DEFAULT_ACTIONS));
  for (const t of [DEFAULT_RFM_SEGMENTS, DEFAULT_RF_SEGMENTS, DEFAULT_LRFMP_SEGMENTS, DEFAULT_LRFP_SEGMENTS, ...customRules]) for (const r of t ?? []) names.add(r.name);
  for (const t of [...CHURN_TIERS, ...CLV_TIERS]) names.add(t.tier);
  return names;
}

/** The action of a segment: the override, else the default, else `fallback` (e.g. a cluster's derived action), else a generic line. */
export function actionFor(segment: string, overrides: Readonly<Record<string, string>> = {}, fallback?: string): string {
  return overrides[segment] ?? DEFAULT_ACTIONS[segment] ?? fallback ?? 'review the segment and choose an action (set one in segmint.yaml segments.actions)';
}

/**
 * A cluster's action from its profile's traits (z ≥ 0.5 from the population mean): lapsed high spenders are
 * won back, recent high spenders rewarded, frequent low spenders upsold, and so on.
 */
export function clusterAction(profile: Pick<ClusterProfile, 'traits'>): string {
  const has = (re: RegExp) => profile.traits.some((t) => re.test(t.words));
  const lapsed = has(/^lapsed$/), recent = has(/^recent$/);
  const highSpend = has(/^high-spend$/), lowSpend = has(/^low-spend$/);
  const frequent = has(/^frequent$/), occasional = has(/^occasional$/);
  const highIncome = has(/^high-income$/);
  if (lapsed && (highSpend || frequent)) return 'win back: a personalised offer on what they used to buy, before they are gone for good';
  if (lapsed) return 'low-cost reactivation, or suppress them from paid campaigns';
  if ((recent || frequent) && highSpend) return 'reward and retain: loyalty perks, early access, ask for reviews and referrals';
  if (highIncome && lowSpend) return 'upsell: they can afford more; premium products and personal recommendations';
  if (recent && (occasional || lowSpend)) return 'nurture the next purchase: onboarding, recommendations, a small incentive';
  if (frequent && lowSpend) return 'grow the basket: cross-sell, bundles, a spend threshold for free delivery';
  if (highSpend) return 'retain: VIP service and early access; learn what keeps them buying';
  if (occasional || lowSpend) return 'build the habit: reminders and a reason to come back more often';
  if (frequent) return 'reward the habit: loyalty points, subscriptions or bundles';
  return 'keep them in the regular programme; test offers to find what moves them';
}

/** Warnings for `segments.actions` names that are no known segment (`extra`: names known in this run, e.g. clusters). */
export function unknownActionWarnings(overrides: Readonly<Record<string, string>> | undefined, known: ReadonlySet<string>, extra: readonly string[] = []): string[] {
  const unknown = Object.keys(overrides ?? {}).filter((n) => !known.has(n) && !extra.includes(n));
  if (!unknown.length) return [];
  return [`segmint.yaml segments.actions names ${unknown.map((n) => JSON.stringify(n)).join(', ')}, which ${unknown.length === 1 ? 'is' : 'are'} no RFM or LRFMP segment, CLV or churn tier${extra.length ? ' or cluster of the latest cluster run' : ''}: check the spelling (names are case-sensitive); an action for a cluster applies only to a cluster of that name`];
}
