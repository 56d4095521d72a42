import { actionFor, clusterAction, knownSegmentNames, unknownActionWarnings } from '../../models/actions.ts';
import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { checkOutFile, TABLE_EXTENSIONS } from '../../pipeline/export.ts';
import { exportClusters, runClustering, type ClusterRunOptions, type ClusterRunResult } from '../../pipeline/cluster.ts';
import { ALGORITHM_LABELS, ALGORITHMS } from '../../models/cluster/index.ts';
import { openMemoryDb } from '../../store/workspace.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, optionalNumber, withGlobals, withOut, type SetExit } from '../options.ts';
import { progressBar } from '../progress.ts';
import { fmtInt, fmtPct, json, table } from '../render.ts';

interface ClusterCliOptions extends GlobalOptions {
  features?: string;
  categorical?: string;
  k?: string;
  kMax?: string;
  algorithm?: string;
  covariance?: string;
  gamma?: string;
  seed?: string;
  restarts?: string;
  input?: string;
  idColumn?: string;
  revenueColumn?: string;
  asOf?: string;
  shares?: string;
  log1p?: string;
  scaling?: string;
  winsorize?: string;
  missing?: string;
  minShare?: string;
  out?: string;
  force?: boolean;
}


const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean));

/** The largest k (and --k-max): more clusters than any segmentation can use, and a bound on the work. */
export const MAX_K = 100;

/** A share option (--winsorize, --min-share): 0 to below 0.5, or a percentage (2%). */
const share = (flag: string, s: string | undefined) => optionalNumber(flag, s, { min: 0, max: 0.5, maxExclusive: true, percent: true, example: '0.02' });

/** Options as given on the command line, normalised once. */
export function clusterOptions(o: ClusterCliOptions): ClusterRunOptions {
  const algorithm = o.algorithm ?? 'kmeans';
  if (!(ALGORITHMS as readonly string[]).includes(algorithm)) throw new SegmintError('invalid-option', `--algorithm ${algorithm}: expected one of ${ALGORITHMS.join(', ')}`);
  const gamma = optionalNumber('--gamma', o.gamma, { min: 0, max: 1e6, example: '0.5' });
  if (o.covariance !== undefined && !['full', 'diag'].includes(o.covariance)) throw new SegmintError('invalid-option', `--covariance ${o.covariance}: expected full or diag`);
  if ((o.input === undefined) !== (o.idColumn === undefined)) throw new SegmintError('invalid-option', '--input and --id-column go together', { hint: 'e.g. --input customers.csv --id-column CustomerID' });
  if (o.shares !== undefined && !['department', 'category'].includes(o.shares)) throw new SegmintError('invalid-option', `--shares ${o.shares}: expected department or category`);
  if (o.scaling !== undefined && !['standard', 'robust', 'none'].includes(o.scaling)) throw new SegmintError('invalid-option', `--scaling ${o.scaling}: expected standard, robust or none`);
  if (o.missing !== undefined && !['impute', 'exclude'].includes(o.missing)) throw new SegmintError('invalid-option', `--missing ${o.missing}: expected impute or exclude`);
  const k = o.k === undefined || o.k === 'auto' ? 'auto' : optionalNumber('--k', o.k, { min: 1, max: MAX_K, integer: true, example: '5' })!;
  return {
    k, algorithm: algorithm as ClusterRunOptions['algorithm'], gamma, covariance: o.covariance as 'full' | 'diag' | undefined,
    kMax: optionalNumber('--k-max', o.kMax, { min: 2, max: MAX_K, integer: true, example: '10' }),
    seed: optionalNumber('--seed', o.seed, { min: 0, max: 0xffffffff, integer: true, example: '7' }),
    nInit: optionalNumber('--restarts', o.restarts, { min: 1, max: 100, integer: true, example: '3' }),
    features: list(o.features), categorical: list(o.categorical),
    input: o.input ? { file: o.input, idColumn: o.idColumn!, revenueColumn: o.revenueColumn } : undefined,
    asOf: o.asOf, shares: o.shares as ClusterRunOptions['shares'], log1p: o.log1p === 'auto' ? 'auto' : list(o.log1p), scaling: o.scaling as ClusterRunOptions['scaling'],
    winsorize: share('--winsorize', o.winsorize), missing: o.missing as ClusterRunOptions['missing'],
    minShare: share('--min-share', o.minShare),
  };
}

const num = (x: number) => (Math.abs(x) >= 1000 ? fmtInt(x) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

export function renderClusters(r: ClusterRunResult): string {
  const lines = [
    `${ALGORITHM_LABELS[r.algorithm].name} on ${r.features.concat(r.categorical).join(', ')}${r.runId === null ? '' : ` (run ${r.runId})`}: ${fmtInt(r.customers.clustered)} customers in ${r.k} clusters${
      r.customers.excluded ? `, ${fmtInt(r.customers.excluded)} excluded for missing values` : ''}`,
  ];
  if (r.choice) {
    const bic = r.algorithm === 'gmm';
    lines.push('', `Choice of k: ${r.choice.reason}`, '', table(['k', ...(bic ? ['BIC'] : []), 'inertia', 'silhouette', 'Calinski-Harabasz', 'Davies-Bouldin', 'stability', 'smallest', 'note'],
      r.choice.scores.map((s) => [String(s.k), ...(bic ? [num(s.bic ?? NaN)] : []), num(s.inertia), s.silhouette.toFixed(3), num(s.calinskiHarabasz), s.daviesBouldin.toFixed(3), s.stability.toFixed(2), fmtPct(s.smallestShare),
        s.k === r.k ? '← chosen' : !s.sizesOk ? 'clusters too small' : !s.stable ? 'unstable' : ''])));
  }
  const feats = r.features;
  const contact = r.clusters.some((c) => c.criteria.accessible.shareWithContact !== null);
  // k-prototypes: each categorical feature's most frequent value and its share of the cluster
  const cats = r.clusters[0]?.categories?.map((c) => c.feature) ?? [];
  lines.push('', table(['cluster', 'name', 'customers', 'share', 'revenue', ...(contact ? ['contactable'] : []), ...feats.map((f) => `${f} (z)`), ...cats.map((f) => `${f} (most frequent)`)],
    r.clusters.map((c) => [String(c.cluster), c.name, c.customers, fmtPct(c.share), c.criteria.substantial.revenueShare === null ? '–' : fmtPct(c.criteria.substantial.revenueShare),
      ...(contact ? [fmtPct(c.criteria.accessible.shareWithContact ?? 0)] : []),
      ...c.features.map((f) => `${num(f.mean)} (${f.z >= 0 ? '+' : ''}${f.z.toFixed(1)})`),
      ...(c.categories ?? []).map((g) => `${g.mode} (${fmtPct(g.share)})`)])));
  lines.push('', ...r.clusters.map((c) => `• ${c.persona}`));
  lines.push('', 'suggested actions:', ...r.clusters.map((c) => `  ${c.name}: ${(c as { action?: string }).action ?? actionFor(c.name, {}, clusterAction(c))}`));
  const q = r.quality;
  lines.push('', `quality: silhouette ${q.silhouette === null ? '–' : q.silhouette.toFixed(3)} (${fmtInt(q.sampleSize)} customers), Calinski-Harabasz ${q.calinskiHarabasz === null ? '–' : num(q.calinskiHarabasz)}, Davies-Bouldin ${
    q.daviesBouldin === null ? '–' : q.daviesBouldin.toFixed(3)}, inertia ${num(q.inertia)}; ${r.iterations} iterations${r.converged ? '' : ' (not converged)'}`);
  return lines.join('\n');
}

export function registerCluster(program: Command, ctx: Context, _setExit: SetExit): void {
  const cmd = withOut(withGlobals(program.command('cluster')), 'write one row per customer (customer_id, cluster, cluster_name, distance; gmm also probability): .csv, .parquet, .json or .ndjson')
    .description('find customer segments with k-means: k chosen and explained, clusters profiled and named')
    .option('--features <list>', 'comma-separated feature columns (default: recency_days,frequency,monetary; with --input every numeric column)')
    .option('--categorical <list>', 'columns to one-hot encode (text traits, or numbers that are codes)')
    .option('--k <auto|n>', 'number of clusters, 1 to 100, or auto to choose from 2 to --k-max (default auto)')
    .option('--k-max <n>', 'largest k tried by --k auto, 2 to 100 (default 10)')
    .option('--algorithm <name>', 'kmeans (default), minibatch (very large inputs), ward (agglomerative, a tree of up to 20,000 customers), gmm (Gaussian mixture, k by BIC, membership probabilities) or kprototypes (numbers and --categorical traits as they are; needs --k N)')
    .option('--covariance <kind>', 'gmm: full (default) or diag covariance matrices')
    .option('--gamma <g>', 'kprototypes: weight of one categorical mismatch (default half the mean sd of the scaled numbers)')
    .option('--seed <n>', 'seed of the k-means++ starts and the samples, 0 to 4294967295 (default 0)')
    .option('--restarts <n>', 'k-means++ starts per k, 1 to 100; the best is kept (default 3)')
    .option('--input <file>', 'cluster the rows of a CSV, Parquet or JSON file instead of the workspace')
    .option('--id-column <name>', 'the customer id column of --input')
    .option('--revenue-column <name>', 'a column of --input with revenue (for each cluster\'s revenue share)')
    .option('--as-of <date>', 'analysis date YYYY-MM-DD for workspace features')
    .option('--shares <level>', 'add each customer\'s share of spend per department (or category) as features <group>_share, the default features then')
    .option('--log1p <list|auto>', 'features to take log(1 + x) of, values below 0 clipped at 0 first (counted); auto: features with at most 5% negative values and skewness > 2')
    .option('--scaling <kind>', 'standard (default; none for a run on --shares alone), robust or none')
    .option('--winsorize <q>', 'clip every feature at its q and 1 − q quantiles, e.g. 0.01')
    .option('--missing <policy>', 'impute (default: the median, or the level "(missing)") or exclude')
    .option('--min-share <q>', 'smallest acceptable cluster share for --k auto (default 0.02)')
    .action(async (opts: ClusterCliOptions) => {
      const options = clusterOptions(opts);
      // checked before the run is computed and stored, so that a refused --out leaves no run behind
      if (opts.out) checkOutFile(opts.out, { force: opts.force, workspaceDir: ctx.workspaceDir(opts), extensions: TABLE_EXTENSIONS });
      let ws: Awaited<ReturnType<Context['openWorkspace']>> | undefined;
      let mem: Awaited<ReturnType<typeof openMemoryDb>> | undefined;
      const bar = progressBar(ctx.io, opts);
      try {
        // --input works with or without a workspace; without one, nothing is stored
        try {
          ws = await ctx.openWorkspace(opts);
        } catch (e) {
          if (!(options.input && e instanceof SegmintError && e.code === 'workspace-not-found')) throw e;
          mem = await openMemoryDb();
        }
        bar.update(options.k === 'auto' ? 'choosing k' : 'clustering');
        // the file is written inside the run's transaction: a failed export stores no run
        let out: Awaited<ReturnType<typeof exportClusters>> | undefined;
        const store = ws && opts.out ? { beforeCommit: async (id: number) => { bar.update('writing the file'); out = await exportClusters(ws!.db, id, opts.out!); } }
          // without a workspace the file is written straight from the engine's join of the ids and the fit
          : opts.out ? { outFile: opts.out } : {};
        const r = await runClustering(ws ? { ws } : { db: mem!.db }, { ...options, ...store });
        if (r.out) out = r.out;
        bar.done();
        // a suggested action per cluster: segmint.yaml segments.actions by cluster name, else one derived from the profile
        const seg = ws?.config.segments;
        r.clusters = r.clusters.map((c) => ({ ...c, action: actionFor(c.name, seg?.actions, clusterAction(c)) }));
        if (seg) r.warnings.push(...unknownActionWarnings(seg.actions, knownSegmentNames([seg.rfm, seg.lrfmp]), r.clusters.map((c) => c.name)));
        if (opts.json) {
          const { picture: _picture, out: _out, ...rest } = r;
          json(ctx.io, { ...rest, ...(out ? { out } : {}) });
        } else {
          ctx.io.out(renderClusters(r));
          if (out) ctx.io.out(`\nwrote ${fmtInt(out.rows)} rows to ${out.file}`);
        }
        for (const w of r.warnings) ctx.io.err(`note: ${w}`);
      } finally {
        bar.done();
        ws?.close();
        mem?.close();
      }
    });
  examples(cmd, [
    'segmint cluster                                   # RFM metrics of the workspace, k chosen from 2..10',
    'segmint cluster --features recency_days,frequency,monetary,basket_size --log1p auto --k 5 --out clusters.csv',
    'segmint cluster --shares department --k 5                # produce lovers, meat lovers, …',
    'segmint cluster --input Mall_Customers.csv --id-column CustomerID --features "Annual Income (k$),Spending Score (1-100)"',
    'segmint cluster --input "CC GENERAL.csv" --id-column CUST_ID --log1p auto --json > cards.json',
  ]);
}
