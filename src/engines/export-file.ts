/**
 * A query's rows written to a file — CSV with a header, Parquet (zstd), a JSON array or NDJSON — whatever the
 * engine (docs/engines.md, "Output files"). DuckDB writes the file itself (`COPY (query) TO …`). PostgreSQL
 * and ClickHouse rows are read through the connection layer and handed to a scratch in-memory DuckDB, which
 * writes them with the same `COPY`, so a file has the same columns, types and text on every engine. The
 * column types come from the engine (a zero-row table of the query), not from the values.
 */
import { quoteClickHouseIdent, quoteIdent, quoteString } from '../sql/quote.ts';
import type { ColumnInfo, ColumnKind, Engine, Param } from './types.ts';

export type ExportFormat = 'csv' | 'parquet' | 'json' | 'ndjson';

/** The format of each file extension (lower case, with the dot). */
export const EXPORT_FORMATS: Readonly<Record<string, ExportFormat>> = { '.csv': 'csv', '.parquet': 'parquet', '.json': 'json', '.ndjson': 'ndjson' };

const COPY_OPTIONS: Record<ExportFormat, string> = { csv: 'FORMAT csv, HEADER true', parquet: 'FORMAT parquet, COMPRESSION zstd', json: 'FORMAT json, ARRAY true', ndjson: 'FORMAT json' };

export interface ExportOptions {
  /** timestamp columns are written as ISO 8601 text with their offset in this zone (`2017-06-01T13:53:00-04:00`) */
  timezone?: string;
  /**
   * Kinds of columns the engine cannot tell: ClickHouse 18.16 has no boolean type (a comparison is a UInt8
   * 0/1), so a column that is a boolean on DuckDB and PostgreSQL is named here to be written as true/false.
   */
  kinds?: Readonly<Record<string, ColumnKind>>;
}

/** DuckDB's type for a column of each kind in the scratch table (decimals as doubles; anything else as text). */
const SCRATCH_TYPE: Record<ColumnKind, string> = {
  text: 'VARCHAR', integer: 'BIGINT', double: 'DOUBLE', decimal: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', date: 'DATE', other: 'VARCHAR',
};

/**
 * Write the rows of `sql` (compiled for `engine.dialect`, with `params`) to `path` in `format`; returns the
 * number of rows written. `path` is written directly: callers that need an atomic replace write a temporary
 * file and rename it (pipeline/export.ts). PostgreSQL and ClickHouse results are held in memory once (as
 * columns) on the way to the file.
 */
export async function exportQuery(engine: Engine, sql: string, params: readonly Param[] | undefined, path: string, format: ExportFormat, options: ExportOptions = {}): Promise<number> {
  if (engine.dialect === 'duckdb') {
    // the column types matter only to write timestamps in a zone (a DESCRIBE of a query over a million rows: 0.1 s)
    const cols = options.timezone === undefined ? [] : await engine.all<{ column_name: string; column_type: string }>(`SELECT column_name, column_type FROM (DESCRIBE ${sql})`, params);
    const kinds = cols.map((c) => ({ name: c.column_name, kind: c.column_type.startsWith('TIMESTAMP') ? 'timestamp' as const : 'other' as const }));
    return copyTo(engine, sql, params, kinds, path, format, options);
  }
  const columns = await describeQuery(engine, sql, params);
  const data = await engine.columns(sql, params);
  const { openDuckDb } = await import('./duckdb.ts');
  const scratch = await openDuckDb(':memory:');
  try {
    const kinds = columns.map((c) => ({ name: c.name, kind: options.kinds?.[c.name] ?? c.kind }));
    await scratch.run(`CREATE TABLE __export (${kinds.map((c) => `${quoteIdent(c.name)} ${SCRATCH_TYPE[c.kind]}`).join(', ')})`);
    const values = kinds.map((c) => {
      const v = data[c.name] ?? [];
      // arrays and other values without a column type of their own as JSON text
      return c.kind === 'other' ? v.map((x) => (x === null || x === undefined ? null : typeof x === 'object' && !(x instanceof Date) ? JSON.stringify(x) : String(x))) : v;
    });
    await scratch.insertRows('__export', kinds.map((c) => c.name), { columns: values as Param[][] });
    return await copyTo(scratch, `SELECT * FROM __export`, undefined, kinds, path, format, options);
  } finally {
    scratch.closeSync();
  }
}

/** The columns `sql` returns, with the engine's types: a zero-row table of it, read and dropped. */
async function describeQuery(engine: Engine, sql: string, params: readonly Param[] | undefined): Promise<ColumnInfo[]> {
  const name = `__describe_${process.pid}_${Math.floor(Math.random() * 0x1000000).toString(36)}`;
  await engine.createTableAs(name, `SELECT * FROM (${sql}) AS q LIMIT 0`, params, { temporary: true });
  try {
    return await engine.tableColumns(name);
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${engine.dialect === 'clickhouse' ? quoteClickHouseIdent(name) : quoteIdent(name)}`);
  }
}

/** DuckDB: COPY the rows of `sql` to `path`, timestamps as ISO text with offsets when a zone is given. */
async function copyTo(db: Engine, sql: string, params: readonly Param[] | undefined, kinds: readonly { name: string; kind: ColumnKind }[], path: string, format: ExportFormat, options: ExportOptions): Promise<number> {
  let select = sql;
  if (options.timezone !== undefined && kinds.some((c) => c.kind === 'timestamp')) {
    const list = kinds.map((c) => {
      const x = `x.${quoteIdent(c.name)}`;
      return c.kind === 'timestamp' ? `${isoWithOffset(x, options.timezone!)} AS ${quoteIdent(c.name)}` : x;
    });
    select = `SELECT ${list.join(', ')} FROM (${sql}) x`;
  }
  // COPY answers with the number of rows it wrote
  const r = await db.one<{ Count: number }>(`COPY (${select}) TO ${quoteString(path)} (${COPY_OPTIONS[format]})`, params);
  return Number(r?.Count ?? 0);
}

/** DuckDB SQL: the UTC timestamp `expr` as ISO 8601 text with its offset in `zone`; NULL stays NULL. */
export function isoWithOffset(expr: string, zone: string): string {
  const utc = `CAST(${expr} AS TIMESTAMP)`;
  const local = zone === 'UTC' ? `(${utc})` : `timezone(${quoteString(zone)}, CAST(${utc} AS TIMESTAMPTZ))`;
  const off = `CAST(epoch(${local}) - epoch(${utc}) AS BIGINT)`;
  return `CASE WHEN ${utc} IS NULL THEN NULL ELSE strftime(${local}, '%Y-%m-%dT%H:%M:%S') || CASE WHEN ${off} < 0 THEN '-' ELSE '+' END
    || lpad(CAST(abs(${off}) // 3600 AS VARCHAR), 2, '0') || ':' || lpad(CAST((abs(${off}) % 3600) // 60 AS VARCHAR), 2, '0') END`;
}
