/**
 * The uplift part of a campaign in the report: for an imported campaign with a 0/1 outcome, per treatment arm
 * (at most three), the held-out Qini curves of the two-model and class-transformation approaches against random
 * targeting, and their Qini coefficient, AUUC and uplift at 30% (`segmint campaign uplift` with its defaults).
 * Plugged into the campaigns section through its `uplift` option.
 */
import { isSegmintError } from '../core/errors.ts';
import { UPLIFT_METHODS } from '../models/campaign/uplift.ts';
import { findCampaign } from '../pipeline/campaign.ts';
import { campaignUplift, type CampaignUpliftResult } from '../pipeline/campaign-uplift.ts';
import type { Db } from '../store/workspace.ts';
import { esc, htmlTable, num } from './html.ts';

const INK = '#1f2937';
const MUTED = '#6b7280';
const SERIES = ['#0f766e', '#d97706'];

/** A static SVG of Qini curves (incremental responders by the share targeted), random targeting as the dashed diagonal. */
export function qiniChart(results: CampaignUpliftResult[], title: string): string {
  const curves = results.filter((r) => r.qiniCurve.length > 1);
  if (!curves.length) return `<figure><div class="title">${esc(title)}</div><p class="empty">Nothing to show yet.</p></figure>`;
  const [left, width, top, height] = [64, 420, 16, 220];
  const ys = curves.flatMap((r) => r.qiniCurve.map((p) => p.qini));
  const lo = Math.min(0, ...ys);
  const hi = Math.max(0, ...ys);
  const pad = (hi - lo) * 0.05 || 1;
  const [y0, y1] = [lo - pad, hi + pad];
  const x = (share: number) => left + share * width;
  const y = (v: number) => top + height - ((v - y0) / (y1 - y0)) * height;
  const end = curves[0]!.qiniCurve[curves[0]!.qiniCurve.length - 1]!.qini;
  // round ticks: a step of 1, 2 or 5 × 10^k giving about four intervals
  const raw = (y1 - y0) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(y0 / step) * step; v <= y1; v += step) ticks.push(v);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${left + width + 190} ${top + height + 44}" width="${left + width + 190}" height="${top + height + 44}" font-family="system-ui, sans-serif" font-size="12" role="img">`,
    `<line x1="${left}" x2="${left + width}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#e5e7eb"/>`,
    ...ticks.map((v) => `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="${MUTED}">${esc(num(v, 0))}</text>`),
    ...[0, 0.25, 0.5, 0.75, 1].map((s) => `<text x="${x(s).toFixed(1)}" y="${top + height + 16}" text-anchor="middle" fill="${MUTED}">${s * 100}%</text>`),
    `<text x="${(left + width / 2).toFixed(0)}" y="${top + height + 36}" text-anchor="middle" fill="${INK}">share of the held-out customers targeted, highest predicted uplift first</text>`,
    `<text x="14" y="${(top + height / 2).toFixed(0)}" transform="rotate(-90 14 ${(top + height / 2).toFixed(0)})" text-anchor="middle" fill="${INK}">incremental responders</text>`,
    `<line x1="${x(0)}" y1="${y(0).toFixed(1)}" x2="${x(1)}" y2="${y(end).toFixed(1)}" stroke="${MUTED}" stroke-dasharray="4 3" stroke-width="1.5"/>`,
  ];
  // the legend, right of the plot: one row per curve, random targeting last
  const legend = (i: number, color: string, label: string, dashed = false) =>
    `<line x1="${x(1) + 14}" x2="${x(1) + 38}" y1="${top + 10 + 18 * i}" y2="${top + 10 + 18 * i}" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="4 3"' : ''}/>`
    + `<text x="${x(1) + 44}" y="${top + 14 + 18 * i}" fill="${dashed ? MUTED : color}">${esc(label)}</text>`;
  curves.forEach((r, i) => {
    const color = SERIES[i % SERIES.length]!;
    const pts = r.qiniCurve.map((p) => `${x(p.share).toFixed(1)},${y(p.qini).toFixed(1)}`).join(' ');
    parts.push(`<g><title>${esc(`${r.method}: Qini coefficient ${r.qiniCoefficient.toFixed(4)}`)}</title><polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/></g>`);
    parts.push(legend(i, color, r.method));
  });
  parts.push(legend(curves.length, MUTED, 'random targeting', true));
  parts.push('</svg>');
  const r0 = curves[0]!;
  const caption = `Qini curves on the ${num(r0.test.rows)} customers held out from the fit (${Math.round(100 * r0.testShare)}%, seed ${r0.seed}): at each share targeted, the responders the campaign added among them (treated responders minus control responders scaled to the treated count). The dashed line is random targeting; the area between a curve and it, over that of the perfect ranking, is the Qini coefficient. Definitions in docs/campaigns.md.`;
  return `<figure><div class="title">${esc(title)}</div>\n${parts.join('\n')}\n<figcaption>${esc(caption)}</figcaption></figure>`;
}

/** The uplift HTML of campaign `name` (both methods, each treatment arm up to three), or undefined when it has no 0/1 outcome or pre-treatment columns. */
export async function upliftHtml(db: Db, name: string): Promise<string | undefined> {
  const c = await findCampaign(db, name);
  if (c.source !== 'imported' || !c.traits.length || !c.outcomes.length) return undefined;
  const parts: string[] = [];
  for (const treatment of c.arms.map((a) => a.name).filter((a) => a !== c.control).slice(0, 3)) {
    const results: CampaignUpliftResult[] = [];
    try {
      for (const method of UPLIFT_METHODS) results.push(await campaignUplift({ db }, name, { treatment, method }));
    } catch (e) {
      if (!isSegmintError(e)) throw e;
      if (['invalid-usage', 'no-features'].includes(e.code)) return undefined; // no 0/1 outcome or nothing to model from
      parts.push(`<p class="note">No uplift for ${esc(treatment)}: ${esc(e.message)}</p>`);
      continue;
    }
    const r = results[0]!;
    const pp = (v: number) => `${(100 * v).toFixed(2)} pp`;
    parts.push(htmlTable(['method', 'Qini coefficient', 'AUUC', `uplift at top ${Math.round(100 * r.k)}%`, 'random targeting', `random, 95th percentile (${r.random.permutations} rankings)`],
      results.map((x) => [x.method, x.qiniCoefficient.toFixed(4), x.upliftAuc.toFixed(4), pp(x.upliftAtK), pp(x.random.upliftAtK), `${x.random.qini95.toFixed(4)} / ${pp(x.random.upliftAtK95)}`]),
      `Uplift of ${treatment} against ${c.control} on ${r.outcome}: logistic regression on ${r.features.join(', ')}; the top ${Math.round(100 * r.k)}% by predicted uplift is the send list of segmint campaign uplift ${name} --treatment "${treatment}" --out FILE`));
    parts.push(qiniChart(results, `${name}: Qini curves, ${treatment} on ${r.outcome}`));
  }
  return parts.length ? parts.join('\n') : undefined;
}
