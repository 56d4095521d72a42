// The SQL corpus (test/helpers/sql-corpus.ts) run on DuckDB (in memory) and on PostgreSQL (when
// TEST_POSTGRES_URL is set), each checked against the values worked out by hand there; the ClickHouse SQL of
// a few cases is checked as text here and run on ClickHouse in test/integration/sql-corpus-clickhouse.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine, type Engine } from '../engines/index.ts';
import { openMemoryDb } from '../store/workspace.ts';
import { assertRows, CASES, normalise, perCustomer, rule, setupSql, WINDOWED, edgeBins, ntileBins, type Row } from '../../test/helpers/sql-corpus.ts';
import { compile, DIALECT, type Dialect, type DialectName } from './index.ts';

const PG_URL = process.env.TEST_POSTGRES_URL;
const PG_SKIP = PG_URL ? false : 'TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test): PostgreSQL runs skipped';
if (!PG_URL) console.log(`# ${PG_SKIP}`);

const SETUP = setupSql();

// DuckDB told it has none of the optional features: CTEs inlined, FILTER written as CASE inside the
// aggregate, inner-join inequalities moved to WHERE, no windows. The same hand-worked rows must come out.
const bareDuckdb: Dialect = {
  ...DIALECT.duckdb,
  capabilities: { cte: false, filterClause: false, windowFunctions: false, boundParams: true, multipleJoins: false, nonEquiJoins: false, aliasesShadowColumns: true },
};

let duck: Awaited<ReturnType<typeof openMemoryDb>> | undefined;
let client: Engine | undefined;
const duckRows = new Map<string, Row[]>();

before(async () => {
  duck = await openMemoryDb();
  for (const sql of SETUP) await duck.db.run(sql);
  if (PG_URL) {
    client = await openEngine(PG_URL); // in UTC, one connection (the temporary tables stay)
    for (const sql of SETUP) await client.run(sql);
  }
});
after(async () => {
  duck?.close();
  await client?.close();
});

for (const c of CASES) {
  test(`duckdb: ${c.name}`, async () => {
    const { sql, params } = compile(c.query, 'duckdb');
    const rows = normalise(await duck!.db.all(sql, params));
    duckRows.set(c.name, rows);
    assertRows(rows, c.rows, 'duckdb');
  });
  test(`postgres: ${c.name}`, { skip: PG_SKIP }, async () => {
    const { sql, params } = compile(c.query, 'postgres');
    const rows = normalise(await client!.all(sql, params));
    assertRows(rows, c.rows, 'postgres');
    const d = duckRows.get(c.name);
    if (d) assertRows(rows, d, 'postgres against duckdb');
  });
}

for (const c of CASES.filter((x) => !WINDOWED.has(x.query))) {
  test(`duckdb without CTEs, FILTER, non-equi joins or windows: ${c.name}`, async () => {
    const { sql, params } = compile(c.query, bareDuckdb);
    assert.doesNotMatch(sql, /\bWITH\b|\bFILTER\b|\bOVER\b/);
    assertRows(normalise(await duck!.db.all(sql, params)), c.rows, 'bare duckdb');
  });
}

test('postgres: rule with an apostrophe in a value compiles to a bound parameter', { skip: PG_SKIP }, async () => {
  const { sql, params } = compile(rule("Val d'Isère"), 'postgres');
  assert.equal(sql, 'SELECT "customer_id" AS "customer_id" FROM "customers" WHERE ("city" = $1 AND "age" > CAST($2 AS BIGINT)) ORDER BY "customer_id"');
  assert.deepEqual(params, ["Val d'Isère", 30]);
  assert.deepEqual(await client!.all(sql, params), [{ customer_id: 'c4' }]);
  // a value that would end a naively quoted literal is just a value that matches nothing
  const evil = compile(rule("x' OR '1'='1"), 'postgres');
  assert.deepEqual(await client!.all(evil.sql, evil.params), []);
});

test('clickhouse: the per-customer aggregate inlines the CTE and literals, with -If aggregates', () => {
  assert.equal(
    compile(perCustomer, 'clickhouse').sql,
    'SELECT `customer_id` AS `customer_id`, '
      + "(toRelativeDayNum(toDate(toDateTime('2024-02-01 00:00:00'))) - toRelativeDayNum(toDate(if(countIf((NOT `is_return`)) > 0, maxIf(`ts`, (NOT `is_return`)), NULL)))) AS `recency_days`, "
      + "((toUInt32(toDateTime(toDateTime('2024-02-01 00:00:00'))) - toUInt32(toDateTime(if(countIf((NOT `is_return`)) > 0, maxIf(`ts`, (NOT `is_return`)), NULL)))) / 86400) AS `recency_exact`, "
      + 'uniqExactIf(`order_id`, (NOT `is_return`)) AS `orders`, toFloat64(sum(`amount`)) AS `net`, '
      + 'toFloat64(if(countIf((NOT `is_return`)) > 0, sumIf(`amount`, (NOT `is_return`)), NULL)) AS `gross`, count() AS `line_count` '
      + "FROM (SELECT * FROM `transactions` WHERE toDateTime(`ts`) < toDateTime('2024-02-01 00:00:00')) AS `lines` GROUP BY `customer_id` ORDER BY `customer_id`",
  );
  assert.deepEqual(compile(perCustomer, 'clickhouse').params, []);
});

test('clickhouse: quantile edges and bins use sorted values and arrayElement, no WITH and no window', () => {
  const sql = compile(edgeBins('vals', 5), 'clickhouse').sql;
  assert.equal(
    sql,
    'SELECT `v`.`id` AS `id`, 1 + (CASE WHEN arrayElement(`e`.`q`, 1) < `v`.`x` THEN 1 ELSE 0 END + CASE WHEN arrayElement(`e`.`q`, 2) < `v`.`x` THEN 1 ELSE 0 END'
      + ' + CASE WHEN arrayElement(`e`.`q`, 3) < `v`.`x` THEN 1 ELSE 0 END + CASE WHEN arrayElement(`e`.`q`, 4) < `v`.`x` THEN 1 ELSE 0 END) AS `bin`, '
      + 'arrayElement(`e`.`q`, 1) AS `edge_1`, arrayElement(`e`.`q`, 2) AS `edge_2`, arrayElement(`e`.`q`, 3) AS `edge_3`, arrayElement(`e`.`q`, 4) AS `edge_4` '
      + 'FROM (SELECT * FROM `vals`) AS `v` CROSS JOIN (SELECT [if(length(arraySort(groupArray(toFloat64(`x`)))) = 0, nan, arrayElement(arraySort(groupArray(toFloat64(`x`))), toUInt64(floor(0.2 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1))) + 1) * (floor(0.2 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1)) + 1 - 0.2 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1)) + arrayElement(arraySort(groupArray(toFloat64(`x`))), toUInt64(floor(0.2 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1))) + 2) * (0.2 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1) - floor(0.2 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1)))), if(length(arraySort(groupArray(toFloat64(`x`)))) = 0, nan, arrayElement(arraySort(groupArray(toFloat64(`x`))), toUInt64(floor(0.4 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1))) + 1) * (floor(0.4 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1)) + 1 - 0.4 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1)) + arrayElement(arraySort(groupArray(toFloat64(`x`))), toUInt64(floor(0.4 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1))) + 2) * (0.4 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1) - floor(0.4 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1)))), if(length(arraySort(groupArray(toFloat64(`x`)))) = 0, nan, arrayElement(arraySort(groupArray(toFloat64(`x`))), toUInt64(floor(0.6 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1))) + 1) * (floor(0.6 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1)) + 1 - 0.6 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1)) + arrayElement(arraySort(groupArray(toFloat64(`x`))), toUInt64(floor(0.6 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1))) + 2) * (0.6 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1) - floor(0.6 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1)))), if(length(arraySort(groupArray(toFloat64(`x`)))) = 0, nan, arrayElement(arraySort(groupArray(toFloat64(`x`))), toUInt64(floor(0.8 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1))) + 1) * (floor(0.8 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1)) + 1 - 0.8 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1)) + arrayElement(arraySort(groupArray(toFloat64(`x`))), toUInt64(floor(0.8 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1))) + 2) * (0.8 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1) - floor(0.8 * (length(arraySort(groupArray(toFloat64(`x`)))) - 1))))] AS `q` FROM `vals`) AS `e` ORDER BY `v`.`id`',
  );
  assert.throws(() => compile(ntileBins, 'clickhouse'), { code: 'unsupported-in-dialect' });
});

test('clickhouse: the apostrophe rule is an escaped literal', () => {
  const c = compile(rule("Val d'Isère"), 'clickhouse');
  assert.equal(c.sql, "SELECT `customer_id` AS `customer_id` FROM `customers` WHERE (`city` = 'Val d\\'Isère' AND `age` > 30) ORDER BY `customer_id`");
  assert.deepEqual(c.params, []);
});

test('every case compiles for every dialect that can express it', () => {
  for (const c of CASES) {
    for (const d of ['duckdb', 'postgres', 'clickhouse'] satisfies DialectName[]) {
      if (d === 'clickhouse' && WINDOWED.has(c.query)) continue;
      assert.doesNotThrow(() => compile(c.query, d), `${d}: ${c.name}`);
    }
  }
});
