/** The value segmentation section (RFM or LRFMP): the R×F grid, segments against revenue, metric distributions. */
import { all, countRows, one } from '../pipeline/run-query.ts';
import { compile } from '../sql/compile.ts';
import { and, avg, cast, col, count, eq, isNull, lit, num as n_, select, sum, table } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { heatmap, histogram, linearBins, logBins, pairedBars } from './charts.ts';
import { esc, htmlTable, money, num, pct, type ReportSection } from './html.ts';
import { actionFor } from '../models/actions.ts';

/** Section for the latest run of `model`, or undefined when there is none. */
export async function valueSection(db: Db, model: 'rfm' | 'lrfmp', options: { currency?: string; actions?: Record<string, string> } = {}): Promise<ReportSection | undefined> {
  const latest = await one<{ run_id: number; as_of: unknown; params: string }>(db, select({
    select: [{ expr: col('run_id'), as: 'run_id' }, { expr: col('as_of'), as: 'as_of' }, { expr: cast(col('params'), 'varchar'), as: 'params' }],
    from: table('runs'),
    where: eq(col('kind'), lit(model)),
    orderBy: [{ expr: col('run_id'), desc: true }],
    limit: 1,
  }));
  const run = latest && { ...latest, as_of: latest.as_of instanceof Date ? latest.as_of.toISOString().slice(0, 10) : String(latest.as_of ?? '').slice(0, 10) };
  if (!run) return undefined;
  const bins = Number(JSON.parse(run.params).bins ?? 5);
  const parts: string[] = [];
  const title = model === 'rfm' ? 'RFM segments' : 'LRFMP segments';
  const ofRun = eq(col('run_id'), n_(Number(run.run_id)));
  const segs = await all<{ segment: string; n: number; revenue: number; rec: number; freq: number; mon: number }>(db, select({
    select: [
      { expr: col('segment'), as: 'segment' }, { expr: count(), as: 'n' }, { expr: sum(col('monetary')), as: 'revenue' },
      { expr: avg(col('recency_days')), as: 'rec' }, { expr: avg(col('frequency')), as: 'freq' }, { expr: avg(col('monetary')), as: 'mon' },
    ],
    from: table('run_scores'),
    where: ofRun,
    groupBy: [col('segment')],
    orderBy: [{ expr: col('revenue'), desc: true }],
  }));
  const total = segs.reduce((a, s) => a + s.n, 0);
  const revenue = segs.reduce((a, s) => a + Number(s.revenue), 0);
  parts.push(`<p>Run ${run.run_id} as of <b>${esc(run.as_of)}</b>: ${num(total)} customers scored in ${bins} quantile bins per metric (a value on a bin edge goes to the lower bin; R is reversed so 5 = most recent). Definitions: docs/models.md.</p>`);
  if (model === 'lrfmp') {
    const noP = await countRows(db, 'run_scores', and(ofRun, isNull(col('p'))));
    if (noP > 0) parts.push(`<p>${num(noP)} customers with fewer than 3 purchase days have no regularity score (P): periodicity needs two gaps between purchase days.</p>`);
  }
  const grid = await all<{ r: number; f: number; n: number; mon: number }>(db, select({
    select: [{ expr: col('r'), as: 'r' }, { expr: col('f'), as: 'f' }, { expr: count(), as: 'n' }, { expr: avg(col('monetary')), as: 'mon' }],
    from: table('run_scores'),
    where: ofRun,
    groupBy: [col('r'), col('f')],
  }));
  const scores = Array.from({ length: bins }, (_, i) => i + 1);
  parts.push('<div class="grid2">');
  parts.push(heatmap(grid.map((g) => ({ x: g.r, y: g.f, value: g.n, label: `${num(g.n)}\n${money(g.mon, options.currency, 0)}` })), {
    title: 'Recency × frequency grid', xLabel: 'R score (5 = most recent)', yLabel: 'F score', colorLabel: 'customers',
    xDomain: scores, yDomain: [...scores].reverse(), width: 540,
    caption: 'Each cell: customers with that R and F score (colour and first line) and their average net spend (second line).',
  }));
  parts.push(pairedBars(segs.map((s) => ({ label: s.segment, a: s.n / total, b: revenue ? Number(s.revenue) / revenue : 0 })), ['share of customers', 'share of revenue'], {
    title: 'Segment size against revenue', xLabel: 'share', percent: true, width: 600,
    caption: 'A segment far right on revenue but short on customers holds the most valuable customers per head.',
  }));
  parts.push('</div>');
  parts.push(htmlTable(['segment', 'customers', 'share', 'revenue share', 'mean recency (days)', 'mean orders', 'mean net spend', 'suggested action'],
    segs.map((s) => [s.segment, s.n, pct(s.n / total), pct(revenue ? Number(s.revenue) / revenue : 0), Math.round(s.rec), num(s.freq, 1), money(Number(s.mon), options.currency), actionFor(s.segment, options.actions)])));
  const metrics = compile(select({ select: ['recency_days', 'frequency', 'monetary', 'tenure_days', 'periodicity_days'].map((c) => ({ expr: col(c), as: c })), from: table('run_scores'), where: ofRun }), db.dialect);
  const m = await db.columns(metrics.sql, metrics.params);
  const nums = (k: string) => (m[k] ?? []).filter((v) => v !== null && v !== undefined).map(Number).filter(Number.isFinite);
  parts.push('<div class="grid2">');
  parts.push(histogram(linearBins(nums('recency_days')), { title: 'Recency', xLabel: 'days since the last purchase', width: 460, caption: 'Days from the last purchase day to the as-of date.' }));
  parts.push(histogram(logBins(nums('frequency'), 6), { title: 'Frequency', xLabel: 'orders (log scale)', logX: true, width: 460, caption: 'Distinct purchase orders per customer.' }));
  const mon = nums('monetary');
  parts.push(histogram(logBins(mon), { title: 'Monetary', xLabel: 'net spend (log scale)', logX: true, width: 460, caption: `Net spend per customer; ${num(mon.filter((v) => v <= 0).length)} customers with zero or negative net spend are not on the log axis.` }));
  if (model === 'lrfmp') {
    parts.push(histogram(linearBins(nums('tenure_days')), { title: 'Length', xLabel: 'days from first to last purchase', width: 460, caption: 'Length of the relationship (LRFMP L).' }));
    parts.push(histogram(linearBins(nums('periodicity_days')), { title: 'Periodicity', xLabel: 'std. dev. of days between purchases', width: 460, caption: 'LRFMP P, for customers with three purchase days or more (the others have none).' }));
  }
  parts.push('</div>');
  return { id: model, title, html: parts.join('\n') };
}
