// Crash safety of campaign writes: `segmint campaign import` of 200,000 rows (more than a DuckDB row group, so its
// rows are written straight into the file) and `segmint campaign create` are killed (SIGKILL) during their work,
// while the WAL of the commit is written, during the checkpoint that follows it (engines/duckdb-checkpoint.ts;
// checkpoint-tear.test tears its blocks by hand) and while they close; after each kill the workspace opens consistent —
// the campaign is all there or not at all — and the same command run again gives exactly an uninterrupted run's rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Workspace } from '../../src/store/workspace.ts';
import { tempDir } from '../helpers/workspace.ts';
import { copyWorkspace, measureRun, describePoint, inconsistencies, killAt, runSegmint, type KillPoint } from '../helpers/crash.ts';

const ROWS = 200_000;

/** The campaign's rows, order-insensitive, without the run id; and how the runs and members agree. */
async function campaignState(dir: string): Promise<{ digest: string; runs: number; problems: string[] }> {
  const ws = await Workspace.open(dir);
  try {
    const problems = await inconsistencies(ws);
    const orphans = Number((await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM campaign_members WHERE run_id NOT IN (SELECT run_id FROM runs)'))?.n ?? 0);
    if (orphans) problems.push(`campaign members without their run: ${orphans}`);
    const partial = await ws.db.all<{ run_id: number; want: number; n: number }>(`SELECT r.run_id, CAST(coalesce(json_extract(r.summary, '$.added'), json_extract(r.summary, '$.members')) AS BIGINT) AS want,
      (SELECT count(*) FROM campaign_members m WHERE m.run_id = r.run_id) AS n FROM runs r WHERE kind = 'campaign'`);
    for (const p of partial) if (Number(p.want) !== Number(p.n)) problems.push(`campaign run ${p.run_id}: ${p.n} members, its summary says ${p.want}`);
    const d = await ws.db.one<{ n: number; h: string }>('SELECT count(*) AS n, CAST(coalesce(sum(hash(campaign, row_no, customer_id, arm, nums, texts) % 1000000007), 0) AS VARCHAR) AS h FROM campaign_members');
    return { digest: `${d?.n}:${d?.h}`, runs: partial.length, problems };
  } finally {
    ws.close();
  }
}

function points(ms: number, walMax: number): KillPoint[] {
  return [
    ...[0.2, 0.4, 0.6, 0.75, 0.9].map((f) => ({ after: 'start' as const, ms: Math.round(ms * f) })),
    ...[0.1, 0.5, 0.95].map((f) => ({ after: 'wal' as const, walBytes: Math.max(1, Math.round(walMax * f)), ms: 0 })),
    ...[0, 1, 3].map((d) => ({ after: 'checkpoint' as const, ms: d })),
    ...[0, 5].map((d) => ({ after: 'output' as const, ms: d })),
  ];
}

test('campaign import and create killed at any point leave all of the campaign or none of it', { timeout: 900_000 }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'experiment.csv');
    const lines = ['customer_id,arm,segment,conversion,revenue'];
    for (let i = 1; i <= ROWS; i++) lines.push(`c${i},${['control', 'a', 'b'][i % 3]},s${i % 20},${i % 17 === 0 ? 1 : 0},${i % 17 === 0 ? (i % 97) + 0.5 : 0}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const customers = join(dir, 'customers.csv');
    writeFileSync(customers, `customer_id,tier\n${Array.from({ length: 150_000 }, (_, i) => `c${i + 1},${i % 2 ? 'gold' : 'silver'}`).join('\n')}\n`);
    const base = join(dir, 'base');
    await runSegmint(['init', base]);
    await runSegmint(['import', customers, '--kind', 'customers', '-w', base]);
    await runSegmint(['audience', 'eval', '--where', "tier in ('gold', 'silver')", '--name', 'all', '-w', base]);
    const scenarios = [
      { name: 'import', args: (w: string) => ['campaign', 'import', file, '--name', 'exp', '--arm-column', 'arm', '--control', 'control', '-w', w] },
      { name: 'create', args: (w: string) => ['campaign', 'create', 'promo', '--audience', 'all', '--control', '20%', '-w', w] },
    ];
    const seen: string[] = [];
    for (const s of scenarios) {
      const clean = join(dir, `${s.name}-clean`);
      copyWorkspace(base, clean);
      const { ms, walMax } = await measureRun(clean, s.args(clean));
      const want = await campaignState(clean);
      assert.deepEqual(want.problems, []);
      assert.equal(want.runs, 1);
      for (const [k, p] of points(ms, walMax).entries()) {
        const w = join(dir, `${s.name}-${k}`);
        copyWorkspace(base, w);
        const outcome = await killAt(w, s.args(w), p);
        const after = await campaignState(w);
        assert.deepEqual(after.problems, [], `${s.name} killed ${describePoint(p)}`);
        assert.ok(after.runs === 0 ? after.digest.startsWith('0:') : after.digest === want.digest, `${s.name} killed ${describePoint(p)}: part of the campaign is left (${after.digest})`);
        if (after.runs === 0) await runSegmint(s.args(w));
        const again = await campaignState(w);
        assert.deepEqual([again.digest, again.runs], [want.digest, 1], `${s.name} run again after a kill ${describePoint(p)}`);
        seen.push(`${s.name} ${describePoint(p)}: ${outcome}, ${after.runs ? 'all of it' : 'none of it'}`);
      }
    }
    console.log(seen.join('\n'));
    assert.ok(seen.some((x) => x.includes('killed, none of it')), 'at least one kill interrupted a write');
  } finally {
    cleanup();
  }
});
