/**
 * bench/trees: gradient-boosted trees and the isolation forest (issue #19).
 *
 * 1. bank-full (45,211 rows, 16 features, 9 categorical): `fitGbt` with scikit-learn's defaults and early
 *    stopping off, against scikit-learn's HistGradientBoostingClassifier on the same encoding in the same run
 *    (bench/trees_sklearn.py, with its default threads and with one thread). Needs SEGMINT_SHARED_DATA.
 * 2. 1,000,000 generated customers × 20 features (16 numeric, one 1 % missing; 4 categorical): train
 *    (100 trees, 31 leaves) and score every customer in process. Goal: train + score under 30 s.
 * 3. The isolation forest on the same 1,000,000 × 20 (categoricals as codes): fit + score.
 * `npm run bench -- trees`; BENCH_TREES_CUSTOMERS changes the size of 2 and 3.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Random } from '../src/models/random.ts';
import { applyDesign, learnDesign } from '../src/models/classify/design.ts';
import { fitGbt, GBT_DESIGN } from '../src/models/classify/gbt.ts';
import { auc } from '../src/models/classify/metrics.ts';
import type { DesignMatrix } from '../src/models/classify/types.ts';
import { fitIsolationForest } from '../src/models/outlier/isolation-forest.ts';
import { bankFull } from '../test/helpers/tree-data.ts';
import { machine, median, writeSection } from './benchmarks-md.ts';

const ROOT = resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_TREES_CUSTOMERS ?? 1_000_000);
const cpu = (): number => process.cpuUsage().user / 1e6;
const f2 = (x: number): string => x.toFixed(2);

export function generated(n: number): { design: DesignMatrix; y: Float64Array } {
  const r = new Random(19);
  const p = 20;
  const x = new Float64Array(n * p);
  const y = new Float64Array(n);
  const levels = [5, 8, 3, 2];
  for (let i = 0; i < n; i++) {
    let eta = -1.2;
    for (let j = 0; j < 16; j++) {
      const z = r.normal();
      eta += (j % 4 === 0 ? 0 : (j % 3) - 1) * 0.4 * z + (j === 1 ? 0.3 * z * z : 0);
      x[i * p + j] = j === 15 && r.bernoulli(0.01) ? NaN : z * 10 ** (j % 4) + 10 ** (j % 4);
    }
    for (let k = 0; k < 4; k++) {
      const code = Math.floor(r.next() * levels[k]!);
      x[i * p + 16 + k] = code;
      eta += (code - levels[k]! / 2) * 0.15 * (k + 1) / levels[k]!;
    }
    y[i] = r.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  const columns = Array.from({ length: p }, (_, j) => (j < 16
    ? { name: `x${j + 1}`, feature: `x${j + 1}`, kind: 'numeric' as const }
    : { name: `c${j - 15}`, feature: `c${j - 15}`, kind: 'codes' as const, categorical: true, levels: Array.from({ length: levels[j - 16]! }, (_, k) => String(k)) }));
  return { design: { x, n, p, encoding: { options: GBT_DESIGN, features: columns.map((c) => ({ name: c.name, kind: c.kind === 'codes' ? 'categorical' as const : 'numeric' as const })), columns } }, y };
}

interface Sk { version: string; threads: string; fitSeconds: number[]; cpuSeconds: number[]; trees: number }

function sklearn(threads: string | null): Sk | null {
  const env: NodeJS.ProcessEnv = { ...process.env, SEGMINT_SHARED_DATA: process.env.SEGMINT_SHARED_DATA ?? '' };
  if (threads) env.OMP_NUM_THREADS = threads;
  else delete env.OMP_NUM_THREADS;
  const py = spawnSync('/usr/bin/python3', [join(ROOT, 'bench/trees_sklearn.py'), 'bank', '3'], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (py.status !== 0) {
    console.log(`bench/trees: scikit-learn baseline failed: ${py.stderr}`);
    return null;
  }
  return JSON.parse(py.stdout.trim().split('\n').pop()!) as Sk;
}

export async function run(): Promise<void> {
  const rows: string[] = [];
  const dataDir = process.env.SEGMINT_SHARED_DATA;
  let bankText = 'bank-full: skipped (SEGMINT_SHARED_DATA is not set).';
  if (dataDir) {
    const data = bankFull(dataDir);
    const enc = learnDesign(data.columns, GBT_DESIGN);
    const d = applyDesign(enc, data.columns);
    const wall: number[] = [], cpus: number[] = [];
    let trainAuc = 0;
    for (let k = 0; k < 3; k++) {
      const t = performance.now(), c = cpu();
      const m = fitGbt({ design: d, y: data.y }, {});
      wall.push((performance.now() - t) / 1000);
      cpus.push(cpu() - c);
      trainAuc = auc(data.y, m.predictProba(d.x, d.n));
    }
    const skDefault = sklearn(null);
    const skOne = sklearn('1');
    const ours = median(wall), oursCpu = median(cpus);
    const line = (name: string, sk: Sk | null): string => (sk
      ? `| scikit-learn ${sk.version} HistGradientBoostingClassifier, ${sk.threads === 'default' ? 'default threads (OpenMP)' : `OMP_NUM_THREADS=${sk.threads}`} | ${f2(median(sk.fitSeconds))} | ${f2(median(sk.cpuSeconds))} | ${f2(ours / median(sk.fitSeconds))} | ${f2(oursCpu / median(sk.cpuSeconds))} |`
      : `| scikit-learn (${name}): failed | | | | |`);
    bankText = `bank-full, 45,211 rows × 16 features (9 categorical as native level codes), scikit-learn's defaults (100 trees, 31 leaves,
learning rate 0.1, 20 rows per leaf, 255 bins), early stopping off; median of 3 fits each, same run. Training AUC ${trainAuc.toFixed(4)}.

| fit | wall s | CPU s | ours ÷ theirs (wall) | ours ÷ theirs (CPU) |
| --- | --- | --- | --- | --- |
| Segmint \`fitGbt\` (one thread) | ${f2(ours)} | ${f2(oursCpu)} | 1 | 1 |
${line('default threads', skDefault)}
${line('one thread', skOne)}`;
  }

  const { design, y } = generated(N);
  let t = performance.now(), c = cpu();
  const model = fitGbt({ design, y }, {});
  const fitS = (performance.now() - t) / 1000, fitCpu = cpu() - c;
  t = performance.now(); c = cpu();
  const p = model.predictProba(design.x, design.n);
  const scoreS = (performance.now() - t) / 1000, scoreCpu = cpu() - c;
  const a = auc(y, p);
  rows.push(`| gradient-boosted trees: fit (100 trees, 31 leaves; binning included), training AUC ${a.toFixed(4)} | ${f2(fitS)} | ${f2(fitCpu)} |`);
  rows.push(`| gradient-boosted trees: score every customer | ${f2(scoreS)} | ${f2(scoreCpu)} |`);
  rows.push(`| **trees: train + score (goal: under 30 s)** | **${f2(fitS + scoreS)}** | ${f2(fitCpu + scoreCpu)} |`);
  // the isolation forest on complete rows (the one missing column filled with 0)
  const xf = Float64Array.from(design.x, (v) => (Number.isNaN(v) ? 0 : v));
  t = performance.now(); c = cpu();
  const forest = fitIsolationForest(xf, N, design.p, { seed: 0, contamination: 0.01 });
  const isoFit = (performance.now() - t) / 1000, isoFitCpu = cpu() - c;
  rows.push(`| isolation forest: fit (100 trees × 256 rows) + threshold at contamination 0.01 (scores every row once) | ${f2(isoFit)} | ${f2(isoFitCpu)} |`);
  t = performance.now(); c = cpu();
  forest.score(xf, N);
  rows.push(`| isolation forest: score every customer | ${f2((performance.now() - t) / 1000)} | ${f2(cpu() - c)} |`);

  const body = `${machine()}, load average ${loadavg()[0]!.toFixed(1)} at the end (the machine is shared: wall times above CPU times mean waiting for a core).

${bankText}

${N.toLocaleString('en-US')} generated customers × 20 features (16 numeric on scales 1 to 1,000, one 1 % missing; 4 categorical with 2 to
8 levels, as level codes), outcome from a known model with one non-linear term (${y.reduce((s, v) => s + v, 0).toLocaleString('en-US')} positive); kernels in process.

| what | wall s | CPU s |
| --- | --- | --- |
${rows.join('\n')}
`;
  console.log(body);
  writeSection('trees', body);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
