/**
 * Studio data for the CLV page: a fit run with its stored summary (parameters, standard errors, diagnostics,
 * holdout validation, tracking) and its latest prediction run; P(alive) and expected purchases over a grid
 * of frequency × recency computed from the fitted parameters (the model kernels, as lifetimes' matrices);
 * a prediction run's CLV histogram, churn-risk and CLV tiers counted in the warehouse.
 */
import type { FastifyInstance } from 'fastify';
import type { ClvFitResult, ClvPredictResult } from '../../pipeline/clv.ts';
import { expectedPurchasesMatrix, pAliveMatrix } from '../../models/clv/matrices.ts';
import type { PurchaseModelKind } from '../../models/clv/model.ts';
import { listRuns } from '../../pipeline/migration.ts';
import { all, one } from '../../pipeline/run-query.ts';
import { and, avg, cast, col, count, div, eq, floor, index, isNotNull, jsonGet, least, lit, max, min, num as n, quantiles, select, sub, subquery, sum, table, type Expr } from '../../sql/ir.ts';
import { ApiError, notFound } from '../errors.ts';
import { runIdParam } from '../schemas.ts';
import type { WorkspaceState } from '../state.ts';

const tags = ['studio'];
const runParams = { type: 'object', required: ['runId'], properties: { runId: runIdParam } } as const;
const finite = (v: unknown): number | null => (v === null || v === undefined || !Number.isFinite(Number(v)) ? null : Number(v));
const num = (v: unknown): number => finite(v) ?? 0;
const matrixSchema = { type: 'array', items: { type: 'array', items: { type: ['number', 'null'] } } } as const;
const tierSchema = { type: 'array', items: { type: 'object', required: ['tier', 'customers'], properties: { tier: { type: 'string' }, customers: { type: 'integer' }, meanPAlive: { type: ['number', 'null'] }, clv: { type: ['number', 'null'] } } } } as const;

/** A run's stored params and summary, parsed ({} when unreadable). */
async function stored(db: ReturnType<FastifyInstance['segmint']['reader']>['db'], runId: number): Promise<{ params: Record<string, unknown>; summary: Record<string, unknown> }> {
  const row = await one<{ params: unknown; summary: unknown }>(db, select({
    select: [{ expr: cast(col('params'), 'varchar'), as: 'params' }, { expr: cast(col('summary'), 'varchar'), as: 'summary' }], from: table('runs'), where: eq(col('run_id'), lit(runId)),
  }));
  const parse = (v: unknown): Record<string, unknown> => {
    try {
      const x = typeof v === 'string' ? JSON.parse(v) as unknown : v;
      return x && typeof x === 'object' && !Array.isArray(x) ? x as Record<string, unknown> : {};
    } catch {
      return {};
    }
  };
  return { params: parse(row?.params), summary: parse(row?.summary) };
}

export async function clvDetailRoutes(app: FastifyInstance, opts: { state: WorkspaceState }): Promise<void> {
  const rd = () => app.segmint.reader();

  const runOfKind = async (runId: number, kind: string) => {
    const r = (await listRuns(rd().db)).find((x) => x.runId === runId);
    if (!r) throw notFound('run', String(runId), `list them with GET /runs?kind=${kind}`);
    if (r.kind !== kind) throw new ApiError(400, 'wrong-run-kind', `run ${runId} is a ${r.kind} run, not a ${kind} run`, { hint: `list ${kind} runs with GET /runs?kind=${kind}` });
    return r;
  };
  /** The latest prediction run made from a fit. */
  const latestPrediction = async (fitRunId: number): Promise<number | null> => {
    const row = await one<{ id: unknown }>(rd().db, select({
      select: [{ expr: max(col('run_id')), as: 'id' }], from: table('runs'),
      where: and(eq(col('kind'), lit('clv-predict')), eq(jsonGet(col('params'), 'fitRunId', 'number'), n(fitRunId))),
    }));
    return finite(row?.id);
  };

  app.get<{ Params: { runId: number } }>('/clv/fits/:runId', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: 'A CLV fit run: its stored summary (parameters with standard errors, diagnostics, model choice, holdout validation, tracking, warnings) and the latest prediction run made from it',
      params: runParams,
      response: {
        200: {
          type: 'object', required: ['runId', 'asOf', 'createdAt', 'params', 'fit', 'predictRunId'],
          properties: { runId: { type: 'integer' }, asOf: { type: ['string', 'null'] }, createdAt: { type: 'string' }, params: { type: 'object', additionalProperties: true }, fit: { type: 'object', additionalProperties: true }, predictRunId: { type: ['integer', 'null'] } },
        },
      },
    },
  }, async (req) => opts.state.memo(req.url, async () => {
    const r = await runOfKind(req.params.runId, 'clv');
    const s = await stored(rd().db, r.runId);
    return { runId: r.runId, asOf: r.asOf, createdAt: r.createdAt, params: s.params, fit: s.summary, predictRunId: await latestPrediction(r.runId) };
  }));

  app.get<{ Params: { runId: number }; Querystring: { maxFrequency?: number; maxRecency?: number; horizon?: number } }>('/clv/fits/:runId/matrices', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: "P(alive) and expected purchases in the next `horizon` periods for every frequency 0 … maxFrequency and recency 0 … maxRecency (whole periods), every customer observed maxRecency periods, from the fit's parameters (the refit's after a model choice with a holdout)",
      params: runParams,
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { maxFrequency: { type: 'integer', minimum: 1, maximum: 100 }, maxRecency: { type: 'integer', minimum: 1, maximum: 200 }, horizon: { type: 'number', exclusiveMinimum: 0, maximum: 1000 } },
      },
      response: {
        200: {
          type: 'object', required: ['runId', 'model', 'name', 'period', 'T', 'horizon', 'maxFrequency', 'maxRecency', 'pAlive', 'expectedPurchases'],
          properties: {
            runId: { type: 'integer' }, model: { type: 'string' }, name: { type: 'string' }, period: { type: 'string' }, T: { type: 'number' }, horizon: { type: 'number' },
            maxFrequency: { type: 'integer' }, maxRecency: { type: 'integer' }, pAlive: matrixSchema, expectedPurchases: matrixSchema,
          },
        },
      },
    },
  }, async (req) => opts.state.memo(req.url, async () => {
    const db = rd().db;
    const r = await runOfKind(req.params.runId, 'clv');
    const fit = (await stored(db, r.runId)).summary as unknown as ClvFitResult;
    const purchase = fit.refit ?? fit.purchase;
    if (!purchase?.params || !purchase.model) throw new ApiError(400, 'no-fitted-model', `run ${r.runId} holds no fitted purchase model`, { hint: 'fit one with POST /runs/clv' });
    const model = { kind: purchase.model as PurchaseModelKind, params: purchase.params };
    // the grid's size: the fit's longest observation (the repeat purchase curve runs to twice it) and the
    // largest frequency of the latest predictions from the fit, unless asked for
    const curveEnd = fit.repeatPurchaseCurve?.at(-1)?.t ?? 104;
    const maxRecency = req.query.maxRecency ?? Math.max(1, Math.min(200, Math.ceil(curveEnd / 2)));
    const predictRunId = await latestPrediction(r.runId);
    let maxFrequency = req.query.maxFrequency;
    let horizon = req.query.horizon;
    if (predictRunId !== null) {
      const pr = (await stored(db, predictRunId)).summary as unknown as ClvPredictResult;
      horizon ??= pr.horizonDays && fit.periodDays ? pr.horizonDays / fit.periodDays : undefined;
      if (maxFrequency === undefined) {
        const m = await one<{ q: unknown }>(db, select({ select: [{ expr: index(quantiles(col('frequency'), [0.99]), 1), as: 'q' }], from: table('clv_predictions'), where: eq(col('run_id'), lit(predictRunId)) }));
        maxFrequency = Math.max(1, Math.min(100, Math.ceil(num(m?.q))));
      }
    }
    maxFrequency ??= 20;
    horizon ??= fit.periodDays ? 365 / fit.periodDays : 52;
    if (model.kind === 'bgbb') horizon = Math.max(1, Math.round(horizon));
    const rows = (m: Float64Array[]) => m.map((row) => Array.from(row, (v) => finite(v)));
    return {
      runId: r.runId, model: model.kind, name: purchase.name ?? model.kind, period: String(fit.period), T: maxRecency, horizon, maxFrequency, maxRecency,
      pAlive: rows(pAliveMatrix(model, maxFrequency, maxRecency)), expectedPurchases: rows(expectedPurchasesMatrix(model, horizon, maxFrequency, maxRecency)),
    };
  }));

  app.get<{ Params: { runId: number }; Querystring: { bins: number } }>('/clv/predictions/:runId/stats', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: "A prediction run's CLV distribution (equal bins up to the 99th percentile, the rest in the last), churn-risk tiers and CLV tiers, counted in the warehouse",
      params: runParams,
      querystring: { type: 'object', additionalProperties: false, properties: { bins: { type: 'integer', minimum: 2, maximum: 100, default: 20 } } },
      response: {
        200: {
          type: 'object', required: ['runId', 'fitRunId', 'customers', 'withClv', 'totalClv', 'maxClv', 'histogram', 'churnTiers', 'clvTiers'],
          properties: {
            runId: { type: 'integer' }, fitRunId: { type: ['integer', 'null'] }, horizon: { type: ['number', 'null'] }, unit: { type: ['string', 'null'] },
            customers: { type: 'integer' }, withClv: { type: 'integer' }, totalClv: { type: ['number', 'null'] }, maxClv: { type: ['number', 'null'] },
            pAliveInformative: { type: ['boolean', 'null'] },
            histogram: { type: 'array', items: { type: 'object', required: ['from', 'to', 'customers'], properties: { from: { type: 'number' }, to: { type: 'number' }, customers: { type: 'integer' } } } },
            churnTiers: tierSchema, clvTiers: tierSchema,
          },
        },
      },
    },
  }, async (req) => opts.state.memo(req.url, async () => {
    const db = rd().db;
    const r = await runOfKind(req.params.runId, 'clv-predict');
    const s = await stored(db, r.runId);
    const ofRun = eq(col('run_id'), lit(r.runId));
    const clv = col('clv');
    const tot = await one<{ n: unknown; c: unknown; total: unknown; lo: unknown; hi: unknown; top: unknown }>(db, select({
      select: [
        { expr: count(), as: 'n' }, { expr: count(clv), as: 'c' }, { expr: sum(clv), as: 'total' }, { expr: min(clv), as: 'lo' },
        { expr: index(quantiles(clv, [0.99]), 1), as: 'hi' }, { expr: max(clv), as: 'top' },
      ],
      from: table('clv_predictions'), where: ofRun,
    }));
    const bins = req.query.bins;
    const lo = num(tot?.lo);
    const top = num(tot?.top);
    let hi = Math.max(lo, num(tot?.hi));
    if (hi <= lo) hi = top;
    const width = hi > lo ? (hi - lo) / bins : 1;
    const histogram: { from: number; to: number; customers: number }[] = [];
    if (num(tot?.c) > 0) {
      // bin k holds lo + k·width ≤ clv < lo + (k+1)·width; the last (k = bins) all from the 99th percentile up
      const k: Expr = least(cast(floor(div(sub(clv, lit(lo)), lit(width))), 'integer'), lit(bins));
      // grouped by the bin's column of a subquery (the expression's constants are bound once)
      const binned = select({ select: [{ expr: k, as: 'k' }], from: table('clv_predictions'), where: and(ofRun, isNotNull(clv)) });
      const counts = await all<{ k: unknown; n: unknown }>(db, select({ select: [{ expr: col('k'), as: 'k' }, { expr: count(), as: 'n' }], from: subquery(binned, 'b'), groupBy: [col('k')] }));
      const by = new Map(counts.map((c) => [num(c.k), num(c.n)]));
      for (let i = 0; i < bins; i++) histogram.push({ from: lo + i * width, to: lo + (i + 1) * width, customers: by.get(i) ?? 0 });
      if (by.get(bins)) histogram.push({ from: lo + bins * width, to: Math.max(top, lo + bins * width), customers: by.get(bins)! });
    }
    const churn = await all<{ tier: unknown; n: unknown; pa: unknown }>(db, select({
      select: [{ expr: col('churn_tier'), as: 'tier' }, { expr: count(), as: 'n' }, { expr: avg(col('p_alive')), as: 'pa' }], from: table('clv_predictions'), where: ofRun, groupBy: [col('churn_tier')],
    }));
    const tiers = await all<{ tier: unknown; n: unknown; c: unknown }>(db, select({
      select: [{ expr: col('clv_tier'), as: 'tier' }, { expr: count(), as: 'n' }, { expr: sum(clv), as: 'c' }], from: table('clv_predictions'), where: ofRun, groupBy: [col('clv_tier')],
    }));
    const order = (names: string[]) => (a: { tier: string }, b: { tier: string }) => (names.indexOf(a.tier) + 1 || 99) - (names.indexOf(b.tier) + 1 || 99) || a.tier.localeCompare(b.tier);
    const p = s.params;
    const summary = s.summary as Partial<ClvPredictResult>;
    return {
      runId: r.runId, fitRunId: finite(p.fitRunId), horizon: finite(p.horizon), unit: typeof p.unit === 'string' ? p.unit : null,
      customers: num(tot?.n), withClv: num(tot?.c), totalClv: finite(tot?.total), maxClv: finite(tot?.top), pAliveInformative: typeof summary.pAliveInformative === 'boolean' ? summary.pAliveInformative : null,
      histogram,
      churnTiers: churn.map((c) => ({ tier: c.tier === null ? '(no prediction)' : String(c.tier), customers: num(c.n), meanPAlive: finite(c.pa) })).sort(order(['active', 'cooling', 'at-risk', 'lapsed'])),
      clvTiers: tiers.map((c) => ({ tier: c.tier === null ? '(no CLV)' : String(c.tier), customers: num(c.n), clv: finite(c.c) })).sort(order(['top', 'high', 'medium', 'low'])),
    };
  }));
}
