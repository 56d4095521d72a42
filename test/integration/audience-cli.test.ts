// `segmint audience …` end to end: eval/sql/explain/fmt/diff/migration/runs, exit codes, and snapshots
// across two imports of different periods (an export, then a newer export that extends it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { parseAudience } from '../../src/segments/parse.ts';
import { Oracle } from '../helpers/audience-oracle.ts';
import { initEarlyWorkspace, oracleData } from '../helpers/audience-data.ts';
import { withOpenWorkspace, withTempDir } from '../helpers/workspace.ts';

const run = runCli;

const LAPSED = 'all(has orders, has no orders in last 60 days)';

test('audience subcommands have --help with examples', async () => {
  for (const sub of ['eval', 'sql', 'explain', 'fmt', 'diff', 'migration', 'runs']) {
    const r = await run(['audience', sub, '--help']);
    assert.equal(r.code, 0, sub);
    assert.match(r.out, /Examples:/, sub);
    assert.match(r.out, /--json/, sub);
  }
});

test('audience fmt: text and files, --check and --write, bad rules exit 2 listing every problem', async () => {
  await withTempDir(async (dir) => {
    const f = await run(['audience', 'fmt', '--where', "all(country='UK',orders in last 90 days>=2)"]);
    assert.equal(f.code, 0, f.err);
    assert.equal(f.out.trim(), "all(country = 'UK', orders in last 90 days >= 2)");
    const file = join(dir, 'a.yaml');
    writeFileSync(file, "name: uk\nwhere: \"all( country='UK' )\"\n");
    assert.equal((await run(['audience', 'fmt', file, '--check'])).code, 1);
    assert.equal((await run(['audience', 'fmt', file, '--write'])).code, 0);
    assert.equal(readFileSync(file, 'utf8'), "name: uk\nwhere: all(country = 'UK')\n");
    assert.equal((await run(['audience', 'fmt', file, '--check'])).code, 0);
    const bad = await run(['audience', 'fmt', '--where', 'all(orders >= , age >> 3)', '--json']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /2 problems/);
    assert.match(bad.err, /line 1, column 15: \[syntax-error\]/);
    assert.equal(JSON.parse(bad.out).error.details.diagnostics.length, 2);
    assert.equal((await run(['audience', 'fmt'])).code, 2);
  });
});

test('snapshots across two imports: eval stores runs, diff lists who entered and left, migration matrix counts and revenue', async () => {
  await withTempDir(async (dir) => {
    // the first export ends on 2024-06-30; the second is the full file (a superset: new rows are appended)
    const { ws, files } = await initEarlyWorkspace(dir, 5, true);
    const e1 = await run(['audience', 'eval', '--where', LAPSED, '--name', 'lapsed', '-w', ws, '--json']);
    assert.equal(e1.code, 0, e1.err);
    const r1 = JSON.parse(e1.out);
    assert.equal(r1.asOf, '2024-07-01');
    assert.equal((await run(['rfm', '-w', ws])).code, 0);
    assert.equal((await run(['import', files.transactions, '--kind', 'transactions', '-w', ws])).code, 0);
    const e2 = await run(['audience', 'eval', '--where', LAPSED, '--name', 'lapsed', '-w', ws, '--json']);
    const r2 = JSON.parse(e2.out);
    assert.ok(r2.asOf > '2024-12-01', r2.asOf);
    const asOf2 = new Date(`${r2.asOf}T00:00:00Z`);
    assert.equal((await run(['rfm', '-w', ws])).code, 0);

    // expected members at each as-of date from the independent evaluator
    const { before, after, netBetween } = await withOpenWorkspace(ws, async (w) => {
      const data = await oracleData(w);
      const node = parseAudience(LAPSED).node!;
      return {
        before: new Oracle({ ...data, transactions: data.transactions.filter((t) => t.ts < new Date('2024-07-01T00:00:00Z')) }, new Date('2024-07-01T00:00:00Z')).members(node),
        after: new Oracle(data, asOf2).members(node),
        netBetween: data.transactions.filter((t) => t.customer_id !== null && t.ts >= new Date('2024-07-01T00:00:00Z') && t.ts < asOf2).reduce((a, t) => a + (t.amount ?? 0), 0),
      };
    });
    assert.equal(r1.customers, before.size);
    assert.equal(r2.customers, after.size);
    const d = await run(['audience', 'diff', '--name', 'lapsed', '-w', ws, '--json']);
    assert.equal(d.code, 0, d.err);
    const diff = JSON.parse(d.out);
    assert.deepEqual(diff.entered, [...after].filter((x) => !before.has(x)).sort());
    assert.deepEqual(diff.left, [...before].filter((x) => !after.has(x)).sort());
    assert.ok(diff.entered.length > 0 && diff.left.length > 0, 'the period change moves customers both ways');
    assert.match((await run(['audience', 'diff', '--name', 'lapsed', '-w', ws])).out, /entered \d+, left \d+, stayed \d+/);

    // migration between the two RFM runs (ids 2 and 4) and between the two snapshots (1 and 3)
    const m = JSON.parse((await run(['audience', 'migration', '--from', '2', '--to', '4', '-w', ws, '--json'])).out);
    const moved = m.cells.reduce((a: number, c: { customers: number }) => a + c.customers, 0);
    const scored = await withOpenWorkspace(ws, (w) => w.db.one<{ n: number }>('SELECT count(DISTINCT customer_id) AS n FROM run_scores WHERE run_id IN (2, 4)'));
    assert.equal(moved, scored!.n);
    const revenue = m.cells.reduce((a: number, c: { revenue: number }) => a + c.revenue, 0);
    assert.ok(Math.abs(revenue - netBetween) < 1e-6 * Math.max(1, Math.abs(netBetween)), `${revenue} vs ${netBetween}`);
    const ma = JSON.parse((await run(['audience', 'migration', '--from', '1', '--to', '3', '-w', ws, '--json'])).out);
    const cell = (f: string, t: string) => ma.cells.find((c: { from: string; to: string }) => c.from === f && c.to === t)?.customers ?? 0;
    assert.equal(cell('member', 'not a member'), diff.left.length);
    assert.equal(cell('not a member', 'member'), diff.entered.length);
    assert.equal(cell('member', 'member'), diff.stayed);
    assert.match((await run(['audience', 'migration', '--from', '2', '--to', '4', '-w', ws])).out, /from \\ to/);
    // CLV predictions are readable as clv.… and give a migration matrix of CLV tiers
    assert.equal((await run(['clv', 'fit', '-w', ws])).code, 0);
    for (const h of ['12', '24']) assert.equal((await run(['clv', 'predict', '--horizon', h, '--unit', 'month', '-w', ws])).code, 0);
    const top = JSON.parse((await run(['audience', 'eval', '--where', "clv.clv_tier = 'top'", '--no-store', '-w', ws, '--json'])).out);
    await withOpenWorkspace(ws, async (w3) => {
      const latest = (await w3.db.one<{ r: number }>("SELECT max(run_id) AS r FROM runs WHERE kind = 'clv-predict'"))!.r;
      assert.equal(top.customers, Number((await w3.db.one<{ n: number }>("SELECT count(*) AS n FROM clv_predictions WHERE run_id = ? AND clv_tier = 'top'", [latest]))!.n));
      const mc = JSON.parse((await run(['audience', 'migration', '--from', String(latest - 1), '--to', String(latest), '-w', ws, '--json'])).out);
      const predicted = Number((await w3.db.one<{ n: number }>('SELECT count(*) AS n FROM clv_predictions WHERE run_id = ?', [latest]))!.n);
      assert.equal(mc.cells.reduce((a: number, c: { customers: number }) => a + c.customers, 0), predicted);
      assert.ok(mc.labels.to.includes('top'));
    });
    assert.ok(top.customers > 0);

    const runs = JSON.parse((await run(['audience', 'runs', '-w', ws, '--json'])).out);
    assert.deepEqual(runs.map((r: { runId: number; name: string }) => [r.runId, r.name]), [[1, 'lapsed'], [3, 'lapsed']]);

    // the report shows the snapshots with the change and the RFM migration
    const rep = await run(['report', '-w', ws, '--out', join(dir, 'r.html'), '--json']);
    assert.equal(rep.code, 0, rep.err);
    assert.ok(JSON.parse(rep.out).sections.includes('audiences'));
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    assert.match(html, new RegExp(`<td>lapsed</td><td[^>]*>3</td><td[^>]*>${r2.asOf}</td>`));
    assert.match(html, /Segment migration/);

    // explain agrees with membership; sql prints bound parameters; --out writes members with traits
    const member = diff.entered[0];
    const ex = JSON.parse((await run(['audience', 'explain', member, '--where', LAPSED, '-w', ws, '--json'])).out);
    assert.equal(ex.member, true);
    assert.equal(ex.explanation.items[1].observed, 0);
    const notMember = JSON.parse((await run(['audience', 'explain', diff.left[0], '--where', LAPSED, '-w', ws, '--json'])).out);
    assert.equal(notMember.member, false);
    assert.ok(notMember.explanation.items[1].observed > 0, 'a customer who left has orders in the window');
    const human = await run(['audience', 'explain', member, '--where', LAPSED, '-w', ws]);
    assert.match(human.out, /✓ has no orders in last 60 days {2}\(observed: 0\)/);
    const sql = await run(['audience', 'sql', '--where', "all(country = 'x'' OR 1=1 --', has no orders in last 60 days)", '--dialect', 'postgres', '-w', ws, '--json']);
    const s = JSON.parse(sql.out);
    assert.match(s.sql, /"country" IN|"country" = \$1/);
    assert.ok(s.params.includes("x' OR 1=1 --"));
    const out = join(dir, 'members.csv');
    const ev = await run(['audience', 'eval', '--where', LAPSED, '--out', out, '--traits', 'country,age', '--no-store', '-w', ws]);
    assert.equal(ev.code, 0, ev.err);
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(csv[0], 'customer_id,country,age');
    assert.equal(csv.length - 1, after.size);
    assert.equal(JSON.parse((await run(['audience', 'runs', '-w', ws, '--json'])).out).length, 2, '--no-store stores nothing');
    // stored: the file is written from the snapshot's members, and holds the same rows
    const stored = join(dir, 'members-stored.csv');
    const ev2 = await run(['audience', 'eval', '--where', LAPSED, '--out', stored, '--traits', 'country,age', '-w', ws]);
    assert.equal(ev2.code, 0, ev2.err);
    assert.equal(readFileSync(stored, 'utf8'), readFileSync(out, 'utf8'));

    // bad input: exit 2 with the problem; unknown customer; bad dialect; too few runs
    const bad = await run(['audience', 'eval', '--where', "all(cuntry = 'UK', age > 'abc')", '-w', ws]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /did you mean country\?/);
    assert.match(bad.err, /\[type-mismatch\] age is a number/);
    assert.equal((await run(['audience', 'explain', 'nobody', '--where', LAPSED, '-w', ws])).code, 2);
    assert.equal((await run(['audience', 'sql', '--where', LAPSED, '--dialect', 'oracle', '-w', ws])).code, 2);
    assert.equal((await run(['audience', 'diff', '--name', 'nothing', '-w', ws])).code, 2);
    assert.equal((await run(['audience', 'eval', '-w', ws])).code, 2);
  });
});
