/**
 * The HTML report: a list of sections rendered into one self-contained page (inline CSS, static SVG charts,
 * no scripts, nothing from the network). Each analysis contributes a section; later ones pass theirs as
 * `extraSections` or add a builder here.
 */
import { workspaceTimezone } from '../store/timezone.ts';
import type { Db } from '../store/workspace.ts';
import { renderReport, type ReportOptions, type ReportSection } from './html.ts';
import { importSection } from './import-section.ts';
import { overviewSection } from './overview.ts';
import { valueSection } from './value-section.ts';
import { clvSection } from './clv-section.ts';
import { clusterSection } from './cluster-section.ts';
import { audienceSection } from './audience-section.ts';
import { placesSection } from './places-section.ts';
import { modelSection } from './model-section.ts';
import { clusterActionsTable } from './cluster-actions.ts';
import { campaignSection, type CampaignSectionOptions } from './campaign-section.ts';
import { upliftHtml } from './uplift-section.ts';

export { renderReport, esc, fmtDate, htmlTable, kpis, money, num, para, pct, plural, type Cell, type ReportOptions, type ReportSection } from './html.ts';
export { barsH, columns, COLORS, fmtShort, heatmap, histogram, linearBins, lines, logBins, monthlyBars, pairedBars, scatter, timeSeries, withUnit, type ChartText } from './charts.ts';
export { valueSection } from './value-section.ts';
export { clvSection } from './clv-section.ts';
export { hasColumn, overviewSection } from './overview.ts';
export { importSection, REASON_TEXT } from './import-section.ts';
export { clusterSection } from './cluster-section.ts';
export { audienceSection } from './audience-section.ts';
export { campaignSection, forestPlot, type CampaignSectionOptions } from './campaign-section.ts';

export type BuildReportOptions = ReportOptions & {
  extraSections?: ReportSection[];
  /** the zone of days and calendar months (default: the workspace's zone, store/timezone.ts) */
  timezone?: string;
  /** suggested actions by segment name over the defaults (segmint.yaml segments.actions) */
  actions?: Record<string, string>;
  /** called before each section is built, with the share of sections done */
  onProgress?: (phase: string, fraction: number) => void;
  /** the campaigns section: segmentation per campaign, how many, the uplift (Qini) HTML per campaign */
  campaigns?: CampaignSectionOptions;
};

/**
 * The sections of a workspace's report, in page order: data overview, the latest RFM and LRFMP runs and CLV
 * fit when there are any, the latest cluster run, audiences and migration when there are snapshots, imports
 * and data quality, then `extraSections`.
 */
export async function reportSections(db: Db, options: BuildReportOptions = {}): Promise<ReportSection[]> {
  const progress = options.onProgress ?? (() => undefined);
  const timezone = options.timezone ?? await workspaceTimezone(db);
  progress('data overview', 0);
  const overview = await overviewSection(db, { currency: options.currency, timezone });
  progress('RFM and LRFMP', 0.4);
  const value = [await valueSection(db, 'rfm', options), await valueSection(db, 'lrfmp', options)].filter((s): s is ReportSection => s !== undefined);
  progress('customer lifetime value', 0.55);
  const clv = await clvSection(db, options);
  progress('clusters', 0.7);
  const clusters = await clusterSection(db);
  if (clusters) clusters.html += `\n${await clusterActionsTable(db, options.actions)}`;
  const places = await placesSection(db, options);
  progress('imports and data quality', 0.8);
  const imports = await importSection(db);
  progress('audiences', 0.9);
  const audiences = await audienceSection(db, options);
  progress('campaigns', 0.95);
  const campaigns = await campaignSection(db, { uplift: (name) => upliftHtml(db, name), ...options.campaigns });
  const models = await modelSection(db);
  return [overview, ...value, ...(clv ? [clv] : []), ...(clusters ? [clusters] : []), ...(places ? [places] : []), ...(audiences ? [audiences] : []), ...(campaigns ? [campaigns] : []), ...(models ? [models] : []), imports, ...(options.extraSections ?? [])];
}

/** Build the report of a workspace database as one HTML page (see `reportSections` for the order). */
export async function buildReport(db: Db, options: BuildReportOptions = {}): Promise<string> {
  const o = { ...options, timezone: options.timezone ?? await workspaceTimezone(db) };
  return renderReport(await reportSections(db, o), o);
}
