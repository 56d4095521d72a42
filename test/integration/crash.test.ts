// Crash safety: every command that writes is killed (SIGKILL) at 20+ points — during its work, while the
// WAL of its commit is being written, and while it closes (the checkpoint) — and after each kill the
// workspace must open consistent, and the same command run again must give exactly the result of an
// uninterrupted run. SEGMINT_CRASH_POINTS=N changes how many time points each command gets (default 12,
// plus 7 WAL points and 4 closing points).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openMemoryDb, Workspace } from '../../src/store/workspace.ts';
import { tempDir } from '../helpers/workspace.ts';
import { copyWorkspace, measureRun, dataDigest, describePoint, inconsistencies, killAt, latestRunDigest, runSegmint, type KillPoint } from '../helpers/crash.ts';

const BUNDLED = resolve(import.meta.dirname, '../../data/online-retail.parquet');
const TIME_POINTS = Number(process.env.SEGMINT_CRASH_POINTS ?? 12);

function killPoints(ms: number, walMax: number): KillPoint[] {
  const points: KillPoint[] = [];
  for (let i = 1; i <= TIME_POINTS; i++) points.push({ after: 'start', ms: Math.round((ms * (i - 0.5)) / TIME_POINTS) });
  for (const f of [0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99]) points.push({ after: 'wal', walBytes: Math.max(1, Math.round(walMax * f)), ms: 0 });
  for (const d of [0, 1, 3, 10]) points.push({ after: 'output', ms: d });
  return points;
}

interface Scenario {
  name: string;
  /** the command, with WS standing for the workspace folder */
  args: string[];
  /** what must equal the uninterrupted run: the data tables, or the latest run of a kind in a table */
  result: { data: true } | { table: string; kind: string };
}

/** What each kill point ended as, for the summary printed at the end. */
const summary: string[] = [];

async function crashScenario(base: string, scratch: string, s: Scenario): Promise<void> {
  const args = (dir: string) => s.args.map((a) => (a === 'WS' ? dir : a));
  const resultOf = async (dir: string) => {
    const ws = await Workspace.open(dir, { readOnly: true });
    try {
      return 'data' in s.result ? (await dataDigest(ws)).join('\n') : await latestRunDigest(ws, s.result.table, s.result.kind);
    } finally {
      ws.close();
    }
  };
  const refDir = join(scratch, `${s.name}-ref`);
  copyWorkspace(base, refDir);
  const { ms, walMax } = await measureRun(refDir, args(refDir));
  const expected = await resultOf(refDir);
  const outcomes = { killed: 0, finished: 0, undone: 0 };
  const points = killPoints(ms, walMax);
  // A point the command outran (it finished first) does not count: more time points, spread by the golden
  // ratio, until 20 points have killed it.
  const extra = (k: number): KillPoint => ({ after: 'start', ms: Math.round(ms * ((0.5 + k * 0.618034) % 1)) });
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    const dir = join(scratch, `${s.name}-${i}`);
    copyWorkspace(base, dir);
    const how = await killAt(dir, args(dir), point);
    outcomes[how]++;
    if (i === points.length - 1 && outcomes.killed < 20 && points.length < 40) points.push(extra(points.length));
    const ws = await Workspace.open(dir);
    try {
      outcomes.undone += ws.recovered.length;
      assert.deepEqual(await inconsistencies(ws), [], `${s.name}, killed ${describePoint(point)}: the workspace is consistent`);
    } finally {
      ws.close();
    }
    await runSegmint(args(dir));
    assert.equal(await resultOf(dir), expected, `${s.name}, killed ${describePoint(point)}: running it again gives the uninterrupted result`);
  }
  summary.push(`${s.name}: ${points.length} kill points (uninterrupted ${ms} ms, WAL up to ${walMax} bytes): killed ${outcomes.killed}, finished first ${outcomes.finished}, unfinished writes undone on open ${outcomes.undone}`);
  assert.ok(outcomes.killed >= 20 || TIME_POINTS < 12, `${s.name}: at least 20 of the points killed the command (killed ${outcomes.killed} of ${points.length})`);
}

test('every writing command killed at 20+ points leaves a consistent workspace, and running it again gives the uninterrupted result', { timeout: 3_600_000 }, async () => {
  const { dir: scratch, cleanup } = tempDir('segmint-crash-');
  try {
    // Two exports of the bundled Online Retail table, split by date, as CSV files.
    const first = join(scratch, 'orders-2011h1.csv');
    const second = join(scratch, 'orders-2011h2.csv');
    const mem = await openMemoryDb();
    try {
      const src = `read_parquet('${BUNDLED}')`;
      await mem.db.run(`COPY (SELECT * FROM ${src} WHERE InvoiceDate < TIMESTAMP '2011-07-01') TO '${first}' (HEADER)`);
      await mem.db.run(`COPY (SELECT * FROM ${src} WHERE InvoiceDate >= TIMESTAMP '2011-07-01') TO '${second}' (HEADER)`);
    } finally {
      mem.close();
    }
    const empty = join(scratch, 'base-empty');
    mkdirSync(empty);
    await runSegmint(['init', empty]);
    const half = join(scratch, 'base-half');
    copyWorkspace(empty, half);
    await runSegmint(['import', first, '--kind', 'transactions', '-w', half]);
    const full = join(scratch, 'base-full');
    copyWorkspace(half, full);
    await runSegmint(['import', second, '--kind', 'transactions', '-w', full]);
    await runSegmint(['clv', 'fit', '-w', full]);

    const scenarios: [string, Scenario][] = [
      [empty, { name: 'import into a new workspace', args: ['import', first, '--kind', 'transactions', '-w', 'WS', '--json'], result: { data: true } }],
      [half, { name: 'import a second file', args: ['import', second, '--kind', 'transactions', '-w', 'WS', '--json'], result: { data: true } }],
      [full, { name: 'rfm', args: ['rfm', '-w', 'WS', '--json'], result: { table: 'run_scores', kind: 'rfm' } }],
      [full, { name: 'clv predict', args: ['clv', 'predict', '--horizon', '12', '--unit', 'month', '-w', 'WS', '--json'], result: { table: 'clv_predictions', kind: 'clv-predict' } }],
      [full, { name: 'cluster', args: ['cluster', '--k', '4', '--seed', '0', '-w', 'WS', '--json'], result: { table: 'run_clusters', kind: 'cluster' } }],
      [full, { name: 'audience eval --preset', args: ['audience', 'eval', '--preset', 'ecommerce', '-w', 'WS', '--json'], result: { table: 'audience_members', kind: 'audience' } }],
    ];
    for (const [base, s] of scenarios) await crashScenario(base, scratch, s);
  } finally {
    for (const line of summary) console.log(`# ${line}`);
    cleanup();
  }
});
