/**
 * The audiences section: each audience's latest snapshot with the change since the one before (who entered,
 * who left), and the migration matrix between the last two runs of RFM segments.
 */
import { audienceRuns, diffAudience, migrationMatrix } from '../pipeline/audience.ts';
import { all, countRows } from '../pipeline/run-query.ts';
import { col, eq, lit, select, table } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { barsH, fmtShort, heatmap } from './charts.ts';
import { esc, htmlTable, num, pct, type ReportSection } from './html.ts';

/** Section for the stored audience snapshots and score runs, or undefined when there are no snapshots and fewer than two score runs. */
export async function audienceSection(db: Db, options: { currency?: string } = {}): Promise<ReportSection | undefined> {
  const runs = await audienceRuns(db);
  const scoreRuns = await all<{ run_id: number }>(db, select({ select: [{ expr: col('run_id'), as: 'run_id' }], from: table('runs'), where: eq(col('kind'), lit('rfm')), orderBy: [{ expr: col('run_id'), desc: true }], limit: 2 }));
  if (runs.length === 0 && scoreRuns.length < 2) return undefined;
  const parts: string[] = [];
  const total = await countRows(db, 'customers');
  const names = [...new Set(runs.map((r) => r.name ?? ''))];
  if (names.length) {
    parts.push(`<p>${num(names.length)} audiences with stored snapshots (rules in docs/audiences.md). Each evaluation stores its members with the run's as-of date, so the change between two evaluations is exact.</p>`);
    const rows = [];
    for (const name of names) {
      const mine = runs.filter((r) => r.name === name);
      const last = mine[mine.length - 1]!;
      const prev = mine.length > 1 ? mine[mine.length - 2]! : undefined;
      const d = prev ? await diffAudience(db, { from: prev.runId, to: last.runId }) : undefined;
      rows.push([name, last.runId, last.asOf, last.customers, pct(total ? last.customers / total : 0), prev ? prev.customers : '–', d ? d.entered.length : '–', d ? d.left.length : '–']);
    }
    parts.push(barsH(rows.map((r) => ({ label: String(r[0]), value: Number(r[3]) })), {
      title: 'Audience sizes', xLabel: 'customers in the latest snapshot', format: (x) => num(x, 0), width: 560,
      caption: 'A customer can belong to several audiences at once.',
    }));
    parts.push(htmlTable(['audience', 'run', 'as of', 'customers', 'share', 'previous', 'entered', 'left'], rows));
  }
  if (scoreRuns.length === 2) {
    const [to, from] = [scoreRuns[0]!.run_id, scoreRuns[1]!.run_id];
    const m = await migrationMatrix(db, from, to);
    parts.push(`<p>RFM segment migration from run ${m.from.runId} (as of ${esc(m.from.asOf)}) to run ${m.to.runId} (as of ${esc(m.to.asOf)}): customers per move, with the net revenue they brought in between the two dates.</p>`);
    parts.push(heatmap(m.cells.map((c) => ({ x: c.to, y: c.from, value: c.customers, label: `${num(c.customers)}\n${fmtShort(c.revenue)}` })), {
      title: 'Segment migration', xLabel: 'to', yLabel: 'from', colorLabel: 'customers', xDomain: m.labels.to, yDomain: m.labels.from, width: 900,
      caption: `Rows: the segment in the earlier run; columns: the segment in the later one; in each cell the customers and their net revenue${options.currency ? ` (${esc(options.currency)})` : ''} between the two dates. "(not in run)" counts customers scored in only one of the two runs.`,
    }));
  }
  return { id: 'audiences', title: 'Audiences and migration', html: parts.join('\n') };
}
