/**
 * Studio data for the audience editor: the vocabulary offered by completion (fields the checker knows,
 * event types, audience names, products by how often they were bought), a rule's text as blocks for the
 * visual builder and blocks back to the canonical text (audience-blocks.ts), and the count of a rule that
 * is not saved yet (bounded in size and time).
 */
import type { FastifyInstance } from 'fastify';
import { parseAudience } from '../../segments/parse.ts';
import { checkAudience } from '../../segments/check.ts';
import { formatAudience } from '../../segments/format.ts';
import type { AudienceSchema } from '../../segments/schema.ts';
import { compileAudience } from '../../pipeline/audience.ts';
import { all, countRows } from '../../pipeline/run-query.ts';
import { and, col, count, isNotNull, lit, lower, min, or, select, startsWith, subquery, table } from '../../sql/ir.ts';
import { BlockError, fromBlocks, toBlocks } from '../audience-blocks.ts';
import { ApiError, positionsOf } from '../errors.ts';
import { nameParam } from '../schemas.ts';
import type { WorkspaceState } from '../state.ts';
import { grouped } from '../../core/numbers.ts';

/** The longest rule text the draft count takes (characters), and how long it may take. */
export const MAX_DRAFT_TEXT = 20_000;
export const DRAFT_COUNT_TIMEOUT_MS = 20_000;
/** The draft count's limit: DRAFT_COUNT_TIMEOUT_MS, or SEGMINT_DRAFT_COUNT_TIMEOUT_MS (milliseconds) where set. */
const draftCountTimeoutMs = (): number => {
  const v = Number(process.env.SEGMINT_DRAFT_COUNT_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : DRAFT_COUNT_TIMEOUT_MS;
};
/** How far the vocabulary pages go. */
const MAX_OFFSET = 10_000;
const tags = ['audiences'];
const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

const positionSchema = {
  type: 'object', required: ['line', 'column', 'code', 'message'],
  properties: { line: { type: 'integer' }, column: { type: 'integer' }, length: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' }, audience: { type: 'string' } },
} as const;
const blockSchema = { type: 'object', additionalProperties: true, description: 'a block: {kind: group|not|field|has|measure|occurrence|ref, …} (src/server/audience-blocks.ts)' } as const;
const itemSchema = {
  type: 'object', required: ['value', 'label'],
  properties: { value: { type: 'string' }, label: { type: 'string' }, type: { type: 'string' }, detail: { type: 'string' }, scope: { type: 'string', enum: ['customer', 'transactions'] } },
} as const;

type Item = { value: string; label: string; type?: string; detail?: string; scope?: 'customer' | 'transactions' };

/** The fields a rule can name: customer traits, stored results (rfm.segment …), and transaction fields for filters and sums. */
function fieldItems(schema: AudienceSchema): Item[] {
  const out: Item[] = [];
  for (const [name, type] of Object.entries(schema.traits)) out.push({ value: name, label: name, type, detail: 'customer trait', scope: 'customer' });
  for (const [head, s] of Object.entries(schema.scores)) {
    for (const [f, type] of Object.entries(s.fields)) {
      if (s.unavailable?.[f]) continue;
      out.push({ value: `${head}.${f}`, label: `${head}.${f}`, type, detail: `${head} run ${s.runId}`, scope: 'customer' });
    }
  }
  for (const [name, type] of Object.entries(schema.transactionFields)) out.push({ value: name, label: name, type, detail: 'transactions field (filters, sum(…))', scope: 'transactions' });
  for (const [name, type] of Object.entries(schema.lineAttributes ?? {})) out.push({ value: name, label: name, type, detail: 'transactions column', scope: 'transactions' });
  return out;
}

const positions = (diagnostics: unknown[]) => positionsOf({ diagnostics }) ?? [];

export async function audienceToolRoutes(app: FastifyInstance, opts: { state: WorkspaceState }): Promise<void> {
  const { state } = opts;
  const rd = () => app.segmint.reader();

  app.get<{ Querystring: { kind: 'fields' | 'events' | 'audiences' | 'products'; prefix?: string; limit: number; offset: number } }>('/audience-vocabulary', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: 'What completion offers in a rule: fields the checker knows, event types, audience names, or products (most bought first); by prefix, paged',
      querystring: {
        type: 'object', required: ['kind'], additionalProperties: false,
        properties: { kind: { enum: ['fields', 'events', 'audiences', 'products'] }, prefix: { type: 'string', maxLength: 200 }, limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 } },
      },
      response: { 200: { type: 'object', required: ['kind', 'items', 'next'], properties: { kind: { type: 'string' }, items: { type: 'array', items: itemSchema }, next: { type: ['integer', 'null'], description: 'the offset of the next page, null at the end' } } } },
    },
  }, async (req) => {
    const { kind, limit, offset } = req.query;
    const prefix = (req.query.prefix ?? '').toLowerCase();
    let items: Item[];
    if (kind === 'products') {
      // the most bought products first; a prefix matches the id or the description
      const id = col('product_id');
      const p = lit(prefix);
      const rows = await all<{ pid: unknown; label: unknown; n: unknown }>(rd().db, select({
        select: [{ expr: id, as: 'pid' }, { expr: min(col('description')), as: 'label' }, { expr: count(), as: 'n' }],
        from: table('transactions'),
        where: prefix ? and(isNotNull(id), or(startsWith(lower(id), p), startsWith(lower(col('description')), p))) : isNotNull(id),
        groupBy: [id],
        orderBy: [{ expr: count(), desc: true }, id],
        limit: offset + limit + 1,
      }));
      items = rows.map((r) => ({ value: String(r.pid), label: r.label === null || r.label === undefined ? String(r.pid) : String(r.label), detail: `${grouped(Number(r.n))} lines` }));
      return { kind, items: items.slice(offset, offset + limit), next: items.length > offset + limit ? offset + limit : null };
    }
    if (kind === 'audiences') items = state.definitions.list().map((a) => ({ value: a.name, label: a.name, ...(a.description ? { detail: a.description } : {}) }));
    else {
      const schema = await state.schema();
      items = kind === 'events' ? schema.eventTypes.map((t) => ({ value: t, label: t, detail: 'event type' })) : fieldItems(schema);
    }
    const hits = items.filter((i) => i.value.toLowerCase().startsWith(prefix));
    return { kind, items: hits.slice(offset, offset + limit), next: hits.length > offset + limit ? offset + limit : null };
  });

  app.post<{ Body: { where: string } }>('/audiences/parse', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: "A rule's text as blocks for the visual builder; a rule the blocks cannot show says why (reason); a rule with syntax errors gives their positions",
      body: { type: 'object', required: ['where'], additionalProperties: false, properties: { where: { type: 'string', maxLength: MAX_DRAFT_TEXT } } },
      response: { 200: { type: 'object', required: ['diagnostics'], properties: { blocks: blockSchema, reason: { type: 'string' }, where: { type: 'string' }, diagnostics: { type: 'array', items: positionSchema } } } },
    },
  }, async (req) => {
    const r = parseAudience(req.body.where);
    if (!r.node) return { diagnostics: positions(r.diagnostics) };
    return { ...toBlocks(r.node), where: formatAudience(r.node), diagnostics: [] };
  });

  app.post<{ Body: { blocks: unknown; name?: string } }>('/audiences/format', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: "Blocks of the visual builder as the rule's canonical text, with the checker's problems (positions in that text)",
      body: { type: 'object', required: ['blocks'], additionalProperties: false, properties: { blocks: blockSchema, name: nameParam } },
      response: { 200: { type: 'object', required: ['where', 'valid', 'diagnostics'], properties: { where: { type: 'string' }, valid: { type: 'boolean' }, diagnostics: { type: 'array', items: positionSchema } } } },
    },
  }, async (req) => {
    let where: string;
    try {
      where = formatAudience(fromBlocks(req.body.blocks));
    } catch (e) {
      if (e instanceof BlockError) throw new ApiError(400, 'invalid-blocks', e.message, { hint: 'each block is {kind: group|not|field|has|measure|occurrence|ref, …} as POST /audiences/parse gives them' });
      throw e;
    }
    const schema = { ...(await state.schema(/properties\s*\./.test(where))), audiences: state.definitions.texts() };
    const c = checkAudience(where, schema, { name: req.body.name ?? 'draft' });
    return { where, valid: c.node !== undefined, diagnostics: positions(c.diagnostics) };
  });

  app.post<{ Body: { where: string; name?: string; asOf?: string } }>('/audiences/count', {
    config: { role: 'viewer' },
    schema: {
      tags, summary: `How many customers a rule that is not saved holds now (the editor's live count); at most ${MAX_DRAFT_TEXT} characters and ${DRAFT_COUNT_TIMEOUT_MS / 1000} s`,
      body: { type: 'object', required: ['where'], additionalProperties: false, properties: { where: { type: 'string', minLength: 1, maxLength: MAX_DRAFT_TEXT }, name: nameParam, asOf: DATE } },
      response: {
        200: { type: 'object', required: ['asOf', 'customers', 'share', 'where'], properties: { where: { type: 'string' }, asOf: { type: 'string' }, customers: { type: 'integer' }, share: { type: 'number' } } },
        504: { $ref: 'Error#' },
      },
    },
  }, async (req) => {
    const ws = rd();
    const p = await state.prepare(req.body.name ?? 'draft', req.body.where, req.body.asOf);
    const c = compileAudience(p.name, select({ select: [{ expr: count(), as: 'n' }], from: subquery(p.query, 'q') }), ws.db.dialect);
    let row: { n: unknown } | undefined;
    try {
      // stopped on the engine at the time limit, so an abandoned count does not go on taking a core
      row = await ws.db.oneWithin<{ n: unknown }>(c.sql, c.params, draftCountTimeoutMs());
    } catch (e) {
      if ((e as { code?: string }).code !== 'query-timeout') throw e;
      throw new ApiError(504, 'count-timeout', `counting took longer than ${draftCountTimeoutMs() / 1000} s and was stopped`, { hint: 'save the audience and store a snapshot (a job), or narrow the rule' });
    }
    const total = await countRows(ws.db, 'customers');
    const n = Number(row?.n ?? 0);
    return { where: p.where, asOf: p.asOf, customers: n, share: total ? n / total : 0 };
  });
}
