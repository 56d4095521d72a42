/** The HTML report: a list of sections rendered into one self-contained page. Later analyses add sections. */
import type { Db } from '../store/workspace.ts';
import { renderReport, type ReportOptions, type ReportSection } from './html.ts';
import { importSection } from './import-section.ts';
import { overviewSection } from './overview.ts';

export { renderReport, esc, htmlTable, kpis, num, pct, type ReportOptions, type ReportSection } from './html.ts';
export { barsH, heatmap, histogram, monthlyBars } from './charts.ts';
export { overviewSection } from './overview.ts';
export { importSection } from './import-section.ts';

/** Build the report of a workspace database: overview, imports, then `extraSections`. */
export async function buildReport(db: Db, options: ReportOptions & { extraSections?: ReportSection[] } = {}): Promise<string> {
  const sections = [await overviewSection(db), await importSection(db), ...(options.extraSections ?? [])];
  return renderReport(sections, options);
}
