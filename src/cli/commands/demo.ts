import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { runDemo, runDemoClv, runDemoValue } from '../../pipeline/demo.ts';
import { runClustering } from '../../pipeline/cluster.ts';
import { writeFileAtomic } from '../../pipeline/export.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, withGlobals, type SetExit } from '../options.ts';
import { progressBar } from '../progress.ts';
import { fmtInt, json, table } from '../render.ts';
import { renderValue } from './value.ts';
import { renderClvFit, renderClvPredict } from './clv.ts';
import { renderClusters } from './cluster.ts';
import { renderPack } from './audience.ts';
import { evaluatePack } from '../../pipeline/audience.ts';
import { AUDIENCE_PRESETS } from '../../segments/presets/index.ts';

interface DemoOptions extends GlobalOptions {
  dir: string;
  force?: boolean;
}

export function registerDemo(program: Command, ctx: Context, _setExit: SetExit): void {
  const cmd = withGlobals(program.command('demo'))
    .description('run the whole pipeline on the bundled Online Retail data and write an HTML report')
    .option('--dir <dir>', 'folder for the demo workspace (recreated)', 'segmint-demo')
    .option('--force', 'recreate the folder\'s workspace even when it holds other data than the demo\'s')
    .action(async (opts: DemoOptions) => {
      const bar = progressBar(ctx.io, opts);
      const { ws, summary } = await runDemo(opts.dir, (phase, f) => bar.update(`importing Online Retail: ${phase}`, f), { force: opts.force });
      try {
        bar.update('scoring RFM and LRFMP');
        const { rfmBefore, rfm, lrfmp, moves } = await runDemoValue(ws);
        bar.update('fitting CLV models and predicting');
        const clv = await runDemoClv(ws);
        bar.update('clustering customers on their RFM metrics');
        const { picture: _picture, ...clusters } = await runClustering({ ws }, { seed: 1, log1p: 'auto', winsorize: 0.01 });
        bar.update('evaluating the e-commerce audiences');
        // The pack's audiences that need what Online Retail lacks (coupons, events, reviews) are listed, not run.
        const audiences = await evaluatePack(ws, AUDIENCE_PRESETS.ecommerce!, { skipMissing: true });
        bar.update('writing the report');
        // the report (and its chart libraries) is loaded when it is written, not at start-up
        const { buildReport } = await import('../../report/index.ts');
        const html = await buildReport(ws.db, { title: 'Segmint demo: Online Retail (UCI, 2010-2011)', currency: 'GBP' });
        const reportPath = join(ws.dir, 'report.html');
        writeFileAtomic(reportPath, html);
        bar.done();
        const t = summary.transactions;
        const r = summary.import.rows;
        if (opts.json) {
          json(ctx.io, { ...summary, rfmBefore, rfm, lrfmp, clv, clusters, audiences, report: reportPath });
          return;
        }
        const io = ctx.io;
        io.out(`Segmint demo — workspace ${relative(process.cwd(), ws.dir) || '.'}`);
        io.out('');
        io.out(table(['import', 'rows'], [
          ['rows read', r.read],
          ['loaded', r.loaded],
          ['quarantined', r.quarantined],
          ...Object.entries(summary.import.quarantineByReason).map(([k, n]): [string, number] => [`  ${k}`, n]),
        ]));
        io.out('');
        io.out(`${fmtInt(summary.customers)} customers, ${fmtInt(t.orders)} orders (${fmtInt(t.returns)} return lines) from ${t.first} to ${t.last}`);
        io.out(`net revenue £${fmtInt(t.revenue)}`);
        io.out('');
        io.out(renderValue(rfm));
        io.out('');
        io.out(`largest moves between RFM segments since ${rfmBefore.asOf} (run ${rfmBefore.runId} → ${rfm.runId}): ${moves.map((c) => `${c.from} → ${c.to} ${fmtInt(c.customers)}`).join('; ')}`);
        io.out('');
        io.out(renderClvFit(clv.fit));
        io.out('');
        io.out(renderClvPredict(clv.predict));
        io.out('');
        io.out(renderClusters({ ...clusters, picture: { customerIds: [], x: [], y: [], cluster: [], explained: [] } }));
        io.out('');
        io.out(renderPack(audiences));
        if (audiences.notApplicable.length) io.out(`not applicable to this data: ${audiences.notApplicable.map((n) => n.name).join(', ')}`);
        io.out('');
        io.out(`report: ${reportPath}`);
      } finally {
        bar.done();
        ws.close();
      }
    });
  examples(cmd, ['segmint demo', 'segmint demo --dir /tmp/demo --json']);
}
