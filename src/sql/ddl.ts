/**
 * Table definitions in a small portable form, and the CREATE TABLE text of each dialect for them (the
 * workspace's tables on PostgreSQL and ClickHouse; docs/engines.md, "A workspace on PostgreSQL or
 * ClickHouse"). Types are portable names mapped per dialect:
 *
 *   text       VARCHAR            text               String
 *   int        INTEGER            integer            Int32
 *   bigint     BIGINT             bigint             Int64
 *   ubigint    UBIGINT            numeric(20)        UInt64        (64-bit row keys; read them as text)
 *   double     DOUBLE             double precision   Float64
 *   bool       BOOLEAN            boolean            UInt8
 *   json       JSON               text               String        (JSON text, read back as text everywhere)
 *   timestamp  TIMESTAMP          timestamp          DateTime
 *   double[]   DOUBLE[]           double precision[] Array(Float64)
 *   text[]     VARCHAR[]          text[]             Array(String)
 *
 * On ClickHouse a nullable column is Nullable(T) (arrays are never Nullable), every table is a MergeTree
 * ordered by `orderBy`, and a table with a `shardKey` can be split over a cluster: a MergeTree `<name>_local`
 * on each shard under a Distributed table `<name>` sharded by cityHash64 of the key.
 */
import type { DialectName } from './dialects/base.ts';
import { quoteClickHouseIdent, quoteClickHouseString, quoteIdent, quoteString } from './quote.ts';

export type PortableType = 'text' | 'int' | 'bigint' | 'ubigint' | 'double' | 'bool' | 'json' | 'timestamp' | 'double[]' | 'text[]';

export interface ColumnDef {
  readonly name: string;
  readonly type: PortableType;
  /** NOT NULL (default: nullable) */
  readonly notNull?: boolean;
}

export interface TableDef {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  /** a primary key (DuckDB and PostgreSQL; on ClickHouse it is the sorting key, not a constraint) */
  readonly primaryKey?: readonly string[];
  /** ClickHouse's sorting key (default: the primary key, else none) */
  readonly orderBy?: readonly string[];
  /** the column a cluster shards the table by (customer_id); tables without one live on the first shard only */
  readonly shardKey?: string;
}

const TYPES: Record<PortableType, Record<DialectName, string>> = {
  text: { duckdb: 'VARCHAR', postgres: 'text', clickhouse: 'String' },
  int: { duckdb: 'INTEGER', postgres: 'integer', clickhouse: 'Int32' },
  bigint: { duckdb: 'BIGINT', postgres: 'bigint', clickhouse: 'Int64' },
  ubigint: { duckdb: 'UBIGINT', postgres: 'numeric(20)', clickhouse: 'UInt64' },
  double: { duckdb: 'DOUBLE', postgres: 'double precision', clickhouse: 'Float64' },
  bool: { duckdb: 'BOOLEAN', postgres: 'boolean', clickhouse: 'UInt8' },
  json: { duckdb: 'JSON', postgres: 'text', clickhouse: 'String' },
  timestamp: { duckdb: 'TIMESTAMP', postgres: 'timestamp', clickhouse: 'DateTime' },
  'double[]': { duckdb: 'DOUBLE[]', postgres: 'double precision[]', clickhouse: 'Array(Float64)' },
  'text[]': { duckdb: 'VARCHAR[]', postgres: 'text[]', clickhouse: 'Array(String)' },
};

/** The type of a portable type in a dialect, Nullable on ClickHouse when the column may be NULL. */
export function columnType(c: ColumnDef, dialect: DialectName): string {
  const t = TYPES[c.type][dialect];
  if (dialect !== 'clickhouse') return c.notNull ? `${t} NOT NULL` : t;
  return c.notNull || c.type.endsWith('[]') ? t : `Nullable(${t})`;
}

/** Where a ClickHouse table goes: an ordinary MergeTree (default), a shard's local part, or the Distributed table over them. */
export type ClickHousePlacement =
  | { kind: 'table' }
  | { kind: 'local' }
  | { kind: 'distributed'; cluster: string; database: string };

/** The name of the local (per-shard) part of a distributed table. */
export const localTableName = (name: string): string => `${name}_local`;

/**
 * CREATE TABLE for `def` in `dialect` (ClickHouse: `placement`, default an ordinary MergeTree). `temporary`:
 * a table of this connection (`CREATE TEMP TABLE`); on ClickHouse, which has no session over HTTP, a `Memory`
 * table the caller drops (name it with `tempName`).
 */
export function createTableSql(def: TableDef, dialect: DialectName, placement: ClickHousePlacement = { kind: 'table' }, temporary = false): string {
  if (dialect !== 'clickhouse') {
    const q = quoteIdent;
    const cols = def.columns.map((c) => `${q(c.name)} ${columnType(c, dialect)}`);
    if (def.primaryKey?.length) cols.push(`PRIMARY KEY (${def.primaryKey.map(q).join(', ')})`);
    return `CREATE ${temporary ? 'TEMP ' : ''}TABLE ${q(def.name)} (${cols.join(', ')})`;
  }
  const q = quoteClickHouseIdent;
  const cols = def.columns.map((c) => `${q(c.name)} ${columnType(c, dialect)}`).join(', ');
  if (temporary) return `CREATE TABLE ${q(def.name)} (${cols}) ENGINE = Memory`;
  if (placement.kind === 'distributed') {
    const key = def.shardKey;
    const byCol = def.columns.find((c) => c.name === key);
    const shardBy = key === undefined ? 'rand()' : byCol?.notNull ? `cityHash64(${q(key)})` : `cityHash64(ifNull(${q(key)}, ''))`;
    return `CREATE TABLE ${q(def.name)} (${cols}) ENGINE = Distributed(${q(placement.cluster)}, ${q(placement.database)}, ${q(localTableName(def.name))}, ${shardBy})`;
  }
  const order = def.orderBy ?? def.primaryKey ?? [];
  const name = placement.kind === 'local' ? localTableName(def.name) : def.name;
  return `CREATE TABLE ${q(name)} (${cols}) ENGINE = MergeTree ORDER BY ${order.length ? `(${order.map(q).join(', ')})` : 'tuple()'}`;
}

/**
 * A secondary index of the workspace schema, for point look-ups by a column (one customer's rows). DuckDB and
 * PostgreSQL create it (an ART index, a B-tree); ClickHouse has none: its sorting key (`orderBy`) serves.
 */
export interface IndexDef {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
}

/** CREATE INDEX IF NOT EXISTS for `def` in `dialect`; undefined on ClickHouse (no secondary indexes). */
export function createIndexSql(def: IndexDef, dialect: DialectName): string | undefined {
  if (dialect === 'clickhouse') return undefined;
  return `CREATE INDEX IF NOT EXISTS ${quoteIdent(def.name)} ON ${quoteIdent(def.table)} (${def.columns.map(quoteIdent).join(', ')})`;
}

/** DROP TABLE IF EXISTS in a dialect. */
export function dropTableSql(name: string, dialect: DialectName): string {
  return `DROP TABLE IF EXISTS ${dialect === 'clickhouse' ? quoteClickHouseIdent(name) : quoteIdent(name)}`;
}

/** A literal of a whole number or a text, for the few statements ClickHouse 18.16 cannot bind. */
export function literal(value: string | number, dialect: DialectName): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`literal: ${value} is not a whole number`);
    return String(value);
  }
  return dialect === 'clickhouse' ? quoteClickHouseString(value) : quoteString(value);
}

/** Delete the rows of `table` whose `column` equals `value` (ClickHouse: a mutation, ALTER TABLE … DELETE). */
export function deleteWhereSql(table: string, column: string, value: string | number, dialect: DialectName, extra?: { column: string; value: string | number }): string {
  const q = dialect === 'clickhouse' ? quoteClickHouseIdent : quoteIdent;
  const cond = `${q(column)} = ${literal(value, dialect)}${extra ? ` AND ${q(extra.column)} = ${literal(extra.value, dialect)}` : ''}`;
  return dialect === 'clickhouse' ? `ALTER TABLE ${q(table)} DELETE WHERE ${cond}` : `DELETE FROM ${q(table)} WHERE ${cond}`;
}

/** The number of unfinished mutations of `table` in `database` (ClickHouse), as column `n`. */
export function pendingMutationsSql(database: string, table: string): string {
  return `SELECT count() AS n FROM system.mutations WHERE database = ${quoteClickHouseString(database)} AND table = ${quoteClickHouseString(table)} AND is_done = 0`;
}

/** ALTER TABLE … ADD COLUMN (nullable) in a dialect. */
export function addColumnSql(table: string, column: ColumnDef, dialect: DialectName): string {
  if (dialect === 'clickhouse') return `ALTER TABLE ${quoteClickHouseIdent(table)} ADD COLUMN ${quoteClickHouseIdent(column.name)} ${columnType(column, dialect)}`;
  return `ALTER TABLE ${quoteIdent(table)} ADD COLUMN IF NOT EXISTS ${quoteIdent(column.name)} ${columnType(column, dialect)}`;
}

/** Delete the rows of `table` whose `column` is one of `keys` (texts); not for ClickHouse. */
export function deleteKeysSql(table: string, column: string, keys: readonly string[], dialect: DialectName): string {
  if (dialect === 'clickhouse') throw new Error('deleteKeysSql: ClickHouse deletes by mutation, not in a write');
  return `DELETE FROM ${quoteIdent(table)} WHERE ${quoteIdent(column)} IN (${keys.map(quoteString).join(', ')})`;
}

/** SELECT the named columns of a table (plain names), in a dialect. */
export function selectColumnsSql(table: string, columns: readonly string[], dialect: DialectName): string {
  const q = dialect === 'clickhouse' ? quoteClickHouseIdent : quoteIdent;
  return `SELECT ${columns.map(q).join(', ')} FROM ${q(table)}`;
}

/** A column read as text (64-bit keys that a double would round). */
export function textColumnSql(column: string, dialect: DialectName): string {
  return dialect === 'clickhouse' ? `toString(${quoteClickHouseIdent(column)})` : `CAST(${quoteIdent(column)} AS text)`;
}

/** The current database (ClickHouse), as column `db`. */
export const CURRENT_DATABASE_SQL = 'SELECT currentDatabase() AS db';
