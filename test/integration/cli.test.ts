import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { buildProgram, COMMAND_NAMES } from '../../src/cli/main.ts';
import { COMMANDS } from '../../src/cli/command-index.ts';
import { makeContext } from '../../src/cli/context.ts';
import type { Io } from '../../src/cli/render.ts';
import { FIXTURES, withTempDir } from '../helpers/workspace.ts';

const run = runCli;

test('every command has --help with examples', async () => {
  for (const cmd of ['init', 'import', 'generate', 'rfm', 'lrfmp', 'demo', 'report']) {
    const r = await run([cmd, '--help']);
    assert.equal(r.code, 0, cmd);
    assert.match(r.out, /Examples:/, cmd);
    assert.match(r.out, /--json/, cmd);
    assert.match(r.out, /--workspace/, cmd);
  }
  const top = await run(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.out, /segmint demo/);
  // a command's module is loaded only when it is asked for (main.ts): each still answers, and help lists them all
  for (const cmd of COMMAND_NAMES) {
    const r = await run([cmd, '--help']);
    assert.equal(r.code, 0, `${cmd} --help: ${r.err}`);
    assert.match(r.out, new RegExp(`^Usage: segmint ${cmd} `, 'm'), cmd);
    assert.match(top.out, new RegExp(`^  ${cmd}\\b`, 'm'), `segmint --help lists ${cmd}`);
  }
  assert.match((await run(['bogus'])).err, /unknown command 'bogus'/);
});

test('segmint --help, answered from command-index.ts without loading a command, is the help of the modules themselves', async () => {
  const helpOf = async (stubs: boolean): Promise<string> => {
    let text = '';
    const io: Io = { out: (s) => void (text += `${s}\n`), err: (s) => void (text += `${s}\n`), interactive: false };
    const ctx = makeContext(io);
    const program = await buildProgram(ctx, () => {}, ['--help'], { stubs });
    program.outputHelp();
    return text;
  };
  const fromLines = await helpOf(true);
  const fromModules = await helpOf(false);
  // a command whose line is out of date is named with the line it should have
  const lines = COMMANDS.flatMap(({ lines: ls }) => ls);
  for (const l of lines) assert.match(fromModules, new RegExp(`^  ${l.name}\\b`, 'm'), `${l.name} is registered by its module`);
  assert.equal(fromLines, fromModules, 'src/cli/command-index.ts: a line differs from its command (name, options, arguments or description)');
  assert.ok(lines.length >= 20);
});

test('init, import with --json, and the human reconciliation', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'shop');
    assert.equal((await run(['init', ws])).code, 0);
    const again = await run(['init', ws]);
    assert.equal(again.code, 2);
    assert.match(again.err, /error\[workspace-exists\]/);
    const j = await run(['import', join(FIXTURES, 'messy-orders.csv'), '--kind', 'transactions', '--workspace', ws, '--json']);
    assert.equal(j.code, 0, j.err);
    const result = JSON.parse(j.out);
    assert.deepEqual(result.rows, { read: 14, loaded: 5, quarantined: 9, alreadyPresent: 0 });
    assert.equal(result.quarantineByReason['malformed-row'], 1);
    const h = await run(['import', join(FIXTURES, 'customers-dupes.csv'), '--kind', 'customers', '-w', ws]);
    assert.equal(h.code, 0, h.err);
    assert.match(h.out, /^customers from .*customers-dupes\.csv \(csv, delimiter ";"\)$/m);
    assert.match(h.out, /rows read\s+5/);
    assert.match(h.out, /✓ read = loaded \+ quarantined/);
    assert.match(h.out, /duplicate-customer-id\s+1/);
    const rep = await run(['import', join(FIXTURES, 'messy-orders.csv'), '--kind', 'transactions', '-w', ws]);
    assert.match(rep.out, /already imported/);
  });
});

test('bad usage and invalid input exit 2 with a coded error and a hint, no stack trace', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'w');
    await run(['init', ws]);
    const noKind = await run(['import', join(FIXTURES, 'messy-orders.csv'), '-w', ws]);
    assert.equal(noKind.code, 2);
    const badKind = await run(['import', join(FIXTURES, 'messy-orders.csv'), '--kind', 'orders', '-w', ws]);
    assert.equal(badKind.code, 2);
    assert.match(badKind.err, /error\[invalid-option\]/);
    const badPolicy = await run(['import', join(FIXTURES, 'messy-orders.csv'), '--kind', 'transactions', '--policy', 'duplicateRows=drop', '-w', ws]);
    assert.equal(badPolicy.code, 2);
    assert.match(badPolicy.err, /quarantine, keep/);
    const missing = await run(['import', join(dir, 'nope.csv'), '--kind', 'transactions', '-w', ws]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /error\[file-not-found\]/);
    assert.match(missing.err, /hint:/);
    assert.doesNotMatch(missing.err, /\n\s+at /, 'no stack trace without --debug');
    const noWs = await run(['import', join(FIXTURES, 'messy-orders.csv'), '--kind', 'transactions', '-w', join(dir, 'none')]);
    assert.equal(noWs.code, 2);
    assert.match(noWs.err, /segmint init/);
    const dbg = await run(['import', join(dir, 'nope.csv'), '--kind', 'transactions', '-w', ws, '--debug']);
    assert.match(dbg.err, /\n\s+at /, '--debug shows the stack');
    const jsonErr = await run(['import', join(dir, 'nope.csv'), '--kind', 'transactions', '-w', ws, '--json']);
    assert.equal(JSON.parse(jsonErr.out).error.code, 'file-not-found');
  });
});

test('rfm with --json and --out: one row per scored customer in the file, exclusions counted', async () => {
  await withTempDir(async (dir) => {
    const ws = join(dir, 'w');
    await run(['init', ws]);
    await run(['import', join(FIXTURES, 'value-edge-cases.csv'), '--kind', 'transactions', '-w', ws]);
    const out = join(dir, 'rfm.csv');
    const r = await run(['rfm', '--as-of', '2024-02-01', '--out', out, '--json', '-w', ws]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.customers.scored, 4);
    assert.deepEqual(j.customers.excludedByReason, { 'only-returns': 1, 'only-after-as-of': 1 });
    assert.equal(j.out.rows, 4);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[0]!, /^customer_id,recency_days,frequency,monetary/);
    assert.match(lines[0]!, /,r,f,m,score_code,segment$/);
    const human = await run(['lrfmp', '--as-of', '2024-02-01', '-w', ws]);
    assert.equal(human.code, 0, human.err);
    assert.match(human.out, /LRFMP as of 2024-02-01/);
    const bad = await run(['rfm', '--as-of', 'yesterday', '-w', ws]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /error\[invalid-option\]/);
  });
});

test('a products import says nothing about customers (it has none)', async () => {
  await withTempDir(async (dir) => {
    assert.equal((await runCli(['init', dir])).code, 0);
    const p = await runCli(['import', join(FIXTURES, 'products.csv'), '--kind', 'products', '-w', dir]);
    assert.equal(p.code, 0, p.err);
    assert.doesNotMatch(p.out, /customers:/);
    const t = await runCli(['import', join(FIXTURES, 'orders-amount.csv'), '--kind', 'transactions', '-w', dir]);
    assert.match(t.out, /customers: \d+ \(\d+ new\)/);
  });
});

test('output to a reader that has gone (segmint --help | head -1) is dropped: no EPIPE stack trace, exit 0', async () => {
  const { spawn } = await import('node:child_process');
  const bin = join(import.meta.dirname, '../../bin/segmint.js');
  for (const args of [['--help'], ['clv', 'predict', '--help']]) {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    // the pipe's read end closed before the command writes: each write fails with EPIPE
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    assert.equal(err, '', `${args.join(' ')}: ${err}`);
    assert.equal(code, 0, args.join(' '));
  }
});
