// A prediction run: the CLV distribution (bins counted by the server), churn-risk and CLV tiers, and the
// customers with the highest CLV, paged and sorted by the server, each a link to the customer page.
import * as Plot from '@observablehq/plot';
import { href } from '../router.ts';
import { Chart, fmt, money } from './chart.tsx';
import { sig, type PredictionStats, type Tier } from './clv-data.tsx';
import { PagedTable } from './table.tsx';
import { asImage, pct, runRows } from './value-data.tsx';

function TierTable({ tiers, caption, kind, total }: { tiers: Tier[]; caption: string; kind: 'churn' | 'clv'; total: number }) {
  return (
    <div class="table-wrap">
      <table class={`narrow tiers-${kind}`}>
        <caption>{caption}</caption>
        <thead><tr><th scope="col">Tier</th><th scope="col" class="num">Customers</th><th scope="col" class="num">Share</th><th scope="col" class="num">{kind === 'churn' ? 'Mean P(alive)' : 'CLV'}</th></tr></thead>
        <tbody>
          {tiers.map((t) => (
            <tr key={t.tier}><th scope="row">{t.tier}</th><td class="num">{fmt(t.customers)}</td><td class="num">{pct(total ? t.customers / total : null)}</td><td class="num">{kind === 'churn' ? pct(t.meanPAlive ?? null) : money(t.clv ?? null)}</td></tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface PredRow extends Record<string, unknown> { customer_id: string; clv: number | null; p_alive: number | null; expected_purchases: number | null; churn_tier: string | null; clv_tier: string | null; frequency: number | null }

export function Predictions({ stats }: { stats: PredictionStats }) {
  const h = stats.histogram;
  const horizon = stats.horizon !== null ? `the next ${fmt(stats.horizon)} ${stats.unit ?? ''}${stats.horizon === 1 ? '' : 's'}` : 'the horizon';
  return (
    <>
      <dl class="kpis">
        <div><dt>customers predicted</dt><dd>{fmt(stats.customers)}</dd></div>
        <div><dt>with a CLV</dt><dd>{fmt(stats.withClv)}</dd></div>
        <div><dt>total CLV, {horizon}</dt><dd>{money(stats.totalClv)}</dd></div>
        <div><dt>highest CLV</dt><dd>{money(stats.maxClv)}</dd></div>
      </dl>
      <div class="grid2">
        {h.length > 0 ? (
          <Chart
            title="CLV distribution"
            description={`Customers by their CLV over ${horizon}, in equal bins up to the 99th percentile; the last bar holds everyone above.`}
            deps={[stats.runId]}
            table={{ columns: ['CLV from', 'to', 'customers'], rows: h.map((b) => [money(b.from), money(b.to), b.customers]) }}
            draw={(width) => asImage(Plot.plot({
              width: Math.min(width, 620), height: 300, marginLeft: 50, marginBottom: 40,
              x: { label: 'CLV (bins; the last one open-ended) →', type: 'band', tickFormat: (i: number) => (i % 4 === 0 || i === h.length - 1 ? money(h[i]!.from) : '') },
              y: { label: '↑ customers', grid: true },
              marks: [Plot.barY(h.map((b, i) => ({ ...b, i })), { x: 'i', y: 'customers', fill: '#1f5fbf', inset: 0.5, title: (b: { from: number; to: number; customers: number }) => `${money(b.from)} – ${money(b.to)}: ${fmt(b.customers)} customers` }), Plot.ruleY([0])],
            }))}
          />
        ) : <p class="empty-state">No customer has a CLV in this run (no spend model: the fit had no amounts).</p>}
        <div>
          <TierTable kind="churn" tiers={stats.churnTiers} total={stats.customers} caption="Churn-risk tiers (by P(alive))" />
          {stats.pAliveInformative === false && <p class="warn">P(alive) barely varies across customers in this run, so everyone is “not informative”: read churn from recency instead (the RFM segments At risk, Hibernating, Lost).</p>}
          <TierTable kind="clv" tiers={stats.clvTiers} total={stats.customers} caption="CLV tiers (top 10 %, next 20 %, next 30 %, the rest)" />
        </div>
      </div>
      <PagedTable<PredRow>
        key={stats.runId}
        caption={`Customers by CLV (run ${stats.runId})`}
        deps={[stats.runId]}
        pageSize={20}
        initialSort={{ sort: 'clv', order: 'desc' }}
        load={(p, signal) => runRows<PredRow>(stats.runId, p, signal)}
        columns={[
          { key: 'customer_id', label: 'Customer', sortable: true, render: (r) => <a href={href('customers', String(r.customer_id))}>{String(r.customer_id)}</a> },
          { key: 'clv', label: 'CLV', sortable: true, numeric: true, render: (r) => money(r.clv) },
          { key: 'expected_purchases', label: 'Expected purchases', sortable: true, numeric: true, render: (r) => sig(r.expected_purchases, 3) },
          { key: 'p_alive', label: 'P(alive)', sortable: true, numeric: true, render: (r) => pct(r.p_alive) },
          { key: 'frequency', label: 'Repeat purchases', sortable: true, numeric: true },
          { key: 'clv_tier', label: 'CLV tier', sortable: true },
          { key: 'churn_tier', label: 'Churn tier', sortable: true },
        ]}
      />
    </>
  );
}
