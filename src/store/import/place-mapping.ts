/**
 * `--map place_id=COLUMN` on a transactions import: the column is a line attribute that holds a place id
 * (a row of `places`, imported with `--kind places`). It is not a canonical field: the column stays an extra
 * column on the line, and the source records which attribute is the place (`sources.options.placeAttribute`).
 */
import { SegmintError } from '../../core/errors.ts';
import type { ImportKind } from '../../core/schema.ts';
import { didYouMean } from '../../core/suggest.ts';

/** The mappings without `place_id`, and the column `place_id` names (the option wins over segmint.yaml). */
export function splitPlaceMapping(kind: ImportKind, configured: Record<string, string>, options: Record<string, string>): [{ configured: Record<string, string>; options: Record<string, string> }, string | undefined] {
  if (kind !== 'transactions') return [{ configured, options }, undefined];
  const { place_id: a, ...c } = configured;
  const { place_id: b, ...o } = options;
  return [{ configured: c, options: o }, b ?? a];
}

/** Throws `unknown-column` (with a suggestion) when the place column is not in the file. */
export function checkPlaceColumn(column: string | undefined, columns: readonly string[]): void {
  if (column === undefined || columns.includes(column)) return;
  const s = didYouMean(column, columns);
  throw new SegmintError('unknown-column', `the file has no column "${column}" (asked for by place_id=${column})`, {
    hint: `${s ? `did you mean "${s}"? ` : ''}the columns are ${columns.map((c) => `"${c}"`).join(', ')}`,
  });
}
