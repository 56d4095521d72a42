// `diffAudience` compares two snapshots of one audience: without a name, the audience of the latest run
// (not simply the last two runs of any audience), --to alone takes the snapshot before it, and two runs
// of different audiences are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffAudience, evaluateAudience, prepareAudience } from '../../src/pipeline/audience.ts';
import { SegmintError } from '../../src/core/errors.ts';
import { importFile } from '../../src/store/import/index.ts';
import { withWorkspace } from '../helpers/workspace.ts';

test('audience diff without a name compares the two latest snapshots of the latest run\'s audience', async () => {
  await withWorkspace(async (ws, dir) => {
    const f = join(dir, 'customers.csv');
    writeFileSync(f, 'customer_id,age\nc1,20\nc2,40\nc3,60\n');
    await importFile(ws, f, { kind: 'customers' });
    const snap = async (name: string, where: string) => (await evaluateAudience(ws, await prepareAudience(ws, name, where, { asOf: '2024-01-01' }))).runId!;
    const old1 = await snap('old', 'age > 30');
    await snap('young', 'age < 30');
    const old2 = await snap('old', 'age > 50');
    const young2 = await snap('young', 'age < 50');
    // the latest run is of 'young': its two runs, ages < 30 then < 50
    const d = await diffAudience(ws.db, {});
    assert.deepEqual([d.from.name, d.to.name, d.entered, d.left, d.stayed], ['young', 'young', ['c2'], [], 1]);
    assert.equal(d.to.runId, young2);
    // --from alone: the later run is the latest of the same audience
    const fromOld = await diffAudience(ws.db, { from: old1 });
    assert.deepEqual([fromOld.to.runId, fromOld.entered, fromOld.left], [old2, [], ['c2']]);
    // --to alone: the snapshot of the same audience just before it, not the second-to-last
    await snap('old', 'age > 10');
    const toOld2 = await diffAudience(ws.db, { to: old2 });
    assert.deepEqual([toOld2.from.runId, toOld2.to.runId], [old1, old2]);
    await assert.rejects(diffAudience(ws.db, { to: old1 }), (e: SegmintError) => e.code === 'not-enough-runs');
    await assert.rejects(diffAudience(ws.db, { from: old1, to: young2 }), (e: SegmintError) => e.code === 'different-audiences');
    await assert.rejects(diffAudience(ws.db, { name: 'young', from: old1, to: old2 }), (e: SegmintError) => e.code === 'different-audiences');
  });
});
