// CLV: the latest (or a chosen) fit with its parameters and their uncertainty, plainly flagged when it is
// degenerate; calibration against holdout; P(alive) and expected purchases over frequency × recency (from
// the fitted parameters, on the server); and the fit's latest predictions: the CLV distribution, churn and
// CLV tiers, the customers with the highest CLV. Fit and Predict buttons for a workspace without them.
import { useState } from 'preact/hooks';
import { send } from '../api.ts';
import { Async, useAsync } from '../components/async.tsx';
import { Section } from '../components/chart.tsx';
import { Calibration } from '../components/clv-calibration.tsx';
import { fitDoc, matrices, predictionStats } from '../components/clv-data.tsx';
import { FitSummary } from '../components/clv-fit.tsx';
import { ClvMatrices } from '../components/clv-matrices.tsx';
import { Predictions } from '../components/clv-predictions.tsx';
import { JobStatus, useJob, type JobRef } from '../components/job.tsx';
import { runLabel, runsOf } from '../components/value-data.tsx';
import { RoleHint, useAllowed } from '../session.ts';
import { href, navigate, type Route } from '../router.ts';

function RunButton({ kind, label, body, onDone }: { kind: 'clv' | 'clv-predict'; label: string; body?: Record<string, unknown>; onDone: () => void }) {
  const job = useJob();
  const can = useAllowed('analyst');
  const start = async () => {
    const done = await job.start(async () => {
      const r = await send<JobRef>('POST', `/runs/${kind}`, body ?? {});
      return r.id ? r : { id: '', kind, status: 'succeeded' };
    });
    if (done?.status === 'succeeded') onDone();
  };
  return (
    <div class="run-form">
      <button type="button" disabled={job.running || !can.allowed} title={can.reason} aria-describedby={can.allowed ? undefined : `${kind}-run-role`} onClick={start}>{label}</button>
      <RoleHint need="analyst" id={`${kind}-run-role`} />
      <JobStatus job={job.job} running={job.running} error={job.error} />
    </div>
  );
}

export function ClvPage({ route }: { route: Route }) {
  const [reloadKey, setReloadKey] = useState(0);
  const reload = () => setReloadKey((k) => k + 1);
  const runs = useAsync((signal) => runsOf('clv', signal), [reloadKey]);
  return (
    <>
      <h1 tabIndex={-1}>Customer lifetime value (CLV)</h1>
      <Async state={runs} what="Loading the CLV fits">
        {(items) => {
          if (items.length === 0) {
            return (
              <Section title="No CLV fit yet" id="clv-empty">
                <p class="empty-state">No CLV fit yet — Fit CLV to model each customer's purchases and spend (BG/NBD, MBG/NBD or Pareto/NBD chosen automatically, with Gamma-Gamma for spend).</p>
                <RunButton kind="clv" label="Fit CLV" onDone={reload} />
              </Section>
            );
          }
          const asked = Number(route.query.get('fit'));
          const runId = items.some((r) => r.runId === asked) ? asked : items.at(-1)!.runId;
          return (
            <>
              {items.length > 1 && (
                <div class="form-row run-picker">
                  <div>
                    <label for="clv-fit">CLV fit</label>
                    <select id="clv-fit" value={String(runId)} onChange={(e) => navigate(href('clv', { fit: (e.target as HTMLSelectElement).value }))}>
                      {[...items].reverse().map((r) => <option key={r.runId} value={String(r.runId)}>{runLabel(r)} — {r.summary}{r === items.at(-1) ? ' (latest)' : ''}</option>)}
                    </select>
                  </div>
                </div>
              )}
              <Fit key={runId} runId={runId} reloadKey={reloadKey} onRun={reload} />
            </>
          );
        }}
      </Async>
    </>
  );
}

function Fit({ runId, reloadKey, onRun }: { runId: number; reloadKey: number; onRun: () => void }) {
  const doc = useAsync((signal) => fitDoc(runId, signal), [runId, reloadKey]);
  const m = useAsync((signal) => matrices(runId, signal), [runId, reloadKey]);
  return (
    <Async state={doc} what="Loading the fit">
      {(d) => (
        <>
          <Section title="The fitted models" id="clv-fit"><FitSummary fit={d.fit} runId={d.runId} /></Section>
          <Section title="Calibration against holdout" id="clv-calibration"><Calibration fit={d.fit} /></Section>
          <Section title="P(alive) and expected purchases" id="clv-matrices">
            <Async state={m} what="Computing the matrices">{(x) => <ClvMatrices data={x} />}</Async>
          </Section>
          <Section title="Predictions" id="clv-predictions">
            {d.predictRunId === null
              ? <><p class="empty-state">No predictions from this fit yet — Predict CLV for every customer (12 months ahead).</p><RunButton kind="clv-predict" label="Predict CLV" body={{ fitRunId: d.runId }} onDone={onRun} /></>
              : <PredictionsOf runId={d.predictRunId} />}
          </Section>
        </>
      )}
    </Async>
  );
}

function PredictionsOf({ runId }: { runId: number }) {
  const s = useAsync((signal) => predictionStats(runId, signal), [runId]);
  return <Async state={s} what="Counting the predictions">{(x) => <><p>Prediction run {x.runId}{x.fitRunId !== null ? ` from fit run ${x.fitRunId}` : ''}.</p><Predictions stats={x} /></>}</Async>;
}
