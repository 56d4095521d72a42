/**
 * Runs of every kind: list, one run, create (rfm, lrfmp, cluster, clv, clv-predict — queued as a job when the
 * jobs plugin is registered), their per-customer rows paged, filtered and sorted, and the clusters of a
 * cluster run with the labels and notes people give them.
 */
import type { FastifyInstance } from 'fastify';
import { runClustering } from '../../pipeline/cluster.ts';
import { runClvFit, runClvPredict } from '../../pipeline/clv.ts';
import { listRuns, RUN_KINDS } from '../../pipeline/migration.ts';
import { all, one } from '../../pipeline/run-query.ts';
import { runValueSegmentation } from '../../pipeline/value.ts';
import { avg, cast, col, count, eq, inList, lit, or, select, table, and, type Expr } from '../../sql/ir.ts';
import { ApiError, notFound } from '../errors.ts';
import { customerIdParam, runIdParam } from '../schemas.ts';
import type { WorkspaceState } from '../state.ts';
import type { ClusterLabel, RunMatch } from '../labels.ts';
import { queueOrRun, queuedOrDone } from '../work.ts';
import { MAX_OFFSET } from './sources.ts';

/** The table of a kind's per-customer rows, and the column a `label` filter reads. */
const ROWS: Record<string, { table: string; label?: string }> = {
  rfm: { table: 'run_scores', label: 'segment' },
  lrfmp: { table: 'run_scores', label: 'segment' },
  'clv-predict': { table: 'clv_predictions', label: 'clv_tier' },
  cluster: { table: 'run_clusters', label: 'cluster_name' },
  audience: { table: 'audience_members' },
  recommend: { table: 'run_recommendations', label: 'kind' },
};
const CREATE_KINDS = ['rfm', 'lrfmp', 'cluster', 'clv', 'clv-predict'] as const;
const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const COLUMN = { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,63}$' } as const;

const runSchema = {
  type: 'object', required: ['runId', 'kind', 'createdAt', 'summary'],
  properties: {
    runId: { type: 'integer' }, kind: { type: 'string' }, asOf: { type: ['string', 'null'] }, createdAt: { type: 'string' }, customers: { type: ['integer', 'null'] },
    segments: { type: 'integer' }, k: { type: 'integer' }, name: { type: 'string' }, summary: { type: 'string' },
  },
} as const;
const labelBody = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, note: { type: 'string', maxLength: 10000 }, owner: { type: 'string', maxLength: 200 }, actionable: { type: 'boolean' } },
} as const;
export const labelSchema = {
  type: 'object', required: ['updatedAt', 'updatedBy'],
  properties: {
    name: { type: 'string' }, note: { type: 'string' }, owner: { type: 'string' }, actionable: { type: 'boolean' }, updatedAt: { type: 'string' }, updatedBy: { type: 'string' },
    carriedFrom: { type: 'object', required: ['runId', 'cluster'], properties: { runId: { type: 'integer' }, cluster: { type: 'integer' } } },
  },
} as const;
/** How a cluster was matched to the previous labelled run's (server/labels.ts): that run, its cluster (null: new), the distance. */
export const clusterMatchSchema = {
  type: 'object', required: ['runId', 'cluster', 'distance', 'threshold'],
  properties: { runId: { type: 'integer' }, cluster: { type: ['integer', 'null'] }, distance: { type: ['number', 'null'] }, threshold: { type: 'number' } },
} as const;
/** A cluster's label, its match to the previous labelled run and whether it is new and unlabelled ("new — review"). */
export function clusterMatch(m: RunMatch | undefined, cluster: number, labels: Record<string, ClusterLabel>) {
  const c = m?.clusters[String(cluster)];
  const label = labels[String(cluster)] ?? null;
  const match = m && c ? { runId: m.runId, cluster: c.cluster, distance: c.distance, threshold: m.threshold } : null;
  return { label, match, review: match !== null && match.cluster === null && label === null };
}
const runParams = { type: 'object', required: ['runId'], properties: { runId: runIdParam } } as const;
const tags = ['runs'];

interface CreateBody {
  asOf?: string;
  bins?: number;
  k?: number | 'auto';
  features?: string[];
  algorithm?: string;
  seed?: number;
  model?: string;
  calibrationEnd?: string;
  horizon?: number;
  unit?: string;
  fitRunId?: number;
}

export async function runRoutes(app: FastifyInstance, opts: { state: WorkspaceState }): Promise<void> {
  const main = app.segmint.ws;
  /** a read view for one request (app.segmint.reader) */
  const rd = () => app.segmint.reader();

  const runOf = async (runId: number) => {
    const r = (await listRuns(rd().db)).find((x) => x.runId === runId);
    if (!r) throw notFound('run', String(runId), 'list runs with GET /runs');
    return r;
  };

  app.get<{ Querystring: { kind?: string } }>('/runs', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: 'Stored runs of every kind (or one), oldest first',
      querystring: { type: 'object', additionalProperties: false, properties: { kind: { enum: [...RUN_KINDS] } } },
      response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: runSchema } } } },
    },
  }, async (req) => ({ items: await listRuns(rd().db, req.query.kind) }));

  app.get<{ Params: { runId: number } }>('/runs/:runId', {
    config: { role: 'viewer' },
    schema: { tags, summary: 'One run with its parameters and stored summary', params: runParams, response: { 200: { ...runSchema, properties: { ...runSchema.properties, params: { type: 'object', additionalProperties: true }, result: { type: 'object', additionalProperties: true } } } } },
  }, async (req) => {
    const ws = rd();
    const r = await runOf(req.params.runId);
    const row = await one<{ params: unknown; summary: unknown }>(ws.db, select({ select: [{ expr: cast(col('params'), 'varchar'), as: 'params' }, { expr: cast(col('summary'), 'varchar'), as: 'summary' }], from: table('runs'), where: eq(col('run_id'), lit(r.runId)) }));
    const parse = (v: unknown) => {
      try {
        const x = typeof v === 'string' ? JSON.parse(v) as unknown : v;
        return x && typeof x === 'object' && !Array.isArray(x) ? x : {};
      } catch {
        return {};
      }
    };
    return { ...r, params: parse(row?.params), result: parse(row?.summary) };
  });

  app.post<{ Params: { kind: (typeof CREATE_KINDS)[number] }; Body: CreateBody | undefined }>('/runs/:kind', {
    config: { role: 'analyst' },
    schema: {
      tags, summary: 'Run a segmentation or model: rfm, lrfmp, cluster, clv (fit) or clv-predict; queued as a job when the server has a queue',
      params: { type: 'object', required: ['kind'], properties: { kind: { enum: [...CREATE_KINDS] } } },
      body: {
        type: 'object', additionalProperties: false,
        properties: {
          asOf: DATE, bins: { type: 'integer', minimum: 2, maximum: 9 },
          k: { anyOf: [{ type: 'integer', minimum: 2, maximum: 50 }, { const: 'auto' }] },
          features: { type: 'array', maxItems: 50, items: COLUMN }, algorithm: { enum: ['kmeans', 'kmedoids', 'gmm', 'kprototypes'] }, seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 },
          model: { enum: ['auto', 'bgnbd', 'mbgnbd', 'paretonbd', 'bgbb'] }, calibrationEnd: DATE,
          horizon: { type: 'integer', minimum: 1, maximum: 1200 }, unit: { enum: ['day', 'week', 'month', 'year'] }, fitRunId: runIdParam,
        },
      },
      response: queuedOrDone({ type: 'object', additionalProperties: true, properties: { runId: { type: ['integer', 'null'] } } }),
    },
  }, async (req, reply) => {
    const kind = req.params.kind;
    const b = req.body ?? {};
    const run = async (): Promise<Record<string, unknown>> => {
      switch (kind) {
        case 'rfm':
        case 'lrfmp':
          return { ...(await runValueSegmentation(main, kind, { asOf: b.asOf, bins: b.bins })) };
        case 'cluster': {
          const c = await runClustering({ ws: main }, { asOf: b.asOf, ...(b.k !== undefined ? { k: b.k } : {}), ...(b.features ? { features: b.features } : {}), ...(b.algorithm ? { algorithm: b.algorithm } : {}), ...(b.seed !== undefined ? { seed: b.seed } : {}) } as Parameters<typeof runClustering>[1]);
          // the labels of the previous labelled run's matching clusters carry over (server/labels.ts)
          const carried = c.runId === null ? undefined : await opts.state.labels.carryOver(main.db, c.runId);
          return { ...c, labelsCarriedFrom: carried?.runId ?? null };
        }
        case 'clv':
          return { ...(await runClvFit(main, { asOf: b.asOf, calibrationEnd: b.calibrationEnd, ...(b.model ? { model: b.model } : {}) } as Parameters<typeof runClvFit>[1])) };
        case 'clv-predict':
          return { ...(await runClvPredict(main, { asOf: b.asOf, horizon: b.horizon, fitRunId: b.fitRunId, ...(b.unit ? { unit: b.unit } : {}) } as Parameters<typeof runClvPredict>[1])) };
      }
    };
    return queueOrRun(app, reply, { kind, params: { ...b }, writer: true, run });
  });

  app.get<{ Params: { runId: number }; Querystring: { limit: number; offset: number; sort?: string; order: 'asc' | 'desc'; label?: string; customerId?: string } }>('/runs/:runId/rows', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: 'The per-customer rows of a run (scores, CLV predictions, cluster assignments, audience members), paged, filtered by label or customer and sorted by any column',
      params: runParams,
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 },
          sort: COLUMN, order: { enum: ['asc', 'desc'], default: 'asc' }, label: { type: 'string', maxLength: 200 }, customerId: customerIdParam,
        },
      },
      response: { 200: { type: 'object', required: ['runId', 'kind', 'total', 'limit', 'offset', 'items'], properties: { runId: { type: 'integer' }, kind: { type: 'string' }, total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' }, items: { type: 'array', items: { type: 'object', additionalProperties: true } } } } },
    },
  }, async (req) => {
    // a stored run's rows do not change within a workspace version (a label filter reads the labels file: not kept)
    return req.query.label === undefined ? opts.state.memo(req.url, () => runRows(req)) : runRows(req);
  });
  async function runRows(req: { params: { runId: number }; query: { limit: number; offset: number; sort?: string; order: 'asc' | 'desc'; label?: string; customerId?: string } }) {
    const ws = rd();
    const r = await runOf(req.params.runId);
    const spec = ROWS[r.kind];
    if (!spec) throw new ApiError(400, 'no-rows', `run ${r.runId} is a ${r.kind} run, which has no per-customer rows`, { hint: `rows are kept for ${Object.keys(ROWS).join(', ')} runs` });
    const columns = (await ws.db.tableColumns(spec.table)).map((c) => c.name).filter((c) => c !== 'run_id');
    const { limit, offset, sort, order, label, customerId } = req.query;
    if (sort !== undefined && !columns.includes(sort)) throw new ApiError(400, 'unknown-column', `sort=${sort}: ${r.kind} rows have no column ${sort}`, { hint: `columns: ${columns.join(', ')}` });
    if (label !== undefined && !spec.label) throw new ApiError(400, 'no-label', `${r.kind} rows have no label to filter by`);
    const conds: Expr[] = [eq(col('run_id'), lit(r.runId))];
    if (label !== undefined) {
      // a cluster is found by the name people gave it too (GET /runs/{id}/clusters' label), not only the generated one
      if (r.kind === 'cluster') await opts.state.labels.carryOver(ws.db, r.runId);
      const named = r.kind === 'cluster' ? Object.entries(opts.state.labels.ofRun(r.runId)).filter(([, l]) => l.name === label).map(([c]) => Number(c)) : [];
      conds.push(named.length ? or(eq(col(spec.label!), lit(label)), inList(col('cluster'), named)) : eq(col(spec.label!), lit(label)));
    }
    if (customerId !== undefined) conds.push(eq(col('customer_id'), lit(customerId)));
    const where = and(...conds);
    const total = Number((await one<{ n: unknown }>(ws.db, select({ select: [{ expr: count(), as: 'n' }], from: table(spec.table), where })))?.n ?? 0);
    const orderBy = [...(sort ? [{ expr: col(sort), desc: order === 'desc' }] : []), { expr: col('customer_id'), desc: sort ? false : order === 'desc' }, ...(spec.table === 'run_recommendations' ? [col('rank')] : [])];
    const rows = await all(ws.db, select({ select: columns.map((c) => ({ expr: col(c), as: c })), from: table(spec.table), where, orderBy, limit: offset + limit }));
    return { runId: r.runId, kind: r.kind, total, limit, offset, items: rows.slice(offset).map(plain) };
  }

  app.get<{ Params: { runId: number } }>('/runs/:runId/clusters', {
    config: { role: 'viewer' },
    schema: {
      tags: ['clusters'], summary: 'The clusters of a cluster run: size, mean distance, the name the run gave, and the label and note people gave', params: runParams,
      response: { 200: { type: 'object', required: ['runId', 'items'], properties: { runId: { type: 'integer' }, items: { type: 'array', items: { type: 'object', required: ['cluster', 'name', 'customers'], properties: { cluster: { type: 'integer' }, name: { type: 'string' }, customers: { type: 'integer' }, meanDistance: { type: ['number', 'null'] }, label: { anyOf: [labelSchema, { type: 'null' }] }, match: { anyOf: [clusterMatchSchema, { type: 'null' }] }, review: { type: 'boolean' } } } } } } },
    },
  }, async (req) => {
    const ws = rd();
    const r = await runOf(req.params.runId);
    if (r.kind !== 'cluster') throw new ApiError(400, 'wrong-run-kind', `run ${r.runId} is a ${r.kind} run, not a cluster run`, { hint: 'list cluster runs with GET /runs?kind=cluster' });
    const rows = await all<{ cluster: unknown; name: unknown; n: unknown; d: unknown }>(ws.db, select({
      select: [{ expr: col('cluster'), as: 'cluster' }, { expr: col('cluster_name'), as: 'name' }, { expr: count(), as: 'n' }, { expr: avg(col('distance')), as: 'd' }],
      from: table('run_clusters'), where: eq(col('run_id'), lit(r.runId)), groupBy: [col('cluster'), col('cluster_name')], orderBy: [col('cluster')],
    }));
    const m = await opts.state.labels.carryOver(ws.db, r.runId);
    const labels = opts.state.labels.ofRun(r.runId);
    return { runId: r.runId, items: rows.map((x) => ({ cluster: Number(x.cluster), name: String(x.name), customers: Number(x.n), meanDistance: x.d === null ? null : Number(x.d), ...clusterMatch(m, Number(x.cluster), labels) })) };
  });

  app.put<{ Params: { runId: number; cluster: number }; Body: { name?: string; note?: string; owner?: string; actionable?: boolean } }>('/runs/:runId/clusters/:cluster', {
    config: { role: 'analyst' },
    schema: {
      tags: ['clusters'], summary: "Set a cluster's label: name, note, owner, actionable (kept in the workspace)",
      params: { type: 'object', required: ['runId', 'cluster'], properties: { runId: runIdParam, cluster: { type: 'integer', minimum: 0, maximum: 10000 } } },
      body: labelBody,
      response: { 200: labelSchema },
    },
  }, async (req) => {
    const ws = rd();
    const r = await runOf(req.params.runId);
    if (r.kind !== 'cluster') throw new ApiError(400, 'wrong-run-kind', `run ${r.runId} is a ${r.kind} run, not a cluster run`);
    const n = Number((await one<{ n: unknown }>(ws.db, select({ select: [{ expr: count(), as: 'n' }], from: table('run_clusters'), where: and(eq(col('run_id'), lit(r.runId)), eq(col('cluster'), lit(req.params.cluster))) })))?.n ?? 0);
    if (!n) throw notFound(`cluster in run ${r.runId}:`, String(req.params.cluster));
    return opts.state.labels.set(r.runId, req.params.cluster, { ...req.body, updatedBy: req.token?.name ?? 'unknown' });
  });
}

/** A row as JSON: dates as ISO text, big integers as numbers. */
export function plain(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[k] = v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : typeof v === 'number' && !Number.isFinite(v) ? null : v;
  return out;
}
