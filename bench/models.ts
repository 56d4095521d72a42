/**
 * bench/models: logistic regression on 1,000,000 customers × 20 features (16 numeric, one with 1 % missing,
 * and 4 categorical), a generated CSV with a known logistic outcome `converted` imported as customers.
 * Measures, in the same run: the kernels in process (logistic: design, fit, predict; gradient-boosted trees: fit,
 * predict), the commands as new processes (`segmint model train --folds 0` and `segmint model score`, logistic
 * and `--algorithm gbt`; wall and CPU seconds, peak RSS), and scikit-learn on the same CSV as the baseline
 * (bench/models_sklearn.py: LogisticRegression; HistGradientBoostingClassifier on one thread). Medians of
 * BENCH_MODELS_REPEATS runs (default 3; trees BENCH_MODELS_TREE_REPEATS, default 1), machine load stated.
 * Goal (issue #19): train + score as processes, logistic under 5 s, trees under 30 s.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { Random } from '../src/models/random.ts';
import { trainClassifier } from '../src/models/classify/cv.ts';
import { applyDesign, categoricalColumn, eachDesignBlock, numericColumn } from '../src/models/classify/design.ts';
import { gbtClassifier } from '../src/models/classify/gbt.ts';
import { auc } from '../src/models/classify/metrics.ts';
import { logisticClassifier, logisticProbabilities } from '../src/models/classify/logistic.ts';
import { logisticThreads } from '../src/models/classify/logistic-pool.ts';
import type { FeatureColumn } from '../src/models/classify/types.ts';
import { importFile } from '../src/store/import/index.ts';
import { Workspace } from '../src/store/workspace.ts';
import { buildCli, machine, median, writeSection } from './benchmarks-md.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench/out/models');
const N = Number(process.env.BENCH_MODELS_CUSTOMERS ?? 1_000_000);
const NUMERIC = 16;
const LEVELS: Record<string, string[]> = {
  plan: ['basic', 'plus', 'pro', 'team', 'enterprise'],
  region: ['north', 'south', 'east', 'west', 'central', 'islands', 'abroad', 'unknown'],
  channel: ['web', 'store', 'phone'],
  paperless: ['true', 'false'],
};

/** The generated file: customer_id, x1 … x16 (x16 empty on 1 %), plan, region, channel, paperless, converted. */
async function writeCsv(file: string): Promise<void> {
  const r = new Random(19);
  const out = createWriteStream(file);
  const cats = Object.keys(LEVELS);
  out.write(`customer_id,${Array.from({ length: NUMERIC }, (_, j) => `x${j + 1}`).join(',')},${cats.join(',')},converted\n`);
  const effect = Array.from({ length: NUMERIC }, (_, j) => (j % 4 === 0 ? 0 : (j % 3) - 1) * 0.4);
  let buf = '';
  for (let i = 0; i < N; i++) {
    let eta = -1.2;
    const xs: string[] = [];
    for (let j = 0; j < NUMERIC; j++) {
      const scale = 10 ** (j % 4);
      const z = r.normal();
      eta += effect[j]! * z;
      xs.push(j === NUMERIC - 1 && r.bernoulli(0.01) ? '' : (z * scale + scale).toFixed(3));
    }
    const cs = cats.map((c, k) => {
      const lv = LEVELS[c]!;
      const idx = Math.floor(r.next() * lv.length);
      eta += (idx - lv.length / 2) * 0.15 * (k + 1) / lv.length;
      return lv[idx]!;
    });
    buf += `c${i},${xs.join(',')},${cs.join(',')},${r.next() < 1 / (1 + Math.exp(-eta)) ? 'yes' : 'no'}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

export async function workspace(): Promise<{ wsDir: string; csv: string }> {
  mkdirSync(OUT, { recursive: true });
  const csv = join(OUT, `customers-${N}.csv`);
  if (!existsSync(csv)) {
    console.log(`bench/models: writing ${N} customers …`);
    await writeCsv(csv);
  }
  const wsDir = join(OUT, `ws-${N}`);
  if (!existsSync(join(wsDir, 'segmint.duckdb'))) {
    const ws = await Workspace.open(wsDir, { create: true });
    await importFile(ws, csv, { kind: 'customers', remember: false });
    ws.close();
  }
  // opened once read-write: a workspace made by an older Segmint is migrated before the read-only opens below
  (await Workspace.open(wsDir)).close();
  return { wsDir, csv };
}

/** The feature columns read back from the workspace (what the command reads), for the in-process kernel. */
async function columns(wsDir: string): Promise<{ cols: FeatureColumn[]; y: Float64Array }> {
  const ws = await Workspace.open(wsDir, { readOnly: true });
  const names = Array.from({ length: NUMERIC }, (_, j) => `x${j + 1}`);
  const raw = await ws.db.columns(`SELECT ${[...names, ...Object.keys(LEVELS), 'converted'].map((c) => `"${c}"`).join(', ')} FROM customers ORDER BY customer_id`);
  ws.close();
  const cols: FeatureColumn[] = [
    ...names.map((n) => numericColumn(n, raw[n]!.map((v) => (v === null ? null : Number(v))))),
    ...Object.keys(LEVELS).map((c) => categoricalColumn(c, raw[c]!.map((v) => (v === null ? null : String(v))))),
  ];
  return { cols, y: Float64Array.from(raw.converted!, (v) => (v === true || v === 'yes' ? 1 : 0)) };
}

const seconds = (t: number) => (performance.now() - t) / 1000;
const cpuNow = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const REPEATS = Number(process.env.BENCH_MODELS_REPEATS ?? 3);
const TREE_REPEATS = Number(process.env.BENCH_MODELS_TREE_REPEATS ?? 1);

interface Timed { wall: number; cpu: number }
/** Run `fn` `k` times: the wall and CPU seconds of each, and its last result. */
function repeat<T>(k: number, fn: () => T): { runs: Timed[]; out: T } {
  const runs: Timed[] = [];
  let out!: T;
  for (let r = 0; r < k; r++) {
    const t = performance.now(), c = cpuNow();
    out = fn();
    runs.push({ wall: seconds(t), cpu: cpuNow() - c });
  }
  return { runs, out };
}
const med = (runs: readonly Timed[], k: keyof Timed): number => median(runs.map((r) => r[k]));

/** A command as a new process: wall seconds, CPU seconds (user + system, every thread) and peak RSS. */
function cli(args: string[], wsDir: string): Timed & { rssMb: number; out: Record<string, unknown> } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, join(ROOT, 'bench/dist-cli.mjs'), ...args, '--json', '-w', wsDir], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = seconds(t);
  if (r.status !== 0) throw new Error(`segmint ${args.join(' ')} failed: ${r.stderr}`);
  const [user, sys, rss] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, cpu: user! + sys!, rssMb: rss! / 1024, out: JSON.parse(r.stdout) as Record<string, unknown> };
}

interface SkLogistic { version: string; readSeconds: number; readCpu: number; designSeconds: number; designCpu: number; lbfgsSeconds: number; lbfgsCpu: number; newtonSeconds: number; newtonCpu: number; predictSeconds: number; predictCpu: number; maxCoefDiffLbfgsNewton: number; auc: number }
interface SkGbt { version: string; threads: string; readSeconds: number; readCpu: number; designSeconds: number; designCpu: number; fitSeconds: number; fitCpu: number; predictSeconds: number; predictCpu: number; trees: number; auc: number }

function sklearn<T>(csv: string, mode: 'logistic' | 'gbt'): T | null {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(mode === 'gbt' ? { OMP_NUM_THREADS: '1' } : {}) };
  const py = spawnSync('/usr/bin/python3', [join(ROOT, 'bench/models_sklearn.py'), csv, mode], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (py.status !== 0) {
    console.log(`bench/models: scikit-learn ${mode} baseline failed: ${py.stderr}`);
    return null;
  }
  return JSON.parse(py.stdout.trim().split('\n').pop()!) as T;
}

const uptime = (): string => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim().replace(/^.*load average:/, 'load average').trim();

export async function run(): Promise<void> {
  const { wsDir, csv } = await workspace();
  const loadStart = uptime();
  const { cols, y } = await columns(wsDir);
  // kernels in process: logistic design + fit (standard errors included), encode + predict every row
  const lFit = repeat(REPEATS, () => trainClassifier(logisticClassifier, cols, y, { C: 1 }, { folds: 0 }));
  const trained = lFit.out;
  // as `segmint model score` does it: read column by column (logistic-predict.ts; else a block of rows at a time)
  const lPredict = repeat(REPEATS, () => {
    const out = new Float64Array(N);
    if (!logisticProbabilities(trained.model, trained.encoding, cols, out))
      eachDesignBlock(trained.encoding, cols, (x, from, to) => trained.model.predictProba(x, to - from, out.subarray(from, to)));
    return out;
  });
  // trees: the same columns (numbers as they are, text as level codes), scikit-learn's defaults
  const gFit = repeat(TREE_REPEATS, () => trainClassifier(gbtClassifier, cols, y, {}, { folds: 0 }));
  const gPredict = repeat(TREE_REPEATS, () => {
    const d = applyDesign(gFit.out.encoding, cols);
    return gFit.out.model.predictProba(d.x, d.n);
  });
  const gAuc = auc(y, gPredict.out);
  // scikit-learn on the same file, same machine, same run (trees on one thread, as ours)
  const sk = sklearn<SkLogistic>(csv, 'logistic');
  const skg = sklearn<SkGbt>(csv, 'gbt');

  // the commands as new processes, alternating
  buildCli();
  const train: ReturnType<typeof cli>[] = [], score: ReturnType<typeof cli>[] = [];
  for (let r = 0; r < REPEATS; r++) {
    train.push(cli(['model', 'train', 'conv', '--target', 'converted', '--folds', '0'], wsDir));
    score.push(cli(['model', 'score', 'conv'], wsDir));
  }
  const gTrain: ReturnType<typeof cli>[] = [], gScore: ReturnType<typeof cli>[] = [];
  for (let r = 0; r < TREE_REPEATS; r++) {
    gTrain.push(cli(['model', 'train', 'convt', '--target', 'converted', '--algorithm', 'gbt', '--folds', '0'], wsDir));
    gScore.push(cli(['model', 'score', 'convt'], wsDir));
  }
  const loadEnd = uptime();
  const f = (x: number) => x.toFixed(1);
  const f2 = (x: number) => x.toFixed(2);
  const ratio = (a: number, b: number | undefined) => (b ? `${f2(a / b)}×` : '–');
  const both = (a: readonly Timed[]) => `${f2(med(a, 'wall'))} | ${f2(med(a, 'cpu'))}`;
  const sum = (a: readonly Timed[], b: readonly Timed[]) => a.map((x, i) => ({ wall: x.wall + b[i]!.wall, cpu: x.cpu + b[i]!.cpu }));
  const lProc = sum(train, score), gProc = sum(gTrain, gScore);
  const skL = sk ? { wall: sk.readSeconds + sk.designSeconds + sk.newtonSeconds + sk.predictSeconds, cpu: sk.readCpu + sk.designCpu + sk.newtonCpu + sk.predictCpu } : null;
  const skG = skg ? { wall: skg.readSeconds + skg.designSeconds + skg.fitSeconds + skg.predictSeconds, cpu: skg.readCpu + skg.designCpu + skg.fitCpu + skg.predictCpu } : null;
  const body = `A generated table of ${N.toLocaleString('en-US')} customers × 20 features (16 numeric on scales 1 to 1,000, one 1 % missing; 4
categorical with 2 to 8 levels), outcome \`converted\` from a known logistic model (${y.reduce((a, b) => a + b, 0).toLocaleString('en-US')} positive),
imported as customers. Logistic regression C = 1 (${trained.encoding.columns.length} design columns: standardised, one-hot, a missing indicator);
gradient-boosted trees with scikit-learn's defaults (100 trees, 31 leaves, 255 bins, early stopping off; text as native categories).
${machine()}. The machine is shared with other agents: ${loadStart} at the start, ${loadEnd} at the end, so
wall times include waiting for a core; CPU times (user + system, every thread) are the steadier figure. Medians of ${REPEATS}
runs (trees: ${TREE_REPEATS}); scikit-learn ${sk?.version ?? skg?.version ?? '?'} on the same CSV in the same run.

| what | wall s | CPU s | CPU ÷ scikit-learn's |
| --- | --- | --- | --- |
| logistic kernel: Newton fit (${trained.model.toJSON().iterations} iterations; the design read from the feature columns a block at a time, one-hot zeros skipped; passes on ${logisticThreads(N)} thread${logisticThreads(N) > 1 ? 's' : ''}) + standard errors + training AUC | ${both(lFit.runs)} | ${ratio(med(lFit.runs, 'cpu'), sk ? sk.designCpu + sk.newtonCpu : undefined)} of design + newton-cholesky fit |
| logistic kernel: predict every customer (from the feature columns, column by column) | ${both(lPredict.runs)} | ${ratio(med(lPredict.runs, 'cpu'), sk?.predictCpu)} of predict_proba |
| \`segmint model train conv --target converted --folds 0\` (process: read the features from DuckDB, fit, store) | ${both(train)} | |
| \`segmint model score conv\` (process: read the features, predict, store ${N.toLocaleString('en-US')} scores joined to the ids in DuckDB) | ${both(score)} | |
| **logistic train + score as processes (goal: under 5 s)** | **${f2(med(lProc, 'wall'))}** | **${f2(med(lProc, 'cpu'))}** | ${ratio(med(lProc, 'cpu'), skL?.cpu)} of scikit-learn's read CSV + design + fit + predict (${skL ? `${f2(skL.wall)} s wall, ${f2(skL.cpu)} s CPU` : '–'}) |
| trees kernel: fit (binning included), training AUC ${gAuc.toFixed(4)} | ${both(gFit.runs)} | ${ratio(med(gFit.runs, 'cpu'), skg?.fitCpu)} of HistGradientBoostingClassifier.fit, one thread |
| trees kernel: encode + predict every customer | ${both(gPredict.runs)} | ${ratio(med(gPredict.runs, 'cpu'), skg?.predictCpu)} of predict_proba |
| \`segmint model train convt --target converted --algorithm gbt --folds 0\` (process) | ${both(gTrain)} | |
| \`segmint model score convt\` (process) | ${both(gScore)} | |
| **trees train + score as processes (goal: under 30 s)** | **${f2(med(gProc, 'wall'))}** | **${f2(med(gProc, 'cpu'))}** | ${ratio(med(gProc, 'cpu'), skG?.cpu)} of scikit-learn's read CSV + codes + fit + predict (${skG ? `${f2(skG.wall)} s wall, ${f2(skG.cpu)} s CPU` : '–'}) |
${sk ? `| scikit-learn: read the CSV with pandas / the logistic design with pandas and numpy | ${f2(sk.readSeconds)} / ${f2(sk.designSeconds)} | ${f2(sk.readCpu)} / ${f2(sk.designCpu)} | |
| scikit-learn LogisticRegression: lbfgs / newton-cholesky fit (largest coefficient difference ${sk.maxCoefDiffLbfgsNewton.toExponential(1)}) | ${f2(sk.lbfgsSeconds)} / ${f2(sk.newtonSeconds)} | ${f2(sk.lbfgsCpu)} / ${f2(sk.newtonCpu)} | |` : '| scikit-learn logistic baseline: failed | | | |'}
${skg ? `| scikit-learn HistGradientBoostingClassifier (OMP_NUM_THREADS=1): fit ${skg.trees} trees / predict_proba, training AUC ${skg.auc.toFixed(4)} | ${f2(skg.fitSeconds)} / ${f2(skg.predictSeconds)} | ${f2(skg.fitCpu)} / ${f2(skg.predictCpu)} | |` : '| scikit-learn trees baseline: failed | | | |'}

Peak RSS of the processes: logistic train ${f(median(train.map((t) => t.rssMb)))} MB, score ${f(median(score.map((t) => t.rssMb)))} MB; trees train ${f(median(gTrain.map((t) => t.rssMb)))} MB, score ${f(median(gScore.map((t) => t.rssMb)))} MB.
`;
  console.log(body);
  // BENCH_DRY=1: print only (a trial at a smaller size)
  if (!process.env.BENCH_DRY) writeSection('models', body);
}
