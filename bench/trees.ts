/**
 * bench/trees: gradient-boosted trees and the isolation forest (issue #19).
 *
 * 1. bank-full (45,211 rows, 16 features, 9 categorical): `fitGbt` with scikit-learn's defaults and early
 *    stopping off, against scikit-learn's HistGradientBoostingClassifier on the same encoding in the same run
 *    (bench/trees_sklearn.py, with its default threads and with one thread). Needs SEGMINT_SHARED_DATA.
 * 2. 1,000,000 generated customers × 20 features (16 numeric, one 1 % missing; 4 categorical): train
 *    (100 trees, 31 leaves) and score every customer in process. Goal: train + score under 30 s.
 * 3. The isolation forest on the same 1,000,000 × 20 (categoricals as codes): fit + score.
 * 4. With BENCH_TREES_BASELINE=DIR (an older checkout's root, e.g. `git archive OLD src bench test | tar -x -C DIR`
 *    and node_modules linked): the fit of 2 as new processes, that checkout's against this one's on one thread
 *    (SEGMINT_THREADS=1) and on two, alternating, BENCH_TREES_REPEATS times (default 3); CPU is every thread's.
 * 5. With BENCH_TREES_PROCESSES=1: `segmint model train … --algorithm gbt --folds 0` and `segmint model score` as
 *    processes on bench/models.ts's workspace (1,000,000 customers × 20 features), BENCH_TREES_REPEATS times.
 * `npm run bench -- trees`; BENCH_TREES_CUSTOMERS changes the size of 2 – 4.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Random } from '../src/models/random.ts';
import { applyDesign, learnDesign } from '../src/models/classify/design.ts';
import { fitGbt, GBT_DESIGN } from '../src/models/classify/gbt.ts';
import { auc } from '../src/models/classify/metrics.ts';
import type { DesignMatrix } from '../src/models/classify/types.ts';
import { fitIsolationForest } from '../src/models/outlier/isolation-forest.ts';
import { bankFull } from '../test/helpers/tree-data.ts';
import { buildCli, machine, median, writeSection } from './benchmarks-md.ts';

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

/** Fits of bank-full, ours and scikit-learn's (each a fraction of a second: the median of several steadies it). */
const BANK_FITS = 5;

interface Sk { version: string; threads: string; fitSeconds: number[]; cpuSeconds: number[]; trees: number }

function sklearn(threads: string | null): Sk | null {
  const env: NodeJS.ProcessEnv = { ...process.env, SEGMINT_SHARED_DATA: process.env.SEGMINT_SHARED_DATA ?? '' };
  if (threads) env.OMP_NUM_THREADS = threads;
  else delete env.OMP_NUM_THREADS;
  const py = spawnSync('/usr/bin/python3', [join(ROOT, 'bench/trees_sklearn.py'), 'bank', String(BANK_FITS)], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (py.status !== 0) {
    console.log(`bench/trees: scikit-learn baseline failed: ${py.stderr}`);
    return null;
  }
  return JSON.parse(py.stdout.trim().split('\n').pop()!) as Sk;
}

interface ChildFit { wall: number; cpu: number; structure: string; leafSum: number }

/**
 * Child mode (`node --import tsx bench/trees.ts fit ROOT N`): fit ROOT's `fitGbt` on the generated data and
 * print the fit's wall and CPU seconds (user + system, every thread) and a digest of the trees' shapes.
 */
async function fitChild(root: string, n: number): Promise<void> {
  // this checkout: its own modules (importing this file again from itself would wait on itself)
  const here = resolve(root) === ROOT;
  const gen = here ? { generated } : (await import(join(root, 'bench/trees.ts'))) as { generated: typeof generated };
  const mod = here ? { fitGbt } : (await import(join(root, 'src/models/classify/gbt.ts'))) as { fitGbt: typeof fitGbt };
  const { design, y } = gen.generated(n);
  const t = performance.now(), c = process.cpuUsage();
  const m = mod.fitGbt({ design, y }, {});
  const u = process.cpuUsage(c);
  const wall = (performance.now() - t) / 1000;
  const hash = createHash('sha256');
  let leafSum = 0;
  for (const tree of m.trees) {
    hash.update(`${[...tree.feature]}|${[...tree.bin]}|${[...tree.left]}|${[...tree.right]}|${[...tree.missingLeft]}|${[...tree.leftBins]};`);
    for (const v of tree.value) leafSum += v;
  }
  const out: ChildFit = { wall, cpu: (u.user + u.system) / 1e6, structure: hash.digest('hex').slice(0, 16), leafSum };
  console.log(JSON.stringify(out));
}

function spawnFit(root: string, threads: string): ChildFit {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/trees.ts'), 'fit', root, String(N)], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, SEGMINT_THREADS: threads }, maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`bench/trees: the fit in ${root} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildFit;
}

/** 4: an older checkout's fit against this one's (one and two threads), alternating. */
function baselineTable(dir: string): string {
  const repeats = Number(process.env.BENCH_TREES_REPEATS ?? 3);
  const runs: Record<'before' | 'one' | 'two', ChildFit[]> = { before: [], one: [], two: [] };
  for (let r = 0; r < repeats; r++) {
    runs.before.push(spawnFit(resolve(dir), '1'));
    runs.one.push(spawnFit(ROOT, '1'));
    runs.two.push(spawnFit(ROOT, '2'));
  }
  const b = runs.before[0]!;
  const row = (name: string, rs: ChildFit[]): string => {
    const w = median(rs.map((x) => x.wall)), c = median(rs.map((x) => x.cpu));
    const same = rs.every((x) => x.structure === b.structure);
    return `| ${name} | ${f2(w)} | ${f2(c)} | ${f2(w / median(runs.before.map((x) => x.wall)))} | ${f2(c / median(runs.before.map((x) => x.cpu)))} | ${same ? 'same' : 'DIFFERENT'} (Σ leaf values ${Math.abs(rs[0]!.leafSum - b.leafSum).toExponential(1)} apart) |`;
  };
  return `The fit of ${N.toLocaleString('en-US')} × 20 (binning included; 100 trees, 31 leaves) as new processes, before and after, alternating,
median of ${repeats} each (CPU: user + system of every thread of the process).

| fit | wall s | CPU s | wall ÷ before | CPU ÷ before | trees (splits) vs before |
| --- | --- | --- | --- | --- | --- |
${row(`before (${dir}), one thread`, runs.before)}
${row('after, one thread (SEGMINT_THREADS=1)', runs.one)}
${row('after, two threads (a worker thread)', runs.two)}`;
}

/** 5: the commands as processes on bench/models.ts's workspace. */
async function processTable(): Promise<string> {
  const { workspace } = await import('./models.ts');
  const { wsDir } = await workspace();
  buildCli();
  const repeats = Number(process.env.BENCH_TREES_REPEATS ?? 3);
  const cli = (args: string[]): { wall: number; cpu: number; rss: number } => {
    const t = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, join(ROOT, 'bench/dist-cli.mjs'), ...args, '--json', '-w', wsDir], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    const wall = (performance.now() - t) / 1000;
    if (r.status !== 0) throw new Error(`segmint ${args.join(' ')} failed: ${r.stderr}`);
    const [user, sys, rss] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    return { wall, cpu: user! + sys!, rss: rss! / 1024 };
  };
  const train: ReturnType<typeof cli>[] = [], score: ReturnType<typeof cli>[] = [];
  for (let r = 0; r < repeats; r++) {
    train.push(cli(['model', 'train', 'convt', '--target', 'converted', '--algorithm', 'gbt', '--folds', '0']));
    score.push(cli(['model', 'score', 'convt']));
  }
  const m = (rs: ReturnType<typeof cli>[], k: 'wall' | 'cpu' | 'rss'): number => median(rs.map((x) => x[k]));
  const sum = train.map((t, i) => ({ wall: t.wall + score[i]!.wall, cpu: t.cpu + score[i]!.cpu }));
  return `The commands as new processes on bench/models.ts's workspace (1,000,000 customers × 20 features, read from DuckDB), median of ${repeats}:

| command | wall s | CPU s | peak RSS MB |
| --- | --- | --- | --- |
| \`segmint model train convt --target converted --algorithm gbt --folds 0\` | ${f2(m(train, 'wall'))} | ${f2(m(train, 'cpu'))} | ${m(train, 'rss').toFixed(0)} |
| \`segmint model score convt\` | ${f2(m(score, 'wall'))} | ${f2(m(score, 'cpu'))} | ${m(score, 'rss').toFixed(0)} |
| **train + score (goal: under 30 s)** | **${f2(median(sum.map((x) => x.wall)))}** | **${f2(median(sum.map((x) => x.cpu)))}** | |`;
}

export async function run(): Promise<void> {
  const loadStart = loadavg()[0]!.toFixed(1);
  const baselineDir = process.env.BENCH_TREES_BASELINE;
  const rows: string[] = [];
  const dataDir = process.env.SEGMINT_SHARED_DATA;
  let bankText = 'bank-full: skipped (SEGMINT_SHARED_DATA is not set).';
  if (dataDir) {
    const data = bankFull(dataDir);
    const enc = learnDesign(data.columns, GBT_DESIGN);
    const d = applyDesign(enc, data.columns);
    const wall: number[] = [], cpus: number[] = [];
    let trainAuc = 0;
    for (let k = 0; k < BANK_FITS; k++) {
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
learning rate 0.1, 20 rows per leaf, 255 bins), early stopping off; median of ${BANK_FITS} fits each, same run, before the 1,000,000-row runs below. Training AUC ${trainAuc.toFixed(4)}.

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
  // the processes last: the short in-process fits above are measured first
  const before = baselineDir ? baselineTable(baselineDir) : null;
  const processes = process.env.BENCH_TREES_PROCESSES ? await processTable() : null;

  const body = `${machine()}, load average ${loadStart} at the start, ${loadavg()[0]!.toFixed(1)} at the end (the machine is shared: wall times above CPU times mean waiting for a core).

${bankText}

${N.toLocaleString('en-US')} generated customers × 20 features (16 numeric on scales 1 to 1,000, one 1 % missing; 4 categorical with 2 to
8 levels, as level codes), outcome from a known model with one non-linear term (${y.reduce((s, v) => s + v, 0).toLocaleString('en-US')} positive); kernels in process.

| what | wall s | CPU s |
| --- | --- | --- |
${rows.join('\n')}
${before ? `\n${before}\n` : ''}${processes ? `\n${processes}\n` : ''}`;
  console.log(body);
  writeSection('trees', body);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === 'fit') await fitChild(process.argv[3]!, Number(process.argv[4]));
  else await run();
}
