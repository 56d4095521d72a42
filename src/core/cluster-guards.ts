/**
 * Constants a stored cluster model and its SQL must share: models/cluster/preprocess.ts applies them in
 * process, features/cluster-assignment.ts in SQL (features may not import models).
 */

/** The level a missing category takes. */
export const MISSING_LEVEL = '(missing)';

/**
 * Guards for customers far outside the training range, applied in process and in SQL alike: log1p takes
 * ln(max(1 + x, 1e−300)), so x ≤ −1 gives −690.8 instead of NaN (PostgreSQL and DuckDB raise an error on ln of 0 or less); and before scaling the value is held
 * within centre ± 1e100 scales (inside ±1e300), so that no square overflows (PostgreSQL raises an error
 * where JavaScript gives Infinity); a value within 1e−150 scales of the centre scales to 0, so that neither
 * the division nor a square underflows (PostgreSQL raises an error where JavaScript gives 0). None of
 * them changes a training value by more than 1e−150.
 */
export const LOG1P_FLOOR = 1e-300;
export const Z_LIMIT = 1e100;
export const Z_TINY = 1e-150;
export function scaleBounds(s: { center: number; scale: number }): [number, number] {
  return [Math.max(s.center - Z_LIMIT * s.scale, -1e300), Math.min(s.center + Z_LIMIT * s.scale, 1e300)];
}
