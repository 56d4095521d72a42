/** The data overview section: what the workspace holds, over time, per customer, country, product and event type. */
import { compile } from '../sql/compile.ts';
import {
  and, cast, coalesce, col, count, countDistinct, dateTrunc, inList, isNotNull, isNull, lit, localTime, max, median, min, not, select, subquery, sum, table, type Expr,
} from '../sql/ir.ts';
import { all, countRows, dayText, one } from '../pipeline/run-query.ts';
import type { Db } from '../store/workspace.ts';
import { barsH, columns, histogram, logBins, monthlyBars, timeSeries, withUnit } from './charts.ts';
import { esc, fmtDate, htmlTable, kpis, money, num, para, plural, type ReportSection } from './html.ts';

/** Whether `table` has `column` (trait columns are added to customers and products as data is imported). */
export async function hasColumn(db: Db, table: string, column: string): Promise<boolean> {
  return (await db.tableColumns(table)).some((c) => c.name === column);
}

/**
 * The currency of the amounts: the one code in `transactions.currency`, else `fallback`; undefined when the
 * data holds several (`codes` lists them) or none and no fallback is given.
 */
async function currencyOf(db: Db, fallback?: string): Promise<{ code?: string; codes: string[] }> {
  const rows = await all<{ currency: string }>(db, select({
    select: [{ expr: col('currency') }], from: table('transactions'), where: isNotNull(col('currency')),
    groupBy: [col('currency')], orderBy: [{ expr: count(), desc: true }, col('currency')], limit: 6,
  }));
  const codes = rows.map((r) => String(r.currency));
  if (codes.length === 1) return { code: codes[0]!, codes };
  return codes.length === 0 && fallback ? { code: fallback, codes } : { codes };
}

/** The most frequent values of `value` (an expression over `from`), with their counts: `k` rows at most, ties by value. */
function topValues(from: string, value: Expr, k: number, where?: Expr) {
  const inner = select({ select: [{ expr: value, as: 'v' }], from: table(from), ...(where ? { where } : {}) });
  return select({
    select: [{ expr: col('v') }, { expr: count(), as: 'k' }], from: subquery(inner, 'x'),
    groupBy: [col('v')], orderBy: [{ expr: col('k'), desc: true }, col('v')], limit: k,
  });
}

const n = (x: unknown): number => (x === null || x === undefined ? 0 : Number(x));
const utcDay = (s: string) => new Date(`${s}T00:00:00Z`);

/** Count bins that widen as counts grow: 1, 2, 3, 4–5, 6–10, 11–20, 21–50, 51–100, 101+ (up to the maximum). */
function countBins(max: number): { lo: number; hi: number; label: string }[] {
  const edges = [1, 2, 3, 4, 6, 11, 21, 51, 101];
  const bins: { lo: number; hi: number; label: string }[] = [];
  for (let i = 0; i + 1 < edges.length && edges[i]! <= max; i++) {
    const lo = edges[i]!;
    const hi = edges[i + 1]! - 1;
    bins.push({ lo, hi, label: lo === hi ? num(lo) : `${num(lo)}–${num(hi)}` });
  }
  if (max > 100) bins.push({ lo: 101, hi: Infinity, label: '101+' });
  return bins;
}

/**
 * The data overview; `currency` names the amounts' currency when the data does not. Days and calendar months
 * are those of `timezone` (the workspace's zone, store/timezone.ts; default UTC).
 */
export async function overviewSection(db: Db, options: { currency?: string; timezone?: string } = {}): Promise<ReportSection> {
  const tz = options.timezone ?? 'UTC';
  const local = (x: Expr) => localTime(x, tz);
  const section = (html: string[]): ReportSection => ({ id: 'overview', title: 'Data overview', html: html.join('\n') });
  const c = {
    customers: await countRows(db, 'customers'),
    events: await countRows(db, 'events'),
    event_types: n((await one<{ k: number }>(db, select({ select: [{ expr: countDistinct(col('type')), as: 'k' }], from: table('events') })))?.k),
    products: await countRows(db, 'products'),
  };
  const purchase = not(col('is_return'));
  const totals = await one<{
    lines: number; orders: number; return_orders: number; return_lines: number; first: unknown; last: unknown;
    gross: number | null; returned: number | null; net: number | null; buyers: number; anonymous: number;
  }>(db, select({
    select: [
      { expr: count(), as: 'lines' },
      { expr: countDistinct(col('order_id'), { filter: purchase }), as: 'orders' },
      { expr: countDistinct(col('order_id'), { filter: col('is_return') }), as: 'return_orders' },
      { expr: count(undefined, { filter: col('is_return') }), as: 'return_lines' },
      { expr: local(min(col('ts'))), as: 'first' },
      { expr: local(max(col('ts'))), as: 'last' },
      { expr: sum(col('amount'), { filter: purchase }), as: 'gross' },
      { expr: sum(col('amount'), { filter: col('is_return') }), as: 'returned' },
      { expr: sum(col('amount')), as: 'net' },
      { expr: countDistinct(col('customer_id'), { filter: purchase }), as: 'buyers' },
      { expr: count(undefined, { filter: isNull(col('customer_id')) }), as: 'anonymous' },
    ],
    from: table('transactions'),
  }));
  const t = totals && { ...totals, first: dayText(totals.first), last: dayText(totals.last) };
  const lines = n(t?.lines);
  const cur = lines > 0 ? await currencyOf(db, options.currency) : { codes: [] as string[] };
  const unit = cur.code ?? (cur.codes.length > 1 ? 'mixed currencies' : undefined);
  const parts: string[] = [];
  parts.push(kpis([
    { label: 'customers', value: num(n(c?.customers)), note: lines > 0 ? `${num(n(t?.buyers))} with a purchase` : undefined },
    { label: 'orders', value: num(n(t?.orders)), note: plural(lines, 'transaction line') },
    { label: 'returns', value: num(n(t?.return_orders)), note: plural(n(t?.return_lines), 'return line') },
    { label: withUnit('net revenue', cur.code), value: num(n(t?.net)), note: `gross ${num(n(t?.gross))}, returns ${num(n(t?.returned))}` },
    { label: 'events', value: num(n(c?.events)), note: n(c?.events) > 0 ? plural(n(c?.event_types), 'type') : undefined },
    { label: 'products', value: num(n(c?.products)) },
  ]));
  if (!t || lines === 0) {
    parts.push('<p class="empty">No transactions imported yet: run <code>segmint import FILE --kind transactions</code> to see revenue, orders and customers over time.</p>');
    if (n(c?.customers) > 0) parts.push(...(await traitsPart(db, n(c?.customers))));
    if (n(c?.events) > 0) parts.push(...(await eventsPart(db, tz)));
    return section(parts);
  }

  // Months, with the first and last flagged when the data starts or ends inside them.
  const monthOf = dateTrunc('month', local(col('ts')));
  const perMonth = await all<{ month: unknown; revenue: number; orders: number; buyers: number }>(db, select({
    select: [
      { expr: monthOf, as: 'month' },
      { expr: coalesce(cast(sum(col('amount')), 'double'), cast(lit(0), 'double')), as: 'revenue' },
      { expr: countDistinct(col('order_id'), { filter: purchase }), as: 'orders' },
      { expr: countDistinct(col('customer_id'), { filter: purchase }), as: 'buyers' },
    ],
    from: table('transactions'), groupBy: [monthOf], orderBy: [col('month')],
  }));
  // each buying customer's first month
  const firstMonths = select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: dateTrunc('month', local(min(col('ts')))), as: 'first_month' }],
    from: table('transactions'), where: and(purchase, isNotNull(col('customer_id'))), groupBy: [col('customer_id')],
  });
  const newPerMonth = await all<{ first_month: unknown; new_buyers: number }>(db, select({
    select: [{ expr: col('first_month'), as: 'first_month' }, { expr: count(), as: 'new_buyers' }], from: subquery(firstMonths, 'f'), groupBy: [col('first_month')],
  }));
  const newBuyers = new Map(newPerMonth.map((r) => [dayText(r.first_month), n(r.new_buyers)]));
  const monthly = perMonth.map((r) => ({ ...r, month: dayText(r.month)!, new_buyers: newBuyers.get(dayText(r.month)) ?? null }));
  const first = t.first ?? '';
  const last = t.last ?? '';
  const lastDayOfMonth = (s: string) => {
    const d = utcDay(s);
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  };
  const partialFirst = first !== '' && Number(first.slice(8, 10)) > 1;
  const partialLast = last !== '' && Number(last.slice(8, 10)) < lastDayOfMonth(last);
  const months = monthly.map((m, i) => ({
    month: utcDay(m.month),
    partial: (i === 0 && partialFirst) || (i === monthly.length - 1 && partialLast),
    revenue: n(m.revenue), orders: n(m.orders), buyers: n(m.buyers), newBuyers: n(m.new_buyers),
  }));
  const days = Math.round((utcDay(last).getTime() - utcDay(first).getTime()) / 86400000) + 1;
  parts.push(`<p>Transactions from <b>${esc(first)}</b> to <b>${esc(last)}</b> (${plural(days, 'day')}, ${plural(months.length, 'calendar month')}, ${esc(tz)}). Returns and cancellations are kept as lines with negative amounts: net revenue = gross − returns.${
    unit ? '' : ' The amounts carry no currency code, so they are shown as imported (<code>segmint report --currency CODE</code> names it).'}</p>`);
  if (cur.codes.length > 1) parts.push(para(`The transactions are in ${cur.codes.length > 5 ? 'more than five' : cur.codes.length} currencies (${cur.codes.slice(0, 5).join(', ')}): the sums below add them as they are, without conversion.`, 'warn'));
  if (n(t.anonymous) > 0) parts.push(para(`${plural(n(t.anonymous), 'line has', 'lines have')} no customer id (kept as anonymous): they count in revenue, orders and products, not in customer figures.`, 'note'));
  const partialNote = partialFirst || partialLast
    ? ` Lighter bars: months the data covers only in part (${[partialFirst ? `from ${first}` : '', partialLast ? `to ${last}` : ''].filter(Boolean).join(', ')}).`
    : '';
  const fmtMoney = (v: number) => money(v, cur.code, 0);
  parts.push('<div class="grid2">');
  parts.push(monthlyBars(months.map((m) => ({ month: m.month, value: m.revenue, partial: m.partial })), {
    title: 'Net revenue per month', yLabel: withUnit('net revenue', unit), format: fmtMoney,
    caption: `Sum of line amounts per calendar month (${esc(tz)}), purchases minus returns.${partialNote}`,
  }));
  parts.push(monthlyBars(months.map((m) => ({ month: m.month, value: m.orders, partial: m.partial })), {
    title: 'Orders per month', yLabel: 'orders per month',
    caption: `Distinct orders with at least one purchase line, per calendar month.${partialNote}`,
  }));
  parts.push('</div>');

  // Buying customers per month, new against returning.
  const activity = months.flatMap((m) => [
    { date: m.month, value: m.newBuyers, series: 'new customers', partial: m.partial },
    { date: m.month, value: Math.max(0, m.buyers - m.newBuyers), series: 'returning customers', partial: m.partial },
  ]);
  // Orders per customer, in bins that widen so the long tail stays readable.
  const ordersOf = select({
    select: [{ expr: col('customer_id') }, { expr: countDistinct(col('order_id')), as: 'o' }], from: table('transactions'),
    where: and(not(col('is_return')), isNotNull(col('customer_id'))), groupBy: [col('customer_id')],
  });
  const perCustomer = await all<{ o: number; k: number }>(db, select({
    select: [{ expr: col('o') }, { expr: count(), as: 'k' }], from: subquery(ordersOf, 'c'), groupBy: [col('o')], orderBy: [col('o')],
  }));
  const maxOrders = perCustomer.reduce((a, r) => Math.max(a, n(r.o)), 0);
  const bins = countBins(maxOrders).map((b) => ({
    label: b.label,
    value: perCustomer.filter((r) => n(r.o) >= b.lo && n(r.o) <= b.hi).reduce((a, r) => a + n(r.k), 0),
  }));
  const buyers = bins.reduce((a, b) => a + b.value, 0);
  const once = bins[0]?.value ?? 0;
  parts.push('<div class="grid2">');
  parts.push(timeSeries(activity, {
    title: 'Buying customers per month', yLabel: 'customers per month',
    caption: `Customers with a purchase in the month: new ones (their first purchase in the data) and returning ones. Early months count everyone as new, since earlier purchases are not in the data.${partialFirst || partialLast ? ' Hollow dots: months the data covers only in part.' : ''}`,
  }));
  parts.push(columns(bins, {
    title: 'Customers by number of orders', xLabel: 'orders per customer', yLabel: 'customers',
    caption: `Purchase orders per customer, in ranges that widen along the long tail. ${num(once)} of ${plural(buyers, 'buying customer')} (${num(buyers ? (100 * once) / buyers : 0, 1)}%) ordered once.`,
  }));
  parts.push('</div>');

  // Net spend per customer on a log scale, and the country trait when there is one.
  const spendQuery = compile(select({
    select: [{ expr: sum(col('amount')), as: 'v' }], from: table('transactions'), where: isNotNull(col('customer_id')), groupBy: [col('customer_id')],
  }), db.dialect);
  const spendCols = await db.columns(spendQuery.sql, spendQuery.params);
  const spend = (spendCols.v ?? []).map((v) => n(v)).filter(Number.isFinite);
  const nonPositive = spend.filter((v) => v <= 0).length;
  parts.push('<div class="grid2">');
  parts.push(histogram(logBins(spend, 4), {
    title: 'Net spend per customer', xLabel: withUnit('net spend per customer', unit ? `${unit}, log scale` : 'log scale'), yLabel: 'customers', logX: true,
    caption: `Each customer's purchases minus returns over the whole period, in bins of a quarter decade (spends under 1 fall in the first bin).${nonPositive > 0 ? ` ${plural(nonPositive, 'customer')} with a net spend of zero or less ${nonPositive === 1 ? 'is' : 'are'} not on the log axis.` : ''}`,
  }));
  if (await hasColumn(db, 'customers', 'country')) {
    const countries = (await all<{ v: string; k: number }>(db, topValues('customers', coalesce(cast(col('country'), 'varchar'), lit('(unknown)')), 10)))
      .map((r) => ({ country: r.v, k: r.k }));
    const distinct = await one<{ k: number }>(db, select({ select: [{ expr: countDistinct(col('country')), as: 'k' }], from: table('customers') }));
    const total = n(c?.customers);
    const shown = countries.reduce((a, r) => a + n(r.k), 0);
    parts.push(barsH(countries.map((x) => ({ label: x.country, value: n(x.k) })), {
      title: `Customers by country (top ${Math.min(10, countries.length)})`, xLabel: 'customers', total,
      caption: `The customer trait country, as imported; the share is of all ${num(total)} customers. ${plural(n(distinct?.k), 'country', 'countries')} in all${total > shown ? `; the rest hold ${num(total - shown)} customers` : ''}.`,
    }));
  }
  parts.push('</div>');

  // Top products by net revenue, named from the products table, else from the transactions' descriptions.
  const top = await topProducts(db);
  if (top.length > 0) {
    const net = n(t.net);
    parts.push(htmlTable(
      ['product', 'name', withUnit('net revenue', unit), 'share of net revenue', 'units', 'orders', 'customers'],
      top.map((r) => [r.product_id, r.name ?? '–', { html: num(n(r.revenue), 2), num: true }, { html: net > 0 ? `${num((100 * n(r.revenue)) / net, 1)}%` : '–', num: true }, r.units === null ? null : n(r.units), n(r.orders), n(r.buyers)]),
      `Top ${top.length} products by net revenue`,
    ));
  } else {
    parts.push(para('No product ids in the transactions: map a product column on import to see top products.', 'note'));
  }
  if (n(c?.customers) > 0) parts.push(...(await traitsPart(db, n(c?.customers))));
  if (n(c?.events) > 0) parts.push(...(await eventsPart(db, tz)));
  return section(parts);
}

/**
 * The ten products with the highest net revenue, with units, orders and buyers, named from the products
 * table, else by the description their transaction lines carry most often (ties: the first in order).
 */
async function topProducts(db: Db): Promise<{ product_id: string; name: string | null; revenue: number; units: number | null; orders: number; buyers: number }[]> {
  const rows = await all<{ product_id: string; revenue: number; units: number | null; orders: number; buyers: number }>(db, select({
    select: [
      { expr: col('product_id'), as: 'product_id' }, { expr: sum(col('amount')), as: 'revenue' }, { expr: sum(col('quantity')), as: 'units' },
      { expr: countDistinct(col('order_id'), { filter: not(col('is_return')) }), as: 'orders' }, { expr: countDistinct(col('customer_id')), as: 'buyers' },
    ],
    from: table('transactions'), where: isNotNull(col('product_id')), groupBy: [col('product_id')],
    orderBy: [{ expr: col('revenue'), desc: true }, col('product_id')], limit: 10,
  }));
  if (rows.length === 0) return [];
  const ids = rows.map((r) => String(r.product_id));
  const names = new Map((await all<{ product_id: string; name: string | null }>(db, select({
    select: [{ expr: col('product_id'), as: 'product_id' }, { expr: max(col('name')), as: 'name' }],
    from: table('products'), where: inList(col('product_id'), ids), groupBy: [col('product_id')],
  }))).filter((r) => r.name !== null).map((r) => [String(r.product_id), String(r.name)]));
  const unnamed = ids.filter((id) => !names.has(id));
  if (unnamed.length) {
    const described = await all<{ product_id: string; description: string; k: number }>(db, select({
      select: [{ expr: col('product_id'), as: 'product_id' }, { expr: col('description'), as: 'description' }, { expr: count(), as: 'k' }],
      from: table('transactions'), where: and(inList(col('product_id'), unnamed), isNotNull(col('description'))), groupBy: [col('product_id'), col('description')],
      orderBy: [col('product_id'), { expr: col('k'), desc: true }, col('description')],
    }));
    for (const r of described) if (!names.has(String(r.product_id))) names.set(String(r.product_id), String(r.description));
  }
  return rows.map((r) => ({ ...r, product_id: String(r.product_id), name: names.get(String(r.product_id)) ?? null }));
}

const BASE_CUSTOMER_COLUMNS = new Set(['customer_id', 'source_id', 'first_seen', 'updated_at']);
const MAX_TRAITS = 40;

/** One row per customer trait column: its type, how often it is filled, distinct values, and what they look like. */
async function traitsPart(db: Db, customers: number): Promise<string[]> {
  const cols = await db.tableColumns('customers');
  const traits = cols.filter((c) => !BASE_CUSTOMER_COLUMNS.has(c.name));
  if (traits.length === 0) return [];
  const rows: (string | number | { html: string; num?: boolean })[][] = [];
  for (const trait of traits.slice(0, MAX_TRAITS)) {
    const q = col(trait.name);
    // the portable kind of the column (the same on every engine), the engine's own name for anything else
    const type = trait.kind === 'other' ? trait.type.toLowerCase() : trait.kind;
    const stats = await one<{ filled: number; k: number }>(db, select({ select: [{ expr: count(q), as: 'filled' }, { expr: countDistinct(q), as: 'k' }], from: table('customers') }));
    const filled = n(stats?.filled);
    let values: string;
    if (filled === 0) {
      values = '(always empty)';
    } else if (trait.kind === 'integer' || trait.kind === 'double' || trait.kind === 'decimal') {
      const r = await one<{ lo: number; med: number; hi: number }>(db, select({
        select: [{ expr: cast(min(q), 'double'), as: 'lo' }, { expr: cast(median(q), 'double'), as: 'med' }, { expr: cast(max(q), 'double'), as: 'hi' }], from: table('customers'),
      }));
      const d = trait.kind === 'integer' ? 0 : 2;
      values = `${num(n(r?.lo), d)} to ${num(n(r?.hi), d)}, median ${num(n(r?.med), d)}`;
    } else if (trait.kind === 'boolean') {
      const r = await one<{ yes: number }>(db, select({ select: [{ expr: count(undefined, { filter: q }), as: 'yes' }], from: table('customers') }));
      values = `true for ${num((100 * n(r?.yes)) / filled, 1)}% of those filled`;
    } else if (trait.kind === 'date' || trait.kind === 'timestamp') {
      const r = await one<{ lo: string; hi: string }>(db, select({ select: [{ expr: cast(min(q), 'varchar'), as: 'lo' }, { expr: cast(max(q), 'varchar'), as: 'hi' }], from: table('customers') }));
      values = `${String(r?.lo ?? '').slice(0, 10)} to ${String(r?.hi ?? '').slice(0, 10)}`;
    } else {
      const top = await all<{ v: string; k: number }>(db, topValues('customers', cast(q, 'varchar'), 3, isNotNull(q)));
      values = top.map((x) => `${x.v.length > 40 ? `${x.v.slice(0, 39)}…` : x.v} (${num((100 * n(x.k)) / filled, 0)}%)`).join(', ') + (n(stats?.k) > 3 ? ', …' : '');
    }
    rows.push([trait.name, type, { html: num(customers > 0 ? (100 * filled) / customers : null, 1) + '%', num: true }, n(stats?.k), values]);
  }
  const out = ['<h3>Customer traits</h3>', htmlTable(['trait', 'type', 'filled', 'distinct values', 'values'], rows)];
  if (traits.length > MAX_TRAITS) out.push(para(`${plural(traits.length - MAX_TRAITS, 'more trait column')} not shown.`, 'note'));
  out.push(para('Every column of a customers file (or a per-customer column of a transactions file) is kept as a typed trait, usable in audience rules and clustering. Text traits list their three most common values with their share of the filled rows.', 'note'));
  return out;
}

/** Events by type and per month. */
async function eventsPart(db: Db, tz: string): Promise<string[]> {
  const types = await all<{ type: string; k: number; who: number }>(db, select({
    select: [{ expr: col('type') }, { expr: count(), as: 'k' }, { expr: countDistinct(col('customer_id')), as: 'who' }], from: table('events'),
    groupBy: [col('type')], orderBy: [{ expr: col('k'), desc: true }, col('type')],
  }));
  const monthOf = dateTrunc('month', localTime(col('ts'), tz));
  const monthly = (await all<{ month: unknown; type: string; k: number }>(db, select({
    select: [{ expr: monthOf, as: 'month' }, { expr: col('type'), as: 'type' }, { expr: count(), as: 'k' }], from: table('events'),
    where: inList(col('type'), types.slice(0, 5).map((r) => String(r.type))), groupBy: [monthOf, col('type')], orderBy: [col('month'), col('type')],
  }))).map((r) => ({ ...r, month: dayText(r.month)! }));
  const span = await one<{ first: unknown; last: unknown }>(db, select({
    select: [{ expr: localTime(min(col('ts')), tz), as: 'first' }, { expr: localTime(max(col('ts')), tz), as: 'last' }], from: table('events'),
  }));
  const range = { first: dayText(span?.first), last: dayText(span?.last) };
  const total = types.reduce((a, r) => a + n(r.k), 0);
  const out = ['<h3>Events</h3>', `<p>${plural(total, 'event')} of ${plural(types.length, 'type')} from <b>${esc(fmtDate(range?.first))}</b> to <b>${esc(fmtDate(range?.last))}</b>.</p>`, '<div class="grid2">'];
  out.push(barsH(types.slice(0, 10).map((r) => ({ label: r.type, value: n(r.k) })), {
    title: `Events by type${types.length > 10 ? ' (top 10)' : ''}`, xLabel: 'events', total,
    caption: 'Number of events of each type over the whole period, with the share of all events.',
  }));
  out.push(timeSeries(monthly.map((m) => ({ date: utcDay(m.month), value: n(m.k), series: m.type })), {
    title: 'Events per month', yLabel: 'events per month', seriesOrder: types.map((r) => r.type),
    caption: `Events per calendar month (${esc(tz)})${types.length > 5 ? ' for the five most frequent types' : ''}.`,
  }));
  out.push('</div>');
  out.push(htmlTable(['type', 'events', 'customers with the event', 'events per customer'], types.slice(0, 20).map((r) => [r.type, n(r.k), n(r.who), { html: num(n(r.who) > 0 ? n(r.k) / n(r.who) : null, 1), num: true }]),
    `Customers per event type${types.length > 20 ? ' (top 20 types)' : ''}`));
  return out;
}
