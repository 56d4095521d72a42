// segmint model score on DuckDB reads the customers table in its scan order (no sort by customer_id) and pairs
// the scores back to the ids by position: the stored probabilities and deciles are those of every customer, and
// when tied scores straddle a decile boundary the deciles still break the ties in customer_id order (the
// definition: rank by probability, highest first, ties by customer_id).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../../src/models/random.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir, withOpenWorkspace } from '../helpers/workspace.ts';

async function okJson(args: string[]) {
  const r = await runCli([...args, '--json']);
  assert.equal(r.code, 0, `segmint ${args.join(' ')}: ${r.err}${r.out}`);
  return JSON.parse(r.out);
}

test('model score (DuckDB, scan order): every customer once, deciles with ties in customer_id order', async () => {
  const t = tempDir();
  try {
    // 997 customers in shuffled id order; one three-level feature: three distinct probabilities, so ties split deciles
    const r = new Random(11);
    const ids = Array.from({ length: 997 }, (_, i) => `c${String(i).padStart(4, '0')}`);
    const order = r.shuffle(ids.slice());
    const plans = ['a', 'b', 'c'];
    const lines = order.map((id) => {
      const k = Math.floor(r.next() * 3);
      return `${id},${plans[k]},${r.next() < 0.2 + 0.3 * k ? 'yes' : 'no'}`;
    });
    const csv = join(t.dir, 'customers.csv');
    writeFileSync(csv, `customer_id,plan,converted\n${lines.join('\n')}\n`);
    const ws = join(t.dir, 'ws');
    await okJson(['init', ws]);
    await okJson(['import', csv, '--kind', 'customers', '-w', ws]);
    await okJson(['model', 'train', 'conv', '--target', 'converted', '--folds', '0', '-w', ws]);
    const s = await okJson(['model', 'score', 'conv', '-w', ws]);
    assert.equal(s.customers, 997);
    const stored = await withOpenWorkspace(ws, (w) => w.db.all<{ customer_id: string; probability: number; decile: number }>('SELECT customer_id, probability, decile FROM run_model_scores WHERE run_id = ?', [s.runId]));
    assert.equal(stored.length, 997);
    assert.deepEqual(stored.map((x) => x.customer_id).sort(), ids);
    // the same plan, the same probability; three values
    const plan = new Map(lines.map((l) => l.split(',') as [string, string]));
    const pOf = new Map<string, number>();
    for (const x of stored) {
      const p = pOf.get(plan.get(x.customer_id)!);
      if (p === undefined) pOf.set(plan.get(x.customer_id)!, x.probability);
      else assert.equal(x.probability, p);
    }
    assert.equal(pOf.size, 3);
    // the definition: by probability, highest first, ties by customer_id; rank k in decile ⌊10k/n⌋ + 1
    const ranked = stored.slice().sort((a, b) => b.probability - a.probability || (a.customer_id < b.customer_id ? -1 : 1));
    ranked.forEach((x, k) => assert.equal(x.decile, Math.floor((10 * k) / 997) + 1, `${x.customer_id} at rank ${k}`));
    assert.deepEqual(s.deciles, Array.from({ length: 10 }, (_, d) => ranked.filter((x) => x.decile === d + 1).length));
  } finally {
    t.cleanup();
  }
});
