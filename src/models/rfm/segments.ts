/**
 * Named segments from scores: an ordered rule table, first match wins (docs/models.md, "Segments").
 * Each rule bounds some scores with inclusive [min, max] ranges; `fm` is the rounded mean of F and M.
 * A table is checked to cover every combination of scores, so every customer gets exactly one name.
 */
import { SegmintError } from '../../core/errors.ts';

import { type Range, type ScoreName, type SegmentRule } from '../../core/segment-rules.ts';

export { parseRules, type Range, type ScoreName, type SegmentRule } from '../../core/segment-rules.ts';

/**
 * The default RFM table on a 1–5 scale (the widely used eleven segments; R against the mean of F and M).
 * Other bin counts are mapped onto 1–5 before the rules apply.
 */
export const DEFAULT_RFM_SEGMENTS: readonly SegmentRule[] = [
  { name: 'Champions', when: { r: [4, 5], fm: [4, 5] }, description: 'bought recently, buy often and spend the most' },
  { name: "Can't lose them", when: { r: [1, 1], fm: [4, 5] }, description: 'used to buy often and spend much, but not for a long time' },
  { name: 'Loyal', when: { r: [3, 5], fm: [3, 5] }, description: 'buy regularly and spend well; responsive to promotions' },
  { name: 'At risk', when: { r: [1, 2], fm: [3, 5] }, description: 'spent big and often, but long ago: bring them back' },
  { name: 'New', when: { r: [5, 5], f: [1, 1] }, description: 'first purchase very recently' },
  { name: 'Potential loyalist', when: { r: [4, 5], fm: [2, 3] }, description: 'recent customers with average frequency and spend' },
  { name: 'Promising', when: { r: [4, 5], fm: [1, 1] }, description: 'recent shoppers who have not spent much yet' },
  { name: 'Need attention', when: { r: [3, 3], fm: [2, 3] }, description: 'above-average recency, frequency and spend, slipping' },
  { name: 'About to sleep', when: { r: [3, 3], fm: [1, 1] }, description: 'below-average recency and frequency: will be lost without action' },
  { name: 'Hibernating', when: { r: [2, 2], fm: [1, 2] }, description: 'last purchase long ago, few orders, low spend' },
  { name: 'Lost', when: { r: [1, 1], fm: [1, 3] }, description: 'lowest recency: the longest gone' },
];

/**
 * The default table when the data have no amounts (RFM scored as RF): the same eleven segments and order, with
 * F alone where the RFM table reads the mean of F and M, so Champions are recent and frequent.
 */
export const DEFAULT_RF_SEGMENTS: readonly SegmentRule[] = [
  { name: 'Champions', when: { r: [4, 5], f: [4, 5] }, description: 'bought recently and buy the most often' },
  { name: "Can't lose them", when: { r: [1, 1], f: [4, 5] }, description: 'used to buy very often, but not for a long time' },
  { name: 'Loyal', when: { r: [3, 5], f: [3, 5] }, description: 'buy regularly' },
  { name: 'At risk', when: { r: [1, 2], f: [3, 5] }, description: 'bought often, but long ago: bring them back' },
  { name: 'New', when: { r: [5, 5], f: [1, 1] }, description: 'first purchase very recently' },
  { name: 'Potential loyalist', when: { r: [4, 5], f: [2, 3] }, description: 'recent customers with average frequency' },
  { name: 'Promising', when: { r: [4, 5], f: [1, 1] }, description: 'recent shoppers who have not come often yet' },
  { name: 'Need attention', when: { r: [3, 3], f: [2, 3] }, description: 'above-average recency and frequency, slipping' },
  { name: 'About to sleep', when: { r: [3, 3], f: [1, 1] }, description: 'below-average recency and frequency: will be lost without action' },
  { name: 'Hibernating', when: { r: [2, 2], f: [1, 2] }, description: 'last purchase long ago, few orders' },
  { name: 'Lost', when: { r: [1, 1], f: [1, 3] }, description: 'lowest recency: the longest gone' },
];

/**
 * The default LRFMP table: the five customer types of Peker, Kocyigit & Eren (2017) expressed on 1–5 scores
 * (high R = recent, high P = regular).
 */
export const DEFAULT_LRFMP_SEGMENTS: readonly SegmentRule[] = [
  { name: 'High-contribution loyal', when: { r: [3, 5], f: [4, 5], m: [4, 5] }, description: 'recent, frequent, high spend' },
  { name: 'Low-contribution loyal', when: { r: [3, 5], f: [3, 5] }, description: 'recent and frequent but modest spend' },
  { name: 'Uncertain', when: { r: [3, 5] }, description: 'recent but few visits: new or occasional customers whose future is open' },
  { name: 'High-spending lost', when: { r: [1, 2], m: [3, 5] }, description: 'spent well but have not come back' },
  { name: 'Low-spending lost', when: { r: [1, 2] }, description: 'low spend and gone' },
];

export const fmScore = (f: number, m: number) => Math.floor((f + m) / 2 + 0.5);

/** The default LRFMP table without amounts (LRFP): the same types, told apart by frequency instead of spend. */
export const DEFAULT_LRFP_SEGMENTS: readonly SegmentRule[] = [
  { name: 'Frequent loyal', when: { r: [3, 5], f: [4, 5] }, description: 'recent and the most frequent' },
  { name: 'Loyal', when: { r: [3, 5], f: [3, 5] }, description: 'recent and frequent' },
  { name: 'Uncertain', when: { r: [3, 5] }, description: 'recent but few visits: new or occasional customers whose future is open' },
  { name: 'Frequent lost', when: { r: [1, 2], f: [3, 5] }, description: 'came often but have not come back' },
  { name: 'Infrequent lost', when: { r: [1, 2] }, description: 'few visits and gone' },
];

/** Map a score on 1..bins to the 1..5 scale the default tables use. */
export const toFive = (s: number, bins: number) => (bins === 5 ? s : Math.min(5, Math.max(1, Math.ceil((s * 5) / bins))));

export function matches(rule: SegmentRule, scores: Partial<Record<ScoreName, number>>): boolean {
  for (const [k, range] of Object.entries(rule.when) as [ScoreName, Range][]) {
    const v = scores[k];
    if (v === undefined || v < range[0] || v > range[1]) return false;
  }
  return true;
}

/** The first matching rule's name. */
export function segmentOf(rules: readonly SegmentRule[], scores: Partial<Record<ScoreName, number>>): string | undefined {
  return rules.find((r) => matches(r, scores))?.name;
}

/**
 * Check that every combination of `keys` scores on 1..scale matches some rule; an `optional` score may also be
 * missing (LRFMP P for customers with fewer than three purchase days), and a rule that bounds it does not
 * match then. Throws `segments-incomplete` naming the first combinations left without a segment.
 */
export function checkCoverage(rules: readonly SegmentRule[], keys: readonly ('r' | 'f' | 'm' | 'l' | 'p')[], scale: number, table: string, optional: readonly ScoreName[] = []): void {
  const missing: string[] = [];
  const scores: Partial<Record<ScoreName, number>> = {};
  const walk = (i: number) => {
    if (missing.length >= 5) return;
    if (i === keys.length) {
      // fm exists only when F and M are both scored (as in the score query)
      if (keys.includes('f') && keys.includes('m')) scores.fm = fmScore(scores.f!, scores.m!);
      if (!segmentOf(rules, scores)) missing.push(keys.map((k) => `${k}=${scores[k] ?? 'none'}`).join(' '));
      return;
    }
    const values: (number | undefined)[] = Array.from({ length: scale }, (_, j) => j + 1);
    if (optional.includes(keys[i]!)) values.push(undefined);
    for (const s of values) {
      scores[keys[i]!] = s;
      walk(i + 1);
    }
    delete scores[keys[i]!];
  };
  walk(0);
  if (missing.length) {
    throw new SegmintError('segments-incomplete', `the ${table} segment table leaves some customers without a segment, e.g. ${missing.join('; ')}`, {
      hint: 'add a rule for them, or end the table with a catch-all rule such as {name: Others, when: {}}',
    });
  }
}

