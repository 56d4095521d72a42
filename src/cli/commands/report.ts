import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { checkOutFile, writeFileAtomic } from '../../pipeline/export.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, withGlobals, withOut, type SetExit } from '../options.ts';
import { json } from '../render.ts';
import { progressBar } from '../progress.ts';
import { workspaceTimezone } from '../../store/timezone.ts';

interface ReportCliOptions extends GlobalOptions {
  out?: string;
  title?: string;
  currency?: string;
  force?: boolean;
}

export function registerReport(program: Command, ctx: Context, _setExit: SetExit): void {
  const cmd = withOut(withGlobals(program.command('report')), 'where to write it (default: report.html in the workspace folder, replaced on every run); missing folders are created')
    .description('write the HTML report of the workspace: one self-contained page (charts and tables, no scripts, opens offline)')
    .option('--title <text>', 'title at the top of the report (default: "Segmint report: <workspace folder>")')
    .option('--currency <code>', 'currency of the amounts when the data has no currency column, e.g. GBP')
    .action(async (opts: ReportCliOptions) => {
      if (opts.currency !== undefined && !/^[A-Za-z]{3}$/.test(opts.currency)) {
        throw new SegmintError('invalid-option', `--currency "${opts.currency}" is not a three-letter currency code`, { hint: 'use an ISO 4217 code such as GBP, EUR or USD' });
      }
      const wsDir = ctx.workspaceDir(opts);
      // the default report.html is the workspace's own report, replaced on every run; a file named with --out needs --force
      const out = checkOutFile(opts.out ?? join(wsDir, 'report.html'), { force: opts.force || opts.out === undefined, workspaceDir: wsDir, createParent: true });
      const ws = await ctx.openWorkspace(opts, { readOnly: true });
      let ids: string[];
      const bar = progressBar(ctx.io, opts);
      try {
        const options = { title: opts.title ?? `Segmint report: ${basename(ws.dir)}`, currency: opts.currency?.toUpperCase(), timezone: await workspaceTimezone(ws.db, ws.config) };
        // the report (and its chart libraries) is loaded when it is written, not at start-up
        const { renderReport, reportSections } = await import('../../report/index.ts');
        const sections = await reportSections(ws.db, { ...options, actions: ws.config.segments.actions, onProgress: (phase, f) => bar.update(`report: ${phase}`, f) });
        bar.update('report: writing the page', 1);
        const html = renderReport(sections, options);
        try {
          mkdirSync(dirname(out), { recursive: true });
          writeFileAtomic(out, html);
        } catch (e) {
          if (e instanceof SegmintError) throw e;
          throw new SegmintError('cannot-write', `cannot write the report to ${out}: ${e instanceof Error ? e.message : String(e)}`, {
            hint: 'choose another path with --out', exitCode: 1, cause: e,
          });
        }
        ids = sections.map((s) => s.id);
      } finally {
        bar.done();
        ws.close();
      }
      if (opts.json) json(ctx.io, { report: out, sections: ids });
      else ctx.io.out(`report: ${out}`);
    });
  examples(cmd, ['segmint report', 'segmint report --out /tmp/shop.html --title "Shop, Q3" --currency GBP', 'segmint report --out shop.html --force     # replace an earlier shop.html', 'segmint report --workspace shop --json']);
}
