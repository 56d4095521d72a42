/**
 * The SQL test corpus: small tables, queries written in the IR, and the rows each query must give, worked
 * out by hand. The same cases run on DuckDB and PostgreSQL (src/sql/engines.test.ts) and on ClickHouse 18.16,
 * the two-shard cluster and chdb (test/integration/sql-corpus-clickhouse.test.ts).
 */
import assert from 'node:assert/strict';
import * as s from '../../src/sql/index.ts';
import { col, lit, num, quoteClickHouseString, quoteString, select, subquery, table, type DialectName, type Query } from '../../src/sql/index.ts';

export type Row = Record<string, unknown>;
export type CorpusCase = { name: string; query: Query; rows: Row[]; perCustomer?: boolean };

type ColumnType = 'varchar' | 'timestamp' | 'date' | 'decimal' | 'boolean' | 'integer' | 'double';
type Column = { name: string; type: ColumnType; nullable?: boolean };
type Cell = string | number | boolean | null;
export type CorpusTable = { name: string; columns: Column[]; rows: Cell[][]; orderBy?: string };

/** The tables every case reads. Timestamps are UTC text. */
export const TABLES: CorpusTable[] = [
  {
    name: 'transactions',
    columns: [{ name: 'customer_id', type: 'varchar' }, { name: 'order_id', type: 'varchar' }, { name: 'ts', type: 'timestamp' }, { name: 'amount', type: 'decimal' }, { name: 'is_return', type: 'boolean' }],
    rows: [
      ['c1', 'o1', '2024-01-01 10:00:00', 100, false],
      ['c1', 'o1', '2024-01-01 10:00:00', 20, false],
      ['c1', 'o2', '2024-01-21 12:00:00', 50, false],
      ['c1', 'o3', '2024-01-25 09:00:00', -20, true],
      ['c2', 'o4', '2023-12-02 00:00:00', 10.5, false],
      ['c3', 'o5', '2024-01-31 18:00:00', -5, true],
      ['c3', 'o6', '2024-02-03 10:00:00', 70, false],
    ],
    orderBy: 'customer_id',
  },
  {
    name: 'customers',
    columns: [{ name: 'customer_id', type: 'varchar' }, { name: 'city', type: 'varchar', nullable: true }, { name: 'age', type: 'integer', nullable: true }, { name: 'signup', type: 'date', nullable: true }],
    rows: [['c4', "Val d'Isère", 34, '2024-01-01'], ['c5', 'Paris', 40, '2023-12-31'], ['c6', "Val d'Isère", 25, '2020-05-05'], ['c7', null, 51, null]],
    orderBy: 'customer_id',
  },
  { name: 'vals', columns: [{ name: 'id', type: 'varchar' }, { name: 'x', type: 'double' }], rows: Array.from({ length: 10 }, (_, i) => [`a${String(i + 1).padStart(2, '0')}`, i + 1]) },
  { name: 'ties', columns: [{ name: 'id', type: 'varchar' }, { name: 'x', type: 'double' }], rows: [1, 1, 1, 1, 1, 2, 3, 4, 5, 6].map((x, i) => [`t${String(i + 1).padStart(2, '0')}`, x]) },
  { name: 'one_row', columns: [{ name: 'one', type: 'integer' }], rows: [[1]] },
  // 1 … 20,000 in a scrambled order (7,919 is prime to 20,000): more values than ClickHouse's quantile sample
  { name: 'many', columns: [{ name: 'x', type: 'double' }], rows: Array.from({ length: 20000 }, (_, i) => [((i * 7919) % 20000) + 1]) },
];

const SQL_TYPES: Record<ColumnType, string> = { varchar: 'VARCHAR', timestamp: 'TIMESTAMP', date: 'DATE', decimal: 'DECIMAL(12,2)', boolean: 'BOOLEAN', integer: 'INTEGER', double: 'DOUBLE PRECISION' };
const CH_TYPES: Record<ColumnType, string> = { varchar: 'String', timestamp: 'DateTime', date: 'Date', decimal: 'Decimal(12, 2)', boolean: 'UInt8', integer: 'Int32', double: 'Float64' };

/** ClickHouse's type of a column: Nullable where the column may hold NULL. */
export const clickHouseType = (c: Column): string => (c.nullable ? `Nullable(${CH_TYPES[c.type]})` : CH_TYPES[c.type]);

/** The VALUES list of a table, for `dialect`. */
export function valuesSql(t: CorpusTable, dialect: DialectName): string {
  const cell = (v: Cell): string => {
    if (v === null) return 'NULL';
    if (typeof v === 'boolean') return dialect === 'clickhouse' ? (v ? '1' : '0') : v ? 'TRUE' : 'FALSE';
    if (typeof v === 'number') return String(v);
    return dialect === 'clickhouse' ? quoteClickHouseString(v) : quoteString(v);
  };
  return t.rows.map((r) => `(${r.map(cell).join(', ')})`).join(', ');
}

/** CREATE TEMP TABLE and INSERT statements for DuckDB and PostgreSQL. */
export function setupSql(): string[] {
  return TABLES.flatMap((t) => [
    `CREATE TEMP TABLE ${t.name} (${t.columns.map((c) => `${c.name} ${SQL_TYPES[c.type]}`).join(', ')})`,
    `INSERT INTO ${t.name} VALUES ${valuesSql(t, 'duckdb')}`,
  ]);
}

/** Rows as plain comparable values: numeric text (bigint/numeric/Decimal) as numbers, timestamps as ISO text. */
export function normalise(rows: Row[]): Row[] {
  const v = (x: unknown): unknown => {
    if (x instanceof Date) return x.toISOString();
    if (typeof x === 'bigint') return Number(x);
    if (typeof x === 'string' && /^-?\d+(\.\d+)?$/.test(x)) return Number(x);
    // ClickHouse writes DateTime as 'YYYY-MM-DD HH:MM:SS' in the session's time zone (UTC here)
    if (typeof x === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(x)) return `${x.replace(' ', 'T')}.000Z`;
    if (Array.isArray(x)) return x.map(v);
    return x;
  };
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, x]) => [k, v(x)])));
}

/**
 * Equal, with numbers compared to 1e-9. With `booleansAsNumbers` (ClickHouse has no boolean type before
 * 22.x: UInt8 0/1), an expected true/false matches 1/0.
 */
export function assertRows(actual: Row[], expected: Row[], what: string, options: { booleansAsNumbers?: boolean } = {}) {
  assert.equal(actual.length, expected.length, `${what}: row count`);
  expected.forEach((e, i) => {
    for (const [k, want0] of Object.entries(e)) {
      const got = actual[i]![k];
      const want = options.booleansAsNumbers && typeof want0 === 'boolean' && typeof got === 'number' ? Number(want0) : want0;
      const close = (g: unknown, w: unknown) => typeof w === 'number' && typeof g === 'number' && Math.abs(g - w) < 1e-9;
      if (typeof want === 'number' && typeof got === 'number') assert.ok(close(got, want), `${what}: row ${i} ${k}: ${got} ≠ ${want}`);
      else if (Array.isArray(want) && Array.isArray(got) && want.every((w) => typeof w === 'number')) {
        assert.ok(got.length === want.length && want.every((w, j) => close(got[j], w)), `${what}: row ${i} ${k}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
      } else assert.deepEqual(got, want, `${what}: row ${i} ${k}`);
    }
  });
}

const asOf = new Date('2024-02-01T00:00:00Z');
const purchase = s.not(col('is_return'));

export const perCustomer = select({
  with: [{ name: 'lines', query: select({ select: '*', from: table('transactions'), where: s.lt(col('ts'), lit(asOf)) }) }],
  select: [
    { expr: col('customer_id'), as: 'customer_id' },
    { expr: s.daysBetween(s.max(col('ts'), { filter: purchase }), lit(asOf)), as: 'recency_days' },
    { expr: s.daysBetweenExact(s.max(col('ts'), { filter: purchase }), lit(asOf)), as: 'recency_exact' },
    { expr: s.countDistinct(col('order_id'), { filter: purchase }), as: 'orders' },
    { expr: s.cast(s.sum(col('amount')), 'double'), as: 'net' },
    { expr: s.cast(s.sum(col('amount'), { filter: purchase }), 'double'), as: 'gross' },
    { expr: s.count(), as: 'line_count' },
  ],
  from: table('lines'),
  groupBy: [col('customer_id')],
  orderBy: [col('customer_id')],
});
// c1: last purchase 2024-01-21 12:00 → 11 calendar days, 10.5 days; orders o1, o2; net 100 + 20 + 50 − 20.
// c2: one purchase on 2023-12-02 → 30 + 31 days. c3: only a return before the as-of date (o6 is after it).
const perCustomerRows: Row[] = [
  { customer_id: 'c1', recency_days: 11, recency_exact: 10.5, orders: 2, net: 150, gross: 170, line_count: 4 },
  { customer_id: 'c2', recency_days: 61, recency_exact: 61, orders: 1, net: 10.5, gross: 10.5, line_count: 1 },
  { customer_id: 'c3', recency_days: null, recency_exact: null, orders: 0, net: -5, gross: null, line_count: 1 },
];

/** Bins 1…k by counting the quantile edges below x: no window function; a value equal to an edge takes the lower bin. */
export function edgeBins(source: string, k: number): Query {
  const fractions = Array.from({ length: k - 1 }, (_, j) => (j + 1) / k);
  const edges = select({ select: [{ expr: s.quantiles(col('x'), fractions), as: 'q' }], from: table(source) });
  const below = fractions.map((_, j) => s.caseWhen([[s.lt(s.index(col('q', 'e'), j + 1), col('x', 'v')), num(1)]], num(0))).reduce(s.add);
  return select({
    select: [
      { expr: col('id', 'v'), as: 'id' },
      { expr: s.add(num(1), below), as: 'bin' },
      ...fractions.map((_, j) => ({ expr: s.index(col('q', 'e'), j + 1), as: `edge_${j + 1}` })),
    ],
    from: table(source, 'v'),
    joins: [{ type: 'cross', target: subquery(edges, 'e') }],
    orderBy: [col('id', 'v')],
  });
}
// 1…10, k = 5: edges at positions 0.2·9 … 0.8·9 = 1.8, 3.6, 5.4, 7.2 → 2.8, 4.6, 6.4, 8.2.
const distinctBins = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5];
const distinctEdges = { edge_1: 2.8, edge_2: 4.6, edge_3: 6.4, edge_4: 8.2 };
// 1,1,1,1,1,2,3,4,5,6: edges 1, 1, 2.4 (between 2 and 3), 4.2 (between 4 and 5); all the 1s share bin 1.
const tieBins = [1, 1, 1, 1, 1, 3, 4, 4, 5, 5];

export const ntileBins = select({
  select: [{ expr: col('id'), as: 'id' }, { expr: s.ntile(5, [], [col('x')]), as: 'bin' }],
  from: table('vals'),
  orderBy: [col('id')],
});

export const rule = (city: string) => select({
  select: [{ expr: col('customer_id'), as: 'customer_id' }],
  from: table('customers'),
  where: s.and(s.eq(col('city'), lit(city)), s.gt(col('age'), lit(30))),
  orderBy: [col('customer_id')],
});
export const ruleList = select({
  select: [{ expr: col('customer_id'), as: 'customer_id' }],
  from: table('customers'),
  where: s.or(s.inList(col('city'), ['Paris', 'Lyon']), s.startsWith(s.lower(col('city')), lit("val d'"))),
  orderBy: [col('customer_id')],
});

const t = (iso: string) => lit(new Date(iso));
// a DATE column against timestamp values: ClickHouse 18.16 compares Date with DateTime as numbers (days
// against seconds) unless the column is converted; c5 signed up on 2023-12-31, c6 on 2020-05-05
export const dateAgainstTimestamps = select({
  select: [{ expr: col('customer_id'), as: 'customer_id' }],
  from: table('customers'),
  where: s.or(
    s.and(s.ge(col('signup'), t('2023-12-31T00:00:00Z')), s.lt(col('signup'), t('2024-01-01T00:00:00Z'))),
    s.inList(col('signup'), [new Date('2020-05-05T00:00:00Z')]),
  ),
  orderBy: [col('customer_id')],
});
export const functions = select({
  select: [
    { expr: s.div(num(7), num(2)), as: 'true_division' },
    { expr: s.div(lit(7), lit(2)), as: 'bound_division' },
    { expr: s.div(num(1), num(0)), as: 'by_zero' },
    { expr: s.round(lit(2.5)), as: 'round_half' },
    { expr: s.round(lit(-2.5)), as: 'round_neg_half' },
    { expr: s.round(num(1.25), 1), as: 'round_1' },
    { expr: s.greatest(num(1), s.NULL, num(3)), as: 'greatest' },
    { expr: s.least(s.NULL, num(2)), as: 'least' },
    { expr: s.abs(num(-2)), as: 'abs' },
    { expr: s.sqrt(num(16)), as: 'sqrt' },
    { expr: s.ln(num(1)), as: 'ln' },
    { expr: s.nullif(num(1), num(1)), as: 'nullif' },
    { expr: s.coalesce(s.NULL, num(5)), as: 'coalesce' },
    { expr: s.caseWhen([[lit(true), lit(1)]], lit(0)), as: 'case_bound' },
    { expr: s.daysBetween(t('2024-01-31T23:00:00Z'), t('2024-02-01T01:00:00Z')), as: 'days' },
    { expr: s.daysBetweenExact(t('2024-01-31T23:00:00Z'), t('2024-02-01T05:00:00Z')), as: 'days_exact' },
    { expr: s.dateTrunc('month', t('2024-02-15T10:30:00Z')), as: 'month' },
    { expr: s.dateTrunc('week', t('2024-02-15T10:30:00Z')), as: 'week' },
    { expr: s.dateTrunc('quarter', t('2024-02-15T10:30:00Z')), as: 'quarter' },
    { expr: s.lower(lit('ÉCOLE')), as: 'lower' },
    { expr: s.contains(lit('banana'), lit('nan')), as: 'contains' },
    { expr: s.startsWith(lit('banana'), lit('nab')), as: 'starts' },
  ],
  from: table('one_row'),
});
const functionRow: Row = {
  true_division: 3.5, bound_division: 3.5, by_zero: null, round_half: 3, round_neg_half: -3, round_1: 1.3, greatest: 3, least: 2,
  abs: 2, sqrt: 4, ln: 0, nullif: null, coalesce: 5, case_bound: 1, days: 1, days_exact: 0.25,
  month: '2024-02-01T00:00:00.000Z', week: '2024-02-12T00:00:00.000Z', quarter: '2024-01-01T00:00:00.000Z',
  lower: 'école', contains: true, starts: false,
};

export const aggregates = select({
  select: [
    { expr: s.median(col('x')), as: 'median' },
    { expr: s.quantiles(col('x'), [0.25, 0.75], { filter: s.gt(col('x'), num(2)) }), as: 'q' },
    { expr: s.stddevPop(col('x')), as: 'sd_pop' },
    { expr: s.stddevSamp(col('x')), as: 'sd_samp' },
    { expr: s.avg(col('x'), { filter: s.le(col('x'), num(4)) }), as: 'mean_low' },
    { expr: s.min(col('x'), { filter: s.gt(col('x'), num(100)) }), as: 'none' },
  ],
  from: table('vals'),
});
// 1…10: median 5.5; 3…10 at 0.25 and 0.75 → positions 1.75 and 5.25 → 4.75 and 8.25; variance 8.25 (pop) and 9.1666… (sample).
const aggregateRow: Row = { median: 5.5, q: [4.75, 8.25], sd_pop: Math.sqrt(8.25), sd_samp: Math.sqrt(82.5 / 9), mean_low: 2.5, none: null };

// Text read as numbers (try_double), the sample variance, a count filtered by NOT IN, arrays built from
// columns and read back by index, and wall-clock time in a zone (campaign import, campaign measure, the
// report's calendar months).
export const textNumbers = select({
  select: [
    { expr: s.tryDouble(lit(' 12.5 ')), as: 'padded' },
    { expr: s.tryDouble(lit('-1e3')), as: 'exponent' },
    { expr: s.tryDouble(lit('12 apples')), as: 'words' },
    { expr: s.tryDouble(lit('')), as: 'empty' },
    { expr: s.index(s.arrayOf('double', [col('one'), s.mul(col('one'), num(2.5)), lit(7)]), 2), as: 'second' },
    { expr: s.index(s.arrayOf('varchar', [lit('a'), lit("b'c")]), 2), as: 'text_2' },
    { expr: s.trim(lit('  x y \t ')), as: 'trimmed' },
    { expr: s.nullif(s.trim(lit('   ')), lit('')), as: 'blank' },
  ],
  from: table('one_row'),
});
const textNumbersRow: Row = { padded: 12.5, exponent: -1000, words: null, empty: null, second: 2.5, text_2: "b'c", trimmed: 'x y \t', blank: null };

export const variance = select({
  select: [
    { expr: s.varSamp(col('x')), as: 'var' },
    { expr: s.count(undefined, { filter: s.not(s.inList(col('x'), [num(0), num(1)])) }), as: 'not_binary' },
    { expr: s.varSamp(col('x'), { filter: s.gt(col('x'), num(9)) }), as: 'var_one' },
  ],
  from: table('vals'),
});
// 1…10: sample variance 82.5 / 9; one value (10) has no sample variance
const varianceRow: Row = { var: 82.5 / 9, not_binary: 9, var_one: null };

export const localTimes = select({
  select: [
    { expr: col('order_id'), as: 'order_id' },
    { expr: s.localTime(col('ts'), 'America/New_York'), as: 'new_york' },
    { expr: s.dateTrunc('month', s.localTime(col('ts'), 'Asia/Tokyo')), as: 'tokyo_month' },
    { expr: s.localTime(col('ts'), 'UTC'), as: 'utc' },
  ],
  from: table('transactions'),
  where: s.inList(col('order_id'), ['o4', 'o5']),
  orderBy: [col('order_id')],
});
// o4 2023-12-02 00:00 UTC is 2023-12-01 19:00 in New York (EST, −5) and 09:00 in Tokyo (+9); o5 2024-01-31 18:00 UTC is
// 13:00 in New York and 2024-02-01 03:00 in Tokyo: February there
const localTimeRows: Row[] = [
  { order_id: 'o4', new_york: '2023-12-01T19:00:00.000Z', tokyo_month: '2023-12-01T00:00:00.000Z', utc: '2023-12-02T00:00:00.000Z' },
  { order_id: 'o5', new_york: '2024-01-31T13:00:00.000Z', tokyo_month: '2024-02-01T00:00:00.000Z', utc: '2024-01-31T18:00:00.000Z' },
];

export const ordered = select({
  select: [{ expr: col('id'), as: 'id' }],
  from: subquery(s.unionAll(
    select({ select: [{ expr: col('customer_id'), as: 'id' }, { expr: col('age'), as: 'n' }], from: table('customers') }),
    select({ select: [{ expr: lit('none'), as: 'id' }, { expr: s.cast(s.NULL, 'integer'), as: 'n' }], from: table('one_row') }),
  ), 'u'),
  orderBy: [{ expr: col('n'), desc: true }, col('id')],
});

export const gaps = select({
  select: [{ expr: col('order_id'), as: 'order_id' }, { expr: s.daysBetween(col('prev'), col('ts')), as: 'gap' }],
  from: subquery(select({
    select: [{ expr: col('order_id'), as: 'order_id' }, { expr: col('ts'), as: 'ts' }, { expr: s.lag(col('ts'), [col('customer_id')], [col('ts'), col('order_id')]), as: 'prev' }],
    from: table('transactions'),
    where: s.and(s.eq(col('customer_id'), lit('c1')), purchase),
  }), 'w'),
  orderBy: [col('ts'), col('order_id'), { expr: col('gap'), nullsLast: false }],
});

const purchaseDays = select({
  select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: s.toDate(col('ts')), as: 'd' }],
  from: table('transactions'),
  where: purchase,
  groupBy: [col('customer_id'), s.toDate(col('ts'))],
});
// the window-free path: each purchase day joined to the customer's later days, the gap is to the nearest
export const selfJoinGaps = select({
  select: [{ expr: col('customer_id', 'a'), as: 'customer_id' }, { expr: s.daysBetween(col('d', 'a'), s.min(col('d', 'b'))), as: 'gap' }],
  from: subquery(purchaseDays, 'a'),
  joins: [{ type: 'inner', target: subquery(purchaseDays, 'b'), on: s.and(s.eq(col('customer_id', 'a'), col('customer_id', 'b')), s.gt(col('d', 'b'), col('d', 'a'))) }],
  groupBy: [col('customer_id', 'a'), col('d', 'a')],
  orderBy: [col('customer_id', 'a'), col('d', 'a')],
});

// quantiles of 1 … 20,000 at p lie at position p·19,999: 1 + p·19,999 exactly (ClickHouse's sampled
// quantiles() gave 2024.1, 10139.5, 18013.9)
const manyQuantiles = select({
  select: [{ expr: s.quantiles(col('x'), [0.1, 0.5, 0.9]), as: 'q' }, { expr: s.median(col('x')), as: 'median' }, { expr: s.median(col('x'), { filter: s.gt(col('x'), num(10000)) }), as: 'upper_median' }],
  from: table('many'),
});

// no transaction has an amount above 1,000: the averages of no rows are NULL (not an error, not nan)
const emptyAverages = select({
  select: [{ expr: s.avg(col('amount')), as: 'mean_amount' }, { expr: s.avg(s.cast(col('amount'), 'double')), as: 'mean_double' }],
  from: table('transactions'),
  where: s.gt(col('amount'), num(1000)),
});

// arg_min: each customer's first order (c1's first two lines share their time and their order), first purchase
// (c3's first line is a return) and first return's amount (none for c2: NULL)
const firstOrders = select({
  select: [
    { expr: col('customer_id'), as: 'customer_id' },
    { expr: s.argMin(col('order_id'), col('ts')), as: 'first_order' },
    { expr: s.argMin(col('order_id'), col('ts'), { filter: purchase }), as: 'first_purchase' },
    { expr: s.cast(s.argMin(col('amount'), col('ts'), { filter: col('is_return') }), 'double'), as: 'first_return' },
  ],
  from: table('transactions'),
  groupBy: [col('customer_id')],
  orderBy: [col('customer_id')],
});

// GROUPING SETS: lines per customer and per kind of line in one query, GROUPING() telling the two apart
export const groupingSets = select({
  select: [
    { expr: s.cast(s.grouping(col('customer_id')), 'integer'), as: 'by_kind' },
    { expr: col('customer_id'), as: 'customer_id' },
    { expr: s.caseWhen([[col('is_return'), lit('return')], [purchase, lit('purchase')]]), as: 'kind' },
    { expr: s.count(), as: 'lines' },
  ],
  from: table('transactions'),
  groupingSets: [[col('customer_id')], [col('is_return')]],
  orderBy: [col('by_kind'), col('customer_id'), col('kind')],
});

/** Each case: the query and the rows worked out by hand. */
export const CASES: CorpusCase[] = [
  { name: 'a per-customer aggregate: recency days, distinct orders, net and gross sums (FILTER), line count', query: perCustomer, rows: perCustomerRows, perCustomer: true },
  { name: 'quantile edges and bins without window functions', query: edgeBins('vals', 5), rows: distinctBins.map((bin, i) => ({ id: `a${String(i + 1).padStart(2, '0')}`, bin, ...distinctEdges })) },
  { name: 'quantile-edge bins keep ties together', query: edgeBins('ties', 5), rows: tieBins.map((bin, i) => ({ id: `t${String(i + 1).padStart(2, '0')}`, bin, edge_1: 1, edge_2: 1, edge_3: 2.4, edge_4: 4.2 })) },
  { name: 'ntile() gives the same bins as the edges on distinct values', query: ntileBins, rows: distinctBins.map((bin, i) => ({ id: `a${String(i + 1).padStart(2, '0')}`, bin })) },
  { name: "rule with an apostrophe in a value selects by a bound parameter", query: rule("Val d'Isère"), rows: [{ customer_id: 'c4' }] },
  { name: 'rule with IN and a lower-cased prefix', query: ruleList, rows: [{ customer_id: 'c4' }, { customer_id: 'c5' }, { customer_id: 'c6' }] },
  { name: 'a DATE column compared with timestamps (>=, <, IN)', query: dateAgainstTimestamps, rows: [{ customer_id: 'c5' }, { customer_id: 'c6' }] },
  { name: 'named functions: division, rounding, greatest/least with NULL, dates, strings', query: functions, rows: [functionRow] },
  { name: 'aggregates: median, filtered quantiles, standard deviations, empty filter gives NULL', query: aggregates, rows: [aggregateRow] },
  // 10,001 … 20,000: median (10,001 + 20,000) / 2
  { name: 'quantiles and medians of 20,000 values are exact, not sampled', query: manyQuantiles, rows: [{ q: [2000.9, 10000.5, 18000.1], median: 10000.5, upper_median: 15000.5 }] },
  { name: 'averages over no rows are NULL', query: emptyAverages, rows: [{ mean_amount: null, mean_double: null }] },
  { name: 'UNION ALL, and NULLs last in a descending order', query: ordered, rows: ['c7', 'c5', 'c4', 'c6', 'none'].map((id) => ({ id })) },
  { name: 'lag() gaps between purchases', query: gaps, rows: [{ order_id: 'o1', gap: null }, { order_id: 'o1', gap: 0 }, { order_id: 'o2', gap: 20 }] },
  // c1 buys on 2024-01-01 and 2024-01-21; c2 and c3 on one day each
  { name: 'gaps between purchase days by a self-join, without window functions', query: selfJoinGaps, rows: [{ customer_id: 'c1', gap: 20 }], perCustomer: true },
  { name: 'text as numbers (try_double), arrays built from values and read by index', query: textNumbers, rows: [textNumbersRow] },
  { name: 'sample variance, a count filtered by NOT IN, the variance of one value is NULL', query: variance, rows: [varianceRow] },
  { name: 'wall-clock time and calendar months in a time zone', query: localTimes, rows: localTimeRows },
  {
    name: 'arg_min: the value of the row with the smallest key, with a filter, NULL over no rows',
    query: firstOrders,
    rows: [
      { customer_id: 'c1', first_order: 'o1', first_purchase: 'o1', first_return: -20 },
      { customer_id: 'c2', first_order: 'o4', first_purchase: 'o4', first_return: null },
      { customer_id: 'c3', first_order: 'o5', first_purchase: 'o6', first_return: -5 },
    ],
    perCustomer: true,
  },
  {
    name: 'GROUPING SETS with GROUPING(): lines per customer and per kind in one query',
    query: groupingSets,
    rows: [
      { by_kind: 0, customer_id: 'c1', kind: null, lines: 4 },
      { by_kind: 0, customer_id: 'c2', kind: null, lines: 1 },
      { by_kind: 0, customer_id: 'c3', kind: null, lines: 2 },
      { by_kind: 1, customer_id: null, kind: 'purchase', lines: 5 },
      { by_kind: 1, customer_id: null, kind: 'return', lines: 2 },
    ],
  },
];
/** The cases ClickHouse 18.16 cannot run (window functions, grouping sets): it refuses to compile them. */
export const WINDOWED = new Set<Query>([ntileBins, gaps, groupingSets]);


/**
 * Write statements: each case runs its statements in order over fresh copies of the corpus tables, then the
 * check query must give the rows worked out by hand. `target` names the table the statements write, created
 * empty beforehand with the given columns (a copy of `transactions`' key columns).
 */
export type WriteCase = { name: string; statements: s.Statement[]; check: Query; rows: Row[] };
/** The empty table the write cases fill: a run's per-customer rows. */
export const WRITE_TARGET: CorpusTable = {
  name: 'written',
  columns: [{ name: 'run_id', type: 'integer' }, { name: 'customer_id', type: 'varchar' }, { name: 'spend', type: 'double', nullable: true }],
  rows: [],
  orderBy: 'run_id',
};
const spendPerCustomer = (runId: number) => select({
  select: [{ expr: num(runId), as: 'run_id' }, { expr: col('customer_id'), as: 'customer_id' }, { expr: s.cast(s.sum(col('amount'), { filter: s.not(col('is_return')) }), 'double'), as: 'spend' }],
  from: table('transactions'),
  groupBy: [col('customer_id')],
});
const writtenRows = select({ select: [{ expr: col('run_id'), as: 'run_id' }, { expr: col('customer_id'), as: 'customer_id' }, { expr: col('spend'), as: 'spend' }], from: table('written'), orderBy: [col('run_id'), col('customer_id')] });
export const WRITE_CASES: WriteCase[] = [
  {
    name: 'INSERT … SELECT of two runs, then DELETE by key removes one run',
    statements: [s.insertSelect('written', spendPerCustomer(1), ['run_id', 'customer_id', 'spend']), s.insertSelect('written', spendPerCustomer(2), ['run_id', 'customer_id', 'spend']), s.deleteWhere('written', s.eq(col('run_id'), lit(1)))],
    check: writtenRows,
    rows: [{ run_id: 2, customer_id: 'c1', spend: 170 }, { run_id: 2, customer_id: 'c2', spend: 10.5 }, { run_id: 2, customer_id: 'c3', spend: 70 }],
  },
  {
    name: 'CREATE TEMP TABLE AS, read back, then INSERT … SELECT from it and DROP it',
    statements: [
      s.createTableAs('__tmp_spend', select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: s.cast(s.sum(col('amount')), 'double'), as: 'net' }], from: table('transactions'), groupBy: [col('customer_id')] }), { temporary: true }),
      s.insertSelect('written', select({ select: [{ expr: num(5), as: 'run_id' }, { expr: col('customer_id'), as: 'customer_id' }, { expr: col('net'), as: 'spend' }], from: table('__tmp_spend'), where: s.gt(col('net'), num(50)) }), ['run_id', 'customer_id', 'spend']),
      s.dropTable('__tmp_spend'),
    ],
    check: writtenRows,
    rows: [{ run_id: 5, customer_id: 'c1', spend: 150 }, { run_id: 5, customer_id: 'c3', spend: 65 }],
  },
];
