/**
 * The places section (issue #21): purchases and customers by place — each place's customers, orders,
 * purchase lines and net revenue from the lines naming it (the transactions column mapped with
 * `--map place_id=COLUMN`), a chart of revenue per place, and the customers' distance to their nearest place
 * when it is known. Lines naming no place, or a place missing from `places`, are counted apart.
 */
import { loadLineSchema } from '../pipeline/line-attributes.ts';
import { all } from '../pipeline/run-query.ts';
import { and, coalesce, col, count, countDistinct, isNotNull, jsonGet, not, num, select, subquery, sum, table } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { barsH, histogram, linearBins } from './charts.ts';
import { esc, htmlTable, money, num as fmtNum, pct, type Cell, type ReportSection } from './html.ts';

/** Places shown in the chart and the table (the rest are summed in one row). */
const SHOWN = 25;
const NEAREST = 'distance_to_nearest_place_km';

export interface PlaceFigures {
  place: string | null;
  name: string | null;
  known: boolean;
  customers: number;
  orders: number;
  lines: number;
  revenue: number;
}

/** Per place id named on the lines (null: lines without one): customers, orders, purchase lines, net revenue. */
export async function placeFigures(db: Db, attribute: string): Promise<PlaceFigures[]> {
  const lines = select({
    select: [
      { expr: jsonGet(col('attributes'), attribute, 'text'), as: 'place' },
      { expr: col('customer_id'), as: 'customer_id' }, { expr: col('order_id'), as: 'order_id' }, { expr: col('amount'), as: 'amount' }, { expr: col('is_return'), as: 'is_return' },
    ],
    from: table('transactions'),
    where: isNotNull(col('customer_id')),
  });
  const purchase = not(col('is_return'));
  const rows = await all<{ place: string | null; customers: unknown; orders: unknown; lines: unknown; revenue: unknown }>(db, select({
    select: [
      { expr: col('place'), as: 'place' },
      { expr: countDistinct(col('customer_id'), { filter: purchase }), as: 'customers' },
      { expr: countDistinct(col('order_id'), { filter: purchase }), as: 'orders' },
      { expr: count(undefined, { filter: purchase }), as: 'lines' },
      { expr: coalesce(sum(col('amount')), num(0)), as: 'revenue' },
    ],
    from: subquery(lines, 'l'),
    groupBy: [col('place')],
  }));
  const places = await all<{ place_id: string; name: string | null }>(db, select({ select: [{ expr: col('place_id'), as: 'place_id' }, { expr: col('name'), as: 'name' }], from: table('places') }));
  const names = new Map(places.map((p) => [String(p.place_id), p.name]));
  return rows.map((r) => ({
    place: r.place === null ? null : String(r.place),
    name: r.place === null ? null : names.get(String(r.place)) ?? null,
    known: r.place !== null && names.has(String(r.place)),
    customers: Number(r.customers), orders: Number(r.orders), lines: Number(r.lines), revenue: Number(r.revenue),
  })).sort((a, b) => b.revenue - a.revenue || (a.place ?? '').localeCompare(b.place ?? ''));
}

/** The section, or undefined when no transactions import named a place column. */
export async function placesSection(db: Db, options: { currency?: string } = {}): Promise<ReportSection | undefined> {
  const { places } = await loadLineSchema(db);
  if (!places?.attribute) return undefined;
  const figures = await placeFigures(db, places.attribute);
  const named = figures.filter((f) => f.place !== null);
  const total = figures.reduce((a, f) => a + f.revenue, 0);
  const label = (f: PlaceFigures) => (f.name ? `${f.place} ${f.name}` : String(f.place));
  const parts: string[] = [];
  const unknown = named.filter((f) => !f.known);
  const none = figures.find((f) => f.place === null);
  parts.push(`<p>${fmtNum(named.length)} places named on the lines (column <code>${esc(places.attribute)}</code>), ${fmtNum(places.ids.length)} in the places table. Customers, orders and lines count purchases; revenue is net of returns.${
    unknown.length ? ` ${fmtNum(unknown.length)} place ids on the lines are not in the places table (${esc(unknown.slice(0, 5).map((f) => f.place).join(', '))}${unknown.length > 5 ? ', …' : ''}): import them with --kind places to measure distances to them.` : ''}${
    none ? ` ${fmtNum(none.lines)} purchase lines name no place.` : ''}</p>`);
  const top = named.slice(0, SHOWN);
  parts.push(barsH(top.map((f) => ({ label: label(f), value: f.revenue })), {
    title: `Revenue per place${named.length > SHOWN ? ` (top ${SHOWN} of ${fmtNum(named.length)})` : ''}`,
    xLabel: `net revenue${options.currency ? ` (${options.currency})` : ''}`, total, format: (v) => money(v, options.currency, 0), width: 760,
    caption: 'Net revenue of the lines naming each place, with its share of all revenue.',
  }));
  parts.push(barsH(top.map((f) => ({ label: label(f), value: f.customers })).sort((a, b) => b.value - a.value), {
    title: 'Customers per place', xLabel: 'customers with a purchase there', format: (v) => fmtNum(v), width: 760, color: '#4c8c6a',
    caption: 'A customer who buys at several places counts at each of them.',
  }));
  const row = (f: PlaceFigures): Cell[] => [f.place ?? '(no place)', f.name ?? (f.place !== null && !f.known ? '(not in places)' : ''), f.customers, f.orders, f.lines, money(f.revenue, options.currency), pct(total ? f.revenue / total : 0)];
  const rest = named.slice(SHOWN);
  const rows = [...top.map(row)];
  if (rest.length) rows.push([`${fmtNum(rest.length)} other places`, '', '', rest.reduce((a, f) => a + f.orders, 0), rest.reduce((a, f) => a + f.lines, 0), money(rest.reduce((a, f) => a + f.revenue, 0), options.currency), pct(total ? rest.reduce((a, f) => a + f.revenue, 0) / total : 0)]);
  if (none) rows.push(row(none));
  parts.push(htmlTable(['place', 'name', 'customers', 'orders', 'purchase lines', 'net revenue', 'share of revenue'], rows));
  // the customers' distance to their nearest place (a trait set by the import when customers have coordinates)
  if ((await db.tableColumns('customers')).some((c) => c.name === NEAREST)) {
    const d = (await all<{ d: unknown }>(db, select({ select: [{ expr: col(NEAREST), as: 'd' }], from: table('customers'), where: and(isNotNull(col(NEAREST))) }))).map((r) => Number(r.d));
    if (d.length) {
      const sorted = [...d].sort((a, b) => a - b);
      parts.push(histogram(linearBins(d, 30), {
        title: 'Distance to the nearest place', xLabel: 'km (haversine)', yLabel: 'customers',
        caption: `${fmtNum(d.length)} customers with coordinates; median ${fmtNum((sorted[Math.floor((sorted.length - 1) / 2)]! + sorted[Math.ceil((sorted.length - 1) / 2)]!) / 2, 1)} km. Rules read it as ${NEAREST}.`,
      }));
    }
  }
  return { id: 'places', title: 'Purchases by place', html: parts.join('\n') };
}
