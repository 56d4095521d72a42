import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { minimumDetectableEffect, sampleSize, type PlanInput } from '../../models/campaign/plan.ts';
import type { Comparison } from '../../models/campaign/measure.ts';
import {
  createCampaign, exportSendList, findCampaign, importCampaign, listCampaigns, measureCampaign, parseShare, planArms,
  type CampaignMeasurement, type MetricResult,
} from '../../pipeline/campaign.ts';
import { campaignUplift, type CampaignUpliftResult } from '../../pipeline/campaign-uplift.ts';
import { checkOutFile, TABLE_EXTENSIONS } from '../../pipeline/export.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { progressBar } from '../progress.ts';
import { boundedNumber, examples, optionalNumber, withGlobals, withOut } from '../options.ts';
import { fmtInt, fmtPct, json, table } from '../render.ts';

interface CreateCli extends GlobalOptions {
  audience: string;
  control?: string;
  arms?: string;
  seed?: string;
  sendDate?: string;
  out?: string;
  force?: boolean;
}

interface ImportCli extends GlobalOptions {
  name: string;
  armColumn: string;
  control: string;
  idColumn?: string;
  outcomes?: string;
  planned?: string;
  sendDate?: string;
}

interface MeasureCli extends GlobalOptions {
  by?: string;
  metric?: string;
  window?: string;
  confidence?: string;
}

interface PlanCli extends GlobalOptions {
  baseline?: string;
  sd?: string;
  mde?: string;
  relativeMde?: string;
  size?: string;
  control?: string;
  alpha?: string;
  power?: string;
}

const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean));

/** "a:1/3,b:1/3" → { a: 1/3, b: 1/3 } */
function plannedShares(raw: string | undefined): Record<string, number> | undefined {
  if (raw === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const item of raw.split(',')) {
    const i = item.lastIndexOf(':');
    if (i < 0) throw new SegmintError('invalid-option', `--planned ${raw}: expected arm:share pairs`, { hint: '--planned "Mens E-Mail:1/3,Womens E-Mail:1/3,No E-Mail:1/3"' });
    out[item.slice(0, i).trim()] = parseShare('--planned', item.slice(i + 1));
  }
  return out;
}

const pval = (p: number | null) => (p === null ? '—' : p < 0.0001 ? p.toExponential(1) : p.toFixed(4));

/** A comparison's lift in the metric's units: percentage points for a rate, the outcome's units for a mean. */
function liftCells(kind: MetricResult['kind'], c: Comparison): string[] {
  const f = (x: number | null) => (x === null ? '—' : kind === 'proportion' ? `${(100 * x).toFixed(2)}pp` : x.toFixed(4));
  const rel = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`);
  return [f(c.lift), `[${f(c.liftLow)}, ${f(c.liftHigh)}]`, `${rel(c.relativeLift)} [${rel(c.relativeLow)}, ${rel(c.relativeHigh)}]`];
}

/** Extra responders (or outcome) with its interval: "1,632 [1,491, 1,773]". */
function incremental(c: Comparison): string {
  const f = (x: number | null) => (x === null ? '—' : fmtInt(x));
  return c.incremental === null ? '—' : `${f(c.incremental)} [${f(c.incrementalLow)}, ${f(c.incrementalHigh)}]`;
}

/** The human output of a measurement. */
export function renderMeasurement(m: CampaignMeasurement): string {
  const out: string[] = [];
  out.push(`campaign '${m.campaign}' (${m.source}), control '${m.control}'${m.window ? `; outcomes from ${m.window.from} for ${m.window.days} days` : ''}`);
  out.push(`split check: ${m.srm.flagged ? 'WARNING — ' : ''}${m.srm.message}`);
  for (const r of m.metrics) {
    const mean = (x: number | null) => (x === null ? '—' : r.kind === 'proportion' ? fmtPct(x, 2) : x.toFixed(4));
    const conf = `${Math.round(100 * r.confidence)}%`;
    out.push('', `${r.metric} (${r.kind === 'proportion' ? 'rate' : 'mean'}; ${conf} intervals)`);
    out.push(table(['arm', 'customers', r.kind === 'proportion' ? 'rate' : 'mean', 'lift', `${conf} interval`, 'relative lift', 'p', r.kind === 'proportion' ? 'extra responders' : 'incremental total'],
      r.cells.filter((c) => c.segment === null).map((c) => {
        const k = r.overall.find((x) => x.arm === c.arm);
        return [c.arm, c.customers, mean(c.mean), ...(k ? liftCells(r.kind, k) : ['(control)', '', '']), k ? pval(k.pValue) : '', k ? incremental(k) : ''];
      })));
    if (r.bySegment.length) {
      out.push('', `${r.metric} by ${m.by} (p corrected across the ${r.bySegment.length} segment comparisons: Holm, Benjamini–Hochberg)`);
      out.push(table(['segment', 'arm', 'customers', r.kind === 'proportion' ? 'rate' : 'mean', 'control', 'lift', `${conf} interval`, 'relative lift', 'p', 'p Holm', 'p BH'],
        r.bySegment.map((k) => [k.segment ?? '', k.arm, k.customers, mean(k.mean), mean(k.controlMean), ...liftCells(r.kind, k), pval(k.pValue), pval(k.pHolm), pval(k.pBH)])));
    }
  }
  for (const n of m.notes.filter((x) => x !== m.srm.message)) out.push('', `note: ${n}`);
  return out.join('\n');
}

export function registerCampaign(program: Command, ctx: Context): void {
  const campaign = program.command('campaign').description('campaigns: control groups with deterministic arms, imported experiments, lift per segment with intervals, sample sizes');
  examples(campaign, [
    'segmint campaign create spring-offer --audience lapsed-90 --control 10% --out send.csv',
    'segmint campaign import hillstrom.csv --name hillstrom --arm-column segment --control "No E-Mail"',
    'segmint campaign measure hillstrom --by history_segment --metric visit',
    'segmint campaign plan --baseline 5% --mde 1%',
  ]);

  const create = withOut(withGlobals(campaign.command('create <name>')), 'write the send list (customer_id, arm, control): .csv, .parquet, .json or .ndjson')
    .description('give every member of an audience\'s latest snapshot an arm (a hash of the campaign, the seed and the customer id); again on a later snapshot, new members get arms and nobody moves')
    .requiredOption('--audience <name>', 'the audience: its latest stored snapshot (segmint audience eval … --name NAME)')
    .option('--control <share>', 'the control group\'s share: 10%, 0.1 or 1/10 (default 10%)')
    .option('--arms <list>', 'treatment arms: name:share,… (names alone split the rest equally; default one arm "treatment")')
    .option('--seed <n>', 'the assignment seed (default 0)')
    .option('--send-date <date>', 'YYYY-MM-DD: outcomes from the workspace count from this day (default: the snapshot\'s as-of date)')
    .action(async (name: string, opts: CreateCli) => {
      const arms = planArms(opts.control, opts.arms);
      const seed = optionalNumber('--seed', opts.seed, { min: 0, max: 2 ** 31 - 1, integer: true }) ?? 0;
      if (opts.out) checkOutFile(opts.out, { force: opts.force, workspaceDir: ctx.workspaceDir(opts), extensions: TABLE_EXTENSIONS });
      const ws = await ctx.openWorkspace(opts);
      try {
        const r = await createCampaign(ws, { name, audience: opts.audience, arms, seed, ...(opts.sendDate ? { sendDate: opts.sendDate } : {}) });
        const out = opts.out ? await exportSendList(ws.db, name, opts.out) : undefined;
        if (opts.json) json(ctx.io, { ...r, ...(out ? { out } : {}) });
        else {
          ctx.io.out(`campaign '${name}' on audience '${r.audience}' (snapshot run ${r.audienceRun}), send date ${r.sendDate}: ${fmtInt(r.added)} customers given an arm${r.kept ? `, ${fmtInt(r.kept)} kept theirs` : ''} (run ${r.runId})`);
          ctx.io.out(table(['arm', 'planned', 'customers', 'added'], r.arms.map((a) => [a.arm, fmtPct(a.share), a.customers, a.added])));
          if (out) ctx.io.out(`wrote the send list of ${fmtInt(out.rows)} customers to ${out.file}`);
        }
      } finally {
        ws.close();
      }
    });
  examples(create, [
    'segmint audience eval --where "has no orders in last 90 days" --name lapsed-90',
    'segmint campaign create winback --audience lapsed-90 --control 10% --out send.csv',
    'segmint campaign create ab --audience vip --arms a:45%,b:45% --control 10% --seed 7',
    'segmint campaign create winback --audience lapsed-90 --control 10%   # later: new members get arms, nobody moves',
  ]);

  const imp = withGlobals(campaign.command('import <file>'))
    .description('import an experiment run elsewhere: one row per customer with its arm, outcome columns and pre-treatment columns (kept as traits to segment by)')
    .requiredOption('--name <name>', 'the campaign\'s name')
    .requiredOption('--arm-column <column>', 'the column holding each row\'s arm')
    .requiredOption('--control <value>', 'the arm value of the control group')
    .option('--id-column <column>', 'the customer id column (default customer_id when present, else the row number)')
    .option('--outcomes <list>', 'outcome columns (default: columns named visit, conversion, spend, revenue, orders, …)')
    .option('--planned <list>', 'the planned share of each arm, arm:share,… (default equal shares), for the split check')
    .option('--send-date <date>', 'YYYY-MM-DD the campaign went out: outcomes from the workspace (orders, revenue, events) count from this day')
    .action(async (file: string, opts: ImportCli) => {
      const ws = await ctx.openWorkspace(opts);
      const bar = progressBar(ctx.io, opts);
      try {
        bar.update(`importing ${file}`);
        const r = await importCampaign(ws, file, {
          name: opts.name, armColumn: opts.armColumn, control: opts.control,
          ...(opts.idColumn ? { idColumn: opts.idColumn } : {}), ...(opts.outcomes ? { outcomes: list(opts.outcomes) } : {}),
          ...(opts.planned ? { planned: plannedShares(opts.planned) } : {}), ...(opts.sendDate ? { sendDate: opts.sendDate } : {}),
        });
        bar.done();
        if (opts.json) json(ctx.io, r);
        else {
          ctx.io.out(`campaign '${r.campaign}': ${fmtInt(r.rows)} customers from ${file} (run ${r.runId}); customer id: ${r.idColumn ?? 'the row number'}`);
          ctx.io.out(table(['arm', 'customers', 'share', 'planned'], r.arms.map((a) => [a.arm + (a.arm === r.control ? ' (control)' : ''), a.customers, fmtPct(a.customers / r.rows), fmtPct(a.planned)])));
          ctx.io.out(`outcomes: ${r.outcomes.join(', ') || 'none'}; pre-treatment columns: ${r.traits.join(', ') || 'none'}`);
          ctx.io.out(`split check: ${r.srm.flagged ? 'WARNING — ' : ''}${r.srm.message}`);
        }
      } finally {
        bar.done();
        ws.close();
      }
    });
  examples(imp, [
    'segmint campaign import hillstrom.csv --name hillstrom --arm-column segment --control "No E-Mail"',
    'segmint campaign import test.csv --name t1 --arm-column group --control holdout --id-column email --outcomes converted,revenue',
    'segmint campaign import t.csv --name t2 --arm-column arm --control c --planned c:20%,a:40%,b:40%',
  ]);

  const measure = withGlobals(campaign.command('measure <name>'))
    .description('lift of each arm against control, overall and per segment: rates or means, absolute and relative lift with intervals, p-values corrected across segments (Holm, Benjamini–Hochberg), incremental responders or revenue, and the split check')
    .option('--by <segmentation>', 'an imported column, a customer trait, rfm.segment, lrfmp.segment, cluster.name, clv.clv_tier, or audience:NAME')
    .option('--metric <list>', 'outcomes: imported outcome columns, or from the workspace conversion, orders, revenue, event:TYPE (1 when the customer had one), events:TYPE (how many) (default: the imported outcomes, else conversion,revenue)')
    .option('--window <days>', 'workspace outcomes: days after the send date that count (default 30)')
    .option('--confidence <level>', 'interval level (default 95%)')
    .action(async (name: string, opts: MeasureCli) => {
      const windowDays = optionalNumber('--window', opts.window, { min: 1, max: 3650, integer: true, example: '30' });
      const confidence = opts.confidence === undefined ? 0.95 : boundedNumber('--confidence', opts.confidence, { min: 0.5, max: 1, maxExclusive: true, percent: true, example: '95%' });
      const ws = await ctx.openWorkspace(opts, { readOnly: true });
      try {
        const m = await measureCampaign(ws, name, { ...(opts.by ? { by: opts.by } : {}), ...(opts.metric ? { metrics: list(opts.metric) } : {}), ...(windowDays ? { windowDays } : {}), alpha: 1 - confidence });
        if (opts.json) json(ctx.io, m);
        else ctx.io.out(renderMeasurement(m));
      } finally {
        ws.close();
      }
    });
  examples(measure, [
    'segmint campaign measure hillstrom',
    'segmint campaign measure hillstrom --by zip_code --metric visit,spend',
    'segmint campaign measure winback --by rfm.segment --metric conversion,revenue --window 14',
    'segmint campaign measure winback --by audience:vip --json',
  ]);

  const plan = withGlobals(campaign.command('plan'))
    .description('customers per arm to detect a lift, or the smallest lift a size detects (two-sided test of one arm against control)')
    .option('--baseline <rate|mean>', 'the control\'s rate (5% or 0.05) or, with --sd, its mean')
    .option('--sd <x>', 'the outcome\'s standard deviation (a mean such as revenue)')
    .option('--mde <lift>', 'the absolute lift to detect: 1% = one percentage point, or in the outcome\'s units with --sd')
    .option('--relative-mde <share>', 'the lift to detect relative to the baseline (10%)')
    .option('--size <n>', 'customers in the control group: print the minimum detectable lift instead')
    .option('--control <share>', 'the control\'s share of the campaign (default 50%: equal arms)')
    .option('--alpha <a>', 'significance level (default 0.05)')
    .option('--power <p>', 'power (default 80%)')
    .action(async (opts: PlanCli) => {
      if (opts.baseline === undefined) throw new SegmintError('invalid-usage', 'segmint campaign plan needs --baseline', { hint: 'e.g. segmint campaign plan --baseline 5% --mde 1%' });
      const isMean = opts.sd !== undefined;
      const baseline = boundedNumber('--baseline', opts.baseline, isMean ? { min: -1e12, max: 1e12 } : { min: 0, max: 1, minExclusive: true, maxExclusive: true, percent: true, example: '5%' });
      const sd = isMean ? boundedNumber('--sd', opts.sd!, { min: 0, max: 1e12, minExclusive: true, example: '12.5' }) : undefined;
      const c = opts.control === undefined ? 0.5 : parseShare('--control', opts.control);
      const input: PlanInput = {
        kind: isMean ? 'mean' : 'proportion', baseline, ...(sd === undefined ? {} : { sd }), ratio: (1 - c) / c,
        alpha: opts.alpha === undefined ? 0.05 : boundedNumber('--alpha', opts.alpha, { min: 0, max: 0.5, minExclusive: true, maxExclusive: true, percent: true, example: '0.05' }),
        power: opts.power === undefined ? 0.8 : boundedNumber('--power', opts.power, { min: 0.5, max: 1, maxExclusive: true, percent: true, example: '80%' }),
      };
      const fmtLift = (x: number) => (isMean ? x.toFixed(4) : `${(100 * x).toFixed(3)} percentage points`);
      if (opts.size !== undefined) {
        const n = boundedNumber('--size', opts.size, { min: 2, max: 1e12, integer: true, example: '10000' });
        const mde = minimumDetectableEffect(input, n);
        if (!Number.isFinite(mde)) throw new SegmintError('too-small', `${fmtInt(n)} control customers cannot detect any lift at this power`, { hint: 'give a larger --size' });
        const treatment = Math.ceil(n * input.ratio! - 1e-9);
        const out = { kind: input.kind, baseline, sd: sd ?? null, alpha: input.alpha, power: input.power, control: n, treatment, mde, relativeMde: baseline ? mde / baseline : null };
        if (opts.json) json(ctx.io, out);
        else ctx.io.out(`with ${fmtInt(n)} control and ${fmtInt(treatment)} treated customers, the smallest lift detected with ${fmtPct(input.power!, 0)} power at α = ${input.alpha} is ${fmtLift(mde)}${baseline ? ` (${fmtPct(mde / baseline)} of the baseline)` : ''}`);
        return;
      }
      const given = [opts.mde, opts.relativeMde].filter((x) => x !== undefined).length;
      if (given !== 1) throw new SegmintError('invalid-usage', given ? 'give only one of --mde and --relative-mde' : 'give --mde, --relative-mde or --size', { hint: 'e.g. segmint campaign plan --baseline 5% --mde 1%' });
      const lift = opts.mde !== undefined
        ? boundedNumber('--mde', opts.mde, isMean ? { min: 0, max: 1e12, minExclusive: true } : { min: 0, max: 1 - baseline, minExclusive: true, maxExclusive: true, percent: true, example: '1%' })
        : boundedNumber('--relative-mde', opts.relativeMde!, { min: 0, max: 100, minExclusive: true, percent: true, example: '10%' }) * Math.abs(baseline);
      if (!isMean && baseline + lift >= 1) throw new SegmintError('invalid-option', `a lift of ${fmtLift(lift)} on a baseline of ${fmtPct(baseline)} passes 100%`, { hint: 'give a smaller lift' });
      const s = sampleSize(input, lift);
      const out = { kind: input.kind, baseline, sd: sd ?? null, alpha: input.alpha, power: input.power, lift, control: s.control, treatment: s.treatment, total: s.control + s.treatment };
      if (opts.json) json(ctx.io, out);
      else ctx.io.out(`to detect ${fmtLift(lift)} on a baseline of ${isMean ? baseline : fmtPct(baseline, 2)} with ${fmtPct(input.power!, 0)} power at α = ${input.alpha}: ${fmtInt(s.control)} control and ${fmtInt(s.treatment)} treated customers (${fmtInt(s.control + s.treatment)} in all)`);
    });
  examples(plan, [
    'segmint campaign plan --baseline 5% --mde 1%                 # customers per arm',
    'segmint campaign plan --baseline 5% --relative-mde 10% --control 10%',
    'segmint campaign plan --baseline 5% --size 20000             # smallest detectable lift',
    'segmint campaign plan --baseline 1.08 --sd 15.9 --mde 0.5    # a mean (spend)',
  ]);

  const ls = withGlobals(campaign.command('list'))
    .description('the stored campaigns: name, source, arms and members')
    .action(async (opts: GlobalOptions) => {
      const ws = await ctx.openWorkspace(opts, { readOnly: true });
      try {
        const all = await listCampaigns(ws.db);
        if (opts.json) json(ctx.io, all);
        else if (!all.length) ctx.io.out('no campaigns yet: segmint campaign create NAME --audience A, or segmint campaign import FILE --name N');
        else ctx.io.out(table(['campaign', 'source', 'members', 'arms', 'created'], all.map((c) => [c.name, c.source === 'created' ? `audience ${c.audience}` : `file ${c.file}`, c.members, c.arms.map((a) => a.name).join(', '), c.createdAt])));
      } finally {
        ws.close();
      }
    });
  examples(ls, ['segmint campaign list', 'segmint campaign list --json']);

  const show = withGlobals(campaign.command('show <name>'))
    .description('one campaign: its plan, arms and sizes, columns and runs')
    .action(async (name: string, opts: GlobalOptions) => {
      const ws = await ctx.openWorkspace(opts, { readOnly: true });
      try {
        const c = await findCampaign(ws.db, name);
        if (opts.json) json(ctx.io, c);
        else {
          ctx.io.out(`campaign '${c.name}' (${c.source === 'created' ? `on audience ${c.audience}, seed ${c.seed}, send date ${c.sendDate}` : `from ${c.file}`}), ${fmtInt(c.members)} members, runs ${c.runs.join(', ')}`);
          ctx.io.out(table(['arm', 'planned'], c.arms.map((a) => [a.name + (a.name === c.control ? ' (control)' : ''), fmtPct(a.share)])));
          if (c.source === 'imported') ctx.io.out(`outcomes: ${c.outcomes.join(', ') || 'none'}; pre-treatment columns: ${c.traits.join(', ') || 'none'}`);
        }
      } finally {
        ws.close();
      }
    });
  examples(show, ['segmint campaign show hillstrom', 'segmint campaign show winback --json']);

  registerUplift(campaign, ctx);
}

interface UpliftCli extends GlobalOptions {
  treatment?: string;
  outcome?: string;
  method?: string;
  features?: string;
  testShare?: string;
  seed?: string;
  top?: string;
  c?: string;
  window?: string;
  out?: string;
  force?: boolean;
  audience?: string;
}

/** The human output of `segmint campaign uplift`. */
export function renderUplift(r: CampaignUpliftResult): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)}pp`;
  const k = `${Math.round(100 * r.k)}%`;
  const out = [
    `uplift of '${r.treatment}' against '${r.control}' on ${r.outcome} (${r.method}, logistic regression on ${r.features.join(', ')})`,
    `fitted on ${fmtInt(r.train.rows)} customers, evaluated on ${fmtInt(r.test.rows)} held out (${fmtPct(r.testShare)}, seed ${r.seed})`,
    table(['figure', 'model', 'random targeting', `random, 95th percentile of ${r.random.permutations}`], [
      ['Qini coefficient', r.qiniCoefficient.toFixed(4), '0', r.random.qini95.toFixed(4)],
      ['AUUC (normalised)', r.upliftAuc.toFixed(4), '0', ''],
      [`uplift at top ${k}`, pct(r.upliftAtK), pct(r.random.upliftAtK), pct(r.random.upliftAtK95)],
    ]),
    `${r.aboveRandom.qini && r.aboveRandom.upliftAtK ? 'above' : 'not above'} random targeting${r.qiniCoefficient > r.random.qini95 ? ', and beyond what chance gives 95% of random rankings' : '; within what chance gives random rankings on this split'}`,
    `send list: the ${fmtInt(r.targets.count)} customers (${fmtPct(r.targets.share)}) with the highest predicted uplift, ${pct(r.targets.meanUplift)} on average${r.targets.out ? `; written to ${r.targets.out.file}` : ''}${r.targets.audience ? `; stored as audience '${r.targets.audience.name}' (run ${r.targets.audience.runId}): segmint campaign create NEXT --audience ${r.targets.audience.name} --send-date YYYY-MM-DD` : ''}${r.targets.out || r.targets.audience ? '' : ' (--out FILE writes it, --audience NAME stores it)'}`,
  ];
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

function registerUplift(campaign: Command, ctx: Context): void {
  const uplift = withOut(withGlobals(campaign.command('uplift <name>')), 'write the send list (customer_id, rank, uplift, arm): .csv, .parquet, .json or .ndjson')
    .description('who to target next time: a per-customer uplift score from the pre-treatment columns of an imported campaign, or from the traits, stored results and behaviour before the send date of a campaign created here (two-model or class-transformation logistic regression), its Qini coefficient, AUUC and uplift at the top k on held-out customers against random targeting, and the top k as a send list')
    .option('--treatment <arm>', 'the treatment arm (default: the only one besides control)')
    .option('--outcome <column>', 'a 0/1 outcome column (default: the first one); a campaign created here: conversion (default) or event:TYPE')
    .option('--method <m>', 'two-model or class-transformation (default two-model)')
    .option('--features <list>', 'pre-treatment columns (default: all but text columns of more than 50 values)')
    .option('--test-share <share>', 'share of customers held out for evaluation (default 50%)')
    .option('--seed <n>', 'the split seed (default 0)')
    .option('--top <k>', 'the customers to target: a share (30%) or a number (default 30%)')
    .option('--c <C>', 'inverse L2 regularisation strength of the logistic regressions, as scikit-learn\'s C (default 1)')
    .option('--audience <name>', 'store the send list as a snapshot of this audience (segmint campaign create NEXT --audience NAME)')
    .option('--window <days>', 'a campaign created in the workspace: days after the send date in which the outcome counts (default 30)')
    .action(async (name: string, opts: UpliftCli) => {
      const method = opts.method ?? 'two-model';
      if (method !== 'two-model' && method !== 'class-transformation') throw new SegmintError('invalid-option', `--method ${method}: expected two-model or class-transformation`, { hint: '--method class-transformation' });
      const top = opts.top === undefined ? undefined : /%$|^0?\.\d+$|\//.test(opts.top.trim()) ? parseShare('--top', opts.top) : boundedNumber('--top', opts.top, { min: 1, max: 1e9, integer: true, example: '30% or 5000' });
      const options = {
        method, ...(opts.treatment ? { treatment: opts.treatment } : {}), ...(opts.outcome ? { outcome: opts.outcome } : {}), ...(opts.features ? { features: list(opts.features) } : {}),
        ...(opts.testShare ? { testShare: parseShare('--test-share', opts.testShare) } : {}), ...(top === undefined ? {} : { top }),
        seed: optionalNumber('--seed', opts.seed, { min: 0, max: 2 ** 31 - 1, integer: true }) ?? 0,
        ...(opts.c ? { C: boundedNumber('--c', opts.c, { min: 0, max: 1e12, minExclusive: true, example: '1' }) } : {}),
        ...(opts.window ? { windowDays: boundedNumber('--window', opts.window, { min: 1, max: 3650, integer: true, example: '30' }) } : {}),
      } as const;
      if (opts.out) checkOutFile(opts.out, { force: opts.force, workspaceDir: ctx.workspaceDir(opts), extensions: TABLE_EXTENSIONS });
      const ws = await ctx.openWorkspace(opts, { readOnly: !opts.audience });
      const bar = progressBar(ctx.io, opts);
      try {
        bar.update(`fitting ${method} uplift on '${name}'`);
        const r = await campaignUplift(ws, name, options, { ...(opts.out ? { file: opts.out } : {}), ...(opts.audience ? { audience: opts.audience } : {}) });
        bar.done();
        if (opts.json) json(ctx.io, r);
        else ctx.io.out(renderUplift(r));
      } finally {
        bar.done();
        ws.close();
      }
    });
  examples(uplift, [
    'segmint campaign import hillstrom.csv --name hillstrom --arm-column segment --control "No E-Mail"',
    'segmint campaign uplift hillstrom --treatment "Mens E-Mail" --outcome visit --features recency,history,mens,womens,zip_code,newbie,channel',
    'segmint campaign uplift hillstrom --treatment "Mens E-Mail" --outcome visit --method class-transformation --top 30% --out next-send.csv',
    'segmint campaign uplift hillstrom --treatment "Womens E-Mail" --outcome conversion --test-share 30% --seed 7 --json',
    'segmint campaign uplift winback-test --treatment offer --outcome converted --top 20% --audience winback-next',
    'segmint campaign uplift spring-offer --outcome conversion --window 14 --features region,orders_before,days_since_last_order,rfm.monetary',
  ]);
}
