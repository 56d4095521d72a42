/**
 * Co-purchase recommendations (docs/recommend.md): purchase lines grouped per (customer, product) in the
 * warehouse, read as columns, item-to-item neighbours and top-k in process (src/models/recommend); the
 * held-out evaluation against global popularity and popularity within the customer's RFM segment.
 */
import { SegmintError } from '../core/errors.ts';
import { buildHistory, type History } from '../models/recommend/history.ts';
import { countPairs, MAX_DENSE_ITEMS, neighbours, type Neighbours, type NeighbourOptions } from '../models/recommend/cooccurrence.ts';
import { popularFor, popularityOrder, recommendFor, Scratch, segmentItemCounts } from '../models/recommend/topk.ts';
import { RankingAccumulator, type RankingScores } from '../models/recommend/metrics.ts';
import { associationRules, type Baskets } from '../models/recommend/rules.ts';
import { quantileEdges, scoreOf } from '../models/rfm/binning.ts';
import { DEFAULT_RF_SEGMENTS, DEFAULT_RFM_SEGMENTS, fmScore, segmentOf } from '../models/rfm/segments.ts';
import { compile } from '../sql/compile.ts';
import { and, col, count, toDate, countDistinct, daysBetween, ge, isNotNull, lit, lt, max, not, select, sum, table } from '../sql/ir.ts';
import type { Workspace } from '../store/workspace.ts';
import { recordRun, storeRun } from '../store/runs.ts';
import { checkDate, resolveAsOf } from './value.ts';

const EPOCH = new Date(0);
const DAY_MS = 86_400_000;

export interface RecommendData {
  /** the split (train before it, test from it) or the as-of date, YYYY-MM-DD */
  split: string;
  customers: string[];
  items: string[];
  /** item names (the transactions' description) where the data have one */
  names: (string | null)[];
  train: History;
  /** items bought from the split on (not only new ones) */
  test: History;
  /** RFM segment of each customer on the training data (index into `segments`, −1 without training lines; all −1 when not asked for) */
  segment: Int32Array;
  segments: string[];
  /** products left out because the catalogue is above the dense limit */
  droppedItems: number;
}

/** Purchase (customer, product) pairs before and from `split`, RFM segments on the lines before it. */
export async function loadRecommendData(ws: Pick<Workspace, 'db'>, split: string, opts: { maxItems?: number; segments?: boolean } = {}): Promise<RecommendData> {
  const db = ws.db;
  const splitDate = new Date(`${split}T00:00:00Z`);
  const ts = col('ts');
  const purchase = and(not(col('is_return')), isNotNull(col('customer_id')), isNotNull(col('product_id')));
  const pairsQ = select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: col('product_id'), as: 'product_id' },
      { expr: max(daysBetween(lit(EPOCH), ts), { filter: lt(ts, lit(splitDate)) }), as: 'train_day' },
      { expr: count(undefined, { filter: ge(ts, lit(splitDate)) }), as: 'test_lines' },
    ],
    from: table('transactions'),
    where: purchase,
    groupBy: [col('customer_id'), col('product_id')],
  });
  const c = compile(pairsQ, db.dialect);
  const rows = await db.columns(c.sql, c.params);
  const cid = rows.customer_id!;
  const pid = rows.product_id!;
  const tday = rows.train_day!;
  const tlines = rows.test_lines!;
  const n = cid.length;

  // the catalogue: products by training customers, capped at the dense limit
  const productCount = new Map<string, number>();
  for (let r = 0; r < n; r++) {
    const p = String(pid[r]);
    productCount.set(p, (productCount.get(p) ?? 0) + (tday[r] === null || tday[r] === undefined ? 0 : 1));
  }
  const maxItems = Math.min(opts.maxItems ?? MAX_DENSE_ITEMS, MAX_DENSE_ITEMS);
  const allItems = [...productCount.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const items = allItems.slice(0, maxItems).map((e) => e[0]);
  const itemIndex = new Map(items.map((p, i) => [p, i]));
  const customers: string[] = [];
  const custIndex = new Map<string, number>();
  const tr = { customer: new Int32Array(n), item: new Int32Array(n), day: new Float64Array(n) };
  const te = { customer: new Int32Array(n), item: new Int32Array(n), day: new Float64Array(n) };
  let nTr = 0;
  let nTe = 0;
  for (let r = 0; r < n; r++) {
    const i = itemIndex.get(String(pid[r]));
    if (i === undefined) continue;
    const key = String(cid[r]);
    let ci = custIndex.get(key);
    if (ci === undefined) {
      ci = customers.length;
      customers.push(key);
      custIndex.set(key, ci);
    }
    if (tday[r] !== null && tday[r] !== undefined) {
      tr.customer[nTr] = ci; tr.item[nTr] = i; tr.day[nTr] = Number(tday[r]); nTr++;
    }
    if (Number(tlines[r]) > 0) {
      te.customer[nTe] = ci; te.item[nTe] = i; te.day[nTe] = 0; nTe++;
    }
  }
  const cut = (x: typeof tr, m: number) => ({ customer: x.customer.subarray(0, m), item: x.item.subarray(0, m), day: x.day.subarray(0, m) });
  const train = buildHistory(cut(tr, nTr), customers.length, items.length);
  const test = buildHistory(cut(te, nTe), customers.length, items.length);
  const { segment, segments } = opts.segments === false ? { segment: new Int32Array(customers.length).fill(-1), segments: [] } : await rfmSegments(ws, splitDate, custIndex);
  const names = await itemNames(ws, items);
  return { split, customers, items, names, train, test, segment, segments, droppedItems: allItems.length - items.length };
}

/** The transactions' description per product, when the column exists. */
async function itemNames(ws: Pick<Workspace, 'db'>, items: string[]): Promise<(string | null)[]> {
  const cols = await ws.db.tableColumns('transactions');
  if (!cols.some((x) => x.name === 'description')) return items.map(() => null);
  const q = select({ select: [{ expr: col('product_id'), as: 'p' }, { expr: max(col('description')), as: 'd' }], from: table('transactions'), where: isNotNull(col('product_id')), groupBy: [col('product_id')] });
  const c = compile(q, ws.db.dialect);
  const r = await ws.db.columns(c.sql, c.params);
  const m = new Map<string, string>();
  for (let k = 0; k < r.p!.length; k++) if (r.d![k] !== null && r.d![k] !== undefined) m.set(String(r.p![k]), String(r.d![k]));
  return items.map((p) => m.get(p) ?? null);
}

/**
 * RFM segments on the purchase lines before `splitDate`: recency (days to the split), orders and spend in
 * quintiles, the default segment table (RF when no line has an amount), as `segmint rfm` names them.
 */
async function rfmSegments(ws: Pick<Workspace, 'db'>, splitDate: Date, custIndex: Map<string, number>): Promise<{ segment: Int32Array; segments: string[] }> {
  const ts = col('ts');
  const q = select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' },
      { expr: daysBetween(max(ts), lit(splitDate)), as: 'recency' },
      { expr: countDistinct(col('order_id')), as: 'orders' },
      { expr: sum(col('amount')), as: 'spend' },
    ],
    from: table('transactions'),
    where: and(not(col('is_return')), isNotNull(col('customer_id')), lt(ts, lit(splitDate))),
    groupBy: [col('customer_id')],
  });
  const c = compile(q, ws.db.dialect);
  const r = await ws.db.columns(c.sql, c.params);
  const m = r.customer_id!.length;
  const rec = new Float64Array(m);
  const f = new Float64Array(m);
  const mon = new Float64Array(m);
  let amounts = false;
  for (let k = 0; k < m; k++) {
    rec[k] = Number(r.recency![k]);
    f[k] = Number(r.orders![k]);
    const s = r.spend![k];
    mon[k] = s === null || s === undefined ? 0 : Number(s);
    if (s !== null && s !== undefined) amounts = true;
  }
  const [er, ef, em] = [quantileEdges(rec, 5), quantileEdges(f, 5), quantileEdges(mon, 5)];
  const rules = amounts ? DEFAULT_RFM_SEGMENTS : DEFAULT_RF_SEGMENTS;
  const segments = rules.map((x) => x.name);
  const segment = new Int32Array(custIndex.size).fill(-1);
  for (let k = 0; k < m; k++) {
    const ci = custIndex.get(String(r.customer_id![k]));
    if (ci === undefined) continue;
    const sr = scoreOf(rec[k]!, er, false);
    const sf = scoreOf(f[k]!, ef);
    const sm = scoreOf(mon[k]!, em);
    const name = segmentOf(rules, amounts ? { r: sr, f: sf, m: sm, fm: fmScore(sf, sm) } : { r: sr, f: sf });
    segment[ci] = name === undefined ? -1 : segments.indexOf(name);
  }
  return { segment, segments };
}

export interface EvaluateOptions extends NeighbourOptions {
  split: string;
  k?: number;
  halfLifeDays?: number;
  maxItems?: number;
}

export interface EvaluationResult {
  split: string;
  k: number;
  catalogue: number;
  trainCustomers: number;
  /** customers with training lines and at least one new item from the split on */
  evaluatedCustomers: number;
  methods: { itemToItem: RankingScores; popularity: RankingScores; segmentPopularity: RankingScores };
  /** item-to-item over each baseline, relative: (a − b) / b, for hit rate and NDCG */
  relative: { hitRateVsPopularity: number | null; ndcgVsPopularity: number | null; hitRateVsSegment: number | null; ndcgVsSegment: number | null };
  params: { similarity: string; shrinkage: number; perItem: number; halfLifeDays: number | null };
  warnings: string[];
}

const rel = (a: number, b: number) => (b > 0 ? (a - b) / b : null);

/** Item-to-item against the popularity baselines on purchases from `split` on (items new to each customer). */
export async function evaluateRecommendations(ws: Pick<Workspace, 'db'>, opts: EvaluateOptions, progress?: (done: number, total: number) => void): Promise<EvaluationResult> {
  checkDate('--split', opts.split);
  const k = opts.k ?? 10;
  const data = await loadRecommendData(ws, opts.split, { maxItems: opts.maxItems });
  const { train, test } = data;
  if (train.items.length === 0) throw new SegmintError('no-training-lines', `no purchase line with a product before ${opts.split}`, { hint: 'choose a later --split date, inside the data' });
  if (test.items.length === 0) throw new SegmintError('no-test-lines', `no purchase line with a product on or after ${opts.split}`, { hint: 'choose an earlier --split date, inside the data' });
  const co = countPairs(train);
  const nb = neighbours(co, opts);
  const global = popularityOrder(co.itemCount);
  const nSeg = data.segments.length;
  const segCounts = segmentItemCounts(train, data.segment, nSeg);
  const segOrder = Array.from({ length: nSeg }, (_, s) => popularityOrder(segCounts.subarray(s * train.nItems, (s + 1) * train.nItems)));
  const acc = { i2i: new RankingAccumulator(train.nItems), pop: new RankingAccumulator(train.nItems), seg: new RankingAccumulator(train.nItems) };
  const scratch = new Scratch(train.nItems);
  const asOfDay = Date.parse(`${opts.split}T00:00:00Z`) / DAY_MS;
  let trainCustomers = 0;
  for (let c = 0; c < train.nCustomers; c++) {
    const a = train.offsets[c]!;
    if (train.offsets[c + 1]! > a) trainCustomers++;
    else continue;
    const testSet = new Set<number>();
    for (let p = test.offsets[c]!; p < test.offsets[c + 1]!; p++) {
      const j = test.items[p]!;
      // only items new to the customer: a recommender never proposes what they bought
      let bought = false;
      for (let q = a; q < train.offsets[c + 1]!; q++) if (train.items[q] === j) { bought = true; break; }
      if (!bought) testSet.add(j);
    }
    if (testSet.size === 0) continue;
    const recs = recommendFor(train, nb, c, { k, halfLifeDays: opts.halfLifeDays, asOfDay, fill: global }, scratch);
    acc.i2i.add(recs.map((r) => r.item), testSet, k);
    acc.pop.add(popularFor(train, c, global, k), testSet, k);
    const s = data.segment[c]!;
    acc.seg.add(popularFor(train, c, s >= 0 ? segOrder[s]! : global, k), testSet, k);
    if (progress && c % 1000 === 0) progress(c, train.nCustomers);
  }
  const methods = { itemToItem: acc.i2i.result(), popularity: acc.pop.result(), segmentPopularity: acc.seg.result() };
  const warnings: string[] = [];
  if (data.droppedItems) warnings.push(`${data.droppedItems} least bought products left out (the catalogue is capped at ${train.nItems} items)`);
  return {
    split: opts.split, k, catalogue: train.nItems, trainCustomers, evaluatedCustomers: methods.itemToItem.customers, methods,
    relative: {
      hitRateVsPopularity: rel(methods.itemToItem.hitRate, methods.popularity.hitRate), ndcgVsPopularity: rel(methods.itemToItem.ndcg, methods.popularity.ndcg),
      hitRateVsSegment: rel(methods.itemToItem.hitRate, methods.segmentPopularity.hitRate), ndcgVsSegment: rel(methods.itemToItem.ndcg, methods.segmentPopularity.ndcg),
    },
    params: { similarity: nb.similarity, shrinkage: nb.shrinkage, perItem: opts.perItem ?? 50, halfLifeDays: opts.halfLifeDays ?? null },
    warnings,
  };
}

export interface RecommendOptions extends NeighbourOptions {
  asOf?: string;
  k?: number;
  includeBought?: boolean;
  halfLifeDays?: number;
  maxItems?: number;
  /** compute the customers' RFM segments (for segment lift); default false */
  segments?: boolean;
}

export interface ItemRef { productId: string; name: string | null }
export interface CustomerRecommendation extends ItemRef { rank: number; score: number; kind: 'co-purchase' | 'popular'; because: ItemRef[]; reason: string }

export interface Recommender {
  data: RecommendData;
  nb: Neighbours;
  global: Int32Array;
  asOfDay: number;
}

/** Fit the item-to-item recommender on every purchase before the as-of date. */
export async function fitRecommender(ws: Pick<Workspace, 'db' | 'config'>, opts: RecommendOptions = {}): Promise<Recommender> {
  const asOf = await resolveAsOf(ws, opts.asOf);
  const data = await loadRecommendData(ws, asOf, { maxItems: opts.maxItems, segments: opts.segments ?? false });
  const co = countPairs(data.train);
  return { data, nb: neighbours(co, opts), global: popularityOrder(co.itemCount), asOfDay: Date.parse(`${asOf}T00:00:00Z`) / DAY_MS };
}

const ref = (d: RecommendData, i: number): ItemRef => ({ productId: d.items[i]!, name: d.names[i] ?? null });
const label = (r: ItemRef) => (r.name ? `${r.name} (${r.productId})` : r.productId);

/** The top k for one customer (by id), each with the items that produced it. */
export function recommendCustomer(m: Recommender, customerId: string, opts: RecommendOptions = {}, scratch?: Scratch): CustomerRecommendation[] {
  const c = m.data.customers.indexOf(customerId);
  if (c < 0 || m.data.train.offsets[c + 1] === m.data.train.offsets[c]) {
    throw new SegmintError('unknown-customer', `customer ${JSON.stringify(customerId)} has no purchase with a product before ${m.data.split}`, { hint: 'check the id (segmint audience eval --where "orders >= 1" lists customers)' });
  }
  return recommendIndex(m, c, opts, scratch);
}

export function recommendIndex(m: Recommender, c: number, opts: RecommendOptions = {}, scratch?: Scratch): CustomerRecommendation[] {
  const recs = recommendFor(m.data.train, m.nb, c, { k: opts.k ?? 10, includeBought: opts.includeBought, halfLifeDays: opts.halfLifeDays, asOfDay: m.asOfDay, fill: m.global }, scratch);
  return recs.map((r, rank) => {
    const because = r.because.map((i) => ref(m.data, i));
    return {
      rank: rank + 1, ...ref(m.data, r.item), score: r.score, kind: r.kind, because,
      reason: r.kind === 'co-purchase' ? `bought with ${because.map(label).join(', ')}` : 'popular with all customers (no co-purchase evidence)',
    };
  });
}

export interface SegmentItem extends ItemRef { customers: number; share: number; populationShare: number; lift: number }

/**
 * What a segment buys more than everyone else: per item, the share of the segment's customers who bought it
 * over the share of all customers, shrunk toward 1 for items few of the segment bought:
 * (c_s + α) / (N_s p + α), α = 5, p the population share. Items bought by fewer than `minCustomers` are left out.
 */
export function segmentLift(m: Recommender, segmentName: string, opts: { k?: number; minCustomers?: number } = {}): SegmentItem[] {
  const d = m.data;
  if (d.segments.length === 0) throw new Error('segmentLift: the recommender was fitted without segments (fitRecommender(…, { segments: true }))');
  const s = d.segments.indexOf(segmentName);
  if (s < 0) throw new SegmintError('unknown-segment', `segment ${JSON.stringify(segmentName)}: expected one of ${d.segments.join(', ')}`, { hint: `e.g. --segment "${d.segments[0]}"` });
  const counts = segmentItemCounts(d.train, d.segment, d.segments.length);
  let ns = 0;
  let nAll = 0;
  for (let c = 0; c < d.train.nCustomers; c++) {
    if (d.train.offsets[c + 1]! === d.train.offsets[c]!) continue;
    nAll++;
    if (d.segment[c] === s) ns++;
  }
  if (ns === 0) throw new SegmintError('empty-segment', `segment ${JSON.stringify(segmentName)} has no customer with purchases before ${d.split}`, { hint: 'choose another segment' });
  const pop = new Float64Array(d.train.nItems);
  for (let p = 0; p < d.train.items.length; p++) pop[d.train.items[p]!]!++;
  const out: SegmentItem[] = [];
  const minC = opts.minCustomers ?? 5;
  for (let i = 0; i < d.train.nItems; i++) {
    const cs = counts[s * d.train.nItems + i]!;
    if (cs < minC) continue;
    const p = pop[i]! / nAll;
    out.push({ ...ref(d, i), customers: cs, share: cs / ns, populationShare: p, lift: (cs + 5) / (ns * p + 5) });
  }
  out.sort((a, b) => b.lift - a.lift || (a.productId < b.productId ? -1 : 1));
  return out.slice(0, opts.k ?? 10);
}

export interface RulesOptions {
  /** share of baskets (default 0.001) */
  minSupport?: number;
  maxLength?: number;
  minConfidence?: number;
  /** only the baskets of this RFM segment's customers (segments on purchases before the as-of date) */
  segment?: string;
  asOf?: string;
  k?: number;
}

export interface AssociationRule { antecedent: ItemRef[]; consequent: ItemRef[]; support: number; confidence: number; lift: number; baskets: number }

export interface RulesResult { asOf: string; segment: string | null; baskets: number; minSupport: number; maxLength: number; rulesTotal: number; rules: AssociationRule[] }

/**
 * Association rules over baskets, a basket being one customer's purchases on one calendar day (distinct
 * products), read from the warehouse grouped by (customer, day, product).
 */
export async function basketRules(ws: Pick<Workspace, 'db' | 'config'>, opts: RulesOptions = {}): Promise<RulesResult> {
  const asOf = await resolveAsOf(ws, opts.asOf);
  const asOfDate = new Date(`${asOf}T00:00:00Z`);
  const ts = col('ts');
  const day = daysBetween(lit(EPOCH), ts);
  const q = select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: max(day), as: 'day' }, { expr: col('product_id'), as: 'product_id' }],
    from: table('transactions'),
    where: and(not(col('is_return')), isNotNull(col('customer_id')), isNotNull(col('product_id')), lt(ts, lit(asOfDate))),
    groupBy: [col('customer_id'), toDate(ts), col('product_id')],
  });
  const c = compile(q, ws.db.dialect);
  const r = await ws.db.columns(c.sql, c.params);
  const n = r.customer_id!.length;
  let keep: ((customer: string) => boolean) | undefined;
  if (opts.segment !== undefined) {
    const custIndex = new Map<string, number>();
    for (let k = 0; k < n; k++) { const id = String(r.customer_id![k]); if (!custIndex.has(id)) custIndex.set(id, custIndex.size); }
    const { segment, segments } = await rfmSegments(ws, asOfDate, custIndex);
    const s = segments.indexOf(opts.segment);
    if (s < 0) throw new SegmintError('unknown-segment', `segment ${JSON.stringify(opts.segment)}: expected one of ${segments.join(', ')}`, { hint: `e.g. --segment "${segments[0]}"` });
    keep = (id) => segment[custIndex.get(id)!] === s;
  }
  const items: string[] = [];
  const itemIndex = new Map<string, number>();
  const basketOf = new Map<string, number[]>();
  for (let k = 0; k < n; k++) {
    const cid = String(r.customer_id![k]);
    if (keep && !keep(cid)) continue;
    const p = String(r.product_id![k]);
    let i = itemIndex.get(p);
    if (i === undefined) { i = items.length; items.push(p); itemIndex.set(p, i); }
    const bk = `${cid}\u0000${String(r.day![k])}`;
    const list = basketOf.get(bk);
    if (list) list.push(i); else basketOf.set(bk, [i]);
  }
  const offsets = new Int32Array(basketOf.size + 1);
  const flat: number[] = [];
  let b = 0;
  for (const list of basketOf.values()) {
    offsets[b++] = flat.length;
    for (const i of [...new Set(list)].sort((x, y) => x - y)) flat.push(i);
  }
  offsets[b] = flat.length;
  const baskets: Baskets = { offsets, items: Int32Array.from(flat) };
  const minSupport = opts.minSupport ?? 0.001;
  const maxLength = opts.maxLength ?? 3;
  const rules = basketOf.size ? associationRules(baskets, { minSupport, maxLength, minConfidence: opts.minConfidence }) : [];
  const names = await itemNames(ws, items);
  const refOf = (i: number): ItemRef => ({ productId: items[i]!, name: names[i] ?? null });
  return {
    asOf, segment: opts.segment ?? null, baskets: basketOf.size, minSupport, maxLength, rulesTotal: rules.length,
    rules: rules.slice(0, opts.k ?? 20).map((x) => ({ antecedent: x.antecedent.map(refOf), consequent: x.consequent.map(refOf), support: x.support, confidence: x.confidence, lift: x.lift, baskets: x.count })),
  };
}

export interface AllCustomersSummary { customers: number; recommendations: number; coPurchase: number; popularFill: number; distinctItems: number }

/**
 * The top k for every customer with a history, handed to `visit` one customer at a time (customer index,
 * recommendations as item indexes with their reasons), so that nothing of size customers × k is kept.
 */
export function recommendAll(m: Recommender, opts: RecommendOptions, visit?: (c: number, recs: ReturnType<typeof recommendFor>) => void, progress?: (done: number, total: number) => void): AllCustomersSummary {
  const h = m.data.train;
  const scratch = new Scratch(h.nItems);
  const seen = new Uint8Array(h.nItems);
  const s: AllCustomersSummary = { customers: 0, recommendations: 0, coPurchase: 0, popularFill: 0, distinctItems: 0 };
  for (let c = 0; c < h.nCustomers; c++) {
    if (h.offsets[c + 1] === h.offsets[c]) continue;
    const recs = recommendFor(h, m.nb, c, { k: opts.k ?? 10, includeBought: opts.includeBought, halfLifeDays: opts.halfLifeDays, asOfDay: m.asOfDay, fill: m.global }, scratch);
    s.customers++;
    for (const r of recs) {
      s.recommendations++;
      if (r.kind === 'co-purchase') s.coPurchase++;
      else s.popularFill++;
      if (!seen[r.item]) { seen[r.item] = 1; s.distinctItems++; }
    }
    visit?.(c, recs);
    if (progress && c % 10000 === 0) progress(c, h.nCustomers);
  }
  return s;
}

export interface StoredRecommendations extends AllCustomersSummary { runId: number; asOf: string; k: number }

/**
 * Every customer's top k stored as a run (runs.kind 'recommend', rows in run_recommendations: customer, rank,
 * product, score, kind, the reason's product ids as a JSON array), in one journalled write: a killed process
 * leaves no part of it.
 */
export async function storeRecommendations(ws: Pick<Workspace, 'db' | 'config'>, opts: RecommendOptions = {}, progress?: (done: number, total: number) => void): Promise<StoredRecommendations> {
  const m = await fitRecommender(ws, opts);
  const k = opts.k ?? 10;
  const db = ws.db;
  const CHUNK = 100_000;
  return storeRun(db, 'recommend', async (runId) => {
    let cols = { c: [] as string[], rank: [] as number[], p: [] as string[], score: [] as number[], kind: [] as string[], because: [] as string[] };
    const flush = async () => {
      if (!cols.c.length) return;
      const rows = cols;
      cols = { c: [], rank: [], p: [], score: [], kind: [], because: [] };
      await db.insertRows('run_recommendations', ['run_id', 'customer_id', 'rank', 'product_id', 'score', 'kind', 'because'], {
        columns: [new Array<number>(rows.c.length).fill(runId), rows.c, rows.rank, rows.p, rows.score, rows.kind, rows.because],
      });
    };
    // customers in chunks, each chunk's rows inserted before the next is computed
    const h = m.data.train;
    const scratch = new Scratch(h.nItems);
    const seen = new Uint8Array(h.nItems);
    const summary: AllCustomersSummary = { customers: 0, recommendations: 0, coPurchase: 0, popularFill: 0, distinctItems: 0 };
    for (let c = 0; c < h.nCustomers; c++) {
      if (h.offsets[c + 1] === h.offsets[c]) continue;
      const recs = recommendFor(h, m.nb, c, { k, includeBought: opts.includeBought, halfLifeDays: opts.halfLifeDays, asOfDay: m.asOfDay, fill: m.global }, scratch);
      summary.customers++;
      recs.forEach((r, i) => {
        summary.recommendations++;
        if (r.kind === 'co-purchase') summary.coPurchase++;
        else summary.popularFill++;
        if (!seen[r.item]) { seen[r.item] = 1; summary.distinctItems++; }
        cols.c.push(m.data.customers[c]!);
        cols.rank.push(i + 1);
        cols.p.push(m.data.items[r.item]!);
        cols.score.push(r.score);
        cols.kind.push(r.kind);
        cols.because.push(JSON.stringify(r.because.map((b) => m.data.items[b]!)));
      });
      if (cols.c.length >= CHUNK) {
        await flush();
        progress?.(c, h.nCustomers);
      }
    }
    await flush();
    const params = { k, includeBought: opts.includeBought ?? false, similarity: m.nb.similarity, shrinkage: m.nb.shrinkage, halfLifeDays: opts.halfLifeDays ?? null };
    await recordRun(db, runId, 'recommend', m.data.split, params, summary);
    return { runId, asOf: m.data.split, k, ...summary };
  });
}
