// Deterministic assignment: the same arm for the same campaign, seed and customer; independent of who else is
// assigned; the shares as planned; other campaigns or seeds draw afresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignArms, assignmentDraw, cumulativeShares, hash53 } from './assign.ts';

test('cyrb53 gives its published values', () => {
  // the values bryc lists with cyrb53 (https://stackoverflow.com/a/52171480): cyrb53('a') = 7929297801672961, cyrb53('b') = 8684336938537663,
  // cyrb53('revenge') = 4051478007546757, cyrb53('revenue') = 8309097637345594, cyrb53('revenue', 1) = 8697026808958300
  assert.deepEqual([hash53('a'), hash53('b'), hash53('revenge'), hash53('revenue'), hash53('revenue', 1)],
    [7929297801672961, 8684336938537663, 4051478007546757, 8309097637345594, 8697026808958300]);
});

test('a customer\'s arm depends only on the campaign, the seed and its id', () => {
  const ids = Array.from({ length: 20000 }, (_, i) => `C${i}`);
  const shares = [0.1, 0.45, 0.45];
  const all = assignArms('spring', 7, ids, shares);
  // a subset, in another order, with new ids mixed in: the same arms for the same ids
  const mixed = ['new-1', ...ids.slice(5000, 6000).reverse(), 'new-2'];
  const some = assignArms('spring', 7, mixed, shares);
  for (let k = 1; k <= 1000; k++) assert.equal(some[k], all[6000 - k]);
  // the shares: within 4 standard errors of the plan
  const counts = [0, 0, 0];
  for (const a of all) counts[a]! += 1;
  shares.forEach((s, i) => assert.ok(Math.abs(counts[i]! / ids.length - s) < 4 * Math.sqrt((s * (1 - s)) / ids.length), `${counts}`));
  // another seed or campaign is another draw (about a third of the 10/45/45 arms agree by chance... here: far from all)
  const other = assignArms('spring', 8, ids, shares);
  const same = other.reduce((n, a, i) => n + (a === all[i] ? 1 : 0), 0);
  assert.ok(same < 0.5 * ids.length, `${same}`);
  assert.ok(assignmentDraw('spring', 7, 'C1') >= 0 && assignmentDraw('spring', 7, 'C1') < 1);
  assert.equal(cumulativeShares([1, 1, 1])[2], 1);
});
