// The Engine contract, the same cases on every engine: DuckDB in memory always, PostgreSQL when
// TEST_POSTGRES_URL is set (in a schema of its own, dropped after), ClickHouse when TEST_CLICKHOUSE_URL is set
// (in a database of its own, dropped after). Expected values are written out here, not read from an engine.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { col, compile, count, countDistinct, eq, lit, lt, max, min, select, sum, table, type DialectName, type Query } from '../sql/index.ts';
import { openEngine, parseEngineSpec, type Engine, type EngineSpec } from './index.ts';
import type { CellValue } from './types.ts';

const PG_URL = process.env.TEST_POSTGRES_URL;
const CH_URL = process.env.TEST_CLICKHOUSE_URL;
const SCRATCH = `segmint_engine_test_${process.pid}`;

interface Target {
  name: DialectName;
  skip: string | false;
  open(): Promise<Engine>;
  cleanup(): Promise<void>;
}

const targets: Target[] = [
  { name: 'duckdb', skip: false, open: () => openEngine('duckdb::memory:'), cleanup: async () => undefined },
  {
    name: 'postgres',
    skip: PG_URL ? false : 'TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test): PostgreSQL engine cases skipped',
    open: () => openEngine({ ...(parseEngineSpec(PG_URL!) as Extract<EngineSpec, { engine: 'postgres' }>), schema: SCRATCH }, { create: true }),
    cleanup: async () => {
      const e = await openEngine(PG_URL!);
      await e.run(`DROP SCHEMA IF EXISTS "${SCRATCH}" CASCADE`);
      await e.close();
    },
  },
  {
    name: 'clickhouse',
    skip: CH_URL ? false : 'TEST_CLICKHOUSE_URL is not set (bash scripts/clickhouse-cluster.sh start prints it): ClickHouse engine cases skipped',
    open: () => openEngine({ ...(parseEngineSpec(CH_URL!) as Extract<EngineSpec, { engine: 'clickhouse' }>), database: SCRATCH }, { create: true }),
    cleanup: async () => {
      const e = await openEngine(CH_URL!);
      await e.run(`DROP DATABASE IF EXISTS \`${SCRATCH}\``);
      await e.close();
    },
  },
];
for (const t of targets) if (t.skip) console.log(`# ${t.skip}`);

/** CREATE TABLE in each engine's words; ClickHouse columns are Nullable where NULLs are stored. */
function ddl(d: DialectName, name: string, cols: [string, 'int' | 'text' | 'double' | 'bigint' | 'bool' | 'timestamp' | 'decimal' | 'date'][]): string {
  const types: Record<DialectName, Record<string, string>> = {
    duckdb: { int: 'INTEGER', text: 'VARCHAR', double: 'DOUBLE', bigint: 'BIGINT', bool: 'BOOLEAN', timestamp: 'TIMESTAMP', decimal: 'DECIMAL(12,2)', date: 'DATE' },
    postgres: { int: 'INTEGER', text: 'TEXT', double: 'DOUBLE PRECISION', bigint: 'BIGINT', bool: 'BOOLEAN', timestamp: 'TIMESTAMP', decimal: 'NUMERIC(12,2)', date: 'DATE' },
    clickhouse: {
      int: 'Int32', text: 'Nullable(String)', double: 'Nullable(Float64)', bigint: 'Nullable(Int64)', bool: 'Nullable(UInt8)', timestamp: 'Nullable(DateTime)',
      decimal: 'Nullable(Decimal(12, 2))', date: 'Nullable(Date)',
    },
  };
  const q = (n: string) => (d === 'clickhouse' ? `\`${n}\`` : `"${n}"`);
  const body = cols.map(([n, t]) => `${q(n)} ${types[d][t]}`).join(', ');
  return d === 'clickhouse' ? `CREATE TABLE ${q(name)} (${body}) ENGINE = MergeTree ORDER BY ${q(cols[0]![0])}` : `CREATE TABLE ${q(name)} (${body})`;
}

const run = async (e: Engine, q: Query) => {
  const { sql, params } = compile(q, e.dialect);
  return e.all(sql, params);
};

const STRINGS = ["it's", 'say "hi"', 'back\\slash \\n', 'tab\there\nnew line\r', 'Zürich — 東京 🙂', '', "x\\' OR 1=1 --", null];
const DOUBLES = [-0, 0.1, 1e300, -2.5e-300, 123456.789, Number.MAX_VALUE, null];
const BIGINTS: CellValue[] = [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2n ** 62n, 0, null];
const BOOLS = [true, false, null];
/** ClickHouse 18.16's DateTime holds whole seconds: the ms case runs on DuckDB and PostgreSQL only. */
const TIMESTAMPS = (d: DialectName) => [
  new Date(d === 'clickhouse' ? '2024-02-29T23:59:59Z' : '2024-02-29T23:59:59.123Z'),
  new Date('1999-12-31T23:59:59Z'),
  new Date('1970-01-02T00:00:00Z'),
  null,
];

/** What a value reads back as: unsafe integers as decimal text; booleans as 1/0 on ClickHouse (UInt8). */
const readBack = (d: DialectName, v: CellValue): unknown => {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean' && d === 'clickhouse') return v ? 1 : 0;
  return v;
};

/** Equal, -0 told from 0, Dates by time. */
function same(actual: unknown, expected: unknown, what: string): void {
  if (expected instanceof Date) {
    assert.ok(actual instanceof Date, `${what}: ${String(actual)} is not a Date`);
    assert.equal(actual.toISOString(), expected.toISOString(), what);
  } else if (typeof expected === 'number') {
    assert.ok(Object.is(actual, expected), `${what}: ${String(actual)} ≠ ${String(expected)}`);
  } else assert.deepEqual(actual, expected, what);
}

for (const t of targets) {
  describe(`engine contract: ${t.name}`, { skip: t.skip }, () => {
    let e: Engine;
    const d = t.name;
    before(async () => {
      e = await t.open();
      await e.run(ddl(d, 'one_row', [['one', 'int']]));
      await e.insertRows('one_row', ['one'], [[1]]);
    });
    after(async () => {
      await e?.close();
      await t.cleanup();
    });

    test('dialect and transactions are what the engine has', () => {
      assert.equal(e.dialect, d);
      assert.equal(e.transactional, d !== 'clickhouse');
    });

    test('oneWithin stops a query that runs past its time on the engine itself, and the engine goes on answering', { timeout: 300_000 }, async () => {
      // each of these would run for many minutes
      const slow = {
        duckdb: 'SELECT count(*) AS n FROM range(300000) a, range(300000) b WHERE (a.range * 31 + b.range) % 97 = 3',
        postgres: 'SELECT pg_sleep(900) AS n',
        clickhouse: 'SELECT count() AS n FROM numbers(100000000000000) WHERE intHash64(number) % 97 = 3',
      }[d];
      const t0 = Date.now();
      await assert.rejects(e.oneWithin(slow, undefined, 300), (err: { code?: string }) => err.code === 'query-timeout');
      const stopped = Date.now() - t0;
      // PostgreSQL answers on one connection: a statement still running there would hold this next one back
      assert.equal(Number((await e.oneWithin('SELECT 1 AS n', undefined, 60_000))?.n), 1);
      assert.equal(Number((await e.one('SELECT 1 AS n'))?.n), 1);
      assert.ok(stopped < 120_000, `stopped after ${stopped} ms`);
      console.log(`${d}: the slow query was stopped after ${stopped} ms`);
    });

    test('insertRows round-trips strings, doubles (-0, 1e300), integers, booleans, timestamps and NULLs', async () => {
      const ts = TIMESTAMPS(d);
      const n = Math.max(STRINGS.length, DOUBLES.length, BIGINTS.length, BOOLS.length, ts.length);
      const rows: CellValue[][] = Array.from({ length: n }, (_, i) => [i, STRINGS[i] ?? null, DOUBLES[i] ?? null, BIGINTS[i] ?? null, BOOLS[i] ?? null, ts[i] ?? null]);
      await e.run(ddl(d, 'types', [['id', 'int'], ['s', 'text'], ['x', 'double'], ['big', 'bigint'], ['flag', 'bool'], ['ts', 'timestamp']]));
      assert.equal(await e.insertRows('types', ['id', 's', 'x', 'big', 'flag', 'ts'], rows), n);
      const got = await run(e, select({ select: ['id', 's', 'x', 'big', 'flag', 'ts'].map((c) => ({ expr: col(c), as: c })), from: table('types'), orderBy: [col('id')] }));
      assert.equal(got.length, n);
      rows.forEach((r, i) => {
        ['id', 's', 'x', 'big', 'flag', 'ts'].forEach((c, j) => same(got[i]![c], readBack(d, r[j]), `row ${i} ${c}`));
      });
    });

    test('decimals (amounts) and dates round-trip, and decimal sums are exact to the cent', async () => {
      await e.run(ddl(d, 'amounts', [['id', 'int'], ['amount', 'decimal'], ['day', 'date']]));
      const rows: CellValue[][] = [
        [1, 12.34, new Date('2024-02-29T00:00:00Z')],
        [2, -0.01, null],
        [3, null, new Date('1970-01-02T00:00:00Z')],
        [4, 9999999999.99, new Date('2099-12-31T00:00:00Z')],
      ];
      await e.insertRows('amounts', ['id', 'amount', 'day'], rows);
      const got = await run(e, select({ select: ['id', 'amount', 'day'].map((c) => ({ expr: col(c), as: c })), from: table('amounts'), orderBy: [col('id')] }));
      rows.forEach((r, i) => ['id', 'amount', 'day'].forEach((c, j) => same(got[i]![c], r[j] ?? null, `row ${i} ${c}`)));
      // 12.34 − 0.01 + 9,999,999,999.99 in cents, summed as decimals by the engine
      const [s] = await run(e, select({ select: [{ expr: sum(col('amount')), as: 'total' }], from: table('amounts') }));
      assert.equal(Number(s!.total), 10_000_000_012.32);
      assert.deepEqual((await e.tableColumns('amounts')).map((c) => c.kind), ['integer', 'decimal', 'date']);
    });

    test('compiled values (bound, or escaped literals on ClickHouse) come back as they went in', async () => {
      const strings = STRINGS.filter((s): s is string => s !== null);
      const q = select({
        select: [
          ...strings.map((s, i) => ({ expr: lit(s), as: `s${i}` })),
          { expr: lit(0.1), as: 'x' },
          { expr: lit(-1e300), as: 'huge' },
          { expr: lit(Number.MAX_SAFE_INTEGER), as: 'i' },
          { expr: lit(true), as: 'yes' },
          { expr: lit(new Date('2024-02-29T23:59:59Z')), as: 'ts' },
        ],
        from: table('one_row'),
      });
      const [row] = await run(e, q);
      strings.forEach((s, i) => same(row![`s${i}`], s, `string ${JSON.stringify(s)}`));
      same(row!.x, 0.1, 'x');
      same(row!.huge, -1e300, 'huge');
      same(row!.i, Number.MAX_SAFE_INTEGER, 'i');
      same(row!.yes, readBack(d, true), 'yes');
      same(row!.ts, new Date('2024-02-29T23:59:59Z'), 'ts');
      // a rule over user text matches exactly the row that holds it
      const hit = await run(e, select({ select: [{ expr: col('id'), as: 'id' }], from: table('types'), where: eq(col('s'), lit("x\\' OR 1=1 --")) }));
      assert.deepEqual(hit, [{ id: 6 }]);
    });

    test('bulk insert of 100,000 rows: count, sums, distinct values, extremes', async () => {
      const N = 100_000;
      await e.run(ddl(d, 'bulk', [['id', 'int'], ['s', 'text'], ['x', 'double'], ['big', 'bigint'], ['flag', 'bool'], ['ts', 'timestamp']]));
      const base = Date.UTC(2020, 0, 1);
      const id = Float64Array.from({ length: N }, (_, i) => i);
      const columns: ArrayLike<CellValue>[] = [
        id,
        Array.from({ length: N }, (_, i) => `c${i % 1000}`),
        Float64Array.from(id, (i) => i * 0.5),
        Array.from({ length: N }, (_, i) => i),
        Array.from({ length: N }, (_, i) => i % 2 === 0),
        Array.from({ length: N }, (_, i) => new Date(base + i * 1000)),
      ];
      assert.equal(await e.insertRows('bulk', ['id', 's', 'x', 'big', 'flag', 'ts'], { columns }), N);
      const [r] = await run(e, select({
        select: [
          { expr: count(), as: 'n' },
          { expr: sum(col('big')), as: 'sum_big' },
          { expr: sum(col('x')), as: 'sum_x' },
          { expr: countDistinct(col('s')), as: 'names' },
          { expr: count(col('id'), { filter: eq(col('flag'), lit(true)) }), as: 'even' },
          { expr: min(col('ts')), as: 'first' },
          { expr: max(col('ts')), as: 'last' },
        ],
        from: table('bulk'),
      }));
      // Σ 0…99,999 = 99,999 · 100,000 / 2
      assert.equal(Number(r!.n), N);
      assert.equal(Number(r!.sum_big), 4_999_950_000);
      assert.equal(Number(r!.sum_x), 2_499_975_000);
      assert.equal(Number(r!.names), 1000);
      assert.equal(Number(r!.even), 50_000);
      same(r!.first, new Date('2020-01-01T00:00:00Z'), 'first');
      same(r!.last, new Date(base + (N - 1) * 1000), 'last');
    });

    test('columnar insert of int, text, double and boolean columns (DuckDB: whole chunks) with NULLs, over several chunks', async () => {
      const N = 5000;
      await e.run(ddl(d, 'scores', [['run_id', 'int'], ['customer_id', 'text'], ['probability', 'double'], ['decile', 'int'], ['flag', 'bool']]));
      const columns: ArrayLike<CellValue>[] = [
        new Array<number>(N).fill(7),
        Array.from({ length: N }, (_, i) => (i === 4321 ? null : `c${i}`)),
        Float64Array.from({ length: N }, (_, i) => (i === 3 ? NaN : i === 4 ? -0 : i === 5 ? 1e300 : i / N)),
        Int32Array.from({ length: N }, (_, i) => 1 + (i % 10)),
        Array.from({ length: N }, (_, i) => i % 3 === 0),
      ];
      assert.equal(await e.insertRows('scores', ['run_id', 'customer_id', 'probability', 'decile', 'flag'], { columns }), N);
      const rows = await run(e, select({ select: ['run_id', 'customer_id', 'probability', 'decile', 'flag'].map((c) => ({ expr: col(c), as: c })), from: table('scores') }));
      assert.equal(rows.length, N);
      const byId = new Map(rows.map((r) => [r.customer_id === null ? null : String(r.customer_id), r]));
      for (const i of [0, 3, 4, 5, 2047, 2048, 4999]) {
        const r = byId.get(`c${i}`)!;
        assert.equal(Number(r.run_id), 7);
        assert.equal(Number(r.decile), 1 + (i % 10));
        assert.equal(Number(r.flag), i % 3 === 0 ? 1 : 0);
        if (i === 3) assert.equal(r.probability, null);
        else assert.equal(Number(r.probability), i === 4 ? -0 : i === 5 ? 1e300 : i / N, `row ${i}`);
      }
      assert.ok(byId.has(null) || byId.has(''), 'the NULL customer_id is stored');
    });

    test('numericColumns gives the values all() gives, NULL as NaN, as Float64Array', async () => {
      const q = select({
        select: [{ expr: col('id'), as: 'id' }, { expr: col('x'), as: 'x' }, { expr: col('big'), as: 'big' }, { expr: col('flag'), as: 'flag' }],
        from: table('bulk'),
        where: lt(col('id'), lit(5000)),
        orderBy: [col('id')],
      });
      const { sql, params } = compile(q, d);
      const rows = await e.all(sql, params);
      const cols = await e.numericColumns(sql, params, ['id', 'x', 'big', 'flag']);
      assert.equal(rows.length, 5000);
      for (const c of ['id', 'x', 'big', 'flag']) {
        assert.ok(cols[c] instanceof Float64Array);
        assert.deepEqual(Array.from(cols[c]!), rows.map((r) => Number(r[c])), c);
      }
      const withNulls = compile(select({ select: [{ expr: col('x'), as: 'x' }, { expr: col('big'), as: 'big' }], from: table('types'), orderBy: [col('id')] }), d);
      const typed = await e.numericColumns(withNulls.sql, withNulls.params, ['x', 'big']);
      const expected = DOUBLES.map((v) => (v === null ? NaN : v));
      assert.deepEqual(Array.from(typed.x!).slice(0, DOUBLES.length), expected);
      assert.ok(Object.is(typed.x![0], -0));
      assert.deepEqual(Array.from(typed.big!).slice(0, 5), [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 62, 0, NaN]);
      await assert.rejects(e.numericColumns(withNulls.sql, withNulls.params, ['nope']), /no column "nope"/);
      // the expected row count is a hint: exact, too many or too few (5,000 rows are three DuckDB chunks), the same values
      for (const expectedRows of [5000, 4096, 2048, 2047, 1, 9000, 0]) {
        const hinted = await e.numericColumns(sql, params, ['id', 'x'], expectedRows);
        for (const c of ['id', 'x']) assert.deepEqual(Array.from(hinted[c]!), Array.from(cols[c]!), `${c}, expectedRows ${expectedRows}`);
      }
      const hintedNulls = await e.numericColumns(withNulls.sql, withNulls.params, ['x', 'big'], 3);
      assert.deepEqual(Array.from(hintedNulls.x!), Array.from(typed.x!));
      assert.deepEqual(Array.from(hintedNulls.big!), Array.from(typed.big!));
      // on shared memory (DuckDB), hinted or not, one chunk or several: the same values
      if (d === 'duckdb') {
        for (const [query, names, expectedRows] of [[compile(q, d), ['id', 'x'], undefined], [compile(q, d), ['id', 'x'], 5000], [compile(q, d), ['id', 'x'], 2047], [withNulls, ['x', 'big'], undefined]] as const) {
          const sharedCols = await e.numericColumns(query.sql, query.params, names, expectedRows, true);
          for (const c of names) {
            assert.ok(sharedCols[c]!.buffer instanceof SharedArrayBuffer, `${c} on shared memory (expectedRows ${expectedRows})`);
            assert.deepEqual(Array.from(sharedCols[c]!), Array.from((query === withNulls ? typed : cols)[c]!), `${c} shared, expectedRows ${expectedRows}`);
          }
        }
      }
    });

    test('transactions: a failure inside rolls everything back; success commits; nested calls join', { skip: d === 'clickhouse' ? 'ClickHouse has no transactions (a run becomes visible by one final write)' : false }, async () => {
      await e.run(ddl(d, 'tx', [['id', 'int']]));
      const three = compile(select({ select: [{ expr: lit(3), as: 'id' }], from: table('one_row') }), d);
      await assert.rejects(
        e.transaction(async () => {
          await e.insertRows('tx', ['id'], [[1], [2]]);
          await e.transaction(async () => e.insertSelect('tx', ['id'], three.sql, three.params));
          assert.equal((await e.all('SELECT id FROM tx')).length, 3);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.deepEqual(await run(e, select({ select: [{ expr: count(), as: 'n' }], from: table('tx') })), [{ n: 0 }]);
      await e.transaction(async () => e.insertRows('tx', ['id'], [[7]]));
      assert.deepEqual(await run(e, select({ select: [{ expr: col('id'), as: 'id' }], from: table('tx') })), [{ id: 7 }]);
    });

    test('ClickHouse: transaction() runs its function as it is, and bound parameters are refused', { skip: d !== 'clickhouse' ? 'ClickHouse only' : false }, async () => {
      await e.run(ddl(d, 'tx', [['id', 'int']]));
      await assert.rejects(e.transaction(async () => {
        await e.insertRows('tx', ['id'], [[1]]);
        throw new Error('boom');
      }), /boom/);
      assert.deepEqual(await e.all('SELECT id FROM tx'), [{ id: 1 }]);
      await assert.rejects(e.all('SELECT 1', [1]), (err: Error & { code?: string }) => err.code === 'unsupported-in-dialect');
      await assert.rejects(e.insertRows('types', ['id', 'ts'], [[99, new Date('2024-01-01T00:00:00.5Z')]]), (err: Error & { code?: string }) => err.code === 'unsupported-in-dialect' && /whole seconds/.test(err.message));
    });

    test('createTableAs, insertSelect, appendDoubles and a column subset in insertRows', async () => {
      const first10 = compile(select({ select: [{ expr: col('id'), as: 'id' }, { expr: col('x'), as: 'x' }], from: table('bulk'), where: lt(col('id'), lit(10)) }), d);
      await e.createTableAs('copy10', first10.sql, first10.params, { orderBy: ['id'] });
      await e.insertSelect('copy10', ['id', 'x'], first10.sql, first10.params);
      assert.deepEqual(await run(e, select({ select: [{ expr: count(), as: 'n' }, { expr: sum(col('x')), as: 'sx' }], from: table('copy10') })), [{ n: 20, sx: 45 }]);
      await e.createTableAs('copy10', first10.sql, first10.params, { replace: true, temporary: true });
      assert.deepEqual(await run(e, select({ select: [{ expr: count(), as: 'n' }], from: table('copy10') })), [{ n: 10 }]);

      await e.run(ddl(d, 'doubles', [['id', 'int'], ['a', 'double'], ['b', 'double']]));
      await e.appendDoubles('doubles', [[1, 2, 3], [0.5, NaN, -0], new Float64Array([Infinity, 1e-300, 7])]);
      const got = await run(e, select({ select: ['id', 'a', 'b'].map((c) => ({ expr: col(c), as: c })), from: table('doubles'), orderBy: [col('id')] }));
      assert.deepEqual(got, [{ id: 1, a: 0.5, b: null }, { id: 2, a: null, b: 1e-300 }, { id: 3, a: -0, b: 7 }]);
      assert.ok(Object.is(got[2]!.a, -0));

      // a subset of the columns, in another order: the rest take their defaults (NULL; ClickHouse's id: 0)
      await e.insertRows('doubles', ['b', 'id'], [[8, 4]]);
      assert.deepEqual(await run(e, select({ select: ['a', 'b'].map((c) => ({ expr: col(c), as: c })), from: table('doubles'), where: eq(col('id'), lit(4)) })), [{ a: null, b: 8 }]);
    });

    test('introspection: columns in table order with their kinds, existence, qualified names', async () => {
      const cols = await e.tableColumns('types');
      assert.deepEqual(cols.map((c) => c.name), ['id', 's', 'x', 'big', 'flag', 'ts']);
      assert.deepEqual(cols.map((c) => c.kind), ['integer', 'text', 'double', 'integer', d === 'clickhouse' ? 'integer' : 'boolean', 'timestamp']);
      assert.equal(await e.tableExists('types'), true);
      assert.equal(await e.tableExists('no_such_table'), false);
      assert.deepEqual(await e.tableColumns('no_such_table'), []);
      const schema = d === 'duckdb' ? 'main' : SCRATCH;
      assert.equal(await e.tableExists(`${schema}.types`), true);
      assert.equal((await e.tableColumns(`${schema}.types`)).length, 6);
      assert.equal(await e.tableExists(`${schema}.no_such_table`), false);
    });
  });
}
