/**
 * The campaigns section: per stored campaign, the split check, the lift of each arm against control, and a
 * forest plot of the lift per segment (each comparison a dot at its lift with its 95% interval, the ones whose
 * Holm-corrected p is below 0.05 filled). Uplift (the Qini curve of `segmint campaign uplift`) comes in through
 * `options.uplift`, which returns the HTML to place after a campaign's lift.
 */
import type { Comparison } from '../models/campaign/measure.ts';
import { campaignColumns, listCampaigns, measureCampaign, type CampaignInfo, type CampaignMeasurement } from '../pipeline/campaign.ts';
import { countRows, one } from '../pipeline/run-query.ts';
import { and, col, count, countDistinct, eq, index, isNotNull, isNull, lit, select, table } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { esc, htmlTable, num, pct, type ReportSection } from './html.ts';

export interface CampaignSectionOptions {
  /** the segmentation of the forest plot per campaign name (default: see `defaultBy`) */
  by?: Record<string, string>;
  /** at most this many campaigns, the latest first (default 5) */
  limit?: number;
  /** HTML for a campaign's uplift (the Qini curve), placed after its lift; undefined leaves the place empty */
  uplift?: (campaign: string) => Promise<string | undefined>;
}

const INK = '#1f2937';
const MUTED = '#6b7280';
const ARM_COLORS = ['#0f766e', '#d97706', '#7c3aed', '#2563eb', '#be123c'];

/**
 * The default segmentation: an imported campaign's first pre-treatment column of text with 2 to 12 values (else
 * the first with 2 to 12 numbers); a created
 * one's latest RFM segments when there is a run; else none (the plot shows the arms overall).
 */
async function defaultBy(db: Db, c: CampaignInfo): Promise<string | undefined> {
  if (c.source === 'imported') {
    if (!c.traits.length) return undefined;
    // text columns first (spend bands, regions, channels), then numbers with few values
    const cols = campaignColumns(c);
    const k = (t: string) => cols.indexOf(t) + 1;
    const texts = (t: string) => index(col('texts'), k(t));
    const row = await one<Record<string, number>>(db, select({
      select: c.traits.flatMap((t, i) => [
        { expr: countDistinct(texts(t)), as: `n${i}` },
        { expr: count(undefined, { filter: and(isNull(index(col('nums'), k(t))), isNotNull(texts(t))) }), as: `t${i}` },
      ]),
      from: table('campaign_members'),
      where: eq(col('campaign'), lit(c.name)),
    }));
    const fit = c.traits.map((name, i) => ({ name, n: Number(row?.[`n${i}`] ?? 0), text: Number(row?.[`t${i}`] ?? 0) })).filter((x) => x.n >= 2 && x.n <= 12);
    return (fit.find((x) => x.text > 0) ?? fit[0])?.name;
  }
  return (await countRows(db, 'runs', eq(col('kind'), lit('rfm')))) > 0 ? 'rfm.segment' : undefined;
}

/** A forest plot (static SVG): one row per comparison, the lift as a dot and its interval as a line, zero marked. */
export function forestPlot(rows: Comparison[], t: { title: string; caption: string; unit: 'pp' | 'value' }): string {
  const shown = rows.filter((r) => r.lift !== null && r.liftLow !== null && r.liftHigh !== null);
  if (!shown.length) return `<figure><div class="title">${esc(t.title)}</div><p class="empty">Nothing to show yet.</p></figure>`;
  const scale = t.unit === 'pp' ? 100 : 1;
  const lo = Math.min(0, ...shown.map((r) => r.liftLow! * scale));
  const hi = Math.max(0, ...shown.map((r) => r.liftHigh! * scale));
  const pad = (hi - lo) * 0.05 || 1;
  const [x0, x1] = [lo - pad, hi + pad];
  const [left, width, rowH, top] = [230, 420, 20, 24];
  const h = top + shown.length * rowH + 36;
  const x = (v: number) => left + ((v - x0) / (x1 - x0)) * width;
  const arms = [...new Set(shown.map((r) => r.arm))];
  const fmt = (v: number) => (t.unit === 'pp' ? `${v.toFixed(2)} pp` : v.toFixed(3));
  // round ticks: a step of 1, 2 or 5 × 10^k giving four to seven
  const raw = (x1 - x0) / 6;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((st) => st >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(x0 / step) * step; v <= x1 + 1e-12; v += step) ticks.push(Math.abs(v) < step / 1e6 ? 0 : v);
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  const tick = (v: number) => (t.unit === 'pp' ? `${v.toFixed(digits)} pp` : v.toFixed(digits));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${left + width + 140} ${h}" width="${left + width + 140}" height="${h}" font-family="system-ui, sans-serif" font-size="12" role="img">`,
    `<line x1="${x(0).toFixed(1)}" x2="${x(0).toFixed(1)}" y1="${top - 6}" y2="${h - 30}" stroke="${MUTED}" stroke-dasharray="3 3"/>`,
    ...ticks.map((v) => `<text x="${x(v).toFixed(1)}" y="${h - 14}" text-anchor="middle" fill="${MUTED}">${esc(tick(v))}</text>`),
    `<text x="${(left + width / 2).toFixed(0)}" y="${h - 1}" text-anchor="middle" fill="${INK}">lift against control (${t.unit === 'pp' ? 'percentage points' : 'outcome units'}), 95% interval</text>`,
  ];
  shown.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    const color = ARM_COLORS[arms.indexOf(r.arm) % ARM_COLORS.length]!;
    const sig = r.pHolm !== null && r.pHolm < 0.05;
    const tip = `${r.segment ?? 'all'} · ${r.arm}: ${fmt(r.lift! * scale)} [${fmt(r.liftLow! * scale)}, ${fmt(r.liftHigh! * scale)}], p (Holm) ${r.pHolm === null ? '–' : r.pHolm.toExponential(1)}`;
    parts.push(`<g><title>${esc(tip)}</title>`
      + `<text x="${left - 8}" y="${y + 4}" text-anchor="end" fill="${INK}">${esc(`${r.segment ?? 'all customers'} · ${r.arm}`.slice(0, 38))}</text>`
      + `<line x1="${x(r.liftLow! * scale).toFixed(1)}" x2="${x(r.liftHigh! * scale).toFixed(1)}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"/>`
      + `<circle cx="${x(r.lift! * scale).toFixed(1)}" cy="${y}" r="4.5" fill="${sig ? color : 'white'}" stroke="${color}" stroke-width="2"/>`
      + `<text x="${left + width + 8}" y="${y + 4}" fill="${MUTED}">${esc(fmt(r.lift! * scale))}</text></g>`);
  });
  parts.push('</svg>');
  return `<figure><div class="title">${esc(t.title)}</div>\n${parts.join('\n')}\n<figcaption>${esc(t.caption)}</figcaption></figure>`;
}

function campaignHtml(c: CampaignInfo, m: CampaignMeasurement): string {
  const parts: string[] = [];
  const origin = c.source === 'created' ? `created on audience '${c.audience}' (seed ${c.seed}, send date ${c.sendDate})` : `imported from ${c.file}`;
  parts.push(`<h3>${esc(c.name)}</h3>`, `<p>${esc(origin)}; ${num(c.members)} customers; control: ${esc(c.control)}.</p>`);
  parts.push(`<p class="${m.srm.flagged ? 'warning' : 'note'}"><strong>Split check:</strong> ${esc(m.srm.message)}</p>`);
  for (const n of m.notes.filter((x) => x !== m.srm.message)) parts.push(`<p class="note">${esc(n)}</p>`);
  for (const r of m.metrics) {
    const rate = (x: number | null) => (x === null ? '–' : r.kind === 'proportion' ? pct(x, 2) : num(x, 3));
    const lift = (x: number | null) => (x === null ? '–' : r.kind === 'proportion' ? `${(100 * x).toFixed(2)} pp` : num(x, 3));
    const rows = r.cells.filter((x) => x.segment === null).map((cell) => {
      const k = r.overall.find((o) => o.arm === cell.arm);
      return [cell.arm, cell.customers, rate(cell.mean), k ? lift(k.lift) : 'control', k ? `${lift(k.liftLow)} to ${lift(k.liftHigh)}` : '', k?.pValue == null ? '' : k.pValue.toExponential(1), k?.incremental == null ? '' : num(k.incremental, 0)];
    });
    parts.push(htmlTable(['arm', 'customers', r.kind === 'proportion' ? 'rate' : 'mean', 'lift', '95% interval', 'p', r.kind === 'proportion' ? 'extra responders' : 'incremental total'], rows,
      `${r.metric}: each arm against ${c.control} (${r.kind === 'proportion' ? 'Newcombe intervals' : 'Welch intervals'})`));
    const comparisons = m.by ? r.bySegment : r.overall;
    parts.push(forestPlot(comparisons, {
      title: `${c.name}: lift in ${r.metric}${m.by ? ` by ${m.by}` : ''}`,
      unit: r.kind === 'proportion' ? 'pp' : 'value',
      caption: `Each row is one arm against ${c.control}${m.by ? ` within one value of ${m.by}` : ''}: the dot is the lift, the line its 95% interval; a filled dot is significant after Holm's correction across the ${comparisons.length} comparisons (p < 0.05). An interval crossing the dashed zero line is compatible with no effect.`,
    }));
  }
  return parts.join('\n');
}

/** Section for the stored campaigns, or undefined when there are none. */
export async function campaignSection(db: Db, options: CampaignSectionOptions = {}): Promise<ReportSection | undefined> {
  const all = await listCampaigns(db);
  if (!all.length) return undefined;
  const shown = all.slice(-(options.limit ?? 5)).reverse();
  const parts = [`<p>${num(all.length)} campaign${all.length === 1 ? '' : 's'}${shown.length < all.length ? ` (the latest ${shown.length} shown)` : ''}. Lifts are measured against each campaign's control group; definitions in docs/campaigns.md.</p>`];
  for (const c of shown) {
    const by = options.by?.[c.name] ?? (await defaultBy(db, c));
    const m = await measureCampaign({ db }, c.name, by ? { by } : {});
    parts.push(campaignHtml(c, m));
    // the place of the uplift (Qini curve, who to target next time)
    const uplift = options.uplift ? await options.uplift(c.name) : undefined;
    if (uplift) parts.push(uplift);
  }
  return { id: 'campaigns', title: 'Campaigns', html: parts.join('\n') };
}
