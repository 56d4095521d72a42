/**
 * Studio data for the Value page, aggregated in the warehouse (a page never reads a run's rows to count
 * them): an RFM or LRFMP run's R × F grid with the segments in each cell, its segments with customers,
 * revenue, mean recency/frequency/monetary and the suggested action, and the customers of one cell of a
 * migration between two runs, paged.
 */
import type { FastifyInstance } from 'fastify';
import { actionFor } from '../../models/actions.ts';
import { listRuns, movesQuery } from '../../pipeline/migration.ts';
import { all, one } from '../../pipeline/run-query.ts';
import { and, avg, cast, coalesce, col, count, eq, lit, select, subquery, sum, table } from '../../sql/ir.ts';
import { ApiError, notFound } from '../errors.ts';
import { runIdParam } from '../schemas.ts';
import type { WorkspaceState } from '../state.ts';
import { plain } from './runs.ts';
import { MAX_OFFSET } from './sources.ts';

/** The label of a customer in only one of two runs, as GET /migration names it. */
export const NOT_IN_RUN = '(not in run)';

const tags = ['studio'];
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined || !Number.isFinite(Number(v)) ? null : Number(v));

const segmentSchema = {
  type: 'object', required: ['segment', 'customers', 'share', 'revenue', 'revenueShare', 'meanRecencyDays', 'meanFrequency', 'meanMonetary', 'action'],
  properties: {
    segment: { type: 'string' }, customers: { type: 'integer' }, share: { type: 'number' }, revenue: { type: 'number' }, revenueShare: { type: 'number' },
    meanRecencyDays: { type: ['number', 'null'] }, meanFrequency: { type: ['number', 'null'] }, meanMonetary: { type: ['number', 'null'] }, action: { type: 'string' },
  },
} as const;
const cellSchema = {
  type: 'object', required: ['r', 'f', 'customers', 'revenue', 'segment', 'segments'],
  properties: {
    r: { type: 'integer' }, f: { type: 'integer' }, customers: { type: 'integer' }, revenue: { type: 'number' }, segment: { type: 'string' },
    segments: { type: 'array', items: { type: 'object', required: ['segment', 'customers'], properties: { segment: { type: 'string' }, customers: { type: 'integer' } } } },
  },
} as const;

export async function valueStatsRoutes(app: FastifyInstance, opts: { state: WorkspaceState }): Promise<void> {
  const rd = () => app.segmint.reader();

  app.get<{ Params: { runId: number } }>('/value/runs/:runId', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: "An RFM or LRFMP run's segments (customers, revenue, means, suggested action) and its R × F grid (customers and segments per cell), counted in the warehouse",
      params: { type: 'object', required: ['runId'], properties: { runId: runIdParam } },
      response: {
        200: {
          type: 'object', required: ['runId', 'kind', 'asOf', 'bins', 'customers', 'revenue', 'segments', 'grid'],
          properties: {
            runId: { type: 'integer' }, kind: { type: 'string' }, asOf: { type: ['string', 'null'] }, createdAt: { type: 'string' }, bins: { type: 'integer' },
            customers: { type: 'integer' }, revenue: { type: 'number' }, segments: { type: 'array', items: segmentSchema }, grid: { type: 'array', items: cellSchema },
          },
        },
      },
    },
  }, async (req) => opts.state.memo(req.url, async () => {
    const db = rd().db;
    const run = (await listRuns(db)).find((r) => r.runId === req.params.runId);
    if (!run) throw notFound('run', String(req.params.runId), 'list RFM runs with GET /runs?kind=rfm');
    if (run.kind !== 'rfm' && run.kind !== 'lrfmp') throw new ApiError(400, 'wrong-run-kind', `run ${run.runId} is a ${run.kind} run, not an RFM or LRFMP run`, { hint: 'list RFM runs with GET /runs?kind=rfm' });
    const p = await one<{ params: unknown }>(db, select({ select: [{ expr: cast(col('params'), 'varchar'), as: 'params' }], from: table('runs'), where: eq(col('run_id'), lit(run.runId)) }));
    let bins = 5;
    try {
      bins = Number((JSON.parse(String(p?.params ?? '{}')) as { bins?: number }).bins ?? 5);
    } catch {
      /* the default */
    }
    const ofRun = eq(col('run_id'), lit(run.runId));
    const segs = await all<{ segment: string; n: unknown; rev: unknown; rec: unknown; freq: unknown; mon: unknown }>(db, select({
      select: [
        { expr: col('segment'), as: 'segment' }, { expr: count(), as: 'n' }, { expr: sum(col('monetary')), as: 'rev' },
        { expr: avg(col('recency_days')), as: 'rec' }, { expr: avg(col('frequency')), as: 'freq' }, { expr: avg(col('monetary')), as: 'mon' },
      ],
      from: table('run_scores'), where: ofRun, groupBy: [col('segment')], orderBy: [col('segment')],
    }));
    const customers = segs.reduce((a, s) => a + num(s.n), 0);
    const revenue = segs.reduce((a, s) => a + num(s.rev), 0);
    const actions = app.segmint.ws.config.segments.actions ?? {};
    const segments = segs.map((s) => ({
      segment: String(s.segment), customers: num(s.n), share: customers ? num(s.n) / customers : 0, revenue: num(s.rev), revenueShare: revenue ? num(s.rev) / revenue : 0,
      meanRecencyDays: numOrNull(s.rec), meanFrequency: numOrNull(s.freq), meanMonetary: numOrNull(s.mon), action: actionFor(String(s.segment), actions),
    })).sort((a, b) => b.customers - a.customers || a.segment.localeCompare(b.segment));
    const cells = await all<{ r: unknown; f: unknown; segment: string; n: unknown; rev: unknown }>(db, select({
      select: [{ expr: col('r'), as: 'r' }, { expr: col('f'), as: 'f' }, { expr: col('segment'), as: 'segment' }, { expr: count(), as: 'n' }, { expr: sum(col('monetary')), as: 'rev' }],
      from: table('run_scores'), where: ofRun, groupBy: [col('r'), col('f'), col('segment')],
    }));
    const grid = new Map<string, { r: number; f: number; customers: number; revenue: number; segment: string; segments: { segment: string; customers: number }[] }>();
    for (const c of cells) {
      if (c.r === null || c.f === null) continue;
      const key = `${num(c.r)}:${num(c.f)}`;
      let g = grid.get(key);
      if (!g) grid.set(key, (g = { r: num(c.r), f: num(c.f), customers: 0, revenue: 0, segment: '', segments: [] }));
      g.customers += num(c.n);
      g.revenue += num(c.rev);
      g.segments.push({ segment: String(c.segment), customers: num(c.n) });
    }
    for (const g of grid.values()) {
      g.segments.sort((a, b) => b.customers - a.customers || a.segment.localeCompare(b.segment));
      g.segment = g.segments[0]?.segment ?? '';
    }
    return {
      runId: run.runId, kind: run.kind, asOf: run.asOf, createdAt: run.createdAt, bins, customers, revenue, segments,
      grid: [...grid.values()].sort((a, b) => a.r - b.r || a.f - b.f),
    };
  }));

  app.get<{ Querystring: { from: number; to: number; fromLabel: string; toLabel: string; limit: number; offset: number } }>('/migration/customers', {
    config: { role: 'viewer' },
    schema: {
      tags: ['runs', ...tags], summary: `The customers of one cell of GET /migration: labelled fromLabel in run from and toLabel in run to (${NOT_IN_RUN} for a customer in only one run), with their revenue between the runs, largest first, paged`,
      querystring: {
        type: 'object', required: ['from', 'to', 'fromLabel', 'toLabel'], additionalProperties: false,
        properties: {
          from: runIdParam, to: runIdParam, fromLabel: { type: 'string', minLength: 1, maxLength: 200 }, toLabel: { type: 'string', minLength: 1, maxLength: 200 },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 },
        },
      },
      response: {
        200: {
          type: 'object', required: ['from', 'to', 'fromLabel', 'toLabel', 'total', 'limit', 'offset', 'items'],
          properties: {
            from: { type: 'integer' }, to: { type: 'integer' }, fromLabel: { type: 'string' }, toLabel: { type: 'string' }, total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' },
            items: { type: 'array', items: { type: 'object', required: ['customer_id', 'from_label', 'to_label', 'change', 'revenue'], properties: { customer_id: { type: 'string' }, from_label: { type: 'string' }, to_label: { type: 'string' }, change: { type: 'string' }, revenue: { type: ['number', 'null'] } } } },
          },
        },
      },
    },
  }, async (req) => {
    const db = rd().db;
    const { from, to, fromLabel, toLabel, limit, offset } = req.query;
    const q = await movesQuery(db, from, to, 'clv-tier');
    // the labels with "(not in run)" filled in first, then compared as plain columns (as migrate() groups
    // them: ClickHouse 18.16 refuses a comparison with the union's Nullable column)
    const labelled = subquery(select({
      select: [
        { expr: col('customer_id'), as: 'customer_id' }, { expr: coalesce(col('from_label'), lit(NOT_IN_RUN)), as: 'f' }, { expr: coalesce(col('to_label'), lit(NOT_IN_RUN)), as: 't' },
        { expr: col('change'), as: 'change' }, { expr: col('revenue'), as: 'revenue' },
      ],
      from: subquery(q.query, 'm'),
    }), 'l');
    const where = and(eq(col('f'), lit(fromLabel)), eq(col('t'), lit(toLabel)));
    const total = num((await one<{ n: unknown }>(db, select({ select: [{ expr: count(), as: 'n' }], from: labelled, where })))?.n);
    const rows = await all(db, select({
      select: [
        { expr: col('customer_id'), as: 'customer_id' }, { expr: col('f'), as: 'from_label' }, { expr: col('t'), as: 'to_label' },
        { expr: col('change'), as: 'change' }, { expr: col('revenue'), as: 'revenue' },
      ],
      from: labelled, where, orderBy: [{ expr: col('revenue'), desc: true }, col('customer_id')], limit: offset + limit,
    }));
    return { from, to, fromLabel, toLabel, total, limit, offset, items: rows.slice(offset).map((r) => ({ ...plain(r), customer_id: String(r.customer_id), from_label: String(r.from_label), to_label: String(r.to_label) })) };
  });
}
