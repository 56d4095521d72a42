import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { CLASSIFIER_ALGORITHMS, listModels, scoreModel, trainModel, type ModelTrainResult } from '../../pipeline/model.ts';
import type { ClassifierAlgorithm } from '../../models/classify/registry.ts';
import { scoreOutliers, type OutlierMethod, type OutlierResult } from '../../pipeline/model-outliers.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { boundedNumber, examples, optionalNumber, withGlobals } from '../options.ts';
import { progressBar } from '../progress.ts';
import { fmtInt, fmtPct, json, table } from '../render.ts';

interface TrainCliOptions extends GlobalOptions {
  target?: string;
  positive?: string;
  features?: string;
  algorithm?: string;
  folds?: string;
  seed?: string;
  classWeight?: string;
  c?: string;
  asOf?: string;
  horizon?: string;
  top?: string;
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));

export function renderTrain(r: ModelTrainResult, top: number): string {
  const lines = [
    `model ${r.name} (${r.algorithm}, run ${r.runId}): target ${r.target.kind === 'trait' ? `${r.target.text} = ${r.target.positive}` : `rule "${r.target.text}" as of ${r.target.outcomeAsOf}`}` +
      `${r.asOf ? `, behaviour before ${r.asOf}` : ''}`,
    `${fmtInt(r.customers)} customers, ${fmtInt(r.positives)} positive (${fmtPct(r.positives / r.customers)}); ${r.features.length} features → ${r.columns} design columns; ${r.converged ? 'converged' : 'NOT converged'} in ${r.iterations} iterations`,
    '',
  ];
  if (r.cv) {
    lines.push(
      `${r.cv.k}-fold cross-validation (stratified): AUC ${f3(r.cv.auc)} ± ${f3(r.cv.aucSd)} (pooled ${f3(r.cv.pooledAuc)}), log loss ${f3(r.cv.logLoss)}, Brier ${f3(r.cv.brier)}; training AUC ${f3(r.trainingAuc)}`,
      '',
      'calibration (out-of-fold):',
      table(['predicted', 'customers', 'mean predicted', 'observed'], r.cv.calibration.map((b) => [`${b.lower.toFixed(1)}–${b.upper.toFixed(1)}`, b.count, fmtPct(b.meanPredicted), fmtPct(b.observedRate)])),
      '',
      'gain and lift by decile (out-of-fold, 1 = most likely):',
      table(['decile', 'customers', 'positives', 'rate', 'lift', 'cumulative gain', 'cumulative lift'], r.cv.gainLift.map((g) => [g.decile, g.count, g.positives, fmtPct(g.rate), g.lift.toFixed(2), fmtPct(g.cumulativeGain), g.cumulativeLift.toFixed(2)])),
      '',
    );
  } else lines.push(`no cross-validation (--folds 0); training AUC ${f3(r.trainingAuc)}`, '');
  const imp = r.importance.slice(0, top);
  const coef = imp.some((i) => i.kind === 'coefficient');
  lines.push(
    `features that matter (top ${imp.length} of ${r.importance.length}${coef ? '; log-odds per standard deviation for numbers, per level for categories' : ''}):`,
    coef
      ? table(['column', 'coefficient', 'std. error', 'z', 'p'], imp.map((i) => [i.name, i.value.toFixed(4), f3(i.standardError), i.z === undefined ? '–' : i.z.toFixed(2), i.pValue === undefined ? '–' : i.pValue < 1e-4 ? '<0.0001' : i.pValue.toFixed(4)]))
      : r.cv?.permutationImportance
        ? table(['feature', i0(imp), 'permutation (AUC drop, fold 1)'], imp.map((i) => {
          const perm = r.cv!.permutationImportance!.find((q) => q.name === i.name);
          return [i.name, i.value.toPrecision(4), perm ? `${perm.value.toFixed(4)} ± ${perm.sd.toFixed(4)}` : '–'];
        }))
        : table(['feature', i0(imp)], imp.map((i) => [i.name, i.value.toPrecision(4)])),
    '',
    `score every customer: segmint model score ${r.name}; then rules read model.${r.name}.probability`,
  );
  return lines.join('\n');
}

function renderOutliers(r: OutlierResult, top: number): string {
  const lines = [
    `outlier scores ${r.name} (${r.method === 'iforest' ? 'isolation forest' : 'distance to the nearest k-means centre'}, run ${r.runId}): ${fmtInt(r.customers)} customers scored on ${r.features.length} features${r.asOf ? ` as of ${r.asOf}` : ''}`,
    `unusual: ${fmtInt(r.unusual)} customers (${fmtPct(r.unusual / r.customers)}; contamination ${r.contamination}) score above ${r.threshold.toPrecision(4)}`,
    `the segment: segmint audience eval --where "${r.rule}"`,
  ];
  if (top > 0 && r.top.length) {
    lines.push('', `most unusual (top ${Math.min(top, r.top.length)}), and what makes each unusual (share of the isolation; z of the value):`);
    lines.push(table(['customer', 'score', 'reasons'], r.top.slice(0, top).map((t) => [t.customerId, t.score.toFixed(4), t.reasons.map((q) => `${q.feature} ${fmtPct(q.share)} (z ${q.z.toFixed(1)})`).join('; ')])));
  }
  return lines.join('\n');
}

const i0 = (imp: ModelTrainResult['importance']) => imp[0]?.kind ?? 'importance';

const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean));

/** `segmint model train|score|outliers|list`: propensity and churn classifiers, outlier scores. */
export function registerModel(program: Command, ctx: Context): void {
  const model = program.command('model').description('propensity and churn classifiers: train on a labelled trait or a rule, score every customer, list them');

  const train = withGlobals(model.command('train <name>'))
    .description('train a classifier NAME on a 0/1 target, cross-validate it, and store it (run kind model): AUC, log loss, calibration, gain and lift by decile, the features that matter')
    .option('--target <trait|rule>', 'a labelled trait (churn, y; booleans, 0/1, or text with --positive) or an audience rule evaluated --horizon days after --as-of')
    .option('--positive <value>', 'the value of a text target that is the outcome (default: yes/true/1 when the trait holds two values)')
    .option('--features <list>', 'comma-separated traits, behaviour metrics (recency_days, frequency, …) and stored results (rfm.segment); default every trait but the target and id, plus behaviour where there are transactions')
    .option('--algorithm <name>', `classifier: ${CLASSIFIER_ALGORITHMS.join(', ')} (default logistic)`)
    .option('--folds <k>', 'stratified cross-validation folds, 2-20, or 0 for none (default 5)')
    .option('--seed <n>', 'seed of the fold assignment (default 0)')
    .option('--class-weight <mode>', 'balanced (each class carries half the weight) or none (default)')
    .option('--c <value>', 'logistic: inverse L2 penalty strength C (default 1); larger means less shrinkage')
    .option('--as-of <date>', 'behaviour features from transactions before this date (default: the day after the last transaction; with a rule target, that minus --horizon)')
    .option('--horizon <days>', 'a rule target is evaluated this many days after --as-of (default 90)')
    .option('--top <n>', 'features shown (default 15)')
    .action(async (name: string, opts: TrainCliOptions) => {
      if (!opts.target) throw new SegmintError('invalid-option', '--target is required', { hint: 'e.g. segmint model train churn --target churn' });
      const folds = optionalNumber('--folds', opts.folds, { min: 0, max: 20, integer: true, example: '5' });
      if (folds === 1) throw new SegmintError('invalid-option', '--folds 1: cross-validation needs at least 2 folds', { hint: 'use --folds 5, or --folds 0 for none' });
      const seed = optionalNumber('--seed', opts.seed, { min: 0, max: 2 ** 31 - 1, integer: true, example: '7' });
      const horizon = optionalNumber('--horizon', opts.horizon, { min: 1, max: 3650, integer: true, example: '90' });
      const top = opts.top === undefined ? 15 : boundedNumber('--top', opts.top, { min: 1, max: 1000, integer: true, example: '15' });
      const C = opts.c === undefined ? undefined : boundedNumber('--c', opts.c, { min: 0, max: 1e12, minExclusive: true, example: '1' });
      if (opts.classWeight !== undefined && opts.classWeight !== 'balanced' && opts.classWeight !== 'none')
        throw new SegmintError('invalid-option', `--class-weight ${opts.classWeight}: expected balanced or none`, { hint: '--class-weight balanced weighs the rarer class up' });
      const algorithm = (opts.algorithm ?? 'logistic') as ClassifierAlgorithm;
      if (!(CLASSIFIER_ALGORITHMS as string[]).includes(algorithm)) throw new SegmintError('invalid-option', `--algorithm ${algorithm}: no such classifier`, { hint: `algorithms: ${CLASSIFIER_ALGORITHMS.join(', ')}` });
      if (C !== undefined && algorithm !== 'logistic') throw new SegmintError('invalid-option', '--c is the logistic penalty', { hint: 'leave it out with --algorithm gbt' });
      const ws = await ctx.openWorkspace(opts);
      const bar = progressBar(ctx.io, opts);
      try {
        bar.update(`training ${name}`);
        const r = await trainModel(ws, name, {
          target: opts.target, positive: opts.positive, features: list(opts.features), algorithm, folds, seed,
          classWeight: opts.classWeight as 'balanced' | 'none' | undefined, ...(C !== undefined ? { params: { C } } : {}), asOf: opts.asOf, horizon,
        });
        bar.done();
        if (opts.json) json(ctx.io, r);
        else ctx.io.out(renderTrain(r, top));
        for (const w of r.warnings) ctx.io.err(`note: ${w}`);
      } finally {
        bar.done();
        ws.close();
      }
    });
  examples(train, [
    'segmint model train churn --target churn                      # telco: the labelled Churn trait (Yes/No)',
    'segmint model train subscribe --target y --class-weight balanced --folds 10',
    'segmint model train churn --target churn --features tenure,contract,monthly_charges --c 0.1',
    'segmint model train rebuy --target "orders in last 90 days >= 1" --as-of 2011-09-01   # bought within 90 days after',
    'segmint model train churn --target churn --json > churn-model.json',
  ]);

  const score = withGlobals(model.command('score <name>'))
    .description('score every customer with the latest model NAME and store P(outcome) and its decile as a run (kind model-score); rules read model.NAME.probability and model.NAME.decile')
    .option('--as-of <date>', 'behaviour features from transactions before this date (default: the day after the last transaction)')
    .action(async (name: string, opts: GlobalOptions & { asOf?: string }) => {
      const ws = await ctx.openWorkspace(opts);
      try {
        const r = await scoreModel(ws, name, { asOf: opts.asOf });
        if (opts.json) json(ctx.io, r);
        else {
          ctx.io.out(`model ${name} (run ${r.modelRun}) scored ${fmtInt(r.customers)} customers${r.asOf ? ` as of ${r.asOf}` : ''}: run ${r.runId}, mean probability ${fmtPct(r.meanProbability)}`);
          ctx.io.out(`audiences read it: segmint audience eval --where "model.${name}.probability > 0.6"`);
        }
        for (const w of r.warnings) ctx.io.err(`note: ${w}`);
      } finally {
        ws.close();
      }
    });
  examples(score, [
    'segmint model score churn',
    'segmint model score churn && segmint audience eval --where "model.churn.probability > 0.6 and contract = \'Month-to-month\'"',
    'segmint model score rebuy --as-of 2011-12-10 --json',
  ]);

  const outliers = withGlobals(model.command('outliers [name]'))
    .description('an outlier score per customer (isolation forest, or distance to the nearest k-means centre) stored as a run of kind outliers named NAME (default outliers): rules read model.NAME.score (not a probability), model.NAME.decile and model.NAME.unusual (the share --contamination above the threshold), with what makes each unusual')
    .option('--features <list>', 'comma-separated traits, behaviour metrics and stored results (default: every trait but the id, plus behaviour where there are transactions)')
    .option('--contamination <share>', 'share of customers in the unusual segment, above 0 and below 0.5 (default 0.01)')
    .option('--method <name>', 'iforest (isolation forest, default) or centroid (distance to the nearest of --k k-means centres)')
    .option('--k <n>', 'centroid: clusters (default 8)')
    .option('--seed <n>', 'seed of the forest or the k-means starts (default 0)')
    .option('--as-of <date>', 'behaviour features from transactions before this date (default: the day after the last transaction)')
    .option('--top <n>', 'unusual customers shown with their reasons (default 10)')
    .action(async (name: string | undefined, opts: GlobalOptions & { features?: string; contamination?: string; method?: string; k?: string; seed?: string; asOf?: string; top?: string }) => {
      const contamination = opts.contamination === undefined ? undefined : boundedNumber('--contamination', opts.contamination, { min: 0, max: 0.5, minExclusive: true, example: '0.01' });
      if (contamination === 0.5) throw new SegmintError('invalid-option', '--contamination 0.5: expected a share below 0.5', { hint: 'e.g. --contamination 0.01' });
      if (opts.method !== undefined && opts.method !== 'iforest' && opts.method !== 'centroid') throw new SegmintError('invalid-option', `--method ${opts.method}: expected iforest or centroid`, { hint: 'e.g. --method iforest' });
      const k = optionalNumber('--k', opts.k, { min: 1, max: 100, integer: true, example: '8' });
      const seed = optionalNumber('--seed', opts.seed, { min: 0, max: 2 ** 31 - 1, integer: true, example: '7' });
      const top = opts.top === undefined ? 10 : boundedNumber('--top', opts.top, { min: 0, max: 1000, integer: true, example: '10' });
      const ws = await ctx.openWorkspace(opts);
      try {
        const r = await scoreOutliers(ws, name ?? 'outliers', { features: list(opts.features), contamination, method: opts.method as OutlierMethod | undefined, k, seed, asOf: opts.asOf, explain: Math.max(top, 20) });
        if (opts.json) json(ctx.io, r);
        else ctx.io.out(renderOutliers(r, top));
        for (const w of r.warnings) ctx.io.err(`note: ${w}`);
      } finally {
        ws.close();
      }
    });
  examples(outliers, [
    'segmint model outliers                                        # isolation forest over every trait, the 1 % most unusual',
    'segmint model outliers usage --features minutes,calls,data_gb,roaming_charges --contamination 0.005',
    'segmint model outliers far --method centroid --k 6',
    'segmint model outliers && segmint audience eval --where "model.outliers.unusual = true"',
    'segmint audience eval --where "model.outliers.score > 0.6 and model.outliers.decile = 1"',
  ]);

  const ls = withGlobals(model.command('list'))
    .description('the trained models (name, algorithm, target, cross-validated AUC, customers, latest score run) and the stored outlier scores (method, customers, unusual)')
    .action(async (opts: GlobalOptions) => {
      const ws = await ctx.openWorkspace(opts, { readOnly: true });
      try {
        const models = await listModels(ws.db);
        if (opts.json) json(ctx.io, models);
        else if (!models.length) ctx.io.out('no models yet: segmint model train NAME --target TRAIT, or segmint model outliers NAME');
        else ctx.io.out(table(['model', 'kind', 'run', 'algorithm', 'target', 'customers', 'CV AUC', 'unusual', 'score run', 'created'], models.map((m) => [
          m.name, m.kind, m.runId, m.algorithm, m.kind === 'outliers' ? '–' : m.target, m.customers, f3(m.auc), m.unusual === undefined ? '–' : m.unusual,
          m.scoreRun === null ? '–' : String(m.scoreRun), m.createdAt,
        ])));
      } finally {
        ws.close();
      }
    });
  examples(ls, ['segmint model list', 'segmint model list --json']);
  examples(model, ['segmint model train churn --target churn', 'segmint model score churn', 'segmint model list']);
}
