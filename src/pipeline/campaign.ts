/**
 * Campaigns on a workspace: create one on an audience snapshot (deterministic arms, stored, exported as the
 * send list), import one run elsewhere (arms, outcomes and pre-treatment columns from a file), load an imported
 * campaign's rows (for uplift), and measure the lift per arm and per segment with the sample-ratio check.
 * A campaign is runs of kind 'campaign' (params: name, arms, …); its members are rows of campaign_members, tagged
 * with the run that wrote them, and an imported one's columns ride along in nums/texts (lists in the order of
 * `campaignColumns`). docs/campaigns.md.
 */
import { SegmintError } from '../core/errors.ts';
import { assignArms } from '../models/campaign/assign.ts';
import { measureLift, type Lift, type OutcomeKind } from '../models/campaign/measure.ts';
import { sampleRatioCheck, type SrmCheck } from '../models/campaign/srm.ts';
import { suggestion } from '../segments/schema.ts';
import { quoteIdent, quoteString } from '../sql/quote.ts';
import { detectFormat } from '../store/import/formats.ts';
import { stageFile } from '../store/import/stage.ts';
import { recordRun, storeRun } from '../store/runs.ts';
import type { Db, Workspace } from '../store/workspace.ts';
import { loadAudienceSchema, traitColumns } from './audience.ts';
import { copyToFile } from './export.ts';
import { checkDate } from './value.ts';

export const CAMPAIGN_RUN_KIND = 'campaign';

/** One arm as planned: its name and its share of the audience. */
export interface CampaignArm {
  name: string;
  share: number;
}

/** A stored campaign: what its runs say. */
export interface CampaignInfo {
  name: string;
  source: 'created' | 'imported';
  /** the arms as planned, control first */
  arms: CampaignArm[];
  control: string;
  /** created campaigns: the assignment seed and the audience */
  seed?: number;
  audience?: string;
  /** YYYY-MM-DD: outcomes from the workspace are counted from this day */
  sendDate?: string;
  /** imported campaigns: the file, and its outcome and pre-treatment (trait) columns */
  file?: string;
  idColumn?: string | null;
  outcomes: string[];
  traits: string[];
  /** the runs that added members, oldest first */
  runs: number[];
  members: number;
  createdAt: string;
}

interface CampaignParams {
  name: string;
  source: 'created' | 'imported';
  arms: CampaignArm[];
  control: string;
  seed?: number;
  audience?: string;
  audienceRun?: number;
  sendDate?: string;
  file?: string;
  idColumn?: string | null;
  armColumn?: string;
  outcomes?: string[];
  traits?: string[];
}

/** Every stored campaign, oldest first. */
export async function listCampaigns(db: Db): Promise<CampaignInfo[]> {
  const rows = await db.all<{ run_id: number; params: string; created_at: string }>(
    "SELECT run_id, CAST(params AS VARCHAR) AS params, strftime(created_at, '%Y-%m-%d %H:%M:%S') AS created_at FROM runs WHERE kind = ? ORDER BY run_id", [CAMPAIGN_RUN_KIND]);
  const counts = new Map((await db.all<{ campaign: string; n: number }>('SELECT campaign, count(*) AS n FROM campaign_members GROUP BY campaign')).map((r) => [r.campaign, Number(r.n)]));
  const out = new Map<string, CampaignInfo>();
  for (const r of rows) {
    const p = JSON.parse(r.params) as CampaignParams;
    const seen = out.get(p.name);
    if (seen) {
      seen.runs.push(Number(r.run_id));
      continue;
    }
    out.set(p.name, {
      name: p.name, source: p.source, arms: p.arms, control: p.control,
      ...(p.seed === undefined ? {} : { seed: p.seed }), ...(p.audience === undefined ? {} : { audience: p.audience }),
      ...(p.sendDate === undefined ? {} : { sendDate: p.sendDate }), ...(p.file === undefined ? {} : { file: p.file, idColumn: p.idColumn ?? null }),
      outcomes: p.outcomes ?? [], traits: p.traits ?? [], runs: [Number(r.run_id)], members: counts.get(p.name) ?? 0, createdAt: r.created_at,
    });
  }
  return [...out.values()];
}

/** The campaign called `name`; campaign-not-found (with did-you-mean) when there is none. */
export async function findCampaign(db: Db, name: string): Promise<CampaignInfo> {
  const all = await listCampaigns(db);
  const c = all.find((x) => x.name === name);
  if (!c) {
    throw new SegmintError('campaign-not-found', `no campaign '${name}' in this workspace${suggestion(name, all.map((x) => x.name))}`, {
      hint: all.length ? `campaigns: ${all.map((x) => x.name).join(', ')}` : 'create one with segmint campaign create NAME --audience A, or import one with segmint campaign import FILE --name N',
    });
  }
  return c;
}

// ---------------------------------------------------------------------------------------------- arms

/** A share written as 10%, 0.1 or 1/3. */
export function parseShare(option: string, raw: string): number {
  const t = raw.trim();
  let x = Number.NaN;
  if (/^\d+(\.\d+)?%$/.test(t)) x = Number(t.slice(0, -1)) / 100;
  else if (/^\d+\/\d+$/.test(t)) {
    const [a, b] = t.split('/').map(Number);
    x = a! / b!;
  } else if (/^(\d+\.?\d*|\.\d+)$/.test(t)) x = Number(t);
  if (!(x > 0 && x < 1)) {
    throw new SegmintError('invalid-option', `${option} ${raw}: expected a share above 0 and below 1 (10%, 0.1 or 1/3)`, { hint: `e.g. ${option} 10%` });
  }
  return x;
}

/**
 * The planned arms of a created campaign: control (its share from --control, default 10%) and the arms of
 * --arms (name:share,…; names alone split the rest equally; default one arm 'treatment'). Shares must add up to 1.
 */
export function planArms(control: string | undefined, arms: string | undefined, controlName = 'control'): CampaignArm[] {
  const c = control === undefined ? 0.1 : parseShare('--control', control);
  const items = (arms ?? 'treatment').split(',').map((s) => s.trim()).filter(Boolean);
  const parsed = items.map((it) => {
    const i = it.lastIndexOf(':');
    return i < 0 ? { name: it, share: undefined as number | undefined } : { name: it.slice(0, i).trim(), share: parseShare('--arms', it.slice(i + 1)) };
  });
  const names = [controlName, ...parsed.map((p) => p.name)];
  const dup = names.find((n, i) => !n || names.indexOf(n) !== i);
  if (dup !== undefined) throw new SegmintError('invalid-option', `--arms ${arms}: ${dup ? `the arm name '${dup}' appears twice (control is called '${controlName}')` : 'an arm has no name'}`, { hint: 'e.g. --arms offer-a:45%,offer-b:45% --control 10%' });
  const given = parsed.reduce((s, p) => s + (p.share ?? 0), 0);
  const open = parsed.filter((p) => p.share === undefined).length;
  const rest = 1 - c - given;
  if (open > 0 ? rest <= 1e-9 : Math.abs(rest) > 1e-6) {
    throw new SegmintError('invalid-option', `--control ${(100 * c).toFixed(4).replace(/\.?0+$/, '')}% and --arms ${arms ?? 'treatment'} add up to ${(100 * (c + given)).toFixed(4).replace(/\.?0+$/, '')}%${open ? ' before the arms without a share' : ''}, expected 100%`, {
      hint: 'give shares that add up to 100% with the control, or leave the arms\' shares out to split the rest equally',
    });
  }
  return [{ name: controlName, share: c }, ...parsed.map((p) => ({ name: p.name, share: p.share ?? rest / open }))];
}

// ---------------------------------------------------------------------------------------------- create

export interface CreateOptions {
  name: string;
  /** an audience name: its latest stored snapshot */
  audience: string;
  arms: CampaignArm[];
  seed?: number;
  /** YYYY-MM-DD, default the snapshot's as-of date */
  sendDate?: string;
}

export interface CreateResult {
  campaign: string;
  runId: number;
  audience: string;
  audienceRun: number;
  sendDate: string;
  /** members given an arm by this run (new members of the audience) */
  added: number;
  /** members the campaign already had, who keep their arms */
  kept: number;
  members: number;
  /** members per arm after this run, in the order of the plan */
  arms: { arm: string; share: number; customers: number; added: number }[];
}

/** The latest snapshot run of audience `name`. */
async function latestSnapshot(db: Db, name: string): Promise<{ runId: number; asOf: string }> {
  const rows = await db.all<{ run_id: number; name: string; as_of: string }>(
    "SELECT run_id, json_extract_string(params, '$.name') AS name, strftime(as_of, '%Y-%m-%d') AS as_of FROM runs WHERE kind = 'audience' ORDER BY run_id");
  const hit = rows.filter((r) => r.name === name).at(-1);
  if (!hit) {
    throw new SegmintError('unknown-audience', `no stored snapshot of an audience '${name}'${suggestion(name, [...new Set(rows.map((r) => r.name))])}`, {
      hint: `evaluate it first: segmint audience eval --where "…" --name ${name} (each evaluation stores a snapshot)`,
    });
  }
  return { runId: Number(hit.run_id), asOf: hit.as_of };
}

const sameArms = (a: readonly CampaignArm[], b: readonly CampaignArm[]) => a.length === b.length && a.every((x, i) => x.name === b[i]!.name && Math.abs(x.share - b[i]!.share) < 1e-12);

/**
 * Give every member of the audience's latest snapshot an arm: hash53(campaign, seed, customer id) against the
 * arms' cumulative shares. Created again (e.g. on a later snapshot), only the new members are added; existing
 * members keep their arms. One journalled run.
 */
export async function createCampaign(ws: Workspace, o: CreateOptions): Promise<CreateResult> {
  const db = ws.db;
  const seed = o.seed ?? 0;
  const snap = await latestSnapshot(db, o.audience);
  if (o.sendDate !== undefined) checkDate('--send-date', o.sendDate);
  const existing = (await listCampaigns(db)).find((c) => c.name === o.name);
  if (existing) {
    const why = existing.source !== 'created' ? 'it was imported from a file'
      : !sameArms(existing.arms, o.arms) ? `its arms are ${existing.arms.map((a) => `${a.name}:${(100 * a.share).toFixed(1)}%`).join(', ')}`
        : existing.seed !== seed ? `its seed is ${existing.seed}`
          : existing.audience !== o.audience ? `it is on the audience '${existing.audience}'` : undefined;
    if (why) {
      throw new SegmintError('campaign-exists', `a campaign '${o.name}' already exists and ${why}`, {
        hint: 'run it again with the same audience, arms and seed to add new members, or give the new campaign another name',
      });
    }
  }
  const sendDate = existing?.sendDate ?? o.sendDate ?? snap.asOf;
  const newIds = (await db.columns(
    'SELECT customer_id FROM audience_members WHERE run_id = ? AND customer_id NOT IN (SELECT customer_id FROM campaign_members WHERE campaign = ?) ORDER BY customer_id',
    [snap.runId, o.name])).customer_id as string[];
  const armIdx = assignArms(o.name, seed, newIds, o.arms.map((a) => a.share));
  const before = await armCounts(db, o.name);
  const params: CampaignParams = { name: o.name, source: 'created', arms: o.arms, control: o.arms[0]!.name, seed, audience: o.audience, audienceRun: snap.runId, sendDate };
  return storeRun(db, CAMPAIGN_RUN_KIND, async (runId) => {
    const base = Number((await db.one<{ n: number }>('SELECT coalesce(max(row_no), 0) AS n FROM campaign_members WHERE campaign = ?', [o.name]))?.n ?? 0);
    if (newIds.length) {
      // the arms go in as doubles beside each new member's position in the sorted list, then join
      await db.run('CREATE OR REPLACE TEMP TABLE __campaign_arm (i DOUBLE, arm DOUBLE)');
      await db.appendDoubles('__campaign_arm', [Float64Array.from(newIds, (_, i) => i), Float64Array.from(armIdx)]);
      const names = `[${o.arms.map((a) => quoteString(a.name)).join(', ')}]`;
      await db.run(`INSERT INTO campaign_members (run_id, campaign, row_no, customer_id, arm) SELECT ?, ?, ? + n.i + 1, n.customer_id, ${names}[CAST(a.arm AS INTEGER) + 1]
        FROM (SELECT customer_id, row_number() OVER (ORDER BY customer_id) - 1 AS i FROM audience_members WHERE run_id = ? AND customer_id NOT IN (SELECT customer_id FROM campaign_members WHERE campaign = ?)) n
        JOIN __campaign_arm a ON a.i = n.i`, [runId, o.name, base, snap.runId, o.name]);
      await db.run('DROP TABLE __campaign_arm');
    }
    const added = o.arms.map(() => 0);
    for (const a of armIdx) added[a]! += 1;
    const arms = o.arms.map((a, i) => ({ arm: a.name, share: a.share, customers: (before.get(a.name) ?? 0) + added[i]!, added: added[i]! }));
    const kept = [...before.values()].reduce((s, x) => s + x, 0);
    const summary = { added: newIds.length, kept, members: kept + newIds.length, arms: Object.fromEntries(arms.map((a) => [a.arm, a.customers])) };
    await recordRun(db, runId, CAMPAIGN_RUN_KIND, snap.asOf, params, summary);
    return { campaign: o.name, runId, audience: o.audience, audienceRun: snap.runId, sendDate, added: newIds.length, kept, members: kept + newIds.length, arms };
  });
}

async function armCounts(db: Db, campaign: string): Promise<Map<string, number>> {
  const rows = await db.all<{ arm: string; n: number }>('SELECT arm, count(*) AS n FROM campaign_members WHERE campaign = ? GROUP BY arm', [campaign]);
  return new Map(rows.map((r) => [r.arm, Number(r.n)]));
}

/** Write the send list (customer_id, arm, control) of a campaign to a .csv/.parquet/.json/.ndjson file. */
export async function exportSendList(db: Db, campaign: string, file: string): Promise<{ file: string; rows: number }> {
  const c = await findCampaign(db, campaign);
  return copyToFile(db, 'SELECT customer_id, arm, arm = ? AS control FROM campaign_members WHERE campaign = ? ORDER BY row_no', file, [c.control, campaign]);
}

// ---------------------------------------------------------------------------------------------- import

/** Column names read as outcomes when --outcomes is not given. */
export const OUTCOME_NAMES = ['visit', 'visits', 'conversion', 'converted', 'conversions', 'spend', 'revenue', 'purchase', 'purchased', 'orders', 'response', 'responded', 'click', 'clicked', 'open', 'opened'];

export interface ImportCampaignOptions {
  name: string;
  armColumn: string;
  /** the arm value of the control group */
  control: string;
  /** the customer id column (default: customer_id when the file has one, else the row number) */
  idColumn?: string;
  /** outcome columns (default: the columns named as in OUTCOME_NAMES) */
  outcomes?: string[];
  /** planned shares per arm value (default: equal) */
  planned?: Record<string, number>;
  /** YYYY-MM-DD: when the campaign went out, for outcomes from the workspace (orders, revenue, events after it) */
  sendDate?: string;
}

export interface ImportCampaignResult {
  campaign: string;
  runId: number;
  file: string;
  rows: number;
  idColumn: string | null;
  arms: { arm: string; customers: number; planned: number }[];
  control: string;
  outcomes: string[];
  traits: string[];
  srm: SrmCheck;
}

const YES = "('1', 'true', 'yes', 'y', 't')";
const NO = "('0', 'false', 'no', 'n', 'f')";

/** Import a campaign run elsewhere: one row per customer with its arm, outcome columns and pre-treatment columns. */
export async function importCampaign(ws: Workspace, file: string, o: ImportCampaignOptions): Promise<ImportCampaignResult> {
  const db = ws.db;
  if (o.sendDate !== undefined) checkDate('--send-date', o.sendDate);
  if ((await listCampaigns(db)).some((c) => c.name === o.name)) {
    throw new SegmintError('campaign-exists', `a campaign '${o.name}' already exists`, { hint: 'import it under another --name' });
  }
  const format = detectFormat(file);
  const staged = await stageFile(db, file, { format }, ['', 'NA', 'N/A', 'NULL', 'null']);
  const names = staged.columns.map((c) => c.name);
  const need = (option: string, col: string) => {
    if (!names.includes(col)) throw new SegmintError('unknown-column', `${option} ${col}: ${file} has no column ${col}${suggestion(col, names)}`, { hint: `columns: ${names.join(', ')}` });
  };
  need('--arm-column', o.armColumn);
  const idColumn = o.idColumn ?? (names.includes('customer_id') ? 'customer_id' : null);
  if (o.idColumn) need('--id-column', o.idColumn);
  const outcomes = o.outcomes ?? names.filter((n) => OUTCOME_NAMES.includes(n.toLowerCase()));
  for (const c of outcomes) need('--outcomes', c);
  const traits = names.filter((n) => n !== o.armColumn && n !== idColumn && !outcomes.includes(n));
  const text = (c: string) => `nullif(trim(CAST(${quoteIdent(c)} AS VARCHAR)), '')`;
  await db.run(`CREATE OR REPLACE TEMP TABLE __campaign_rows AS SELECT row_number() OVER (ORDER BY ${staged.lineExpr}) AS row_no, ${staged.lineExpr} AS line, * FROM __raw`);
  await db.run('DROP TABLE IF EXISTS __raw');
  // the arms: every row has one, and the control value is among them
  const armText = text(o.armColumn);
  const missing = await db.one<{ n: number; line: number | null }>(`SELECT count(*) AS n, min(line) AS line FROM __campaign_rows WHERE ${armText} IS NULL`);
  if (Number(missing?.n ?? 0) > 0) {
    throw new SegmintError('missing-arm', `${file}: ${Number(missing!.n).toLocaleString('en-US')} rows have no value in ${o.armColumn} (the first on line ${missing!.line})`, { hint: 'every customer of an experiment needs its arm; remove those rows or fill them in' });
  }
  const armRows = await db.all<{ arm: string; n: number }>(`SELECT ${armText} AS arm, count(*) AS n FROM __campaign_rows GROUP BY 1 ORDER BY 1`);
  const armNames = armRows.map((r) => r.arm);
  if (!armNames.includes(o.control)) {
    throw new SegmintError('unknown-arm', `--control ${o.control}: no row of ${file} has ${o.armColumn} = '${o.control}'${suggestion(o.control, armNames)}`, { hint: `values of ${o.armColumn}: ${armNames.join(', ')}` });
  }
  if (armNames.length < 2) throw new SegmintError('one-arm', `${file}: every row is in the arm '${o.control}': there is nothing to compare it with`, { hint: `check --arm-column ${o.armColumn}` });
  if (idColumn) {
    const dup = await db.one<{ id: string | null; n: number }>(`SELECT ${text(idColumn)} AS id, count(*) AS n FROM __campaign_rows GROUP BY 1 HAVING count(*) > 1 OR ${text(idColumn)} IS NULL LIMIT 1`);
    if (dup) throw new SegmintError('duplicate-customer', dup.id === null ? `${file}: a row has no ${idColumn}` : `${file}: customer ${dup.id} appears ${dup.n} times in ${idColumn}`, { hint: 'an experiment has one row per customer; without an id column the row number serves as one' });
  }
  // outcomes are numbers (true/false and yes/no read as 1/0)
  for (const c of outcomes) {
    const bad = await db.one<{ v: string; line: number }>(`SELECT ${text(c)} AS v, line FROM __campaign_rows WHERE ${text(c)} IS NOT NULL AND lower(${text(c)}) NOT IN ${YES} AND lower(${text(c)}) NOT IN ${NO} AND TRY_CAST(${text(c)} AS DOUBLE) IS NULL ORDER BY line LIMIT 1`);
    if (bad) throw new SegmintError('invalid-outcome', `${file}: the outcome column ${c} holds '${bad.v}' on line ${bad.line}, expected a number (or true/false, yes/no)`, { hint: `give the outcome columns with --outcomes; the others are kept as pre-treatment traits` });
  }
  const order = [o.control, ...armNames.filter((a) => a !== o.control)];
  const plannedRaw = order.map((a) => o.planned?.[a] ?? 1 / order.length);
  for (const a of Object.keys(o.planned ?? {})) {
    if (!armNames.includes(a)) throw new SegmintError('unknown-arm', `--planned ${a}: no row has ${o.armColumn} = '${a}'${suggestion(a, armNames)}`, { hint: `values of ${o.armColumn}: ${armNames.join(', ')}` });
  }
  const sum = plannedRaw.reduce((s, x) => s + x, 0);
  const arms = order.map((a, i) => ({ name: a, share: plannedRaw[i]! / sum }));
  const counts = order.map((a) => Number(armRows.find((r) => r.arm === a)!.n));
  const srm = sampleRatioCheck(order, counts, arms.map((a) => a.share));
  const rows = counts.reduce((s, x) => s + x, 0);
  const params: CampaignParams = { name: o.name, source: 'imported', arms, control: o.control, file, idColumn, armColumn: o.armColumn, outcomes, traits, ...(o.sendDate ? { sendDate: o.sendDate } : {}) };
  return storeRun(db, CAMPAIGN_RUN_KIND, async (runId) => {
    const id = idColumn ? text(idColumn) : 'CAST(row_no AS VARCHAR)';
    // the columns as lists, outcomes first (campaignColumns): the number (outcomes: true/yes 1, false/no 0) and the text
    const nums = [
      ...outcomes.map((c) => `CASE WHEN lower(${text(c)}) IN ${YES} THEN 1 WHEN lower(${text(c)}) IN ${NO} THEN 0 ELSE TRY_CAST(${text(c)} AS DOUBLE) END`),
      ...traits.map((c) => `TRY_CAST(${text(c)} AS DOUBLE)`),
    ];
    const texts = [...outcomes, ...traits].map(text);
    const list = (xs: string[], type: string) => `CAST([${xs.join(', ')}] AS ${type}[])`;
    await db.run(`INSERT INTO campaign_members SELECT ?, ?, row_no, ${id}, ${armText}, ${list(nums, 'DOUBLE')}, ${list(texts, 'VARCHAR')} FROM __campaign_rows`, [runId, o.name]);
    await db.run('DROP TABLE __campaign_rows');
    await recordRun(db, runId, CAMPAIGN_RUN_KIND, null, params, { members: rows, arms: Object.fromEntries(order.map((a, i) => [a, counts[i]])) });
    return {
      campaign: o.name, runId, file, rows, idColumn, control: o.control, outcomes, traits, srm,
      arms: order.map((a, i) => ({ arm: a, customers: counts[i]!, planned: arms[i]!.share })),
    };
  });
}

// ---------------------------------------------------------------------------------------------- rows (uplift)

/** A column of an imported campaign: numbers (NaN where missing or not a number) and the text as read. */
export interface CampaignColumn {
  /** true when every present value is a number */
  numeric: boolean;
  values: Float64Array;
  text: (string | null)[];
}

/** The rows of an imported campaign, in file order: arm, outcomes and pre-treatment columns. */
export interface CampaignRows {
  campaign: string;
  /** arm names, control first */
  arms: string[];
  control: string;
  customerIds: string[];
  /** index into `arms` per row */
  arm: Int32Array;
  /** outcome columns (NaN where missing) */
  outcomes: Record<string, Float64Array>;
  /** pre-treatment columns */
  traits: Record<string, CampaignColumn>;
}

/** The imported columns of a campaign in the order of its nums/texts lists: outcomes, then pre-treatment columns. */
export function campaignColumns(c: Pick<CampaignInfo, 'outcomes' | 'traits'>): string[] {
  return [...c.outcomes, ...c.traits];
}

/** Load the rows of campaign `name` (for uplift modelling): every member with its arm and imported columns. */
export async function loadCampaignRows(db: Db, name: string): Promise<CampaignRows> {
  const c = await findCampaign(db, name);
  const arms = c.arms.map((a) => a.name);
  const cols = campaignColumns(c);
  const select = cols.flatMap((_, k) => [`nums[${k + 1}] AS n${k}`, `texts[${k + 1}] AS t${k}`]);
  const m = await db.columns(`SELECT customer_id, arm${select.map((x) => `, ${x}`).join('')} FROM campaign_members WHERE campaign = ? ORDER BY row_no`, [name]);
  const armIndex = new Map(arms.map((a, i) => [a, i]));
  const out: CampaignRows = {
    campaign: name, arms, control: c.control, customerIds: (m.customer_id as string[]).map(String),
    arm: Int32Array.from(m.arm as string[], (a) => armIndex.get(a) ?? -1), outcomes: {}, traits: {},
  };
  cols.forEach((col, k) => {
    const nums = m[`n${k}`] as (number | null)[];
    const text = (m[`t${k}`] as (string | null)[]).map((t) => (t === null ? null : String(t)));
    const values = Float64Array.from(nums, (x) => (x === null ? Number.NaN : Number(x)));
    if (c.outcomes.includes(col)) out.outcomes[col] = values;
    else out.traits[col] = { numeric: nums.every((x, i) => x !== null || text[i] === null), values, text };
  });
  return out;
}

// ---------------------------------------------------------------------------------------------- measure

/** Metrics read from the workspace's transactions in the window after the send date. */
export const WORKSPACE_METRICS = ['conversion', 'orders', 'revenue'] as const;

/** `event:TYPE` (1 when the member had an event of the type in the window) and `events:TYPE` (how many). */
const EVENT_METRIC = /^(events?):(.+)$/;

export interface MeasureOptions {
  /** an imported column, a customer trait, kind.field of the latest run (rfm.segment, cluster.name), or audience:NAME */
  by?: string;
  /** outcome names (default: an imported campaign's outcomes; a created one's conversion and revenue) */
  metrics?: string[];
  /** days after the send date that count (workspace metrics), default 30 */
  windowDays?: number;
  /** default 0.05 (95% intervals) */
  alpha?: number;
}

export interface MetricResult extends Lift {
  metric: string;
  /** where the outcome came from */
  source: 'column' | 'workspace';
}

export interface CampaignMeasurement {
  campaign: string;
  source: 'created' | 'imported';
  control: string;
  by: string | null;
  /** the segments, in order (customers without a label are '(none)') */
  segments: string[];
  /** the window of workspace metrics */
  window?: { from: string; to: string; days: number };
  srm: SrmCheck;
  /** with --by: the split check within each segment (a filter that broke the split in one segment shows here) */
  segmentSrm: { segment: string; customers: number; chiSquare: number; pValue: number; flagged: boolean }[];
  metrics: MetricResult[];
  notes: string[];
}

/** The per-member segment label: SQL selecting (row_no, label) for the members of `c` (an imported column: also its expression over campaign_members m). */
async function segmentSql(ws: Pick<Workspace, 'db'>, c: CampaignInfo, by: string): Promise<{ sql: string; params: (string | number)[]; expr?: string }> {
  const k = campaignColumns(c).indexOf(by);
  if (k >= 0) return { sql: `SELECT row_no, texts[${k + 1}] AS label FROM campaign_members WHERE campaign = ?`, params: [c.name], expr: `m.texts[${k + 1}]` };
  if (by.startsWith('audience:')) {
    const snap = await latestSnapshot(ws.db, by.slice('audience:'.length));
    const name = by.slice('audience:'.length);
    return {
      sql: `SELECT m.row_no, CASE WHEN a.customer_id IS NULL THEN ? ELSE ? END AS label FROM campaign_members m LEFT JOIN (SELECT customer_id FROM audience_members WHERE run_id = ${snap.runId}) a ON a.customer_id = m.customer_id WHERE m.campaign = ?`,
      params: [`not in ${name}`, `in ${name}`, c.name],
    };
  }
  const schema = await loadAudienceSchema(ws.db);
  let t: { select: string[]; joins: string[] };
  try {
    t = traitColumns(schema, [by]);
  } catch (e) {
    if (c.source === 'imported' && e instanceof SegmintError && e.code === 'unknown-field') {
      throw new SegmintError('unknown-field', `--by ${by}: campaign '${c.name}' has no column ${by} and ${e.message.replace(/^--traits [^:]*: /, '')}`, {
        hint: `the campaign's columns: ${c.traits.join(', ') || 'none'}; or a customer trait, rfm.segment, cluster.name, audience:NAME`,
      });
    }
    throw e;
  }
  const expr = t.select[0]!.replace(/ AS "[^"]*"$/, '');
  return { sql: `SELECT m.row_no, CAST(${expr} AS VARCHAR) AS label FROM campaign_members m LEFT JOIN customers c ON c.customer_id = m.customer_id ${t.joins.join(' ')} WHERE m.campaign = ?`, params: [c.name] };
}

/**
 * Measure campaign `name`: per metric, the lift of each arm against control overall and per segment of
 * `by`, and the sample-ratio check of the arm sizes against the plan.
 */
export async function measureCampaign(ws: Pick<Workspace, 'db'>, name: string, o: MeasureOptions = {}): Promise<CampaignMeasurement> {
  const db = ws.db;
  const c = await findCampaign(db, name);
  const alpha = o.alpha ?? 0.05;
  const notes: string[] = [];
  const metrics = o.metrics?.length ? o.metrics : c.source === 'imported' && c.outcomes.length ? c.outcomes : ['conversion', 'revenue'];
  const arms = c.arms.map((a) => a.name);
  const counts = await armCounts(db, name);
  const srm = sampleRatioCheck(arms, arms.map((a) => counts.get(a) ?? 0), c.arms.map((a) => a.share));
  const seg: { sql: string; params: (string | number)[]; expr?: string } = o.by ? await segmentSql(ws, c, o.by) : { sql: '', params: [] };
  // workspace metrics: the members' orders and net revenue from the send date for windowDays days
  let window: CampaignMeasurement['window'];
  const needsWorkspace = metrics.filter((m) => !c.outcomes.includes(m));
  const eventTypes = needsWorkspace.some((m) => EVENT_METRIC.test(m)) ? (await db.all<{ type: string }>('SELECT DISTINCT type FROM events ORDER BY type')).map((r) => r.type) : [];
  for (const m of needsWorkspace) {
    const ev = EVENT_METRIC.exec(m);
    if (ev && !eventTypes.includes(ev[2]!)) {
      throw new SegmintError('unknown-event-type', `--metric ${m}: the workspace has no events of type '${ev[2]}'${suggestion(ev[2]!, eventTypes)}`, {
        hint: eventTypes.length ? `event types: ${eventTypes.slice(0, 15).join(', ')}` : 'import events first: segmint import FILE --kind events',
      });
    }
    if (!ev && !(WORKSPACE_METRICS as readonly string[]).includes(m)) {
      throw new SegmintError('unknown-metric', `--metric ${m}: campaign '${name}' has no outcome column ${m}, and it is not a workspace metric${suggestion(m, [...c.outcomes, ...WORKSPACE_METRICS])}`, {
        hint: `metrics: ${[...c.outcomes, ...WORKSPACE_METRICS].join(', ')}, event:TYPE, events:TYPE`,
      });
    }
  }
  if (needsWorkspace.length) {
    const days = o.windowDays ?? 30;
    const from = c.sendDate ?? (await db.one<{ d: string | null }>("SELECT strftime(CAST(min(ts) AS DATE), '%Y-%m-%d') AS d FROM transactions"))?.d ?? '1970-01-01';
    const to = (await db.one<{ d: string }>("SELECT strftime(CAST(? AS DATE) + CAST(? AS INTEGER), '%Y-%m-%d') AS d", [from, days]))!.d;
    window = { from, to, days };
    for (const [table, what, used] of [['transactions', 'transaction', needsWorkspace.some((m) => !EVENT_METRIC.test(m))], ['events', 'event', needsWorkspace.some((m) => EVENT_METRIC.test(m))]] as const) {
      if (!used) continue;
      const last = (await db.one<{ d: string | null }>(`SELECT strftime(CAST(max(ts) AS DATE), '%Y-%m-%d') AS d FROM ${table} WHERE customer_id IS NOT NULL`))?.d;
      if (!last || last < from) notes.push(`the workspace has no ${table} from the send date ${from} on: import those after the send to measure them`);
      else if (last < to) notes.push(`the last ${what} is on ${last}, before the end of the ${days}-day window (${to}): outcomes may still be coming in`);
    }
    if (!c.sendDate) notes.push(`campaign '${name}' has no send date: the window starts at the first transaction (${from})`);
  }
  // one pass: a join per imported outcome, one of the members' orders in the window, one of the segment labels
  const joins: string[] = [];
  const params: (string | number)[] = [];
  const exprs = metrics.map((metric, i) => {
    if (c.outcomes.includes(metric)) return `m.nums[${campaignColumns(c).indexOf(metric) + 1}]`;
    const ev = EVENT_METRIC.exec(metric);
    if (ev) {
      joins.push(`LEFT JOIN (SELECT customer_id, count(*) AS n FROM events WHERE type = ? AND customer_id IN (SELECT customer_id FROM campaign_members WHERE campaign = ?)
          AND ts >= CAST(? AS TIMESTAMP) AND ts < CAST(? AS TIMESTAMP) GROUP BY customer_id) e${i} ON e${i}.customer_id = m.customer_id`);
      params.push(ev[2]!, name, window!.from, window!.to);
      return ev[1] === 'event' ? `CASE WHEN coalesce(e${i}.n, 0) > 0 THEN 1.0 ELSE 0.0 END` : `CAST(coalesce(e${i}.n, 0) AS DOUBLE)`;
    }
    return metric === 'conversion' ? 'CASE WHEN coalesce(t.orders, 0) > 0 THEN 1.0 ELSE 0.0 END' : metric === 'orders' ? 'CAST(coalesce(t.orders, 0) AS DOUBLE)' : 'coalesce(t.revenue, 0.0)';
  });
  if (window && needsWorkspace.some((m) => !EVENT_METRIC.test(m))) {
    joins.push(`LEFT JOIN (SELECT customer_id, count(DISTINCT order_id) FILTER (WHERE NOT is_return) AS orders, sum(amount) AS revenue FROM transactions
        WHERE customer_id IN (SELECT customer_id FROM campaign_members WHERE campaign = ?) AND ts >= CAST(? AS TIMESTAMP) AND ts < CAST(? AS TIMESTAMP) GROUP BY customer_id) t ON t.customer_id = m.customer_id`);
    params.push(name, window.from, window.to);
  }
  if (o.by && !seg.expr) {
    joins.push(`LEFT JOIN (${seg.sql}) s ON s.row_no = m.row_no`);
    params.push(...seg.params);
  }
  const label = o.by ? `coalesce(${seg.expr ?? 's.label'}, '(none)')` : "'all'";
  const aggregates = exprs.map((e, i) => `count(${e}) AS n${i}, avg(${e}) AS mean${i}, var_samp(${e}) AS var${i}, count(*) FILTER (WHERE ${e} NOT IN (0, 1)) AS nb${i}`);
  const rows = await db.all<Record<string, number | string | null>>(
    `SELECT ${label} AS label, m.arm, count(*) AS members, ${aggregates.join(', ')}
      FROM campaign_members m ${joins.join(' ')} WHERE m.campaign = ? GROUP BY ALL`, [...params, name]);
  const segments = [...new Set(rows.map((r) => String(r.label)))].sort(labelOrder);
  const gi = new Map(segments.map((x, i) => [x, i]));
  const ai = new Map(arms.map((a, i) => [a, i]));
  const results: MetricResult[] = metrics.map((metric, i) => {
    const kind: OutcomeKind = rows.every((r) => Number(r[`nb${i}`]) === 0) ? 'proportion' : 'mean';
    const K = segments.length * arms.length;
    const [n, mean, variance] = [new Float64Array(K), new Float64Array(K), new Float64Array(K)];
    for (const r of rows) {
      const a = ai.get(String(r.arm));
      if (a === undefined) continue;
      const k = gi.get(String(r.label))! * arms.length + a;
      [n[k], mean[k], variance[k]] = [Number(r[`n${i}`]), Number(r[`mean${i}`] ?? 0), Number(r[`var${i}`] ?? 0)];
    }
    const lift = measureLift({ arms, segments, n, mean, variance }, kind, 0, { alpha });
    return { metric, source: c.outcomes.includes(metric) ? 'column' : 'workspace', ...lift, ...(o.by ? {} : { bySegment: [] }) };
  });
  if (segments.length > 50) notes.push(`${o.by} has ${segments.length.toLocaleString('en-US')} values: each segment is small and its interval wide; segment by a column with fewer values (or bands of this one)`);
  // the split within each segment: the arm sizes against the plan, as for the whole campaign
  const segmentSrm = o.by ? segments.map((segment) => {
    const counts = arms.map((a) => Number(rows.find((r) => String(r.label) === segment && String(r.arm) === a)?.members ?? 0));
    const x = sampleRatioCheck(arms, counts, c.arms.map((a) => a.share));
    return { segment, customers: counts.reduce((t, v) => t + v, 0), chiSquare: x.chiSquare, pValue: x.pValue, flagged: x.flagged };
  }) : [];
  const broken = segmentSrm.filter((x) => x.flagged);
  if (broken.length && !srm.flagged) {
    notes.unshift(`The split is off within ${broken.length} segment${broken.length === 1 ? '' : 's'} of ${o.by} (${broken.slice(0, 5).map((x) => x.segment).join(', ')}${broken.length > 5 ? ', …' : ''}): a gap this large happens by chance less than once in a thousand. Something treated those customers differently (a filter, a failed send); do not trust their lifts until it is explained.`);
  }
  if (srm.flagged) notes.unshift(srm.message);
  return { campaign: name, source: c.source, control: c.control, by: o.by ?? null, segments: o.by ? segments : [], ...(window ? { window } : {}), srm, segmentSrm, metrics: results, notes };
}

/** Segment labels in natural order: numbers by value, '(none)' last. */
function labelOrder(a: string, b: string): number {
  if (a === '(none)' || b === '(none)') return a === b ? 0 : a === '(none)' ? 1 : -1;
  const [x, y] = [Number(a), Number(b)];
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
