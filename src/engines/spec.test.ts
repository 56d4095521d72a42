// Engine specs: what `--engine` and segmint.yaml hold, parsed and written back without a password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEngineSpec, openEngine, parseEngineSpec } from './index.ts';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('DuckDB specs: a path, or in memory', () => {
  assert.deepEqual(parseEngineSpec('duckdb:/data/shop/segmint.duckdb'), { engine: 'duckdb', path: '/data/shop/segmint.duckdb' });
  assert.deepEqual(parseEngineSpec('duckdb:relative/x.duckdb'), { engine: 'duckdb', path: 'relative/x.duckdb' });
  for (const s of [':memory:', 'duckdb::memory:', 'duckdb']) assert.deepEqual(parseEngineSpec(s), { engine: 'duckdb', path: ':memory:' });
});

test('PostgreSQL specs: host, port, user, database, schema, the password variable, TLS', () => {
  assert.deepEqual(parseEngineSpec('postgres://segmint@db.internal:6432/shop?schema=crm&password_env=SEGMINT_PG_PASSWORD&sslmode=require'), {
    engine: 'postgres',
    host: 'db.internal',
    port: 6432,
    user: 'segmint',
    database: 'shop',
    schema: 'crm',
    passwordEnv: 'SEGMINT_PG_PASSWORD',
    ssl: 'require',
  });
  assert.deepEqual(parseEngineSpec('postgresql://127.0.0.1/test'), {
    engine: 'postgres', host: '127.0.0.1', port: 5432, user: undefined, database: 'test', schema: undefined, passwordEnv: undefined, ssl: undefined,
  });
});

test('ClickHouse specs: clickhouse:// or http(s)://, the database from the path or an option', () => {
  assert.deepEqual(parseEngineSpec('clickhouse://analyst@ch1:8123/events?password_env=CH_PW'), {
    engine: 'clickhouse', url: 'http://ch1:8123', user: 'analyst', database: 'events', passwordEnv: 'CH_PW',
  });
  assert.deepEqual(parseEngineSpec('http://127.0.0.1:8124'), { engine: 'clickhouse', url: 'http://127.0.0.1:8124', user: undefined, database: undefined, passwordEnv: undefined });
  assert.deepEqual(parseEngineSpec('https://ch.example?database=shop'), { engine: 'clickhouse', url: 'https://ch.example:8443', user: undefined, database: 'shop', passwordEnv: undefined });
  assert.equal((parseEngineSpec('clickhouse://ch?secure=1') as { url: string }).url, 'https://ch:8443');
});

test('formatEngineSpec writes a spec that parses back to the same thing, with no password in it', () => {
  for (const s of [
    'duckdb:/data/x.duckdb',
    'postgres://segmint@db:6432/shop?schema=crm&password_env=SEGMINT_PG_PASSWORD&sslmode=verify-full',
    'postgres://127.0.0.1:5432/test',
    'clickhouse://analyst@ch1:8123/events?password_env=CH_PW',
    'https://ch.example/shop',
  ]) {
    const parsed = parseEngineSpec(s);
    assert.deepEqual(parseEngineSpec(formatEngineSpec(parsed)), parsed, s);
  }
  assert.equal(formatEngineSpec(parseEngineSpec('postgres://u@h/db?passwordEnv=PW')), 'postgres://u@h:5432/db?password_env=PW');
});

test('a password written into a spec is refused (it would end up in segmint.yaml), and not repeated in the message', () => {
  assert.throws(() => parseEngineSpec('postgres://segmint:s3cret@db/shop'), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, 'password-in-engine-spec');
    assert.doesNotMatch(e.message, /s3cret/);
    assert.match(e.hint ?? '', /password_env/);
    return true;
  });
  assert.throws(() => parseEngineSpec('clickhouse://default:pw@ch/db'), code('password-in-engine-spec'));
});

test('specs that are not engines say what was seen and the forms that work', () => {
  assert.throws(() => parseEngineSpec('mysql://db/shop'), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, 'invalid-engine');
    assert.match(e.message, /mysql:\/\//);
    assert.match(e.hint ?? '', /postgres:\/\/.*clickhouse:\/\//);
    return true;
  });
  assert.throws(() => parseEngineSpec('shop.duckdb'), code('invalid-engine'));
  assert.throws(() => parseEngineSpec('postgres://db/shop?user=x'), /the options are schema, password_env, sslmode/);
  assert.throws(() => parseEngineSpec('postgres://db/shop?password_env=not-a-name'), code('invalid-engine'));
  assert.throws(() => parseEngineSpec('postgres://db/shop?sslmode=sometimes'), code('invalid-engine'));
  assert.throws(() => parseEngineSpec('clickhouse://ch/a/b'), code('invalid-engine'));
});

test('openEngine: a password variable that is not set, and a server that does not answer, are errors that say so', async () => {
  await assert.rejects(openEngine('postgres://u@127.0.0.1:1/db?password_env=SEGMINT_TEST_NO_SUCH_VAR', { env: {} }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'engine-password-missing');
    assert.match(e.message, /SEGMINT_TEST_NO_SUCH_VAR/);
    return true;
  });
  // port 1 on loopback: nothing listens there
  await assert.rejects(openEngine('postgres://u@127.0.0.1:1/db'), code('engine-unreachable'));
  await assert.rejects(openEngine('clickhouse://127.0.0.1:1/db'), code('engine-unreachable'));
});

test('openEngine opens DuckDB in memory and runs SQL in UTC', async () => {
  const e = await openEngine('duckdb::memory:');
  try {
    assert.equal(e.dialect, 'duckdb');
    assert.deepEqual(await e.all("SELECT current_setting('TimeZone') AS tz"), [{ tz: 'UTC' }]);
  } finally {
    await e.close();
  }
});
