// The recommendation kernels against brute-force computations written out here on small random data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../random.ts';
import { buildHistory, hasBought, type Lines } from './history.ts';
import { countPairs, neighbours, similarity } from './cooccurrence.ts';
import { popularFor, popularityOrder, recommendFor, segmentItemCounts } from './topk.ts';
import { rankScores, RankingAccumulator } from './metrics.ts';
import { associationRules } from './rules.ts';

function randomLines(seed: number, nC: number, nI: number, nL: number): Lines {
  const rng = new Random(seed);
  const l: Lines = { customer: new Int32Array(nL), item: new Int32Array(nL), day: new Float64Array(nL) };
  for (let k = 0; k < nL; k++) {
    l.customer[k] = rng.int(0, nC - 1);
    // a skewed catalogue: low item numbers are popular
    l.item[k] = Math.min(nI - 1, Math.floor(nI * rng.next() ** 2));
    l.day[k] = rng.int(0, 99);
  }
  return l;
}

const setsOf = (l: Lines, nC: number) => {
  const s = Array.from({ length: nC }, () => new Map<number, number>());
  for (let k = 0; k < l.customer.length; k++) {
    const m = s[l.customer[k]!]!;
    m.set(l.item[k]!, Math.max(m.get(l.item[k]!) ?? -1, l.day[k]!));
  }
  return s;
};

test('histories and pair counts equal a brute-force count of customers per item and per pair', () => {
  // 15 lines per customer (insertion sort of a customer's lines) and 180 (the sort of long slices)
  for (const [nC, nI] of [[60, 25], [5, 25]] as const) checkCounts(nC, nI);
});

function checkCounts(nC: number, nI: number): void {
  const l = randomLines(1, nC, nI, 900);
  const h = buildHistory(l, nC, nI);
  const sets = setsOf(l, nC);
  for (let c = 0; c < nC; c++) {
    const want = [...sets[c]!.keys()].sort((a, b) => a - b);
    assert.deepEqual([...h.items.subarray(h.offsets[c]!, h.offsets[c + 1]!)], want);
    for (let p = h.offsets[c]!; p < h.offsets[c + 1]!; p++) assert.equal(h.lastDay[p], sets[c]!.get(h.items[p]!));
    for (let i = 0; i < nI; i++) assert.equal(hasBought(h, c, i), sets[c]!.has(i));
  }
  const co = countPairs(h);
  for (let i = 0; i < nI; i++) {
    assert.equal(co.itemCount[i], sets.filter((s) => s.has(i)).length);
    for (let j = 0; j < nI; j++) assert.equal(co.pairs[i * nI + j], i === j ? 0 : sets.filter((s) => s.has(i) && s.has(j)).length, `pair ${i},${j}`);
  }
}

test('similarities: cosine shrunk by c/(c+λ), lift pulled toward 1 by λ', () => {
  // 10 of 100 customers bought both, 20 and 25 bought each: cosine 10/sqrt(500), expected 5, lift 2
  assert.equal(similarity('cosine', 10, 20, 25, 100, 0), 10 / Math.sqrt(500));
  assert.equal(similarity('cosine', 10, 20, 25, 100, 10), (10 / Math.sqrt(500)) * 0.5);
  assert.equal(similarity('lift', 10, 20, 25, 100, 0), 2);
  assert.equal(similarity('lift', 10, 20, 25, 100, 5), 15 / 10);
  assert.equal(similarity('lift', 0, 20, 25, 100, 5), 0);
});

test('top-k: scores are sums over the history of neighbour weights, bought items left out, reasons the largest contributions', () => {
  const [nC, nI] = [80, 30];
  const l = randomLines(2, nC, nI, 1200);
  const h = buildHistory(l, nC, nI);
  const nb = neighbours(countPairs(h), { perItem: 8, minPairCustomers: 1 });
  const w = (i: number, j: number) => {
    for (let q = nb.offsets[i]!; q < nb.offsets[i + 1]!; q++) if (nb.neighbour[q] === j) return nb.weight[q]!;
    return 0;
  };
  for (let c = 0; c < nC; c++) {
    const hist = [...h.items.subarray(h.offsets[c]!, h.offsets[c + 1]!)];
    const score = Array.from({ length: nI }, (_, j) => hist.reduce((s, i) => s + w(i, j), 0));
    const want = score.map((s, j) => [j, s] as const).filter(([j, s]) => s > 0 && !hist.includes(j)).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 5);
    const got = recommendFor(h, nb, c, { k: 5 });
    assert.deepEqual(got.map((r) => r.item), want.map((x) => x[0]));
    for (const r of got) {
      assert.ok(Math.abs(r.score - score[r.item]!) < 1e-12);
      const contrib = hist.map((i) => [i, w(i, r.item)] as const).filter((x) => x[1] > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 3);
      assert.deepEqual(r.because, contrib.map((x) => x[0]));
      assert.ok(!hist.includes(r.item));
    }
    // with includeBought, bought items compete too
    const all = recommendFor(h, nb, c, { k: 5, includeBought: true });
    const wantAll = score.map((s, j) => [j, s] as const).filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 5);
    assert.deepEqual(all.map((r) => r.item), wantAll.map((x) => x[0]));
  }
  // popularity fill when co-purchase evidence runs out: a customer with one rarely paired item
  const order = popularityOrder(countPairs(h).itemCount);
  const r = recommendFor(h, neighbours(countPairs(h), { perItem: 1 }), 0, { k: 10, fill: order });
  assert.equal(r.length, 10);
  assert.ok(r.some((x) => x.kind === 'popular' && x.because.length === 0));
});

test('popularity: global and within segment, skipping bought items', () => {
  const [nC, nI] = [40, 12];
  const l = randomLines(3, nC, nI, 300);
  const h = buildHistory(l, nC, nI);
  const sets = setsOf(l, nC);
  const segment = Int32Array.from({ length: nC }, (_, c) => (c % 3 === 0 ? -1 : c % 2));
  const counts = segmentItemCounts(h, segment, 2);
  for (let s = 0; s < 2; s++) for (let i = 0; i < nI; i++) assert.equal(counts[s * nI + i], sets.filter((x, c) => segment[c] === s && x.has(i)).length);
  const order = popularityOrder(Array.from({ length: nI }, (_, i) => sets.filter((x) => x.has(i)).length));
  for (let c = 0; c < nC; c++) assert.deepEqual(popularFor(h, c, order, 3), [...order].filter((i) => !sets[c]!.has(i)).slice(0, 3));
});

test('ranking metrics: hit, recall and NDCG by hand; coverage over the catalogue', () => {
  // relevant at ranks 2 and 4 of 5, three relevant items: DCG = 1/log2(3) + 1/log2(5), IDCG = 1 + 1/log2(3) + 1/2
  const s = rankScores([9, 1, 8, 2, 7], new Set([1, 2, 3]), 5);
  assert.equal(s.hit, 1);
  assert.equal(s.recall, 2 / 3);
  assert.ok(Math.abs(s.ndcg - (1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3) + 0.5)) < 1e-15);
  assert.deepEqual(rankScores([4, 5], new Set([1]), 2), { hit: 0, recall: 0, ndcg: 0 });
  const acc = new RankingAccumulator(10);
  acc.add([1, 2], new Set([1]), 2);
  acc.add([2, 3], new Set([9]), 2);
  const r = acc.result();
  assert.equal(r.customers, 2);
  assert.equal(r.hitRate, 0.5);
  assert.equal(r.coverage, 0.3);
});

test('association rules equal brute-force counting over every subset of every basket', () => {
  const rng = new Random(4);
  const baskets: number[][] = Array.from({ length: 300 }, () => [...new Set(Array.from({ length: rng.int(1, 6) }, () => Math.floor(10 * rng.next() ** 2)))].sort((a, b) => a - b));
  const offsets = Int32Array.from([0, ...baskets.map((_, b) => baskets.slice(0, b + 1).reduce((s, x) => s + x.length, 0))]);
  const rules = associationRules({ offsets, items: Int32Array.from(baskets.flat()) }, { minSupport: 0.02, maxLength: 3 });
  const supp = (xs: number[]) => baskets.filter((b) => xs.every((x) => b.includes(x))).length;
  const minCount = Math.ceil(0.02 * 300);
  let expected = 0;
  for (let a = 0; a < 10; a++) for (let b = a + 1; b < 10; b++) {
    if (supp([a, b]) >= minCount) expected += 2;
    for (let c = b + 1; c < 10; c++) if (supp([a, b, c]) >= minCount) expected += 6;
  }
  assert.equal(rules.length, expected);
  for (const r of rules) {
    const all = [...r.antecedent, ...r.consequent];
    assert.equal(r.count, supp(all));
    assert.ok(Math.abs(r.confidence - supp(all) / supp(r.antecedent)) < 1e-15);
    assert.ok(Math.abs(r.lift - r.confidence / (supp(r.consequent) / 300)) < 1e-12);
  }
  for (let k = 1; k < rules.length; k++) assert.ok(rules[k - 1]!.lift >= rules[k]!.lift);
  assert.throws(() => associationRules({ offsets, items: Int32Array.from(baskets.flat()) }, { minSupport: 0 }), /minimum support/);
});
