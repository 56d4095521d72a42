// Campaigns, the report and output files on PostgreSQL and on the two-shard ClickHouse 18.16 cluster (issue #11):
// the same files imported into a DuckDB workspace and into a workspace on each server, then the same commands
// — audience eval, campaign create --out, campaign measure (workspace metrics, events, --by a trait, an
// audience and rfm.segment), campaign import and measure of an imported file, rfm --out, clv fit and
// predict --out — give the same JSON numbers and byte-identical output files, and the report's sections
// (data overview in a time zone, RFM, audiences, campaigns) the same HTML. The expected values of the
// measurements themselves are checked against hand-worked rules in campaign-created.test.ts and against
// statsmodels in campaign-hillstrom.test.ts; here every engine is held to DuckDB's figures.
// PostgreSQL runs when TEST_POSTGRES_URL is set, ClickHouse when TEST_CLICKHOUSE_URL and
// TEST_CLICKHOUSE_SHARD2_URL are set (.ci/run sets them).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine } from '../../src/engines/index.ts';
import { reportSections } from '../../src/report/index.ts';
import { Workspace } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/workspace.ts';

const PG = process.env.TEST_POSTGRES_URL;
const CH = process.env.TEST_CLICKHOUSE_URL;
const CH2 = process.env.TEST_CLICKHOUSE_SHARD2_URL;
const RUN = `${process.pid}_${Date.now() % 1e8}`;
const N = 240;
const id = (i: number) => `c${String(i).padStart(3, '0')}`;

let dir = '';
let cleanup = () => {};

/** Everything the scenario gives on one engine: parsed JSON of each command and the text of each file. */
interface Outcome {
  json: Record<string, unknown>;
  files: Record<string, string>;
  sections: Record<string, string>;
}

before(() => {
  ({ dir, cleanup } = tempDir('segmint-campaign-engines-'));
  // customers in two regions with a tier, orders before and after the send date (2024-03-01), email clicks in the window
  const customers = ['customer_id,region,tier', ...Array.from({ length: N }, (_, k) => `${id(k + 1)},${(k + 1) % 2 ? 'North' : 'South'},${['gold', 'silver', 'bronze'][(k + 1) % 3]}`)];
  const events = ['customer_id,event_time,event_type'];
  const tx = ['customer_id,order_id,date,amount,product_id,description'];
  for (let i = 1; i <= N; i++) {
    for (let c = 0; c < (i % 3 === 0 ? 1 : 0) + (i % 10 === 0 ? 2 : 0); c++) events.push(`${id(i)},2024-03-0${5 + c} 10:00:00,email_click`);
    if (i % 4 === 0) events.push(`${id(i)},2024-02-20 23:30:00,email_click`);
    for (let k = 0; k < 1 + (i % 4); k++) tx.push(`${id(i)},early-${i}-${k},2024-01-${String(2 + ((i * 7 + k * 5) % 27)).padStart(2, '0')} ${k % 2 ? '23:45:00' : '08:00:00'},${(10 + ((i * 13 + k) % 90)).toFixed(2)},p${(i + k) % 7},Product ${(i + k) % 7}`);
    if (i % 7 === 0 || i % 11 === 0) tx.push(`${id(i)},o-${i},2024-03-10 12:00:00,${i}.5,p${i % 5},Product ${i % 5}`);
  }
  // an experiment run elsewhere: arm, two outcomes (one yes/no) and pre-treatment columns, some missing
  const campaign = ['customer_id,segment,visit,spend,history,channel', ...Array.from({ length: N }, (_, k) => {
    const i = k + 1;
    return `${id(i)},${['No E-Mail', 'Mens', 'Womens'][i % 3]},${i % 4 === 0 ? 'yes' : 'no'},${i % 9 === 0 ? (i * 1.25).toFixed(2) : '0'},${i % 13 === 0 ? '' : (i * 3.5).toFixed(1)},${['Web', 'Phone', 'Multichannel'][i % 4 % 3]}`;
  })];
  for (const [name, rows] of [['customers', customers], ['events', events], ['transactions', tx], ['hillstrom', campaign]] as const) writeFileSync(join(dir, `${name}.csv`), `${rows.join('\n')}\n`);
});
after(() => cleanup());

/** The scenario on the workspace in `ws` (already initialised); `tag` names its output files. */
async function scenario(ws: string, tag: string): Promise<Outcome> {
  const json: Record<string, unknown> = {};
  const files: Record<string, string> = {};
  const ok = async (key: string | undefined, args: string[]) => {
    const r = await runCli([...args, '-w', ws, ...(key ? ['--json'] : [])]);
    assert.equal(r.code, 0, `${tag}: segmint ${args.join(' ')}: ${r.err}`);
    if (key) json[key] = JSON.parse(r.out);
  };
  const out = (name: string) => join(dir, `${tag}-${name}`);
  for (const kind of ['customers', 'events', 'transactions'] as const) await ok(undefined, ['import', join(dir, `${kind}.csv`), '--kind', kind, '--timezone', 'America/New_York']);
  await ok(undefined, ['audience', 'eval', '--where', "region in ('North', 'South')", '--name', 'everyone']);
  await ok(undefined, ['audience', 'eval', '--where', "tier = 'gold'", '--name', 'gold']);
  await ok('create', ['campaign', 'create', 'promo', '--audience', 'everyone', '--control', '30%', '--arms', 'a,b', '--seed', '7', '--send-date', '2024-03-01', '--out', out('send.csv')]);
  await ok('rfm', ['rfm', '--out', out('rfm.csv')]);
  await ok('measure', ['campaign', 'measure', 'promo', '--metric', 'conversion,revenue,orders,event:email_click,events:email_click', '--window', '30']);
  await ok('measureRegion', ['campaign', 'measure', 'promo', '--metric', 'conversion,revenue', '--by', 'region']);
  await ok('measureAudience', ['campaign', 'measure', 'promo', '--metric', 'revenue', '--by', 'audience:gold']);
  await ok('measureRfm', ['campaign', 'measure', 'promo', '--metric', 'conversion', '--by', 'rfm.segment']);
  await ok('import', ['campaign', 'import', join(dir, 'hillstrom.csv'), '--name', 'hillstrom', '--arm-column', 'segment', '--control', 'No E-Mail', '--outcomes', 'visit,spend']);
  await ok('measureImported', ['campaign', 'measure', 'hillstrom', '--by', 'channel']);
  await ok('measureHistory', ['campaign', 'measure', 'hillstrom', '--metric', 'spend', '--by', 'history']);
  await ok('list', ['campaign', 'list']);
  await ok('clvFit', ['clv', 'fit', '--model', 'bgnbd', '--penalizer', '0.001', '--spend', 'none', '--calibration-end', '2024-02-29']);
  await ok('clvPredict', ['clv', 'predict', '--horizon', '6', '--unit', 'month', '--out', out('clv.csv')]);
  for (const f of ['send.csv', 'rfm.csv', 'clv.csv']) files[f] = readFileSync(out(f), 'utf8');
  const w = await Workspace.open(ws);
  const sections: Record<string, string> = {};
  try {
    // the sections this work made engine-neutral (the value, CLV and cluster sections are checked elsewhere; imports hold paths and times)
    for (const s of await reportSections(w.db, { timezone: 'America/New_York' })) if (['overview', 'audiences', 'campaigns'].includes(s.id)) sections[s.id] = s.html;
  } finally {
    await w.closeAsync();
  }
  return { json, files, sections };
}

/** Numbers equal to 1e-9 (relative), everything else deepEqual; times of day and run ids left out. */
function assertClose(got: unknown, want: unknown, where: string): void {
  if (typeof want === 'number' && typeof got === 'number') {
    assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)) || (Number.isNaN(got) && Number.isNaN(want)), `${where}: ${got} ≠ ${want}`);
    return;
  }
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got) && got.length === want.length, `${where}: ${JSON.stringify(got)?.slice(0, 200)} ≠ ${JSON.stringify(want).slice(0, 200)}`);
    want.forEach((w, i) => assertClose((got as unknown[])[i], w, `${where}[${i}]`));
    return;
  }
  if (want !== null && typeof want === 'object') {
    assert.ok(got !== null && typeof got === 'object', `${where}: ${JSON.stringify(got)} is not an object`);
    const skip = new Set(['runId', 'createdAt', 'runs', 'file', 'elapsedMs', 'seconds', 'fitRunId']);
    const keys = [...new Set([...Object.keys(want), ...Object.keys(got as object)])].filter((k) => !skip.has(k));
    for (const k of keys) assertClose((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${where}.${k}`);
    return;
  }
  assert.deepEqual(got, want, where);
}

/** A CSV field: a number when it reads as one. */
const cell = (x: string): string | number => (x !== '' && Number.isFinite(Number(x)) ? Number(x) : x);

function assertSame(got: Outcome, want: Outcome, engine: string): void {
  for (const k of Object.keys(want.json)) assertClose(got.json[k], want.json[k], `${engine} ${k}`);
  // the send list byte for byte; files of computed doubles (sums in another order, a fit) field by field, numbers to 1e-9
  assert.equal(got.files['send.csv'], want.files['send.csv'], `${engine}: send.csv is byte-identical to DuckDB's`);
  for (const f of ['rfm.csv', 'clv.csv']) {
    const [g, w] = [got.files[f]!.trimEnd().split('\n'), want.files[f]!.trimEnd().split('\n')];
    assert.equal(g[0], w[0], `${engine}: ${f} header`);
    assert.equal(g.length, w.length, `${engine}: ${f} rows`);
    w.forEach((line, i) => assertClose(g[i]!.split(',').map(cell), line.split(',').map(cell), `${engine}: ${f} line ${i + 1}`));
  }
  assert.deepEqual(Object.keys(got.sections), Object.keys(want.sections), `${engine}: report sections`);
  for (const [idx, html] of Object.entries(want.sections)) assert.equal(got.sections[idx], html, `${engine}: report section ${idx}`);
}

let duck: Outcome | undefined;
async function duckdbOutcome(): Promise<Outcome> {
  if (!duck) {
    const ws = join(dir, 'duck');
    assert.equal((await runCli(['init', ws])).code, 0);
    duck = await scenario(ws, 'duck');
  }
  return duck;
}

test('duckdb: the scenario runs, and its figures are what the data say', async () => {
  const d = await duckdbOutcome();
  const m = d.json.measure as { metrics: { metric: string; kind: string }[]; window: unknown; srm: { flagged: boolean } };
  assert.deepEqual(m.window, { from: '2024-03-01', to: '2024-03-31', days: 30 });
  assert.deepEqual(m.metrics.map((x) => [x.metric, x.kind]), [['conversion', 'proportion'], ['revenue', 'mean'], ['orders', 'proportion'], ['event:email_click', 'proportion'], ['events:email_click', 'mean']]);
  // the send list: every customer once, with its arm, control marked
  const send = d.files['send.csv']!.trim().split('\n');
  assert.equal(send[0], 'customer_id,arm,control');
  assert.equal(send.length - 1, N);
  assert.ok(send.slice(1).every((l) => /^c\d{3},(control,true|a,false|b,false)$/.test(l)), send.slice(1, 4).join(' | '));
  // the imported campaign: arm sizes are the file's (a third each)
  const imp = d.json.import as { arms: { arm: string; customers: number }[] };
  assert.deepEqual(imp.arms.map((a) => [a.arm, a.customers]), [['No E-Mail', N / 3], ['Mens', N / 3], ['Womens', N / 3]]);
  const history = d.json.measureHistory as { segments: string[] };
  assert.ok(history.segments.includes('(none)'), 'rows without a history value are a segment of their own');
  assert.ok(d.sections.overview!.includes('America/New_York'), 'the overview names the zone of its months');
});

test('postgres: campaign create/import/measure, rfm and clv --out, and the report equal DuckDB', { skip: PG ? false : 'TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)' }, async () => {
  const schema = `segmint_campaign_${RUN}`;
  const ws = join(dir, 'pg');
  const admin = await openEngine(PG!);
  try {
    process.env.SEGMINT_TEST_PG_PASSWORD ??= '';
    const init = await runCli(['init', ws, '--engine', `${PG}?schema=${schema}&password_env=SEGMINT_TEST_PG_PASSWORD`, '--json']);
    assert.equal(init.code, 0, init.err);
    assertSame(await scenario(ws, 'pg'), await duckdbOutcome(), 'PostgreSQL');
  } finally {
    await admin.run(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.close();
  }
});

test('clickhouse cluster: campaign create/import/measure, rfm and clv --out, and the report equal DuckDB', { skip: CH && CH2 ? false : 'TEST_CLICKHOUSE_URL / TEST_CLICKHOUSE_SHARD2_URL are not set (scripts/clickhouse-cluster.sh start)' }, async () => {
  const database = `segmint_campaign_${RUN}`;
  const ws = join(dir, 'ch');
  const shards = [await openEngine(CH!), await openEngine(CH2!)];
  try {
    const init = await runCli(['init', ws, '--engine', `${CH!.replace(/^http/, 'clickhouse')}/${database}`, '--cluster', 'segmint', '--shard', CH2!, '--json']);
    assert.equal(init.code, 0, init.err);
    assertSame(await scenario(ws, 'ch'), await duckdbOutcome(), 'ClickHouse');
  } finally {
    for (const s of shards) {
      await s.run(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
      await s.close();
    }
  }
});
