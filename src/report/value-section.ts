/** The value segmentation section (RFM or LRFMP): the R×F grid, segments against revenue, metric distributions. */
import type { Db } from '../store/workspace.ts';
import { heatmap, histogram, linearBins, logBins, pairedBars } from './charts.ts';
import { esc, htmlTable, money, num, pct, type ReportSection } from './html.ts';
import { actionFor } from '../models/actions.ts';

/** Section for the latest run of `model`, or undefined when there is none. */
export async function valueSection(db: Db, model: 'rfm' | 'lrfmp', options: { currency?: string; actions?: Record<string, string> } = {}): Promise<ReportSection | undefined> {
  const run = await db.one<{ run_id: number; as_of: string; params: string }>(
    "SELECT run_id, strftime(as_of, '%Y-%m-%d') AS as_of, CAST(params AS VARCHAR) AS params FROM runs WHERE kind = ? ORDER BY run_id DESC LIMIT 1",
    [model],
  );
  if (!run) return undefined;
  const bins = Number(JSON.parse(run.params).bins ?? 5);
  const parts: string[] = [];
  const title = model === 'rfm' ? 'RFM segments' : 'LRFMP segments';
  const segs = await db.all<{ segment: string; n: number; revenue: number; rec: number; freq: number; mon: number }>(
    `SELECT segment, count(*) AS n, sum(monetary) AS revenue, avg(recency_days) AS rec, avg(frequency) AS freq, avg(monetary) AS mon
     FROM run_scores WHERE run_id = ? GROUP BY 1 ORDER BY revenue DESC`, [run.run_id]);
  const total = segs.reduce((a, s) => a + s.n, 0);
  const revenue = segs.reduce((a, s) => a + Number(s.revenue), 0);
  parts.push(`<p>Run ${run.run_id} as of <b>${esc(run.as_of)}</b>: ${num(total)} customers scored in ${bins} quantile bins per metric (a value on a bin edge goes to the lower bin; R is reversed so 5 = most recent). Definitions: docs/models.md.</p>`);
  if (model === 'lrfmp') {
    const noP = Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM run_scores WHERE run_id = ? AND p IS NULL', [run.run_id]))?.n ?? 0);
    if (noP > 0) parts.push(`<p>${num(noP)} customers with fewer than 3 purchase days have no regularity score (P): periodicity needs two gaps between purchase days.</p>`);
  }
  const grid = await db.all<{ r: number; f: number; n: number; mon: number }>(
    'SELECT r, f, count(*) AS n, avg(monetary) AS mon FROM run_scores WHERE run_id = ? GROUP BY 1, 2', [run.run_id]);
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
  const m = await db.columns('SELECT recency_days, frequency, monetary, tenure_days, periodicity_days FROM run_scores WHERE run_id = ?', [run.run_id]);
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
