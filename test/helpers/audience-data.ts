/** Test data for audiences: a generated ecommerce workspace, its rows in JS, and a copy in PostgreSQL. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { generateDataset } from '../../src/generate/index.ts';
import { importFile } from '../../src/store/import/index.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import type { OracleData } from './audience-oracle.ts';
import { runCli } from './cli.ts';

export const CUSTOMER_COLUMNS = ['customer_id', 'gender', 'age', 'income_band', 'city', 'region', 'country', 'latitude', 'longitude', 'signup_date', 'email_opt_in', 'newsletter', 'preferred_device'];

/** Import a generated data set (all four files) into `ws`. */
export async function importGenerated(ws: Workspace, preset: 'ecommerce' | 'grocery' | 'banking' | 'telecom' | 'ngo', customers: number, seed: number, dir: string, months?: number): Promise<void> {
  const g = await generateDataset({ preset, customers, seed, outDir: dir, ...(months ? { months } : {}) });
  for (const kind of ['customers', 'products', 'transactions', 'events'] as const) await importFile(ws, g.files[kind], { kind });
}

/**
 * An earlier export of a generated transactions file: the lines before `before` (YYYY-MM-DD), written to
 * `out`. The full file is then a newer export that extends it (new rows appended).
 */
export function writeEarlyExport(transactions: string, out: string, before: string): string {
  const lines = readFileSync(transactions, 'utf8').trimEnd().split('\n');
  writeFileSync(out, `${[lines[0], ...lines.slice(1).filter((l) => l.split(',')[3]! < before)].join('\n')}\n`);
  return out;
}

/** The workspace's rows as the oracle reads them. */
export async function oracleData(ws: Workspace): Promise<OracleData> {
  const customers = await ws.db.all(`SELECT ${CUSTOMER_COLUMNS.join(', ')} FROM customers`);
  const transactions = await ws.db.all<OracleData['transactions'][number]>('SELECT customer_id, order_id, ts, amount, is_return, product_id, category, department, channel, coupon, quantity, unit_price FROM transactions');
  const events = (await ws.db.all<{ customer_id: string; ts: Date; type: string; properties: string | null }>('SELECT customer_id, ts, type, CAST(properties AS VARCHAR) AS properties FROM events'))
    .map((e) => ({ ...e, properties: e.properties === null ? null : (JSON.parse(e.properties) as Record<string, unknown>) }));
  const types = await ws.db.all<{ name: string; type: string }>("SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = 'customers'");
  const traitTypes = Object.fromEntries(types.map((t) => [t.name, t.type === 'DATE' ? 'date' : t.type.startsWith('TIMESTAMP') ? 'timestamp' : 'other']));
  return { customers, transactions, events, traitTypes };
}

const PG_TYPES: Record<string, string> = { BIGINT: 'BIGINT', DOUBLE: 'DOUBLE PRECISION', BOOLEAN: 'BOOLEAN', DATE: 'DATE', VARCHAR: 'TEXT', INTEGER: 'INTEGER', JSON: 'JSON', TIMESTAMP: 'TIMESTAMP' };

async function copyTable(ws: Workspace, client: pg.Client, name: string, columns: string[]): Promise<void> {
  const types = await ws.db.all<{ name: string; type: string }>('SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = ?', [name]);
  const typeOf = new Map(types.map((t) => [t.name, t.type]));
  await client.query(`CREATE TABLE ${name} (${columns.map((c) => `${c} ${PG_TYPES[typeOf.get(c)!] ?? 'TEXT'}`).join(', ')})`);
  const sel = columns.map((c) => (typeOf.get(c) === 'TIMESTAMP' ? `strftime(${c}, '%Y-%m-%d %H:%M:%S') AS ${c}` : typeOf.get(c) === 'DATE' ? `strftime(${c}, '%Y-%m-%d') AS ${c}` : typeOf.get(c) === 'JSON' ? `CAST(${c} AS VARCHAR) AS ${c}` : c));
  const rows = await ws.db.all<Record<string, unknown>>(`SELECT ${sel.join(', ')} FROM ${name}`);
  const k = columns.length;
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const values = chunk.map((_, r) => `(${columns.map((_, j) => `$${r * k + j + 1}`).join(', ')})`).join(', ');
    await client.query(`INSERT INTO ${name} VALUES ${values}`, chunk.flatMap((r) => columns.map((c) => r[c])));
  }
}

/** Copy customers, transactions, products, events, and run_scores and run_clusters (when asked) into the current PostgreSQL schema. */
export async function copyToPostgres(ws: Workspace, client: pg.Client, options: { runScores?: boolean; runClusters?: boolean } = {}): Promise<void> {
  const cols = await ws.db.all<{ name: string }>("SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'customers' ORDER BY ordinal_position");
  await copyTable(ws, client, 'customers', cols.map((c) => c.name));
  await copyTable(ws, client, 'transactions', ['customer_id', 'order_id', 'ts', 'amount', 'is_return', 'product_id', 'category', 'department', 'channel', 'coupon', 'quantity', 'unit_price', 'line_no', 'description', 'currency']);
  // a line's category and department fall back to its product's (features/transaction-lines.ts)
  await copyTable(ws, client, 'products', ['product_id', 'category', 'department']);
  await copyTable(ws, client, 'events', ['customer_id', 'ts', 'type', 'properties']);
  if (options.runScores) {
    await copyTable(ws, client, 'run_scores', ['run_id', 'customer_id', 'segment', 'score_code', 'r', 'f', 'm', 'recency_days', 'frequency', 'monetary', 'mean_order_value']);
  }
  if (options.runClusters) await copyTable(ws, client, 'run_clusters', ['run_id', 'customer_id', 'cluster', 'cluster_name', 'distance', 'probability']);
}

/**
 * Run `fn` with a PostgreSQL client whose search path is a fresh schema holding a copy of the workspace's
 * tables, dropped afterwards; `fn` gets undefined when TEST_POSTGRES_URL is not set.
 */
export async function withPostgresCopy<T>(ws: Workspace, options: { runScores?: boolean; runClusters?: boolean }, fn: (client: pg.Client | undefined) => Promise<T>): Promise<T> {
  const url = process.env.TEST_POSTGRES_URL;
  if (!url) return fn(undefined);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const schema = `segmint_aud_${process.pid}_${Math.floor(performance.now())}`;
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    await copyToPostgres(ws, client, options);
    return await fn(client);
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end();
  }
}

/**
 * A generated ecommerce data set (400 customers) and a workspace at `dir`/ws made through the CLI from its
 * customers (and events) and the transactions before 2024-07-01: the first of two exports.
 */
export async function initEarlyWorkspace(dir: string, seed: number, withEvents: boolean) {
  const g = await generateDataset({ preset: 'ecommerce', customers: 400, seed, outDir: join(dir, 'gen') });
  const early = writeEarlyExport(g.files.transactions, join(dir, 'early.csv'), '2024-07-01');
  const ws = join(dir, 'ws');
  const steps: string[][] = [['init', ws], ['import', g.files.customers, '--kind', 'customers', '-w', ws]];
  if (withEvents) steps.push(['import', g.files.events, '--kind', 'events', '-w', ws]);
  steps.push(['import', early, '--kind', 'transactions', '-w', ws]);
  for (const args of steps) {
    const r = await runCli(args);
    if (r.code !== 0) throw new Error(`segmint ${args.join(' ')} failed: ${r.err}`);
  }
  return { ws, files: g.files };
}
