import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { IMPORT_KINDS, type ImportKind } from '../../core/schema.ts';
import { normalisePolicy, type ImportPolicies } from '../../store/config.ts';
import { importFile, parseMapOptions, type ImportResult, type Observation } from '../../store/import/index.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, withGlobals, type SetExit } from '../options.ts';
import { progressBar } from '../progress.ts';
import { fmtInt, json, table } from '../render.ts';

interface ImportCliOptions extends GlobalOptions {
  kind?: string;
  map: string[];
  format?: string;
  delimiter?: string;
  header?: boolean;
  columns?: string;
  sheet?: string;
  dateFormat?: string;
  timezone?: string;
  cancelPrefix?: string;
  policy: string[];
  eventType?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Human-readable reconciliation of one import. */
export function renderImport(r: ImportResult): string {
  const lines: string[] = [];
  // A one-character delimiter is quoted ("," reads badly bare); words (tab) are not; whitespace and XLSX files name none.
  const d = r.detected.delimiter === undefined ? undefined : String(r.detected.delimiter);
  const delim = d === undefined || r.format === 'whitespace' || r.format === 'xlsx' ? '' : `, delimiter ${d.length === 1 ? `"${d}"` : d}`;
  lines.push(`${r.kind} from ${r.file} (${r.format}${delim}${r.detected.dateFormat && r.detected.dateFormat !== 'none' ? `, dates ${String(r.detected.dateFormat)}` : ''})`);
  if (r.alreadyImported) {
    lines.push(`already imported as source ${r.sourceId} (same content): nothing changed`);
    return lines.join('\n');
  }
  const mapped = Object.entries(r.mapping).map(([f, c]) => `${f} ← "${c}"${r.mappingHow[f] === 'detected' ? '' : ` (${r.mappingHow[f]})`}`);
  lines.push(`mapping: ${mapped.length ? mapped.join(', ') : 'no canonical field found in the column names'}`);
  const x = r.extraColumns;
  if (x.customerTraits.length) lines.push(`customer traits: ${x.customerTraits.join(', ')}`);
  if (x.productColumns.length) lines.push(`product columns: ${x.productColumns.join(', ')}`);
  if (x.transactionAttributes.length) lines.push(`kept on the lines (rules: has purchases where ${x.transactionAttributes[0]} = …): ${x.transactionAttributes.join(', ')}`);
  if (x.placeColumns?.length) lines.push(`place columns: ${x.placeColumns.join(', ')}`);
  if (x.eventProperties.length) lines.push(`kept in event properties: ${x.eventProperties.join(', ')}`);
  lines.push('');
  lines.push(...renderReconciliation(r));
  const repeats = r.observations.find((o) => o.code === 'repeated-line-without-quantity');
  if (repeats && repeats.loaded > 0) lines.push(`${fmtInt(repeats.loaded)} repeated lines loaded as repeat buys (no quantity column: the same customer, time and item again is the item bought again)`);
  // a products or places file holds no customers: its import does not talk about them
  if (r.kind !== 'products' && r.kind !== 'places') {
    lines.push('');
    lines.push(`customers: ${fmtInt(r.customers.after)} (${fmtInt(r.customers.added)} new)`);
  }
  return lines.join('\n');
}

/**
 * The reconciliation with its sums written out: read = loaded + already present + quarantined, the
 * quarantined by reason, and what was seen in the file, each kind of row split the same way.
 */
export function renderReconciliation(r: ImportResult): string[] {
  const { read, loaded, quarantined, alreadyPresent } = r.rows;
  const reasons = Object.entries(r.quarantineByReason);
  const rows: (string | number)[][] = [['rows read', read], ['loaded', loaded]];
  if (alreadyPresent) rows.push(['already present (skipped)', alreadyPresent]);
  rows.push(['quarantined', quarantined]);
  for (const [k, n] of reasons) rows.push([`  ${k}`, n]);
  const lines = [table(['reconciliation', 'rows'], rows)];
  const terms = [`${fmtInt(loaded)} loaded`, ...(alreadyPresent ? [`${fmtInt(alreadyPresent)} already present`] : []), `${fmtInt(quarantined)} quarantined`];
  const byReason = reasons.reduce((a, [, n]) => a + n, 0);
  if (!r.reconciled || byReason !== quarantined) lines.push('✗ the counts do not reconcile: please report this as a bug');
  else {
    lines.push(`✓ read = loaded${alreadyPresent ? ' + already present' : ''} + quarantined: ${fmtInt(read)} = ${terms.join(' + ')}`);
    if (reasons.length > 1) lines.push(`✓ quarantined = ${reasons.map(([k]) => k).join(' + ')}: ${fmtInt(quarantined)} = ${reasons.map(([, n]) => fmtInt(n)).join(' + ')}`);
  }
  const obs = r.observations.filter((o) => o.count > 0);
  if (obs.length) {
    const present = obs.some((o) => o.alreadyPresent > 0);
    const what = (o: Observation) => {
      if (o.alreadyPresent === o.count) return 'already in the workspace: skipped';
      const other = o.quarantined - o.quarantinedAsReason;
      if (o.reason && other > 0) return `${o.action} (${fmtInt(o.quarantinedAsReason)} as ${o.reason}, ${fmtInt(other)} under an earlier reason)`;
      return !o.reason && o.quarantined > 0 ? `${o.action}; ${fmtInt(o.quarantined)} quarantined for another reason` : o.action;
    };
    lines.push('');
    lines.push(table(['seen in the file', 'rows', 'loaded', ...(present ? ['already present'] : []), 'quarantined', 'policy', 'what happened'],
      obs.map((o) => [o.code, o.count, o.loaded, ...(present ? [o.alreadyPresent] : []), o.quarantined, o.policy, what(o)])));
    lines.push(`each row: rows = loaded${present ? ' + already present' : ''} + quarantined. A line may show several of these; a quarantined line counts once, under the first reason that applies (the reasons above).`);
  }
  return lines;
}

export function registerImport(program: Command, ctx: Context, _setExit: SetExit): void {
  const cmd = withGlobals(program.command('import').argument('<file>', 'CSV/TSV, Parquet, JSON, NDJSON or XLSX file'))
    .description('load a file with validation: every row is loaded, or quarantined with a reason')
    .requiredOption('-k, --kind <kind>', `what the file holds: ${IMPORT_KINDS.join('|')}`)
    .option('-m, --map <field=column>', 'map a canonical field to a column (repeatable)', collect, [])
    .option('--format <format>', 'csv|whitespace|parquet|json|ndjson|xlsx (default: detected)')
    .option('--delimiter <char>', 'CSV delimiter (default: detected)')
    .option('--no-header', 'the file has no header line')
    .option('--columns <names>', 'comma-separated column names for a file without a header')
    .option('--sheet <name>', 'XLSX sheet name or 1-based index (default: the first)')
    .option('--date-format <pattern>', 'date pattern such as %d-%m-%Y, or "iso" (default: detected)')
    .option('--timezone <zone>', 'IANA zone of timestamps without an offset (default: UTC)')
    .option('--cancel-prefix <prefix>', 'order-id prefix marking cancellations (default: C; "" to disable)')
    .option('--policy <name=value>', 'override an import policy, e.g. duplicateRows=keep (repeatable)', collect, [])
    .option('--event-type <type>', 'events: the type of every row when the file has no type column')
    .action(async (file: string, opts: ImportCliOptions) => {
      if (!IMPORT_KINDS.includes(opts.kind as ImportKind)) {
        throw new SegmintError('invalid-option', `--kind ${opts.kind} is not one of ${IMPORT_KINDS.join(', ')}`, { hint: 'e.g. --kind transactions' });
      }
      const policies: Partial<ImportPolicies> = {};
      for (const p of opts.policy) {
        const [k, v] = p.split('=');
        if (!k || v === undefined) throw new SegmintError('invalid-option', `--policy ${p}: expected name=value`, { hint: 'e.g. --policy duplicateRows=keep' });
        (policies as Record<string, string>)[k] = normalisePolicy(k as keyof ImportPolicies, v, `--policy ${k}`);
      }
      const ws = await ctx.openWorkspace(opts);
      const bar = progressBar(ctx.io, opts);
      try {
        const result = await importFile(ws, file, {
          kind: opts.kind as ImportKind,
          map: parseMapOptions(opts.map),
          format: opts.format,
          delimiter: opts.delimiter === '\\t' || opts.delimiter === 'tab' ? '\t' : opts.delimiter,
          header: opts.header === false ? false : undefined,
          columnNames: opts.columns?.split(',').map((s) => s.trim()),
          sheet: opts.sheet,
          dateFormat: opts.dateFormat,
          timezone: opts.timezone,
          cancellationPrefix: opts.cancelPrefix,
          policies,
          eventType: opts.eventType,
          onProgress: (phase, f) => bar.update(`importing: ${phase}`, f),
        });
        bar.done();
        if (opts.json) json(ctx.io, result);
        else ctx.io.out(renderImport(result));
        for (const w of result.warnings) ctx.io.err(`warning: ${w}`);
      } finally {
        bar.done();
        ws.close();
      }
    });
  examples(cmd, [
    'segmint import online_retail.csv --kind transactions',
    'segmint import customers.xlsx --kind customers --map customer_id="Client No"',
    'segmint import Groceries_dataset.csv --kind transactions --date-format %d-%m-%Y',
    'segmint import orders.csv --kind transactions --timezone Europe/London --policy duplicateRows=keep',
    'segmint import CDNOW_sample.txt --kind transactions --no-header --columns master_id,customer_id,date,cds,dollars',
    'segmint import events.ndjson --kind events --json',
    'segmint import stores.csv --kind places',
    'segmint import transactions.csv --kind transactions --map place_id=store_id',
  ]);
}
