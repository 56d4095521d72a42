import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { deleteSource, planDeleteSource, type SourceDeletion } from '../../store/sources.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { boundedNumber, examples, withGlobals, type SetExit } from '../options.ts';
import { fmtInt, json, table } from '../render.ts';

interface DeleteCliOptions extends GlobalOptions {
  source?: string;
  yes?: boolean;
}

function describe(d: SourceDeletion, done: boolean): string {
  const s = d.source;
  const x = d.deleted;
  const rows: (string | number)[][] = [
    ['transaction lines', x.transactions],
    ['event lines', x.events],
    ['quarantined rows', x.quarantine],
    ['customers only this source refers to', x.customers],
    ['products only this source refers to', x.products],
    ...(x.places ? [['places', x.places]] : []),
    ['sources row', x.sources],
  ];
  const lines = [
    `source ${s.sourceId}: ${s.kind} from ${s.file} (imported ${s.importedAt}; ${fmtInt(s.rowsRead)} rows read = ${fmtInt(s.rowsLoaded)} loaded + ${fmtInt(s.rowsQuarantined)} quarantined)`,
    '',
    table([done ? 'deleted' : 'would delete', 'rows'], rows),
  ];
  if (d.kept.customers || d.kept.products) {
    lines.push('', `kept, because other sources' lines refer to them: ${fmtInt(d.kept.customers)} customers, ${fmtInt(d.kept.products)} products`);
  }
  return lines.join('\n');
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function registerDelete(program: Command, ctx: Context, _setExit: SetExit): void {
  const cmd = withGlobals(program.command('delete'))
    .description('remove everything one import brought in: its lines, its quarantined rows, the customers and products only it refers to, and its sources row (one transaction)')
    .option('--source <id>', 'the source to remove (its id, as printed by segmint import and segmint quarantine)')
    .option('-y, --yes', 'do it without asking (needed when stdin is not a terminal)')
    .action(async (opts: DeleteCliOptions) => {
      if (opts.source === undefined) {
        throw new SegmintError('invalid-option', 'segmint delete needs --source N', { hint: 'e.g. segmint delete --source 2 (segmint quarantine lists the sources with quarantined rows)' });
      }
      const sourceId = boundedNumber('--source', opts.source, { min: 1, max: 2 ** 31 - 1, integer: true });
      const ws = await ctx.openWorkspace(opts);
      try {
        if (!opts.yes) {
          const plan = await planDeleteSource(ws, sourceId);
          const interactive = ctx.io.interactive && Boolean(process.stdin.isTTY) && !opts.json;
          if (!interactive) {
            throw new SegmintError('confirmation-required', `segmint delete --source ${sourceId} would delete:\n${describe(plan, false)}`, {
              hint: `nothing was deleted; run again with --yes to delete source ${sourceId}`,
              details: { sourceId, wouldDelete: plan.deleted, kept: plan.kept },
            });
          }
          ctx.io.err(describe(plan, false));
          if (!(await confirm(`delete source ${sourceId}? [y/N] `))) {
            ctx.io.err('nothing deleted');
            return;
          }
        }
        const d = await deleteSource(ws, sourceId);
        if (opts.json) json(ctx.io, { sourceId, source: d.source, deleted: d.deleted, kept: d.kept });
        else ctx.io.out(describe(d, true));
      } finally {
        ws.close();
      }
    });
  examples(cmd, ['segmint delete --source 2            # shows what it would delete, then asks', 'segmint delete --source 2 --yes --json']);
}
