// Issue #14, "Real data, second pass", the smaller defects of item 10 that were left, each on the real file:
// blanks in a numeric column, LRFMP's P for customers with fewer than three purchase days, the import
// summary's reconciliation, completejourney's store_id, same-day same-item lines without quantities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderImport } from '../../src/cli/commands/import.ts';
import { importFile } from '../../src/store/import/index.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { shared, withTempDir } from '../helpers/workspace.ts';

const TELCO = shared('telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv');

/** The fields of a simple CSV line (no quoted commas: true of the telco file). */
const fields = (line: string) => line.replace(/\r$/, '').split(',');

test('a numeric column with blank cells is numbers with missing values, not a category (telco TotalCharges)', { skip: TELCO.skip }, async () => {
  // independent count: the rows whose TotalCharges is blank after trimming
  const lines = readFileSync(TELCO.path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const header = fields(lines[0]!);
  const col = header.indexOf('TotalCharges');
  const blanks = lines.slice(1).filter((l) => fields(l)[col]!.trim() === '').length;
  assert.equal(blanks, 11);
  await withTempDir(async (dir) => {
    const r = await runCli(['cluster', '-w', dir, '--input', TELCO.path, '--id-column', 'customerID', '--features', 'TotalCharges,tenure', '--k', '3', '--json']);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /pass it as a category/);
    const out = JSON.parse(r.out) as { missing: Record<string, number>; customers: { total: number; clustered: number }; warnings: string[] };
    assert.equal(out.missing.TotalCharges, blanks);
    assert.equal(out.customers.total, lines.length - 1);
    assert.equal(out.customers.clustered, 7043);
    assert.ok(out.warnings.includes("TotalCharges: 11 blank cells read as missing values (the column's other values are numbers)"), out.warnings.join('\n'));
  });
});

test('a text column (telco Contract) is still told to pass it as a category', { skip: TELCO.skip }, async () => {
  await withTempDir(async (dir) => {
    const r = await runCli(['cluster', '-w', dir, '--input', TELCO.path, '--id-column', 'customerID', '--features', 'Contract,tenure', '--k', '3']);
    assert.equal(r.code, 2);
    assert.match(r.err, /categorical-as-numeric.*Contract.*"Month-to-month"/s);
    assert.match(r.err, /pass it as a category: --categorical Contract/);
  });
});

const CDNOW = shared('cdnow/CDNOW_master.txt');

/** CDNOW_master.txt, written out: per customer the sorted distinct purchase days (YYYYMMDD as day numbers). */
function cdnowDays(): Map<string, number[]> {
  const days = new Map<string, Set<number>>();
  for (const line of readFileSync(CDNOW.path, 'utf8').split(/\r?\n/).slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const [id, d] = f as [string, string];
    const t = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8))) / 86400000;
    if (!days.has(id)) days.set(id, new Set());
    days.get(id)!.add(t);
  }
  return new Map([...days].map(([id, s]) => [id, [...s].sort((a, b) => a - b)]));
}

/** numpy's default (linear) quantile of sorted values. */
const quantile = (sorted: number[], p: number) => {
  const h = (sorted.length - 1) * p, lo = Math.floor(h), hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
};

test('LRFMP: customers with fewer than three purchase days have no P score, are said, and P edges leave them out (CDNOW)', { skip: CDNOW.skip }, async () => {
  const days = cdnowDays();
  const few = [...days.values()].filter((d) => d.length < 3).length;
  // periodicity written out: population standard deviation of the gaps between purchase days
  const spread = [...days.values()].filter((d) => d.length >= 3).map((d) => {
    const gaps = d.slice(1).map((x, i) => x - d[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    return Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
  }).sort((a, b) => a - b);
  const edges = [0.2, 0.4, 0.6, 0.8].map((p) => quantile(spread, p));
  assert.equal(few, 16094);
  assert.equal(days.size, 23570);
  // pandas 1.5.3 / numpy on the same file gives the P edges 24.846, 43.159, 64.173, 98.309
  assert.deepEqual(edges.map((e) => Number(e.toFixed(3))), [24.846, 43.159, 64.173, 98.309]);
  await withTempDir(async (dir) => {
    assert.equal((await runCli(['init', dir])).code, 0);
    assert.equal((await runCli(['import', CDNOW.path, '--kind', 'transactions', '-w', dir])).code, 0);
    const r = await runCli(['lrfmp', '-w', dir, '--json']);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { runId: number; unscored: Record<string, number>; edges: Record<string, number[]>; warnings: string[]; segments: { segment: string; customers: number; meanScores: Record<string, number | null> }[] };
    assert.deepEqual(out.unscored, { p: few });
    assert.ok(out.warnings.some((w) => w.startsWith('16,094 customers with fewer than 3 purchase days have no regularity score (P)')), out.warnings.join('\n'));
    out.edges.p!.forEach((e, i) => assert.ok(Math.abs(e - edges[i]!) < 1e-9, `P edge ${i}: ${e} against ${edges[i]}`));
    // every segment's customers sum to all, and "Uncertain" (one purchase day, recent) has no P at all
    assert.equal(out.segments.reduce((a, s) => a + s.customers, 0), 23570);
    assert.equal(out.segments.find((s) => s.segment === 'Uncertain')?.meanScores.p, null);
    const human = await runCli(['lrfmp', '-w', dir]);
    assert.match(human.out, /16,094 customers have no P score \(fewer than 3 purchase days/);
    assert.match(human.err, /note: 16,094 customers with fewer than 3 purchase days have no regularity score \(P\)/);
    // the stored run: P null exactly for them, and no one of them "most regular"
    const ws = await Workspace.open(dir);
    try {
      const rows = await ws.db.all<{ customer_id: string; p: number | null; periodicity_days: number | null; score_code: number }>(
        'SELECT customer_id, p, periodicity_days, score_code FROM run_scores WHERE run_id = ?', [out.runId]);
      assert.equal(rows.length, 23570);
      for (const row of rows) {
        const n = days.get(row.customer_id)!.length;
        if (n < 3) {
          assert.equal(row.p, null, row.customer_id);
          assert.equal(row.periodicity_days, null);
          assert.equal(Number(row.score_code) % 10, 0, 'no P: digit 0');
        } else assert.ok(row.p !== null && row.p >= 1 && row.p <= 5);
      }
    } finally {
      ws.close();
    }
  });
});

test('LRFMP: a segment table of your own must name customers without P too; a rule on p does not match them (CDNOW)', { skip: CDNOW.skip }, async () => {
  await withTempDir(async (dir) => {
    assert.equal((await runCli(['init', dir])).code, 0);
    assert.equal((await runCli(['import', CDNOW.path, '--kind', 'transactions', '-w', dir])).code, 0);
    const yaml = join(dir, 'segmint.yaml');
    const base = readFileSync(yaml, 'utf8');
    assert.match(base, /^segments: \{\}$/m);
    const withTable = (rules: string[]) => base.replace(/^segments: \{\}$/m, `segments:\n  lrfmp:\n${rules.map((r) => `    - ${r}\n`).join('')}`);
    writeFileSync(yaml, withTable(['{ name: Regular, when: { p: [1, 5] } }']));
    const bad = await runCli(['lrfmp', '-w', dir]);
    assert.equal(bad.code, 2, bad.out + bad.err);
    assert.match(bad.err, /segments-incomplete.*p=none/s);
    writeFileSync(yaml, withTable(['{ name: Regular, when: { p: [4, 5] } }', '{ name: Irregular, when: { p: [1, 3] } }', '{ name: Too few visits, when: {} }']));
    const ok = await runCli(['lrfmp', '-w', dir, '--json']);
    assert.equal(ok.code, 0, ok.err);
    const segs = Object.fromEntries((JSON.parse(ok.out) as { segments: { segment: string; customers: number }[] }).segments.map((s) => [s.segment, s.customers]));
    assert.equal(segs['Too few visits'], 16094);
    assert.equal((segs.Regular ?? 0) + (segs.Irregular ?? 0), 23570 - 16094);
  });
});

const OR = shared('online-retail/online_retail.csv');

test('the import summary adds up where it is printed: read = loaded + quarantined by reason, and each row of "seen in the file" (Online Retail)', { skip: OR.skip }, async () => {
  await withTempDir(async (dir) => {
    const ws = await Workspace.open(dir, { create: true });
    try {
      const r = await importFile(ws, OR.path, { kind: 'transactions' });
      // pandas 1.5.3 on the same file (CustomerID read as text): 135,080 without a customer id; 5,268 exact
      // repeats (df.duplicated()), 5,225 of them with a customer id; 401,604 kept = with an id and not a repeat
      assert.deepEqual(r.rows, { read: 541909, loaded: 401604, quarantined: 140305, alreadyPresent: 0 });
      assert.deepEqual(r.quarantineByReason, { 'missing-customer-id': 135080, 'duplicate-row': 5225 });
      const sum = Object.values(r.quarantineByReason).reduce((a, b) => a + b, 0);
      assert.equal(sum, r.rows.quarantined);
      const obs = Object.fromEntries(r.observations.map((o) => [o.code, o]));
      for (const o of r.observations) assert.equal(o.loaded + o.quarantined + o.alreadyPresent, o.count, o.code);
      // pandas: 9,288 cancellations, 8,872 of them kept (an id, not a repeat); 2,515 zero prices, 40 kept;
      // 1,336 unmarked negative quantities, none with a customer id (so all quarantined as missing-customer-id first)
      assert.deepEqual([obs['exact-duplicate-line']!.count, obs['exact-duplicate-line']!.quarantined, obs['exact-duplicate-line']!.quarantinedAsReason], [5268, 5268, 5225]);
      assert.deepEqual([obs['cancellation-line']!.count, obs['cancellation-line']!.loaded, obs['cancellation-line']!.quarantined], [9288, 8872, 416]);
      assert.deepEqual([obs['zero-price']!.count, obs['zero-price']!.loaded], [2515, 40]);
      assert.deepEqual([obs['unmarked-negative-quantity']!.count, obs['unmarked-negative-quantity']!.quarantined, obs['unmarked-negative-quantity']!.quarantinedAsReason], [1336, 1336, 0]);
      const text = renderImport(r);
      assert.match(text, /✓ read = loaded \+ quarantined: 541,909 = 401,604 loaded \+ 140,305 quarantined/);
      assert.match(text, /✓ quarantined = missing-customer-id \+ duplicate-row: 140,305 = 135,080 \+ 5,225/);
      assert.match(text, /^ {2}missing-customer-id +135,080$/m);
      assert.match(text, /^exact-duplicate-line +5,268 +0 +5,268 .*\(5,225 as duplicate-row, 43 under an earlier reason\)$/m);
      assert.match(text, /^cancellation-line +9,288 +8,872 +416 /m);
      assert.match(text, /^unmarked-negative-quantity +1,336 +0 +1,336 .*\(0 as unmarked-negative-quantity, 1,336 under an earlier reason\)$/m);

      // an export overlapping the first: its 3,000 lines are already present, and the sums say so
      const part = join(dir, 'first-3000.csv');
      writeFileSync(part, readFileSync(OR.path, 'utf8').split('\n').slice(0, 3001).join('\n') + '\n');
      const again = await importFile(ws, part, { kind: 'transactions' });
      assert.deepEqual(again.rows, { read: 3000, loaded: 0, quarantined: 0, alreadyPresent: 3000 });
      for (const o of again.observations) assert.equal(o.alreadyPresent, o.count, o.code);
      const t2 = renderImport(again);
      assert.match(t2, /✓ read = loaded \+ already present \+ quarantined: 3,000 = 0 loaded \+ 3,000 already present \+ 0 quarantined/);
      assert.match(t2, /seen in the file +rows +loaded +already present +quarantined/);
    } finally {
      ws.close();
    }
  });
});

const GROCERIES = shared('groceries-dataset/Groceries_dataset.csv');

test('a file without quantities: repeated same-day same-item lines are loaded as repeat buys, not quarantined (groceries-dataset)', { skip: GROCERIES.skip }, async () => {
  // written out: the data lines (BOM, CRLF, no final newline), and how often each exact line repeats
  const lines = readFileSync(GROCERIES.path, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).slice(1).filter((l) => l !== '');
  const copies = new Map<string, number>();
  for (const l of lines) copies.set(l, (copies.get(l) ?? 0) + 1);
  const repeats = [...copies.values()].reduce((a, n) => a + n - 1, 0);
  assert.equal(lines.length, 38765);
  assert.equal(repeats, 759); // pandas 1.5.3: df.duplicated().sum() == 759
  const [most, mostCopies] = [...copies].sort((a, b) => b[1] - a[1])[0]!;
  assert.equal(mostCopies, 4);
  await withTempDir(async (dir) => {
    const ws = await Workspace.open(dir, { create: true });
    try {
      const r = await importFile(ws, GROCERIES.path, { kind: 'transactions' });
      assert.deepEqual(r.rows, { read: 38765, loaded: 38765, quarantined: 0, alreadyPresent: 0 });
      assert.equal(r.reconciled, true);
      assert.deepEqual(r.quarantineByReason, {});
      const obs = r.observations.find((o) => o.code === 'repeated-line-without-quantity')!;
      assert.deepEqual([obs.count, obs.loaded, obs.quarantined], [repeats, repeats, 0]);
      assert.ok(!r.observations.some((o) => o.code === 'exact-duplicate-line'));
      assert.ok(r.warnings.some((w) => w.startsWith('759 repeated lines were loaded as repeat buys: the file has no quantity column')), r.warnings.join('\n'));
      const text = renderImport(r);
      assert.match(text, /^759 repeated lines loaded as repeat buys \(no quantity column/m);
      assert.match(text, /✓ read = loaded \+ quarantined: 38,765 = 38,765 loaded \+ 0 quarantined/);
      // the line repeated four times is four lines of that member, day and item
      const [member, date, item] = most.split(',') as [string, string, string];
      const [d, m, y] = date.split('-');
      const n = await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM transactions WHERE customer_id = ? AND product_id = ? AND CAST(ts AS DATE) = CAST(? AS DATE)', [member, item, `${y}-${m}-${d}`]);
      assert.equal(Number(n!.n), 4);
      // importing the same lines again (another file) recognises every one of them, repeats included
      const copy = join(dir, 'copy.csv');
      writeFileSync(copy, `Member_number,Date,itemDescription\n${lines.join('\n')}\n`);
      const again = await importFile(ws, copy, { kind: 'transactions' });
      assert.deepEqual(again.rows, { read: 38765, loaded: 0, quarantined: 0, alreadyPresent: 38765 });
    } finally {
      ws.close();
    }
  });
  await withTempDir(async (dir) => {
    const ws = await Workspace.open(dir, { create: true });
    try {
      const r = await importFile(ws, GROCERIES.path, { kind: 'transactions', policies: { repeatsWithoutQuantity: 'quarantine' } });
      assert.deepEqual(r.rows, { read: 38765, loaded: 38765 - repeats, quarantined: repeats, alreadyPresent: 0 });
      assert.deepEqual(r.quarantineByReason, { 'duplicate-row': repeats });
    } finally {
      ws.close();
    }
  });
});

test('a file with quantities keeps quarantining exact repeats as duplicate-row (CDNOW: 255)', { skip: CDNOW.skip }, async () => {
  await withTempDir(async (dir) => {
    const ws = await Workspace.open(dir, { create: true });
    try {
      const r = await importFile(ws, CDNOW.path, { kind: 'transactions' });
      // written out: exact repeats of a data line of CDNOW_master.txt (fields split on whitespace)
      const seen = new Map<string, number>();
      for (const l of readFileSync(CDNOW.path, 'utf8').split(/\r?\n/).slice(1)) {
        const k = l.trim().split(/\s+/).join(' ');
        if (k) seen.set(k, (seen.get(k) ?? 0) + 1);
      }
      const repeats = [...seen.values()].reduce((a, n) => a + n - 1, 0);
      assert.equal(repeats, 255);
      assert.deepEqual(r.quarantineByReason, { 'duplicate-row': repeats });
      assert.ok(!r.observations.some((o) => o.code === 'repeated-line-without-quantity'));
    } finally {
      ws.close();
    }
  });
});
