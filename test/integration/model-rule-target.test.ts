// segmint model train with an outcome defined by a rule: "orders in last 90 days >= 1" evaluated 90 days after
// the as-of date, over the customers with a purchase before it. The labels (customers and positives) are
// recounted here from the stored transaction lines; behaviour features are those before the as-of date.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tempDir, withOpenWorkspace } from '../helpers/workspace.ts';

async function okJson(args: string[]) {
  const r = await runCli([...args, '--json']);
  assert.equal(r.code, 0, `segmint ${args.join(' ')}: ${r.err}${r.out}`);
  return JSON.parse(r.out);
}

test('model train --target RULE: labels from the rule 90 days after --as-of, recounted from the lines', async () => {
  const t = tempDir();
  try {
    const gen = join(t.dir, 'gen');
    const ws = join(t.dir, 'ws');
    await okJson(['generate', '--preset', 'ecommerce', '--customers', '1200', '--seed', '5', '--out', gen]);
    await okJson(['init', ws]);
    await okJson(['import', join(gen, 'customers.csv'), '--kind', 'customers', '-w', ws]);
    await okJson(['import', join(gen, 'transactions.csv'), '--kind', 'transactions', '-w', ws]);
    const asOf = '2024-09-01';
    const m = await okJson(['model', 'train', 'rebuy', '--target', 'orders in last 90 days >= 1', '--as-of', asOf, '--features', 'recency_days,frequency,monetary,age,income_band', '--folds', '4', '-w', ws]);
    assert.equal(m.target.kind, 'rule');
    assert.equal(m.target.outcomeAsOf, '2024-11-30');
    assert.equal(m.asOf, asOf);
    const lines = await withOpenWorkspace(ws, (w) => w.db.all<{ customer_id: string; order_id: string; ts: Date; is_return: boolean }>('SELECT customer_id, order_id, ts, is_return FROM transactions WHERE customer_id IS NOT NULL'));
    const [from, to] = [Date.parse(`${asOf}T00:00:00Z`), Date.parse('2024-11-30T00:00:00Z')];
    const eligible = new Set<string>();
    const later = new Map<string, Set<string>>();
    for (const l of lines) {
      if (l.is_return) continue;
      const ts = l.ts.getTime();
      if (ts < from) eligible.add(l.customer_id);
      else if (ts < to) later.set(l.customer_id, (later.get(l.customer_id) ?? new Set()).add(l.order_id));
    }
    assert.equal(m.customers, eligible.size);
    assert.equal(m.positives, [...eligible].filter((c) => (later.get(c)?.size ?? 0) >= 1).length);
    assert.ok(m.positives > 0 && m.positives < m.customers);
    assert.equal(m.cv.k, 4);
    assert.equal(m.cv.folds.reduce((s: number, f: { testRows: number }) => s + f.testRows, 0), m.customers);
    // recency is a feature that matters for buying again, with the sign of less recent → less likely
    const rec = m.importance.find((i: { name: string }) => i.name === 'recency_days');
    assert.ok(rec.value < 0, `${rec.value}`);
    // scoring now: behaviour before the day after the last transaction, every customer with a purchase
    const s = await okJson(['model', 'score', 'rebuy', '-w', ws]);
    const buyers = new Set(lines.filter((l) => !l.is_return).map((l) => l.customer_id));
    assert.equal(s.customers, buyers.size);
    assert.equal(s.deciles.reduce((a: number, b: number) => a + b, 0), buyers.size);

    // bad input: coded errors, exit 2
    const bad = async (args: string[], code: RegExp) => {
      const r = await runCli([...args, '-w', ws]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, code);
    };
    await bad(['model', 'train', 'x', '--target', 'agee'], /unknown-target.*did you mean age\?/);
    await bad(['model', 'train', 'x', '--target', 'income_band'], /invalid-target[\s\S]*--positive/);
    await bad(['model', 'train', 'x', '--target', 'orders >= 1', '--features', 'recency_dys'], /unknown-feature.*did you mean recency_days\?/);
    await bad(['model', 'train', 'Bad-Name', '--target', 'orders >= 1'], /invalid-option/);
    await bad(['model', 'train', 'x', '--target', 'orders >= 1', '--folds', '1'], /invalid-option/);
    await bad(['model', 'score', 'rebuyy'], /unknown-model.*did you mean rebuy\?/);
    const help = await runCli(['model', 'train', '--help']);
    assert.match(help.out, /Examples:[\s\S]*--target churn/);
  } finally {
    t.cleanup();
  }
});
