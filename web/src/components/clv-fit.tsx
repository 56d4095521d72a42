// A CLV fit: what was fitted on what, whether the fit is degenerate or weak (in plain words, with what it
// means and what to do), the parameters with their standard errors and approximate 95 % intervals, the
// model comparison of --model auto, and the spend model.
import { fmt } from './chart.tsx';
import { sig, type ClvFit, type FitIssue, type FittedModel } from './clv-data.tsx';

function ParamTable({ m, caption }: { m: FittedModel; caption: string }) {
  const noSe = Object.keys(m.params).filter((k) => m.standardErrors[k] === null || m.standardErrors[k] === undefined);
  return (
    <div class="table-wrap">
      <table class="narrow params">
        <caption>{caption}</caption>
        <thead><tr><th scope="col">Parameter</th><th scope="col" class="num">Estimate</th><th scope="col" class="num">Std. error</th><th scope="col" class="num">Approx. 95% interval</th></tr></thead>
        <tbody>
          {Object.entries(m.params).map(([k, v]) => {
            const se = m.standardErrors[k];
            const ok = se !== null && se !== undefined && Number.isFinite(se);
            return (
              <tr key={k}>
                <th scope="row">{k}</th><td class="num">{sig(v)}</td><td class="num">{ok ? sig(se) : '–'}</td>
                <td class="num">{ok ? `${sig(v - 1.96 * se)} … ${sig(v + 1.96 * se)}` : '–'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p class="hint">Log-likelihood {sig(m.logLikelihood, 6)}; {m.converged ? 'converged' : 'not converged'} after {fmt(m.iterations)} iterations ({m.method}); {fmt(m.customers)} customers.
        {noSe.length > 0 && ` No standard error for ${noSe.join(', ')}: the estimate is on a boundary or the likelihood is flat there, so its uncertainty is unknown.`}</p>
    </div>
  );
}

function Issues({ issues, title }: { issues: FitIssue[]; title: string }) {
  return (
    <div class="warn-box" role="note" aria-label={title}>
      <strong>{title}</strong>
      <ul>
        {issues.map((i, k) => <li key={k}>{i.message}. <em>What it means:</em> {i.meaning}. <em>What to do:</em> {i.advice}.</li>)}
      </ul>
    </div>
  );
}

export function FitSummary({ fit, runId }: { fit: ClvFit; runId: number }) {
  const p = fit.purchase;
  const d = fit.diagnostics;
  const rd = fit.refit?.diagnostics;
  const degenerate = Boolean(d?.degenerate || rd?.degenerate);
  const issues = [...(d?.issues ?? []), ...(rd?.issues ?? []).map((i) => ({ ...i, message: `refitted on all purchases: ${i.message}` }))];
  return (
    <>
      <p>Run {runId}: the <strong>{p.name}</strong> purchase model{fit.spend ? ' and the Gamma-Gamma spend model' : ''} fitted on {fmt(p.customers)} customers{p.patterns ? ` (${fmt(p.patterns)} distinct histories)` : ''}, in {fit.period}s, with purchases up to {fit.calibrationEnd ?? '–'}{fit.holdoutEnd ? `; the holdout runs to ${fit.holdoutEnd}` : ''}.
        {fit.customers.excluded > 0 && ` ${fmt(fit.customers.excluded)} customers without a purchase by then are not in the fit.`}</p>
      {degenerate && <Issues title={`The ${p.name} fit is degenerate: read its P(alive) and churn figures with these notes.`} issues={issues} />}
      {!degenerate && d?.weak && <Issues title={`The ${p.name} fit is weak: the estimates stand, but loosely.`} issues={issues} />}
      {!degenerate && !d?.weak && <p class="good">The fit is sound: no parameter on a boundary, standard errors smaller than the estimates, P(alive) tells customers apart.</p>}
      <div class="grid2">
        <ParamTable m={p} caption={`${p.name} parameters (calibration fit)`} />
        {fit.refit && <ParamTable m={fit.refit} caption={`${fit.refit.name} refitted on all purchases (the predictions use these)`} />}
        {fit.spend && (
          <div>
            <ParamTable m={fit.spend} caption="Gamma-Gamma spend model parameters" />
            <p class="hint">{fmt(fit.spend.excluded.noRepeatPurchases)} customers without repeat purchases and {fmt(fit.spend.excluded.nonPositiveSpend)} with no positive spend are not in the spend fit. Frequency–spend correlation {sig(fit.spend.frequencySpendCorrelation, 2)} (the model assumes none).</p>
          </div>
        )}
      </div>
      {fit.choice && (
        <div class="table-wrap">
          <table>
            <caption>Models compared (by {fit.choice.by === 'holdout' ? 'the holdout' : 'BIC'}): {fit.choice.reason}</caption>
            <thead><tr><th scope="col">Model</th><th scope="col" class="num">Log-likelihood</th><th scope="col" class="num">BIC</th><th scope="col" class="num">Holdout MAE</th><th scope="col">Fit</th><th scope="col">Chosen</th></tr></thead>
            <tbody>
              {fit.choice.rows.map((r) => (
                <tr key={r.name}>
                  <th scope="row">{r.name}</th><td class="num">{sig(r.logLikelihood, 6)}</td><td class="num">{sig(r.bic, 6)}</td><td class="num">{sig(r.meanAbsoluteError)}</td>
                  <td>{!r.fitted ? `not fitted: ${r.error ?? ''}` : r.degenerate ? `degenerate (${r.issues.join(', ')})` : r.issues.length ? r.issues.join(', ') : 'sound'}</td><td>{r.chosen ? 'chosen' : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
