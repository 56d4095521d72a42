// The Clusters page's charts, each with its numbers behind "Show the numbers": how k was chosen (silhouette
// and stability per k, and the inertia's elbow), the profile heat map (z-score of each cluster's mean per
// feature), the snake plot (the same z-scores as one line per cluster) and the clusters on two principal components.
import * as Plot from '@observablehq/plot';
import { Chart, fmt, NumbersTable } from './chart.tsx';
import { chartNames, colourOf, featureName, pct, type ClusterDetail } from './cluster-data.tsx';

/** The chart is one image with its own name (Chart sets it): Plot's names of its mark groups are left out (axe: no aria-label on a plain g). */
function quiet<E extends Element>(el: E): E {
  for (const n of el.querySelectorAll('[aria-label], [aria-description]')) {
    n.removeAttribute('aria-label');
    n.removeAttribute('aria-description');
  }
  return el;
}

const z2 = (z: number | null) => (z === null ? '–' : (z > 0 ? '+' : '') + z.toFixed(2));

export function KChoiceCharts({ d }: { d: ClusterDetail }) {
  const c = d.choice!;
  const table = {
    columns: ['k', 'silhouette', 'stability (ARI)', 'inertia', 'Calinski-Harabasz', 'Davies-Bouldin', ...(c.scores.some((s) => s.bic !== null) ? ['BIC'] : []), 'smallest cluster', 'note'],
    rows: c.scores.map((s) => [s.k, s.silhouette, s.stability, s.inertia, s.calinskiHarabasz, s.daviesBouldin, ...(c.scores.some((x) => x.bic !== null) ? [s.bic] : []), pct(s.smallestShare),
      s.k === c.k ? 'chosen' : !s.sizesOk ? 'a cluster too small' : !s.stable ? 'restarts disagree' : '–']),
  };
  const lines = c.scores.flatMap((s) => [{ k: s.k, v: s.silhouette, m: 'silhouette' }, { k: s.k, v: s.stability, m: 'stability (ARI)' }]).filter((p) => p.v !== null);
  const inertia = c.scores.filter((s) => s.inertia !== null);
  return (
    <>
      <div class="grid2">
        <Chart
          title="Choosing k: silhouette and stability"
          description={`Silhouette and stability of k = ${c.scores[0]?.k ?? '?'} to ${c.scores.at(-1)?.k ?? '?'}; higher is better for both; k = ${c.k} was chosen.`}
          deps={[d.runId]}
          draw={(width) => quiet(Plot.plot({
            width, height: 240, marginLeft: 48,
            x: { label: 'k', ticks: c.scores.map((s) => s.k), tickFormat: 'd' }, y: { grid: true, label: 'score' },
            color: { legend: true, domain: ['silhouette', 'stability (ARI)'], range: ['#1f5fbf', '#7a4b00'] },
            marks: [
              Plot.ruleX([c.k], { stroke: '#4b5563', strokeDasharray: '4 3' }),
              Plot.line(lines, { x: 'k', y: 'v', stroke: 'm', strokeWidth: 2 }),
              Plot.dot(lines, { x: 'k', y: 'v', fill: 'm', r: 3, title: (p: { k: number; v: number; m: string }) => `k = ${p.k}: ${p.m} ${p.v.toFixed(3)}` }),
            ],
          }))}
        />
        <Chart
          title="Choosing k: inertia (the elbow)"
          description={`Within-cluster sum of squares for each k; ${c.elbow === null ? 'the curve has no clear bend' : `the curve bends at k = ${c.elbow}`}.`}
          deps={[d.runId]}
          draw={(width) => quiet(Plot.plot({
            width, height: 240, marginLeft: 64,
            x: { label: 'k', ticks: c.scores.map((s) => s.k), tickFormat: 'd' }, y: { grid: true, label: 'inertia', tickFormat: '~s' },
            marks: [
              ...(c.elbow === null ? [] : [Plot.ruleX([c.elbow], { stroke: '#4b5563', strokeDasharray: '4 3' })]),
              Plot.line(inertia, { x: 'k', y: 'inertia', stroke: '#1f5fbf', strokeWidth: 2 }),
              Plot.dot(inertia, { x: 'k', y: 'inertia', fill: '#1f5fbf', r: 3, title: (s: { k: number; inertia: number }) => `k = ${s.k}: inertia ${fmt(s.inertia, 1)}` }),
            ],
          }))}
        />
      </div>
      <NumbersTable title="Scores of every k tried" table={table} />
    </>
  );
}

/** Rows of (cluster name, feature, z) in cluster and feature order. */
function zRows(d: ClusterDetail) {
  const names = chartNames(d.clusters);
  return d.clusters.flatMap((c) => c.features.map((f) => ({ cluster: c.cluster, name: names.get(c.cluster)!, feature: featureName(f.feature), z: f.z, mean: f.mean, populationMean: f.populationMean })));
}

function profileTable(d: ClusterDetail) {
  const names = chartNames(d.clusters);
  return {
    columns: ['cluster', ...d.features.flatMap((f) => [`${featureName(f)} z`, `${featureName(f)} mean`]), 'customers'],
    rows: d.clusters.map((c) => [names.get(c.cluster)!, ...d.features.flatMap((f) => { const x = c.features.find((y) => y.feature === f); return [z2(x?.z ?? null), x?.mean ?? null]; }), c.customers]),
  };
}

export function ProfileHeatmap({ d }: { d: ClusterDetail }) {
  const rows = zRows(d);
  const names = chartNames(d.clusters);
  const max = Math.max(0.5, ...rows.map((r) => Math.abs(r.z ?? 0)));
  const longest = Math.max(...[...names.values()].map((n) => n.length));
  // many features: their names slanted so they do not overlap
  const many = d.features.length > 6;
  return (
    <Chart
      title="Profiles: how each cluster differs from all customers"
      description={`Each cell is the z-score of a cluster's mean on a feature: (cluster mean − mean of all customers) / their standard deviation; red above, blue below the average, for ${d.clusters.length} clusters and ${d.features.length} features.`}
      table={profileTable(d)} deps={[d]}
      draw={(width) => quiet(Plot.plot({
        width, height: 70 + d.clusters.length * 44 + (many ? 60 : 0), marginLeft: Math.min(260, 12 + longest * 7), marginBottom: many ? 100 : 40,
        x: { domain: d.features.map(featureName), label: null, tickSize: 0, ...(many ? { tickRotate: -35 } : {}) },
        y: { domain: d.clusters.map((c) => names.get(c.cluster)!), label: null, tickSize: 0 },
        color: { type: 'linear', scheme: 'rdbu', reverse: true, domain: [-max, max], label: 'z-score', legend: true },
        style: { fontSize: '12px' },
        marks: [
          Plot.cell(rows, { x: 'feature', y: 'name', fill: 'z', inset: 1, title: (r: (typeof rows)[number]) => `${r.name}, ${r.feature}: z ${z2(r.z)} (mean ${fmt(r.mean)} against ${fmt(r.populationMean)})` }),
          Plot.text(rows, { x: 'feature', y: 'name', text: (r: (typeof rows)[number]) => z2(r.z), fill: (r: (typeof rows)[number]) => (Math.abs(r.z ?? 0) > max * 0.55 ? '#ffffff' : '#1d2430') }),
        ],
      }))}
    />
  );
}

export function SnakePlot({ d }: { d: ClusterDetail }) {
  const rows = zRows(d);
  const names = chartNames(d.clusters);
  return (
    <Chart
      title="Snake plot: standardised features per cluster"
      description={`One line per cluster across the features, at the z-score of the cluster's mean (0 is the average customer).`}
      table={profileTable(d)} deps={[d]}
      draw={(width) => quiet(Plot.plot({
        width, height: 300 + (d.features.length > 6 ? 60 : 0), marginLeft: 48, marginBottom: d.features.length > 6 ? 100 : 40,
        x: { domain: d.features.map(featureName), type: 'point', label: null, padding: 0.3, ...(d.features.length > 6 ? { tickRotate: -35 } : {}) },
        y: { grid: true, label: 'z-score' },
        color: { domain: d.clusters.map((c) => names.get(c.cluster)!), range: d.clusters.map((c) => colourOf(c.cluster)), legend: true },
        marks: [
          Plot.ruleY([0], { stroke: '#4b5563' }),
          Plot.line(rows.filter((r) => r.z !== null), { x: 'feature', y: 'z', stroke: 'name', z: 'name', strokeWidth: 2 }),
          Plot.dot(rows.filter((r) => r.z !== null), { x: 'feature', y: 'z', fill: 'name', r: 3.5, title: (r: (typeof rows)[number]) => `${r.name}, ${r.feature}: z ${z2(r.z)}` }),
        ],
      }))}
    />
  );
}

export function PcaScatter({ d }: { d: ClusterDetail }) {
  const p = d.pca!;
  const names = chartNames(d.clusters);
  const points = p.x.map((x, i) => ({ x, y: p.y[i]!, name: names.get(p.cluster[i]!) ?? `cluster ${p.cluster[i]}` }));
  const counts = d.clusters.map((c) => [names.get(c.cluster)!, p.cluster.filter((x) => x === c.cluster).length] as const);
  const pc = (i: number) => `PC${i + 1} (${pct(p.explained[i] ?? null)} of the variance)`;
  return (
    <Chart
      title="Clusters on two principal components"
      description={`A sample of ${fmt(points.length)} customers placed by the first two principal components of the standardised features (${pct((p.explained[0] ?? 0) + (p.explained[1] ?? 0))} of the variance), coloured by cluster.`}
      table={{ columns: ['cluster', 'customers in the sample', 'share of the sample'], rows: counts.map(([n, k]) => [n, k, pct(k / Math.max(1, points.length))]) }}
      deps={[d]}
      draw={(width) => quiet(Plot.plot({
        width, height: Math.min(480, Math.round(width * 0.6)), marginLeft: 48, inset: 8,
        x: { label: pc(0), grid: true }, y: { label: pc(1), grid: true },
        color: { domain: d.clusters.map((c) => names.get(c.cluster)!), range: d.clusters.map((c) => colourOf(c.cluster)), legend: true },
        marks: [Plot.dot(points, { x: 'x', y: 'y', fill: 'name', r: 2.2, fillOpacity: 0.7 })],
      }))}
    />
  );
}
