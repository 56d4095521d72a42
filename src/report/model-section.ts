/**
 * The models section (issue #19): for each trained classifier (the latest `model` run of each name) its
 * cross-validated AUC and log loss, the calibration curve and the lift and cumulative gain by decile (all from
 * the out-of-fold probabilities), the features that matter, and its latest score run; for each set of outlier
 * scores (the latest `outliers` run of each name) its method, threshold, unusual customers and what makes the
 * most unusual ones unusual. Definitions in docs/models.md ("Classifiers", "Outliers").
 */
import { listModels, loadModel, type ModelListing } from '../pipeline/model.ts';
import { loadOutliers } from '../pipeline/model-outliers.ts';
import type { Db } from '../store/workspace.ts';
import { columns, lines } from './charts.ts';
import { esc, htmlTable, kpis, num, para, pct, type ReportSection } from './html.ts';

const TOP = 12;

/** The section, or undefined when no model is stored. */
export async function modelSection(db: Db): Promise<ReportSection | undefined> {
  const models = await listModels(db);
  if (!models.length) return undefined;
  const parts: string[] = [
    para('Classifiers trained with segmint model train: the figures are out-of-fold (each customer scored by the model fitted without the fold holding them), so they say how the model does on customers it has not seen. Outlier scores (segmint model outliers) rank customers by how unusual they are; a score is not a probability.'),
  ];
  for (const listing of models) {
    if (listing.kind === 'outliers') {
      parts.push(...await outlierPart(db, listing));
      continue;
    }
    const { model: m, asOf } = await loadModel(db, listing.name);
    const target = m.target.kind === 'trait' ? `${m.target.text} = ${m.target.positive}` : `rule “${m.target.text}” as of ${m.target.outcomeAsOf}`;
    parts.push(`<h3>${esc(m.name)} <small>(${esc(m.algorithm)}, run ${listing.runId})</small></h3>`);
    parts.push(para(`Target ${target}${asOf ? `; behaviour before ${asOf}` : ''}. ${num(m.customers)} customers, ${num(m.positives)} positive (${pct(m.positives / m.customers)}); ${m.features.length} features → ${m.encoding.columns.length} design columns.`));
    const cv = m.cv;
    parts.push(kpis([
      { label: `AUC (${cv ? `${cv.k}-fold CV` : 'no CV'})`, value: cv ? num(cv.auc, 3) : '–', note: cv ? `± ${num(cv.aucSd, 3)} across folds` : 'trained with --folds 0' },
      { label: 'log loss', value: cv ? num(cv.logLoss, 3) : '–', note: cv ? `Brier ${num(cv.brier, 3)}` : undefined },
      { label: 'top-decile lift', value: cv ? num(cv.gainLift[0]?.lift ?? NaN, 2) : '–', note: cv ? `${pct(cv.gainLift[0]?.cumulativeGain ?? NaN)} of positives in the top 10 %` : undefined },
      { label: 'scored', value: listing.scoreRun === null ? 'not yet' : `run ${listing.scoreRun}`, note: listing.scoreRun === null ? `segmint model score ${m.name}` : `rules read model.${m.name}.probability` },
    ]));
    if (cv) {
      const cal = cv.calibration.flatMap((b) => [
        { x: Number(((b.lower + b.upper) / 2).toFixed(2)), y: b.observedRate, series: 'observed rate' },
        { x: Number(((b.lower + b.upper) / 2).toFixed(2)), y: b.meanPredicted, series: 'mean predicted' },
      ]);
      parts.push('<div class="charts">');
      parts.push(lines(cal, { title: 'Calibration', caption: 'Out-of-fold customers in bins of predicted probability: the share with the outcome beside the mean prediction; a calibrated model has the two lines together.', xLabel: 'predicted probability (bin centre)', yLabel: 'share', format: (v) => pct(v) }));
      parts.push(columns(cv.gainLift.map((g) => ({ label: String(g.decile), value: g.lift })), { title: 'Lift by decile', caption: 'Customers ranked by out-of-fold probability, in tenths (1 = most likely): the outcome rate of each tenth over the overall rate.', xLabel: 'decile', yLabel: 'lift', format: (v) => num(v, 2) }));
      parts.push(lines([{ x: 0, y: 0, series: 'model' }, ...cv.gainLift.map((g) => ({ x: g.decile * 10, y: g.cumulativeGain, series: 'model' })), { x: 0, y: 0, series: 'random' }, { x: 100, y: 1, series: 'random' }], { title: 'Cumulative gain', caption: 'Share of all positives found when contacting the top x % of customers by probability, against picking at random.', xLabel: '% of customers contacted', yLabel: 'share of positives', format: (v) => pct(v) }));
      parts.push('</div>');
    }
    const imp = (m.classifier.algorithm === 'logistic' ? importanceOfLogistic(m.classifier.state) : []).slice(0, TOP);
    if (imp.length) {
      parts.push(htmlTable(['design column', 'coefficient', 'std. error', 'z'], imp.map((i) => [i.name, num(i.value, 4), i.se === undefined ? '–' : num(i.se, 4), i.se ? num(i.value / i.se, 2) : '–']),
        `The ${imp.length} largest coefficients (log-odds per standard deviation of a number, per level of a category). Standard errors are from the inverse Hessian of the penalised fit.`));
    }
  }
  return { id: 'models', title: 'Models', html: parts.join('\n') };
}

function importanceOfLogistic(state: Record<string, unknown>): { name: string; value: number; se?: number }[] {
  const s = state as { coefficients: number[]; columns: string[]; standardErrors: number[] | null };
  return s.coefficients.map((value, j) => ({ name: s.columns[j]!, value, ...(s.standardErrors ? { se: s.standardErrors[j + 1]! } : {}) }))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
}

/** One set of outlier scores: method, threshold, the unusual segment and the most unusual customers with their reasons. */
async function outlierPart(db: Db, listing: ModelListing): Promise<string[]> {
  const r = await loadOutliers(db, listing.name);
  if (!r) return [];
  const o = r.outliers;
  const method = o.method === 'centroid' ? 'distance to the nearest k-means centre' : 'isolation forest';
  return [
    `<h3>${esc(o.name)} <small>(outlier scores, ${esc(method)}, run ${r.runId})</small></h3>`,
    para(`${num(o.customers)} customers scored on ${o.features.length} features${r.asOf ? ` as of ${r.asOf}` : ''}. The unusual segment is the share ${o.contamination} with the highest scores: ${num(o.unusual)} customers (${pct(o.unusual / o.customers)}) score above ${num(o.threshold, 4)}; rules read it as ${o.rule}, and model.${o.name}.score / .decile.`),
    kpis([
      { label: 'unusual', value: num(o.unusual), note: `${pct(o.unusual / o.customers)} of ${num(o.customers)}` },
      { label: 'threshold', value: num(o.threshold, 4), note: `the ${num(1 - o.contamination, 3)} quantile of the scores` },
    ]),
    ...(o.top.length ? [htmlTable(['customer', 'score', 'what makes it unusual'], o.top.slice(0, TOP).map((t) => [t.customerId, num(t.score, 4), t.reasons.map((q) => `${q.feature} (${pct(q.share)}, z ${num(q.z, 1)})`).join('; ')]),
      `The ${Math.min(TOP, o.top.length)} most unusual customers and the features that set each apart (share of the isolation or of the distance; z of the value).`)] : []),
  ];
}
