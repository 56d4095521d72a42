import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { renderReport, reportSections } from '../../report/index.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, withGlobals, type SetExit } from '../options.ts';
import { json } from '../render.ts';

interface ReportCliOptions extends GlobalOptions {
  out?: string;
  title?: string;
  currency?: string;
}

export function registerReport(program: Command, ctx: Context, _setExit: SetExit): void {
  const cmd = withGlobals(program.command('report'))
    .description('write the HTML report of the workspace: one self-contained page (charts and tables, no scripts, opens offline)')
    .option('-o, --out <file>', 'where to write it (default: report.html in the workspace folder)')
    .option('--title <text>', 'title at the top of the report (default: "Segmint report: <workspace folder>")')
    .option('--currency <code>', 'currency of the amounts when the data has no currency column, e.g. GBP')
    .action(async (opts: ReportCliOptions) => {
      if (opts.currency !== undefined && !/^[A-Za-z]{3}$/.test(opts.currency)) {
        throw new SegmintError('invalid-option', `--currency "${opts.currency}" is not a three-letter currency code`, { hint: 'use an ISO 4217 code such as GBP, EUR or USD' });
      }
      const ws = await ctx.openWorkspace(opts);
      let out: string;
      let ids: string[];
      try {
        const options = { title: opts.title ?? `Segmint report: ${basename(ws.dir)}`, currency: opts.currency?.toUpperCase() };
        const sections = await reportSections(ws.db, options);
        const html = renderReport(sections, options);
        out = resolve(opts.out ?? join(ws.dir, 'report.html'));
        try {
          mkdirSync(dirname(out), { recursive: true });
          writeFileSync(out, html);
        } catch (e) {
          throw new SegmintError('cannot-write', `cannot write the report to ${out}: ${e instanceof Error ? e.message : String(e)}`, {
            hint: 'choose another path with --out', exitCode: 1, cause: e,
          });
        }
        ids = sections.map((s) => s.id);
      } finally {
        ws.close();
      }
      if (opts.json) json(ctx.io, { report: out, sections: ids });
      else ctx.io.out(`report: ${out}`);
    });
  examples(cmd, ['segmint report', 'segmint report --out /tmp/shop.html --title "Shop, Q3" --currency GBP', 'segmint report --workspace shop --json']);
}
