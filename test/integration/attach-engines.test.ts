// segmint source attach (issue #11): Online Retail as one plain `orders` table, attached without copying,
// gives the same RFM and audience results as a workspace that imported the file. PostgreSQL: a database of
// its own holding public.orders (the CSV loaded with COPY … FROM STDIN), a workspace schema in it whose
// transactions and customers are views. DuckDB: the CSV file itself attached in place. Each attach counts
// what its view leaves out by reason: the published figures (541,909 lines, 135,080 without a customer id,
// 5,225 repeated lines; data/README.md, issue #2). Needs SEGMINT_SHARED_DATA; the PostgreSQL part
// TEST_POSTGRES_URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openEngine, type Engine } from '../../src/engines/index.ts';
import type { Param } from '../../src/engines/types.ts';
import { evaluatePack, type PackResult } from '../../src/pipeline/audience.ts';
import { runValueSegmentation } from '../../src/pipeline/value.ts';
import { col, compile, eq, num, select, table } from '../../src/sql/index.ts';
import { attachTable, type AttachResult } from '../../src/store/attach.ts';
import { importFile } from '../../src/store/import/index.ts';
import { openMemoryDb, Workspace } from '../../src/store/workspace.ts';
import { runCli } from '../helpers/cli.ts';
import { packWith, VALUE_RULES } from '../helpers/engine-rules.ts';
import { shared, tempDir } from '../helpers/workspace.ts';

const PG = process.env.TEST_POSTGRES_URL;
const csv = shared('online-retail/online_retail.csv');
const RUN = `${process.pid}_${Date.now() % 1e8}`;

interface Results {
  rfm: { asOf: string; edges: Record<string, number[]>; scores: string[] };
  audiences: [string, number][];
  members: Record<string, string[]>;
}

async function scoresOf(db: Engine, runId: number): Promise<string[]> {
  const q = compile(select({ select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: col('score_code'), as: 'code' }, { expr: col('segment'), as: 'segment' }], from: table('run_scores'), where: eq(col('run_id'), num(runId)) }), db.dialect);
  return (await db.all<{ customer_id: string; code: unknown; segment: string }>(q.sql, q.params)).map((r) => `${r.customer_id} ${Number(r.code)} ${r.segment}`).sort();
}

async function membersOf(db: Engine, runId: number): Promise<string[]> {
  const q = compile(select({ select: [{ expr: col('customer_id'), as: 'customer_id' }], from: table('audience_members'), where: eq(col('run_id'), num(runId)) }), db.dialect);
  return (await db.all<{ customer_id: string }>(q.sql, q.params)).map((r) => String(r.customer_id)).sort();
}

/** RFM, LRFMP and the e-commerce pack with the value rules, and what they stored. */
async function analyse(ws: Workspace): Promise<Results> {
  const rfm = await runValueSegmentation(ws, 'rfm');
  const pack: PackResult = await evaluatePack(ws, packWith(VALUE_RULES), { skipMissing: true });
  const members: Record<string, string[]> = {};
  for (const r of pack.results) members[r.name] = await membersOf(ws.db, r.runId!);
  return {
    rfm: { asOf: rfm.asOf, edges: rfm.edges, scores: await scoresOf(ws.db, rfm.runId) },
    audiences: pack.results.map((r) => [r.name, r.customers]),
    members,
  };
}

function assertSame(got: Results, want: Results, what: string): void {
  assert.equal(got.rfm.asOf, want.rfm.asOf, `${what}: as-of date`);
  for (const [k, e] of Object.entries(want.rfm.edges)) got.rfm.edges[k]!.forEach((x, i) => assert.ok(Math.abs(x - e[i]!) <= 1e-9 * Math.max(1, Math.abs(e[i]!)), `${what}: RFM edge ${k}[${i}] ${x} vs ${e[i]}`));
  assert.equal(got.rfm.scores.length, 4339, `${what}: customers scored`);
  assert.deepEqual(got.rfm.scores, want.rfm.scores, `${what}: RFM code and segment per customer`);
  assert.deepEqual(got.audiences, want.audiences, `${what}: audiences and their sizes`);
  for (const [name, m] of Object.entries(want.members)) assert.deepEqual(got.members[name], m, `${what}: members of ${name}`);
}

/** The published Online Retail figures, as the attach counted them. */
function assertCounts(r: AttachResult): void {
  assert.deepEqual(r.rows, { read: 541909, kept: 401604, excluded: 140305 });
  assert.deepEqual(r.excludedByReason, { 'duplicate-row': 5225, 'missing-customer-id': 135080 });
  assert.equal(r.customers, 4372);
}

let reference: Promise<Results> | undefined;
/** The imported workspace (DuckDB, the CSV imported), analysed once. */
function imported(): Promise<Results> {
  reference ??= (async () => {
    const t = tempDir('segmint-attach-ref-');
    const ws = await Workspace.open(join(t.dir, 'ws'), { create: true });
    try {
      const r = await importFile(ws, csv.path, { kind: 'transactions' });
      assert.equal(r.rows.loaded, 401604);
      const res = await analyse(ws);
      const nonEmpty = res.audiences.filter(([, n]) => n > 0).length;
      assert.ok(nonEmpty >= 20, `most audiences select someone: ${JSON.stringify(res.audiences)}`);
      return res;
    } finally {
      ws.close();
      t.cleanup();
    }
  })();
  return reference;
}

test('attach on DuckDB: the Online Retail CSV read in place gives the imported workspace\'s RFM and audiences', { skip: csv.skip }, async () => {
  const t = tempDir('segmint-attach-duck-');
  try {
    const ws = await Workspace.open(join(t.dir, 'ws'), { create: true });
    try {
      const r = await attachTable(ws, { table: csv.path, kind: 'transactions', map: { country: 'Country' } });
      assertCounts(r);
      // (clv_predictions is a view of every DuckDB workspace: data-model.md, "CLV predictions on DuckDB")
      const kinds = await ws.db.all<{ view_name: string }>("SELECT view_name FROM duckdb_views() WHERE NOT internal AND view_name <> 'clv_predictions' ORDER BY 1");
      assert.deepEqual(kinds.map((k) => k.view_name), ['customers', 'transactions'], 'the canonical tables are views');
      assertSame(await analyse(ws), await imported(), 'DuckDB attach');
      // an import of an attached kind is refused, with its code
      await assert.rejects(importFile(ws, csv.path, { kind: 'transactions' }), (e: Error & { code?: string }) => e.code === 'attached-table');
    } finally {
      ws.close();
    }
  } finally {
    t.cleanup();
  }
});

test('attach on PostgreSQL: public.orders attached without copying gives the imported workspace\'s RFM and audiences', { skip: csv.skip || (PG ? false : 'TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)') }, async () => {
  const database = `seg_attach_${RUN}`;
  const admin = await openEngine(PG!);
  const t = tempDir('segmint-attach-pg-');
  await admin.run(`CREATE DATABASE ${database}`);
  try {
    const url = new URL(PG!);
    url.pathname = `/${database}`;
    // the user's database: Online Retail as one plain table, loaded with COPY … FROM STDIN
    const user = await openEngine(url.toString());
    try {
      await user.run(`CREATE TABLE public.orders ("InvoiceNo" text, "StockCode" text, "Description" text, "Quantity" integer, "InvoiceDate" timestamp, "UnitPrice" double precision, "CustomerID" integer, "Country" text)`);
      const mem = await openMemoryDb();
      try {
        const names = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'];
        const data = await mem.db.columns(`SELECT ${names.map((n) => `"${n}"`).join(', ')} FROM read_csv('${csv.path}', header = true, all_varchar = false, types = {'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'CustomerID': 'INTEGER'})`);
        const n = await user.insertRows('public.orders', names, { columns: names.map((c) => data[c] as Param[]) });
        assert.equal(n, 541909);
      } finally {
        mem.close();
      }
    } finally {
      await user.close();
    }
    const wsDir = join(t.dir, 'shop');
    const init = await runCli(['init', wsDir, '--engine', `${url.toString()}?schema=segmint`, '--json']);
    assert.equal(init.code, 0, init.err);
    const cli = await runCli(['source', 'attach', '--workspace', wsDir, '--table', 'public.orders', '--kind', 'transactions', '--map', 'country=Country', '--json']);
    assert.equal(cli.code, 0, cli.err);
    assertCounts(JSON.parse(cli.out) as AttachResult);
    const ws = await Workspace.open(wsDir);
    try {
      const rel = await ws.db.all<{ name: string; kind: string }>("SELECT relname AS name, relkind::text AS kind FROM pg_class WHERE relnamespace = 'segmint'::regnamespace AND relname IN ('transactions', 'customers') ORDER BY 1");
      assert.deepEqual(rel.map((r) => [r.name, r.kind]), [['customers', 'v'], ['transactions', 'v']], 'the canonical tables are views: nothing copied');
      assertSame(await analyse(ws), await imported(), 'PostgreSQL attach');
    } finally {
      await ws.closeAsync();
    }
  } finally {
    await admin.run(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.close();
    t.cleanup();
  }
});
