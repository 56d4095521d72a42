/**
 * Top-k recommendations per customer: item-to-item scores summed over the customer's history, each with the
 * history items that produced it; and the popularity baselines (global, within a segment).
 */
import type { History } from './history.ts';
import { hasBought } from './history.ts';
import type { Neighbours } from './cooccurrence.ts';

export interface Recommendation {
  item: number;
  score: number;
  /** the customer's items that contributed most to the score, largest contribution first; empty for a popularity fill */
  because: number[];
  /** 'co-purchase': bought with `because`; 'popular': filled from the popularity order (no co-purchase evidence) */
  kind: 'co-purchase' | 'popular';
}

export interface TopKOptions {
  k?: number;
  /** recommend items the customer already bought (consumables); default false */
  includeBought?: boolean;
  /** weight each history item by 2^(−age/halfLife) days before `asOfDay` (default: no decay) */
  halfLifeDays?: number;
  asOfDay?: number;
  /** items named per reason (default 3) */
  reasons?: number;
  /** fill up to k from this order (most popular first) when co-purchase evidence runs out */
  fill?: Int32Array;
}

/** Reusable per-thread scratch (one score per item) so that scoring every customer allocates nothing. */
export class Scratch {
  readonly score: Float64Array;
  readonly touched: Int32Array;
  /** rank + 1 of a chosen item while its reasons are collected, else 0 */
  readonly mark: Int32Array;
  private top = new Int32Array(0);
  private rI = new Int32Array(0);
  private rW = new Float64Array(0);
  constructor(nItems: number) {
    this.score = new Float64Array(nItems);
    this.touched = new Int32Array(nItems);
    this.mark = new Int32Array(nItems);
  }
  topItem(k: number): Int32Array {
    if (this.top.length < k) this.top = new Int32Array(k);
    return this.top;
  }
  reasonSlots(k: number, r: number): { rItem: Int32Array; rWeight: Float64Array } {
    if (this.rI.length < k * r) { this.rI = new Int32Array(k * r); this.rW = new Float64Array(k * r); }
    return { rItem: this.rI, rWeight: this.rW };
  }
}

function weightOf(h: History, p: number, opts: TopKOptions): number {
  if (!opts.halfLifeDays || opts.asOfDay === undefined) return 1;
  const age = Math.max(0, opts.asOfDay - h.lastDay[p]!);
  return Math.pow(2, -age / opts.halfLifeDays);
}

/** The top k items for customer c from item-to-item neighbours, with reasons. */
export function recommendFor(h: History, nb: Neighbours, c: number, opts: TopKOptions = {}, scratch = new Scratch(h.nItems)): Recommendation[] {
  const k = opts.k ?? 10;
  const { score, touched, mark } = scratch;
  let nT = 0;
  const a = h.offsets[c]!;
  const b = h.offsets[c + 1]!;
  for (let p = a; p < b; p++) {
    const i = h.items[p]!;
    const w = weightOf(h, p, opts);
    for (let q = nb.offsets[i]!; q < nb.offsets[i + 1]!; q++) {
      const j = nb.neighbour[q]!;
      if (score[j] === 0) touched[nT++] = j;
      score[j] = score[j]! + w * nb.weight[q]!;
    }
  }
  // candidates: touched items not bought (unless asked), best first, ties by item index: kept in a k-long
  // insertion list so that nothing is allocated or sorted per candidate
  const topItem = scratch.topItem(k);
  let nTop = 0;
  for (let t = 0; t < nT; t++) {
    const j = touched[t]!;
    const sj = score[j]!;
    if (!(sj > 0)) continue;
    if (nTop === k) {
      const last = topItem[k - 1]!;
      if (sj < score[last]! || (sj === score[last]! && j > last)) continue;
    }
    if (!opts.includeBought && hasBought(h, c, j)) continue;
    let pos = nTop < k ? nTop++ : k - 1;
    while (pos > 0) {
      const prev = topItem[pos - 1]!;
      if (score[prev]! > sj || (score[prev]! === sj && prev < j)) break;
      topItem[pos] = prev;
      pos--;
    }
    topItem[pos] = j;
  }
  const out: Recommendation[] = [];
  for (let r = 0; r < nTop; r++) out.push({ item: topItem[r]!, score: score[topItem[r]!]!, because: [], kind: 'co-purchase' });
  // reasons: the history items whose neighbour lists carried each chosen item, the R largest contributions
  if (nTop) {
    const R = opts.reasons ?? 3;
    const { rItem, rWeight } = scratch.reasonSlots(k, R);
    rItem.fill(-1, 0, nTop * R);
    for (let r = 0; r < nTop; r++) mark[topItem[r]!] = r + 1;
    for (let p = a; p < b; p++) {
      const i = h.items[p]!;
      const w = weightOf(h, p, opts);
      for (let q = nb.offsets[i]!; q < nb.offsets[i + 1]!; q++) {
        const r = mark[nb.neighbour[q]!]!;
        if (r === 0) continue;
        const x = w * nb.weight[q]!;
        const base = (r - 1) * R;
        // insert (i, x) into the R slots, largest first, ties by item index
        let pos = R - 1;
        if (rItem[base + pos]! >= 0 && (rWeight[base + pos]! > x || (rWeight[base + pos]! === x && rItem[base + pos]! < i))) continue;
        while (pos > 0) {
          const pi = rItem[base + pos - 1]!;
          const pw = rWeight[base + pos - 1]!;
          if (pi >= 0 && (pw > x || (pw === x && pi < i))) break;
          rItem[base + pos] = pi;
          rWeight[base + pos] = pw;
          pos--;
        }
        rItem[base + pos] = i;
        rWeight[base + pos] = x;
      }
    }
    for (let r = 0; r < nTop; r++) {
      const because: number[] = [];
      for (let t = 0; t < R; t++) if (rItem[r * R + t]! >= 0) because.push(rItem[r * R + t]!);
      out[r]!.because = because;
      mark[topItem[r]!] = 0;
    }
  }
  for (let t = 0; t < nT; t++) score[touched[t]!] = 0;
  if (out.length < k && opts.fill) {
    const chosen = new Set(out.map((o) => o.item));
    for (let t = 0; t < opts.fill.length && out.length < k; t++) {
      const j = opts.fill[t]!;
      if (chosen.has(j) || (!opts.includeBought && hasBought(h, c, j))) continue;
      out.push({ item: j, score: 0, because: [], kind: 'popular' });
    }
  }
  return out;
}

/** Items by count, largest first (ties by index); items with a zero count are left out. */
export function popularityOrder(counts: ArrayLike<number>): Int32Array {
  const idx: number[] = [];
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) idx.push(i);
  idx.sort((x, y) => counts[y]! - counts[x]! || x - y);
  return Int32Array.from(idx);
}

/** The first k items of a popularity order the customer has not bought (unless includeBought). */
export function popularFor(h: History, c: number, order: Int32Array, k: number, includeBought = false): number[] {
  const out: number[] = [];
  for (let t = 0; t < order.length && out.length < k; t++) {
    const j = order[t]!;
    if (includeBought || !hasBought(h, c, j)) out.push(j);
  }
  return out;
}

/** Customers per item within each segment: segments × items, row-major. `segment[c]` is −1 for none. */
export function segmentItemCounts(h: History, segment: Int32Array, nSegments: number): Float64Array {
  const out = new Float64Array(nSegments * h.nItems);
  for (let c = 0; c < h.nCustomers; c++) {
    const s = segment[c]!;
    if (s < 0) continue;
    for (let p = h.offsets[c]!; p < h.offsets[c + 1]!; p++) out[s * h.nItems + h.items[p]!]!++;
  }
  return out;
}
