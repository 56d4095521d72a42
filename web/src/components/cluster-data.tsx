// What the Clusters page reads from the server (GET /runs?kind=cluster, /runs/{id}/cluster-detail) and the
// name a cluster goes by: the label people gave it, else the name the run generated.
import { get } from '../api.ts';
import './cluster-styles.css';

export interface ClusterRunListing {
  runId: number;
  asOf: string | null;
  createdAt: string;
  customers: number | null;
  k?: number;
  summary: string;
}

export interface ClusterLabel {
  name?: string;
  note?: string;
  owner?: string;
  actionable?: boolean;
  updatedAt: string;
  updatedBy: string;
  carriedFrom?: { runId: number; cluster: number };
}

export interface ClusterMatch { runId: number; cluster: number | null; distance: number | null; threshold: number }

export interface KScore {
  k: number;
  inertia: number | null;
  silhouette: number | null;
  calinskiHarabasz: number | null;
  daviesBouldin: number | null;
  stability: number | null;
  bic: number | null;
  smallestShare: number | null;
  sizesOk: boolean;
  stable: boolean;
}

export interface ClusterInfo {
  cluster: number;
  name: string;
  customers: number;
  share: number;
  revenueShare: number | null;
  silhouette: number | null;
  persona: string;
  features: { feature: string; z: number | null; mean: number | null; median: number | null; populationMean: number | null; populationMedian: number | null }[];
  traits: { feature: string; z: number; direction: 'high' | 'low'; words: string }[];
  label: ClusterLabel | null;
  match: ClusterMatch | null;
  review: boolean;
}

export interface ClusterDetail {
  runId: number;
  asOf: string | null;
  createdAt: string | null;
  algorithm: string;
  algorithmName: string;
  k: number;
  seed: number | null;
  scaling: string | null;
  features: string[];
  customers: number;
  choice: { k: number; reason: string; elbow: number | null; sampleSize: number | null; fittedOn: number | null; scores: KScore[] } | null;
  fixedK?: string;
  quality: { silhouette: number | null; calinskiHarabasz: number | null; daviesBouldin: number | null; sampleSize: number | null };
  clusters: ClusterInfo[];
  pca: { explained: number[]; x: number[]; y: number[]; cluster: number[] } | null;
  carry: { runId: number; threshold: number; features: string[] } | null;
}

export const clusterRuns = async (signal?: AbortSignal): Promise<ClusterRunListing[]> =>
  (await get<{ items: ClusterRunListing[] }>('/runs', { kind: 'cluster' }, signal)).items;

export const clusterDetail = (runId: number, signal?: AbortSignal): Promise<ClusterDetail> => get<ClusterDetail>(`/runs/${runId}/cluster-detail`, undefined, signal);

/** The name a cluster goes by: its label's, else the generated one. */
export const clusterName = (c: Pick<ClusterInfo, 'name' | 'label'>): string => c.label?.name || c.name;

/** "recency_days" → "recency days" */
export const featureName = (f: string): string => f.replace(/_/g, ' ');

export const pct = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`);

export const runText = (r: { runId: number; asOf: string | null; createdAt?: string | null }): string =>
  `Run ${r.runId}${r.asOf ? ` (as of ${r.asOf.slice(0, 10)})` : ''}`;

/** Cluster colours (Observable's tableau10, in cluster order): the same cluster has the same colour in every chart. */
export const CLUSTER_COLOURS = ['#4e79a7', '#f28e2c', '#e15759', '#76b7b2', '#59a14f', '#edc949', '#af7aa1', '#ff9da7', '#9c755f', '#bab0ab'];
export const colourOf = (cluster: number): string => CLUSTER_COLOURS[cluster % CLUSTER_COLOURS.length]!;

/** Each cluster's name for a chart's axis or legend: the name it goes by, numbered when two share one. */
export function chartNames(clusters: readonly Pick<ClusterInfo, 'cluster' | 'name' | 'label'>[]): Map<number, string> {
  const count = new Map<string, number>();
  for (const c of clusters) count.set(clusterName(c), (count.get(clusterName(c)) ?? 0) + 1);
  return new Map(clusters.map((c) => [c.cluster, count.get(clusterName(c))! > 1 ? `${clusterName(c)} (cluster ${c.cluster})` : clusterName(c)]));
}
