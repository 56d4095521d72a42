/**
 * PostgreSQL through `pg`: one client (one connection, so transactions and temporary tables hold) per engine,
 * in UTC, with the workspace's schema first on the search path. Parameters are compiled `$n` placeholders.
 * Bulk insert is `COPY … FROM STDIN` (CSV) through pg-copy-streams. The only file that imports `pg`.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { quoteIdent } from '../sql/index.ts';
import {
  numberText,
  pickNumeric,
  rowsOf,
  safeInteger,
  splitTableName,
  inTransaction,
  queryTimeout,
  type CellValue,
  type ColumnInfo,
  type ColumnKind,
  type CreateTableOptions,
  type Engine,
  type InsertData,
  type Param,
  type Row,
} from './types.ts';

/** What `openPostgres` needs; the password is given here, never read from a file (see engines/index.ts). */
export interface PostgresOptions {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** the schema Segmint's tables live in: first on the search path (then `public`) */
  schema?: string;
  /** create `schema` when it does not exist (a new workspace) */
  createSchema?: boolean;
  /** TLS: `require` connects over TLS without checking the certificate, `verify` checks it */
  ssl?: 'disable' | 'require' | 'verify';
  /** the name shown to the server (pg_stat_activity) */
  applicationName?: string;
}

// Type OIDs (pg_type): the ones read differently from pg's defaults.
const OID = { int8: 20, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184, int8Array: 1016, numericArray: 1231 } as const;

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` (a TIMESTAMP without time zone, which Segmint keeps in UTC) as a Date. */
function parseUtcTimestamp(text: string): Date | string {
  const m = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text);
  if (!m) return text; // infinity, BC dates: kept as the server wrote them
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
}

function parseUtcDate(text: string): Date | string {
  const m = /^(\d{4,})-(\d\d)-(\d\d)$/.exec(text);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : text;
}

const parseArray = (text: string, item: (s: string) => unknown): unknown[] => {
  // one-dimensional arrays of numbers: {1,2,NULL}
  const inner = text.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map((s) => (s === 'NULL' ? null : item(s)));
};

/** pg's type parsers, with BIGINT/NUMERIC as numbers and TIMESTAMP/DATE as UTC Dates (the `Row` contract). */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case OID.int8:
        return (s: string) => safeInteger(s);
      case OID.numeric:
        return (s: string) => Number(s);
      case OID.timestamp:
        return parseUtcTimestamp;
      case OID.date:
        return parseUtcDate;
      case OID.int8Array:
        return (s: string) => parseArray(s, (x) => safeInteger(x));
      case OID.numericArray:
        return (s: string) => parseArray(s, Number);
      default:
        return pg.types.getTypeParser(oid, format ?? 'text');
    }
  },
} as pg.CustomTypesConfig;

/** A parameter as pg sends it: Dates as UTC text, bigints as text, -0 kept. */
function toPg(p: Param): unknown {
  if (p instanceof Date) return p.toISOString();
  if (typeof p === 'bigint') return p.toString();
  if (typeof p === 'number') return Object.is(p, -0) ? '-0' : p;
  return p;
}
const bind = (params: readonly Param[] | undefined): unknown[] | undefined => params?.map(toPg);

/** The kind of a PostgreSQL type as `format_type` writes it. */
export function postgresKind(type: string): ColumnKind {
  const t = type.toLowerCase();
  if (t === 'text' || t.startsWith('character') || t.startsWith('varchar') || t === 'uuid' || t === 'name') return 'text';
  if (t === 'bigint' || t === 'integer' || t === 'smallint') return 'integer';
  if (t === 'double precision' || t === 'real') return 'double';
  if (t.startsWith('numeric')) return 'decimal';
  if (t === 'boolean') return 'boolean';
  if (t.startsWith('timestamp')) return 'timestamp';
  if (t === 'date') return 'date';
  return 'other';
}

/** One CSV field for COPY: NULL unquoted and empty, everything else quoted (so '' stays an empty string). */
function csvField(v: CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? numberText(v) : '';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'bigint') return v.toString();
  const s = v instanceof Date ? v.toISOString() : v;
  return `"${s.replace(/"/g, '""')}"`;
}

/** `schema.table` or `table`, quoted. */
function qualified(table: string): string {
  const { schema, name } = splitTableName(table);
  return schema === undefined ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** PostgreSQL behind the `Engine` contract. */
export class PostgresEngine implements Engine {
  readonly dialect = 'postgres' as const;
  readonly transactional = true;
  private readonly tx = { open: false };
  private closed = false;

  constructor(
    private readonly client: pg.Client,
    /** cancels the statement this client's backend is running, from a connection of its own (`oneWithin`) */
    private readonly cancelRunning: () => Promise<void> = async () => undefined,
  ) {}

  async oneWithin<T extends Row = Row>(sql: string, params: readonly Param[] | undefined, ms: number): Promise<T | undefined> {
    let timedOut = false;
    const query = this.one<T>(sql, params);
    const timer = setTimeout(() => {
      timedOut = true;
      this.cancelRunning().catch(() => undefined);
    }, ms);
    try {
      return await query;
    } catch (e) {
      // 57014: query_canceled
      throw timedOut && (e as { code?: string }).code === '57014' ? queryTimeout(ms, e) : e;
    } finally {
      clearTimeout(timer);
    }
  }

  async run(sql: string, params?: readonly Param[]): Promise<void> {
    await this.client.query(sql, bind(params));
  }

  async all<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T[]> {
    const r = await this.client.query(sql, bind(params));
    return r.rows as T[];
  }

  async one<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async columns(sql: string, params?: readonly Param[]): Promise<Record<string, unknown[]>> {
    const r = await this.client.query({ text: sql, values: bind(params), rowMode: 'array' });
    const out: Record<string, unknown[]> = {};
    r.fields.forEach((f, j) => {
      out[f.name] = r.rows.map((row: unknown[]) => row[j]);
    });
    return out;
  }

  async numericColumns(sql: string, params: readonly Param[] | undefined, names: readonly string[]): Promise<Record<string, Float64Array>> {
    return pickNumeric(await this.columns(sql, params), names);
  }

  async insertRows(table: string, columnNames: readonly string[], data: InsertData): Promise<number> {
    const list = columnNames.map(quoteIdent).join(', ');
    const stream = this.client.query(copyFrom(`COPY ${qualified(table)} (${list}) FROM STDIN WITH (FORMAT csv)`));
    let n = 0;
    function* lines(): Generator<string> {
      let chunk: string[] = [];
      for (const row of rowsOf(data, columnNames.length)) {
        chunk.push(row.map(csvField).join(','));
        n++;
        if (chunk.length === 10_000) {
          yield `${chunk.join('\n')}\n`;
          chunk = [];
        }
      }
      if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
    }
    await pipeline(Readable.from(lines(), { objectMode: false }), stream);
    return n;
  }

  async appendDoubles(table: string, columns: readonly ArrayLike<number>[]): Promise<void> {
    const names = (await this.tableColumns(table)).map((c) => c.name);
    await this.insertRows(table, names.slice(0, columns.length), { columns });
  }

  async createTableAs(name: string, query: string, params?: readonly Param[], options: CreateTableOptions = {}): Promise<void> {
    if (options.replace) await this.run(`DROP TABLE IF EXISTS ${qualified(name)}`);
    await this.run(`CREATE ${options.temporary ? 'TEMP ' : ''}TABLE ${qualified(name)} AS ${query}`, params);
  }

  async insertSelect(table: string, columns: readonly string[] | undefined, query: string, params?: readonly Param[]): Promise<void> {
    const list = columns ? ` (${columns.map(quoteIdent).join(', ')})` : '';
    await this.run(`INSERT INTO ${qualified(table)}${list} ${query}`, params);
  }

  async tableColumns(table: string): Promise<ColumnInfo[]> {
    const rows = await this.all<{ name: string; type: string }>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_catalog.pg_attribute
       WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [qualified(table)],
    );
    return rows.map((r) => ({ name: r.name, type: r.type, kind: postgresKind(r.type) }));
  }

  async tableExists(table: string): Promise<boolean> {
    const r = await this.one<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [qualified(table)]);
    return r?.found === true;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    return inTransaction(this.tx, (sql) => this.client.query(sql), fn);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.end();
  }
}

/**
 * Connect to PostgreSQL: TimeZone UTC for the session, work_mem at least 256MB, `schema` (created when asked)
 * first on the search path. Driver errors (refused connection, authentication) are thrown as they are; engines/index.ts words them.
 */
export async function openPostgres(options: PostgresOptions): Promise<PostgresEngine> {
  const config: pg.ClientConfig = {
    host: options.host,
    port: options.port,
    user: options.user,
    password: options.password,
    database: options.database,
    ssl: options.ssl === 'require' ? { rejectUnauthorized: false } : options.ssl === 'verify' ? true : undefined,
    application_name: options.applicationName ?? 'segmint',
    types: TYPES,
  };
  const client = new pg.Client(config);
  // An idle client whose server goes away emits 'error'; without a listener that would end the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query("SET TimeZone = 'UTC'");
    // `x NOT IN (subquery)` (every "has no …" rule, the anti-joins of audiences and migrations) is a hashed
    // SubPlan only when PostgreSQL expects the subquery's rows to fit in work_mem × hash_mem_multiplier;
    // otherwise it re-reads the materialised subquery for every outer row: quadratic (one audience over
    // 10 M lines ran past 5 minutes at the default 4MB). The session gets 256MB unless the server gives more.
    await client.query("SELECT set_config('work_mem', '256MB', false) WHERE pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('256MB')");
    if (options.schema) {
      if (options.createSchema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
      await client.query(`SET search_path TO ${quoteIdent(options.schema)}, public`);
    }
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
  const cancel = async (): Promise<void> => {
    const other = new pg.Client(config);
    other.on('error', () => undefined);
    await other.connect();
    try {
      await other.query('SELECT pg_cancel_backend($1)', [(client as unknown as { processID: number }).processID]);
    } finally {
      await other.end().catch(() => undefined);
    }
  };
  return new PostgresEngine(client, cancel);
}
