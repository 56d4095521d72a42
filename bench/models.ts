/**
 * bench/models: logistic regression on 1,000,000 customers × 20 features (16 numeric, one with 1 % missing,
 * and 4 categorical), a generated CSV with a known logistic outcome `converted` imported as customers.
 * Measures the kernel in process (design, fit, predict; and 5-fold CV), the commands as new processes
 * (`segmint model train --folds 0`, `segmint model score`, `segmint model train` with 5 folds), and
 * scikit-learn's LogisticRegression on the same design in the same run as the baseline (bench/models_sklearn.py).
 * Goal (issue #19): logistic train + score under 5 s.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { Random } from '../src/models/random.ts';
import { trainClassifier } from '../src/models/classify/cv.ts';
import { applyDesign, categoricalColumn, numericColumn } from '../src/models/classify/design.ts';
import { logisticClassifier } from '../src/models/classify/logistic.ts';
import type { FeatureColumn } from '../src/models/classify/types.ts';
import { importFile } from '../src/store/import/index.ts';
import { Workspace } from '../src/store/workspace.ts';
import { buildCli, machine, writeSection } from './benchmarks-md.ts';

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

async function workspace(): Promise<{ wsDir: string; csv: string }> {
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

function cli(args: string[], wsDir: string): { seconds: number; rssMb: number; out: Record<string, unknown> } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(ROOT, 'bench/dist-cli.mjs'), ...args, '--json', '-w', wsDir], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const s = seconds(t);
  if (r.status !== 0) throw new Error(`segmint ${args.join(' ')} failed: ${r.stderr}`);
  return { seconds: s, rssMb: Number(r.stderr.trim().split('\n').pop()) / 1024, out: JSON.parse(r.stdout) as Record<string, unknown> };
}

export async function run(): Promise<void> {
  const { wsDir, csv } = await workspace();
  const { cols, y } = await columns(wsDir);
  // kernel in process: design + fit, then predict every row
  let t = performance.now();
  const trained = trainClassifier(logisticClassifier, cols, y, { C: 1 }, { folds: 0 });
  const fitS = seconds(t);
  t = performance.now();
  const d = applyDesign(trained.encoding, cols);
  trained.model.predictProba(d.x, d.n);
  const predictS = seconds(t);
  t = performance.now();
  const cv = trainClassifier(logisticClassifier, cols, y, { C: 1 }, {
    folds: 5, foldParams: (full) => { const s = full.toJSON().state as { intercept: number; coefficients: number[] }; return { C: 1, start: [s.intercept, ...s.coefficients] }; },
  });
  const cvS = seconds(t);
  // scikit-learn on the same file and design, same machine, same run
  const py = spawnSync('/usr/bin/python3', [join(ROOT, 'bench/models_sklearn.py'), csv], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const sk = py.status === 0 ? (JSON.parse(py.stdout.trim().split('\n').pop()!) as { version: string; readSeconds: number; designSeconds: number; lbfgsSeconds: number; newtonSeconds: number; predictSeconds: number; maxCoefDiffLbfgsNewton: number; auc: number }) : null;
  if (!sk) console.log(`bench/models: scikit-learn baseline failed: ${py.stderr}`);

  buildCli();
  const train = cli(['model', 'train', 'conv', '--target', 'converted', '--folds', '0'], wsDir);
  const score = cli(['model', 'score', 'conv'], wsDir);
  const trainCv = cli(['model', 'train', 'conv', '--target', 'converted'], wsDir);
  const f = (x: number) => x.toFixed(1);
  const f2 = (x: number) => x.toFixed(2);
  const cvOut = trainCv.out.cv as { auc: number };
  const body = `Logistic regression (C = 1) on a generated table of ${N.toLocaleString('en-US')} customers × 20 features (16 numeric on scales 1 to 1,000, one
1 % missing; 4 categorical with 2 to 8 levels) → ${trained.encoding.columns.length} design columns, outcome from a known logistic model
(${y.reduce((a, b) => a + b, 0).toLocaleString('en-US')} positive), imported as customers. ${machine()}, load average ${loadavg()[0]!.toFixed(1)}.

| what | seconds | peak RSS |
| --- | --- | --- |
| kernel: design (impute, standardise, one-hot) + Newton fit (${trained.model.toJSON().iterations} iterations) + standard errors | ${f2(fitS)} | |
| kernel: encode and predict every customer | ${f2(predictS)} | |
| kernel: fit + 5-fold CV (folds warm-started from the full fit), AUC ${cv.cv!.auc.toFixed(4)} | ${f2(cvS)} | |
| \`segmint model train conv --target converted --folds 0\` (process: read features from DuckDB, fit, store) | ${f(train.seconds)} | ${f(train.rssMb)} MB |
| \`segmint model score conv\` (process: read, predict, store ${N.toLocaleString('en-US')} rows in run_model_scores) | ${f(score.seconds)} | ${f(score.rssMb)} MB |
| **train + score as processes (goal: under 5 s)** | **${f(train.seconds + score.seconds)}** | |
| \`segmint model train conv --target converted\` (default 5-fold CV), AUC ${cvOut.auc.toFixed(4)} | ${f(trainCv.seconds)} | ${f(trainCv.rssMb)} MB |
${sk ? `| scikit-learn ${sk.version}: read the CSV with pandas | ${f2(sk.readSeconds)} | |
| scikit-learn: the same design with pandas/numpy | ${f2(sk.designSeconds)} | |
| scikit-learn LogisticRegression(lbfgs, default tol) fit | ${f2(sk.lbfgsSeconds)} | |
| scikit-learn LogisticRegression(newton-cholesky) fit (largest coefficient difference from lbfgs ${sk.maxCoefDiffLbfgsNewton.toExponential(1)}) | ${f2(sk.newtonSeconds)} | |
| scikit-learn predict_proba | ${f2(sk.predictSeconds)} | |

Kernel fit against scikit-learn's fits on the same design: ${f2(fitS / sk.lbfgsSeconds)}× lbfgs's time, ${f2(fitS / sk.newtonSeconds)}× newton-cholesky's (our figure includes building the design; theirs does not).` : ''}
`;
  console.log(body);
  writeSection('models', body);
}

