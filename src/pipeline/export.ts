/** Write the per-customer rows of a value run to CSV, Parquet or JSON (by the file's extension). */
import { extname, resolve } from 'node:path';
import { SegmintError } from '../core/errors.ts';
import { quoteString } from '../sql/quote.ts';
import type { Workspace } from '../store/workspace.ts';

/** COPY options per output extension. */
export const FORMATS: Record<string, string> = { '.csv': "FORMAT csv, HEADER true", '.parquet': 'FORMAT parquet, COMPRESSION zstd', '.json': 'FORMAT json, ARRAY true', '.ndjson': 'FORMAT json' };

export async function exportRunScores(ws: Workspace, runId: number, file: string, scoreColumns: string[]): Promise<{ file: string; rows: number }> {
  const ext = extname(file).toLowerCase();
  const fmt = FORMATS[ext];
  if (!fmt) {
    throw new SegmintError('invalid-option', `--out ${file}: unknown extension "${ext || '(none)'}"`, { hint: 'use .csv, .parquet, .json or .ndjson' });
  }
  const path = resolve(file);
  const cols = ['customer_id', 'recency_days', 'frequency', 'monetary', 'mean_order_value', 'tenure_days', 'periodicity_days', 'return_rate',
    'distinct_products', 'basket_size', "strftime(first_purchase, '%Y-%m-%d %H:%M:%S') AS first_purchase", "strftime(last_purchase, '%Y-%m-%d %H:%M:%S') AS last_purchase",
    ...scoreColumns, 'score_code', 'segment'];
  await ws.db.run(`COPY (SELECT ${cols.join(', ')} FROM run_scores WHERE run_id = ${Number(runId)} ORDER BY customer_id) TO ${quoteString(path)} (${fmt})`);
  const n = await ws.db.one<{ n: number }>('SELECT count(*) AS n FROM run_scores WHERE run_id = ?', [runId]);
  return { file: path, rows: Number(n?.n ?? 0) };
}
