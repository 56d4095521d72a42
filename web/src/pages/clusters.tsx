// Clusters: a cluster run (the latest, or ?run=N) — how k was chosen and why, the profiles (heat map and
// snake plot of z-scores), the clusters on two principal components, and one card per cluster with its
// persona and its label (name, note, owner, actionable), carried from earlier runs when the clusters match.
// "Run clustering" starts a new run as a job. Every figure comes from the server (GET /runs/{id}/cluster-detail).
import { useState } from 'preact/hooks';
import { Async, useAsync } from '../components/async.tsx';
import { fmt, Section } from '../components/chart.tsx';
import { ClusterCards, ClusterBadges } from '../components/cluster-cards.tsx';
import { KChoiceCharts, PcaScatter, ProfileHeatmap, SnakePlot } from '../components/cluster-charts.tsx';
import { clusterDetail, clusterName, clusterRuns, colourOf, featureName, pct, runText, type ClusterDetail, type ClusterRunListing } from '../components/cluster-data.tsx';
import { RunClusteringForm, type ClusterRunResult } from '../components/cluster-run.tsx';
import { href, navigate, type Route } from '../router.ts';

export function ClustersPage({ route }: { route: Route }) {
  const [reloadKey, setReloadKey] = useState(0);
  const runs = useAsync((signal) => clusterRuns(signal), [reloadKey]);
  const asked = Number(route.query.get('run'));
  const items = runs.data ?? [];
  const runId = items.some((r) => r.runId === asked) ? asked : items.at(-1)?.runId;
  const afterRun = (r: ClusterRunResult) => {
    setReloadKey((k) => k + 1);
    if (r.runId !== undefined) navigate(href('clusters', { run: r.runId }));
  };
  return (
    <>
      <h1 tabIndex={-1}>Clusters</h1>
      <Async state={runs} what="Loading the cluster runs">
        {(list) => (
          <Section title={list.length ? 'Cluster runs' : 'No cluster run yet'} id="cluster-runs">
            {list.length === 0 && <p class="empty-state">No cluster run yet — Run clustering to group customers by recency, frequency and monetary value.</p>}
            {list.length > 0 && runId !== undefined && <RunPicker runs={list} runId={runId} />}
            <RunClusteringForm onDone={afterRun} />
          </Section>
        )}
      </Async>
      {runId !== undefined && <RunView runId={runId} />}
    </>
  );
}

function RunPicker({ runs, runId }: { runs: ClusterRunListing[]; runId: number }) {
  return (
    <div class="form-row run-picker">
      <div>
        <label for="cluster-run">Cluster run</label>
        <select id="cluster-run" value={String(runId)} onChange={(e) => navigate(href('clusters', { run: Number((e.target as HTMLSelectElement).value) }))}>
          {[...runs].reverse().map((r) => <option key={r.runId} value={String(r.runId)}>{runText(r)} — {r.summary}{r === runs.at(-1) ? ' (latest)' : ''}</option>)}
        </select>
      </div>
    </div>
  );
}

function RunView({ runId }: { runId: number }) {
  const [tick, setTick] = useState(0);
  const detail = useAsync((signal) => clusterDetail(runId, signal), [runId, tick]);
  return (
    <Async state={detail} what={`Loading cluster run ${runId}`}>
      {(d) => (
        <>
          <Section title={`${runText(d)}: ${d.k} clusters`} id="cluster-summary">
            <p>
              {fmt(d.customers)} customers in <strong>{d.k} clusters</strong> by {d.algorithmName} on {d.features.map(featureName).join(', ')}
              {d.scaling ? ` (scaling: ${d.scaling})` : ''}{d.seed === null ? '' : `, seed ${d.seed}`}.
              {d.quality.silhouette !== null && <> Mean silhouette {d.quality.silhouette.toFixed(3)} on a sample of {fmt(d.quality.sampleSize)}.</>}
            </p>
            {d.carry && <p>Labels are matched to run {d.carry.runId}'s clusters by the distance between their centres (z-scores of {d.carry.features.map(featureName).join(', ')}; at most {d.carry.threshold} standard deviations apart on average).</p>}
            <ClusterList d={d} />
          </Section>
          <Section title="Choice of k" id="k-choice">
            {d.choice ? (
              <>
                <p>{d.choice.reason}</p>
                <KChoiceCharts d={d} />
              </>
            ) : <p>{d.fixedK ? `${d.fixedK}.` : 'No search of k was stored with this run.'} Run clustering with k “auto” to compare k from 2 to 10.</p>}
          </Section>
          <Section title="Profiles" id="profiles">
            <div class="grid2"><ProfileHeatmap d={d} /><SnakePlot d={d} /></div>
          </Section>
          <Section title="Where the customers lie" id="pca">
            {d.pca ? <PcaScatter d={d} /> : <p>This run stored no picture of its customers.</p>}
          </Section>
          <Section title="Personas and labels" id="personas">
            <ClusterCards d={d} onSaved={() => setTick((t) => t + 1)} />
          </Section>
        </>
      )}
    </Async>
  );
}

/** The clusters at a glance: the names they go by, size, share, label state. */
function ClusterList({ d }: { d: ClusterDetail }) {
  return (
    <div class="table-wrap">
      <table class="cluster-list">
        <caption>Clusters of run {d.runId}</caption>
        <thead><tr><th scope="col">Cluster</th><th scope="col" class="num">Customers</th><th scope="col" class="num">Share</th><th scope="col" class="num">Revenue share</th><th scope="col">Label</th></tr></thead>
        <tbody>
          {d.clusters.map((c) => (
            <tr key={c.cluster}>
              <th scope="row"><span class="swatch" style={{ background: colourOf(c.cluster) }} aria-hidden="true" />{clusterName(c)}</th>
              <td class="num">{fmt(c.customers)}</td>
              <td class="num">{pct(c.share)}</td>
              <td class="num">{pct(c.revenueShare)}</td>
              <td><ClusterBadges c={c} />{!c.label && !c.review ? <span class="hint">not labelled</span> : null}{c.label?.note ? <span class="hint"> note: {c.label.note.length > 60 ? `${c.label.note.slice(0, 60)}…` : c.label.note}</span> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
