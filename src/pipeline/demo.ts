/**
 * The demo pipeline: a fresh workspace, the bundled Online Retail table imported, and every analysis
 * that exists run on it. Returns what happened; the CLI prints it and writes the report.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { SegmintError } from '../core/errors.ts';
import { parseConfig } from '../store/config.ts';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importFile, type ImportResult } from '../store/import/index.ts';
import { migrationMatrix, type MigrationCell } from './audience.ts';
import { runClvFit, runClvPredict, type ClvFitResult, type ClvPredictResult } from './clv.ts';
import { runValueSegmentation, type ValueResult } from './value.ts';
import { countRows, one } from './run-query.ts';
import { coalesce, col, count, countDistinct, isNotNull, max, min, num, select, sum, table } from '../sql/ir.ts';
import { CONFIG_FILE, DATABASE_FILE, Workspace } from '../store/workspace.ts';

/** Path of the bundled Online Retail Parquet file (CC0, see data/README.md). */
export const DEMO_DATA = fileURLToPath(new URL('../../data/online-retail.parquet', import.meta.url));

export interface DemoSummary {
  workspace: string;
  import: ImportResult;
  transactions: { lines: number; orders: number; returns: number; first: string; last: string; revenue: number };
  customers: number;
}

/**
 * The demo recreates its folder's workspace: refuse one that holds anything but the demo's own data (a
 * workspace the user built there), so `segmint demo --dir my-shop` cannot wipe it.
 */
function refuseOtherWorkspace(root: string): void {
  const configPath = join(root, CONFIG_FILE);
  if (!existsSync(configPath) && !existsSync(join(root, DATABASE_FILE))) return;
  let files: string[];
  try {
    files = parseConfig(readFileSync(configPath, 'utf8'), configPath).sources.map((s) => resolve(s.file));
  } catch {
    files = ['(unreadable segmint.yaml)'];
  }
  const others = files.filter((f) => f !== DEMO_DATA);
  if (others.length || (files.length === 0 && existsSync(join(root, DATABASE_FILE)))) {
    throw new SegmintError('demo-dir-is-workspace', `${root} holds a workspace with other data (${others.slice(0, 3).join(', ') || 'imports not from the demo'}): the demo would replace it`, {
      hint: 'choose another folder with --dir, or pass --force to replace that workspace',
    });
  }
}

/**
 * Build the demo workspace in `dir` (its database and settings are recreated) and import the bundled
 * data. The caller closes the returned workspace.
 */
export async function runDemo(dir: string, onProgress?: (phase: string, fraction: number) => void, options: { force?: boolean } = {}): Promise<{ ws: Workspace; summary: DemoSummary }> {
  const root = resolve(dir);
  if (!options.force) refuseOtherWorkspace(root);
  for (const f of [DATABASE_FILE, `${DATABASE_FILE}.wal`, `${DATABASE_FILE}.before`, CONFIG_FILE]) {
    if (existsSync(join(root, f))) rmSync(join(root, f));
  }
  const ws = await Workspace.open(root, { create: true });
  try {
    // InvoiceDate is UK clock time: read it in Europe/London so it is stored as UTC.
    const imp = await importFile(ws, DEMO_DATA, { kind: 'transactions', timezone: 'Europe/London', remember: true, onProgress });
    const row = await one<{ lines: number; orders: number; returns: number; first: unknown; last: unknown; revenue: number }>(ws.db, select({
      select: [
        { expr: count(), as: 'lines' }, { expr: countDistinct(col('order_id')), as: 'orders' }, { expr: count(undefined, { filter: col('is_return') }), as: 'returns' },
        { expr: min(col('ts')), as: 'first' }, { expr: max(col('ts')), as: 'last' }, { expr: coalesce(sum(col('amount')), num(0)), as: 'revenue' },
      ],
      from: table('transactions'),
      where: isNotNull(col('customer_id')),
    }));
    const t = row && { ...row, first: utcDay(row.first) as string, last: utcDay(row.last) as string };
    const customers = { n: await countRows(ws.db, 'customers') };
    return {
      ws,
      summary: {
        workspace: root,
        import: imp,
        transactions: t ?? { lines: 0, orders: 0, returns: 0, first: '', last: '', revenue: 0 },
        customers: customers?.n ?? 0,
      },
    };
  } catch (e) {
    ws.close();
    throw e;
  }
}

/**
 * The demo's holdout split, 13 weeks before the data ends: the last day of the CLV calibration period and
 * the day after it, the as-of date of the earlier RFM run (YYYY-MM-DD).
 */
async function holdoutSplit(ws: Workspace): Promise<{ calibrationEnd: string; asOf: string }> {
  const r = await one<{ last: unknown }>(ws.db, select({ select: [{ expr: max(col('ts')), as: 'last' }], from: table('transactions'), where: isNotNull(col('customer_id')) }));
  const last = utcDay(r?.last);
  const minus = (days: number) => (last === null ? (null as unknown as string) : new Date(Date.parse(`${last}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10));
  return { calibrationEnd: minus(91), asOf: minus(90) };
}

/** The UTC day (YYYY-MM-DD) of a timestamp read back from the engine; null for NULL. */
function utcDay(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10);
}

/**
 * The demo's value step: RFM at the calibration end and at the default as-of date (so the report can show
 * who moved between segments since), LRFMP, and the five largest moves between two different segments.
 */
export async function runDemoValue(ws: Workspace): Promise<{ rfmBefore: ValueResult; rfm: ValueResult; lrfmp: ValueResult; moves: MigrationCell[] }> {
  const rfmBefore = await runValueSegmentation(ws, 'rfm', { asOf: (await holdoutSplit(ws)).asOf });
  const rfm = await runValueSegmentation(ws, 'rfm');
  const lrfmp = await runValueSegmentation(ws, 'lrfmp');
  const moves = (await migrationMatrix(ws.db, rfmBefore.runId, rfm.runId)).cells
    .filter((c) => c.from !== c.to && c.from !== '(not in run)')
    .sort((a, b) => b.customers - a.customers)
    .slice(0, 5);
  return { rfmBefore, rfm, lrfmp, moves };
}

/**
 * The demo's CLV step: the purchase model chosen on the holdout (--model auto) and Gamma-Gamma in weeks, calibrated up to 13 weeks before the last
 * transaction so the report can compare the model with the holdout, then 12-month predictions for every
 * customer from the whole history (10 % annual discount, CLV in revenue).
 */
export async function runDemoClv(ws: Workspace): Promise<{ fit: ClvFitResult; predict: ClvPredictResult }> {
  const fit = await runClvFit(ws, { model: 'auto', spend: 'gammagamma', period: 'week', calibrationEnd: (await holdoutSplit(ws)).calibrationEnd });
  const predict = await runClvPredict(ws, { horizon: 12, unit: 'month', discountRate: 0.1 });
  return { fit, predict };
}
