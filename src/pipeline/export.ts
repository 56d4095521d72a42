/** Write per-customer rows to CSV, Parquet or JSON, chosen by the file's extension. */
import { extname, resolve } from 'node:path';
import { SegmintError } from '../core/errors.ts';
import { quoteString } from '../sql/quote.ts';
import type { Db, Param, Workspace } from '../store/workspace.ts';

/** COPY options per output extension. */
const FORMATS: Record<string, string> = { '.csv': 'FORMAT csv, HEADER true', '.parquet': 'FORMAT parquet, COMPRESSION zstd', '.json': 'FORMAT json, ARRAY true', '.ndjson': 'FORMAT json' };

/**
 * Write the rows of `select` (DuckDB SQL, with its `params`) to `file`; the extension picks the format.
 * Returns the absolute path and the number of rows written.
 */
export async function copyToFile(db: Db, select: string, file: string, params?: readonly Param[]): Promise<{ file: string; rows: number }> {
  const ext = extname(file).toLowerCase();
  const fmt = FORMATS[ext];
  if (!fmt) {
    throw new SegmintError('invalid-option', `--out ${file}: unknown extension "${ext || '(none)'}"`, { hint: 'use .csv, .parquet, .json or .ndjson' });
  }
  const path = resolve(file);
  // COPY answers with the number of rows it wrote.
  const r = await db.one<{ Count: number }>(`COPY (${select}) TO ${quoteString(path)} (${fmt})`, params);
  return { file: path, rows: Number(r?.Count ?? 0) };
}

/** Write the per-customer rows of a value (RFM/LRFMP) run. */
export async function exportRunScores(ws: Workspace, runId: number, file: string, scoreColumns: string[]): Promise<{ file: string; rows: number }> {
  const cols = ['customer_id', 'recency_days', 'frequency', 'monetary', 'mean_order_value', 'tenure_days', 'periodicity_days', 'return_rate',
    'distinct_products', 'basket_size', "strftime(first_purchase, '%Y-%m-%d %H:%M:%S') AS first_purchase", "strftime(last_purchase, '%Y-%m-%d %H:%M:%S') AS last_purchase",
    ...scoreColumns, 'score_code', 'segment'];
  return copyToFile(ws.db, `SELECT ${cols.join(', ')} FROM run_scores WHERE run_id = ${Number(runId)} ORDER BY customer_id`, file);
}
