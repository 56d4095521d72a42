/**
 * One customer: traits, scores of the latest run of each kind, segments, the audiences whose latest snapshot
 * holds them, and the purchase and event timeline (latest first). The latest runs come from the workspace
 * state's cache (read again when a run or an import commits); every query here is a point look-up by
 * customer_id, which the schema indexes (DuckDB, PostgreSQL) or sorts by (ClickHouse). The customer_id
 * condition comes first: DuckDB uses its index only for the first condition of a scan.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { all, one } from '../../pipeline/run-query.ts';
import { and, col, count, eq, inList, lit, select, table, type OrderLike } from '../../sql/ir.ts';
import { notFound } from '../errors.ts';
import { customerIdParam } from '../schemas.ts';
import { CustomerCards, type CardSources } from '../customer-cache.ts';
import { LineBatcher } from '../line-batch.ts';
import type { LatestRuns, WorkspaceState } from '../state.ts';
import { plain } from './runs.ts';

/**
 * The timeline's lines, latest first; lines at the same time in the order of the file they came from (an order's
 * lines share its time).
 */
const TX_COLUMNS = ['ts', 'order_id', 'amount', 'product_id', 'description', 'quantity', 'is_return', 'source_id', 'source_line'];
const TX_ORDER: readonly OrderLike[] = [{ expr: col('ts'), desc: true }, col('order_id'), col('source_id'), col('source_line')];
const EV_COLUMNS = ['ts', 'type', 'properties', 'source_id', 'source_line'];
const EV_ORDER: readonly OrderLike[] = [{ expr: col('ts'), desc: true }, col('source_id'), col('source_line')];
/** A customer with at most this many lines of a kind has them read in a batch with other look-ups' (all of them, not the first n). */
const BATCH_LINES = 200;

/** The latest run of each kind whose rows hold a customer's scores. */
const SCORE_TABLES: Record<string, string> = { rfm: 'run_scores', lrfmp: 'run_scores', 'clv-predict': 'clv_predictions', cluster: 'run_clusters' };

export async function customerRoutes(app: FastifyInstance, opts: { state: WorkspaceState }): Promise<void> {
  // a cache loading when the server stops finishes before the read connections close
  app.addHook('preClose', async () => opts.state.idle());
  // the names of the audience definitions, parsed again only when a file of the folder changes (name, size, time)
  let defined: { key: string; names: Set<string> } | undefined;
  const definedNames = (): Set<string> => {
    const dir = opts.state.definitions.dir;
    let key = '';
    try {
      for (const f of readdirSync(dir)) {
        const st = statSync(join(dir, f));
        key += `${f}\0${st.size}\0${st.mtimeMs}\0${st.ino}\n`;
      }
    } catch {
      key = '';
    }
    if (defined?.key !== key) defined = { key, names: new Set(opts.state.definitions.list().map((a) => a.name)) };
    return defined.names;
  };
  const txLines = new LineBatcher('transactions', TX_COLUMNS, TX_ORDER, () => app.segmint.reader().db);
  const evLines = new LineBatcher('events', EV_COLUMNS, EV_ORDER, () => app.segmint.reader().db);
  app.get<{ Params: { customerId: string }; Querystring: { timeline: number } }>('/customers/:customerId', {
    config: { role: 'viewer' },
    schema: {
      tags: ['customers'], summary: 'One customer: traits, scores (latest run of each kind), segments, audiences (latest snapshots), timeline of purchases and events',
      params: { type: 'object', required: ['customerId'], properties: { customerId: customerIdParam } },
      querystring: { type: 'object', additionalProperties: false, properties: { timeline: { type: 'integer', minimum: 0, maximum: 1000, default: 50 } } },
      response: {
        200: {
          type: 'object', required: ['customerId', 'traits', 'scores', 'segments', 'audiences', 'timeline', 'counts'],
          properties: {
            customerId: { type: 'string' },
            traits: { type: 'object', additionalProperties: true },
            scores: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true } },
            segments: { type: 'object', additionalProperties: { type: ['string', 'null'] } },
            audiences: { type: 'array', items: { type: 'object', required: ['name', 'runId', 'asOf', 'member'], properties: { name: { type: 'string' }, runId: { type: 'integer' }, asOf: { type: 'string' }, member: { type: 'boolean' } } } },
            counts: { type: 'object', properties: { transactions: { type: 'integer' }, events: { type: 'integer' } } },
            timeline: { type: 'array', items: { type: 'object', required: ['type', 'ts'], properties: { type: { type: 'string' }, ts: { type: 'string' }, orderId: { type: ['string', 'null'] }, amount: { type: ['number', 'null'] }, productId: { type: ['string', 'null'] }, description: { type: ['string', 'null'] }, quantity: { type: ['number', 'null'] }, isReturn: { type: 'boolean' }, properties: {} } } },
          },
        },
      },
    },
  }, async (req, reply) => {
    const id = req.params.customerId;
    // one read connection for the whole request
    const db = app.segmint.reader().db;
    const { latest, held: cards } = await opts.state.lookup((l) => CustomerCards.load(app.segmint.reader().db, cardSources(l)));
    const pos = cards?.index.positions.get(id);
    void reply.header('x-segmint-lookup', cards ? 'memory' : 'engine');
    let traits: Record<string, unknown> | undefined;
    if (cards?.traits) traits = pos === undefined ? undefined : cards.traits.row(pos, id);
    else {
      const row = await one(db, select({ select: '*', from: table('customers'), where: eq(col('customer_id'), lit(id)) }));
      if (row) {
        delete row.source_id;
        traits = plain(row);
      }
    }
    if (!traits) throw notFound('customer', id, 'customer ids are the customer_id of the customers table');
    const scores: Record<string, Record<string, unknown>> = {};
    // the customers table of this version holds every id a run or snapshot of it scored (else: from the engine)
    if (cards && pos !== undefined) {
      for (const kind of Object.keys(SCORE_TABLES)) {
        const row = cards.scores.get(kind)?.row(pos, id);
        if (row) scores[kind] = row;
      }
    } else {
      // one query per table: run_scores holds both RFM and LRFMP runs
      const byTable = new Map<string, Map<number, string>>();
      for (const [kind, tbl] of Object.entries(SCORE_TABLES)) {
        const runId = latest.byKind.get(kind);
        if (runId !== undefined) byTable.set(tbl, (byTable.get(tbl) ?? new Map<number, string>()).set(runId, kind));
      }
      const found = new Map<string, Record<string, unknown>>();
      for (const [tbl, kinds] of byTable) {
        for (const row of await all(db, select({ select: '*', from: table(tbl), where: and(eq(col('customer_id'), lit(id)), inList(col('run_id'), [...kinds.keys()])) }))) {
          delete row.customer_id;
          found.set(kinds.get(Number(row.run_id))!, plain(row));
        }
      }
      // in the order of SCORE_TABLES, as from the cache
      for (const kind of Object.keys(SCORE_TABLES)) if (found.has(kind)) scores[kind] = found.get(kind)!;
    }
    // a cluster goes by the label people gave it (carried over from an earlier run too), else the generated name
    const clusterName = async (row: Record<string, unknown> | undefined): Promise<string | undefined> => {
      if (!row) return undefined;
      const runId = Number(row.run_id);
      await opts.state.labels.carryOver(db, runId);
      return opts.state.labels.ofRun(runId)[String(row.cluster)]?.name || (row.cluster_name as string | undefined);
    };
    const segments: Record<string, string | null> = {
      rfm: (scores.rfm?.segment as string | undefined) ?? null,
      lrfmp: (scores.lrfmp?.segment as string | undefined) ?? null,
      cluster: (await clusterName(scores.cluster)) ?? null,
      clvTier: (scores['clv-predict']?.clv_tier as string | undefined) ?? null,
      churnTier: (scores['clv-predict']?.churn_tier as string | undefined) ?? null,
    };
    // the latest snapshot of each defined audience
    const names = definedNames();
    const snaps = [...latest.snapshots].filter(([name]) => names.has(name));
    const ids = snaps.map(([, s]) => s.runId);
    let memberOf: (runId: number) => boolean;
    if (cards && pos !== undefined) memberOf = (runId) => cards.members.get(runId)?.has(pos) ?? false;
    else {
      const runs = new Set(ids.length ? (await all<{ run_id: unknown }>(db, select({ select: [{ expr: col('run_id'), as: 'run_id' }], from: table('audience_members'), where: and(eq(col('customer_id'), lit(id)), inList(col('run_id'), ids)) }))).map((r) => Number(r.run_id)) : []);
      memberOf = (runId) => runs.has(runId);
    }
    const audiences = snaps.map(([name, s]) => ({ name, runId: s.runId, asOf: s.asOf, member: memberOf(s.runId) }));
    // the timeline: purchases and events, latest first (none read for a customer the cache counts none of)
    const n = req.query.timeline;
    const held = cards && pos !== undefined ? { transactions: cards.transactions[pos]!, events: cards.events?.[pos] ?? 0 } : undefined;
    // a customer with few lines (as the cache counts them) is read with the others being looked up (line-batch.ts)
    const linesOf = async (lines: LineBatcher, held: number | undefined, from: string, columns: readonly string[], order: readonly OrderLike[]) =>
      !n || held === 0 ? [] : held !== undefined && held <= BATCH_LINES ? (await lines.lines(id)).slice(0, n) : await all(db, latestOf(from, columns, id, order, n));
    const tx = await linesOf(txLines, held?.transactions, 'transactions', TX_COLUMNS, TX_ORDER);
    const ev = latest.events ? await linesOf(evLines, held?.events, 'events', EV_COLUMNS, EV_ORDER) : [];
    const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));
    const timeline = [
      ...tx.map((t) => ({ type: t.is_return ? 'return' : 'purchase', ts: iso(t.ts), orderId: t.order_id === null ? null : String(t.order_id), amount: t.amount === null ? null : Number(t.amount), productId: (t.product_id as string | null) ?? null, description: (t.description as string | null) ?? null, quantity: t.quantity === null ? null : Number(t.quantity), isReturn: Boolean(t.is_return) })),
      ...ev.map((e) => ({ type: String(e.type), ts: iso(e.ts), properties: typeof e.properties === 'string' ? safeJson(e.properties) : e.properties ?? null })),
    ].sort((a, b) => (a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : 0)).slice(0, n);
    // the counts: held, else read only when the timeline was cut (or not asked for)
    const countOf = async (t: string, got: number) => (n && got < n ? got : Number((await one<{ t: unknown }>(db, select({ select: [{ expr: count(), as: 't' }], from: table(t), where: eq(col('customer_id'), lit(id)) })))?.t ?? 0));
    const counts = held ? { transactions: held.transactions, events: latest.events ? held.events : 0 } : { transactions: await countOf('transactions', tx.length), events: latest.events ? await countOf('events', ev.length) : 0 };
    return { customerId: id, traits, scores, segments, audiences, counts, timeline };
  });
}

/** What the look-up cache holds for the latest runs: each score kind's run, every audience's latest snapshot. */
function cardSources(latest: LatestRuns): CardSources {
  return {
    runs: Object.entries(SCORE_TABLES).flatMap(([kind, tbl]) => {
      const runId = latest.byKind.get(kind);
      return runId === undefined ? [] : [{ kind, table: tbl, runId }];
    }),
    snapshots: [...latest.snapshots.values()].map((s) => s.runId),
    events: latest.events,
  };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/**
 * The first `n` of one customer's rows of `from` in `order`: the rows found by customer_id first (a materialized
 * CTE), then sorted. Inlined, DuckDB turns ORDER BY … LIMIT into a scan of the whole table.
 */
function latestOf(from: string, columns: readonly string[], id: string, order: readonly OrderLike[], n: number) {
  const pick = columns.map((c) => ({ expr: col(c), as: c }));
  return select({
    with: [{ name: 'mine', materialized: true, query: select({ select: pick, from: table(from), where: eq(col('customer_id'), lit(id)) }) }],
    select: pick, from: table('mine'), orderBy: order, limit: n,
  });
}
