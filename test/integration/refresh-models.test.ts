// Refresh re-runs every kind of result with its latest parameters on the new data: on the bundled Online Retail
// sample (one customer in ten) imported up to 2011-09-01, with RFM, LRFMP, a 3-cluster k-means, a BG/NBD fit
// and prediction and an audience, a refresh on the rest of the year stores one new run of each, as of the new
// data's next day, with the same parameters (bins, k, seed, model, horizon), the prediction on the new fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { evaluateAudience, prepareAudience } from '../../src/pipeline/audience.ts';
import { runClustering } from '../../src/pipeline/cluster.ts';
import { runClvFit, runClvPredict } from '../../src/pipeline/clv.ts';
import { DEMO_DATA } from '../../src/pipeline/demo.ts';
import { listRuns } from '../../src/pipeline/migration.ts';
import { readFreshness, refresh } from '../../src/pipeline/refresh.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { importFile } from '../../src/store/import/index.ts';
import { openMemoryDb, Workspace } from '../../src/store/workspace.ts';
import { tempDir } from '../helpers/workspace.ts';

test('refresh re-runs RFM, LRFMP, clusters, CLV fit and prediction and the audiences with their parameters on the new data', async () => {
  const { dir, cleanup } = tempDir('segmint-refresh-models-');
  const m = await openMemoryDb();
  const part = (cond: string, file: string) => m.db.run(`COPY (SELECT * FROM read_parquet('${DEMO_DATA.replace(/'/g, "''")}') WHERE (CustomerID IS NULL OR hash(CustomerID) % 10 = 0) AND ${cond}) TO '${file.replace(/'/g, "''")}' (HEADER)`);
  const [early, late] = [join(dir, 'early.csv'), join(dir, 'late.csv')];
  try {
    await part("CAST(InvoiceDate AS VARCHAR) < '2011-09-01'", early);
    await part("CAST(InvoiceDate AS VARCHAR) >= '2011-09-01'", late);
  } finally {
    m.close();
  }
  const ws = await Workspace.open(join(dir, 'ws'), { create: true });
  try {
    await importFile(ws, early, { kind: 'transactions', remember: false });
    const rfm = await runValueSegmentation(ws, 'rfm', { bins: 4 });
    await runValueSegmentation(ws, 'lrfmp');
    await runClustering({ ws }, { k: 3, seed: 7 });
    const fit = await runClvFit(ws, { model: 'bgnbd' });
    await runClvPredict(ws, { horizon: 6, unit: 'month' });
    await evaluateAudience(ws, await prepareAudience(ws, 'regulars', 'orders >= 3'));
    const before = await listRuns(ws.db);

    const r = await refresh(ws, { files: [{ path: late }], inbox: false, trigger: 'test' });
    assert.equal(r.recomputed, true);
    assert.deepEqual(r.steps.map((s) => s.step), ['import late.csv', 'rfm', 'lrfmp', 'clv fit', 'clv predict', 'cluster', 'audience regulars']);
    const after = await listRuns(ws.db);
    const added = after.filter((x) => !before.some((b) => b.runId === x.runId));
    assert.deepEqual(added.map((x) => x.kind).sort(), ['audience', 'cluster', 'clv', 'clv-predict', 'lrfmp', 'rfm']);
    const params = async (runId: number) => JSON.parse(String((await ws.db.one<{ p: string }>('SELECT CAST(params AS VARCHAR) AS p FROM runs WHERE run_id = ?', [runId]))!.p)) as Record<string, unknown>;
    const asOf = async (runId: number) => String((await ws.db.one<{ d: string }>("SELECT strftime(as_of, '%Y-%m-%d') AS d FROM runs WHERE run_id = ?", [runId]))!.d);
    const lastDay = String((await ws.db.one<{ d: string }>("SELECT strftime(max(ts) + INTERVAL 1 DAY, '%Y-%m-%d') AS d FROM transactions WHERE customer_id IS NOT NULL"))!.d);
    for (const x of added) assert.equal(await asOf(x.runId), lastDay, `${x.kind} as of the day after the new data`);
    assert.ok(lastDay > rfm.asOf);
    const byKind = Object.fromEntries(added.map((x) => [x.kind, x.runId]));
    assert.equal((await params(byKind.rfm!)).bins, 4);
    const cl = await params(byKind.cluster!);
    assert.deepEqual([cl.k, cl.seed], [3, 7]);
    assert.equal((await params(byKind.clv!)).model, 'bgnbd');
    const pr = await params(byKind['clv-predict']!);
    assert.deepEqual([pr.fitRunId, pr.horizon, pr.unit], [byKind.clv, 6, 'month']);
    assert.notEqual(pr.fitRunId, fit.runId);
    assert.equal(readFreshness(ws.dir).lastRecomputed?.runs, 6);
  } finally {
    ws.close();
    cleanup();
  }
});
