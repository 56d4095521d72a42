import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { parseConfig, parseMemoryLimit, serialiseConfig } from '../../src/store/config.ts';
import { memoryLimitBytes, TEMP_DIR, Workspace } from '../../src/store/workspace.ts';
import { withTempDir } from '../helpers/workspace.ts';

const settingMiB = async (ws: Workspace) => {
  const r = await ws.db.one<{ m: string; t: string }>("SELECT current_setting('memory_limit') AS m, current_setting('temp_directory') AS t");
  return r!;
};

test('memory limits: sizes with units and shares of the machine; nonsense and tiny limits are invalid-config', () => {
  assert.equal(parseMemoryLimit('1GB', 'x', 0), 1e9);
  assert.equal(parseMemoryLimit('512 MB', 'x', 0), 512e6);
  assert.equal(parseMemoryLimit('1.5GiB', 'x', 0), 1.5 * 2 ** 30);
  assert.equal(parseMemoryLimit('25%', 'x', 8e9), 2e9);
  for (const bad of ['', 'lots', '1', '1 XB', '0%', '150%', '10MB', -1, 1e9]) {
    assert.throws(() => parseMemoryLimit(bad, 'memoryLimit', 8e9), (e: { code: string; message: string }) => e.code === 'invalid-config' && /memoryLimit/.test(e.message), String(bad));
  }
  assert.equal(parseConfig('memoryLimit: 768MB\n').memoryLimit, '768MB');
  assert.equal(parseConfig('version: 1\n').memoryLimit, undefined);
  assert.throws(() => parseConfig('memoryLimit: huge\n'), (e: { code: string }) => e.code === 'invalid-config');
  // written back as it was set, and absent when unset
  assert.match(serialiseConfig(parseConfig('memoryLimit: 2GB\n')), /^memoryLimit: 2GB$/m);
  assert.doesNotMatch(serialiseConfig(parseConfig('version: 1\n')), /memoryLimit/);
});

test('the default is the smaller of 1 GB and a quarter of the machine; SEGMINT_MEMORY_LIMIT wins over segmint.yaml', () => {
  assert.equal(memoryLimitBytes(undefined, {}), Math.min(1e9, Math.floor(totalmem() / 4)));
  assert.equal(memoryLimitBytes('600MB', {}), 600e6);
  assert.equal(memoryLimitBytes('600MB', { SEGMINT_MEMORY_LIMIT: '300MB' }), 300e6);
  assert.throws(() => memoryLimitBytes(undefined, { SEGMINT_MEMORY_LIMIT: 'a lot' }), (e: { code: string; message: string }) => /SEGMINT_MEMORY_LIMIT/.test(e.message));
});

test('an open workspace has DuckDB limited to the configured memory and spilling inside the workspace', async () => {
  const saved = process.env.SEGMINT_MEMORY_LIMIT;
  delete process.env.SEGMINT_MEMORY_LIMIT;
  try {
    await withTempDir(async (dir) => {
      let ws = await Workspace.open(dir, { create: true });
      let s = await settingMiB(ws);
      assert.equal(s.t, join(dir, TEMP_DIR));
      const expected = Math.floor(Math.min(1e9, Math.floor(totalmem() / 4)) / 2 ** 20);
      assert.match(s.m, new RegExp(`^${expected}(\\.0)? MiB$|GiB$`));
      ws.close();
      writeFileSync(join(dir, 'segmint.yaml'), `${readFileSync(join(dir, 'segmint.yaml'), 'utf8').replace(/^version: 1$/m, 'version: 1\nmemoryLimit: 256MiB')}`);
      ws = await Workspace.open(dir);
      s = await settingMiB(ws);
      assert.equal(s.m, '256.0 MiB');
      ws.close();
      process.env.SEGMINT_MEMORY_LIMIT = '300MiB';
      ws = await Workspace.open(dir, { readOnly: true });
      assert.equal((await settingMiB(ws)).m, '300.0 MiB');
      ws.close();
    });
  } finally {
    if (saved === undefined) delete process.env.SEGMINT_MEMORY_LIMIT;
    else process.env.SEGMINT_MEMORY_LIMIT = saved;
  }
});
