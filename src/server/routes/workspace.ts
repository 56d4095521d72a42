/** The workspace summary: counts, engine, default as-of date, and freshness (last success and failure) per kind of result. */
import type { FastifyInstance } from 'fastify';
import { all, countRows } from '../../pipeline/run-query.ts';
import { timestampText, dayText } from '../../pipeline/run-query.ts';
import { col, max, select, table } from '../../sql/ir.ts';
import { freshnessSchema } from '../schemas.ts';
import type { WorkspaceState } from '../state.ts';

/** The kinds freshness is shown for, even before their first run. */
export const FRESHNESS_KINDS = ['import', 'rfm', 'lrfmp', 'clv', 'clv-predict', 'cluster', 'audience', 'refresh'] as const;

export async function freshness(app: FastifyInstance): Promise<Record<string, { lastSuccess: { runId?: number; at: string; asOf?: string | null } | null; lastFailure: { at: string; message: string; jobId?: string } | null }>> {
  const db = app.segmint.reader().db;
  const runs = await all<{ kind: string; run_id: unknown; at: unknown }>(db, select({
    select: [{ expr: col('kind'), as: 'kind' }, { expr: max(col('run_id')), as: 'run_id' }, { expr: max(col('created_at')), as: 'at' }],
    from: table('runs'), groupBy: [col('kind')], orderBy: [col('kind')],
  }));
  const asOf = new Map((await all<{ run_id: unknown; as_of: unknown }>(db, select({ select: [{ expr: col('run_id'), as: 'run_id' }, { expr: col('as_of'), as: 'as_of' }], from: table('runs') }))).map((r) => [Number(r.run_id), dayText(r.as_of)]));
  const imports = await all<{ at: unknown; id: unknown }>(db, select({ select: [{ expr: max(col('imported_at')), as: 'at' }, { expr: max(col('source_id')), as: 'id' }], from: table('sources') }));
  const failures = (await app.segmint.failures?.()) ?? {};
  const out: Record<string, { lastSuccess: { runId?: number; at: string; asOf?: string | null } | null; lastFailure: { at: string; message: string; jobId?: string } | null }> = {};
  for (const k of FRESHNESS_KINDS) out[k] = { lastSuccess: null, lastFailure: failures[k] ?? null };
  for (const r of runs) out[r.kind] = { lastSuccess: { runId: Number(r.run_id), at: timestampText(r.at), asOf: asOf.get(Number(r.run_id)) ?? null }, lastFailure: failures[r.kind] ?? null };
  const imp = imports[0];
  if (imp?.at !== null && imp?.at !== undefined) out.import = { lastSuccess: { at: timestampText(imp.at) }, lastFailure: failures.import ?? null };
  for (const [k, f] of Object.entries(failures)) out[k] ??= { lastSuccess: null, lastFailure: f };
  return out;
}

export async function workspaceRoutes(app: FastifyInstance, opts: { state: WorkspaceState }): Promise<void> {
  app.get('/workspace', {
    config: { role: 'viewer' },
    schema: {
      tags: ['workspace'], summary: 'Counts, engine, default as-of date, and freshness per kind of result',
      response: {
        200: {
          type: 'object', required: ['engine', 'counts', 'freshness', 'audiences'],
          properties: {
            engine: { type: 'string' },
            asOf: { type: ['string', 'null'] },
            counts: { type: 'object', properties: { customers: { type: 'integer' }, transactions: { type: 'integer' }, events: { type: 'integer' }, products: { type: 'integer' }, sources: { type: 'integer' }, quarantined: { type: 'integer' }, runs: { type: 'integer' } } },
            audiences: { type: 'integer' },
            freshness: { type: 'object', additionalProperties: freshnessSchema },
          },
        },
      },
    },
  }, async () => {
    const ws = app.segmint.reader();
    const counts: Record<string, number> = {};
    for (const [k, t] of [['customers', 'customers'], ['transactions', 'transactions'], ['events', 'events'], ['products', 'products'], ['sources', 'sources'], ['quarantined', 'quarantine'], ['runs', 'runs']] as const) counts[k] = await countRows(ws.db, t);
    // an empty workspace has no default as-of date
    const asOf = await opts.state.asOf().catch(() => null);
    return { engine: ws.db.dialect, asOf, counts, audiences: opts.state.definitions.list().length, freshness: await freshness(app) };
  });
}
