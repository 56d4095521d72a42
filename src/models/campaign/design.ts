/**
 * A design matrix from named feature columns: numbers as they are, text as one-hot indicators with the
 * first level (in sorted order) as the reference that gets no column. Pure; the encoding is kept so that
 * new rows (a held-out split, next month's customers) are encoded the same way.
 */

import { SegmintError } from '../../core/errors.ts';

export type FeatureValue = number | string | boolean | null | undefined;

export interface FeatureEncoding {
  name: string;
  kind: 'numeric' | 'categorical';
  /** categorical: every level seen when the encoding was built, sorted; the first is the reference */
  levels?: string[];
}

export interface Design {
  /** n rows × p columns, row-major */
  x: Float64Array;
  n: number;
  p: number;
  /** the name of each column: `recency`, `zip_code=Urban`, … */
  columns: string[];
  encoding: FeatureEncoding[];
}

const MISSING = '(missing)';

const asLevel = (v: FeatureValue): string => (v === null || v === undefined || v === '' ? MISSING : String(v));

/** The encoding of `features` as `table` holds them: numeric when every value is a finite number or boolean. */
export function inferEncoding(table: Record<string, readonly FeatureValue[]>, features: readonly string[]): FeatureEncoding[] {
  return features.map((name) => {
    const col = table[name];
    if (!col) throw new SegmintError('unknown-feature', `no column '${name}'`, { hint: `the columns are: ${Object.keys(table).join(', ')}` });
    const numeric = col.every((v) => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean');
    if (numeric) return { name, kind: 'numeric' as const };
    const levels = [...new Set(col.map(asLevel))].sort();
    return { name, kind: 'categorical' as const, levels };
  });
}

/** Column names of an encoding (numeric: the name; categorical: `name=level` for each level but the first). */
export function designColumns(encoding: readonly FeatureEncoding[]): string[] {
  return encoding.flatMap((e) => (e.kind === 'numeric' ? [e.name] : e.levels!.slice(1).map((l) => `${e.name}=${l}`)));
}

/**
 * Encode `rows` (indices into the columns of `table`, default all) by `encoding`. A level the encoding has
 * not seen is the reference (all indicators 0); a numeric column that holds text or a missing value is
 * `invalid-feature-value`.
 */
export function buildDesign(table: Record<string, readonly FeatureValue[]>, encoding: readonly FeatureEncoding[], rows?: ArrayLike<number>): Design {
  const columns = designColumns(encoding);
  const first = table[encoding[0]?.name ?? ''];
  const n = rows ? rows.length : (first?.length ?? 0);
  const p = columns.length;
  const x = new Float64Array(n * p);
  let offset = 0;
  for (const e of encoding) {
    const col = table[e.name];
    if (!col) throw new SegmintError('unknown-feature', `no column '${e.name}'`, { hint: `the columns are: ${Object.keys(table).join(', ')}` });
    if (e.kind === 'numeric') {
      for (let i = 0; i < n; i++) {
        const r = rows ? rows[i]! : i;
        const v = col[r];
        const num = typeof v === 'boolean' ? Number(v) : v;
        if (typeof num !== 'number' || !Number.isFinite(num))
          throw new SegmintError('invalid-feature-value', `feature '${e.name}' needs a number, row ${r + 1} has ${JSON.stringify(v ?? null)}`, { hint: 'fill or drop missing values, or use a feature that holds numbers' });
        x[i * p + offset] = num;
      }
      offset += 1;
    } else {
      const index = new Map(e.levels!.slice(1).map((l, k) => [l, k]));
      for (let i = 0; i < n; i++) {
        const k = index.get(asLevel(col[rows ? rows[i]! : i]));
        if (k !== undefined) x[i * p + offset + k] = 1;
      }
      offset += e.levels!.length - 1;
    }
  }
  return { x, n, p, columns, encoding: [...encoding] };
}
