/**
 * Opening an engine from its spec — the text a user types after `--engine` and segmint.yaml records:
 *
 *   duckdb:<path> | duckdb::memory: | :memory:
 *   postgres://user@host:5432/db?schema=segmint&password_env=SEGMINT_PG_PASSWORD
 *   clickhouse://user@host:8123/db?password_env=SEGMINT_CH_PASSWORD   (or http://…, https://…)
 *
 * A password never appears in a spec: it is read from the environment variable the spec names
 * (`password_env`), so segmint.yaml can record the spec as it is (docs/engines.md, "The connection layer").
 */
import { SegmintError } from '../core/errors.ts';
import type { DialectName } from '../sql/index.ts';
import type { Engine } from './types.ts';

export type { CellValue, ColumnInfo, ColumnKind, CreateTableOptions, Engine, InsertData, Param, Row } from './types.ts';

/** A parsed engine spec: where the database is and how to log in, without the password. */
export type EngineSpec =
  | { engine: 'duckdb'; path: string }
  | {
      engine: 'postgres';
      host: string;
      port: number;
      user: string | undefined;
      database: string | undefined;
      schema: string | undefined;
      passwordEnv: string | undefined;
      ssl: 'disable' | 'require' | 'verify' | undefined;
    }
  | { engine: 'clickhouse'; url: string; user: string | undefined; database: string | undefined; passwordEnv: string | undefined };

const FORMS = 'duckdb:<path>, duckdb::memory:, postgres://user@host:5432/db?schema=…&password_env=VAR, clickhouse://user@host:8123/db?password_env=VAR (or http://…)';

function invalid(spec: string, why: string): SegmintError {
  return new SegmintError('invalid-engine', `the engine ${JSON.stringify(redact(spec))} ${why}`, { hint: `write the engine as one of: ${FORMS}` });
}

/** The spec with any password in it replaced by ***, for messages. */
function redact(spec: string): string {
  return spec.replace(/^([a-z+]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The query options of a URL spec, checked against the names `allowed`. */
function urlOptions(spec: string, url: URL, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of url.searchParams) {
    const key = k === 'passwordEnv' ? 'password_env' : k;
    if (!allowed.includes(key)) throw invalid(spec, `has the option ${JSON.stringify(k)}; the options are ${allowed.join(', ')}`);
    out.set(key, v);
  }
  const env = out.get('password_env');
  if (env !== undefined && !ENV_NAME.test(env)) throw invalid(spec, `names the password variable ${JSON.stringify(env)}, which is not an environment variable name`);
  if (url.password !== '') {
    throw new SegmintError('password-in-engine-spec', `the engine ${JSON.stringify(redact(spec))} holds a password; Segmint never writes one to disk`, {
      hint: 'put the password in an environment variable and name it in the spec: ?password_env=SEGMINT_DB_PASSWORD',
    });
  }
  return out;
}

const decode = (s: string): string | undefined => (s === '' ? undefined : decodeURIComponent(s));

/** Parse an engine spec (see the top of this file); throws `invalid-engine` with the accepted forms. */
export function parseEngineSpec(spec: string): EngineSpec {
  const text = spec.trim();
  if (text === ':memory:' || text === 'duckdb' || text === 'duckdb:' || text === 'duckdb::memory:') return { engine: 'duckdb', path: ':memory:' };
  if (text.startsWith('duckdb:')) {
    const path = text.slice('duckdb:'.length).replace(/^\/\/(?=\/)/, '');
    return { engine: 'duckdb', path };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) throw invalid(spec, 'is not a DuckDB path or a URL');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(spec, 'is not a valid URL');
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const opts = urlOptions(spec, url, ['schema', 'password_env', 'sslmode']);
    const sslmode = opts.get('sslmode');
    const ssl = sslmode === undefined ? undefined : sslmode === 'disable' ? 'disable' : sslmode === 'require' ? 'require' : sslmode === 'verify-full' || sslmode === 'verify-ca' ? 'verify' : undefined;
    if (sslmode !== undefined && ssl === undefined) throw invalid(spec, `has sslmode=${sslmode}; use disable, require, verify-ca or verify-full`);
    return {
      engine: 'postgres',
      host: decode(url.hostname) ?? '127.0.0.1',
      port: url.port === '' ? 5432 : Number(url.port),
      user: decode(url.username),
      database: decode(url.pathname.replace(/^\//, '')),
      schema: opts.get('schema') || undefined,
      passwordEnv: opts.get('password_env'),
      ssl,
    };
  }
  if (scheme === 'clickhouse' || scheme === 'http' || scheme === 'https') {
    const opts = urlOptions(spec, url, ['database', 'password_env', 'secure']);
    const secure = scheme === 'https' || opts.get('secure') === '1' || opts.get('secure') === 'true';
    const port = url.port === '' ? (secure ? 8443 : 8123) : Number(url.port);
    const fromPath = decode(url.pathname.replace(/^\/|\/$/g, ''));
    if (fromPath?.includes('/')) throw invalid(spec, 'has a path of more than one part; the path is the database');
    return {
      engine: 'clickhouse',
      url: `${secure ? 'https' : 'http'}://${url.hostname}:${port}`,
      user: decode(url.username),
      database: opts.get('database') ?? fromPath,
      passwordEnv: opts.get('password_env'),
    };
  }
  throw invalid(spec, `has the scheme ${scheme}://`);
}

/** The spec as text (what segmint.yaml records): never a password, only the variable that holds it. */
export function formatEngineSpec(spec: EngineSpec): string {
  if (spec.engine === 'duckdb') return `duckdb:${spec.path}`;
  const query = (pairs: [string, string | undefined][]) => {
    const q = new URLSearchParams(pairs.filter((p): p is [string, string] => p[1] !== undefined)).toString();
    return q === '' ? '' : `?${q}`;
  };
  const user = (u: string | undefined) => (u === undefined ? '' : `${encodeURIComponent(u)}@`);
  if (spec.engine === 'postgres') {
    const sslmode = spec.ssl === 'verify' ? 'verify-full' : spec.ssl;
    return `postgres://${user(spec.user)}${spec.host}:${spec.port}/${encodeURIComponent(spec.database ?? '')}${query([['schema', spec.schema], ['password_env', spec.passwordEnv], ['sslmode', sslmode]])}`;
  }
  const u = new URL(spec.url);
  const secure = u.protocol === 'https:' ? '1' : undefined;
  return `clickhouse://${user(spec.user)}${u.host}/${encodeURIComponent(spec.database ?? '')}${query([['password_env', spec.passwordEnv], ['secure', secure]])}`;
}

/** The dialect an engine spec compiles for. */
export function dialectOfSpec(spec: EngineSpec): DialectName {
  return spec.engine;
}

/** Options of `openEngine`. */
export interface OpenEngineOptions {
  /** where password variables are read (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** create the PostgreSQL schema or ClickHouse database when missing (a new workspace) */
  create?: boolean;
  /** DuckDB: read-only, memory limit, spill folder */
  readOnly?: boolean;
  memoryLimitBytes?: number;
  tempDir?: string;
}

function passwordFrom(spec: EngineSpec & { passwordEnv: string | undefined }, env: NodeJS.ProcessEnv): string | undefined {
  if (spec.passwordEnv === undefined) return undefined;
  const v = env[spec.passwordEnv];
  if (v === undefined) {
    throw new SegmintError('engine-password-missing', `the engine's password is read from the environment variable ${spec.passwordEnv}, which is not set`, {
      hint: `set it before running segmint: export ${spec.passwordEnv}=…`,
      exitCode: 1,
    });
  }
  return v;
}

/** A driver's connection error worded for the user (unreachable, login refused, no such database), or the error itself. */
function connectionError(e: unknown, where: string, what: string): unknown {
  if (e instanceof SegmintError) return e;
  const err = e as { code?: string; message?: string; cause?: { code?: string } };
  const msg = err.message ?? String(e);
  const code = err.code ?? err.cause?.code ?? '';
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET/.test(`${code} ${msg}`)) {
    return new SegmintError('engine-unreachable', `cannot reach ${what} at ${where}: ${msg}`, {
      hint: 'check that the server runs and that host and port in the engine spec are right',
      exitCode: 1,
      cause: e,
    });
  }
  if (code === '28P01' || code === '28000' || /authentication|password|Unknown user/i.test(msg)) {
    return new SegmintError('engine-login-failed', `${what} at ${where} refused the login: ${msg}`, {
      hint: 'check the user in the engine spec and the password in the variable its password_env names',
      exitCode: 1,
      cause: e,
    });
  }
  if (code === '3D000' || /Database .* doesn't exist/i.test(msg)) {
    return new SegmintError('engine-database-missing', `${what} at ${where} has no such database: ${msg}`, {
      hint: 'create the database first, or name an existing one in the engine spec',
      exitCode: 1,
      cause: e,
    });
  }
  return e;
}

/**
 * Open the engine a spec names (text, or parsed). The drivers load only when their engine is asked for, so
 * a DuckDB workspace never loads pg or @clickhouse/client.
 */
export async function openEngine(spec: string | EngineSpec, options: OpenEngineOptions = {}): Promise<Engine> {
  const s = typeof spec === 'string' ? parseEngineSpec(spec) : spec;
  const env = options.env ?? process.env;
  if (s.engine === 'duckdb') {
    const { openDuckDb } = await import('./duckdb.ts');
    return openDuckDb(s.path, { readOnly: options.readOnly ?? false, memoryLimitBytes: options.memoryLimitBytes, tempDir: options.tempDir });
  }
  if (s.engine === 'postgres') {
    const password = passwordFrom(s, env);
    const { openPostgres } = await import('./postgres.ts');
    try {
      return await openPostgres({ host: s.host, port: s.port, user: s.user, password, database: s.database, schema: s.schema, createSchema: options.create ?? false, ssl: s.ssl });
    } catch (e) {
      throw connectionError(e, `${s.host}:${s.port}`, 'PostgreSQL');
    }
  }
  const password = passwordFrom(s, env);
  const { openClickHouse } = await import('./clickhouse.ts');
  try {
    return await openClickHouse({ url: s.url, user: s.user, password, database: s.database, createDatabase: options.create ?? false });
  } catch (e) {
    throw connectionError(e, s.url, 'ClickHouse');
  }
}
