/**
 * bench/cluster: k-means, the silhouette and the automatic choice of k on 1,000,000 × 8 generated rows
 * (k = 8; a well-separated and an overlapping Gaussian mixture), side by side with scikit-learn on the same
 * data in the same script (Debian's python3-sklearn, /usr/bin/python3, 2 threads).
 * Targets (issue #4): k-means fit ≤ 1.0× scikit-learn's KMeans(algorithm='lloyd') at an inertia no worse by
 * more than 0.1%; silhouette of a 20,000-row sample ≤ 0.5× its time, the same value to 1e-9; k = 2..10
 * chosen automatically on the 1M rows in under 60 s.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chooseK } from '../src/models/cluster/choose-k.ts';
import { fitKMeans } from '../src/models/cluster/kmeans.ts';
import { silhouetteScore } from '../src/models/cluster/metrics.ts';
import { Random } from '../src/models/random.ts';
import { machine, median, writeSection } from './benchmarks-md.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench/out/cluster');
const N = Number(process.env.BENCH_CLUSTER_ROWS ?? 1_000_000);
const D = 8, K = 8, SAMPLE = 20_000, N_INIT = 3;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PY = '/usr/bin/python3';

/** n rows around k centres drawn uniformly in [−spread, spread]^d, unit normal noise. */
function mixture(spread: number, seed: number): Float64Array {
  const rng = new Random(seed);
  const C = Array.from({ length: K }, () => Array.from({ length: D }, () => rng.uniform(-spread, spread)));
  const X = new Float64Array(N * D);
  for (let i = 0; i < N; i++) {
    const c = C[rng.int(0, K - 1)]!;
    for (let j = 0; j < D; j++) X[i * D + j] = c[j]! + rng.normal();
  }
  return X;
}

const PYTHON = `
import json, sys, time
import numpy as np, sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits
path, labels_path, n, d, k, sample, n_init, runs = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
X = np.fromfile(path, dtype=np.float64).reshape(n, d)
labels = np.fromfile(labels_path, dtype=np.int32)
out = {'version': sklearn.__version__, 'numpy': np.__version__, 'fit': [], 'silhouette': []}
with threadpool_limits(2):
    for r in range(runs):
        t = time.perf_counter()
        km = KMeans(n_clusters=k, algorithm='lloyd', n_init=n_init, random_state=r).fit(X)
        out['fit'].append({'ms': 1000 * (time.perf_counter() - t), 'inertia': float(km.inertia_), 'iterations': int(km.n_iter_)})
    for r in range(runs):
        t = time.perf_counter()
        s = silhouette_score(X[:sample], labels)
        out['silhouette'].append({'ms': 1000 * (time.perf_counter() - t), 'value': float(s)})
print(json.dumps(out))
`;

interface PyOut { version: string; numpy: string; fit: { ms: number; inertia: number; iterations: number }[]; silhouette: { ms: number; value: number }[] }

function sklearn(dataFile: string, labelsFile: string): PyOut | string {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '2' };
  // Debian's OpenBLAS misbehaves with these two set by the host image
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const p = spawnSync(PY, ['-c', PYTHON, dataFile, labelsFile, String(N), String(D), String(K), String(SAMPLE), String(N_INIT), String(RUNS)], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (p.status !== 0) return (p.stderr || p.error?.message || 'failed').trim().split('\n').pop()!;
  return JSON.parse(p.stdout) as PyOut;
}

const ms = (x: number) => x.toFixed(0);

export async function run(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const rows: string[] = [];
  const notes: string[] = [];
  let py: PyOut | string = 'not run';
  for (const [name, spread, seed] of [['well-separated', 10, 1], ['overlapping', 1.5, 2]] as const) {
    const X = mixture(spread, seed);
    const dataFile = join(OUT, `${name}.f64`);
    writeFileSync(dataFile, new Uint8Array(X.buffer));
    const fits = Array.from({ length: RUNS }, (_, r) => {
      const t0 = performance.now();
      const f = fitKMeans(X, D, { k: K, seed: r, nInit: N_INIT });
      return { ms: performance.now() - t0, fit: f };
    });
    const labels = fits[0]!.fit.labels.subarray(0, SAMPLE);
    const labelsFile = join(OUT, `${name}-labels.i32`);
    writeFileSync(labelsFile, new Uint8Array(Int32Array.from(labels).buffer));
    const Xs = X.subarray(0, SAMPLE * D);
    const sil = Array.from({ length: RUNS }, () => {
      const t0 = performance.now();
      const value = silhouetteScore(Xs, D, labels);
      return { ms: performance.now() - t0, value };
    });
    py = sklearn(dataFile, labelsFile);
    const t0 = performance.now();
    const choice = chooseK(X, D, { seed: 0 });
    const chooseMs = performance.now() - t0;
    const segFit = median(fits.map((f) => f.ms)), segInertia = Math.min(...fits.map((f) => f.fit.inertia));
    const segSil = median(sil.map((s) => s.ms));
    if (typeof py === 'string') {
      rows.push(`| ${name} | ${ms(segFit)} | – | – | ${segInertia.toPrecision(10)} | – | ${ms(segSil)} | – | – | – | ${(chooseMs / 1000).toFixed(1)} s (k = ${choice.k}) |`);
      notes.push(`scikit-learn did not run: ${py}`);
      continue;
    }
    const skFit = median(py.fit.map((f) => f.ms)), skInertia = Math.min(...py.fit.map((f) => f.inertia));
    const skSil = median(py.silhouette.map((s) => s.ms));
    const diff = Math.abs(sil[0]!.value - py.silhouette[0]!.value);
    rows.push(`| ${name} | ${ms(segFit)} | ${ms(skFit)} | **${(segFit / skFit).toFixed(2)}×** | ${segInertia.toPrecision(10)} | ${skInertia.toPrecision(10)} (${(100 * (segInertia / skInertia - 1)).toFixed(3)}%) | ${ms(segSil)} | ${ms(skSil)} | **${(segSil / skSil).toFixed(2)}×** | ${diff.toExponential(1)} | ${(chooseMs / 1000).toFixed(1)} s (k = ${choice.k}) |`);
    notes.push(`${name}: Segmint fits ${fits.map((f) => `${ms(f.ms)} ms / ${f.fit.iterations} it.`).join(', ')}; scikit-learn ${py.fit.map((f) => `${ms(f.ms)} ms / ${f.iterations} it.`).join(', ')}. Silhouette ${sil[0]!.value.toFixed(12)} (Segmint) and ${py.silhouette[0]!.value.toFixed(12)} (scikit-learn).`);
    console.log(`bench/cluster ${name}: fit ${ms(segFit)} vs ${ms(skFit)} ms, silhouette ${ms(segSil)} vs ${ms(skSil)} ms (Δ ${diff.toExponential(1)}), choose k ${(chooseMs / 1000).toFixed(1)} s`);
  }
  const version = typeof py === 'string' ? 'scikit-learn (not available)' : `scikit-learn ${py.version} (numpy ${py.numpy})`;
  const body = `${N.toLocaleString('en-US')} rows × ${D} features, k = ${K}, two Gaussian mixtures (unit noise around 8 centres drawn in
[−10, 10]⁸ — well separated — and in [−1.5, 1.5]⁸ — overlapping). Both sides on the same rows: Segmint's
\`fitKMeans\` (greedy k-means++, Hamerly bounds, 2 threads) against ${version}
\`KMeans(algorithm='lloyd')\` under \`threadpool_limits(2)\`, both with ${N_INIT} k-means++ starts and
scikit-learn's defaults otherwise (max_iter 300, tol 1e-4); median of ${RUNS} fits (seeds 0..${RUNS - 1}), best inertia.
Silhouette: the first ${SAMPLE.toLocaleString('en-US')} rows with Segmint's labels, \`silhouetteScore\` against
\`silhouette_score\`, median of ${RUNS}. Choice of k: \`chooseK\` for k = 2..10 (3 starts per k, silhouette and
stability on a 10,000-row sample, Calinski-Harabasz and Davies-Bouldin on all rows), one run.
Machine: ${machine()}, shared with other jobs while it ran. Run: ${new Date().toISOString().slice(0, 10)}.

| data | Segmint fit ms | scikit-learn fit ms | fit ratio (≤ 1.0) | Segmint inertia | scikit-learn inertia (Segmint vs it) | Segmint silhouette ms | scikit-learn silhouette ms | ratio (≤ 0.5) | silhouette difference (≤ 1e-9) | choose k 2..10 (< 60 s) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

${notes.join('\n\n')}`;
  writeSection('cluster', body);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
