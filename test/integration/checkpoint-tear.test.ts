// A DuckDB checkpoint rewrites the file's live metadata blocks in place before it writes the new header; a
// process killed during one of those 256 KiB writes can leave the block torn (its first pages new, the rest
// old), and DuckDB then refuses the file ("Corrupt database file: computed checksum … does not match …").
// engines/duckdb-checkpoint.ts copies those blocks aside first and writes them back at the next open.
// Here a checkpoint is stopped after its metadata blocks and before its header (DuckDB's debug_checkpoint_abort), each block it rewrote is
// torn by hand, and the workspace must open with every committed row, as if the checkpoint had not begun.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, openSync, readFileSync, renameSync, closeSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Workspace } from '../../src/store/workspace.ts';
import { openDuckDb } from '../../src/engines/duckdb.ts';
import { importCampaign } from '../../src/pipeline/campaign.ts';
import { beforeImagePath, HEADER_BYTES, newestHeader, readBeforeImage } from '../../src/engines/duckdb-checkpoint.ts';
import { inconsistencies, runSegmint } from '../helpers/crash.ts';
import { tempDir } from '../helpers/workspace.ts';

const PAGE = 4096;

function campaignFile(path: string, rows: number, salt: number): void {
  const lines = ['customer_id,arm,conversion'];
  for (let i = 1; i <= rows; i++) lines.push(`c${i},${['control', 'a'][(i + salt) % 2]},${(i * salt) % 13 === 0 ? 1 : 0}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
}

async function campaigns(dir: string): Promise<{ counts: string; problems: string[] }> {
  const ws = await Workspace.open(dir);
  try {
    const rows = await ws.db.all<{ campaign: string; n: number }>('SELECT campaign, count(*) AS n FROM campaign_members GROUP BY campaign ORDER BY campaign');
    return { counts: rows.map((r) => `${r.campaign}:${r.n}`).join(','), problems: await inconsistencies(ws) };
  } finally {
    ws.close();
  }
}

const headerIteration = (db: string) => newestHeader(db).iteration;
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('a checkpoint torn in any metadata block it rewrote is undone at the next open', { timeout: 300_000 }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const base = join(dir, 'base');
    const first = join(dir, 'first.csv'), second = join(dir, 'second.csv'), customers = join(dir, 'customers.csv');
    campaignFile(first, 150_000, 1);
    campaignFile(second, 200_000, 2);
    // as campaign-crash.test's workspace, whose torn block CI saw: customers, an audience run, a campaign
    writeFileSync(customers, `customer_id,tier\n${Array.from({ length: 150_000 }, (_, i) => `c${i + 1},${i % 2 ? 'gold' : 'silver'}`).join('\n')}\n`);
    await runSegmint(['init', base]);
    await runSegmint(['import', customers, '--kind', 'customers', '-w', base]);
    await runSegmint(['audience', 'eval', '--where', "tier in ('gold', 'silver')", '--name', 'all', '-w', base]);
    await runSegmint(['campaign', 'import', first, '--name', 'first', '--arm-column', 'arm', '--control', 'control', '-w', base]);
    let ws: Workspace;
    assert.ok(!existsSync(beforeImagePath(join(base, 'segmint.duckdb'))), 'a finished checkpoint leaves no copy behind');

    // the second import commits, then its checkpoint stops after the metadata blocks and before the header
    const aborted = join(dir, 'aborted');
    cpSync(base, aborted, { recursive: true });
    const db = join(aborted, 'segmint.duckdb');
    const iteration = headerIteration(db);
    ws = await Workspace.open(aborted);
    await ws.db.run("SET debug_checkpoint_abort = 'after_free_list_write'");
    await assert.rejects(importCampaign(ws, second, { name: 'second', armColumn: 'arm', control: 'control' }), /Checkpoint aborted after free list write/);
    ws.close();
    assert.equal(headerIteration(db), iteration, 'the header was not written');
    const image = readBeforeImage(beforeImagePath(db));
    assert.ok(image && image.meta.blocks.length > 0, 'the copy of the metadata blocks is there');
    const { meta, data, at } = image;

    const seen: string[] = [];
    let refused = 0;
    for (const [k, id] of meta.blocks.entries()) {
      const old = data.subarray(at + k * meta.blockSize, at + (k + 1) * meta.blockSize);
      const now = Buffer.alloc(meta.blockSize);
      const fd = openSync(db, 'r');
      readSync(fd, now, 0, meta.blockSize, HEADER_BYTES + id * meta.blockSize);
      closeSync(fd);
      // a kill stops the kernel's copy between pages: torn = the new block's first pages, the old block's last
      // ones; the worst tear keeps the new checksum (first page) and the old last page that differs
      let last = -1;
      for (let p = 0; p < meta.blockSize / PAGE; p++) if (!now.subarray(p * PAGE, (p + 1) * PAGE).equals(old.subarray(p * PAGE, (p + 1) * PAGE))) last = p;
      if (last < 1) {
        seen.push(`block ${id}: ${last < 0 ? 'unchanged' : 'changed in its first page only'}, no tear to make`);
        continue;
      }
      const torn = join(dir, `torn-${id}`);
      cpSync(aborted, torn, { recursive: true });
      const tfd = openSync(join(torn, 'segmint.duckdb'), 'r+');
      writeSync(tfd, old, last * PAGE, meta.blockSize - last * PAGE, HEADER_BYTES + id * meta.blockSize + last * PAGE);
      closeSync(tfd);

      // without the copy, DuckDB sees the torn block (on open or on reading the tables)
      const bare = join(dir, `bare-${id}`);
      cpSync(torn, bare, { recursive: true });
      renameSync(beforeImagePath(join(bare, 'segmint.duckdb')), join(bare, 'moved-away'));
      const without = await campaigns(bare).then(() => 'opened', (e: Error) => e.message);
      if (/Corrupt database file/.test(without)) refused++;

      // with it, the blocks are written back and the committed import is all there
      const after = await campaigns(torn);
      assert.deepEqual(after, { counts: 'first:150000,second:200000', problems: [] }, `block ${id} torn`);
      assert.ok(!existsSync(beforeImagePath(join(torn, 'segmint.duckdb'))), 'the copy is deleted once used');
      seen.push(`block ${id} torn: without the copy ${without === 'opened' ? 'it opened' : 'refused'}; with it, all rows`);
    }
    console.log(seen.join('\n'));
    assert.ok(refused > 0, 'a torn metadata block makes DuckDB refuse the file when nothing restores it');

    // the checkpoint's copy after the header moved on (its delete was lost) is stale: left unused, deleted
    const moved = join(dir, 'moved');
    cpSync(aborted, moved, { recursive: true });
    const movedDb = join(moved, 'segmint.duckdb');
    const image0 = join(dir, 'image');
    copyFileSync(beforeImagePath(movedDb), image0);
    ws = await Workspace.open(moved);
    await ws.db.checkpoint!();
    ws.close();
    assert.ok(headerIteration(movedDb) > iteration);
    copyFileSync(image0, beforeImagePath(movedDb));
    const before = sha(movedDb);
    assert.equal((await campaigns(moved)).counts, 'first:150000,second:200000');
    assert.equal(sha(movedDb), before, 'a stale copy is not written back');
    assert.ok(!existsSync(beforeImagePath(movedDb)));
    const cut = readFileSync(image0);

    // a copy still under its temporary name: deleted once its writer is gone, left while it runs
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const live = spawn('sleep', ['60']);
    try {
      const tmpOf = (pid: number) => `${beforeImagePath(movedDb)}.${pid}.tmp`;
      writeFileSync(tmpOf(dead), cut.subarray(0, 5000));
      writeFileSync(tmpOf(live.pid!), cut.subarray(0, 5000));
      assert.equal((await campaigns(moved)).counts, 'first:150000,second:200000');
      assert.ok(!existsSync(tmpOf(dead)), 'the temporary copy of a process that is gone is deleted');
      assert.ok(existsSync(tmpOf(live.pid!)), 'the temporary copy of a running process is left to it');
    } finally {
      live.kill();
    }

    // a copy cut short (its writer killed while writing it, before the checkpoint began) is deleted unused
    writeFileSync(beforeImagePath(movedDb), cut.subarray(0, cut.length - 1000));
    assert.equal((await campaigns(moved)).counts, 'first:150000,second:200000');
    assert.equal(sha(movedDb), before);
    assert.ok(!existsSync(beforeImagePath(movedDb)));
  } finally {
    cleanup();
  }
});

test("a checkpoint another connection's open transaction holds off is left for later, with no copy behind", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'held.duckdb');
    const db = await openDuckDb(file);
    const other = await db.connect();
    try {
      await db.run('CREATE TABLE t AS SELECT range AS x FROM range(100000)');
      await db.checkpoint();
      const checkpointed = headerIteration(file);
      await db.run('INSERT INTO t SELECT range FROM range(100000, 150000)');
      // an update open on another connection: DuckDB (1.5) refuses to checkpoint, before writing anything (an open
      // transaction's inserts and deletes do not hold a checkpoint off; its updates and catalog changes do)
      await other.run('BEGIN TRANSACTION');
      await other.run('UPDATE t SET x = -x WHERE x < 10');
      await db.checkpoint();
      assert.equal(headerIteration(file), checkpointed, 'no checkpoint was written');
      assert.ok(!existsSync(beforeImagePath(file)), 'the copy is deleted when DuckDB refuses');
      await other.run('ROLLBACK');
      await db.checkpoint();
      assert.ok(headerIteration(file) > checkpointed, 'the next checkpoint is written');
      assert.ok(!existsSync(beforeImagePath(file)));
    } finally {
      other.closeSync();
      db.closeSync();
    }
    const again = await openDuckDb(file);
    try {
      assert.equal(Number((await again.one<{ n: number }>('SELECT count(*) AS n FROM t'))?.n), 150_000);
    } finally {
      again.closeSync();
    }
  } finally {
    cleanup();
  }
});
