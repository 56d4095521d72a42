/**
 * Audiences: definitions kept as files in the workspace (definitions.ts), validation with the positions of
 * every problem, count, members (paged by customer id), explain one customer, snapshots, diff, the
 * migration matrix between any two runs, and the overlap between audiences.
 */
import type { FastifyInstance } from 'fastify';
import { checkAudience } from '../../segments/check.ts';
import { formatAudience } from '../../segments/format.ts';
import { audienceRuns, compileAudience, diffAudience, explainAudience, migrationMatrix, valueWarnings } from '../../pipeline/audience.ts';
import { countRows } from '../../pipeline/run-query.ts';
import { and, col, count, gt, inQuery, lit, select, subquery, table } from '../../sql/ir.ts';
import { ApiError, positionsOf, type Position } from '../errors.ts';
import { customerIdParam, nameParam, runIdParam } from '../schemas.ts';
import type { WorkspaceState } from '../state.ts';
import { queueOrRun, queuedOrDone } from '../work.ts';
import { snapshotWithDeliveries } from '../../pipeline/refresh.ts';
import { deliverTo } from '../jobs/plugin.ts';

/** The longest rule text accepted (characters). */
export const MAX_RULE_TEXT = 100_000;
const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

const positionSchema = {
  type: 'object', required: ['line', 'column', 'code', 'message'],
  properties: { line: { type: 'integer' }, column: { type: 'integer' }, length: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' }, audience: { type: 'string' } },
} as const;
const definitionSchema = {
  type: 'object', required: ['name', 'where', 'updatedAt'],
  properties: { name: { type: 'string' }, description: { type: 'string' }, where: { type: 'string' }, updatedAt: { type: 'string' } },
} as const;
const runInfoSchema = {
  type: 'object', required: ['runId', 'kind', 'asOf', 'createdAt'],
  properties: { runId: { type: 'integer' }, kind: { type: 'string' }, asOf: { type: ['string', 'null'] }, createdAt: { type: 'string' }, name: { type: 'string' }, customers: { type: 'integer' } },
} as const;
const explainSchema = {
  type: 'object', required: ['condition', 'holds'],
  properties: {
    condition: { type: 'string' }, holds: { type: 'boolean' }, observed: {}, threshold: {},
    items: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: nameParam } } as const;
const tags = ['audiences'];

const diagnosticsOf = (name: string, where: string, e: unknown): Position[] => {
  const ds = positionsOf((e as { details?: Record<string, unknown> }).details);
  if (ds) return ds;
  const err = e as { code?: string; message?: string };
  return [{ line: 1, column: 1, length: where.length, code: err.code ?? 'invalid-rule', message: err.message ?? `audience '${name}' cannot be evaluated` }];
};

export async function audienceRoutes(app: FastifyInstance, opts: { state: WorkspaceState }): Promise<void> {
  const { state } = opts;
  const main = app.segmint.ws;
  /** a read view for one request (app.segmint.reader) */
  const rd = () => app.segmint.reader();
  const defs = state.definitions;

  /** Check a rule; throws 400 with the positions of every problem. */
  const prepareOrThrow = async (name: string, where: string, asOf?: string) => state.prepare(name, where, asOf);

  app.get('/audiences', {
    config: { role: 'viewer' },
    schema: { tags, summary: 'The audience definitions kept in the workspace', response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: definitionSchema } } } } },
  }, async () => ({ items: defs.list() }));

  app.post<{ Body: { where: string; name?: string } }>('/audiences/validate', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: 'Check a rule: its canonical text, or every problem with its line and column',
      body: { type: 'object', required: ['where'], additionalProperties: false, properties: { where: { type: 'string', maxLength: MAX_RULE_TEXT }, name: nameParam } },
      response: { 200: { type: 'object', required: ['valid', 'diagnostics', 'warnings'], properties: { valid: { type: 'boolean' }, where: { type: 'string' }, diagnostics: { type: 'array', items: positionSchema }, warnings: { type: 'array', items: { type: 'string' } } } } },
    },
  }, async (req) => {
    const name = req.body.name ?? 'draft';
    const audiences = defs.texts();
    const schema = { ...(await state.schema(/properties\s*\./.test(req.body.where))), audiences };
    const c = checkAudience(req.body.where, schema, { name });
    if (!c.node) return { valid: false, diagnostics: positionsOf({ diagnostics: c.diagnostics }) ?? [], warnings: [] };
    try {
      const p = await prepareOrThrow(name, req.body.where);
      return { valid: true, where: formatAudience(c.node), diagnostics: [], warnings: await valueWarnings(rd(), p) };
    } catch (e) {
      return { valid: false, diagnostics: diagnosticsOf(name, req.body.where, e), warnings: [] };
    }
  });

  app.get<{ Params: { name: string } }>('/audiences/:name', {
    config: { role: 'viewer' },
    schema: { tags, summary: 'One audience definition', params: nameParams, response: { 200: definitionSchema } },
  }, async (req) => defs.get(req.params.name));

  app.put<{ Params: { name: string }; Body: { where: string; description?: string } }>('/audiences/:name', {
    config: { role: 'analyst' },
    schema: {
      tags, summary: 'Create or replace an audience definition (checked first: 400 with the positions of the problems)', params: nameParams,
      body: { type: 'object', required: ['where'], additionalProperties: false, properties: { where: { type: 'string', minLength: 1, maxLength: MAX_RULE_TEXT }, description: { type: 'string', maxLength: 2000 } } },
      response: { 200: definitionSchema, 201: definitionSchema },
    },
  }, async (req, reply) => {
    const { name } = req.params;
    const p = await prepareOrThrow(name, req.body.where);
    const created = defs.write(name, p.where, req.body.description);
    return reply.code(created ? 201 : 200).send(defs.get(name));
  });

  app.delete<{ Params: { name: string } }>('/audiences/:name', {
    config: { role: 'analyst' },
    schema: { tags, summary: 'Delete an audience definition (its snapshots stay)', params: nameParams, response: { 204: { type: 'null', description: 'deleted' } } },
  }, async (req, reply) => {
    const { name } = req.params;
    const users = defs.list().filter((a) => a.name !== name && new RegExp(`audience\\s+['"]?${name}['"]?(?![\\w-])`).test(a.where));
    if (users.length) throw new ApiError(409, 'audience-in-use', `audience '${name}' is referred to by ${users.map((u) => `'${u.name}'`).join(', ')}`, { hint: 'change or delete those first' });
    defs.remove(name);
    return reply.code(204).send();
  });

  app.get<{ Params: { name: string }; Querystring: { asOf?: string } }>('/audiences/:name/count', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: 'How many customers the audience holds now (evaluated, not stored)', params: nameParams,
      querystring: { type: 'object', additionalProperties: false, properties: { asOf: DATE } },
      response: { 200: { type: 'object', required: ['name', 'asOf', 'customers', 'share'], properties: { name: { type: 'string' }, asOf: { type: 'string' }, customers: { type: 'integer' }, share: { type: 'number' } } } },
    },
  }, async (req) => {
    const ws = rd();
    const a = defs.get(req.params.name);
    const p = await prepareOrThrow(a.name, a.where, req.query.asOf);
    const c = compileAudience(p.name, select({ select: [{ expr: count(), as: 'n' }], from: subquery(p.query, 'q') }), ws.db.dialect);
    // counted once per workspace version (a run or an import makes a new one): the compiled rule and its as-of
    // date are the key, so a changed definition or date is counted anew
    const n = await state.count(`${c.sql}\u0000${JSON.stringify(c.params, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`, async () => Number((await ws.db.one<{ n: unknown }>(c.sql, c.params))?.n ?? 0));
    const total = await state.count('customers', () => countRows(ws.db, 'customers'));
    return { name: a.name, asOf: p.asOf, customers: n, share: total ? n / total : 0 };
  });

  app.get<{ Params: { name: string }; Querystring: { limit: number; after?: string; asOf?: string } }>('/audiences/:name/members', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: 'The members, by customer id; page with after = the last id of the previous page', params: nameParams,
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, after: customerIdParam, asOf: DATE } },
      response: { 200: { type: 'object', required: ['items', 'next'], properties: { items: { type: 'array', items: { type: 'string' } }, next: { type: ['string', 'null'] } } } },
    },
  }, async (req) => {
    const ws = rd();
    const a = defs.get(req.params.name);
    const p = await prepareOrThrow(a.name, a.where, req.query.asOf);
    const id = col('customer_id', 'q');
    const q = select({ select: [{ expr: id, as: 'customer_id' }], from: subquery(p.query, 'q'), ...(req.query.after !== undefined ? { where: gt(id, lit(req.query.after)) } : {}), orderBy: [id], limit: req.query.limit });
    const c = compileAudience(p.name, q, ws.db.dialect);
    const items = (await ws.db.all<{ customer_id: unknown }>(c.sql, c.params)).map((r) => String(r.customer_id));
    return { items, next: items.length === req.query.limit ? items.at(-1)! : null };
  });

  app.get<{ Params: { name: string; customerId: string }; Querystring: { asOf?: string } }>('/audiences/:name/explain/:customerId', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: 'Which conditions hold and fail for one customer, with the values observed',
      params: { type: 'object', required: ['name', 'customerId'], properties: { name: nameParam, customerId: customerIdParam } },
      querystring: { type: 'object', additionalProperties: false, properties: { asOf: DATE } },
      response: { 200: explainSchema },
    },
  }, async (req) => {
    const a = defs.get(req.params.name);
    return explainAudience(rd(), await prepareOrThrow(a.name, a.where, req.query.asOf), req.params.customerId);
  });

  app.get<{ Params: { name: string } }>('/audiences/:name/snapshots', {
    config: { role: 'viewer' },
    schema: { tags, summary: 'The stored snapshots (runs) of the audience, oldest first', params: nameParams, response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: runInfoSchema } } } } },
  }, async (req) => ({ items: await audienceRuns(rd().db, req.params.name) }));

  app.post<{ Params: { name: string }; Body: { asOf?: string } | undefined }>('/audiences/:name/snapshots', {
    config: { role: 'analyst' },
    schema: {
      tags, summary: 'Evaluate the audience and store its members as a snapshot run', params: nameParams,
      body: { type: 'object', additionalProperties: false, properties: { asOf: DATE } },
      response: queuedOrDone({ type: 'object', required: ['runId', 'name', 'asOf', 'customers', 'share'], properties: { runId: { type: 'integer' }, name: { type: 'string' }, where: { type: 'string' }, asOf: { type: 'string' }, customers: { type: 'integer' }, share: { type: 'number' }, warnings: { type: 'array', items: { type: 'string' } } } }),
    },
  }, async (req, reply) => {
    const a = defs.get(req.params.name);
    // checked now, so that a bad rule is a 400 rather than a failed job
    const p = await prepareOrThrow(a.name, a.where, req.body?.asOf);
    return queueOrRun(app, reply, { kind: 'audience', params: { name: a.name, asOf: p.asOf }, writer: true, run: async () => {
      // the snapshot with its webhook deliveries in one write; they are sent once it is committed
      const { deliveries, ...r } = await snapshotWithDeliveries(main, p, deliverTo(app));
      return { ...r, webhookDeliveries: deliveries.length };
    } });
  });

  app.get<{ Params: { name: string }; Querystring: { from?: number; to?: number; limit: number } }>('/audiences/:name/diff', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: 'Who entered and who left between two snapshots (default: the last two); lists cut at limit', params: nameParams,
      querystring: { type: 'object', additionalProperties: false, properties: { from: runIdParam, to: runIdParam, limit: { type: 'integer', minimum: 0, maximum: 100000, default: 1000 } } },
      response: {
        200: {
          type: 'object', required: ['from', 'to', 'entered', 'left', 'stayed', 'enteredCount', 'leftCount'],
          properties: { from: runInfoSchema, to: runInfoSchema, entered: { type: 'array', items: { type: 'string' } }, left: { type: 'array', items: { type: 'string' } }, enteredCount: { type: 'integer' }, leftCount: { type: 'integer' }, stayed: { type: 'integer' } },
        },
      },
    },
  }, async (req) => {
    const d = await diffAudience(rd().db, { name: req.params.name, from: req.query.from, to: req.query.to });
    return { ...d, entered: d.entered.slice(0, req.query.limit), left: d.left.slice(0, req.query.limit), enteredCount: d.entered.length, leftCount: d.left.length };
  });

  app.get<{ Querystring: { from: number; to: number } }>('/migration', {
    config: { role: 'viewer' },
    schema: {
      tags: ['runs'], summary: 'Customers and revenue moving between the labels of two runs of any segmentation (segments, tiers, clusters, audience membership)',
      querystring: { type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: runIdParam, to: runIdParam } },
      response: {
        200: {
          type: 'object', required: ['from', 'to', 'labels', 'cells'],
          properties: {
            from: runInfoSchema, to: runInfoSchema,
            labels: { type: 'object', properties: { from: { type: 'array', items: { type: 'string' } }, to: { type: 'array', items: { type: 'string' } } } },
            cells: { type: 'array', items: { type: 'object', required: ['from', 'to', 'customers', 'revenue'], properties: { from: { type: 'string' }, to: { type: 'string' }, customers: { type: 'integer' }, revenue: { type: 'number' } } } },
          },
        },
      },
    },
  }, async (req) => migrationMatrix(rd().db, req.query.from, req.query.to));

  app.get<{ Querystring: { names: string[]; asOf?: string } }>('/audience-overlap', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: 'Customers in each pair of audiences (the diagonal: each audience alone)',
      querystring: { type: 'object', required: ['names'], additionalProperties: false, properties: { names: { type: 'array', minItems: 1, maxItems: 12, items: nameParam }, asOf: DATE } },
      response: { 200: { type: 'object', required: ['names', 'asOf', 'matrix'], properties: { names: { type: 'array', items: { type: 'string' } }, asOf: { type: 'string' }, matrix: { type: 'array', items: { type: 'array', items: { type: 'integer' } } } } } },
    },
  }, async (req) => {
    const ws = rd();
    const names = [...new Set(req.query.names)];
    const prepared = [];
    for (const n of names) {
      const a = defs.get(n);
      prepared.push(await prepareOrThrow(a.name, a.where, req.query.asOf));
    }
    const m = names.map(() => names.map(() => 0));
    for (let i = 0; i < names.length; i++) {
      for (let j = i; j < names.length; j++) {
        const a = prepared[i]!;
        const b = prepared[j]!;
        const where = i === j ? inQuery(col('customer_id'), a.query) : and(inQuery(col('customer_id'), a.query), inQuery(col('customer_id'), b.query));
        const c = compileAudience(`${a.name}+${b.name}`, select({ select: [{ expr: count(), as: 'n' }], from: table('customers'), where }), ws.db.dialect);
        const n = Number((await ws.db.one<{ n: unknown }>(c.sql, c.params))?.n ?? 0);
        m[i]![j] = n;
        m[j]![i] = n;
      }
    }
    return { names, asOf: prepared[0]!.asOf, matrix: m };
  });

}
