// Issue #14, "Real data, second pass", the smaller defects of item 10 that were left, each on the real file:
// blanks in a numeric column, LRFMP's P for customers with fewer than three purchase days, the import
// summary's reconciliation, completejourney's store_id, same-day same-item lines without quantities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
