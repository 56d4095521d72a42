import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSegmintError, type SegmintError } from '../core/errors.ts';
import * as s from './index.ts';
import { col, compile, lit, num, select, subquery, table, type DialectName, type Query } from './index.ts';

// Every case lists the SQL of every dialect: adding a dialect fails to type-check until each case has one.
type Expected = Record<DialectName, string>;

const cases: Record<string, { query: Query; want: Expected }> = {
  'quantile edges in a one-row subquery, indexed 1-based, bin values without window functions': {
    query: (() => {
      const edges = select({ select: [{ expr: s.quantiles(s.cast(col('x'), 'double'), [0.2, 0.4, 0.6, 0.8]), as: 'q' }], from: table('vals') });
      const below = [1, 2, 3, 4].map((k) => s.caseWhen([[s.lt(s.index(col('q', 'e'), k), col('x', 'v')), num(1)]], num(0))).reduce((a, b) => s.add(a, b));
      return select({ select: [{ expr: col('id', 'v'), as: 'id' }, { expr: s.add(num(1), below), as: 'bin' }], from: table('vals', 'v'), joins: [{ type: 'cross', target: subquery(edges, 'e') }] });
    })(),
    want: {
      duckdb: 'SELECT "v"."id" AS "id", 1 + (CASE WHEN ("e"."q")[1] < "v"."x" THEN 1 ELSE 0 END + CASE WHEN ("e"."q")[2] < "v"."x" THEN 1 ELSE 0 END + CASE WHEN ("e"."q")[3] < "v"."x" THEN 1 ELSE 0 END + CASE WHEN ("e"."q")[4] < "v"."x" THEN 1 ELSE 0 END) AS "bin" FROM "vals" AS "v" CROSS JOIN (SELECT quantile_cont(CAST("x" AS DOUBLE), [0.2, 0.4, 0.6, 0.8]) AS "q" FROM "vals") AS "e"',
      postgres: 'SELECT "v"."id" AS "id", 1 + (CASE WHEN ("e"."q")[1] < "v"."x" THEN 1 ELSE 0 END + CASE WHEN ("e"."q")[2] < "v"."x" THEN 1 ELSE 0 END + CASE WHEN ("e"."q")[3] < "v"."x" THEN 1 ELSE 0 END + CASE WHEN ("e"."q")[4] < "v"."x" THEN 1 ELSE 0 END) AS "bin" FROM "vals" AS "v" CROSS JOIN (SELECT percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]::DOUBLE PRECISION[]) WITHIN GROUP (ORDER BY CAST("x" AS DOUBLE PRECISION)) AS "q" FROM "vals") AS "e"',
      clickhouse: 'SELECT `v`.`id` AS `id`, 1 + (CASE WHEN arrayElement(`e`.`q`, 1) < `v`.`x` THEN 1 ELSE 0 END + CASE WHEN arrayElement(`e`.`q`, 2) < `v`.`x` THEN 1 ELSE 0 END + CASE WHEN arrayElement(`e`.`q`, 3) < `v`.`x` THEN 1 ELSE 0 END + CASE WHEN arrayElement(`e`.`q`, 4) < `v`.`x` THEN 1 ELSE 0 END) AS `bin` FROM (SELECT * FROM `vals`) AS `v` CROSS JOIN (SELECT [if(length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) = 0, nan, arrayElement(arraySort(groupArray(toFloat64(toFloat64(`x`)))), toUInt64(floor(0.2 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1))) + 1) * (floor(0.2 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1)) + 1 - 0.2 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1)) + arrayElement(arraySort(groupArray(toFloat64(toFloat64(`x`)))), toUInt64(floor(0.2 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1))) + 2) * (0.2 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1) - floor(0.2 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1)))), if(length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) = 0, nan, arrayElement(arraySort(groupArray(toFloat64(toFloat64(`x`)))), toUInt64(floor(0.4 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1))) + 1) * (floor(0.4 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1)) + 1 - 0.4 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1)) + arrayElement(arraySort(groupArray(toFloat64(toFloat64(`x`)))), toUInt64(floor(0.4 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1))) + 2) * (0.4 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1) - floor(0.4 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1)))), if(length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) = 0, nan, arrayElement(arraySort(groupArray(toFloat64(toFloat64(`x`)))), toUInt64(floor(0.6 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1))) + 1) * (floor(0.6 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1)) + 1 - 0.6 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1)) + arrayElement(arraySort(groupArray(toFloat64(toFloat64(`x`)))), toUInt64(floor(0.6 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1))) + 2) * (0.6 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1) - floor(0.6 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1)))), if(length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) = 0, nan, arrayElement(arraySort(groupArray(toFloat64(toFloat64(`x`)))), toUInt64(floor(0.8 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1))) + 1) * (floor(0.8 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1)) + 1 - 0.8 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1)) + arrayElement(arraySort(groupArray(toFloat64(toFloat64(`x`)))), toUInt64(floor(0.8 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1))) + 2) * (0.8 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1) - floor(0.8 * (length(arraySort(groupArray(toFloat64(toFloat64(`x`))))) - 1))))] AS `q` FROM `vals`) AS `e`',
    },
  },
  'filtered aggregates: FILTER (WHERE …), or -If combinators': {
    query: select({
      select: [
        { expr: s.count(undefined, { filter: col('is_return') }), as: 'returns' },
        { expr: s.count(col('coupon'), { filter: col('is_return') }), as: 'with_coupon' },
        { expr: s.avg(col('amount'), { filter: s.gt(col('amount'), num(0)) }), as: 'mean' },
        { expr: s.median(col('amount')), as: 'median' },
        { expr: s.stddevSamp(col('amount')), as: 'sd' },
        { expr: s.stddevPop(col('amount'), { filter: col('is_return') }), as: 'sd_returns' },
        { expr: s.quantiles(col('amount'), [0.5, 0.9], { filter: s.not(col('is_return')) }), as: 'q' },
      ],
      from: table('transactions'),
    }),
    want: {
      duckdb: 'SELECT count(*) FILTER (WHERE "is_return") AS "returns", count("coupon") FILTER (WHERE "is_return") AS "with_coupon", avg("amount") FILTER (WHERE "amount" > 0) AS "mean", median("amount") AS "median", stddev_samp("amount") AS "sd", stddev_pop("amount") FILTER (WHERE "is_return") AS "sd_returns", quantile_cont("amount", [0.5, 0.9]) FILTER (WHERE (NOT "is_return")) AS "q" FROM "transactions"',
      postgres: 'SELECT count(*) FILTER (WHERE "is_return") AS "returns", count("coupon") FILTER (WHERE "is_return") AS "with_coupon", avg("amount") FILTER (WHERE "amount" > 0) AS "mean", percentile_cont(0.5) WITHIN GROUP (ORDER BY "amount") AS "median", stddev_samp("amount") AS "sd", stddev_pop("amount") FILTER (WHERE "is_return") AS "sd_returns", percentile_cont(ARRAY[0.5, 0.9]::DOUBLE PRECISION[]) WITHIN GROUP (ORDER BY "amount") FILTER (WHERE (NOT "is_return")) AS "q" FROM "transactions"',
      clickhouse: 'SELECT countIf(`is_return`) AS `returns`, countIf(`coupon`, `is_return`) AS `with_coupon`, if(countIf(`amount` > 0) > 0, toFloat64(sumIf(`amount`, `amount` > 0)) / countIf(`amount` > 0), NULL) AS `mean`, if(length(arraySort(groupArray(toFloat64(`amount`)))) = 0, NULL, arrayElement(arraySort(groupArray(toFloat64(`amount`))), toUInt64(floor(0.5 * (length(arraySort(groupArray(toFloat64(`amount`)))) - 1))) + 1) * (floor(0.5 * (length(arraySort(groupArray(toFloat64(`amount`)))) - 1)) + 1 - 0.5 * (length(arraySort(groupArray(toFloat64(`amount`)))) - 1)) + arrayElement(arraySort(groupArray(toFloat64(`amount`))), toUInt64(floor(0.5 * (length(arraySort(groupArray(toFloat64(`amount`)))) - 1))) + 2) * (0.5 * (length(arraySort(groupArray(toFloat64(`amount`)))) - 1) - floor(0.5 * (length(arraySort(groupArray(toFloat64(`amount`)))) - 1)))) AS `median`, stddevSamp(`amount`) AS `sd`, if(countIf(`is_return`) > 0, stddevPopIf(`amount`, `is_return`), NULL) AS `sd_returns`, [if(length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) = 0, nan, arrayElement(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`))), toUInt64(floor(0.5 * (length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) - 1))) + 1) * (floor(0.5 * (length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) - 1)) + 1 - 0.5 * (length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) - 1)) + arrayElement(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`))), toUInt64(floor(0.5 * (length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) - 1))) + 2) * (0.5 * (length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) - 1) - floor(0.5 * (length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) - 1)))), if(length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) = 0, nan, arrayElement(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`))), toUInt64(floor(0.9 * (length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) - 1))) + 1) * (floor(0.9 * (length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) - 1)) + 1 - 0.9 * (length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) - 1)) + arrayElement(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`))), toUInt64(floor(0.9 * (length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) - 1))) + 2) * (0.9 * (length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) - 1) - floor(0.9 * (length(arraySort(groupArrayIf(toFloat64(`amount`), (NOT `is_return`)))) - 1))))] AS `q` FROM `transactions`',
    },
  },
  'values are typed bound parameters (or literals), nulls are NULL': {
    query: select({
      select: [
        { expr: lit(90), as: 'i' }, { expr: lit(0.25), as: 'x' }, { expr: lit(true), as: 'b' }, { expr: lit('text'), as: 's' },
        { expr: lit(new Date('2024-03-01T12:30:00Z')), as: 't' }, { expr: lit(null), as: 'n' }, { expr: num(-1.5), as: 'neg' },
      ],
      from: table('one'),
    }),
    want: {
      duckdb: 'SELECT CAST($1 AS BIGINT) AS "i", CAST($2 AS DOUBLE) AS "x", CAST($3 AS BOOLEAN) AS "b", $4 AS "s", CAST($5 AS TIMESTAMP) AS "t", NULL AS "n", (-1.5) AS "neg" FROM "one"',
      postgres: 'SELECT CAST($1 AS BIGINT) AS "i", CAST($2 AS DOUBLE PRECISION) AS "x", CAST($3 AS BOOLEAN) AS "b", $4 AS "s", CAST($5 AS TIMESTAMP) AS "t", NULL AS "n", (-1.5) AS "neg" FROM "one"',
      clickhouse: "SELECT 90 AS `i`, 0.25 AS `x`, 1 AS `b`, 'text' AS `s`, toDateTime('2024-03-01 12:30:00') AS `t`, NULL AS `n`, (-1.5) AS `neg` FROM `one`",
    },
  },
  'named functions per dialect': {
    query: select({
      select: [
        { expr: s.daysBetween(col('a'), col('b')), as: 'days' },
        { expr: s.daysBetweenExact(col('a'), col('b')), as: 'days_exact' },
        { expr: s.dateTrunc('month', col('a')), as: 'month' },
        { expr: s.dateTrunc('week', col('a')), as: 'week' },
        { expr: s.greatest(col('x'), col('y'), num(0)), as: 'g' },
        { expr: s.least(col('x'), col('y')), as: 'l' },
        { expr: s.round(col('x'), 2), as: 'r' },
        { expr: s.abs(col('x')), as: 'abs' },
        { expr: s.ln(col('x')), as: 'ln' },
        { expr: s.sqrt(col('x')), as: 'sqrt' },
        { expr: s.coalesce(col('x'), num(0)), as: 'c' },
        { expr: s.nullif(col('x'), num(0)), as: 'n' },
        { expr: s.lower(col('city')), as: 'lc' },
        { expr: s.startsWith(col('city'), lit('Val')), as: 'sw' },
        { expr: s.contains(col('city'), lit("d'I")), as: 'ct' },
      ],
      from: table('t'),
    }),
    want: {
      duckdb: `SELECT date_diff('day', CAST("a" AS DATE), CAST("b" AS DATE)) AS "days", ((epoch(CAST("b" AS TIMESTAMP)) - epoch(CAST("a" AS TIMESTAMP))) / 86400.0) AS "days_exact", date_trunc('month', CAST("a" AS TIMESTAMP)) AS "month", date_trunc('week', CAST("a" AS TIMESTAMP)) AS "week", greatest("x", "y", 0) AS "g", least("x", "y") AS "l", round("x", 2) AS "r", abs("x") AS "abs", ln("x") AS "ln", sqrt("x") AS "sqrt", coalesce("x", 0) AS "c", nullif("x", 0) AS "n", lower("city") AS "lc", starts_with("city", $1) AS "sw", (strpos("city", $2) > 0) AS "ct" FROM "t"`,
      postgres: `SELECT (CAST("b" AS DATE) - CAST("a" AS DATE)) AS "days", (CAST(EXTRACT(EPOCH FROM (CAST("b" AS TIMESTAMP) - CAST("a" AS TIMESTAMP))) AS DOUBLE PRECISION) / 86400) AS "days_exact", date_trunc('month', CAST("a" AS TIMESTAMP)) AS "month", date_trunc('week', CAST("a" AS TIMESTAMP)) AS "week", greatest("x", "y", 0) AS "g", least("x", "y") AS "l", CAST(round(CAST("x" AS NUMERIC), 2) AS DOUBLE PRECISION) AS "r", abs("x") AS "abs", ln("x") AS "ln", sqrt("x") AS "sqrt", coalesce("x", 0) AS "c", nullif("x", 0) AS "n", lower("city") AS "lc", starts_with("city", $1) AS "sw", (strpos("city", $2) > 0) AS "ct" FROM "t"`,
      clickhouse: "SELECT (toRelativeDayNum(toDate(`b`)) - toRelativeDayNum(toDate(`a`))) AS `days`, ((toUInt32(toDateTime(`b`)) - toUInt32(toDateTime(`a`))) / 86400) AS `days_exact`, toDateTime(toStartOfMonth(`a`)) AS `month`, toDateTime(toMonday(`a`)) AS `week`, greatest(coalesce(`x`, `y`, 0), greatest(coalesce(`y`, `x`, 0), coalesce(0, `x`, `y`))) AS `g`, least(coalesce(`x`, `y`), coalesce(`y`, `x`)) AS `l`, (if(toFloat64(`x`) < 0, -1, 1) * floor(abs(toFloat64(`x`)) * 100 + 0.5) / 100) AS `r`, abs(`x`) AS `abs`, log(`x`) AS `ln`, sqrt(`x`) AS `sqrt`, coalesce(`x`, 0) AS `c`, nullIf(`x`, 0) AS `n`, lowerUTF8(`city`) AS `lc`, startsWith(`city`, 'Val') AS `sw`, (position(`city`, 'd\\'I') > 0) AS `ct` FROM `t`",
    },
  },
  'casts, true division and NULL-safe division': {
    query: select({
      select: [
        { expr: s.cast(col('n'), 'double'), as: 'd' }, { expr: s.cast(col('x'), 'bigint'), as: 'i' }, { expr: s.cast(col('amount'), 'decimal'), as: 'm' },
        { expr: s.cast(col('ts'), 'date'), as: 'day' }, { expr: s.cast(s.NULL, 'varchar'), as: 'none' },
        { expr: s.div(col('a'), col('b')), as: 'ratio' }, { expr: s.div(s.add(col('a'), col('b')), num(2)), as: 'mid' },
        { expr: s.sub(col('a'), s.sub(col('b'), col('c'))), as: 'nested' },
      ],
      from: table('t'),
    }),
    want: {
      duckdb: 'SELECT CAST("n" AS DOUBLE) AS "d", CAST("x" AS BIGINT) AS "i", CAST("amount" AS DECIMAL(18,4)) AS "m", CAST("ts" AS DATE) AS "day", CAST(NULL AS VARCHAR) AS "none", "a" / NULLIF("b", 0) AS "ratio", ("a" + "b") / 2 AS "mid", "a" - ("b" - "c") AS "nested" FROM "t"',
      postgres: 'SELECT CAST("n" AS DOUBLE PRECISION) AS "d", CAST("x" AS BIGINT) AS "i", CAST("amount" AS NUMERIC(18,4)) AS "m", CAST("ts" AS DATE) AS "day", CAST(NULL AS VARCHAR) AS "none", CAST("a" AS DOUBLE PRECISION) / NULLIF("b", 0) AS "ratio", CAST(("a" + "b") AS DOUBLE PRECISION) / 2 AS "mid", "a" - ("b" - "c") AS "nested" FROM "t"',
      clickhouse: 'SELECT toFloat64(`n`) AS `d`, toInt64(`x`) AS `i`, toDecimal64(toFloat64(`amount`) + if(toFloat64(`amount`) < 0, -0.00005, 0.00005), 4) AS `m`, toDate(`ts`) AS `day`, CAST(NULL AS Nullable(String)) AS `none`, toFloat64(`a`) / nullIf(toFloat64(`b`), 0) AS `ratio`, toFloat64((`a` + `b`)) / 2 AS `mid`, `a` - (`b` - `c`) AS `nested` FROM `t`',
    },
  },
  'ORDER BY puts NULLs last unless told otherwise; DISTINCT and LIMIT': {
    query: select({
      distinct: true,
      select: [{ expr: col('customer_id') }, { expr: col('spend') }],
      from: table('t'),
      orderBy: [{ expr: col('spend'), desc: true }, { expr: col('customer_id'), nullsLast: false }],
      limit: 10,
    }),
    want: {
      duckdb: 'SELECT DISTINCT "customer_id", "spend" FROM "t" ORDER BY "spend" DESC, "customer_id" NULLS FIRST LIMIT 10',
      postgres: 'SELECT DISTINCT "customer_id", "spend" FROM "t" ORDER BY "spend" DESC NULLS LAST, "customer_id" NULLS FIRST LIMIT 10',
      clickhouse: 'SELECT DISTINCT `customer_id`, `spend` FROM `t` ORDER BY `spend` DESC NULLS LAST, `customer_id` NULLS FIRST LIMIT 10',
    },
  },
  'UNION ALL, IN (subquery) and IN lists': {
    query: s.unionAll(
      select({ select: [{ expr: col('customer_id'), as: 'id' }], from: table('customers'), where: s.inList(col('country'), ['FR', 'BE']) }),
      select({ select: [{ expr: col('customer_id'), as: 'id' }], from: table('transactions'), where: s.inQuery(col('customer_id'), select({ select: [{ expr: col('customer_id') }], from: table('vip') }), true), limit: 5 }),
    ),
    want: {
      duckdb: 'SELECT "customer_id" AS "id" FROM "customers" WHERE ("country" IN ($1, $2)) UNION ALL SELECT * FROM (SELECT "customer_id" AS "id" FROM "transactions" WHERE ("customer_id" NOT IN (SELECT "customer_id" FROM "vip")) LIMIT 5) AS "union_2"',
      postgres: 'SELECT "customer_id" AS "id" FROM "customers" WHERE ("country" IN ($1, $2)) UNION ALL SELECT * FROM (SELECT "customer_id" AS "id" FROM "transactions" WHERE ("customer_id" NOT IN (SELECT "customer_id" FROM "vip")) LIMIT 5) AS "union_2"',
      clickhouse: "SELECT `customer_id` AS `id` FROM `customers` WHERE (`country` IN ('FR', 'BE')) UNION ALL SELECT * FROM (SELECT `customer_id` AS `id` FROM `transactions` WHERE (`customer_id` GLOBAL NOT IN (SELECT `customer_id` FROM `vip`)) LIMIT 5) AS `union_2`",
    },
  },
  'CTEs: a later CTE reads an earlier one, and a CTE may read the table it shadows': {
    query: select({
      with: [
        { name: 'transactions', query: select({ select: '*', from: table('transactions'), where: s.not(col('is_return')) }) },
        { name: 'per', query: select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: s.sum(col('amount')), as: 'spend' }], from: table('transactions'), groupBy: [col('customer_id')] }) },
      ],
      select: [{ expr: col('customer_id', 'c'), as: 'customer_id' }, { expr: s.coalesce(col('spend', 'p'), num(0)), as: 'spend' }],
      from: table('customers', 'c'),
      joins: [{ type: 'left', target: table('per', 'p'), on: s.eq(col('customer_id', 'p'), col('customer_id', 'c')) }],
    }),
    want: {
      duckdb: 'WITH "transactions" AS (SELECT * FROM "transactions" WHERE (NOT "is_return")), "per" AS (SELECT "customer_id" AS "customer_id", sum("amount") AS "spend" FROM "transactions" GROUP BY "customer_id") SELECT "c"."customer_id" AS "customer_id", coalesce("p"."spend", 0) AS "spend" FROM "customers" AS "c" LEFT JOIN "per" AS "p" ON "p"."customer_id" = "c"."customer_id"',
      postgres: 'WITH "transactions" AS (SELECT * FROM "transactions" WHERE (NOT "is_return")), "per" AS (SELECT "customer_id" AS "customer_id", sum("amount") AS "spend" FROM "transactions" GROUP BY "customer_id") SELECT "c"."customer_id" AS "customer_id", coalesce("p"."spend", 0) AS "spend" FROM "customers" AS "c" LEFT JOIN "per" AS "p" ON "p"."customer_id" = "c"."customer_id"',
      clickhouse: 'SELECT `c`.`customer_id` AS `customer_id`, coalesce(`p`.`spend`, 0) AS `spend` FROM (SELECT * FROM `customers`) AS `c` LEFT JOIN (SELECT `customer_id` AS `customer_id`, sum(`amount`) AS `spend` FROM (SELECT * FROM `transactions` WHERE (NOT `is_return`)) AS `transactions` GROUP BY `customer_id`) AS `p` ON `p`.`customer_id` = `c`.`customer_id`',
    },
  },
  'a materialized CTE: one customer\'s rows first, then sorted (ClickHouse inlines it)': {
    query: select({
      with: [{ name: 'x', materialized: true, query: select({ select: [{ expr: col('ts'), as: 'ts' }], from: table('transactions'), where: s.eq(col('customer_id'), lit('c1')) }) }],
      select: [{ expr: col('ts'), as: 'ts' }], from: table('x'), orderBy: [{ expr: col('ts'), desc: true }], limit: 20,
    }),
    want: {
      duckdb: 'WITH "x" AS MATERIALIZED (SELECT "ts" AS "ts" FROM "transactions" WHERE "customer_id" = $1) SELECT "ts" AS "ts" FROM "x" ORDER BY "ts" DESC LIMIT 20',
      postgres: 'WITH "x" AS MATERIALIZED (SELECT "ts" AS "ts" FROM "transactions" WHERE "customer_id" = $1) SELECT "ts" AS "ts" FROM "x" ORDER BY "ts" DESC NULLS LAST LIMIT 20',
      clickhouse: "SELECT `ts` AS `ts` FROM (SELECT `ts` AS `ts` FROM `transactions` WHERE `customer_id` = 'c1') AS `x` ORDER BY `ts` DESC NULLS LAST LIMIT 20",
    },
  },
  'trigonometry, a scalar subquery and JSON keys (bound; ClickHouse literals)': {
    query: select({
      select: [
        { expr: s.asin(s.sqrt(s.mul(s.sin(col('x')), s.cos(col('y'))))), as: 'trig' },
        { expr: s.jsonGet(col('properties'), 'page'), as: 'page' },
        { expr: s.jsonGet(col('properties'), 'price', 'number'), as: 'price' },
      ],
      from: table('events'),
      where: s.gt(col('amount'), s.scalarQuery(select({ select: [{ expr: s.avg(col('amount')), as: 'a' }], from: table('events') }))),
    }),
    want: {
      duckdb: 'SELECT asin(sqrt(sin("x") * cos("y"))) AS "trig", json_extract_string("properties", $1) AS "page", CASE WHEN json_type("properties", $2) IN (\'UBIGINT\', \'BIGINT\', \'HUGEINT\', \'DOUBLE\') THEN CAST(json_extract_string("properties", $2) AS DOUBLE) END AS "price" FROM "events" WHERE "amount" > (SELECT avg("amount") AS "a" FROM "events")',
      postgres: 'SELECT asin(sqrt(sin("x") * cos("y"))) AS "trig", (CAST("properties" AS JSON) ->> $1) AS "page", CASE WHEN json_typeof(CAST("properties" AS JSON) -> $2) = \'number\' THEN CAST(CAST("properties" AS JSON) ->> $2 AS DOUBLE PRECISION) END AS "price" FROM "events" WHERE "amount" > (SELECT avg("amount") AS "a" FROM "events")',
      clickhouse: "SELECT asin(sqrt(sin(`x`) * cos(`y`))) AS `trig`, if(visitParamHas(`properties`, 'page'), visitParamExtractString(`properties`, 'page'), NULL) AS `page`, if(visitParamHas(`properties`, 'price'), toFloat64OrNull(visitParamExtractRaw(`properties`, 'price')), NULL) AS `price` FROM `events` WHERE `amount` > (SELECT if(count(`amount`) > 0, toFloat64(sum(`amount`)) / count(`amount`), NULL) AS `a` FROM `events`)",
    },
  },
};

for (const [name, { query, want }] of Object.entries(cases)) {
  test(`SQL per dialect: ${name}`, () => {
    for (const d of Object.keys(want) as DialectName[]) assert.equal(compile(query, d).sql, want[d], d);
  });
}

/** The diagnostics of a failed compile. */
function diagnostics(q: Query, d: DialectName): { code: string; path: string; message: string }[] {
  try {
    compile(q, d);
  } catch (e) {
    assert.ok(isSegmintError(e), String(e));
    return (e as SegmintError).details!.diagnostics as { code: string; path: string; message: string }[];
  }
  assert.fail(`expected ${d} to refuse the query`);
}

test('bound values: placeholders in order with their values; ClickHouse inlines them and binds nothing', () => {
  const q = cases['values are typed bound parameters (or literals), nulls are NULL']!.query;
  const want = [90, 0.25, true, 'text', '2024-03-01 12:30:00'];
  assert.deepEqual(compile(q, 'duckdb').params, want);
  assert.deepEqual(compile(q, 'postgres').params, want);
  assert.deepEqual(compile(q, 'clickhouse').params, []);
});

test('a rule with an apostrophe: a bound parameter in DuckDB and PostgreSQL, an escaped literal in ClickHouse', () => {
  const rule = select({ select: '*', from: table('customers'), where: s.and(s.eq(col('city'), lit("Val d'Isère")), s.gt(col('age'), lit(30))) });
  const want: Expected = {
    duckdb: 'SELECT * FROM "customers" WHERE ("city" = $1 AND "age" > CAST($2 AS BIGINT))',
    postgres: 'SELECT * FROM "customers" WHERE ("city" = $1 AND "age" > CAST($2 AS BIGINT))',
    clickhouse: "SELECT * FROM `customers` WHERE (`city` = 'Val d\\'Isère' AND `age` > 30)",
  };
  for (const d of Object.keys(want) as DialectName[]) assert.equal(compile(rule, d).sql, want[d], d);
  assert.deepEqual(compile(rule, 'postgres').params, ["Val d'Isère", 30]);
  assert.ok(!compile(rule, 'postgres').sql.includes('Isère'), 'the value is not in the SQL text');
});

test('clickhouse: a value that tries to end the literal stays inside it', () => {
  const where = (v: string) => compile(select({ select: '*', from: table('t'), where: s.eq(col('a'), lit(v)) }), 'clickhouse').sql;
  // backslash escaped first, then the quote: the literal cannot be closed from inside
  assert.equal(where("x\\' OR 1=1 --"), "SELECT * FROM `t` WHERE `a` = 'x\\\\\\' OR 1=1 --'");
  assert.equal(where('line\nbreak\ttab\0nul\u0001'), "SELECT * FROM `t` WHERE `a` = 'line\\nbreak\\ttab\\0nul\\x01'");
  assert.equal(where('Zürich 東京'), "SELECT * FROM `t` WHERE `a` = 'Zürich 東京'");
});

test('identifiers are quoted, never spliced', () => {
  const q = select({ select: [{ expr: col('we"ird'), as: 'a`b' }], from: subquery(select({ select: '*', from: table('x') }), 's'), where: s.isNotNull(col('we"ird')) });
  assert.equal(compile(q, 'duckdb').sql, 'SELECT "we""ird" AS "a`b" FROM (SELECT * FROM "x") AS "s" WHERE ("we""ird" IS NOT NULL)');
  assert.equal(compile(q, 'clickhouse').sql, 'SELECT `we"ird` AS `a\\`b` FROM (SELECT * FROM `x`) AS `s` WHERE (`we"ird` IS NOT NULL)');
});

test('window functions compile where the engine has them and are refused by ClickHouse, each with its place', () => {
  const q = select({
    select: [
      { expr: s.rowNumber([col('customer_id')], [{ expr: col('ts'), desc: true }]), as: 'rn' },
      { expr: s.ntile(5, [], [col('spend')]), as: 'bin' },
      { expr: s.lag(col('ts'), [col('customer_id')], [col('ts')]), as: 'prev' },
    ],
    from: table('t'),
  });
  assert.equal(compile(q, 'duckdb').sql, 'SELECT row_number() OVER (PARTITION BY "customer_id" ORDER BY "ts" DESC) AS "rn", ntile(5) OVER (ORDER BY "spend") AS "bin", lag("ts") OVER (PARTITION BY "customer_id" ORDER BY "ts") AS "prev" FROM "t"');
  assert.equal(compile(q, 'postgres').sql, 'SELECT row_number() OVER (PARTITION BY "customer_id" ORDER BY "ts" DESC NULLS LAST) AS "rn", ntile(5) OVER (ORDER BY "spend") AS "bin", lag("ts") OVER (PARTITION BY "customer_id" ORDER BY "ts") AS "prev" FROM "t"');
  const ds = diagnostics(q, 'clickhouse');
  assert.deepEqual(ds.map((x) => [x.code, x.path]), [
    ['unsupported-in-dialect', 'query.select[0].expr'],
    ['unsupported-in-dialect', 'query.select[1].expr'],
    ['unsupported-in-dialect', 'query.select[2].expr'],
  ]);
  assert.throws(() => compile(q, 'clickhouse'), (e: SegmintError) => e.code === 'unsupported-in-dialect' && /row_number\(\) is not available in clickhouse.*and 2 more problems/.test(e.message));
});

test('clickhouse: one JOIN per SELECT; inner-join conditions other than equalities move to WHERE, left-join ones are refused', () => {
  const inner = select({
    select: '*',
    from: table('visits', 'a'),
    joins: [{ type: 'inner', target: table('visits', 'b'), on: s.and(s.eq(col('id', 'a'), col('id', 'b')), s.lt(col('d', 'a'), col('d', 'b'))) }],
    where: s.isNotNull(col('d', 'a')),
  });
  assert.equal(compile(inner, 'postgres').sql, 'SELECT * FROM "visits" AS "a" JOIN "visits" AS "b" ON ("a"."id" = "b"."id" AND "a"."d" < "b"."d") WHERE ("a"."d" IS NOT NULL)');
  assert.equal(compile(inner, 'clickhouse').sql, 'SELECT * FROM (SELECT * FROM `visits`) AS `a` JOIN (SELECT * FROM `visits`) AS `b` ON `a`.`id` = `b`.`id` WHERE ((`a`.`d` IS NOT NULL) AND `a`.`d` < `b`.`d`)');
  const noKey = select({ select: '*', from: table('a'), joins: [{ type: 'inner', target: table('b'), on: s.lt(col('x', 'a'), col('x', 'b')) }] });
  assert.equal(compile(noKey, 'clickhouse').sql, 'SELECT * FROM (SELECT * FROM `a`) AS `a` CROSS JOIN (SELECT * FROM `b`) AS `b` WHERE `a`.`x` < `b`.`x`');
  const q = select({
    select: '*',
    from: table('a'),
    joins: [
      { type: 'left', target: table('b'), on: s.and(s.eq(col('id', 'a'), col('id', 'b')), s.lt(col('ts', 'a'), col('ts', 'b'))) },
      { type: 'inner', target: table('c'), on: s.eq(col('id', 'a'), col('id', 'c')) },
    ],
  });
  assert.doesNotThrow(() => compile(q, 'duckdb'));
  assert.deepEqual(diagnostics(q, 'clickhouse').map((x) => [x.code, x.path]), [
    ['unsupported-in-dialect', 'query.joins[0].on'],
    ['unsupported-in-dialect', 'query.joins[1]'],
  ]);
});

test('positional join: DuckDB pairs rows by position; the other engines refuse it, and it takes no ON condition', () => {
  const q = select({ select: [{ expr: col('id', 'i'), as: 'id' }, { expr: col('c', 'f'), as: 'c' }], from: table('ids', 'i'), joins: [{ type: 'positional', target: table('fit', 'f') }] });
  assert.equal(compile(q, 'duckdb').sql, 'SELECT "i"."id" AS "id", "f"."c" AS "c" FROM "ids" AS "i" POSITIONAL JOIN "fit" AS "f"');
  for (const d of ['postgres', 'clickhouse'] as const) assert.deepEqual(diagnostics(q, d).map((x) => [x.code, x.path]), [['unsupported-in-dialect', 'query.joins[0]']]);
  const on = select({ select: '*', from: table('a'), joins: [{ type: 'positional', target: table('b'), on: s.eq(col('x', 'a'), col('x', 'b')) }] });
  assert.deepEqual(diagnostics(on, 'duckdb').map((x) => [x.code, x.path]), [['invalid-join', 'query.joins[0].on']]);
});

test('clickhouse: an output alias that renames a column used elsewhere in its SELECT is refused', () => {
  const q = select({
    select: [{ expr: s.sum(col('amount')), as: 'amount' }, { expr: s.avg(col('amount')), as: 'mean' }, { expr: s.cast(col('n'), 'double'), as: 'n' }],
    from: table('t'),
    where: s.gt(col('n'), num(0)),
  });
  assert.doesNotThrow(() => compile(q, 'postgres'));
  const ds = diagnostics(q, 'clickhouse');
  assert.deepEqual(ds.map((x) => [x.code, x.path]), [['alias-shadows-column', 'query.select[0].as']]);
  assert.match(ds[0]!.message, /output column amount has the name of a column used in another output column/);
});

test('unknown functions and aggregates, wrong arity and bad arguments are collected, with suggestions', () => {
  const bad = select({
    select: [
      { expr: s.fn('lowr' as s.FnName, col('a')), as: 'x' },
      { expr: s.fn('nullif', col('a')), as: 'y' },
      { expr: s.agg('mediun' as s.AggName, col('a')), as: 'z' },
      { expr: s.quantiles(col('a'), [0.5, 1.5]), as: 'q' },
      { expr: s.index(col('arr'), 0), as: 'i' },
      { expr: s.round(col('a'), 2.5), as: 'r' },
    ],
    from: table('t'),
    limit: -1,
  });
  const ds = diagnostics(bad, 'duckdb');
  assert.deepEqual(ds.map((x) => [x.code, x.path]), [
    ['unknown-function', 'query.select[0].expr'],
    ['wrong-arity', 'query.select[1].expr'],
    ['unknown-aggregate', 'query.select[2].expr'],
    ['invalid-quantile', 'query.select[3].expr.ps'],
    ['invalid-argument', 'query.select[4].expr.i'],
    ['invalid-argument', 'query.select[5].expr.args[1]'],
    ['invalid-argument', 'query.limit'],
  ]);
  assert.match(ds[0]!.message, /unknown function lowr; did you mean lower\?/);
  assert.match(ds[2]!.message, /did you mean median\?/);
  assert.throws(() => compile(bad, 'nosql' as DialectName), (e: SegmintError) => e.code === 'unknown-dialect');
  assert.throws(() => num(Infinity), (e: SegmintError) => e.code === 'invalid-number');
});

test('clickhouse: sum(DISTINCT …) and sub-second timestamps cannot be written', () => {
  const q = select({ select: [{ expr: s.sum(col('a'), { distinct: true }), as: 's' }], from: table('t'), where: s.lt(col('ts'), lit(new Date('2024-01-01T00:00:00.250Z'))) });
  assert.deepEqual(diagnostics(q, 'clickhouse').map((x) => [x.code, x.path]), [
    ['unsupported-in-dialect', 'query.select[0].expr'],
    ['unsupported-in-dialect', 'query.where.right'],
  ]);
  assert.deepEqual(compile(q, 'duckdb').params, ['2024-01-01 00:00:00.250']);
});

test('IR nodes are frozen, and empty AND/OR/IN have their identities', () => {
  const e = s.and(s.eq(col('a'), num(1)));
  assert.ok(Object.isFrozen(e) && Object.isFrozen(select({ select: '*', from: table('t') })));
  assert.throws(() => { (e as { kind: string }).kind = 'x'; }, TypeError);
  const q = select({ select: [{ expr: s.and(), as: 't' }, { expr: s.or(), as: 'f' }, { expr: s.inList(col('a'), []), as: 'none' }], from: table('t') });
  assert.equal(compile(q, 'postgres').sql, 'SELECT TRUE AS "t", FALSE AS "f", FALSE AS "none" FROM "t"');
  assert.equal(compile(q, 'clickhouse').sql, 'SELECT 1 AS `t`, 0 AS `f`, 0 AS `none` FROM `t`');
});

test('a JSON key that is not a plain name is refused, never written into SQL', () => {
  assert.throws(() => compile(select({ select: [{ expr: s.jsonGet(col('p'), "a') OR 1=1 --"), as: 'v' }], from: table('t') }), 'duckdb'), (e: SegmintError) => e.code === 'invalid-identifier');
});

test('writes: INSERT … SELECT, CREATE TABLE AS (temporary, or MergeTree on ClickHouse), DELETE by key, DROP TABLE', () => {
  const q = select({ select: [{ expr: lit(7), as: 'run_id' }, { expr: col('customer_id'), as: 'customer_id' }], from: table('customers'), where: s.eq(col('city'), lit('Lyon')) });
  const ins = s.insertSelect('audience_members', q, ['run_id', 'customer_id']);
  assert.deepEqual(compile(ins, 'duckdb'), { sql: 'INSERT INTO "audience_members" ("run_id", "customer_id") SELECT CAST($1 AS BIGINT) AS "run_id", "customer_id" AS "customer_id" FROM "customers" WHERE "city" = $2', params: [7, 'Lyon'] });
  assert.deepEqual(compile(ins, 'postgres'), { sql: 'INSERT INTO "audience_members" ("run_id", "customer_id") SELECT CAST($1 AS BIGINT) AS "run_id", "customer_id" AS "customer_id" FROM "customers" WHERE "city" = $2', params: [7, 'Lyon'] });
  assert.deepEqual(compile(ins, 'clickhouse'), { sql: "INSERT INTO `audience_members` (`run_id`, `customer_id`) SELECT 7 AS `run_id`, `customer_id` AS `customer_id` FROM `customers` WHERE `city` = 'Lyon'", params: [] });
  assert.equal(compile(s.insertSelect('t', q), 'duckdb').sql.startsWith('INSERT INTO "t" SELECT '), true);

  const tmp = s.createTableAs('__f_1', select({ select: '*', from: table('customers') }), { temporary: true });
  assert.equal(compile(tmp, 'duckdb').sql, 'CREATE TEMP TABLE "__f_1" AS SELECT * FROM "customers"');
  assert.equal(compile(tmp, 'postgres').sql, 'CREATE TEMP TABLE "__f_1" AS SELECT * FROM "customers"');
  assert.equal(compile(tmp, 'clickhouse').sql, 'CREATE TABLE `__f_1` ENGINE = Memory AS SELECT * FROM `customers`');
  const kept = s.createTableAs('scores', select({ select: '*', from: table('customers') }), { orderBy: ['customer_id'] });
  assert.equal(compile(kept, 'duckdb').sql, 'CREATE TABLE "scores" AS SELECT * FROM "customers"');
  assert.equal(compile(kept, 'clickhouse').sql, 'CREATE TABLE `scores` ENGINE = MergeTree ORDER BY (`customer_id`) AS SELECT * FROM `customers`');
  assert.equal(compile(s.createTableAs('x', select({ select: '*', from: table('customers') })), 'clickhouse').sql, 'CREATE TABLE `x` ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM `customers`');

  const del = s.deleteWhere('run_scores', s.eq(col('run_id'), lit(3)));
  assert.deepEqual(compile(del, 'duckdb'), { sql: 'DELETE FROM "run_scores" WHERE "run_id" = CAST($1 AS BIGINT)', params: [3] });
  assert.deepEqual(compile(del, 'postgres'), { sql: 'DELETE FROM "run_scores" WHERE "run_id" = CAST($1 AS BIGINT)', params: [3] });
  assert.deepEqual(compile(del, 'clickhouse'), { sql: 'ALTER TABLE `run_scores` DELETE WHERE `run_id` = 3', params: [] });
  assert.equal(compile(s.dropTable('__f_1'), 'postgres').sql, 'DROP TABLE IF EXISTS "__f_1"');
  assert.equal(compile(s.dropTable('__f_1'), 'clickhouse').sql, 'DROP TABLE IF EXISTS `__f_1`');
});

test('writes: problems in a statement are reported with their place; temporary names differ per call', () => {
  assert.throws(() => compile(s.insertSelect('t', select({ select: '*', from: table('x') }), []), 'duckdb'), (e: SegmintError) => isSegmintError(e) && e.code === 'invalid-insert' && /statement\.columns/.test(e.message));
  assert.throws(() => compile(s.createTableAs('', select({ select: '*', from: table('x') })), 'postgres'), (e: SegmintError) => e.code === 'invalid-identifier' && /statement\.name/.test(e.message));
  assert.throws(
    () => compile(s.insertSelect('t', select({ select: [{ expr: s.rowNumber([], [col('x')]), as: 'n' }], from: table('x') })), 'clickhouse'),
    (e: SegmintError) => e.code === 'unsupported-in-dialect' && /statement\.query\.select\[0\]\.expr/.test(e.message),
  );
  const a = s.tempName('features');
  const b = s.tempName('features');
  assert.notEqual(a, b);
  assert.match(a, /^__features_\d+_\d+_[0-9a-z]+$/);
});

test('arg_min and GROUPING SETS: their SQL per engine, and what an engine or a query cannot have is refused', () => {
  const q = select({
    select: [{ expr: s.cast(s.grouping(col('c')), 'integer'), as: 'g' }, { expr: s.argMin(col('v'), col('d'), { filter: s.gt(col('v'), num(0)) }), as: 'first' }],
    from: table('t'),
    groupingSets: [[col('c')], [col('d'), col('e')]],
  });
  assert.equal(compile(q, 'duckdb').sql, 'SELECT CAST(GROUPING("c") AS INTEGER) AS "g", arg_min("v", "d") FILTER (WHERE "v" > 0) AS "first" FROM "t" GROUP BY GROUPING SETS (("c"), ("d", "e"))');
  assert.equal(compile(q, 'postgres').sql, 'SELECT CAST(GROUPING("c") AS INTEGER) AS "g", (array_agg("v" ORDER BY "d") FILTER (WHERE "v" IS NOT NULL AND "d" IS NOT NULL AND ("v" > 0)))[1] AS "first" FROM "t" GROUP BY GROUPING SETS (("c"), ("d", "e"))');
  assert.throws(() => compile(q, 'clickhouse'), (e: SegmintError) => e.code === 'unsupported-in-dialect' && /GROUPING/.test(e.message));
  const first = select({ select: [{ expr: s.argMin(col('v'), col('d')), as: 'first' }], from: table('t'), groupBy: [col('c')] });
  assert.equal(compile(first, 'clickhouse').sql, 'SELECT if(countIf(isNotNull(`v`) AND isNotNull(`d`)) > 0, argMinIf(`v`, `d`, isNotNull(`v`) AND isNotNull(`d`)), NULL) AS `first` FROM `t` GROUP BY `c`');
  assert.throws(() => compile(select({ select: [{ expr: s.agg('arg_min', col('v')), as: 'x' }], from: table('t') }), 'duckdb'), (e: SegmintError) => e.code === 'wrong-arity' && /arg_min takes 2 arguments, got 1/.test(e.message));
  assert.throws(() => compile(select({ select: '*', from: table('t'), groupBy: [col('c')], groupingSets: [[col('d')]] }), 'duckdb'), (e: SegmintError) => e.code === 'invalid-select');
});
