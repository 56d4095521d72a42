import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Random } from '../random.ts';
import { centreDistance, MATCH_THRESHOLD, matchClusters, optimalAssignment, type ClusterCentre } from './match.ts';

const total = (cost: number[][], a: number[]) => a.reduce((s, j, i) => s + (j >= 0 ? cost[i]![j]! : 0), 0);

/** Every way to give min(n, m) rows distinct columns: the least total, by enumeration. */
function bruteForce(cost: number[][]): number {
  const n = cost.length, m = cost[0]!.length;
  let best = Infinity;
  const used = new Array<boolean>(m).fill(false);
  const go = (i: number, s: number, left: number) => {
    if (left === 0 || i === n) { if (left === 0) best = Math.min(best, s); return; }
    // row i takes a free column, or (when rows outnumber columns) none
    for (let j = 0; j < m; j++) if (!used[j]) { used[j] = true; go(i + 1, s + cost[i]![j]!, left - 1); used[j] = false; }
    if (n - i > left) go(i + 1, s, left);
  };
  go(0, 0, Math.min(n, m));
  return best;
}

const randomCost = (r: Random, n: number, m: number, ints = false) =>
  Array.from({ length: n }, () => Array.from({ length: m }, () => (ints ? r.int(0, 4) : r.uniform(0, 10))));

function checkValid(a: number[], n: number, m: number) {
  assert.equal(a.length, n);
  const cols = a.filter((j) => j >= 0);
  assert.equal(cols.length, Math.min(n, m), 'every row (or every column) is assigned');
  assert.equal(new Set(cols).size, cols.length, 'one to one');
  for (const j of cols) assert.ok(j < m);
}

test('optimal assignment: the least total of every permutation, square and rectangular, with ties, up to 7 × 7', () => {
  const r = new Random(7);
  let cases = 0;
  for (let n = 1; n <= 7; n++) {
    for (let m = 1; m <= 7; m++) {
      for (const ints of [false, true]) {
        const cost = randomCost(r, n, m, ints);
        const a = optimalAssignment(cost);
        checkValid(a, n, m);
        assert.ok(Math.abs(total(cost, a) - bruteForce(cost)) < 1e-9, `${n} × ${m}${ints ? ' (ties)' : ''}: ${total(cost, a)} against ${bruteForce(cost)}`);
        cases++;
      }
    }
  }
  assert.equal(cases, 98);
  // a greedy pick (each row its cheapest free column) is not optimal here: the kernel is
  assert.deepEqual(optimalAssignment([[1, 2], [1, 100]]), [1, 0]);
  assert.deepEqual(optimalAssignment([]), []);
  assert.throws(() => optimalAssignment([[1, NaN]]), /finite/);
  assert.throws(() => optimalAssignment([[1, 2], [3]]), /differ/);
});

test('optimal assignment equals scipy 1.10 linear_sum_assignment on seeded random matrices (fixture: 9 × 9, 6 × 10, 11 × 7)', () => {
  const ref = JSON.parse(readFileSync(new URL('../../../test/fixtures/models/assignment_reference.json', import.meta.url), 'utf8')) as { cost: number[][]; assignment: number[]; total: number }[];
  assert.equal(ref.length, 3);
  for (const c of ref) {
    const a = optimalAssignment(c.cost);
    assert.deepEqual(a, c.assignment);
    assert.ok(Math.abs(total(c.cost, a) - c.total) < 1e-9);
  }
});

const python = '/usr/bin/python3';
const scipy = existsSync(python) && spawnSync(python, ['-c', 'import scipy.optimize'], { encoding: 'utf8' }).status === 0;

test('optimal assignment equals scipy.optimize.linear_sum_assignment run now on a random 12 × 15 matrix', { skip: scipy ? undefined : 'no /usr/bin/python3 with scipy' }, () => {
  const cost = randomCost(new Random(2026), 12, 15);
  const script = 'import json,sys\nfrom scipy.optimize import linear_sum_assignment\nc=json.load(sys.stdin)\nr,k=linear_sum_assignment(c)\nprint(json.dumps([int(x) for x in k]))';
  const out = spawnSync(python, ['-c', script], { input: JSON.stringify(cost), encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const expected = JSON.parse(out.stdout) as number[];
  assert.deepEqual(optimalAssignment(cost), expected);
});

const centre = (cluster: number, z: Record<string, number>): ClusterCentre => ({ cluster, z });

test('matching clusters: the same clusters renumbered are found, a moved one is new, only the shared features count', () => {
  const before = [centre(0, { recency: 1.5, frequency: -0.6, monetary: -0.4 }), centre(1, { recency: -0.7, frequency: 0.4, monetary: 0.2 }), centre(2, { recency: -0.9, frequency: 3, monetary: 4 })];
  // a re-run: the same clusters in another order, moved a little; the third one is somewhere else
  const after = [centre(0, { recency: -0.68, frequency: 0.41, monetary: 0.22 }), centre(1, { recency: 1.52, frequency: -0.58, monetary: -0.41 }), centre(2, { recency: 0.2, frequency: 1, monetary: 1 })];
  const m = matchClusters(before, after);
  assert.deepEqual(m.features, ['frequency', 'monetary', 'recency']);
  assert.equal(m.threshold, MATCH_THRESHOLD);
  assert.deepEqual(m.pairs.map((p) => [p.cluster, p.from]), [[0, 1], [1, 0], [2, null]]);
  assert.ok(Math.abs(m.pairs[0]!.distance! - centreDistance(after[0]!, before[1]!, m.features)) < 1e-15);
  // unmatched: the distance to the nearest old centre, above the threshold
  assert.ok(m.pairs[2]!.distance! > MATCH_THRESHOLD);
  assert.ok(Math.abs(m.pairs[2]!.distance! - Math.min(...before.map((b) => centreDistance(after[2]!, b, m.features)))) < 1e-15);
  // a feature only one run has is left out of the distance
  const extra = matchClusters(before, after.map((c) => centre(c.cluster, { ...c.z, tenure: c.cluster * 10 })));
  assert.deepEqual(extra.features, m.features);
  assert.deepEqual(extra.pairs, m.pairs);
  // nothing in common: nothing matched
  assert.deepEqual(matchClusters(before, [centre(0, { tenure: 1 })]).pairs, [{ cluster: 0, from: null, distance: null }]);
  // more clusters than before: one is left over; fewer: one old cluster has no successor
  const more = matchClusters(before.slice(0, 2), after);
  assert.deepEqual(more.pairs.map((p) => p.from), [1, 0, null]);
  const fewer = matchClusters(before, after.slice(0, 1));
  assert.deepEqual(fewer.pairs.map((p) => p.from), [1]);
});

test('matching clusters: a pair beyond the threshold does not bend the others (each costs the threshold)', () => {
  // both new clusters are near old cluster 0 and far from old cluster 1: the plain optimum over raw distances
  // would take the pairing of least total, but a far pair is no match at all
  const before = [centre(0, { x: 0 }), centre(1, { x: 10 })];
  const after = [centre(0, { x: 0.3 }), centre(1, { x: 0.1 })];
  // raw optimum: a0–b1 (9.7) + a1–b0 (0.1) = 9.8 against a0–b0 (0.3) + a1–b1 (9.9) = 10.2; capped: either
  // way one pair is far, so the close one of least distance wins: a1 (0.1) is b0, a0 is new
  const m = matchClusters(before, after);
  assert.deepEqual(m.pairs.map((p) => p.from), [null, 0]);
  assert.ok(Math.abs(m.pairs[0]!.distance! - 0.3) < 1e-12);
  // a tight threshold: only a centre within it matches
  const tight = matchClusters(before, [centre(5, { x: 10.005 })], 0.01).pairs[0]!;
  assert.equal(tight.from, 1);
  assert.ok(Math.abs(tight.distance! - 0.005) < 1e-12);
  assert.deepEqual(matchClusters(before, [centre(5, { x: 10.02 })], 0.01).pairs.map((p) => p.from), [null]);
});
