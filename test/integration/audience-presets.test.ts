// Industry audience packs on their generator presets (members checked against the planted segments) and
// on the public data sets they fit (counts checked against the files read independently).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { evaluatePack } from '../../src/pipeline/audience.ts';
import { runClvFit, runClvPredict } from '../../src/pipeline/clv.ts';
import { AUDIENCE_PRESETS } from '../../src/segments/presets/index.ts';
import { importFile } from '../../src/store/import/index.ts';
import { openMemoryDb, type Workspace } from '../../src/store/workspace.ts';
import { quoteString } from '../../src/sql/quote.ts';
import { importGenerated } from '../helpers/audience-data.ts';
import { shared, withTempDir, withWorkspace } from '../helpers/workspace.ts';

/** audience → planted segment that must make up at least `share` of its members */
const PLANTED: Record<string, Record<string, [string, number]>> = {
  ecommerce: { 'high-clv': ['champions', 0.3], 'lapsed-90': ['lapsed', 0.3], 'coupon-users': ['bargain hunters', 0.5], 'one-time-buyers': ['one-time buyers', 0.5], 'high-spenders': ['champions', 0.4] },
  grocery: { 'produce-lovers': ['produce lovers', 0.5], 'meat-lovers': ['meat lovers', 0.5], 'gourmet-lovers': ['gourmet', 0.5] },
  banking: { 'cash-advance-heavy': ['cash-advance heavy', 0.6], 'dormant-accounts': ['dormant', 0.6] },
  telecom: { 'support-call-churn-risk': ['churn risk', 0.6], 'heavy-data-users': ['heavy data users', 0.6], 'suspicious-usage-spikes': ['heavy data users', 0.6] },
  ngo: { 'major-donors': ['major donors', 0.8], 'recurring-givers': ['recurring givers', 0.8], 'lapsed-donors': ['lapsed donors', 0.5] },
};

async function plantedShares(ws: Workspace, runId: number, truthFile: string): Promise<Map<string, number>> {
  const rows = await ws.db.all<{ segment: string; n: number }>(
    `SELECT g.segment, count(*) AS n FROM audience_members m JOIN read_csv(${quoteString(truthFile)}, header = true, all_varchar = true) g ON g.customer_id = m.customer_id WHERE m.run_id = ? GROUP BY 1`, [runId]);
  const total = rows.reduce((a, r) => a + Number(r.n), 0);
  return new Map(rows.map((r) => [r.segment, Number(r.n) / total]));
}

for (const preset of ['ecommerce', 'grocery', 'banking', 'telecom', 'ngo'] as const) {
  test(`${preset} audience pack on the ${preset} generator: every audience applies, splits the customers, and finds its planted segment`, async () => {
    await withTempDir(async (dir) => {
      await withWorkspace(async (ws) => {
        await importGenerated(ws, preset, 1500, 42, dir);
        // the CLV audiences read the latest stored predictions
        if (preset === 'ecommerce') {
          await runClvFit(ws);
          await runClvPredict(ws, { horizon: 12, unit: 'month' });
        }
        const total = Number((await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM customers'))!.n);
        const r = await evaluatePack(ws, AUDIENCE_PRESETS[preset]!, { skipMissing: true });
        const applicable = new Set(r.results.map((x) => x.name));
        const expectedNa = preset === 'banking' ? ['mortgage-and-loan'] : [];
        assert.deepEqual(r.notApplicable.map((x) => x.name), expectedNa);
        console.log(`${preset} (${total} customers): ${r.results.map((x) => `${x.name} ${x.customers}`).join(', ')}`);
        for (const x of r.results) assert.ok(x.customers > 0 && x.customers < total, `${x.name}: ${x.customers} of ${total}`);
        for (const [aud, [segment, share]] of Object.entries(PLANTED[preset]!)) {
          assert.ok(applicable.has(aud), aud);
          const s = await plantedShares(ws, r.results.find((x) => x.name === aud)!.runId!, join(dir, 'ground_truth.csv'));
          assert.ok((s.get(segment) ?? 0) >= share, `${aud}: ${segment} make up ${((s.get(segment) ?? 0) * 100).toFixed(0)}% of the members, expected ≥ ${share * 100}% (${JSON.stringify([...s])})`);
        }
      });
    });
  });
}

/** One number from a file read by DuckDB directly (not through Segmint's import or audiences). */
async function reference(sql: string): Promise<number> {
  const m = await openMemoryDb();
  try {
    return Number((await m.db.one<{ n: number }>(sql))!.n);
  } finally {
    m.close();
  }
}

/** Import one file into a fresh workspace and evaluate a pack on it (not stored); `fn` gets the counts by audience. */
async function packOn(label: string, file: string, kind: 'customers' | 'transactions', pack: string, asOf: string | undefined, fn: (count: (name: string) => number | undefined, notApplicable: string[], ws: Workspace) => Promise<void>, before?: (ws: Workspace) => Promise<void>): Promise<void> {
  await withWorkspace(async (ws) => {
    await importFile(ws, file, { kind });
    await before?.(ws);
    const r = await evaluatePack(ws, AUDIENCE_PRESETS[pack]!, { skipMissing: true, store: false, ...(asOf ? { asOf } : {}) });
    console.log(`${label}: ${r.results.map((x) => `${x.name} ${x.customers}`).join(', ')}; not applicable: ${r.notApplicable.map((x) => x.name).join(', ')}`);
    await fn((name) => r.results.find((x) => x.name === name)?.customers, r.notApplicable.map((x) => x.name).sort(), ws);
  });
}

const telco = shared('telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv');
test('telecom pack on telco-churn: the contract audiences match the file', { skip: telco.skip }, async () => {
  await packOn('telco-churn', telco.path, 'customers', 'telecom', '2020-01-01', async (count, notApplicable) => {
    const f = quoteString(telco.path);
    assert.equal(count('contract-ending'), await reference(`SELECT count(*) AS n FROM read_csv(${f}, header = true, all_varchar = true) WHERE Contract = 'Month-to-month' AND CAST(tenure AS INT) >= 12`));
    assert.equal(count('new-month-to-month'), await reference(`SELECT count(*) AS n FROM read_csv(${f}, header = true, all_varchar = true) WHERE Contract = 'Month-to-month' AND CAST(tenure AS INT) < 12`));
    const highBill = count('high-bill-short-tenure')!;
    assert.equal(highBill, await reference(`WITH t AS (SELECT CAST(MonthlyCharges AS DOUBLE) AS mc, CAST(tenure AS INT) AS tenure FROM read_csv(${f}, header = true, all_varchar = true))
      SELECT count(*) AS n FROM t WHERE mc > (SELECT quantile_cont(mc, 0.75) FROM t) AND tenure < 12`));
    assert.deepEqual(notApplicable, ['heavy-data-users', 'support-call-churn-risk', 'suspicious-usage-spikes']);
  });
});

const bank = shared('bank-marketing/bank-full.csv');
test('banking pack on bank-marketing: loan holders and high balances match the file', { skip: bank.skip }, async () => {
  await packOn('bank-marketing', bank.path, 'customers', 'banking', '2014-01-01', async (count) => {
    const f = `read_csv(${quoteString(bank.path)}, header = true, delim = ';', all_varchar = true)`;
    assert.equal(count('mortgage-and-loan'), await reference(`SELECT count(*) AS n FROM ${f} WHERE housing = 'yes' AND loan = 'yes'`));
    assert.equal(count('high-balance'), await reference(`WITH t AS (SELECT CAST(balance AS DOUBLE) AS b FROM ${f}) SELECT count(*) AS n FROM t WHERE b > (SELECT quantile_cont(b, 0.9) FROM t)`));
  });
});

const cc = shared('cc-general/CC GENERAL.csv');
test('banking pack on cc-general: cash-advance heavy users and high balances match the file', { skip: cc.skip }, async () => {
  await packOn('cc-general', cc.path, 'customers', 'banking', '2020-01-01', async (count) => {
    const f = `read_csv(${quoteString(cc.path)}, header = true, all_varchar = true)`;
    assert.equal(count('cash-advance-heavy'), await reference(`WITH t AS (SELECT CAST(CASH_ADVANCE AS DOUBLE) AS c FROM ${f}) SELECT count(*) AS n FROM t WHERE c > 0 AND c > (SELECT quantile_cont(c, 0.8) FROM t)`));
    assert.equal(count('high-balance'), await reference(`WITH t AS (SELECT CAST(BALANCE AS DOUBLE) AS b FROM ${f}) SELECT count(*) AS n FROM t WHERE b > (SELECT quantile_cont(b, 0.9) FROM t)`));
  });
});

const retail = shared('online-retail/online_retail.csv');
test('ecommerce pack on online-retail: one-time buyers, lapsed customers and high CLV match the file and the stored predictions', { skip: retail.skip }, async () => {
  // clock times kept as written (UTC), so the file's own timestamps compare with the as-of date directly
  await packOn('online-retail', retail.path, 'transactions', 'ecommerce', undefined, async (count, notApplicable, ws) => {
    assert.deepEqual(notApplicable, ['abandoned-cart', 'loyal-reviewers', 'newsletter-browsers']);
    // the rule reads the latest clv-predict run: the reference takes that run's predictions only
    const clv = await ws.db.one<{ n: number }>(`WITH p AS (SELECT clv FROM clv_predictions WHERE run_id = (SELECT max(run_id) FROM runs WHERE kind = 'clv-predict'))
      SELECT count(*) FILTER (WHERE clv > (SELECT avg(clv) FROM p)) AS n FROM p`);
    assert.equal(count('high-clv'), Number(clv!.n));
    // invoices per customer from the file itself: not cancellations (C…), customer id present
    const f = `read_csv(${quoteString(retail.path)}, header = true, all_varchar = true)`;
    const perCustomer = `SELECT CustomerID AS c, count(DISTINCT InvoiceNo) FILTER (WHERE NOT starts_with(InvoiceNo, 'C')) AS orders,
      max(strptime(InvoiceDate, '%Y-%m-%d %H:%M:%S')) FILTER (WHERE NOT starts_with(InvoiceNo, 'C')) AS last FROM ${f} WHERE CustomerID IS NOT NULL GROUP BY 1`;
    assert.equal(count('one-time-buyers'), await reference(`SELECT count(*) AS n FROM (${perCustomer}) WHERE orders = 1`));
    // as of 2011-12-10 (the day after the last invoice): lapsed = two or more orders, none since 2011-09-11
    const lapsed = count('lapsed-90')!;
    assert.equal(lapsed, await reference(`SELECT count(*) AS n FROM (${perCustomer}) WHERE orders >= 2 AND last < TIMESTAMP '2011-09-11 00:00:00'`));
    assert.equal(count('coupon-users'), 0, 'the file has no coupons');
  }, async (ws) => {
    await runClvFit(ws);
    await runClvPredict(ws, { horizon: 12, unit: 'month' });
  });
});
