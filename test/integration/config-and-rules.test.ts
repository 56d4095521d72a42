/**
 * Crash safety and hostile input (issue #20, defects 6 and 8): a damaged segmint.yaml, nonsense date formats
 * and dates that do not exist give coded errors (exit 2); segmint.yaml is replaced atomically; and audience
 * packs whose audiences refer to others many times compile to SQL that shares each referenced audience once,
 * with the compiled size limited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { FIXTURES, withTempDir } from '../helpers/workspace.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { dateFormatProblem, defaultConfig, parseConfig, serialiseConfig } from '../../src/store/config.ts';

const errorOf = (out: string) => (JSON.parse(out) as { error: { code: string; message: string; hint?: string } }).error;

test('an empty or truncated segmint.yaml is refused as damaged, with how to recreate it', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'shop');
    assert.equal((await runCli(['init', ws])).code, 0);
    const full = readFileSync(join(ws, 'segmint.yaml'), 'utf8');
    for (const [what, text] of [['empty', ''], ['blank', '\n\n  \n'], ['comments only', '# Segmint workspace settings.\n'], ['cut short', full.slice(0, full.indexOf('mappings:'))]] as const) {
      writeFileSync(join(ws, 'segmint.yaml'), text);
      const r = await runCli(['audience', 'runs', '--workspace', ws, '--json']);
      assert.equal(r.code, 2, `${what}: ${r.out}${r.err}`);
      const e = errorOf(r.out);
      assert.equal(e.code, 'damaged-config', what);
      assert.match(e.message, /damaged/);
      assert.match(e.hint ?? '', /segmint init/);
    }
    // the file as written, and one the user shortened by deleting keys (the last line kept), still read
    writeFileSync(join(ws, 'segmint.yaml'), full);
    assert.equal((await runCli(['audience', 'runs', '--workspace', ws])).code, 0);
    const edited = full.replace(/^sources: \[\]\n/m, '').replace(/^mappings: \{\}\n/m, '');
    assert.notEqual(edited, full);
    writeFileSync(join(ws, 'segmint.yaml'), edited);
    assert.equal((await runCli(['audience', 'runs', '--workspace', ws])).code, 0);
    // a hand-written file without the header is partial on purpose
    assert.equal(parseConfig('import:\n  timezone: Europe/London\n').import.timezone, 'Europe/London');
  });
});

test('serialised settings round-trip and end with the marker line; saveConfig leaves no temporary file', async () => {
  const cfg = defaultConfig();
  cfg.import.dateFormat = '%d-%m-%Y';
  assert.deepEqual(parseConfig(serialiseConfig(cfg)), cfg);
  assert.match(serialiseConfig(cfg).trimEnd().split('\n').at(-1)!, /^# end of segmint\.yaml/);
  await withTempDir(async (dir) => {
    const ws = await Workspace.open(dir, { create: true });
    try {
      ws.saveConfig(cfg);
    } finally {
      ws.close();
    }
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('segmint.yaml')), ['segmint.yaml']);
    assert.equal(parseConfig(readFileSync(join(dir, 'segmint.yaml'), 'utf8')).import.dateFormat, '%d-%m-%Y');
  });
});

test('a date format without a year, month and day, or with unknown directives, is refused before any row is read', async () => {
  for (const f of ['%d-%m-%Y', '%m/%d/%y', '%Y%m%d', '%d %B %Y', '%-d.%-m.%Y', '%Y-%j', 'auto', 'iso']) assert.equal(dateFormatProblem(f), undefined, f);
  for (const f of ['banana', '%H:%M', '%d-%m', '%Q-%m-%Y', '%Y-%m-', '', '%Y-%m-%d %']) assert.ok(dateFormatProblem(f), f);
  await withTempDir(async (dir) => {
    const ws = join(dir, 'shop');
    assert.equal((await runCli(['init', ws])).code, 0);
    const r = await runCli(['import', join(FIXTURES, 'messy-orders.csv'), '--kind', 'transactions', '--workspace', ws, '--date-format', 'banana', '--json']);
    assert.equal(r.code, 2, r.out + r.err);
    assert.equal(errorOf(r.out).code, 'invalid-date-format');
    assert.match(errorOf(r.out).message, /--date-format "banana" has no year/);
    const before = readFileSync(join(ws, 'segmint.yaml'), 'utf8');
    writeFileSync(join(ws, 'segmint.yaml'), before.replace('dateFormat: auto', 'dateFormat: "%H:%M"'));
    const y = await runCli(['import', join(FIXTURES, 'messy-orders.csv'), '--kind', 'transactions', '--workspace', ws, '--json']);
    assert.equal(y.code, 2, y.out + y.err);
    assert.equal(errorOf(y.out).code, 'invalid-date-format');
    assert.match(errorOf(y.out).message, /import\.dateFormat/);
    // nothing was imported
    writeFileSync(join(ws, 'segmint.yaml'), before);
    const runs = await runCli(['import', join(FIXTURES, 'messy-orders.csv'), '--kind', 'transactions', '--workspace', ws, '--json']);
    assert.equal(runs.code, 0, runs.out + runs.err);
  });
});

test('--as-of and analysis.asOf must be days that exist', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'shop');
    assert.equal((await runCli(['init', ws])).code, 0);
    assert.equal((await runCli(['import', join(FIXTURES, 'messy-orders.csv'), '--kind', 'transactions', '--workspace', ws])).code, 0);
    for (const d of ['2011-02-30', '2011-02-29', '2011-13-01', '2011-04-31']) {
      const r = await runCli(['rfm', '--as-of', d, '--workspace', ws, '--json']);
      assert.equal(r.code, 2, `${d}: ${r.out}${r.err}`);
      assert.equal(errorOf(r.out).code, 'invalid-option');
      assert.match(errorOf(r.out).message, /does not exist/);
      const a = await runCli(['audience', 'eval', '--where', 'orders >= 1', '--as-of', d, '--workspace', ws, '--json']);
      assert.equal(a.code, 2, `${d}: ${a.out}${a.err}`);
      assert.match(errorOf(a.out).message, /does not exist/);
    }
    assert.equal((await runCli(['audience', 'eval', '--where', 'orders >= 1', '--as-of', '2012-02-29', '--workspace', ws])).code, 0);
    const text = readFileSync(join(ws, 'segmint.yaml'), 'utf8');
    writeFileSync(join(ws, 'segmint.yaml'), text.replace('asOf: null', 'asOf: 2011-02-30'));
    const y = await runCli(['audience', 'runs', '--workspace', ws, '--json']);
    assert.equal(y.code, 2, y.out + y.err);
    assert.equal(errorOf(y.out).code, 'invalid-config');
    assert.match(errorOf(y.out).message, /analysis\.asOf/);
  });
});
