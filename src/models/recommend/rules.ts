/**
 * Association rules over baskets (Agrawal & Srikant 1994): frequent itemsets counted level by level, a
 * candidate of size L counted only when each of its prefixes is frequent (the prefix tree FP-growth walks,
 * without building the tree); rules X → Y for every split of a frequent itemset of size ≥ 2 into two
 * non-empty parts, with support = s(X ∪ Y), confidence = s(X ∪ Y) / s(X), lift = confidence / s(Y),
 * supports as shares of baskets.
 */
import { SegmintError } from '../../core/errors.ts';

export interface Baskets {
  /** basket b's items are items[offsets[b] .. offsets[b+1]), distinct and ascending */
  offsets: Int32Array;
  items: Int32Array;
}

export interface Rule {
  antecedent: number[];
  consequent: number[];
  support: number;
  confidence: number;
  lift: number;
  /** baskets holding X ∪ Y */
  count: number;
}

export interface RuleOptions {
  /** minimum support, a share of baskets in (0, 1] */
  minSupport: number;
  /** largest itemset (default 3) */
  maxLength?: number;
  minConfidence?: number;
}

const key = (xs: readonly number[]) => xs.join(',');

/** Frequent itemsets (as keys "i,j,k" of ascending items) with their basket counts. */
export function frequentItemsets(b: Baskets, minSupport: number, maxLength = 3): Map<string, number> {
  if (!(minSupport > 0 && minSupport <= 1)) throw new SegmintError('invalid-option', `minimum support ${minSupport}: expected a share in (0, 1]`, { hint: 'e.g. 0.001 (0.1 % of baskets)' });
  const nB = b.offsets.length - 1;
  const minCount = Math.ceil(minSupport * nB - 1e-9);
  const out = new Map<string, number>();
  let level = new Map<string, number>();
  for (let p = 0; p < b.offsets[nB]!; p++) { const k = String(b.items[p]); level.set(k, (level.get(k) ?? 0) + 1); }
  for (const [k, v] of level) if (v >= minCount) out.set(k, v);
  const frequentItem = new Set<number>();
  for (const k of out.keys()) frequentItem.add(Number(k));
  const prefix: number[] = [];
  for (let L = 2; L <= maxLength; L++) {
    level = new Map<string, number>();
    for (let s = 0; s < nB; s++) {
      const items: number[] = [];
      for (let p = b.offsets[s]!; p < b.offsets[s + 1]!; p++) if (frequentItem.has(b.items[p]!)) items.push(b.items[p]!);
      if (items.length < L) continue;
      const walk = (start: number) => {
        for (let t = start; t <= items.length - (L - prefix.length); t++) {
          prefix.push(items[t]!);
          const k = key(prefix);
          if (prefix.length === L) level.set(k, (level.get(k) ?? 0) + 1);
          else if (out.has(k)) walk(t + 1);
          prefix.pop();
        }
      };
      walk(0);
    }
    let any = false;
    for (const [k, v] of level) if (v >= minCount) { out.set(k, v); any = true; }
    if (!any) break;
  }
  return out;
}

/** Every rule of the frequent itemsets, by lift (then confidence, support, antecedent, consequent). */
export function associationRules(b: Baskets, opts: RuleOptions): Rule[] {
  const nB = b.offsets.length - 1;
  const sets = frequentItemsets(b, opts.minSupport, opts.maxLength ?? 3);
  const rules: Rule[] = [];
  for (const [k, n] of sets) {
    const xs = k.split(',').map(Number);
    if (xs.length < 2) continue;
    // every non-empty proper subset as the antecedent (bit masks over the itemset)
    for (let mask = 1; mask < (1 << xs.length) - 1; mask++) {
      const a = xs.filter((_, i) => mask & (1 << i));
      const c = xs.filter((_, i) => !(mask & (1 << i)));
      const na = sets.get(key(a))!;
      const nc = sets.get(key(c))!;
      const confidence = n / na;
      if (opts.minConfidence !== undefined && confidence < opts.minConfidence) continue;
      rules.push({ antecedent: a, consequent: c, support: n / nB, confidence, lift: confidence / (nc / nB), count: n });
    }
  }
  const cmp = (x: number[], y: number[]) => { for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!; return x.length - y.length; };
  rules.sort((x, y) => y.lift - x.lift || y.confidence - x.confidence || y.support - x.support || cmp(x.antecedent, y.antecedent) || cmp(x.consequent, y.consequent));
  return rules;
}
