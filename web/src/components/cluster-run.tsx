// "Run clustering": k searched (auto) or given, a seed, started as a job on the server (POST /runs/cluster)
// with its progress; when it is done the page shows the new run, with the labels carried over.
import { useState } from 'preact/hooks';
import { send } from '../api.ts';
import { RoleHint, useAllowed } from '../session.ts';
import { JobStatus, useJob, type JobRef } from './job.tsx';

export interface ClusterRunResult { runId?: number; k?: number; labelsCarriedFrom?: number | null }

/** The per-customer metrics a workspace run can cluster on (docs/models.md, per-customer features); the first three are the default. */
const FEATURES: [string, string][] = [
  ['recency_days', 'recency (days)'], ['frequency', 'frequency (orders)'], ['monetary', 'monetary (net spend)'],
  ['tenure_days', 'tenure (days)'], ['mean_order_value', 'mean order value'], ['distinct_products', 'distinct products'],
  ['basket_size', 'basket size'], ['return_rate', 'return rate'], ['periodicity_days', 'days between orders'],
];
const DEFAULT = FEATURES.slice(0, 3).map(([f]) => f);

export function RunClusteringForm({ onDone, defaultK }: { onDone: (r: ClusterRunResult) => void; defaultK?: number }) {
  const job = useJob();
  const can = useAllowed('analyst');
  const [k, setK] = useState(defaultK ? String(defaultK) : 'auto');
  const [seed, setSeed] = useState('');
  const [features, setFeatures] = useState<string[]>(DEFAULT);
  const toggle = (f: string, on: boolean) => setFeatures((x) => FEATURES.map(([g]) => g).filter((g) => (g === f ? on : x.includes(g))));
  const start = async (e: Event) => {
    e.preventDefault();
    const body = { k: k === 'auto' ? 'auto' : Number(k), ...(seed.trim() ? { seed: Number(seed) } : {}), ...(features.join() === DEFAULT.join() ? {} : { features }) };
    const done = await job.start(async () => {
      const r = await send<JobRef & ClusterRunResult>('POST', '/runs/cluster', body);
      return r.id ? r : { id: '', kind: 'cluster', status: 'succeeded' };
    });
    if (done?.status === 'succeeded') onDone((done.result ?? {}) as ClusterRunResult);
  };
  return (
    <form class="run-form form-row" onSubmit={start} aria-label="Run clustering">
      <div>
        <label for="cluster-k">Number of clusters (k)</label>
        <select id="cluster-k" value={k} onChange={(e) => setK((e.target as HTMLSelectElement).value)}>
          <option value="auto">auto — choose k from 2 to 10</option>
          {Array.from({ length: 11 }, (_, i) => i + 2).map((n) => <option key={n} value={String(n)}>{n}</option>)}
        </select>
      </div>
      <div>
        <label for="cluster-seed">Seed</label>
        <input id="cluster-seed" type="number" min={0} step={1} value={seed} placeholder="default" onInput={(e) => setSeed((e.target as HTMLInputElement).value)} aria-describedby="cluster-run-hint" />
      </div>
      <fieldset class="features">
        <legend>Features</legend>
        {FEATURES.map(([f, text]) => (
          <label class="inline" key={f}><input type="checkbox" checked={features.includes(f)} onChange={(e) => toggle(f, (e.target as HTMLInputElement).checked)} /> {text}</label>
        ))}
      </fieldset>
      <button type="submit" disabled={job.running || features.length === 0 || !can.allowed} title={can.reason} aria-describedby={can.allowed ? undefined : 'cluster-run-role'}>Run clustering</button>
      <RoleHint need="analyst" id="cluster-run-role" />
      <p id="cluster-run-hint" class="hint">k-means on the features ticked (standardised; recency, frequency and monetary value by default); the seed sets the random starts (the same seed and data give the same clusters). Labels of the latest labelled run carry over to the matching clusters, compared on the features both runs have.</p>
      <JobStatus job={job.job} running={job.running} error={job.error}>{(j) => {
        const r = (j.result ?? {}) as ClusterRunResult;
        return <p class="good">Cluster run {r.runId ?? ''} stored{r.k ? ` with k = ${r.k}` : ''}{r.labelsCarriedFrom ? `; labels carried from run ${r.labelsCarriedFrom}` : ''}.</p>;
      }}</JobStatus>
    </form>
  );
}
