import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildReport } from '../../report/index.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, withGlobals, type SetExit } from '../options.ts';
import { json } from '../render.ts';

interface ReportCliOptions extends GlobalOptions {
  out?: string;
  title?: string;
}

export function registerReport(program: Command, ctx: Context, _setExit: SetExit): void {
  const cmd = withGlobals(program.command('report'))
    .description('write the HTML report of the workspace (charts and tables, no scripts, opens offline)')
    .option('-o, --out <file>', 'where to write it (default: report.html in the workspace)')
    .option('--title <text>', 'title at the top of the report')
    .action(async (opts: ReportCliOptions) => {
      const ws = await ctx.openWorkspace(opts);
      try {
        const html = await buildReport(ws.db, { title: opts.title ?? `Segmint report: ${ws.dir.split('/').pop()}` });
        const out = resolve(opts.out ?? join(ws.dir, 'report.html'));
        writeFileSync(out, html);
        if (opts.json) json(ctx.io, { report: out, bytes: Buffer.byteLength(html) });
        else ctx.io.out(`report: ${out}`);
      } finally {
        ws.close();
      }
    });
  examples(cmd, ['segmint report', 'segmint report --out /tmp/shop.html --title "Shop, Q3"']);
}
