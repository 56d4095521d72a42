/**
 * Labelled real data for the tree and outlier tests: bank-marketing (bank-full), telco-churn and cc-general
 * as FeatureColumns, read with a plain delimited-text parser (independent of DuckDB), typed as pandas'
 * `read_csv` would type them: a column is numeric when every non-blank value is a number. Also the
 * rank-based AUC the tests compare with (Mann–Whitney U / (n₁n₀), ties counted half).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { categoricalColumn, numericColumn } from '../../src/models/classify/design.ts';
import type { FeatureColumn } from '../../src/models/classify/types.ts';

/** Split delimited text with double-quoted fields (no embedded delimiters or newlines in these files). */
function parse(path: string, sep: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.length > 0);
  const unquote = (s: string): string => (s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);
  const split = (l: string): string[] => l.split(sep).map(unquote);
  return { header: split(lines[0]!), rows: lines.slice(1).map(split) };
}

function columnsOf(header: string[], rows: string[][], skip: readonly string[]): FeatureColumn[] {
  const out: FeatureColumn[] = [];
  header.forEach((name, j) => {
    if (skip.includes(name)) return;
    const values = rows.map((r) => r[j]!.trim());
    const numeric = values.every((v) => v === '' || Number.isFinite(Number(v)));
    out.push(numeric ? numericColumn(name, values.map((v) => (v === '' ? null : Number(v)))) : categoricalColumn(name, values));
  });
  return out;
}

export interface Labelled {
  columns: FeatureColumn[];
  y: Float64Array;
}

export function bankFull(dataDir: string): Labelled {
  const { header, rows } = parse(join(dataDir, 'bank-marketing/bank-full.csv'), ';');
  const yi = header.indexOf('y');
  return { columns: columnsOf(header, rows, ['y']), y: Float64Array.from(rows, (r) => (r[yi] === 'yes' ? 1 : 0)) };
}

export function telcoChurn(dataDir: string): Labelled {
  const { header, rows } = parse(join(dataDir, 'telco-churn/WA_Fn-UseC_-Telco-Customer-Churn.csv'), ',');
  const yi = header.indexOf('Churn');
  return { columns: columnsOf(header, rows, ['customerID', 'Churn']), y: Float64Array.from(rows, (r) => (r[yi] === 'Yes' ? 1 : 0)) };
}

/** cc-general's numeric columns (CUST_ID left out). */
export function ccGeneral(dataDir: string): FeatureColumn[] {
  const { header, rows } = parse(join(dataDir, 'cc-general/CC GENERAL.csv'), ',');
  return columnsOf(header, rows, ['CUST_ID']);
}

/** Rank AUC: P(score of a positive > score of a negative) + ½ P(tie). */
export function rankAuc(score: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a]! - score[b]!);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]!] === score[order[i]!]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[order[k]!] === 1) { rankSumPos += midRank; pos++; }
    i = j + 1;
  }
  const neg = n - pos;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}
