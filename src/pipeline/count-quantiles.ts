/**
 * Quantile bin edges from each metric's value counts (issue #15). A metric of a score has few distinct values
 * beside its customers (bench/rfm: 731 recencies, 88 frequencies, 169,131 spends of 923,349 scored customers),
 * so the engine counts them (a GROUP BY, a hash table of that many entries) and the quantiles are read off the
 * cumulative counts here: the same order statistics as the sorted values, so the same quantiles. The engines'
 * quantile functions sort or select among all the values, one metric after another: 300-390 ms of `segmint rfm`
 * at bench/rfm; the counts, read here, 100-145 ms.
 *
 * The quantile is type 7 (position h = p·(n − 1) between the sorted values, numpy's default), interpolated as
 * DuckDB's quantile_cont does: the value at ⌊h⌋ when h is whole, else lo·(1 − d) + hi·d with d = h − ⌊h⌋,
 * which is quantile_cont's double to the last bit (count-quantiles.test.ts compares them). The edges are then
 * the same on every engine.
 */
import { cast, col, count, isNotNull, select, table } from '../sql/ir.ts';
import { compile } from '../sql/compile.ts';
import type { Engine as Db } from '../engines/types.ts';

/**
 * The type-7 quantiles at `ps` of the multiset with the ascending distinct `values`, `counts[i]` of each; []
 * when it is empty (as a quantile of no values is NULL in SQL, and a score then has no edges).
 */
export function quantilesOfCounts(values: Float64Array, counts: Float64Array, ps: readonly number[]): number[] {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i]!;
  if (n === 0) return [];
  // the value at rank r (0-based) of the sorted multiset, walking the cumulative counts forward: ps ascend
  // in the callers, so each search starts where the last one ended (and restarts when they do not)
  let i = 0;
  let below = 0;
  const at = (r: number): number => {
    if (r < below) {
      i = 0;
      below = 0;
    }
    while (below + counts[i]! <= r) below += counts[i++]!;
    return values[i]!;
  };
  return ps.map((p) => {
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    const a = at(lo);
    if (h === lo) return a;
    const b = at(Math.min(n - 1, lo + 1));
    const d = h - lo;
    return a * (1 - d) + b * d;
  });
}

/**
 * The quantiles at `ps` of each metric column of the table `from` (its non-NULL values, as doubles), by metric;
 * [] for a metric with no value.
 */
export async function countQuantiles(db: Db, from: string, metrics: readonly string[], ps: readonly number[]): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const m of metrics) {
    const v = cast(col(m), 'double');
    const c = compile(select({
      select: [{ expr: v, as: 'v' }, { expr: cast(count(), 'double'), as: 'n' }],
      from: table(from), where: isNotNull(col(m)), groupBy: [v], orderBy: [v],
    }), db.dialect);
    const r = await db.numericColumns(c.sql, c.params, ['v', 'n']);
    out[m] = quantilesOfCounts(r.v!, r.n!, ps);
  }
  return out;
}
