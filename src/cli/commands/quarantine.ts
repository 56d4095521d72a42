import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { checkOutFile, copyToFile } from '../../pipeline/export.ts';
import { anyRow } from '../../pipeline/run-query.ts';
import { col, eq, lit } from '../../sql/ir.ts';
import { QUARANTINE_REASONS, REASON_DESCRIPTIONS, type QuarantineReason } from '../../store/import/checks.ts';
import { listQuarantine, quarantineSelect } from '../../store/sources.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { boundedNumber, examples, optionalNumber, withGlobals, withOut, type SetExit } from '../options.ts';
import { fmtInt, json, table } from '../render.ts';

interface QuarantineCliOptions extends GlobalOptions {
  source?: string;
  reason?: string;
  limit: string;
  out?: string;
  force?: boolean;
}

/** The raw values of a row on one line, cut to `width` characters. */
function rawText(raw: unknown, width = 160): string {
  const s = raw !== null && typeof raw === 'object'
    ? Object.entries(raw as Record<string, unknown>).map(([k, v]) => `${k}=${v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')
    : String(raw ?? '');
  return s.length > width ? `${s.slice(0, width - 1)}…` : s;
}

export function registerQuarantine(program: Command, ctx: Context, _setExit: SetExit): void {
  const cmd = withOut(withGlobals(program.command('quarantine')), 'write every matching row (no limit) to .csv, .parquet, .json or .ndjson')
    .description('list the quarantined rows (source, line, reason, raw values) with counts by source and reason')
    .option('--source <id>', 'only rows of this source (its id, as printed by segmint import)')
    .option('--reason <code>', `only rows with this reason (${QUARANTINE_REASONS.join(', ')})`)
    .option('--limit <n>', 'rows to print (0: all)', '50')
    .action(async (opts: QuarantineCliOptions) => {
      const sourceId = optionalNumber('--source', opts.source, { min: 1, max: 2 ** 31 - 1, integer: true });
      const limit = boundedNumber('--limit', opts.limit, { min: 0, max: 1e9, integer: true });
      if (opts.reason !== undefined && !(QUARANTINE_REASONS as readonly string[]).includes(opts.reason)) {
        const near = QUARANTINE_REASONS.filter((r) => r.includes(opts.reason!) || opts.reason!.includes(r.split('-')[0]!));
        throw new SegmintError('invalid-option', `--reason ${opts.reason} is not a quarantine reason`, {
          hint: near.length ? `did you mean ${near.join(' or ')}?` : `use one of ${QUARANTINE_REASONS.join(', ')}`,
        });
      }
      const ws = await ctx.openWorkspace(opts, { readOnly: true });
      try {
        const out = opts.out === undefined ? undefined : checkOutFile(opts.out, { force: opts.force, workspaceDir: ws.dir, extensions: ['.csv', '.parquet', '.json', '.ndjson'] });
        if (sourceId !== undefined && !(await anyRow(ws.db, 'sources', eq(col('source_id'), lit(sourceId))))) {
          throw new SegmintError('source-not-found', `the workspace has no source ${sourceId}`, { hint: 'run segmint quarantine without --source to see every source with quarantined rows' });
        }
        const filter = { sourceId, reason: opts.reason };
        const r = await listQuarantine(ws.db, filter, limit === 0 ? undefined : limit);
        let written: { file: string; rows: number } | undefined;
        if (out) {
          written = await copyToFile(ws.db, quarantineSelect(filter), out);
        }
        if (opts.json) {
          json(ctx.io, { total: r.total, shown: r.rows.length, summary: r.summary, rows: r.rows, ...(written ? { out: written } : {}) });
          return;
        }
        if (r.total === 0) {
          ctx.io.out(`no quarantined rows${sourceId !== undefined ? ` in source ${sourceId}` : ''}${opts.reason ? ` with reason ${opts.reason}` : ''}`);
        } else {
          ctx.io.out(table(['source', 'file', 'reason', 'rows'], r.summary.map((s) => [String(s.sourceId), s.file ?? '', s.reason, s.rows])));
          ctx.io.out('');
          // the detail column only when some row has one (the reader's message for malformed rows)
          const detail = r.rows.some((x) => x.detail);
          ctx.io.out(table(['source', 'line', 'reason', ...(detail ? ['detail'] : []), 'raw values'],
            r.rows.map((x) => [String(x.sourceId), String(x.line), x.reason, ...(detail ? [x.detail ?? ''] : []), rawText(x.raw)])));
          if (r.rows.length < r.total) ctx.io.out(`… ${fmtInt(r.total - r.rows.length)} more (--limit 0 prints all, --out FILE writes all)`);
          const reasons = [...new Set(r.summary.map((s) => s.reason))].filter((x): x is QuarantineReason => x in REASON_DESCRIPTIONS);
          ctx.io.out('');
          for (const reason of reasons) ctx.io.out(`${reason}: ${REASON_DESCRIPTIONS[reason]}`);
        }
        if (written) ctx.io.out(`wrote ${fmtInt(written.rows)} rows to ${written.file}`);
      } finally {
        ws.close();
      }
    });
  examples(cmd, [
    'segmint quarantine',
    'segmint quarantine --source 2 --reason non-finite-number --limit 0',
    'segmint quarantine --reason implausible-date --out bad-dates.csv',
    'segmint quarantine --json',
  ]);
}
