import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agg, and, col, compile, eq, fn, gt, index, isNotNull, lag, lt, not, num, param, quantiles, select, subquery, table, type DialectName } from './index.ts';

// Every case lists the SQL of every dialect: adding a dialect fails to type-check until each has one.
type Expected = Record<DialectName, string>;

const perCustomer = select({
  with: [{ name: 'lines', query: select({ select: '*', from: table('transactions'), where: lt(col('ts'), param(new Date('2024-02-01T00:00:00Z'))) }) }],
  select: [
    { expr: col('customer_id'), as: 'customer_id' },
    { expr: fn('days_between', agg('max', col('ts')), param(new Date('2024-02-01T00:00:00Z'))), as: 'recency_days' },
    { expr: agg('count', col('order_id'), { distinct: true, filter: not(col('is_return')) }), as: 'frequency' },
    { expr: agg('sum', col('amount')), as: 'monetary' },
  ],
  from: table('lines'),
  groupBy: [col('customer_id')],
});

test('a per-customer aggregate compiles for every dialect (CTE inlined and -If aggregates for ClickHouse)', () => {
  const want: Expected = {
    duckdb: `WITH "lines" AS (SELECT * FROM "transactions" WHERE "ts" < CAST($1 AS TIMESTAMP)) SELECT "customer_id" AS "customer_id", date_diff('day', CAST(max("ts") AS DATE), CAST(CAST($2 AS TIMESTAMP) AS DATE)) AS "recency_days", count(DISTINCT "order_id") FILTER (WHERE (NOT "is_return")) AS "frequency", sum("amount") AS "monetary" FROM "lines" GROUP BY "customer_id"`,
    postgres: `WITH "lines" AS (SELECT * FROM "transactions" WHERE "ts" < CAST($1 AS TIMESTAMP)) SELECT "customer_id" AS "customer_id", (CAST(CAST($2 AS TIMESTAMP) AS DATE) - CAST(max("ts") AS DATE)) AS "recency_days", count(DISTINCT "order_id") FILTER (WHERE (NOT "is_return")) AS "frequency", sum("amount") AS "monetary" FROM "lines" GROUP BY "customer_id"`,
    clickhouse: "SELECT `customer_id` AS `customer_id`, dateDiff('day', toDate(max(`ts`)), toDate(CAST('2024-02-01 00:00:00' AS DateTime))) AS `recency_days`, uniqExactIf(`order_id`, (NOT `is_return`)) AS `frequency`, sum(`amount`) AS `monetary` FROM (SELECT * FROM `transactions` WHERE `ts` < CAST('2024-02-01 00:00:00' AS DateTime)) AS `lines` GROUP BY `customer_id`",
  };
  for (const d of Object.keys(want) as DialectName[]) assert.equal(compile(perCustomer, d).sql, want[d], d);
  assert.deepEqual(compile(perCustomer, 'postgres').params, ['2024-02-01 00:00:00', '2024-02-01 00:00:00']);
  assert.deepEqual(compile(perCustomer, 'clickhouse').params, []);
});

test('quantile edges compile per dialect and are indexed 1-based', () => {
  const q = select({ select: [{ expr: index(quantiles(col('x'), [0.25, 0.5, 0.75]), 2), as: 'median' }], from: table('t') });
  const want: Expected = {
    duckdb: 'SELECT (quantile_cont("x", [0.25, 0.5, 0.75]))[2] AS "median" FROM "t"',
    postgres: 'SELECT (percentile_cont(ARRAY[0.25, 0.5, 0.75]::DOUBLE PRECISION[]) WITHIN GROUP (ORDER BY "x"))[2] AS "median" FROM "t"',
    clickhouse: 'SELECT arrayElement(quantiles(0.25, 0.5, 0.75)(`x`), 2) AS `median` FROM `t`',
  };
  for (const d of Object.keys(want) as DialectName[]) assert.equal(compile(q, d).sql, want[d], d);
});

test("postgres: rule with an apostrophe in a value compiles to a bound parameter; clickhouse escapes it", () => {
  const q = select({ select: '*', from: table('customers'), where: and(eq(col('city'), param("Val d'Isère")), gt(col('age'), num(30))) });
  const pg = compile(q, 'postgres');
  assert.equal(pg.sql, 'SELECT * FROM "customers" WHERE ("city" = $1 AND "age" > 30)');
  assert.deepEqual(pg.params, ["Val d'Isère"]);
  const ch = compile(q, 'clickhouse');
  assert.equal(ch.sql, "SELECT * FROM `customers` WHERE (`city` = 'Val d''Isère' AND `age` > 30)");
  const evil = compile(select({ select: '*', from: table('t'), where: eq(col('a'), param("x\\' OR 1=1 --")) }), 'clickhouse');
  assert.equal(evil.sql, "SELECT * FROM `t` WHERE `a` = 'x\\\\'' OR 1=1 --'");
});

test('identifiers are quoted, never spliced', () => {
  const q = select({ select: [{ expr: col('we"ird'), as: 'a`b' }], from: subquery(select({ select: '*', from: table('x') }), 's'), where: isNotNull(col('we"ird')) });
  assert.equal(compile(q, 'duckdb').sql, 'SELECT "we""ird" AS "a`b" FROM (SELECT * FROM "x") AS "s" WHERE ("we""ird" IS NOT NULL)');
  assert.equal(compile(q, 'clickhouse').sql, 'SELECT `we"ird` AS `a\\`b` FROM (SELECT * FROM `x`) AS `s` WHERE (`we"ird` IS NOT NULL)');
});

test('window functions are refused where the engine has none', () => {
  const q = select({ select: [{ expr: lag(col('d'), [col('c')], [col('d')]), as: 'prev' }], from: table('v') });
  assert.equal(compile(q, 'duckdb').sql, 'SELECT lag("d") OVER (PARTITION BY "c" ORDER BY "d") AS "prev" FROM "v"');
  assert.throws(() => compile(q, 'clickhouse'), (e: { code: string }) => e.code === 'unsupported-in-dialect');
});
