// `segmint report` end to end through the CLI entry point (tests sit outside the layer rule).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../cli/main.ts';
import type { Io } from '../cli/render.ts';
import { Workspace } from '../store/workspace.ts';
import { withTempDir } from '../../test/helpers/workspace.ts';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`), interactive: false };
  return { code: await main(args, io), out, err };
}

test('segmint report writes report.html in the workspace, --out and --json, --currency checked', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'shop');
    (await Workspace.open(ws, { create: true })).close();

    const human = await run(['report', '--workspace', ws]);
    assert.equal(human.code, 0, human.err);
    assert.equal(human.out.trim(), `report: ${join(ws, 'report.html')}`);
    assert.match(readFileSync(join(ws, 'report.html'), 'utf8'), /<title>Segmint report: shop<\/title>/);

    const out = join(dir, 'out', 'nested', 'r.html');
    const j = await run(['report', '--workspace', ws, '--out', out, '--title', 'Q3', '--currency', 'eur', '--json']);
    assert.equal(j.code, 0, j.err);
    assert.deepEqual(JSON.parse(j.out), { report: out, sections: ['overview', 'imports'] });
    assert.ok(existsSync(out));
    assert.match(readFileSync(out, 'utf8'), /<title>Q3<\/title>/);

    const bad = await run(['report', '--workspace', ws, '--currency', 'euros']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /error\[invalid-option\]/);

    const missing = await run(['report', '--workspace', join(dir, 'nowhere')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /error\[workspace-not-found\]/);
  });
});
