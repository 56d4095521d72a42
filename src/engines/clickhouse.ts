/**
 * ClickHouse over HTTP through @clickhouse/client, written for the 18.16 server Debian ships (and newer ones).
 * 18.16 binds no server-side parameters, so the SQL it runs has its values written in as escaped literals
 * (`compile(ir, 'clickhouse')` does that) and a call with parameters is refused. Results are read as JSON
 * with the column types, so Int64/UInt64 (sent as text) become numbers where safe and DateTime becomes a UTC
 * Date; the server must run in UTC, which opening checks. There are no transactions: a run becomes visible
 * by one final write (docs/engines.md). The only file that imports @clickhouse/client.
 */
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { SegmintError } from '../core/errors.ts';
import { quoteClickHouseIdent } from '../sql/index.ts';
import {
  numberText,
  pickNumeric,
  queryTimeout,
  rowsOf,
  safeInteger,
  splitTableName,
  utcText,
  type CellValue,
  type ColumnInfo,
  type ColumnKind,
  type CreateTableOptions,
  type Engine,
  type InsertData,
  type Param,
  type Row,
} from './types.ts';

/** What `openClickHouse` needs; the password is given here, never read from a file (see engines/index.ts). */
export interface ClickHouseOptions {
  /** the server's HTTP address, `http://host:8123` (or https) */
  url: string;
  user?: string;
  password?: string;
  /** the database Segmint's tables live in (default: the server's default) */
  database?: string;
  /** create `database` when it does not exist (a new workspace) */
  createDatabase?: boolean;
  /** a request that takes longer is abandoned (ms, default 10 minutes) */
  requestTimeoutMs?: number;
}

/** Settings every query of a Segmint session has (docs/sql.md, "ClickHouse constraints"). */
export const CLICKHOUSE_SETTINGS = {
  // LEFT JOIN fills rows without a match with NULL, as SQL does, not with 0 / '' / 1970-01-01
  join_use_nulls: 1,
  // Int64/UInt64 as JSON text (parsed here: numbers when safe, decimal text otherwise), never rounded
  output_format_json_quote_64bit_integers: 1,
  // nan and ±inf as "nan", "inf", "-inf" (parsed here to NaN and ±Infinity, as the other engines give them)
  output_format_json_quote_denormals: 1,
  // a cluster workspace: an INSERT into a Distributed table returns once every shard holds its rows (else a
  // read right after, such as a run's summary, misses rows still queued), and subqueries over Distributed
  // tables in IN and JOIN run once on this server (per-shard population statistics would differ)
  insert_distributed_sync: 1,
  distributed_product_mode: 'global',
} as const;

type Meta = { name: string; type: string }[];

/** `Nullable(T)`, `LowCardinality(T)` → T. */
function baseType(type: string): string {
  let t = type.trim();
  for (;;) {
    const m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(t);
    if (!m) return t;
    t = m[1]!.trim();
  }
}

/** The kind of a ClickHouse type (`Nullable(Int64)`, `DateTime('UTC')`, `Decimal(18, 2)` …). */
export function clickhouseKind(type: string): ColumnKind {
  const t = baseType(type);
  if (t === 'String' || t.startsWith('FixedString') || t === 'UUID' || t.startsWith('Enum')) return 'text';
  if (/^U?Int(8|16|32|64|128|256)$/.test(t)) return 'integer';
  if (t === 'Float32' || t === 'Float64') return 'double';
  if (t.startsWith('Decimal')) return 'decimal';
  if (t === 'Bool') return 'boolean';
  if (t.startsWith('DateTime')) return 'timestamp';
  if (t === 'Date' || t === 'Date32') return 'date';
  return 'other';
}

/** A value as the JSON formats write it → the `Row` contract, by its column type. */
function converter(type: string): (v: unknown) => unknown {
  const t = baseType(type);
  const array = /^Array\((.*)\)$/.exec(t);
  if (array) {
    const item = converter(array[1]!);
    return (v) => (Array.isArray(v) ? v.map(item) : v);
  }
  if (/^U?Int(64|128|256)$/.test(t)) return (v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? safeInteger(v) : v);
  if (t === 'Float32' || t === 'Float64' || t.startsWith('Decimal')) {
    return (v) => {
      if (typeof v !== 'string') return v;
      if (v === 'nan' || v === '-nan') return NaN;
      if (v === 'inf' || v === '+inf') return Infinity;
      if (v === '-inf') return -Infinity;
      return Number(v);
    };
  }
  if (t.startsWith('DateTime')) {
    return (v) => {
      if (typeof v !== 'string') return v;
      if (v.startsWith('0000-00-00')) return new Date(0); // 18.16 writes the zero DateTime so
      const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(v);
      if (!m) return v;
      const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
      return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
    };
  }
  if (t === 'Date' || t === 'Date32') {
    return (v) => {
      if (typeof v !== 'string') return v;
      if (v === '0000-00-00') return new Date(0);
      const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(v);
      return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : v;
    };
  }
  return (v) => v;
}

const needsConversion = (type: string) => {
  const t = baseType(type);
  return !(t === 'String' || /^U?Int(8|16|32)$/.test(t) || t === 'Nothing' || t.startsWith('FixedString') || t.startsWith('Enum'));
};

/**
 * One JSONEachRow line, written by hand: -0 stays -0 (JSON.stringify writes 0), bigints as digits, non-finite
 * numbers as null, booleans as 1/0 (UInt8), Dates as `YYYY-MM-DD hh:mm:ss` in UTC.
 */
function jsonRow(row: Record<string, CellValue>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(row)) {
    let out: string;
    if (v === null || v === undefined) out = 'null';
    else if (typeof v === 'number') out = Number.isFinite(v) ? numberText(v) : 'null';
    else if (typeof v === 'bigint') out = v.toString();
    else if (typeof v === 'boolean') out = v ? '1' : '0';
    else if (v instanceof Date) out = JSON.stringify(utcText(v, false));
    else out = JSON.stringify(v);
    parts.push(`${JSON.stringify(k)}:${out}`);
  }
  return `{${parts.join(',')}}`;
}

/** `db.table` or `table`, quoted. */
function qualified(table: string): string {
  const { schema, name } = splitTableName(table);
  return schema === undefined ? quoteClickHouseIdent(name) : `${quoteClickHouseIdent(schema)}.${quoteClickHouseIdent(name)}`;
}

function refuseParams(params: readonly Param[] | undefined): void {
  if (params && params.length > 0) {
    throw new SegmintError('unsupported-in-dialect', `ClickHouse got ${params.length} bound parameter(s); ClickHouse 18.16 binds none`, {
      hint: "compile the query with the 'clickhouse' dialect, which writes values as escaped literals",
      exitCode: 1,
    });
  }
}

/** ClickHouse behind the `Engine` contract. */
export class ClickHouseEngine implements Engine {
  readonly dialect = 'clickhouse' as const;
  readonly transactional = false;
  private closed = false;

  constructor(private readonly client: ClickHouseClient) {}

  async run(sql: string, params?: readonly Param[]): Promise<void> {
    refuseParams(params);
    await this.client.command({ query: sql });
  }

  async oneWithin<T extends Row = Row>(sql: string, params: readonly Param[] | undefined, ms: number): Promise<T | undefined> {
    // the server stops the query at max_execution_time (whole seconds; 159 TIMEOUT_EXCEEDED, or 160 TOO_SLOW when
    // it estimates early that the query cannot finish in time)
    const seconds = Math.max(1, Math.ceil(ms / 1000));
    try {
      return (await this.objects<T>(await this.read(sql, params, { max_execution_time: seconds, timeout_overflow_mode: 'throw' })))[0];
    } catch (e) {
      throw /TIMEOUT_EXCEEDED|TOO_SLOW|Timeout exceeded|Estimated query execution time/i.test(String((e as Error).message)) || ['159', '160'].includes(String((e as { code?: string }).code)) ? queryTimeout(seconds * 1000, e) : e;
    }
  }

  private async read(sql: string, params: readonly Param[] | undefined, settings?: Record<string, string | number>): Promise<{ meta: Meta; data: unknown[][] }> {
    refuseParams(params);
    const rs = await this.client.query({ query: sql, format: 'JSONCompact', ...(settings ? { clickhouse_settings: settings } : {}) });
    const { meta, data } = await rs.json<unknown[]>();
    const conv = (meta ?? []).map((m) => (needsConversion(m.type) ? converter(m.type) : undefined));
    if (conv.some((c) => c !== undefined)) {
      for (const row of data) {
        for (let j = 0; j < conv.length; j++) {
          const c = conv[j];
          if (c && row[j] !== null) row[j] = c(row[j]);
        }
      }
    }
    return { meta: meta ?? [], data };
  }

  async all<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T[]> {
    return this.objects<T>(await this.read(sql, params));
  }

  private objects<T extends Row>({ meta, data }: { meta: Meta; data: unknown[][] }): T[] {
    return data.map((r) => {
      const o: Row = {};
      meta.forEach((m, j) => {
        o[m.name] = r[j];
      });
      return o as T;
    });
  }

  async one<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async columns(sql: string, params?: readonly Param[]): Promise<Record<string, unknown[]>> {
    const { meta, data } = await this.read(sql, params);
    const out: Record<string, unknown[]> = {};
    meta.forEach((m, j) => {
      out[m.name] = data.map((r) => r[j]);
    });
    return out;
  }

  async numericColumns(sql: string, params: readonly Param[] | undefined, names: readonly string[]): Promise<Record<string, Float64Array>> {
    return pickNumeric(await this.columns(sql, params), names);
  }

  async insertRows(table: string, columnNames: readonly string[], data: InsertData): Promise<number> {
    const cols = await this.tableColumns(table);
    if (cols.length === 0) throw new Error(`insertRows: no table ${table}`);
    const kinds = new Map(cols.map((c) => [c.name, c.kind]));
    const missing = columnNames.filter((c) => !kinds.has(c));
    if (missing.length > 0) throw new Error(`insertRows: ${table} has no column ${missing.join(', ')}`);
    // Checked before anything is sent: an INSERT that fails half-way may leave the blocks already received.
    const timestamps = columnNames.map((c, j) => (kinds.get(c) === 'timestamp' ? j : -1)).filter((j) => j >= 0);
    if (timestamps.length > 0) {
      let i = 0;
      for (const row of rowsOf(data, columnNames.length)) {
        for (const j of timestamps) {
          const v = row[j];
          if (v instanceof Date && v.getUTCMilliseconds() !== 0) {
            throw new SegmintError('unsupported-in-dialect', `${table}.${columnNames[j]} row ${i}: ${v.toISOString()} has milliseconds; a ClickHouse 18.16 DateTime holds whole seconds`, {
              hint: 'round timestamps to the second before loading them into ClickHouse',
              exitCode: 1,
            });
          }
        }
        i++;
      }
    }
    const dates = columnNames.map((c) => kinds.get(c) === 'date');
    const timestampColumns = columnNames.map((c) => kinds.get(c) === 'timestamp');
    let n = 0;
    function* objects(): Generator<Record<string, CellValue>> {
      for (const row of rowsOf(data, columnNames.length)) {
        const o: Record<string, CellValue> = {};
        for (let j = 0; j < columnNames.length; j++) {
          const v = row[j];
          // a Date as the column reads it: a day, a second, or ISO text into a string column
          o[columnNames[j]!] = v instanceof Date ? (dates[j] ? v.toISOString().slice(0, 10) : timestampColumns[j] ? utcText(v, false) : v.toISOString()) : v;
        }
        n++;
        yield o;
      }
    }
    await this.client.insert({
      table: qualified(table),
      columns: columnNames.map(quoteClickHouseIdent) as [string, ...string[]],
      values: Readable.from(objects()),
      format: 'JSONEachRow',
    });
    return n;
  }

  async appendDoubles(table: string, columns: readonly ArrayLike<number>[]): Promise<void> {
    const names = (await this.tableColumns(table)).map((c) => c.name);
    await this.insertRows(table, names.slice(0, columns.length), { columns });
  }

  async createTableAs(name: string, query: string, params?: readonly Param[], options: CreateTableOptions = {}): Promise<void> {
    refuseParams(params);
    if (options.replace) await this.run(`DROP TABLE IF EXISTS ${qualified(name)}`);
    const engine = options.temporary
      ? 'Memory'
      : `MergeTree ORDER BY ${options.orderBy && options.orderBy.length > 0 ? `(${options.orderBy.map(quoteClickHouseIdent).join(', ')})` : 'tuple()'}`;
    await this.run(`CREATE TABLE ${qualified(name)} ENGINE = ${engine} AS ${query}`);
  }

  async insertSelect(table: string, columns: readonly string[] | undefined, query: string, params?: readonly Param[]): Promise<void> {
    const list = columns ? ` (${columns.map(quoteClickHouseIdent).join(', ')})` : '';
    await this.run(`INSERT INTO ${qualified(table)}${list} ${query}`, params);
  }

  async tableColumns(table: string): Promise<ColumnInfo[]> {
    if (!(await this.tableExists(table))) return [];
    const rows = await this.all<{ name: string; type: string }>(`DESCRIBE TABLE ${qualified(table)}`);
    return rows.map((r) => ({ name: r.name, type: r.type, kind: clickhouseKind(r.type) }));
  }

  async tableExists(table: string): Promise<boolean> {
    const r = await this.one<{ result: number }>(`EXISTS TABLE ${qualified(table)}`);
    return Number(r?.result ?? 0) === 1;
  }

  /** ClickHouse has no transactions: `fn` runs as it is (see `Engine.transactional`). */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }
}

/**
 * Connect to a ClickHouse server: checks that it answers and runs in UTC (Segmint keeps timestamps in UTC,
 * and 18.16 converts DateTime text in the server's zone), creates `database` when asked. Driver errors are
 * thrown as they are; engines/index.ts words them.
 */
export async function openClickHouse(options: ClickHouseOptions): Promise<ClickHouseEngine> {
  const base = {
    url: options.url,
    username: options.user ?? 'default',
    password: options.password ?? '',
    request_timeout: options.requestTimeoutMs ?? 600_000,
    clickhouse_settings: CLICKHOUSE_SETTINGS,
    json: { parse: JSON.parse, stringify: jsonRow as (value: unknown) => string },
    // the library never prints: errors reach the caller as exceptions
    log: { level: ClickHouseLogLevel.OFF },
  };
  if (options.database && options.createDatabase) {
    const admin = createClient(base);
    try {
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteClickHouseIdent(options.database)}` });
    } finally {
      await admin.close();
    }
  }
  const client = createClient(options.database ? { ...base, database: options.database } : base);
  const engine = new ClickHouseEngine(client);
  try {
    // 2020-01-01 and 2020-07-01 at midnight UTC: a server in another zone (or with summer time) gives other numbers.
    const r = await engine.one<{ winter: number; summer: number; tz: string }>(
      "SELECT toUInt32(toDateTime('2020-01-01 00:00:00')) AS winter, toUInt32(toDateTime('2020-07-01 00:00:00')) AS summer, timezone() AS tz",
    );
    if (Number(r?.winter) !== 1577836800 || Number(r?.summer) !== 1593561600) {
      throw new SegmintError('clickhouse-timezone', `the ClickHouse server at ${options.url} runs in the time zone ${r?.tz ?? '?'}; Segmint needs UTC`, {
        hint: 'set <timezone>UTC</timezone> in the server configuration (config.xml) and restart it',
        exitCode: 1,
      });
    }
  } catch (e) {
    await engine.close().catch(() => undefined);
    throw e;
  }
  return engine;
}
