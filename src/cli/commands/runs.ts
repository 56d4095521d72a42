import type { Command } from 'commander';
import { listRuns, RUN_KINDS } from '../../pipeline/migration.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, withGlobals } from '../options.ts';
import { json, table } from '../render.ts';

/** `segmint runs`: the stored runs of every kind, for the ids that migration and diff take. */
export function registerRuns(program: Command, ctx: Context): void {
  const cmd = withGlobals(program.command('runs'))
    .description('list the stored runs of every kind (rfm, lrfmp, clv, clv-predict, cluster, audience, campaign): id, kind, as-of date, created time and a one-line summary')
    .option('--kind <kind>', `only runs of this kind: ${RUN_KINDS.join(', ')}`)
    .action(async (opts: GlobalOptions & { kind?: string }) => {
      const ws = await ctx.openWorkspace(opts, { readOnly: true });
      try {
        const runs = await listRuns(ws.db, opts.kind);
        if (opts.json) json(ctx.io, runs);
        else if (!runs.length) ctx.io.out(`no ${opts.kind ? `${opts.kind} ` : ''}runs stored yet`);
        else ctx.io.out(table(['run', 'kind', 'as of', 'created', 'summary'], runs.map((r) => [String(r.runId), r.kind, r.asOf ?? '-', r.createdAt, r.summary])));
      } finally {
        ws.close();
      }
    });
  examples(cmd, [
    'segmint runs',
    'segmint runs --kind rfm                        # then: segmint migration --from 2 --to 5',
    'segmint runs --kind audience --json',
  ]);
}
