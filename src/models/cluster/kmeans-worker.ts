/**
 * A worker thread of kmeans.ts startsInWorker: claims k-means starts on the shared sample from the counter it shares
 * with the calling thread, runs each (sampleStart: the same function, so the same result as there) and hands back its
 * centres and inertia through shared memory, raising the start's flag (1 done, 2 failed: the caller then runs it).
 */
import { workerData } from 'node:worker_threads';
import { sampleStart } from './kmeans.ts';

const w = workerData as {
  S: Float64Array; d: number; k: number; seed: number; nInit: number; maxIter: number; tol: number;
  sync: Int32Array; centroids: Float64Array; inertias: Float64Array;
};
const size = w.k * w.d;
for (let s = Atomics.add(w.sync, 0, 1); s < w.nInit; s = Atomics.add(w.sync, 0, 1)) {
  let flag = 1;
  try {
    const run = sampleStart(w.S, w.d, w.k, w.seed, s, w.maxIter, w.tol, 1);
    w.centroids.set(run.centroids, s * size);
    w.inertias[s] = run.inertia;
  } catch {
    flag = 2;
  }
  Atomics.store(w.sync, 1 + s, flag);
  Atomics.notify(w.sync, 1 + s);
}
