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
import { compile, type BoundValue } from '../sql/compile.ts';
import { createTableSql } from '../sql/ddl.ts';
import {
  add, and, arrayOf, avg, cast, caseWhen, coalesce, col, count, countDistinct, createTableAs, dropTable, eq, ge, gt, inList, inQuery, index, insertSelect, isNotNull, isNull,
  lit, lower, lt, max, min, not, nullif, num, or, rowNumber, select, subquery, sum, table, tempName, trim, tryDouble, varSamp,
  type Expr, type Join, type Select, type SelectItem,
} from '../sql/ir.ts';
import { detectFormat } from '../store/import/formats.ts';
import { lineColumnOf, stageFile } from '../store/import/stage.ts';
import { recordRun, storeRun } from '../store/runs.ts';
import { openMemoryDb, type Db, type Workspace } from '../store/workspace.ts';
import { loadAudienceSchema } from './audience.ts';
import { exportRows } from './export.ts';
import { all, dayText, exec, one, timestampText } from './run-query.ts';
import { resolveTraits, traitSelect } from './trait-columns.ts';
import { checkDate } from './value.ts';
import { grouped } from '../core/numbers.ts';

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

/** The params of a stored run (a JSON column: text on every engine). */
const paramsOf = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

/** Every stored campaign, oldest first. */
export async function listCampaigns(db: Db): Promise<CampaignInfo[]> {
  const rows = (await all<{ run_id: number; params: unknown; created_at: unknown }>(db, select({
    select: [{ expr: col('run_id'), as: 'run_id' }, { expr: cast(col('params'), 'varchar'), as: 'params' }, { expr: col('created_at'), as: 'created_at' }],
    from: table('runs'), where: eq(col('kind'), lit(CAMPAIGN_RUN_KIND)), orderBy: [col('run_id')],
  }))).map((r) => ({ run_id: Number(r.run_id), params: paramsOf(r.params), created_at: timestampText(r.created_at) }));
  const counts = new Map((await all<{ campaign: string; n: number }>(db, select({
    select: [{ expr: col('campaign'), as: 'campaign' }, { expr: count(), as: 'n' }], from: table('campaign_members'), groupBy: [col('campaign')],
  }))).map((r) => [String(r.campaign), Number(r.n)]));
  const out = new Map<string, CampaignInfo>();
  for (const r of rows) {
    const p = r.params as CampaignParams;
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
  const rows = (await all<{ run_id: number; params: unknown; as_of: unknown }>(db, select({
    select: [{ expr: col('run_id'), as: 'run_id' }, { expr: cast(col('params'), 'varchar'), as: 'params' }, { expr: col('as_of'), as: 'as_of' }],
    from: table('runs'), where: eq(col('kind'), lit('audience')), orderBy: [col('run_id')],
  }))).map((r) => ({ run_id: Number(r.run_id), name: String((paramsOf(r.params) as { name?: unknown } | null)?.name ?? ''), as_of: dayText(r.as_of) as string }));
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
  // the audience's members the campaign does not have yet, in code-unit order (the same on every engine)
  const fresh = select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('audience_members'),
    where: and(eq(col('run_id'), num(snap.runId)), inQuery(col('customer_id'), membersOf(o.name), true)),
  });
  const newIds = (await all<{ customer_id: string }>(db, fresh)).map((r) => String(r.customer_id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const armIdx = assignArms(o.name, seed, newIds, o.arms.map((a) => a.share));
  const before = await armCounts(db, o.name);
  const params: CampaignParams = { name: o.name, source: 'created', arms: o.arms, control: o.arms[0]!.name, seed, audience: o.audience, audienceRun: snap.runId, sendDate };
  return storeRun(db, CAMPAIGN_RUN_KIND, async (runId) => {
    const last = await one<{ n: unknown }>(db, select({
      select: [{ expr: max(col('row_no')), as: 'n' }], from: table('campaign_members'), where: eq(col('campaign'), lit(o.name)),
    }));
    const base = Number(last?.n ?? 0);
    if (newIds.length) {
      // row numbers continue the campaign's; every row tagged with this run
      await db.insertRows('campaign_members', ['run_id', 'campaign', 'row_no', 'customer_id', 'arm'], {
        columns: [new Array<number>(newIds.length).fill(runId), new Array<string>(newIds.length).fill(o.name), newIds.map((_, i) => base + i + 1), newIds, Array.from(armIdx, (a) => o.arms[a]!.name)],
      });
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

/** The customer ids of campaign `name`'s members. */
const membersOf = (name: string): Select => select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('campaign_members'), where: eq(col('campaign'), lit(name)) });

async function armCounts(db: Db, campaign: string): Promise<Map<string, number>> {
  const rows = await all<{ arm: string; n: number }>(db, select({
    select: [{ expr: col('arm'), as: 'arm' }, { expr: count(), as: 'n' }], from: table('campaign_members'), where: eq(col('campaign'), lit(campaign)), groupBy: [col('arm')],
  }));
  return new Map(rows.map((r) => [String(r.arm), Number(r.n)]));
}

/** Write the send list (customer_id, arm, control) of a campaign to a .csv/.parquet/.json/.ndjson file. */
export async function exportSendList(db: Db, campaign: string, file: string): Promise<{ file: string; rows: number }> {
  const c = await findCampaign(db, campaign);
  const q = select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: col('arm'), as: 'arm' }, { expr: eq(col('arm'), lit(c.control)), as: 'control' }],
    from: table('campaign_members'), where: eq(col('campaign'), lit(campaign)), orderBy: [col('row_no')],
  });
  // a comparison is a UInt8 on ClickHouse: named so the file says true/false on every engine
  return exportRows(db, q, file, { kinds: { control: 'boolean' } });
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

const YES = ['1', 'true', 'yes', 'y', 't'];
const NO = ['0', 'false', 'no', 'n', 'f'];

/**
 * Import a campaign run elsewhere: one row per customer with its arm, outcome columns and pre-treatment columns.
 * The file is read and checked in a scratch in-memory DuckDB (as every import is), then its rows are loaded into
 * the workspace's engine and stored as campaign members with their columns as lists.
 */
export async function importCampaign(ws: Workspace, file: string, o: ImportCampaignOptions): Promise<ImportCampaignResult> {
  const db = ws.db;
  if (o.sendDate !== undefined) checkDate('--send-date', o.sendDate);
  if ((await listCampaigns(db)).some((c) => c.name === o.name)) {
    throw new SegmintError('campaign-exists', `a campaign '${o.name}' already exists`, { hint: 'import it under another --name' });
  }
  const mem = await openMemoryDb();
  try {
    const m = mem.db;
    const format = detectFormat(file);
    const staged = await stageFile(m, file, { format }, ['', 'NA', 'N/A', 'NULL', 'null']);
    const names = staged.columns.map((c) => c.name);
    const need = (option: string, c: string) => {
      if (!names.includes(c)) throw new SegmintError('unknown-column', `${option} ${c}: ${file} has no column ${c}${suggestion(c, names)}`, { hint: `columns: ${names.join(', ')}` });
    };
    need('--arm-column', o.armColumn);
    const idColumn = o.idColumn ?? (names.includes('customer_id') ? 'customer_id' : null);
    if (o.idColumn) need('--id-column', o.idColumn);
    const outcomes = o.outcomes ?? names.filter((n) => OUTCOME_NAMES.includes(n.toLowerCase()));
    for (const c of outcomes) need('--outcomes', c);
    const traits = names.filter((n) => n !== o.armColumn && n !== idColumn && !outcomes.includes(n));
    const text = (c: string) => nullif(trim(cast(col(c), 'varchar')), lit(''));
    const lineAt = lineColumnOf(staged);
    const line = lineAt.offset ? add(col(lineAt.column), num(lineAt.offset)) : col(lineAt.column);
    const rowsTable = '__campaign_rows';
    await exec(m, dropTable(rowsTable));
    await exec(m, createTableAs(rowsTable, select({
      select: [{ expr: rowNumber([], [line]), as: 'row_no' }, { expr: line, as: 'line' }, ...names.map((n) => ({ expr: col(n), as: n }))], from: table('__raw'),
    }), { temporary: true }));
    await exec(m, dropTable('__raw'));
    const rows = table(rowsTable);
    // the arms: every row has one, and the control value is among them
    const armText = text(o.armColumn);
    const missing = await one<{ n: number; line: number | null }>(m, select({ select: [{ expr: count(), as: 'n' }, { expr: min(col('line')), as: 'line' }], from: rows, where: isNull(armText) }));
    if (Number(missing?.n ?? 0) > 0) {
      throw new SegmintError('missing-arm', `${file}: ${grouped(Number(missing!.n))} rows have no value in ${o.armColumn} (the first on line ${missing!.line})`, { hint: 'every customer of an experiment needs its arm; remove those rows or fill them in' });
    }
    // grouped over a subquery: a bound value written twice (SELECT and GROUP BY) would be two expressions to DuckDB
    const armsOf = select({ select: [{ expr: armText, as: 'arm' }], from: rows });
    const armRows = (await all<{ arm: string; n: number }>(m, select({ select: [{ expr: col('arm'), as: 'arm' }, { expr: count(), as: 'n' }], from: subquery(armsOf, 'a'), groupBy: [col('arm')], orderBy: [col('arm')] })))
      .map((r) => ({ arm: String(r.arm), n: Number(r.n) }));
    const armNames = armRows.map((r) => r.arm);
    if (!armNames.includes(o.control)) {
      throw new SegmintError('unknown-arm', `--control ${o.control}: no row of ${file} has ${o.armColumn} = '${o.control}'${suggestion(o.control, armNames)}`, { hint: `values of ${o.armColumn}: ${armNames.join(', ')}` });
    }
    if (armNames.length < 2) throw new SegmintError('one-arm', `${file}: every row is in the arm '${o.control}': there is nothing to compare it with`, { hint: `check --arm-column ${o.armColumn}` });
    if (idColumn) {
      const ids = select({ select: [{ expr: text(idColumn), as: 'id' }], from: rows });
      const dup = await one<{ id: string | null; n: number }>(m, select({
        select: [{ expr: col('id'), as: 'id' }, { expr: count(), as: 'n' }], from: subquery(ids, 'i'), groupBy: [col('id')], having: or(gt(count(), num(1)), isNull(col('id'))), orderBy: [col('id')], limit: 1,
      }));
      if (dup) throw new SegmintError('duplicate-customer', dup.id === null ? `${file}: a row has no ${idColumn}` : `${file}: customer ${dup.id} appears ${dup.n} times in ${idColumn}`, { hint: 'an experiment has one row per customer; without an id column the row number serves as one' });
    }
    // outcomes are numbers (true/false and yes/no read as 1/0)
    for (const c of outcomes) {
      const t = text(c);
      const bad = await one<{ v: string; line: number }>(m, select({
        select: [{ expr: t, as: 'v' }, { expr: col('line'), as: 'line' }], from: rows,
        where: and(isNotNull(t), not(inList(lower(t), YES)), not(inList(lower(t), NO)), isNull(tryDouble(t))), orderBy: [col('line')], limit: 1,
      }));
      if (bad) throw new SegmintError('invalid-outcome', `${file}: the outcome column ${c} holds '${bad.v}' on line ${bad.line}, expected a number (or true/false, yes/no)`, { hint: `give the outcome columns with --outcomes; the others are kept as pre-treatment traits` });
    }
    const order = [o.control, ...armNames.filter((a) => a !== o.control)];
    const plannedRaw = order.map((a) => o.planned?.[a] ?? 1 / order.length);
    for (const a of Object.keys(o.planned ?? {})) {
      if (!armNames.includes(a)) throw new SegmintError('unknown-arm', `--planned ${a}: no row has ${o.armColumn} = '${a}'${suggestion(a, armNames)}`, { hint: `values of ${o.armColumn}: ${armNames.join(', ')}` });
    }
    const total = plannedRaw.reduce((a, x) => a + x, 0);
    const arms = order.map((a, i) => ({ name: a, share: plannedRaw[i]! / total }));
    const counts = order.map((a) => armRows.find((r) => r.arm === a)!.n);
    const srm = sampleRatioCheck(order, counts, arms.map((a) => a.share));
    const members = counts.reduce((a, x) => a + x, 0);
    // the columns, outcomes first (campaignColumns): the number (outcomes: true/yes 1, false/no 0) and the text
    const columns = [...outcomes, ...traits];
    const numberOf = (c: string): Expr => {
      const t = text(c);
      if (!outcomes.includes(c)) return tryDouble(t);
      return caseWhen([[inList(lower(t), YES), cast(num(1), 'double')], [inList(lower(t), NO), cast(num(0), 'double')]], tryDouble(t));
    };
    const read = await mem.db.columns(...compiled(m, select({
      select: [
        { expr: col('row_no'), as: 'row_no' }, { expr: idColumn ? text(idColumn) : cast(col('row_no'), 'varchar'), as: 'customer_id' }, { expr: armText, as: 'arm' },
        ...columns.flatMap((c, k) => [{ expr: numberOf(c), as: `n${k}` }, { expr: text(c), as: `t${k}` }]),
      ],
      from: rows, orderBy: [col('row_no')],
    })));
    const params: CampaignParams = { name: o.name, source: 'imported', arms, control: o.control, file, idColumn, armColumn: o.armColumn, outcomes, traits, ...(o.sendDate ? { sendDate: o.sendDate } : {}) };
    return await storeRun(db, CAMPAIGN_RUN_KIND, async (runId) => {
      await storeImportedRows(db, runId, o.name, read, columns.length);
      await recordRun(db, runId, CAMPAIGN_RUN_KIND, null, params, { members, arms: Object.fromEntries(order.map((a, i) => [a, counts[i]])) });
      return {
        campaign: o.name, runId, file, rows: members, idColumn, control: o.control, outcomes, traits, srm,
        arms: order.map((a, i) => ({ arm: a, customers: counts[i]!, planned: arms[i]!.share })),
      };
    });
  } finally {
    mem.close();
  }
}

/** `[sql, params]` of a query compiled for `db`'s engine. */
const compiled = (db: Db, q: Select): [string, BoundValue[]] => {
  const c = compile(q, db.dialect);
  return [c.sql, c.params];
};

/**
 * The rows read from an imported file (row_no, customer_id, arm, n0…, t0…) stored as campaign members of run
 * `runId`: loaded into a temporary table of the workspace's engine, then inserted with each row's numbers
 * and texts as the lists `nums` and `texts`.
 */
async function storeImportedRows(db: Db, runId: number, campaign: string, read: Record<string, unknown[]>, k: number): Promise<void> {
  const tmp = tempName('campaign_rows');
  const cols = ['row_no', 'customer_id', 'arm', ...Array.from({ length: k }, (_, j) => [`n${j}`, `t${j}`]).flat()];
  await db.run(createTableSql({
    name: tmp,
    columns: cols.map((c) => ({ name: c, type: c === 'row_no' ? 'bigint' as const : /^n\d/.test(c) ? 'double' as const : 'text' as const })),
  }, db.dialect, { kind: 'table' }, true));
  try {
    await db.insertRows(tmp, cols, { columns: cols.map((c) => read[c] as (string | number | null)[]) });
    const range = Array.from({ length: k }, (_, j) => j);
    await exec(db, insertSelect('campaign_members', select({
      select: [
        { expr: num(runId), as: 'run_id' }, { expr: lit(campaign), as: 'campaign' }, { expr: col('row_no'), as: 'row_no' }, { expr: col('customer_id'), as: 'customer_id' },
        { expr: col('arm'), as: 'arm' }, { expr: arrayOf('double', range.map((j) => col(`n${j}`))), as: 'nums' }, { expr: arrayOf('varchar', range.map((j) => col(`t${j}`))), as: 'texts' },
      ],
      from: table(tmp),
    }), ['run_id', 'campaign', 'row_no', 'customer_id', 'arm', 'nums', 'texts']));
  } finally {
    await exec(db, dropTable(tmp));
  }
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
  const m = await db.columns(...compiled(db, select({
    select: [
      { expr: col('customer_id'), as: 'customer_id' }, { expr: col('arm'), as: 'arm' },
      ...cols.flatMap((_, k) => [{ expr: index(col('nums'), k + 1), as: `n${k}` }, { expr: index(col('texts'), k + 1), as: `t${k}` }]),
    ],
    from: table('campaign_members'), where: eq(col('campaign'), lit(name)), orderBy: [col('row_no')],
  })));
  const armIndex = new Map(arms.map((a, i) => [a, i]));
  const out: CampaignRows = {
    campaign: name, arms, control: c.control, customerIds: (m.customer_id as string[]).map(String),
    arm: Int32Array.from(m.arm as string[], (a) => armIndex.get(a) ?? -1), outcomes: {}, traits: {},
  };
  cols.forEach((col, k) => {
    // a missing number is NULL, or nan where arrays cannot hold NULL (ClickHouse), where the text is '' (never a value: it is trimmed to NULL)
    const nums = (m[`n${k}`] as (number | null)[]).map((x) => (x === null || Number.isNaN(Number(x)) ? null : Number(x)));
    const text = (m[`t${k}`] as (string | null)[]).map((t) => (t === null || t === '' ? null : String(t)));
    const values = Float64Array.from(nums, (x) => (x === null ? Number.NaN : x));
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

/**
 * The per-member segment label of `--by`: an imported column (an element of `texts`, no join), or a query
 * giving `label` per customer_id (an audience's membership; a customer trait or a stored result's field).
 */
async function segmentOf(ws: Pick<Workspace, 'db'>, c: CampaignInfo, by: string): Promise<{ expr: Expr } | { query: Select }> {
  const k = campaignColumns(c).indexOf(by);
  // '' stands for a missing text where arrays cannot hold NULL (ClickHouse); imported texts are never '' (trimmed to NULL)
  if (k >= 0) return { expr: nullif(index(col('texts'), k + 1), lit('')) };
  if (by.startsWith('audience:')) {
    const name = by.slice('audience:'.length);
    const snap = await latestSnapshot(ws.db, name);
    // membership read from a column of the right side (ClickHouse 18.16 fills an unmatched right key from the left)
    const members = select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: num(1), as: 'hit' }], from: table('audience_members'), where: eq(col('run_id'), num(snap.runId)) });
    return {
      query: select({
        select: [{ expr: col('customer_id', 'c'), as: 'customer_id' }, { expr: caseWhen([[isNull(col('hit', 'a')), lit(`not in ${name}`)]], lit(`in ${name}`)), as: 'label' }],
        from: subquery(membersOf(c.name), 'c'), joins: [{ type: 'left', source: subquery(members, 'a'), on: eq(col('customer_id', 'a'), col('customer_id', 'c')) }],
      }),
    };
  }
  const schema = await loadAudienceSchema(ws.db);
  let t: { select: SelectItem[]; joins: Join[] };
  try {
    t = traitSelect(schema, [by]);
  } catch (e) {
    if (c.source === 'imported' && e instanceof SegmintError && e.code === 'unknown-field') {
      throw new SegmintError('unknown-field', `--by ${by}: campaign '${c.name}' has no column ${by} and ${e.message.replace(/^--traits [^:]*: /, '')}`, {
        hint: `the campaign's columns: ${c.traits.join(', ') || 'none'}; or a customer trait, rfm.segment, cluster.name, audience:NAME`,
      });
    }
    throw e;
  }
  const [r] = resolveTraits(schema, [by]);
  if (r?.kind === 'result') {
    // a stored result's field read from its run (the run id in WHERE: ClickHouse joins on columns only)
    return { query: select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: cast(col(r.column), 'varchar'), as: 'label' }], from: table(r.table), where: eq(col('run_id'), num(r.runId)) }) };
  }
  // a trait of customers AS c
  return { query: select({ select: [{ expr: col('customer_id', 'c'), as: 'customer_id' }, { expr: cast(t.select[0]!.expr, 'varchar'), as: 'label' }], from: table('customers', 'c'), joins: t.joins }) };
}

/**
 * `base` with the column `name` of `right` (a query giving customer_id and `name`) joined on customer_id: a
 * nested SELECT per join, as engines with one JOIN per SELECT need (ClickHouse 18.16).
 */
function joinColumn(base: Select, keep: readonly string[], right: Select, name: string, as: string): Select {
  return select({
    select: [...keep.map((k) => ({ expr: col(k, 'b'), as: k })), { expr: col(name, 'r'), as }],
    from: subquery(base, 'b'), joins: [{ type: 'left', source: subquery(right, 'r'), on: eq(col('customer_id', 'r'), col('customer_id', 'b')) }],
  });
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
  const seg = o.by ? await segmentOf(ws, c, o.by) : undefined;
  // workspace metrics: the members' orders and net revenue from the send date for windowDays days
  let window: CampaignMeasurement['window'];
  const needsWorkspace = metrics.filter((m) => !c.outcomes.includes(m));
  const eventTypes = needsWorkspace.some((m) => EVENT_METRIC.test(m))
    ? (await all<{ type: string }>(db, select({ select: [{ expr: col('type'), as: 'type' }], from: table('events'), groupBy: [col('type')] }))).map((r) => String(r.type)).sort()
    : [];
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
    const firstDay = async () => dayText((await one<{ d: unknown }>(db, select({ select: [{ expr: min(col('ts')), as: 'd' }], from: table('transactions') })))?.d);
    const from = c.sendDate ?? (await firstDay()) ?? '1970-01-01';
    const to = new Date(Date.parse(`${from}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    window = { from, to, days };
    for (const [tableName, what, used] of [['transactions', 'transaction', needsWorkspace.some((m) => !EVENT_METRIC.test(m))], ['events', 'event', needsWorkspace.some((m) => EVENT_METRIC.test(m))]] as const) {
      if (!used) continue;
      const last = dayText((await one<{ d: unknown }>(db, select({ select: [{ expr: max(col('ts')), as: 'd' }], from: table(tableName), where: isNotNull(col('customer_id')) })))?.d);
      if (!last || last < from) notes.push(`the workspace has no ${tableName} from the send date ${from} on: import those after the send to measure them`);
      else if (last < to) notes.push(`the last ${what} is on ${last}, before the end of the ${days}-day window (${to}): outcomes may still be coming in`);
    }
    if (!c.sendDate) notes.push(`campaign '${name}' has no send date: the window starts at the first transaction (${from})`);
  }
  // the members with one value per metric: imported outcomes are elements of nums; workspace metrics come from
  // per-customer aggregates in the window, each joined in a nested SELECT (one JOIN per SELECT on ClickHouse)
  // a day as a timestamp value (ClickHouse 18.16 parses no date-only text as a DateTime)
  const at = (d: string): Expr => lit(new Date(`${d}T00:00:00Z`));
  const inWindow = (): Expr => and(inQuery(col('customer_id'), membersOf(name)), ge(col('ts'), at(window!.from)), lt(col('ts'), at(window!.to)));
  const columns = campaignColumns(c);
  const double = (x: Expr) => cast(x, 'double');
  const zero = double(num(0));
  const one1 = double(num(1));
  let members = select({
    select: [
      { expr: col('row_no'), as: 'row_no' }, { expr: col('customer_id'), as: 'customer_id' }, { expr: col('arm'), as: 'arm' },
      ...(seg && 'expr' in seg ? [{ expr: seg.expr, as: 'label' }] : []),
      ...metrics.flatMap((metric, i) => (c.outcomes.includes(metric) ? [{ expr: index(col('nums'), columns.indexOf(metric) + 1), as: `raw${i}` }] : [])),
    ],
    from: table('campaign_members'), where: eq(col('campaign'), lit(name)),
  });
  let keep = ['row_no', 'customer_id', 'arm', ...(seg && 'expr' in seg ? ['label'] : []), ...metrics.flatMap((metric, i) => (c.outcomes.includes(metric) ? [`raw${i}`] : []))];
  const join = (right: Select, column: string, as: string) => {
    members = joinColumn(members, keep, right, column, as);
    keep = [...keep, as];
  };
  if (seg && 'query' in seg) join(seg.query, 'label', 'label');
  const value: Expr[] = [];
  if (window && needsWorkspace.some((m) => !EVENT_METRIC.test(m))) {
    const purchases = select({
      select: [
        { expr: col('customer_id'), as: 'customer_id' }, { expr: countDistinct(col('order_id'), { filter: not(col('is_return')) }), as: 'orders' },
        { expr: double(sum(col('amount'))), as: 'revenue' },
      ],
      from: table('transactions'), where: inWindow(), groupBy: [col('customer_id')],
    });
    join(purchases, 'orders', 'w_orders');
    join(purchases, 'revenue', 'w_revenue');
  }
  metrics.forEach((metric, i) => {
    if (c.outcomes.includes(metric)) {
      // nan where arrays cannot hold NULL (ClickHouse) is a missing value
      value.push(caseWhen([[eq(col(`raw${i}`), col(`raw${i}`)), col(`raw${i}`)]]));
      return;
    }
    const ev = EVENT_METRIC.exec(metric);
    if (ev) {
      const events = select({
        select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: count(), as: 'n' }], from: table('events'),
        where: and(eq(col('type'), lit(ev[2]!)), inWindow()), groupBy: [col('customer_id')],
      });
      join(events, 'n', `e${i}`);
      const n = coalesce(col(`e${i}`), num(0));
      value.push(ev[1] === 'event' ? caseWhen([[gt(n, num(0)), one1]], zero) : double(n));
      return;
    }
    const orders = coalesce(col('w_orders'), num(0));
    value.push(metric === 'conversion' ? caseWhen([[gt(orders, num(0)), one1]], zero) : metric === 'orders' ? double(orders) : coalesce(col('w_revenue'), zero));
  });
  // the segment label and the values per member, then aggregated per segment and arm (grouped by column: a bound
  // value written in both SELECT and GROUP BY would be two expressions to DuckDB)
  const perMember = select({
    select: [
      { expr: seg ? coalesce(col('label'), lit('(none)')) : lit('all'), as: 'segment' }, { expr: col('arm'), as: 'arm' },
      ...value.map((e, i) => ({ expr: e, as: `v${i}` })),
    ],
    from: subquery(members, 'm'),
  });
  const rows = await all<Record<string, number | string | null>>(db, select({
    select: [
      { expr: col('segment'), as: 'segment' }, { expr: col('arm'), as: 'arm' }, { expr: count(), as: 'members' },
      ...value.flatMap((_, i) => {
        const v = col(`v${i}`);
        return [
          { expr: count(v), as: `n${i}` }, { expr: avg(v), as: `mean${i}` }, { expr: varSamp(v), as: `var${i}` },
          { expr: count(undefined, { filter: not(inList(v, [num(0), num(1)])) }), as: `nb${i}` },
        ];
      }),
    ],
    from: subquery(perMember, 'x'), groupBy: [col('segment'), col('arm')],
  })).then((rs) => rs.map((r): Record<string, number | string | null> => ({ ...r, label: String(r.segment) })));
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
  if (segments.length > 50) notes.push(`${o.by} has ${grouped(segments.length)} values: each segment is small and its interval wide; segment by a column with fewer values (or bands of this one)`);
  // the split within each segment: the arm sizes against the plan, as for the whole campaign
  // each segment's arm sizes from one pass over the rows (a find per segment and arm was quadratic: a continuous
  // --by of 30,000 values kept hillstrom's measure busy for many minutes)
  const armSizes = new Map<string, number>();
  if (o.by) {
    for (const r of rows) {
      const k = `${String(r.arm)}\u0000${String(r.label)}`;
      if (!armSizes.has(k)) armSizes.set(k, Number(r.members ?? 0));
    }
  }
  const segmentSrm = o.by ? segments.map((segment) => {
    const counts = arms.map((a) => armSizes.get(`${a}\u0000${segment}`) ?? 0);
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
