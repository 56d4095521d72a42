/**
 * Uplift on an imported campaign: one treatment arm against control, a binary outcome, the pre-treatment
 * columns as features; a seeded split, the model fitted on one part and evaluated on the other (Qini
 * coefficient, AUUC, uplift@k against random targeting), and the customers with the highest predicted uplift
 * as the send list for next time. Kernels in src/models/campaign/{uplift,logistic,qini,design}.ts;
 * definitions in docs/campaigns.md.
 */
import { SegmintError } from '../core/errors.ts';
import type { FeatureValue } from '../models/campaign/design.ts';
import { topByUplift, upliftStudy, UPLIFT_METHODS, type UpliftMethod, type UpliftStudy } from '../models/campaign/uplift.ts';
import { suggestion } from '../segments/schema.ts';
import { openMemoryDb, type Db } from '../store/workspace.ts';
import { compile } from '../sql/compile.ts';
import { createTableSql } from '../sql/ddl.ts';
import {
  and, cast, caseWhen, coalesce, col, count, countDistinct, daysBetween, eq, ge, gt, lit, lt, max, min, not, num, scalarQuery, select, subquery, sum, table,
  table as irTable, type Expr, type Select,
} from '../sql/ir.ts';
import { loadAudienceSchema } from './audience.ts';
import { traitSelect } from './trait-columns.ts';
import { findCampaign, loadCampaignRows, type CampaignInfo, type CampaignRows } from './campaign.ts';
import { copyToFile } from './export.ts';
import { recordRun, storeRun } from '../store/runs.ts';

/** A text column with more distinct values than this is left out of the default features (an id, a free-text field). */
export const MAX_LEVELS = 50;

export interface UpliftOptions {
  /** the treatment arm (default: the only arm besides control) */
  treatment?: string;
  /** a binary outcome column (default: the first binary outcome) */
  outcome?: string;
  method?: UpliftMethod;
  /** pre-treatment columns (default: every imported pre-treatment column but text ones with more than MAX_LEVELS values) */
  features?: string[];
  /** share held out for evaluation, default 0.5 */
  testShare?: number;
  seed?: number;
  /** the share (below 1) or number of customers to target, default 0.3 */
  top?: number;
  /** scikit-learn's C for the logistic regressions, default 1 */
  C?: number;
  /** random rankings for the baseline, default 100 */
  permutations?: number;
  /** created campaigns: days after the send date in which the outcome counts, default 30 */
  windowDays?: number;
}

export interface UpliftTarget {
  customerId: string;
  rank: number;
  uplift: number;
  arm: string;
}

export interface CampaignUpliftResult {
  campaign: string;
  treatment: string;
  control: string;
  outcome: string;
  method: UpliftMethod;
  features: string[];
  columns: string[];
  seed: number;
  testShare: number;
  train: { rows: number; treated: number; control: number };
  test: { rows: number; treated: number; control: number };
  /** the share of the test rows uplift@k and the curves' k refer to */
  k: number;
  qiniCoefficient: number;
  upliftAuc: number;
  upliftAtK: number;
  random: { qiniCoefficient: number; upliftAuc: number; upliftAtK: number; permutations: number; qini95: number; upliftAtK95: number };
  aboveRandom: { qini: boolean; upliftAtK: boolean };
  /** the Qini curve on the test rows at every 1% of them (share targeted, incremental responders) */
  qiniCurve: { share: number; qini: number }[];
  /** coefficients of each logistic regression on the original scale of the features */
  models: { name: string; intercept: number; coefficients: Record<string, number>; iterations: number; converged: boolean }[];
  /** the send list: customers (of both arms, all rows) with the highest predicted uplift */
  targets: { count: number; share: number; meanUplift: number; out?: { file: string; rows: number }; audience?: { name: string; runId: number; customers: number } };
  notes: string[];
}

function pickTreatment(rows: CampaignRows, treatment: string | undefined): number {
  const arms = rows.arms.filter((a) => a !== rows.control);
  if (treatment === undefined) {
    if (arms.length === 1) return rows.arms.indexOf(arms[0]!);
    throw new SegmintError('invalid-usage', `campaign '${rows.campaign}' has ${arms.length} treatment arms (${arms.join(', ')}): say which one with --treatment`, { hint: `e.g. --treatment "${arms[0]}"` });
  }
  const i = rows.arms.indexOf(treatment);
  if (i < 0 || treatment === rows.control) {
    throw new SegmintError('unknown-arm', `no treatment arm '${treatment}' in campaign '${rows.campaign}'${suggestion(treatment, arms)}`, { hint: `the treatment arms are: ${arms.join(', ')}; the control is ${rows.control}` });
  }
  return i;
}

function pickOutcome(rows: CampaignRows, outcome: string | undefined): string {
  const names = Object.keys(rows.outcomes);
  const binary = (c: string) => rows.outcomes[c]!.every((v) => v === 0 || v === 1 || Number.isNaN(v));
  if (outcome === undefined) {
    const b = names.find(binary);
    if (!b) throw new SegmintError('invalid-usage', `campaign '${rows.campaign}' has no 0/1 outcome (${names.join(', ') || 'none'})`, { hint: 'uplift models a binary outcome such as visit or conversion: import one with --outcomes' });
    return b;
  }
  if (!names.includes(outcome)) {
    throw new SegmintError('unknown-outcome', `no outcome '${outcome}' in campaign '${rows.campaign}'${suggestion(outcome, names)}`, { hint: `the outcomes are: ${names.join(', ') || 'none'}` });
  }
  if (!binary(outcome)) {
    throw new SegmintError('outcome-not-binary', `outcome '${outcome}' holds values other than 0 and 1`, { hint: 'uplift is modelled for a binary outcome (visit, conversion); measure a spend with segmint campaign measure' });
  }
  return outcome;
}

/** Behaviour before the send date, computed for created campaigns (names usable in --features). */
export const BEHAVIOUR_FEATURES = ['orders_before', 'revenue_before', 'days_since_last_order'] as const;

/**
 * The rows of a campaign created in the workspace, shaped as an imported one's: the outcome from the workspace
 * in the window after the send date (`conversion`: an order, returns left out, as `campaign measure` counts it;
 * or `event:TYPE`: an event of that type), and as features the customers' traits, `kind.field` results of the
 * latest runs, and their behaviour before the send date (BEHAVIOUR_FEATURES; a customer without an order before
 * it counts the days since the workspace's first transaction).
 */
async function loadCreatedRows(db: Db, c: CampaignInfo, outcome: string | undefined, features: string[] | undefined, windowDays: number): Promise<CampaignRows> {
  const metric = outcome ?? 'conversion';
  const ev = /^event:(.+)$/.exec(metric);
  if (!ev && metric !== 'conversion') {
    const counted = ['orders', 'revenue'].includes(metric) || metric.startsWith('events:');
    throw new SegmintError(counted ? 'outcome-not-binary' : 'unknown-outcome', counted ? `outcome '${metric}' is a count or an amount, not 0/1` : `no outcome '${metric}' for a campaign created in the workspace`, {
      hint: 'uplift models a 0/1 outcome: --outcome conversion (an order in the window) or event:TYPE (an event of that type)',
    });
  }
  if (!c.sendDate) throw new SegmintError('invalid-usage', `campaign '${c.name}' has no send date, so its outcomes cannot be counted`, { hint: 'create the campaign with --send-date YYYY-MM-DD' });
  const schema = await loadAudienceSchema(db);
  const traitNames = Object.keys(schema.traits).filter((t) => !['customer_id', 'first_seen', 'updated_at'].includes(t));
  const wanted = features ?? [...traitNames, ...BEHAVIOUR_FEATURES];
  const traits0 = traitSelect(schema, wanted.filter((f) => !(BEHAVIOUR_FEATURES as readonly string[]).includes(f)));
  const from = c.sendDate.slice(0, 10);
  const to = new Date(Date.parse(`${from}T00:00:00Z`) + windowDays * 86_400_000).toISOString().slice(0, 10);
  // a day as a timestamp value (ClickHouse 18.16 parses no date-only text as a DateTime)
  const at = (d: string): Expr => lit(new Date(`${d}T00:00:00Z`));
  const ts = col('ts');
  const orders = countDistinct(col('order_id'), { filter: not(col('is_return')) });
  const outcomeQuery: Select = ev
    ? select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: count(), as: 'n' }], from: table('events'), where: and(eq(col('type'), lit(ev[1]!)), ge(ts, at(from)), lt(ts, at(to))), groupBy: [col('customer_id')] })
    : select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: orders, as: 'n' }], from: table('transactions'), where: and(ge(ts, at(from)), lt(ts, at(to))), groupBy: [col('customer_id')] });
  const before = select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: orders, as: 'orders' }, { expr: sum(col('amount')), as: 'revenue' }, { expr: max(ts), as: 'last' }],
    from: table('transactions'), where: lt(ts, at(from)), groupBy: [col('customer_id')],
  });
  const firstTs = scalarQuery(select({ select: [{ expr: min(ts), as: 'first' }], from: table('transactions') }));
  const q = select({
    select: [
      { expr: col('row_no', 'm'), as: 'row_no' }, { expr: col('customer_id', 'm'), as: 'customer_id' }, { expr: col('arm', 'm'), as: 'arm' },
      { expr: caseWhen([[gt(coalesce(col('n', 'o'), num(0)), num(0)), cast(num(1), 'double')]], cast(num(0), 'double')), as: '__outcome' },
      { expr: cast(coalesce(col('orders', 'b'), num(0)), 'double'), as: 'orders_before' },
      { expr: cast(coalesce(col('revenue', 'b'), num(0)), 'double'), as: 'revenue_before' },
      { expr: cast(coalesce(daysBetween(col('last', 'b'), at(from)), daysBetween(firstTs, at(from)), num(0)), 'double'), as: 'days_since_last_order' },
      ...traits0.select,
    ],
    from: table('campaign_members', 'm'),
    joins: [
      { type: 'left', source: subquery(outcomeQuery, 'o'), on: eq(col('customer_id', 'o'), col('customer_id', 'm')) },
      { type: 'left', source: subquery(before, 'b'), on: eq(col('customer_id', 'b'), col('customer_id', 'm')) },
      { type: 'left', source: table('customers', 'c'), on: eq(col('customer_id', 'c'), col('customer_id', 'm')) },
      ...traits0.joins,
    ],
    where: eq(col('campaign', 'm'), lit(c.name)),
    orderBy: [col('row_no', 'm')],
  });
  const compiled = compile(q, db.dialect);
  const cols = await db.columns(compiled.sql, compiled.params);
  const arms = c.arms.map((a) => a.name);
  const armIndex = new Map(arms.map((a, i) => [a, i]));
  const traits: CampaignRows['traits'] = {};
  for (const f of wanted) {
    const raw = cols[f] ?? [];
    const numeric = raw.every((v) => v === null || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean');
    traits[f] = {
      numeric,
      values: Float64Array.from(raw, (v) => (v === null ? Number.NaN : typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' ? Number(v) : Number.NaN)),
      text: raw.map((v) => (v === null ? null : v instanceof Date ? v.toISOString() : String(v))),
    };
  }
  return {
    campaign: c.name, arms, control: c.control, customerIds: (cols.customer_id ?? []).map(String),
    arm: Int32Array.from((cols.arm ?? []) as string[], (a) => armIndex.get(a) ?? -1),
    outcomes: { [metric]: Float64Array.from((cols.__outcome ?? []) as number[], Number) }, traits,
  };
}

/** Where the send list goes: a file, and/or an audience snapshot stored in the workspace (needs a writable workspace). */
export interface UpliftOutput {
  file?: string;
  audience?: string;
}

/**
 * Store `customerIds` as a snapshot of audience `name` (runs.kind 'audience', members in audience_members, one
 * journalled run), so that `segmint campaign create NEXT --audience NAME` sends the next campaign to them.
 * Its definition text says where it came from; it has no as-of date (the campaign's send date is unknown).
 */
async function storeTargetAudience(db: Db, name: string, customerIds: string[], where: string, params: Record<string, unknown>): Promise<{ name: string; runId: number; customers: number }> {
  return storeRun(db, 'audience', async (runId) => {
    await db.insertRows('audience_members', ['run_id', 'customer_id'], { columns: [new Array<number>(customerIds.length).fill(runId), customerIds] });
    await recordRun(db, runId, 'audience', null, { name, where, source: 'uplift', ...params }, { customers: customerIds.length });
    return { name, runId, customers: customerIds.length };
  });
}

/** Fit, evaluate and (with `output`) write or store the send list of uplift on campaign `name`. */
export async function campaignUplift(ws: { db: Db }, name: string, o: UpliftOptions = {}, output: string | UpliftOutput = {}): Promise<CampaignUpliftResult> {
  const out = typeof output === 'string' ? output : output.file;
  const audience = typeof output === 'string' ? undefined : output.audience;
  if (audience !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(audience)) {
    throw new SegmintError('invalid-option', `--audience ${audience}: a name of letters, digits, '-', '_' and '.'`, { hint: 'e.g. --audience next-mens-email' });
  }
  const info = await findCampaign(ws.db, name);
  const rows = info.source === 'created' ? await loadCreatedRows(ws.db, info, o.outcome, o.features, o.windowDays ?? 30) : await loadCampaignRows(ws.db, name);
  const method = o.method ?? 'two-model';
  if (!UPLIFT_METHODS.includes(method)) throw new SegmintError('invalid-option', `--method ${method}: expected ${UPLIFT_METHODS.join(' or ')}`, { hint: '--method two-model' });
  const treated = pickTreatment(rows, o.treatment);
  const control = rows.arms.indexOf(rows.control);
  const outcome = pickOutcome(rows, o.outcome);
  const notes: string[] = [];
  const traitNames = Object.keys(rows.traits);
  let features = o.features;
  if (features) {
    for (const f of features) {
      if (!rows.traits[f]) {
        const why = rows.outcomes[f] ? ' (it is an outcome, measured after the send)' : '';
        throw new SegmintError('unknown-feature', `no pre-treatment column '${f}' in campaign '${name}'${why}${suggestion(f, traitNames)}`, { hint: `the pre-treatment columns are: ${traitNames.join(', ') || 'none'}` });
      }
    }
  } else {
    features = traitNames.filter((f) => {
      const c = rows.traits[f]!;
      if (c.numeric) {
        let missing = 0;
        for (let i = 0; i < rows.arm.length; i++) if ((rows.arm[i] === treated || rows.arm[i] === control) && Number.isNaN(c.values[i]!)) missing++;
        if (missing) notes.push(`'${f}' is left out of the features: ${missing} customers have no value; name it in --features to use it (those customers are then left out)`);
        return missing === 0;
      }
      const levels = new Set(c.text).size;
      if (levels > MAX_LEVELS) notes.push(`'${f}' is left out of the features: ${levels} distinct text values (more than ${MAX_LEVELS}); name it in --features to use it`);
      return levels <= MAX_LEVELS;
    });
    if (!features.length) throw new SegmintError('no-features', `campaign '${name}' has no pre-treatment columns to model uplift from`, { hint: 'import the campaign with the customers\' traits as columns (recency, spend last year, …)' });
  }
  // the rows of the two arms with an outcome and every numeric feature present
  const keep: number[] = [];
  let dropped = 0;
  const yAll = rows.outcomes[outcome]!;
  for (let i = 0; i < rows.arm.length; i++) {
    if (rows.arm[i] !== treated && rows.arm[i] !== control) continue;
    const ok = !Number.isNaN(yAll[i]!) && features.every((f) => !rows.traits[f]!.numeric || !Number.isNaN(rows.traits[f]!.values[i]!));
    if (ok) keep.push(i);
    else dropped++;
  }
  if (dropped) notes.push(`${dropped} customers of the two arms are left out: a missing outcome or feature value`);
  const table: Record<string, FeatureValue[]> = {};
  for (const f of features) {
    const c = rows.traits[f]!;
    table[f] = c.numeric ? keep.map((i) => c.values[i]!) : keep.map((i) => c.text[i] ?? null);
  }
  const y = Float64Array.from(keep, (i) => yAll[i]!);
  const t = Float64Array.from(keep, (i) => (rows.arm[i] === treated ? 1 : 0));
  const seed = o.seed ?? 0;
  const testShare = o.testShare ?? 0.5;
  const top0 = o.top ?? 0.3;
  // uplift@k on the test rows at the same share as the send list
  const k = top0 < 1 ? top0 : Math.min(0.99, Math.max(1 / keep.length, top0 / keep.length));
  const study: UpliftStudy = upliftStudy(table, y, t, { features, method, seed, testShare, k, C: o.C, permutations: o.permutations });
  const e = study.evaluation;
  const names = method === 'two-model' ? ['treated', 'control'] : ['class-transformation'];
  const models = study.model.models.map((m, j) => ({
    name: names[j]!, intercept: m.intercept, coefficients: Object.fromEntries(study.columns.map((c, q) => [c, m.coefficients[q]!])),
    iterations: m.iterations, converged: m.converged,
  }));
  for (const m of models) if (!m.converged) notes.push(`the ${m.name} regression did not converge in ${m.iterations} iterations; a smaller C regularises it more`);
  const n = keep.length;
  const top = topByUplift(study.scores, top0);
  const targets: CampaignUpliftResult['targets'] = { count: top.length, share: top.length / n, meanUplift: top.reduce((s, i) => s + study.scores[i]!, 0) / Math.max(1, top.length) };
  if (out) {
    const mem = await openMemoryDb();
    try {
      await mem.db.run(createTableSql({ name: 'send_list', columns: [{ name: 'customer_id', type: 'text' }, { name: 'rank', type: 'int' }, { name: 'uplift', type: 'double' }, { name: 'arm', type: 'text' }] }, mem.db.dialect));
      await mem.db.insertRows('send_list', ['customer_id', 'rank', 'uplift', 'arm'], top.map((i, r) => [rows.customerIds[keep[i]!]!, r + 1, study.scores[i]!, rows.arms[rows.arm[keep[i]!]!]!]));
      const list = compile(select({ select: '*', from: irTable('send_list'), orderBy: [col('rank')] }), mem.db.dialect);
      targets.out = await copyToFile(mem.db, list.sql, out, list.params);
    } finally {
      mem.close();
    }
  }
  if (audience) {
    const ids = top.map((i) => rows.customerIds[keep[i]!]!);
    const share = top0 < 1 ? `${Math.round(100 * top0)}%` : String(top0);
    targets.audience = await storeTargetAudience(ws.db, audience, ids,
      `uplift: top ${share} by predicted uplift of '${rows.arms[treated]}' on ${outcome} in campaign ${name} (${method}, seed ${seed})`,
      { campaign: name, treatment: rows.arms[treated], outcome, method, seed, top: top0 });
  }
  const q = e.qini;
  const testRows = study.test.rows;
  const qiniCurve = Array.from({ length: 101 }, (_, p) => {
    const at = (p / 100) * testRows;
    let j = 1;
    while (j < q.x.length - 1 && q.x[j]! < at) j++;
    const x0 = q.x[j - 1]!;
    const x1 = q.x[j]!;
    const v = x1 === x0 ? q.y[j]! : q.y[j - 1]! + ((q.y[j]! - q.y[j - 1]!) * (at - x0)) / (x1 - x0);
    return { share: p / 100, qini: v };
  });
  return {
    campaign: name, treatment: rows.arms[treated]!, control: rows.control, outcome, method, features, columns: study.columns, seed, testShare,
    train: study.train, test: study.test, k,
    qiniCoefficient: e.qiniCoefficient, upliftAuc: e.upliftAuc, upliftAtK: e.upliftAtK,
    random: { qiniCoefficient: 0, upliftAuc: 0, upliftAtK: e.random.upliftAtK, permutations: e.random.permutations, qini95: e.random.qini95, upliftAtK95: e.random.upliftAtK95 },
    aboveRandom: { qini: e.qiniCoefficient > 0, upliftAtK: e.upliftAtK > e.random.upliftAtK },
    qiniCurve, models, targets, notes,
  };
}
