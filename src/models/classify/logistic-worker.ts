/**
 * Worker thread of the logistic fit (logistic-pool.ts): waits for a pass, claims chunks of rows from the shared
 * counter as the calling thread does, and writes each chunk's sums into its slot (logistic-passes.ts). Imports
 * the pass kernel alone, so it starts in a few milliseconds.
 */
import { workerData } from 'node:worker_threads';
import { claimChunks, CTL_ETA, CTL_JOB, CTL_THETA, GEN, type PoolShared } from './logistic-pool-protocol.ts';
import { passChunk, passScratch, slotSize, type PassData } from './logistic-passes.ts';

const s = workerData as PoolShared;
const data: PassData = { n: s.n, values: s.values, codes: s.codes, groups: s.groups, ns: s.ns, y: s.y, w: s.w };
const md = s.values.length + 1;
const m = md + s.ns;
const slot = slotSize(md, s.ns);
const scratch = passScratch(md);
const th = new Float64Array(m);
let seen = 0;
for (;;) {
  Atomics.wait(s.sync, GEN, seen);
  const gen = Atomics.load(s.sync, GEN);
  seen = gen;
  const job = s.ctl[CTL_JOB]!;
  if (job === 0) break;
  // read after the generation: the calling thread writes a pass's θ before publishing it (and a θ read while the
  // next pass is being written is never used: that pass's chunks carry another generation, see claimChunks)
  th.set(s.ctl.subarray(CTL_THETA, CTL_THETA + m));
  const eta = s.ctl[CTL_ETA] === 0 ? s.eta0 : s.eta1;
  claimChunks(s.sync, gen, s.chunks, (c) => passChunk(data, th, job, c * s.chunkRows, Math.min(s.n, (c + 1) * s.chunkRows), eta, s.parts, c * slot, scratch));
}
