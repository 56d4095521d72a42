/**
 * ClickHouse for tests: a server through Segmint's connection layer or over plain HTTP (TEST_CLICKHOUSE_URL,
 * the cluster of scripts/clickhouse-cluster.sh; plain HTTP takes extra settings such as the cluster's), and
 * chdb in process (npm, ClickHouse 26.x; installed by .ci/run, not a dependency). Each runs SQL text and gives rows, with the
 * session settings Segmint's ClickHouse SQL needs.
 */
import { createRequire } from 'node:module';
import { openClickHouse } from '../../src/engines/clickhouse.ts';
import { quoteClickHouseString } from '../../src/sql/index.ts';
import { clickHouseType, valuesSql, type CorpusTable, type Row } from './sql-corpus.ts';

/** Settings every Segmint session on ClickHouse has (docs/sql.md, docs/engines.md). */
export const SESSION_SETTINGS: Record<string, string> = {
  // LEFT JOIN fills non-matching rows with NULL, not 0 / '' / 1970-01-01
  join_use_nulls: '1',
  // Int64/UInt64 as JSON numbers, not strings
  output_format_json_quote_64bit_integers: '0',
};

export interface ClickHouseRunner {
  readonly what: string;
  /** a statement without a result */
  exec(sql: string): Promise<void>;
  /** the rows of a query */
  rows(sql: string): Promise<Row[]>;
  close(): Promise<void>;
}

/** A server over HTTP; `database` is used for every statement (created by the caller). */
export function httpRunner(url: string, database: string | undefined, extra: Record<string, string> = {}): ClickHouseRunner {
  const post = async (sql: string): Promise<string> => {
    const u = new URL(url);
    for (const [k, v] of Object.entries({ ...SESSION_SETTINGS, ...extra })) u.searchParams.set(k, v);
    if (database) u.searchParams.set('database', database);
    const res = await fetch(u, { method: 'POST', body: sql });
    const text = await res.text();
    if (!res.ok) throw new Error(`ClickHouse at ${url}: ${text.trim()}\n-- SQL: ${sql}`);
    return text;
  };
  return {
    what: `ClickHouse at ${url}`,
    exec: async (sql) => void (await post(sql)),
    rows: async (sql) => (JSON.parse(await post(`${sql} FORMAT JSON`)) as { data: Row[] }).data,
    close: async () => undefined,
  };
}

/**
 * A server through Segmint's own connection layer (src/engines/clickhouse.ts, `@clickhouse/client`), on
 * `database` (created when missing): what a ClickHouse workspace uses.
 */
export async function engineRunner(url: string, database: string): Promise<ClickHouseRunner> {
  const engine = await openClickHouse({ url, database, createDatabase: true });
  return {
    what: `ClickHouse at ${url} (src/engines)`,
    exec: (sql) => engine.run(sql),
    rows: (sql) => engine.all<Row>(sql),
    close: () => engine.close(),
  };
}

type ChdbSession = { query(sql: string, format?: string): string; cleanup(): void };

/** chdb in process, or the reason it cannot run (the package is not installed). */
export function chdbRunner(): ClickHouseRunner | string {
  let Session: new () => ChdbSession;
  try {
    ({ Session } = createRequire(import.meta.url)('chdb') as { Session: new () => ChdbSession });
  } catch (e) {
    return `chdb is not installed (npm install --no-save chdb@3.4.0, as .ci/run does): ${(e as Error).message.split('\n')[0]}`;
  }
  const session = new Session();
  const settings = Object.entries({ ...SESSION_SETTINGS, session_timezone: 'UTC' }).map(([k, v]) => `SET ${k} = ${/^\d+$/.test(v) ? v : `'${v}'`}`);
  for (const sql of settings) session.query(sql);
  const run = (sql: string, format?: string): string => {
    try {
      return session.query(sql, format);
    } catch (e) {
      throw new Error(`chdb: ${(e as Error).message.trim()}\n-- SQL: ${sql}`, { cause: e });
    }
  };
  return {
    what: 'chdb',
    exec: async (sql) => void run(sql),
    rows: async (sql) => (JSON.parse(run(sql, 'JSON')) as { data: Row[] }).data,
    close: async () => session.cleanup(),
  };
}

/**
 * Create and fill a corpus table. `engine` is the table engine clause; by default a MergeTree ordered by the
 * table's `orderBy` column (or nothing).
 */
export async function createTable(runner: ClickHouseRunner, t: CorpusTable, name = t.name, engine?: string): Promise<void> {
  const columns = t.columns.map((c) => `${c.name} ${clickHouseType(c)}`).join(', ');
  await runner.exec(`CREATE TABLE ${name} (${columns}) ENGINE = ${engine ?? `MergeTree ORDER BY ${t.orderBy ?? 'tuple()'}`}`);
  if (t.rows.length) await runner.exec(`INSERT INTO ${name} VALUES ${valuesSql(t, 'clickhouse')}`);
}

const CH_OF_DUCKDB: Record<string, string> = {
  VARCHAR: 'String', JSON: 'String', DOUBLE: 'Float64', FLOAT: 'Float32', INTEGER: 'Int32', BIGINT: 'Int64', UBIGINT: 'UInt64', HUGEINT: 'Int64',
  BOOLEAN: 'UInt8', TIMESTAMP: 'DateTime', DATE: 'Date',
};

/** ClickHouse's type for a DuckDB column: Decimal kept, JSON as String, Nullable when the column may hold NULL. */
export function clickHouseTypeOf(duckdbType: string, nullable: boolean): string {
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(duckdbType);
  const base = dec ? `Decimal(${dec[1]}, ${dec[2]})` : CH_OF_DUCKDB[duckdbType];
  if (!base) throw new Error(`no ClickHouse type for DuckDB's ${duckdbType}`);
  return nullable ? `Nullable(${base})` : base;
}

type WorkspaceDb = { all<T>(sql: string, params?: never[]): Promise<T[]> };

/**
 * Copy a workspace table (the given columns, all when omitted) into ClickHouse with matching types. With
 * `distributed`, the rows go to `<name>_local` MergeTree tables on every shard (`shards`, runners each on one
 * shard) under a Distributed table `name` on the cluster, sharded by cityHash64(customer_id).
 */
export async function copyTableToClickHouse(db: WorkspaceDb, runner: ClickHouseRunner, name: string, columns?: string[], distributed?: { cluster: string; database: string; shards: ClickHouseRunner[] }): Promise<number> {
  const info = await db.all<{ name: string; type: string; nullable: string }>(
    `SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns WHERE table_name = '${name}' ORDER BY ordinal_position`,
  );
  const cols = columns ? columns.map((c) => info.find((i) => i.name === c) ?? { name: c, type: 'VARCHAR', nullable: 'YES' }) : info;
  // customer_id is the sort and sharding key: not Nullable (MergeTree keys cannot be) unless some rows have
  // none (lines without a customer), then the table is unsorted and those rows hash as ''
  const key = cols.some((c) => c.name === 'customer_id') ? 'customer_id' : undefined;
  const keyNulls = key ? Number((await db.all<{ n: number }>(`SELECT count(*) AS n FROM ${name} WHERE customer_id IS NULL`))[0]!.n) : 0;
  const sortKey = key && keyNulls === 0 ? key : undefined;
  const types = cols.map((c) => `\`${c.name}\` ${clickHouseTypeOf(c.type, c.name !== sortKey && c.nullable === 'YES')}`).join(', ');
  const mergeTree = `MergeTree ORDER BY ${sortKey ?? 'tuple()'}`;
  if (distributed) {
    for (const shard of distributed.shards) await shard.exec(`CREATE TABLE ${name}_local (${types}) ENGINE = ${mergeTree}`);
    const shardBy = key ? `cityHash64(${sortKey ? key : `ifNull(${key}, '')`})` : 'rand()';
    await runner.exec(`CREATE TABLE ${name} (${types}) ENGINE = Distributed(${distributed.cluster}, ${distributed.database}, ${name}_local, ${shardBy})`);
  } else {
    await runner.exec(`CREATE TABLE ${name} (${types}) ENGINE = ${mergeTree}`);
  }
  const select = cols.map((c) => (c.type === 'TIMESTAMP' ? `strftime("${c.name}", '%Y-%m-%d %H:%M:%S')` : c.type === 'DATE' ? `strftime("${c.name}", '%Y-%m-%d')` : c.type === 'JSON' ? `CAST(json("${c.name}") AS VARCHAR)` : `"${c.name}"`));
  const rows = await db.all<Record<string, unknown>>(`SELECT ${select.map((x, i) => `${x} AS c${i}`).join(', ')} FROM ${name}`);
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'boolean') return v ? '1' : '0';
    if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    return quoteClickHouseString(String(v));
  };
  for (let i = 0; i < rows.length; i += 20000) {
    const values = rows.slice(i, i + 20000).map((r) => `(${cols.map((_, j) => cell(r[`c${j}`])).join(', ')})`).join(', ');
    await runner.exec(`INSERT INTO ${name} VALUES ${values}`);
  }
  return rows.length;
}
