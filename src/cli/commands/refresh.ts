import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { IMPORT_KINDS, type ImportKind } from '../../core/schema.ts';
import { readFreshness, refresh, RefreshError, type RefreshResult } from '../../pipeline/refresh.ts';
import { Deliverer } from '../../pipeline/webhook-delivery.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { boundedNumber, examples, withGlobals, type SetExit } from '../options.ts';
import { progressBar } from '../progress.ts';
import { json, table } from '../render.ts';

interface RefreshCliOptions extends GlobalOptions {
  kind: string;
  inbox: boolean;
  force?: boolean;
  waitWebhooks: string;
  status?: boolean;
}

function render(r: RefreshResult, delivered: { sent: number; pending: number }): string {
  const lines: string[] = [];
  if (r.imported.length) lines.push(table(['imported', 'kind', 'source', 'rows loaded'], r.imported.map((i) => [i.file, i.kind, i.sourceId === null ? '-' : String(i.sourceId), i.alreadyImported ? 'already imported' : i.rowsLoaded])));
  else lines.push('no new file in the inbox');
  if (!r.recomputed) {
    lines.push('no new data since the last refresh: nothing re-run (--force re-runs everything)');
    return lines.join('\n');
  }
  const runs = r.steps.filter((s) => s.runId !== undefined && !s.step.startsWith('audience '));
  if (runs.length) lines.push('', table(['re-run', 'run'], runs.map((s) => [s.step, String(s.runId)])));
  if (r.audiences.length) lines.push('', table(['audience', 'snapshot run', 'customers', 'webhook deliveries'], r.audiences.map((a) => [a.name, String(a.runId), a.customers, a.deliveries])));
  if (r.deliveries) lines.push('', `webhooks: ${delivered.sent} of ${r.deliveries} deliveries sent${delivered.pending ? `; ${delivered.pending} still pending in the outbox (segmint serve sends them)` : ''}`);
  return lines.join('\n');
}

/** `segmint refresh`: import new data and re-run what depends on it (pipeline/refresh.ts). */
export function registerRefresh(program: Command, ctx: Context, _setExit: SetExit): void {
  const cmd = withGlobals(program.command('refresh').argument('[files...]', 'files to import besides those in the workspace\'s inbox folder'))
    .description('import new data (the files given, and every file dropped in the workspace\'s inbox/ folder), re-run RFM, LRFMP, CLV and the clustering with their latest parameters on it, snapshot every audience, and send the webhooks of who entered and exited; a failing step leaves the earlier results in place and is recorded in the freshness (--status)')
    .option('-k, --kind <kind>', `what the FILES hold: ${IMPORT_KINDS.join('|')}`, 'transactions')
    .option('--no-inbox', 'do not read the inbox folder')
    .option('--force', 're-run everything even when no new data was imported')
    .option('--wait-webhooks <seconds>', 'how long to keep retrying webhook deliveries before leaving them in the outbox', '30')
    .option('--status', 'print the workspace\'s freshness (last success, last failure) and do nothing else')
    .action(async (files: string[], opts: RefreshCliOptions) => {
      if (!IMPORT_KINDS.includes(opts.kind as ImportKind)) {
        throw new SegmintError('invalid-option', `--kind ${opts.kind} is not one of ${IMPORT_KINDS.join(', ')}`, { hint: 'e.g. --kind transactions' });
      }
      const wait = boundedNumber('--wait-webhooks', opts.waitWebhooks, { min: 0, max: 86_400 });
      const ws = await ctx.openWorkspace(opts);
      try {
        if (opts.status) {
          const f = readFreshness(ws.dir);
          if (opts.json) json(ctx.io, f);
          else {
            ctx.io.out(`last success: ${f.lastSuccess ? `${f.lastSuccess.at} (${f.lastSuccess.trigger}, ${f.lastSuccess.recomputed ? `${f.lastSuccess.runs} runs` : 'nothing new'})` : 'never'}`);
            ctx.io.out(`last failure: ${f.lastFailure ? `${f.lastFailure.at} at ${f.lastFailure.step}: [${f.lastFailure.code}] ${f.lastFailure.message}` : 'none'}`);
          }
          return;
        }
        const bar = progressBar(ctx.io, opts);
        const deliverer = Deliverer.forDb(ws.db, ws.dir);
        let result: RefreshResult;
        try {
          result = await refresh(ws, {
            files: files.map((path) => ({ path, kind: opts.kind as ImportKind })),
            inbox: opts.inbox,
            force: opts.force ?? false,
            trigger: 'cli',
            onProgress: (phase, f) => bar.update(phase, f),
            deliver: (rows) => deliverer.send(rows),
          });
        } catch (e) {
          bar.done();
          if (e instanceof RefreshError) await deliverer.idle(wait * 1000);
          deliverer.stop();
          throw e;
        } finally {
          bar.done();
        }
        const all = result.deliveries;
        await deliverer.idle(wait * 1000);
        const pending = deliverer.busy;
        deliverer.stop();
        if (opts.json) json(ctx.io, { ...result, webhooks: { deliveries: all, pending } });
        else ctx.io.out(render(result, { sent: all - pending, pending }));
      } finally {
        ws.close();
      }
    });
  examples(cmd, [
    'segmint refresh                                 # the files in <workspace>/inbox/, then everything that depends on them',
    'segmint refresh december.csv',
    'segmint refresh customers-update.xlsx --kind customers',
    'segmint refresh --force --json',
    'segmint refresh --status',
  ]);
}
