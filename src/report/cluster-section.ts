/** The cluster section: how k was chosen, the clusters on two principal components, the profile heat map, sizes against revenue. */
import { ALGORITHM_LABELS, type ClusterAlgorithm, type ClusterProfile, type KScore } from '../models/cluster/index.ts';
import { one } from '../pipeline/run-query.ts';
import { cast, col, eq, lit, select, table } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { barsH, heatmap, lines, pairedBars, scatter } from './charts.ts';
import { esc, htmlTable, num, pct, type ReportSection } from './html.ts';

interface StoredSummary {
  model: { k: number; names: string[]; algorithm: string };
  choice: { k: number; reason: string; elbow: number | null; scores: KScore[] } | null;
  quality: { silhouette: number | null; calinskiHarabasz: number | null; daviesBouldin: number | null; sampleSize: number };
  profiles: ClusterProfile[];
  features: string[];
  picture?: { x: number[]; y: number[]; cluster: number[]; explained: number[] };
}

/** Features at most in the profile heat map: more make its columns too narrow to read. */
export const HEATMAP_FEATURES = 12;

const maxAbsZ = (profiles: readonly ClusterProfile[], feature: string) => Math.max(0, ...profiles.map((p) => Math.abs(p.features.find((f) => f.feature === feature)?.z ?? 0)));

/** The heat map's features: all when there are at most `max`, else the `max` with the largest |z| in any cluster (ties by order), in the given order. */
export function heatmapFeatures(profiles: readonly ClusterProfile[], features: readonly string[], max = HEATMAP_FEATURES): string[] {
  if (features.length <= max) return [...features];
  const keep = new Set([...features].map((f, i) => ({ f, i, z: maxAbsZ(profiles, f) })).sort((a, b) => b.z - a.z || a.i - b.i).slice(0, max).map((x) => x.f));
  return features.filter((f) => keep.has(f));
}

/** Section for the latest cluster run, or undefined when there is none. */
export async function clusterSection(db: Db): Promise<ReportSection | undefined> {
  const run = await one<{ run_id: number; summary: string }>(db, select({
    select: [{ expr: col('run_id'), as: 'run_id' }, { expr: cast(col('summary'), 'varchar'), as: 'summary' }],
    from: table('runs'),
    where: eq(col('kind'), lit('cluster')),
    orderBy: [{ expr: col('run_id'), desc: true }],
    limit: 1,
  }));
  if (!run) return undefined;
  const s = JSON.parse(run.summary) as StoredSummary;
  const profiles = s.profiles;
  const total = profiles.reduce((a, p) => a + p.customers, 0);
  const parts: string[] = [];
  const by = ALGORITHM_LABELS[s.model.algorithm as ClusterAlgorithm]?.name ?? s.model.algorithm;
  parts.push(`<p>Run ${run.run_id}: ${num(total)} customers in <b>${s.model.k} clusters</b> by ${esc(by)} on ${esc(s.features.join(', '))} (scaled as the run asked). Definitions: docs/models.md.</p>`);
  if (s.choice) parts.push(`<p>${esc(s.choice.reason)}</p>`);
  parts.push('<div class="grid2">');
  if (s.choice) {
    const sc = s.choice.scores;
    parts.push(lines(sc.map((x) => ({ x: x.k, y: x.silhouette, series: 'silhouette' })).concat(sc.map((x) => ({ x: x.k, y: x.stability, series: 'stability (ARI)' }))), {
      title: 'Choosing k: silhouette and stability', xLabel: 'k', yLabel: 'score', markX: s.choice.k, width: 460,
      caption: 'Higher is better for both; the dashed line marks the chosen k. Silhouette on a seeded sample; stability is the mean adjusted Rand index between restarts.',
    }));
    parts.push(lines(sc.map((x) => ({ x: x.k, y: x.inertia, series: 'inertia' })), {
      title: 'Choosing k: inertia (the elbow)', xLabel: 'k', yLabel: 'within-cluster sum of squares', markX: s.choice.elbow ?? undefined, width: 460, format: (v) => num(v, 1),
      caption: s.choice.elbow === null ? 'The curve has no clear bend.' : `The curve bends at k = ${s.choice.elbow} (dashed line): more clusters explain little more.`,
    }));
  }
  if (s.picture && s.picture.x.length > 0) {
    const names = s.model.names;
    parts.push(scatter(s.picture.x.map((x, i) => ({ x, y: s.picture!.y[i]!, group: names[s.picture!.cluster[i]!] ?? 'excluded' })), {
      title: 'Clusters on the first two principal components', groupOrder: names, width: 560,
      xLabel: `PC 1 (${pct(s.picture.explained[0] ?? 0)} of the variance)`, yLabel: `PC 2 (${pct(s.picture.explained[1] ?? 0)})`,
      caption: `Up to 2,000 customers of the sample, projected on the two directions of largest spread of the scaled features.`,
    }));
  }
  // many features make an unreadable heat map: the HEATMAP_FEATURES that most set a cluster apart (largest |z| in any cluster), in the run's order
  const allFeatures = s.features.filter((f) => profiles[0]?.features.some((x) => x.feature === f));
  const shown = heatmapFeatures(profiles, allFeatures);
  const left = allFeatures.length - shown.length;
  parts.push(heatmap(profiles.flatMap((p) => p.features.filter((f) => shown.includes(f.feature)).map((f) => ({ x: f.feature, y: p.name, value: f.z, label: `${f.z >= 0 ? '+' : ''}${f.z.toFixed(1)}` }))), {
    title: left ? `Cluster profiles (z-scores): the ${shown.length} most distinguishing of ${allFeatures.length} features` : 'Cluster profiles (z-scores)', xLabel: 'feature', yLabel: '', colorLabel: 'z', diverging: true,
    xDomain: shown, yDomain: profiles.map((p) => p.name), width: Math.max(520, 240 + 90 * shown.length),
    caption: `Each cell: how far the cluster mean lies from the mean of all customers, in population standard deviations (red above, blue below).${
      left ? ` ${left} more feature${left === 1 ? '' : 's'} with smaller differences (largest |z| at most ${Math.min(...shown.map((f) => maxAbsZ(profiles, f))).toFixed(1)}) are left out here; the table below has every feature's mean.` : ''}`,
  }));
  const hasRevenue = profiles.some((p) => p.criteria.substantial.revenueShare !== null);
  parts.push(hasRevenue
    ? pairedBars(profiles.map((p) => ({ label: p.name, a: p.share, b: p.criteria.substantial.revenueShare ?? 0 })), ['share of customers', 'share of revenue'], {
      title: 'Cluster size against revenue', xLabel: 'share', percent: true, width: 600, caption: 'Measurable and substantial: how many customers each cluster holds and how much of the revenue.',
    })
    : barsH(profiles.map((p) => ({ label: p.name, value: p.customers })), { title: 'Cluster sizes', xLabel: 'customers', total, caption: 'Customers per cluster.' }));
  parts.push('</div>');
  parts.push(htmlTable(['cluster', 'customers', 'share', 'revenue share', 'contactable', 'silhouette', ...(profiles[0]?.features.map((f) => `mean ${f.feature}`) ?? []),
    ...(profiles[0]?.categories?.map((c) => `most frequent ${c.feature}`) ?? [])],
    profiles.map((p) => [p.name, p.customers, pct(p.share), p.criteria.substantial.revenueShare === null ? '–' : pct(p.criteria.substantial.revenueShare),
      p.criteria.accessible.shareWithContact === null ? '–' : pct(p.criteria.accessible.shareWithContact),
      p.criteria.differentiable.silhouette === null ? '–' : num(p.criteria.differentiable.silhouette, 3), ...p.features.map((f) => num(f.mean, Math.abs(f.mean) < 10 ? 2 : 1)),
      ...(p.categories ?? []).map((c) => `${c.mode} (${pct(c.share)})`)])));
  parts.push(profiles.map((p) => `<p>${esc(p.persona)}</p>`).join('\n'));
  const q = s.quality;
  parts.push(`<p class="note">Quality: silhouette ${q.silhouette === null ? '–' : num(q.silhouette, 3)} on ${num(q.sampleSize)} customers, Calinski-Harabasz ${q.calinskiHarabasz === null ? '–' : num(q.calinskiHarabasz, 1)}, Davies-Bouldin ${q.daviesBouldin === null ? '–' : num(q.daviesBouldin, 3)}. Contactable: the share with an e-mail opt-in (or e-mail, phone) trait, when the customers have one; actionable (your notes) comes later.</p>`);
  return { id: 'clusters', title: 'Clusters', html: parts.join('\n') };
}
