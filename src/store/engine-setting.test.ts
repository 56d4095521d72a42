// segmint.yaml `engine:` and `segmint init --engine`: the URL, schema or database and the password variable
// are recorded; a password never is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, serialiseConfig, defaultConfig } from './config.ts';
import { engineSettingFromSpec } from './engine-setting.ts';

test('init --engine: postgres and clickhouse specs become segmint.yaml settings without a password', () => {
  assert.deepEqual(engineSettingFromSpec('postgres://shop@db:5433/wh?schema=s1&password_env=SHOP_PG'), {
    url: 'postgres://shop@db:5433/wh',
    schema: 's1',
    passwordEnv: 'SHOP_PG',
  });
  assert.deepEqual(engineSettingFromSpec('postgres://db/wh'), { url: 'postgres://db:5432/wh', schema: 'segmint' });
  assert.deepEqual(engineSettingFromSpec('clickhouse://127.0.0.1:8123/shop', 'segmint', ['http://127.0.0.1:8124/']), {
    url: 'http://127.0.0.1:8123',
    database: 'shop',
    cluster: { name: 'segmint', shards: ['http://127.0.0.1:8123', 'http://127.0.0.1:8124'] },
  });
  assert.throws(() => engineSettingFromSpec('postgres://u:secret@db/wh'), (e: Error & { code?: string }) => e.code === 'password-in-engine-spec');
  assert.throws(() => engineSettingFromSpec('clickhouse://h:8123/db', 'segmint'), (e: Error & { code?: string }) => e.code === 'invalid-option');
  assert.throws(() => engineSettingFromSpec('postgres://h/db', 'segmint', ['http://x']), (e: Error & { code?: string }) => e.code === 'invalid-option');
});

test('segmint.yaml engine: round-trips, refuses a password in the URL and a bad variable name; duckdb is the default', () => {
  const engine = { url: 'postgres://shop@db:5432/wh', schema: 'shop', passwordEnv: 'SHOP_PG' };
  const text = serialiseConfig({ ...defaultConfig(), engine });
  assert.deepEqual(parseConfig(text).engine, engine);
  assert.equal(parseConfig(serialiseConfig(defaultConfig())).engine, undefined);
  assert.equal(parseConfig('engine: duckdb\n').engine, undefined);
  assert.deepEqual(parseConfig('engine: clickhouse://h:8123\n').engine, { url: 'clickhouse://h:8123' });
  const code = (yaml: string) => {
    try {
      parseConfig(yaml);
      return 'ok';
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };
  assert.equal(code('engine: {url: "postgres://u:pw@h/db"}\n'), 'invalid-config');
  assert.doesNotMatch(JSON.stringify((() => { try { parseConfig('engine: {url: "postgres://u:pw@h/db"}\n'); } catch (e) { return (e as Error).message; } })()), /pw@/);
  assert.equal(code('engine: {url: "postgres://h/db", passwordEnv: "not a name"}\n'), 'invalid-config');
  assert.equal(code('engine: {url: "mysql://h/db"}\n'), 'invalid-config');
  assert.equal(code('engine: {url: "http://h:8123", cluster: {name: c, shards: []}}\n'), 'invalid-config');
});
