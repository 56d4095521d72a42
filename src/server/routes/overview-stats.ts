/**
 * Studio data for the Overview and Customer pages, aggregated on the server (a page never reads rows to
 * sum them): revenue, orders and buyers per calendar month of the workspace's time zone; one customer's
 * purchase summary and activity per month.
 */
import type { FastifyInstance } from 'fastify';
import { all, dayText, one, timestampText } from '../../pipeline/run-query.ts';
import { cast, coalesce, col, count, countDistinct, dateTrunc, eq, lit, localTime, max, min, not, select, sum, table, type Expr } from '../../sql/ir.ts';
import { workspaceTimezone } from '../../store/timezone.ts';
import { notFound } from '../errors.ts';
import { customerIdParam } from '../schemas.ts';
import type { ReadView } from '../app.ts';
import type { WorkspaceState } from '../state.ts';

const n = (x: unknown): number => (x === null || x === undefined ? 0 : Number(x));
const money = (x: unknown): number => Math.round(n(x) * 100) / 100;
const month = (v: unknown): string => (dayText(v) ?? '').slice(0, 7);
const double = (x: Expr) => coalesce(cast(x, 'double'), cast(lit(0), 'double'));

const monthSchema = {
  type: 'object', required: ['month', 'revenue', 'orders'],
  properties: { month: { type: 'string' }, revenue: { type: 'number' }, orders: { type: 'integer' }, buyers: { type: 'integer' }, returns: { type: 'integer' }, events: { type: 'integer' } },
} as const;

export async function overviewStatsRoutes(app: FastifyInstance, opts: { state: WorkspaceState }): Promise<void> {
  app.get('/overview/monthly', {
    config: { role: 'viewer' },
    schema: {
      tags: ['workspace'], summary: 'Net revenue, orders, return orders and buyers per calendar month (in the workspace time zone)',
      response: {
        200: {
          type: 'object', required: ['timezone', 'months', 'totals'],
          properties: {
            timezone: { type: 'string' },
            currency: { type: ['string', 'null'] },
            months: { type: 'array', items: monthSchema },
            totals: { type: 'object', properties: { revenue: { type: 'number' }, orders: { type: 'integer' }, returns: { type: 'integer' }, buyers: { type: 'integer' }, lines: { type: 'integer' } } },
          },
        },
      },
    },
  }, async () => {
    const rd = app.segmint.reader();
    const tz = await workspaceTimezone(rd.db, rd.config);
    // whole-table sums: once per workspace version (4 s over 2,000,000 lines on a busy machine), not on every visit
    return opts.state.memo(`overview/monthly:${tz}`, () => monthly(() => app.segmint.reader(), tz));
  });
  // computed as the server starts, so the first visit finds them ready (a failure is not kept: the visit retries)
  app.addHook('onReady', async () => {
    const rd = app.segmint.reader();
    void workspaceTimezone(rd.db, rd.config)
      .then((tz) => opts.state.memo(`overview/monthly:${tz}`, () => monthly(() => app.segmint.reader(), tz)))
      .catch(() => undefined);
  });

  app.get<{ Params: { customerId: string } }>('/customers/:customerId/activity', {
    config: { role: 'viewer' },
    schema: {
      tags: ['customers'], summary: "One customer's purchases in sum (orders, returns, net revenue, first and last purchase day in the workspace time zone) and per calendar month, with events per month",
      params: { type: 'object', required: ['customerId'], properties: { customerId: customerIdParam } },
      response: {
        200: {
          type: 'object', required: ['customerId', 'timezone', 'orders', 'returns', 'revenue', 'lines', 'events', 'firstPurchase', 'lastPurchase', 'months'],
          properties: {
            customerId: { type: 'string' }, timezone: { type: 'string' },
            orders: { type: 'integer' }, returns: { type: 'integer' }, revenue: { type: 'number' }, lines: { type: 'integer' }, events: { type: 'integer' },
            firstPurchase: { type: ['string', 'null'] }, lastPurchase: { type: ['string', 'null'] }, lastActivity: { type: ['string', 'null'] },
            months: { type: 'array', items: monthSchema },
          },
        },
      },
    },
  }, async (req) => {
    const id = req.params.customerId;
    const rd = app.segmint.reader();
    const known = await one(rd.db, select({ select: [{ expr: col('customer_id'), as: 'id' }], from: table('customers'), where: eq(col('customer_id'), lit(id)), limit: 1 }));
    if (!known) throw notFound('customer', id, 'customer ids are the customer_id of the customers table');
    const tz = await workspaceTimezone(rd.db, rd.config);
    const local = (x: Expr) => localTime(x, tz);
    const purchase = not(col('is_return'));
    const mine = eq(col('customer_id'), lit(id));
    const measures = [
      { expr: double(sum(col('amount'))), as: 'revenue' },
      { expr: countDistinct(col('order_id'), { filter: purchase }), as: 'orders' },
      { expr: countDistinct(col('order_id'), { filter: col('is_return') }), as: 'returns' },
    ];
    const t = await one(rd.db, select({
      select: [...measures, { expr: count(), as: 'lines' }, { expr: local(min(col('ts'), { filter: purchase })), as: 'first' }, { expr: local(max(col('ts'), { filter: purchase })), as: 'last' }, { expr: local(max(col('ts'))), as: 'latest' }],
      from: table('transactions'), where: mine,
    }));
    const monthOf = dateTrunc('month', local(col('ts')));
    const tx = await all(rd.db, select({ select: [{ expr: monthOf, as: 'month' }, ...measures], from: table('transactions'), where: mine, groupBy: [monthOf], orderBy: [col('month')] }));
    const ev = await all(rd.db, select({ select: [{ expr: monthOf, as: 'month' }, { expr: count(), as: 'events' }], from: table('events'), where: mine, groupBy: [monthOf], orderBy: [col('month')] }));
    const evLast = await one(rd.db, select({ select: [{ expr: local(max(col('ts'))), as: 'latest' }], from: table('events'), where: mine }));
    const months = new Map<string, { month: string; revenue: number; orders: number; returns: number; events: number }>();
    const at = (m: string) => months.get(m) ?? months.set(m, { month: m, revenue: 0, orders: 0, returns: 0, events: 0 }).get(m)!;
    for (const r of tx) Object.assign(at(month(r.month)), { revenue: money(r.revenue), orders: n(r.orders), returns: n(r.returns) });
    for (const r of ev) at(month(r.month)).events = n(r.events);
    const text = (v: unknown) => (v === null || v === undefined ? null : timestampText(v));
    const latest = [text(t?.latest), text(evLast?.latest)].filter((x): x is string => x !== null).sort().at(-1) ?? null;
    return {
      customerId: id, timezone: tz,
      orders: n(t?.orders), returns: n(t?.returns), revenue: money(t?.revenue), lines: n(t?.lines), events: ev.reduce((a, r) => a + n(r.events), 0),
      firstPurchase: text(t?.first), lastPurchase: text(t?.last), lastActivity: latest,
      months: [...months.values()].sort((a, b) => (a.month < b.month ? -1 : 1)),
    };
  });
}

/**
 * Net revenue, orders, return orders and buyers per month of zone `tz`, and their totals, over every transaction.
 * The three queries run at once, each on a read connection of its own (`reader()` hands them out in turn).
 */
async function monthly(reader: () => ReadView, tz: string) {
  const purchase = not(col('is_return'));
  const monthOf = dateTrunc('month', localTime(col('ts'), tz));
  const measures = [
    { expr: double(sum(col('amount'))), as: 'revenue' },
    { expr: countDistinct(col('order_id'), { filter: purchase }), as: 'orders' },
    { expr: countDistinct(col('order_id'), { filter: col('is_return') }), as: 'returns' },
    { expr: countDistinct(col('customer_id'), { filter: purchase }), as: 'buyers' },
  ];
  const [rows, t, currencies] = await Promise.all([
    all(reader().db, select({ select: [{ expr: monthOf, as: 'month' }, ...measures], from: table('transactions'), groupBy: [monthOf], orderBy: [col('month')] })),
    one(reader().db, select({ select: [...measures, { expr: count(), as: 'lines' }], from: table('transactions') })),
    all<{ currency: unknown }>(reader().db, select({ select: [{ expr: col('currency'), as: 'currency' }], from: table('transactions'), where: not(eq(coalesce(col('currency'), lit('')), lit(''))), groupBy: [col('currency')], limit: 2 })),
  ]);
  return {
    timezone: tz,
    currency: currencies.length === 1 ? String(currencies[0]!.currency) : null,
    months: rows.map((r) => ({ month: month(r.month), revenue: money(r.revenue), orders: n(r.orders), returns: n(r.returns), buyers: n(r.buyers) })),
    totals: { revenue: money(t?.revenue), orders: n(t?.orders), returns: n(t?.returns), buyers: n(t?.buyers), lines: n(t?.lines) },
  };
}
