/**
 * Studio data for the Clusters page: one cluster run's choice of k (the scores of every k tried and the
 * reason), its profiles (per cluster and feature the z-score, mean and median against the population), the
 * personas, the 2-D principal-component picture the run stored (a seeded sample of at most 2,000 customers,
 * computed by the fit on the server), and each cluster's label with its carry-over from the previous labelled
 * run (server/labels.ts). Everything comes from the run's stored summary and the labels: no per-customer rows.
 */
import type { FastifyInstance } from 'fastify';
import { ALGORITHM_LABELS, type ClusterAlgorithm } from '../../models/cluster/index.ts';
import { one } from '../../pipeline/run-query.ts';
import { cast, col, eq, lit, select, table } from '../../sql/ir.ts';
import { ApiError, notFound } from '../errors.ts';
import { runIdParam } from '../schemas.ts';
import type { WorkspaceState } from '../state.ts';
import { clusterMatch, clusterMatchSchema, labelSchema } from './runs.ts';

const N = { type: ['number', 'null'] } as const;
const scoreSchema = {
  type: 'object', required: ['k', 'inertia', 'silhouette', 'stability', 'smallestShare', 'sizesOk', 'stable'],
  properties: { k: { type: 'integer' }, inertia: N, silhouette: N, calinskiHarabasz: N, daviesBouldin: N, stability: N, bic: N, smallestShare: N, sizesOk: { type: 'boolean' }, stable: { type: 'boolean' } },
} as const;
const clusterSchema = {
  type: 'object', required: ['cluster', 'name', 'customers', 'share', 'features', 'traits', 'persona', 'label', 'match', 'review'],
  properties: {
    cluster: { type: 'integer' }, name: { type: 'string' }, customers: { type: 'integer' }, share: { type: 'number' }, revenueShare: N,
    silhouette: N, persona: { type: 'string' },
    features: { type: 'array', items: { type: 'object', required: ['feature', 'z'], properties: { feature: { type: 'string' }, z: N, robustZ: N, mean: N, median: N, populationMean: N, populationMedian: N } } },
    traits: { type: 'array', items: { type: 'object', required: ['feature', 'z', 'direction', 'words'], properties: { feature: { type: 'string' }, z: { type: 'number' }, direction: { enum: ['high', 'low'] }, words: { type: 'string' } } } },
    label: { anyOf: [labelSchema, { type: 'null' }] }, match: { anyOf: [clusterMatchSchema, { type: 'null' }] }, review: { type: 'boolean' },
  },
} as const;
const detailSchema = {
  type: 'object', required: ['runId', 'algorithm', 'k', 'features', 'customers', 'choice', 'quality', 'clusters', 'pca', 'carry'],
  properties: {
    runId: { type: 'integer' }, asOf: { type: ['string', 'null'] }, createdAt: { type: ['string', 'null'] },
    algorithm: { type: 'string' }, algorithmName: { type: 'string' }, k: { type: 'integer' }, seed: { type: ['integer', 'null'] }, scaling: { type: ['string', 'null'] },
    features: { type: 'array', items: { type: 'string' } }, customers: { type: 'integer' },
    choice: {
      anyOf: [{ type: 'null' }, {
        type: 'object', required: ['k', 'reason', 'elbow', 'scores'],
        properties: { k: { type: 'integer' }, reason: { type: 'string' }, elbow: { type: ['integer', 'null'] }, sampleSize: { type: ['integer', 'null'] }, fittedOn: { type: ['integer', 'null'] }, scores: { type: 'array', items: scoreSchema } },
      }],
    },
    /** how a fixed k was given (when there was no search) */
    fixedK: { type: 'string' },
    quality: { type: 'object', properties: { silhouette: N, calinskiHarabasz: N, daviesBouldin: N, sampleSize: N } },
    clusters: { type: 'array', items: clusterSchema },
    pca: {
      anyOf: [{ type: 'null' }, {
        type: 'object', required: ['explained', 'x', 'y', 'cluster'],
        properties: { explained: { type: 'array', items: { type: 'number' } }, x: { type: 'array', items: { type: 'number' } }, y: { type: 'array', items: { type: 'number' } }, cluster: { type: 'array', items: { type: 'integer' } } },
      }],
    },
    carry: {
      anyOf: [{ type: 'null' }, {
        type: 'object', required: ['runId', 'threshold', 'features'],
        properties: { runId: { type: 'integer' }, threshold: { type: 'number' }, features: { type: 'array', items: { type: 'string' } } },
      }],
    },
  },
} as const;

interface Summary {
  model?: { algorithm?: string; k?: number; seed?: number; preprocessing?: { scaling?: string } };
  choice?: { k: number; reason: string; elbow: number | null; sampleSize?: number; fittedOn?: number; scores: Record<string, unknown>[] } | null;
  quality?: Record<string, unknown>;
  profiles?: {
    cluster: number; name: string; customers: number; share: number; persona: string;
    features: Record<string, unknown>[]; traits: Record<string, unknown>[];
    criteria?: { substantial?: { revenueShare?: number | null }; differentiable?: { silhouette?: number | null } };
  }[];
  features?: string[];
  picture?: { x: number[]; y: number[]; cluster: number[]; explained: number[] };
}

/** A number for JSON, null for anything else (a stored NaN is null already). */
const fin = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export async function clusterDetailRoutes(app: FastifyInstance, opts: { state: WorkspaceState }): Promise<void> {
  app.get<{ Params: { runId: number } }>('/runs/:runId/cluster-detail', {
    config: { role: 'viewer' },
    schema: {
      tags: ['clusters'],
      summary: 'A cluster run for the studio: the k tried and why this k, profiles (z-scores, means, medians), personas, the 2-D principal-component picture of a sample, labels with their carry-over from the previous labelled run',
      params: { type: 'object', required: ['runId'], properties: { runId: runIdParam } },
      response: { 200: detailSchema },
    },
  }, async (req) => {
    const db = app.segmint.reader().db;
    const runId = req.params.runId;
    const row = await one<{ kind: unknown; as_of: unknown; created_at: unknown; summary: unknown; params: unknown }>(db, select({
      select: [
        { expr: col('kind'), as: 'kind' }, { expr: cast(col('as_of'), 'varchar'), as: 'as_of' }, { expr: cast(col('created_at'), 'varchar'), as: 'created_at' },
        { expr: cast(col('summary'), 'varchar'), as: 'summary' }, { expr: cast(col('params'), 'varchar'), as: 'params' },
      ],
      from: table('runs'), where: eq(col('run_id'), lit(runId)),
    }));
    if (!row) throw notFound('run', String(runId), 'list cluster runs with GET /runs?kind=cluster');
    if (row.kind !== 'cluster') throw new ApiError(400, 'wrong-run-kind', `run ${runId} is a ${String(row.kind)} run, not a cluster run`, { hint: 'list cluster runs with GET /runs?kind=cluster' });
    const parse = <T>(v: unknown): T => { try { return JSON.parse(String(v)) as T; } catch { return {} as T; } };
    const s = parse<Summary>(row.summary), params = parse<{ k?: unknown }>(row.params);
    const match = await opts.state.labels.carryOver(db, runId);
    const labels = opts.state.labels.ofRun(runId);
    const profiles = s.profiles ?? [];
    const algorithm = s.model?.algorithm ?? 'kmeans';
    const pic = s.picture;
    return {
      runId, asOf: row.as_of === null ? null : String(row.as_of).slice(0, 10), createdAt: row.created_at === null ? null : String(row.created_at),
      algorithm, algorithmName: ALGORITHM_LABELS[algorithm as ClusterAlgorithm]?.name ?? algorithm,
      k: s.model?.k ?? profiles.length, seed: fin(s.model?.seed), scaling: s.model?.preprocessing?.scaling ?? null,
      features: s.features ?? [], customers: profiles.reduce((a, p) => a + p.customers, 0),
      choice: s.choice ? {
        k: s.choice.k, reason: s.choice.reason, elbow: s.choice.elbow, sampleSize: fin(s.choice.sampleSize), fittedOn: fin(s.choice.fittedOn),
        scores: s.choice.scores.map((x) => ({
          k: Number(x.k), inertia: fin(x.inertia), silhouette: fin(x.silhouette), calinskiHarabasz: fin(x.calinskiHarabasz), daviesBouldin: fin(x.daviesBouldin),
          stability: fin(x.stability), bic: fin(x.bic), smallestShare: fin(x.smallestShare), sizesOk: Boolean(x.sizesOk), stable: Boolean(x.stable),
        })),
      } : null,
      ...(s.choice ? {} : { fixedK: typeof params.k === 'number' ? `k = ${params.k} was given, so no k was searched` : 'no search of k was stored with this run' }),
      quality: { silhouette: fin(s.quality?.silhouette), calinskiHarabasz: fin(s.quality?.calinskiHarabasz), daviesBouldin: fin(s.quality?.daviesBouldin), sampleSize: fin(s.quality?.sampleSize) },
      clusters: profiles.map((p) => ({
        cluster: p.cluster, name: p.name, customers: p.customers, share: p.share, persona: p.persona,
        revenueShare: fin(p.criteria?.substantial?.revenueShare), silhouette: fin(p.criteria?.differentiable?.silhouette),
        features: p.features.map((f) => ({ feature: String(f.feature), z: fin(f.z), robustZ: fin(f.robustZ), mean: fin(f.mean), median: fin(f.median), populationMean: fin(f.populationMean), populationMedian: fin(f.populationMedian) })),
        traits: p.traits.filter((t) => fin(t.z) !== null).map((t) => ({ feature: String(t.feature), z: t.z as number, direction: t.direction === 'low' ? 'low' : 'high', words: String(t.words) })),
        ...clusterMatch(match, p.cluster, labels),
      })),
      pca: pic && pic.x.length ? { explained: pic.explained, x: pic.x, y: pic.y, cluster: pic.cluster } : null,
      carry: match ? { runId: match.runId, threshold: match.threshold, features: match.features } : null,
    };
  });
}
