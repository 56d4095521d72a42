/** The data overview section: what the workspace holds, over time, per country and product. */
import type { Db } from '../store/workspace.ts';
import { barsH, histogram, monthlyBars } from './charts.ts';
import { esc, htmlTable, kpis, num, type ReportSection } from './html.ts';

async function hasColumn(db: Db, table: string, column: string): Promise<boolean> {
  const r = await db.one<{ n: number }>(
    "SELECT count(*) AS n FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? AND column_name = ?",
    [table, column],
  );
  return (r?.n ?? 0) > 0;
}

export async function overviewSection(db: Db): Promise<ReportSection> {
  const c = await db.one<{ customers: number; events: number; products: number }>(
    'SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM products) AS products',
  );
  const t = await db.one<{ lines: number; orders: number; returns: number; first: string | null; last: string | null; gross: number | null; net: number | null; buyers: number }>(
    `SELECT count(*) AS lines, count(DISTINCT order_id) AS orders, count(*) FILTER (WHERE is_return) AS returns,
      strftime(min(ts), '%Y-%m-%d') AS first, strftime(max(ts), '%Y-%m-%d') AS last,
      sum(amount) FILTER (WHERE NOT is_return) AS gross, sum(amount) AS net, count(DISTINCT customer_id) AS buyers
     FROM transactions`,
  );
  const parts: string[] = [];
  parts.push(kpis([
    { label: 'customers', value: num(c?.customers ?? 0) },
    { label: 'customers who bought', value: num(t?.buyers ?? 0) },
    { label: 'orders', value: num(t?.orders ?? 0), note: `${num(t?.lines ?? 0)} lines, ${num(t?.returns ?? 0)} return lines` },
    { label: 'net revenue', value: num(t?.net ?? 0), note: `gross ${num(t?.gross ?? 0)}` },
    { label: 'events', value: num(c?.events ?? 0) },
    { label: 'products', value: num(c?.products ?? 0) },
  ]));
  if (!t || t.lines === 0) {
    parts.push('<p class="empty">No transactions imported yet: run <code>segmint import FILE --kind transactions</code>.</p>');
    return { id: 'overview', title: 'Data overview', html: parts.join('\n') };
  }
  parts.push(`<p>Transactions from <b>${esc(t.first)}</b> to <b>${esc(t.last)}</b> (UTC). Returns and cancellations are kept as negative amounts.</p>`);
  const monthly = await db.all<{ month: Date; revenue: number; orders: number }>(
    `SELECT date_trunc('month', ts) AS month, coalesce(sum(amount), 0) AS revenue, count(DISTINCT order_id) FILTER (WHERE NOT is_return) AS orders
     FROM transactions GROUP BY 1 ORDER BY 1`,
  );
  parts.push('<div class="grid2">');
  parts.push(monthlyBars(monthly.map((m) => ({ month: new Date(m.month), value: Number(m.revenue) })), {
    title: 'Net revenue per month', yLabel: 'net revenue', width: 560,
    caption: 'Sum of line amounts per calendar month (UTC), purchases minus returns.',
  }));
  parts.push(monthlyBars(monthly.map((m) => ({ month: new Date(m.month), value: Number(m.orders) })), {
    title: 'Orders per month', yLabel: 'orders', width: 560,
    caption: 'Distinct orders with at least one purchase line, per calendar month.',
  }));
  parts.push('</div>');
  // Orders per customer, in bins that widen (1, 2, 3–4, 5–8, …) so the long tail stays readable.
  const per = await db.all<{ b: number; n: number }>(
    `SELECT CAST(floor(log2(o)) AS INTEGER) AS b, count(*) AS n FROM (
       SELECT customer_id, count(DISTINCT order_id) AS o FROM transactions WHERE NOT is_return AND customer_id IS NOT NULL GROUP BY 1
     ) GROUP BY 1 ORDER BY 1`,
  );
  const bins = per.map((p) => ({ label: p.b === 0 ? '1' : `${2 ** p.b}–${2 ** (p.b + 1) - 1}`, value: p.n }));
  parts.push(barsH(bins, {
    title: 'Customers by number of orders', xLabel: 'customers',
    caption: 'How many orders each customer placed (purchase orders only), grouped in doubling ranges. One-order customers are usually the largest group.',
  }));
  const spend = await db.all<{ v: number }>(
    'SELECT sum(amount) AS v FROM transactions WHERE customer_id IS NOT NULL GROUP BY customer_id',
  );
  const pos = spend.map((s) => Number(s.v)).filter((v) => v > 0);
  if (pos.length > 0) {
    // Bins of a quarter decade from 1 (smaller positive spends fall in the first bin).
    const lo = Math.max(0, Math.floor(Math.log10(Math.min(...pos)) * 4) / 4);
    const hi = Math.ceil(Math.log10(Math.max(...pos)) * 4) / 4 + 0.25;
    const edges: number[] = [];
    for (let e = lo; e <= hi + 1e-9; e += 0.25) edges.push(10 ** e);
    const counts = edges.slice(1).map(() => 0);
    for (const v of pos) {
      const k = Math.min(counts.length - 1, Math.max(0, Math.floor((Math.log10(v) - lo) / 0.25)));
      counts[k]!++;
    }
    parts.push(histogram(edges.slice(1).map((x1, k) => ({ x0: edges[k]!, x1, count: counts[k]! })), {
      title: 'Net spend per customer', xLabel: 'net spend (log scale)', logX: true,
      caption: `Distribution of each customer's net spend on a log scale; ${num(spend.length - pos.length)} customers with a net spend of zero or less are not shown.`,
    }));
  }
  if (await hasColumn(db, 'customers', 'country')) {
    const countries = await db.all<{ country: string; n: number }>(
      "SELECT coalesce(country, '(unknown)') AS country, count(*) AS n FROM customers GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10",
    );
    parts.push(barsH(countries.map((x) => ({ label: x.country, value: x.n })), {
      title: 'Customers by country (top 10)', xLabel: 'customers', caption: 'The customer trait country, as imported.',
    }));
  }
  const top = await db.all<{ product_id: string; name: string | null; revenue: number; units: number }>(
    `SELECT t.product_id, p.name, sum(t.amount) AS revenue, sum(t.quantity) AS units
     FROM transactions t LEFT JOIN products p USING (product_id)
     WHERE t.product_id IS NOT NULL GROUP BY 1, 2 ORDER BY revenue DESC LIMIT 10`,
  );
  if (top.length > 0) {
    parts.push(htmlTable(['product', 'name', 'net revenue', 'units'], top.map((r) => [r.product_id, r.name ?? '', Number(r.revenue), Number(r.units ?? 0)]), 'Top 10 products by net revenue'));
  }
  return { id: 'overview', title: 'Data overview', html: parts.join('\n') };
}
