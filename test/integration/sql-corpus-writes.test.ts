// The write statements of the IR (INSERT … SELECT, CREATE TABLE AS, DELETE by key, DROP TABLE; the
// WRITE_CASES of test/helpers/sql-corpus.ts) compiled per dialect and run on DuckDB (in memory), PostgreSQL
// (TEST_POSTGRES_URL), ClickHouse 18.16 (TEST_CLICKHOUSE_URL) and chdb (the optional npm package), each
// checked against the rows worked out by hand. On ClickHouse a DELETE is a mutation that finishes in the
// background on 18.16: the check waits until system.mutations says it is done.
import { after, test } from 'node:test';
import { openEngine, type Engine } from '../../src/engines/index.ts';
import { compile, type DialectName } from '../../src/sql/index.ts';
import { openMemoryDb } from '../../src/store/workspace.ts';
import { chdbRunner, createTable, httpRunner, type ClickHouseRunner } from '../helpers/clickhouse.ts';
import { assertRows, normalise, setupSql, TABLES, WRITE_CASES, WRITE_TARGET, type Row } from '../helpers/sql-corpus.ts';

const PG_URL = process.env.TEST_POSTGRES_URL;
const CH_URL = process.env.TEST_CLICKHOUSE_URL;
const PG_SKIP = PG_URL ? false : 'TEST_POSTGRES_URL is not set: PostgreSQL runs skipped';
const CH_SKIP = CH_URL ? false : 'TEST_CLICKHOUSE_URL is not set (scripts/clickhouse-cluster.sh start prints it): ClickHouse 18.16 runs skipped';
const chdb = chdbRunner();
const CHDB_SKIP = typeof chdb === 'string' ? chdb : false;
for (const reason of [PG_SKIP, CH_SKIP, CHDB_SKIP]) if (reason) console.log(`# ${reason}`);
after(async () => {
  if (typeof chdb !== 'string') await chdb.close();
});

const targetDdl = (dialect: DialectName) => dialect === 'clickhouse'
  ? `CREATE TABLE ${WRITE_TARGET.name} (run_id Int32, customer_id String, spend Nullable(Float64)) ENGINE = MergeTree ORDER BY run_id`
  : `CREATE TEMP TABLE ${WRITE_TARGET.name} (run_id INTEGER, customer_id VARCHAR, spend DOUBLE PRECISION)`;

async function onSqlEngine(engine: Engine, dialect: DialectName, c: (typeof WRITE_CASES)[number]): Promise<Row[]> {
  for (const sql of setupSql()) await engine.run(sql);
  await engine.run(targetDdl(dialect));
  for (const st of c.statements) {
    const { sql, params } = compile(st, dialect);
    await engine.run(sql, params);
  }
  const q = compile(c.check, dialect);
  return normalise(await engine.all(q.sql, q.params));
}

async function onClickHouse(runner: ClickHouseRunner, c: (typeof WRITE_CASES)[number], database: string): Promise<Row[]> {
  await runner.exec(`CREATE DATABASE ${database}`);
  await runner.exec(`USE ${database}`).catch(() => undefined);
  try {
    const r = runner.what === 'chdb' ? runner : httpRunner(CH_URL!, database);
    for (const t of TABLES) await createTable(r, t);
    await r.exec(targetDdl('clickhouse'));
    for (const st of c.statements) await r.exec(compile(st, 'clickhouse').sql);
    // a DELETE is a mutation that may still be running when the ALTER returns (18.16)
    for (let i = 0; i < 100; i++) {
      const [p] = await r.rows(`SELECT count() AS n FROM system.mutations WHERE database = '${database}' AND is_done = 0`);
      if (Number(p?.n ?? 0) === 0) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    return normalise(await r.rows(compile(c.check, 'clickhouse').sql));
  } finally {
    await runner.exec(`DROP DATABASE IF EXISTS ${database}`);
  }
}

for (const [i, c] of WRITE_CASES.entries()) {
  test(`duckdb: ${c.name}`, async () => {
    const m = await openMemoryDb();
    try {
      assertRows(await onSqlEngine(m.db, 'duckdb', c), c.rows, 'duckdb');
    } finally {
      m.close();
    }
  });
  test(`postgres: ${c.name}`, { skip: PG_SKIP }, async () => {
    const engine = await openEngine(PG_URL!); // one connection: the temporary tables stay for the case
    try {
      assertRows(await onSqlEngine(engine, 'postgres', c), c.rows, 'postgres');
    } finally {
      await engine.close();
    }
  });
  test(`clickhouse 18.16: ${c.name}`, { skip: CH_SKIP }, async () => {
    const rows = await onClickHouse(httpRunner(CH_URL!, undefined), c, `segmint_writes_${process.pid}_${i}`);
    assertRows(rows, c.rows, 'clickhouse 18.16', { booleansAsNumbers: true });
  });
  test(`chdb: ${c.name}`, { skip: CHDB_SKIP }, async () => {
    const runner = chdb as ClickHouseRunner;
    const rows = await onClickHouse(runner, c, `segmint_writes_chdb_${process.pid}_${i}`);
    assertRows(rows, c.rows, 'chdb', { booleansAsNumbers: true });
  });
}
