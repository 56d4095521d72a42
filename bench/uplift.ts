/**
 * bench/uplift: uplift on hillstrom.csv (../shared/data, SEGMINT_SHARED_DATA): the men's e-mail against control,
 * outcome visit, features recency, history, mens, womens, zip_code, newbie, channel; 42,613 customers. Measured:
 * - `segmint campaign uplift hillstrom … --json` end to end as a new process from compiled JavaScript, for both
 *   methods (load the campaign's rows, split, fit, score every customer, Qini/AUUC/uplift@30% with 100 random
 *   rankings), beside
 * - the fit in process: fitUplift on the 21,306 training rows + predictUplift for all 42,613, per method, and
 * - baselines: `segmint --version` as a new process (start-up), and scikit-learn 1.2.1 LogisticRegression with
 *   its defaults (lbfgs, tol 1e-4; C = 1) fitting the same models on the same rows (/usr/bin/python3, timed inside
 *   Python). The tests' tol 1e-12 is no speed baseline: newton-cg then spends a minute on the weighted
 *   class-transformation fit, repeating failed line searches at the optimum.
 * Target (issue #17): the uplift fit on hillstrom in under 1 s.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { buildDesign, inferEncoding, type FeatureValue } from '../src/models/campaign/design.ts';
import { fitUplift, predictUplift, splitRows } from '../src/models/campaign/uplift.ts';
import { importCampaign } from '../src/pipeline/campaign.ts';
import { Workspace } from '../src/store/workspace.ts';
import { readCsv } from '../test/helpers/csv.ts';
import { machine, median, writeSection } from './benchmarks-md.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench/out/uplift');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FEATURES = ['recency', 'history', 'mens', 'womens', 'zip_code', 'newbie', 'channel'];
const METHODS = ['two-model', 'class-transformation'] as const;

const time = (f: () => void) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};

/** scikit-learn fitting the same models (the two arms' models, then the class-transformation model), ms per method inside Python. */
function sklearnMs(file: string): Record<string, number[]> | null {
  const script = `
import sys, time, json
sys.path.insert(0, ${JSON.stringify(join(ROOT, 'test/fixtures/campaign'))})
import numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from segmint_split import split_rows
df = pd.read_csv(${JSON.stringify(file)})
df = df[df["segment"].isin(["Mens E-Mail", "No E-Mail"])].reset_index(drop=True)
X = np.column_stack([df["recency"], df["history"], df["mens"], df["womens"], df["zip_code"] == "Surburban", df["zip_code"] == "Urban", df["newbie"], df["channel"] == "Phone", df["channel"] == "Web"]).astype(float)
y = df["visit"].to_numpy().astype(float); t = (df["segment"] == "Mens E-Mail").to_numpy().astype(float)
train = np.array(split_rows(len(df), 0.5, 7)[0])
def fit(rows, target, w=None):
    s = StandardScaler().fit(X[rows]); m = LogisticRegression(C=1.0).fit(s.transform(X[rows]), target, sample_weight=w)
    return s, m
out = {"two-model": [], "class-transformation": []}
for _ in range(${RUNS}):
    t0 = time.perf_counter()
    a = train[t[train] == 1]; b = train[t[train] == 0]
    sa, ma = fit(a, y[a]); sb, mb = fit(b, y[b])
    u = ma.predict_proba(sa.transform(X))[:, 1] - mb.predict_proba(sb.transform(X))[:, 1]
    out["two-model"].append(1000 * (time.perf_counter() - t0))
    t0 = time.perf_counter()
    nt = t[train].sum(); w = np.where(t[train] == 1, len(train) / (2 * nt), len(train) / (2 * (len(train) - nt)))
    s, m = fit(train, (y[train] == t[train]).astype(float), w)
    u = 2 * m.predict_proba(s.transform(X))[:, 1] - 1
    out["class-transformation"].append(1000 * (time.perf_counter() - t0))
print(json.dumps(out))
`;
  try {
    return JSON.parse(execFileSync('/usr/bin/python3', ['-W', 'ignore', '-c', script], { encoding: 'utf8' })) as Record<string, number[]>;
  } catch {
    return null;
  }
}

export async function run(): Promise<void> {
  const shared = process.env.SEGMINT_SHARED_DATA;
  const file = shared ? resolve(shared, 'hillstrom/hillstrom.csv') : '';
  if (!file || !existsSync(file)) {
    console.log(`bench/uplift skipped: ${shared ? `${file} is missing` : 'SEGMINT_SHARED_DATA is not set (../shared/data)'}`);
    return;
  }
  mkdirSync(OUT, { recursive: true });
  const wsDir = join(OUT, 'ws');
  rmSync(wsDir, { recursive: true, force: true });
  const ws = await Workspace.open(wsDir, { create: true });
  await importCampaign(ws, file, { name: 'hillstrom', armColumn: 'segment', control: 'No E-Mail' });
  ws.close();

  // the fit in process, on the rows as a plain CSV reader gives them
  const { header, rows } = readCsv(file);
  const col = (name: string) => header.indexOf(name);
  const two = rows.filter((r) => r[col('segment')] === 'Mens E-Mail' || r[col('segment')] === 'No E-Mail');
  const table: Record<string, FeatureValue[]> = {};
  for (const f of FEATURES) table[f] = two.map((r) => (f === 'zip_code' || f === 'channel' ? r[col(f)]! : Number(r[col(f)])));
  const y = Float64Array.from(two, (r) => Number(r[col('visit')]));
  const t = Float64Array.from(two, (r) => (r[col('segment')] === 'Mens E-Mail' ? 1 : 0));
  const kernelMs: Record<string, number[]> = { 'two-model': [], 'class-transformation': [] };
  for (let i = 0; i <= RUNS; i++) {
    for (const method of METHODS) {
      const ms = time(() => {
        const d = buildDesign(table, inferEncoding(table, FEATURES));
        const { train } = splitRows(d.n, 0.5, 7);
        const x = new Float64Array(train.length * d.p);
        train.forEach((r, k) => x.set(d.x.subarray(r * d.p, (r + 1) * d.p), k * d.p));
        const m = fitUplift(x, train.length, d.p, Float64Array.from(train, (r) => y[r]!), Float64Array.from(train, (r) => t[r]!), { method });
        predictUplift(m, d.x, d.n);
      });
      if (i > 0) kernelMs[method]!.push(ms); // the first round warms the JIT
    }
  }

  // the command as installed: the compiled JavaScript (built into bench/out, the shared dist/ left alone), as
  // bench/campaigns runs it
  const dist = join(OUT, 'dist');
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', dist], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // type errors elsewhere in the tree still emit JavaScript; a file that does not run fails below
  }
  const runner = `const { main } = await import(${JSON.stringify(join(dist, 'cli/main.js'))}); process.exitCode = await main(process.argv.slice(1));`;
  const cli = (args: string[]) => execFileSync(process.execPath, ['--input-type=module', '-e', runner, '--', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  const args = (method: string) => ['campaign', 'uplift', 'hillstrom', '--treatment', 'Mens E-Mail', '--outcome', 'visit', '--method', method, '--features', FEATURES.join(','), '--seed', '7', '--json', '-w', wsDir];
  cli(args('two-model')); // warm the file and compile caches
  const commandMs: Record<string, number[]> = { 'two-model': [], 'class-transformation': [] };
  const startupMs: number[] = [];
  const figures: Record<string, { qiniCoefficient: number; upliftAtK: number; random: { upliftAtK: number } }> = {};
  for (let i = 0; i < RUNS; i++) {
    startupMs.push(time(() => cli(['--version'])));
    for (const method of METHODS) commandMs[method]!.push(time(() => (figures[method] = JSON.parse(cli(args(method))))));
  }
  const sk = sklearnMs(file);
  const st = median(startupMs);
  const ms = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  const lines: string[] = [
    `| baseline: \`segmint --version\` as a new process | ${st.toFixed(0)} | ${ms(startupMs)} | |`,
  ];
  for (const method of METHODS) {
    const c = median(commandMs[method]!);
    const k = median(kernelMs[method]!);
    lines.push(`| **\`segmint campaign uplift --method ${method}\`, end to end as a new process** | **${c.toFixed(0)}** | ${ms(commandMs[method]!)} | ${(c / st).toFixed(2)}× start-up |`);
    const skm = sk ? median(sk[method]!) : null;
    lines.push(`| kernel: ${method} fit on 21,306 rows + scores for 42,613 (in process) | ${k.toFixed(1)} | ${ms(kernelMs[method]!)} | ${skm ? `${(k / skm).toPrecision(2)}× scikit-learn` : ''} |`);
    if (sk && skm) lines.push(`| baseline: scikit-learn 1.2.1 with its defaults (lbfgs, tol 1e-4), the same ${method} fit and scores (in Python) | ${skm.toFixed(1)} | ${ms(sk[method]!)} | 1.00× |`);
  }
  const f = (m: string) => figures[m]!;
  const body = `hillstrom.csv: the men's e-mail against no e-mail (42,613 customers), outcome visit, features ${FEATURES.join(', ')}
(9 columns after one-hot), the seed-7 50/50 split. The command imports nothing (the campaign was imported once before): it
loads the campaign's rows, splits, fits, scores every customer and evaluates on the held-out half with 100 random rankings.
Median of ${RUNS} runs. Machine: ${machine()}, load average ${loadavg()[0]!.toFixed(1)} when it started (a shared machine).
Run: ${new Date().toISOString().slice(0, 10)}.

| | median ms | runs (ms) | ratio |
| --- | ---: | --- | ---: |
${lines.join('\n')}

Target: the uplift fit on hillstrom under 1 s — the fit takes ${METHODS.map((m) => `${median(kernelMs[m]!).toFixed(0)} ms (${m})`).join(' and ')} in process,
the whole command ${METHODS.map((m) => `${(median(commandMs[m]!) / 1000).toFixed(2)} s`).join(' and ')} end to end. Figures of the runs: Qini coefficient
${METHODS.map((m) => `${f(m).qiniCoefficient.toFixed(4)} (${m})`).join(', ')}; uplift@30% ${METHODS.map((m) => `${(100 * f(m).upliftAtK).toFixed(2)} points`).join(' and ')} against
${(100 * f('two-model').random.upliftAtK).toFixed(2)} for random targeting.`;
  writeSection('uplift', body);
  console.log(body);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
