// One card per cluster: the name it goes by (the label people gave, else the generated one), whether the
// label was carried from an earlier run or the cluster is new and wants a review, size and revenue, the
// defining traits in words, the persona, and the form to rename it, write a note and mark it actionable with
// an owner (PUT /runs/{id}/clusters/{n}, analysts).
import { useState } from 'preact/hooks';
import { send } from '../api.ts';
import { RoleHint, useAllowed } from '../session.ts';
import { ErrorBox } from './async.tsx';
import { fmt } from './chart.tsx';
import { clusterName, colourOf, pct, type ClusterDetail, type ClusterInfo, type ClusterLabel } from './cluster-data.tsx';

export function ClusterBadges({ c }: { c: ClusterInfo }) {
  return (
    <>
      {c.label?.carriedFrom && <span class="badge">carried from run {c.label.carriedFrom.runId}</span>}
      {c.review && <span class="badge review">new — review</span>}
      {c.label?.actionable && <span class="badge actionable">actionable{c.label.owner ? ` · ${c.label.owner}` : ''}</span>}
    </>
  );
}

export function ClusterCards({ d, onSaved }: { d: ClusterDetail; onSaved: () => void }) {
  return (
    <div class="cluster-cards">
      {d.clusters.map((c) => <ClusterCard key={`${d.runId}-${c.cluster}`} runId={d.runId} c={c} onSaved={onSaved} />)}
    </div>
  );
}

function ClusterCard({ runId, c, onSaved }: { runId: number; c: ClusterInfo; onSaved: () => void }) {
  const id = `cluster-${c.cluster}`;
  const traits = c.traits.map((t) => `${t.words} (z ${t.z > 0 ? '+' : ''}${t.z.toFixed(2)})`);
  return (
    <section class="card cluster-card" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}><span class="swatch" style={{ background: colourOf(c.cluster) }} aria-hidden="true" />{clusterName(c)}</h3>
      <p class="badges"><span class="hint">Cluster {c.cluster}{c.label?.name ? ` · generated name “${c.name}”` : ''}</span> <ClusterBadges c={c} /></p>
      {c.review && c.match && <p class="warn">No cluster of run {c.match.runId} is within {c.match.threshold} standard deviations{c.match.distance === null ? '' : ` (the nearest is ${c.match.distance.toFixed(2)} away)`}: give it a name.</p>}
      <p><strong>{fmt(c.customers)}</strong> customers ({pct(c.share)} of all){c.revenueShare === null ? '' : `, ${pct(c.revenueShare)} of revenue`}.</p>
      <p><strong>Defining traits:</strong> {traits.length ? traits.join(', ') : 'none — close to the average customer on every feature'}.</p>
      <p class="persona">{c.persona}</p>
      {c.label?.note && <p class="note"><strong>Note{c.label.carriedFrom ? ` (from run ${c.label.carriedFrom.runId})` : ''}:</strong> {c.label.note}</p>}
      <LabelForm runId={runId} c={c} onSaved={onSaved} />
    </section>
  );
}

function LabelForm({ runId, c, onSaved }: { runId: number; c: ClusterInfo; onSaved: () => void }) {
  const l: Partial<ClusterLabel> = c.label ?? {};
  const [name, setName] = useState(l.name ?? '');
  const [note, setNote] = useState(l.note ?? '');
  const [owner, setOwner] = useState(l.owner ?? '');
  const [actionable, setActionable] = useState(Boolean(l.actionable));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const can = useAllowed('analyst');
  const p = `cl-${c.cluster}`;
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await send('PUT', `/runs/${runId}/clusters/${c.cluster}`, { ...(name.trim() ? { name: name.trim() } : {}), note, owner: owner.trim(), actionable });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="label-form" open={c.review || undefined}>
      <summary>Label this cluster</summary>
      <form aria-label={`Label cluster ${c.cluster}`} onSubmit={save}>
        <label for={`${p}-name`}>Name</label>
        <input id={`${p}-name`} value={name} maxLength={100} placeholder={c.name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <label for={`${p}-note`}>Note</label>
        <textarea id={`${p}-note`} rows={3} maxLength={10000} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
        <div class="form-row">
          <div>
            <label for={`${p}-owner`}>Owner</label>
            <input id={`${p}-owner`} value={owner} maxLength={200} onInput={(e) => setOwner((e.target as HTMLInputElement).value)} />
          </div>
          <label class="inline"><input type="checkbox" checked={actionable} onChange={(e) => setActionable((e.target as HTMLInputElement).checked)} /> Actionable</label>
          <button type="submit" disabled={busy || !can.allowed} title={can.reason} aria-describedby={can.allowed ? undefined : `${p}-role`}>{busy ? 'Saving…' : 'Save label'}</button>
          <RoleHint need="analyst" id={`${p}-role`} />
        </div>
        {saved && <p class="good" role="status">Saved.</p>}
        {error !== undefined && <ErrorBox error={error} title="The label was not saved" />}
      </form>
    </details>
  );
}
