// Every checkpoint a command takes is a protected one (engines/duckdb-checkpoint.ts): DuckDB writes a
// checkpoint's new header (4 KiB at offset 4096 or 8192) only while segmint.duckdb.before holds the copy of
// the metadata blocks it rewrites in place, never on its own (on shutdown, or by WAL size at a commit).
// Seen with strace on an import, rfm, clv fit and a cluster run of the bundled Online Retail data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runSegmint } from '../helpers/crash.ts';
import { tempDir } from '../helpers/workspace.ts';

const BIN = resolve(import.meta.dirname, '../../bin/segmint.js');
const BUNDLED = resolve(import.meta.dirname, '../../data/online-retail.parquet');
const strace = spawnSync('strace', ['-V']).status === 0;
const skip = strace ? false : 'strace is not installed (apt-get install strace; .ci/run installs it): the checkpoint order is not checked';
if (skip) console.log(`# ${skip}`);

/** The header writes, copy renames and copy deletes of the database, in the order the process made them. */
function traced(dir: string, args: string[]): string[] {
  const log = join(dir, `strace-${args[0]}.txt`);
  execFileSync('strace', ['-f', '--seccomp-bpf', '-e', 'trace=pwrite64,rename,renameat,renameat2,unlink,unlinkat', '-o', log, process.execPath, BIN, ...args], { stdio: 'ignore' });
  const events: string[] = [];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (/pwrite64\(\d+, .*, 4096, (4096|8192)\) = 4096/.test(line)) events.push('header');
    else if (/rename(at2?)?\(.*segmint\.duckdb\.before\.\d+\.tmp".*segmint\.duckdb\.before"/.test(line)) events.push('copy');
    else if (/unlink(at)?\(.*segmint\.duckdb\.before"/.test(line)) events.push('done');
  }
  return events;
}

test('every checkpoint a command takes is taken with the copy of its metadata blocks in place', { skip, timeout: 600_000 }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const w = join(dir, 'ws');
    await runSegmint(['init', w]);
    const seen: string[] = [];
    for (const args of [
      ['import', BUNDLED, '--kind', 'transactions', '--timezone', 'Europe/London', '-w', w],
      ['rfm', '-w', w],
      ['clv', 'fit', '--model', 'bgnbd', '-w', w],
      ['cluster', '--features', 'recency_days,frequency,monetary', '--k', '4', '--seed', '0', '-w', w],
    ]) {
      const events = traced(dir, args);
      let open = false;
      let headers = 0;
      for (const e of events) {
        if (e === 'copy') open = true;
        else if (e === 'done') open = false;
        else {
          assert.ok(open, `segmint ${args[0]}: a checkpoint header was written with no copy of the metadata blocks in place (${events.join(' ')})`);
          headers++;
        }
      }
      assert.ok(headers >= 1, `segmint ${args[0]} checkpointed (${events.join(' ')})`);
      seen.push(`${args.slice(0, args[0] === 'clv' ? 2 : 1).join(' ')}: ${headers} checkpoint(s), each with its copy`);
    }
    console.log(seen.join('\n'));
  } finally {
    cleanup();
  }
});
