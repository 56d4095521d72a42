/** The HTML report: a list of sections rendered into one self-contained page. Later analyses add sections. */
import type { Db } from '../store/workspace.ts';
import { renderReport, type ReportOptions, type ReportSection } from './html.ts';
import { importSection } from './import-section.ts';
import { overviewSection } from './overview.ts';
import { valueSection } from './value-section.ts';

export { renderReport, esc, htmlTable, kpis, num, pct, type ReportOptions, type ReportSection } from './html.ts';
export { barsH, heatmap, histogram, monthlyBars, pairedBars } from './charts.ts';
export { valueSection } from './value-section.ts';
export { overviewSection } from './overview.ts';
export { importSection } from './import-section.ts';

/** Build the report of a workspace database: overview, imports, then `extraSections`. */
export async function buildReport(db: Db, options: ReportOptions & { extraSections?: ReportSection[] } = {}): Promise<string> {
  const value = [await valueSection(db, 'rfm'), await valueSection(db, 'lrfmp')].filter((s): s is ReportSection => s !== undefined);
  const sections = [await overviewSection(db), ...value, await importSection(db), ...(options.extraSections ?? [])];
  return renderReport(sections, options);
}
