import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import {
  audienceRuns, audienceSql, checkTraits, definitionError, diffAudience, evaluateAudience, evaluatePack, explainAudience, exportMembers, prepareAudience,
  type ExplainNode, type PackResult, type PreparedAudience,
} from '../../pipeline/audience.ts';
import { checkOutFile, TABLE_EXTENSIONS, writeFileAtomic } from '../../pipeline/export.ts';
import { exportAudienceDiff } from '../../pipeline/migration.ts';
import { migrationOptions, runMigration, type MigrationCliOptions } from './migration.ts';
import type { Workspace } from '../../store/workspace.ts';
import type { AudiencePack } from '../../segments/ast.ts';
import { formatAudienceFile, parseAudienceFile } from '../../segments/file.ts';
import { formatAudience } from '../../segments/format.ts';
import { parseAudience } from '../../segments/parse.ts';
import { AUDIENCE_PRESETS } from '../../segments/presets/index.ts';
import { DIALECTS, type DialectName } from '../../sql/dialects/base.ts';
import { suggestion } from '../../segments/schema.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { progressBar } from '../progress.ts';
import { boundedNumber, examples, MAX_RUN_ID, withGlobals, withOut, type SetExit } from '../options.ts';
import { fmtInt, fmtPct, json, table } from '../render.ts';

interface DefOptions extends GlobalOptions {
  where?: string;
  name?: string;
  preset?: string;
  asOf?: string;
}

/** The pack a command works on: --where TEXT, --preset NAME, or a YAML/JSON file. */
function loadPack(file: string | undefined, opts: DefOptions): AudiencePack {
  const given = [file !== undefined, opts.where !== undefined, opts.preset !== undefined].filter(Boolean).length;
  if (given !== 1) throw new SegmintError('invalid-usage', given === 0 ? 'no audience given' : 'give only one of FILE, --where and --preset', { hint: "e.g. segmint audience eval --where \"has no orders in last 90 days\", or segmint audience eval lapsed.yaml" });
  if (opts.where !== undefined) {
    const name = opts.name ?? 'where';
    return { name, audiences: [{ name, where: opts.where }] };
  }
  if (opts.preset !== undefined) {
    const p = AUDIENCE_PRESETS[opts.preset];
    if (!p) {
      throw new SegmintError('invalid-option', `--preset ${opts.preset}: no such pack${suggestion(opts.preset, Object.keys(AUDIENCE_PRESETS))}`, { hint: `packs: ${Object.keys(AUDIENCE_PRESETS).join(', ')}` });
    }
    return p;
  }
  let text: string;
  try {
    text = readFileSync(file!, 'utf8');
  } catch (e) {
    throw new SegmintError('file-not-found', `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, { hint: 'check the path' });
  }
  return parseAudienceFile(text, file);
}

/** One audience of the pack: --name, else the only one. */
function pick(pack: AudiencePack, name: string | undefined): { name: string; where: string; others: Record<string, string> } {
  const others = Object.fromEntries(pack.audiences.map((a) => [a.name, a.where]));
  const a = name === undefined ? (pack.audiences.length === 1 ? pack.audiences[0] : undefined) : pack.audiences.find((x) => x.name === name);
  if (!a) {
    const names = pack.audiences.map((x) => x.name);
    throw new SegmintError('invalid-option', name === undefined ? `the pack has ${names.length} audiences: say which with --name` : `no audience ${name} in the pack${suggestion(name, names)}`, { hint: `audiences: ${names.join(', ')}` });
  }
  return { name: a.name, where: a.where, others };
}

/** Opens the workspace, prepares the audience the options name, runs `fn`, and closes the workspace. */
async function withPrepared(ctx: Context, file: string | undefined, opts: DefOptions, fn: (ws: Workspace, p: PreparedAudience) => Promise<void>): Promise<void> {
  const pack = loadPack(file, opts);
  const a = pick(pack, opts.name);
  const ws = await ctx.openWorkspace(opts, { readOnly: true });
  try {
    await fn(ws, await prepareAudience(ws, a.name, a.where, { asOf: opts.asOf, audiences: a.others, aliases: pack.aliases, runs: pack.runs }));
  } finally {
    ws.close();
  }
}

/** A run id option: a whole number. */
function runId(option: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new SegmintError('invalid-option', `--${option} ${value}: expected a run id (a whole number)`, { hint: 'list runs with segmint audience runs' });
  return boundedNumber(`--${option}`, value, { min: 1, max: MAX_RUN_ID, integer: true, example: '3' });
}

const defOptions = (cmd: Command) => cmd
  .option('--where <text>', 'the rule in the text form, instead of a file')
  .option('--preset <pack>', `an industry pack: ${Object.keys(AUDIENCE_PRESETS).join(', ')}`)
  .option('--name <name>', 'the audience of a pack to use (or the name of a --where audience)')
  .option('--as-of <date>', 'analysis date YYYY-MM-DD (default: the day after the last transaction)');

/** A pack's evaluation as a table: audience, members, share, snapshot run. */
export function renderPack(r: PackResult): string {
  return `${r.pack} audiences as of ${r.results[0]?.asOf ?? '-'}\n\n${table(['audience', 'customers', 'share', 'run'],
    r.results.map((x) => [x.name, x.customers, fmtPct(x.share), x.runId === undefined ? '-' : String(x.runId)]))}`;
}

function renderExplain(n: ExplainNode, indent = ''): string[] {
  const mark = n.holds ? '✓' : '✗';
  const obs = n.observed !== undefined ? `  (observed: ${n.observed === null ? 'none' : String(n.observed)}${n.threshold !== undefined ? `; population: ${String(n.threshold)}` : ''})` : '';
  return [`${indent}${mark} ${n.condition}${obs}`, ...(n.items ?? []).flatMap((k) => renderExplain(k, `${indent}  `))];
}

export function registerAudience(program: Command, ctx: Context, setExit: SetExit): void {
  const audience = program.command('audience').description('rule-based audiences: evaluate, print the SQL, explain a customer, format, diff snapshots, migration matrix');
  examples(audience, ["segmint audience eval --where \"all(country = 'UK', has no orders in last 90 days)\"", 'segmint audience eval --preset ecommerce', 'segmint audience diff --name lapsed-90']);

  const evalCmd = withOut(defOptions(withGlobals(audience.command('eval [file]'))), 'write the members: .csv, .parquet, .json or .ndjson')
    .description('count an audience (or every audience of a pack) and store the membership as a snapshot run')
    .option('--traits <list>', 'comma-separated columns to write with --out: customer traits, and results of the latest run of a kind (rfm.segment, lrfmp.score, clv.clv, clv.churn_tier, cluster.name)')
    .option('--no-store', 'do not store a snapshot run')
    .action(async (file: string | undefined, opts: DefOptions & { out?: string; force?: boolean; traits?: string; store: boolean }) => {
      const pack = loadPack(file, opts);
      // checked before the snapshot is stored, so that a refused --out leaves no run behind
      if (opts.out) checkOutFile(opts.out, { force: opts.force, workspaceDir: ctx.workspaceDir(opts), extensions: TABLE_EXTENSIONS });
      const ws = await ctx.openWorkspace(opts);
      try {
        if (pack.audiences.length > 1 && opts.name === undefined) {
          if (opts.out) throw new SegmintError('invalid-usage', '--out writes one audience: say which with --name', { hint: `audiences: ${pack.audiences.map((a) => a.name).join(', ')}` });
          const bar = progressBar(ctx.io, opts);
          let r: Awaited<ReturnType<typeof evaluatePack>>;
          try {
            r = await evaluatePack(ws, pack, { asOf: opts.asOf, store: opts.store, skipMissing: true, onProgress: (phase, f) => bar.update(`${pack.name}: ${phase}`, f) });
          } finally {
            bar.done();
          }
          if (opts.json) json(ctx.io, r);
          else {
            ctx.io.out(renderPack(r));
            for (const n of r.notApplicable) ctx.io.err(`note: ${n.name} does not apply here (${n.code}: ${n.message})`);
            for (const w of r.results.flatMap((x) => x.warnings)) ctx.io.err(`warning: ${w}`);
          }
          return;
        }
        const a = pick(pack, opts.name);
        const p = await prepareAudience(ws, a.name, a.where, { asOf: opts.asOf, audiences: a.others, aliases: pack.aliases, runs: pack.runs });
        const traits = opts.traits ? opts.traits.split(',').map((t) => t.trim()).filter(Boolean) : [];
        checkTraits(p, traits);
        // the file is written inside the snapshot's transaction: a failed export stores no run
        let out: Awaited<ReturnType<typeof exportMembers>> | undefined;
        const bar = progressBar(ctx.io, opts);
        let r: Awaited<ReturnType<typeof evaluateAudience>>;
        try {
          bar.update(`evaluating ${a.name}`);
          r = await evaluateAudience(ws, p, {
            store: opts.store,
            ...(opts.out ? { beforeCommit: async (id: number) => { bar.update('writing the file'); out = await exportMembers(ws, p, opts.out!, traits, id); } } : {}),
          });
          if (opts.out && r.runId === undefined) {
            bar.update('writing the file');
            out = await exportMembers(ws, p, opts.out, traits);
          }
        } finally {
          bar.done();
        }
        if (opts.json) json(ctx.io, { ...r, ...(out ? { out } : {}) });
        else {
          ctx.io.out(`${r.name}: ${fmtInt(r.customers)} customers (${fmtPct(r.share)}) as of ${r.asOf}${r.runId === undefined ? '' : `, snapshot run ${r.runId}`}`);
          if (out) ctx.io.out(`wrote ${fmtInt(out.rows)} members to ${out.file}`);
          for (const w of r.warnings) ctx.io.err(`warning: ${w}`);
        }
      } finally {
        ws.close();
      }
    });
  examples(evalCmd, [
    "segmint audience eval --where \"all(country in ('UK', 'FR'), orders in last 90 days >= 2)\"",
    'segmint audience eval lapsed.yaml --out lapsed.csv --traits email,country',
    'segmint audience eval lapsed.yaml --out lapsed.csv --traits email,rfm.segment,clv.clv,cluster.name',
    'segmint audience eval lapsed.yaml --out lapsed.csv --force              # replace an earlier lapsed.csv',
    'segmint audience eval --preset ecommerce',
    'segmint audience eval pack.yaml --name vip --json',
  ]);

  const sqlCmd = defOptions(withGlobals(audience.command('sql [file]')))
    .description('print the SQL of an audience for an engine, with its bound parameters')
    .option('--dialect <name>', `${DIALECTS.join(', ')} (default duckdb)`, 'duckdb')
    .action(async (file: string | undefined, opts: DefOptions & { dialect: string }) => {
      if (!(DIALECTS as readonly string[]).includes(opts.dialect)) {
        throw new SegmintError('invalid-option', `--dialect ${opts.dialect}: unknown${suggestion(opts.dialect, DIALECTS)}`, { hint: `use one of ${DIALECTS.join(', ')}` });
      }
      await withPrepared(ctx, file, opts, async (_ws, p) => {
        const c = audienceSql(p, opts.dialect as DialectName);
        if (opts.json) json(ctx.io, { name: p.name, dialect: opts.dialect, asOf: p.asOf, sql: c.sql, params: c.params });
        else ctx.io.out(`${c.sql}\n-- params: ${JSON.stringify(c.params)}`);
      });
    });
  examples(sqlCmd, ["segmint audience sql --where \"has no orders in last 90 days\" --dialect postgres", 'segmint audience sql pack.yaml --name vip --dialect clickhouse']);

  const explainCmd = defOptions(withGlobals(audience.command('explain <customer> [file]')))
    .description('show which conditions hold and which fail for one customer, with the observed values')
    .action(async (customer: string, file: string | undefined, opts: DefOptions) => {
      await withPrepared(ctx, file, opts, async (ws, p) => {
        const e = await explainAudience(ws, p, customer);
        if (opts.json) json(ctx.io, { name: p.name, customer, asOf: p.asOf, member: e.holds, explanation: e });
        else ctx.io.out([`${customer} is ${e.holds ? '' : 'not '}in ${p.name} (as of ${p.asOf})`, '', ...renderExplain(e)].join('\n'));
      });
    });
  examples(explainCmd, ["segmint audience explain 12347 --where \"all(country = 'UK', orders >= 2)\"", 'segmint audience explain C-0042 pack.yaml --name lapsed-90 --json']);

  const fmtCmd = withGlobals(audience.command('fmt [file]'))
    .description('print a definition in the canonical form (a file: the canonical YAML); exit 1 with --check when it differs')
    .option('--where <text>', 'a rule in the text form')
    .option('--write', 'rewrite the file in place')
    .option('--check', 'only check that the file is formatted (exit code 1 when not)')
    .option('--tree', 'write rules as {all: [...]} trees instead of text')
    .action(async (file: string | undefined, opts: GlobalOptions & { where?: string; write?: boolean; check?: boolean; tree?: boolean }) => {
      if ((file === undefined) === (opts.where === undefined)) throw new SegmintError('invalid-usage', 'give a FILE or --where TEXT', { hint: 'segmint audience fmt audiences.yaml' });
      if (opts.where !== undefined) {
        const r = parseAudience(opts.where);
        if (!r.node) throw definitionError(undefined, r.diagnostics);
        const text = formatAudience(r.node);
        if (opts.json) json(ctx.io, { where: text });
        else ctx.io.out(text);
        return;
      }
      const original = readFileSync(file!, 'utf8');
      const pack = parseAudienceFile(original, file);
      for (const a of pack.audiences) {
        const r = parseAudience(a.where);
        if (!r.node) throw definitionError(a.name, r.diagnostics);
      }
      const out = formatAudienceFile(pack, { json: /\.json$/i.test(file!), tree: opts.tree });
      if (opts.check) {
        const same = out === original;
        if (opts.json) json(ctx.io, { file, formatted: same });
        else ctx.io.out(same ? `${file} is formatted` : `${file} is not formatted: run segmint audience fmt --write ${file}`);
        if (!same) setExit(1);
        return;
      }
      if (opts.write) {
        writeFileAtomic(file!, out);
        if (opts.json) json(ctx.io, { file, written: true });
        else ctx.io.out(`formatted ${file}`);
      } else ctx.io.out(out.replace(/\n$/, ''));
    });
  examples(fmtCmd, ["segmint audience fmt --where \"all(country='UK',orders in last 90 days>=2)\"", 'segmint audience fmt audiences.yaml --write', 'segmint audience fmt audiences.yaml --check']);

  const diffCmd = withOut(withGlobals(audience.command('diff')), 'write the customers who entered and who left (customer_id, change): .csv, .parquet, .json or .ndjson')
    .description('who entered and who left an audience between two snapshot runs (default: its last two)')
    .option('--name <name>', 'the audience')
    .option('--from <run>', 'the earlier run id')
    .option('--to <run>', 'the later run id')
    .option('--limit <n>', 'ids listed per side in the human output, 0 to 1000000 (default 20)', '20')
    .action(async (opts: GlobalOptions & { name?: string; from?: string; to?: string; limit: string; out?: string; force?: boolean }) => {
      const lim = boundedNumber('--limit', opts.limit, { min: 0, max: 1_000_000, integer: true, example: '20' });
      if (opts.out) checkOutFile(opts.out, { force: opts.force, workspaceDir: ctx.workspaceDir(opts), extensions: TABLE_EXTENSIONS });
      const ws = await ctx.openWorkspace(opts, { readOnly: true });
      try {
        const d = await diffAudience(ws.db, { name: opts.name, from: opts.from === undefined ? undefined : runId('from', opts.from), to: opts.to === undefined ? undefined : runId('to', opts.to) });
        const out = opts.out ? await exportAudienceDiff(ws.db, d.from.runId, d.to.runId, opts.out) : undefined;
        if (opts.json) json(ctx.io, { ...d, ...(out ? { out } : {}) });
        else {
          const ids = (xs: string[]) => `${xs.slice(0, lim).join(', ')}${xs.length > lim ? `, … (${fmtInt(xs.length - lim)} more)` : ''}`;
          ctx.io.out([
            `${d.to.name ?? 'audience'}: run ${d.from.runId} (as of ${d.from.asOf}) → run ${d.to.runId} (as of ${d.to.asOf})`,
            `entered ${fmtInt(d.entered.length)}, left ${fmtInt(d.left.length)}, stayed ${fmtInt(d.stayed)}`,
            ...(d.entered.length ? [`entered: ${ids(d.entered)}`] : []),
            ...(d.left.length ? [`left: ${ids(d.left)}`] : []),
            ...(out ? [`wrote ${fmtInt(out.rows)} customers to ${out.file}`] : []),
          ].join('\n'));
        }
      } finally {
        ws.close();
      }
    });
  examples(diffCmd, ['segmint audience diff --name lapsed-90', 'segmint audience diff --from 3 --to 7 --json', 'segmint audience diff --name lapsed-90 --out lapsed-changes.csv']);

  // segmint migration, with its earlier label for customers in one run only
  const migCmd = migrationOptions(audience.command('migration'))
    .description('migration matrix between two runs of any segmentation (RFM, LRFMP segments, CLV tiers, clusters, audience snapshots): customers and revenue per move; segmint migration, with customers in one run only as (not in run)')
    .action(async (opts: MigrationCliOptions) => runMigration(ctx, opts, '(not in run)'));
  examples(migCmd, ['segmint audience migration --from 1 --to 4', 'segmint audience migration --from 2 --to 5 --json']);

  const runsCmd = withGlobals(audience.command('runs'))
    .description('list the audience snapshot runs')
    .option('--name <name>', 'only this audience')
    .action(async (opts: GlobalOptions & { name?: string }) => {
      const ws = await ctx.openWorkspace(opts, { readOnly: true });
      try {
        const runs = await audienceRuns(ws.db, opts.name);
        if (opts.json) json(ctx.io, runs);
        else ctx.io.out(table(['run', 'audience', 'as of', 'evaluated', 'customers'], runs.map((r) => [String(r.runId), r.name ?? '', r.asOf, r.createdAt, r.customers])));
      } finally {
        ws.close();
      }
    });
  examples(runsCmd, ['segmint audience runs', 'segmint audience runs --name lapsed-90 --json']);
}
