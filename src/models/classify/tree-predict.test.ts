import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGbt } from './gbt.ts';
import { applyBins } from './bin-mapper.ts';
import { addCompiledPredictions, compileTree, type Tree } from './tree.ts';
import { treeData } from '../../../test/helpers/tree-synthetic.ts';

/** A row's leaf value by walking the tree's own fields, node by node (the definition in tree.ts). */
function walk(t: Tree, row: Uint8Array): number {
  let k = 0;
  while (t.feature[k]! >= 0) {
    const b = row[t.feature[k]!]!;
    const goLeft = t.categorical[k] === 1
      ? (t.leftBins[k * 8 + (b >>> 5)]! & (1 << (b & 31))) !== 0
      : b === 255 ? t.missingLeft[k] === 1 : b <= t.bin[k]!;
    k = goLeft ? t.left[k]! : t.right[k]!;
  }
  return t.value[k]!;
}

const data = (n: number) => treeData(n, { seed: 5, levels: 6, signal: (a) => Math.sin(3 * a) });

test('compiled trees (≤ 256 nodes by one next table, eight rows at a time; larger by two tables) give every row the leaf a node-by-node walk gives', () => {
  const { design, y } = data(6_003); // not a multiple of 8: the rows after the last eight too
  // 31 leaves: 61 nodes (the next table); 200 leaves: 399 nodes (side and child tables)
  for (const maxLeafNodes of [31, 200]) {
    const m = fitGbt({ design, y }, { maxIter: 3, maxLeafNodes, minSamplesLeaf: 5 }, { threads: 1 });
    const bins = applyBins(m.bins, design.x, design.n);
    for (const t of m.trees) {
      const c = compileTree(t);
      assert.equal(c.next !== null, t.feature.length <= 256, `${t.feature.length} nodes`);
      const raw = new Float64Array(design.n);
      addCompiledPredictions(c, bins, design.n, design.p, raw);
      for (let i = 0; i < design.n; i++) {
        const want = walk(t, bins.subarray(i * design.p, (i + 1) * design.p));
        if (raw[i] !== want) assert.fail(`${maxLeafNodes} leaves, row ${i}: ${raw[i]} vs ${want}`);
      }
    }
    assert.ok(m.trees.some((t) => t.feature.length > (maxLeafNodes === 31 ? 40 : 256)), 'the trees are as large as meant');
  }
});
