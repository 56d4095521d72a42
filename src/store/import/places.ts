/**
 * Places (`segmint import stores.csv --kind places`): stores, branches, sites with an id, a name and their
 * coordinates, upserted by id like products (a later row wins); extra columns become typed columns of
 * `places`. A row needs an id and a latitude and longitude that read as numbers within ±90 / ±180.
 */
import { quoteIdent } from '../../sql/quote.ts';
import type { Db } from '../workspace.ts';
import { idExpr, numberExpr, textExpr, type TraitColumn } from './columns.ts';
import { reasonCase, type ObservationSpec, type QuarantineReason } from './checks.ts';
import { col, type CheckContext } from './transactions.ts';

/** Columns of `places` an extra column may not take (it is then called `trait_<name>`). */
export const PLACE_RESERVED = ['place_id', 'name', 'latitude', 'longitude', 'source_id'];

/** Create __checked over the staged rows: id, name, coordinates, the extra columns `__t<i>`, and a reason. */
export async function checkPlaces(ctx: CheckContext, traits: TraitColumn[]): Promise<{ observations: ObservationSpec[]; obsExprs: string[] }> {
  const c = (f: string) => col(ctx, f);
  const coord = (f: 'latitude' | 'longitude') => numberExpr(c(f)!);
  const rules: [string, QuarantineReason][] = [
    ['place_id IS NULL', 'missing-place-id'],
    ['latitude IS NULL OR longitude IS NULL OR NOT isfinite(latitude) OR NOT isfinite(longitude) OR abs(latitude) > 90 OR abs(longitude) > 180', 'invalid-coordinate'],
    ['__later > 1', 'duplicate-place-id'],
  ];
  const extra = traits.map((t, i) => `, ${t.expr} AS __t${i}`).join('');
  await ctx.db.run(`CREATE OR REPLACE TEMP VIEW __checked AS
    WITH p AS (SELECT rowid AS __rid, ${ctx.lineExpr} AS __line, ${ctx.rowKeyExpr} AS row_key, ${idExpr(c('place_id')!)} AS place_id,
        ${c('name') ? textExpr(c('name')!) : 'CAST(NULL AS VARCHAR)'} AS name, ${coord('latitude')} AS latitude, ${coord('longitude')} AS longitude${extra} FROM __raw),
      o AS (SELECT *, CAST(row_number() OVER (PARTITION BY row_key ORDER BY __line) AS INTEGER) AS row_occ,
        row_number() OVER (PARTITION BY place_id ORDER BY __line DESC) AS __later FROM p)
    SELECT *, ${reasonCase(rules)} AS reason, false AS __present FROM o`);
  return {
    observations: [{ code: 'repeated-place-id', policy: 'later row wins', action: 'earlier rows quarantined as duplicate-place-id', reason: 'duplicate-place-id' }],
    obsExprs: ['place_id IS NOT NULL AND __later > 1'],
  };
}

/** Upsert the accepted places (a later import of the same id replaces it). */
export async function loadPlaces(db: Db, sourceId: number, traits: TraitColumn[]): Promise<void> {
  const fixed = ['place_id', 'name', 'latitude', 'longitude'];
  const names = traits.map((t) => quoteIdent(t.name));
  const set = [...fixed.slice(1), 'source_id'].map((n) => `${n} = excluded.${n}`).concat(names.map((n) => `${n} = excluded.${n}`));
  await db.run(`INSERT INTO places (${[...fixed, 'source_id', ...names].join(', ')})
    SELECT ${[...fixed, String(sourceId), ...traits.map((_, i) => `__t${i}`)].join(', ')} FROM __checked WHERE reason IS NULL
    ON CONFLICT (place_id) DO UPDATE SET ${set.join(', ')}`);
}

const LATITUDE = /^(latitude|lat)$/i;
const LONGITUDE = /^(longitude|lon|lng|long)$/i;

const customerColumns = (db: Db) => db.all<{ name: string; type: string }>("SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = 'customers' AND table_schema = 'main'");

/**
 * Add the column `distance_to_nearest_place_km` to customers when there are (or will be) places and the
 * customers have (or are getting, `incoming` trait names) a latitude and a longitude. Called before the import
 * writes any row: DuckDB refuses to commit an ALTER TABLE after an UPDATE of the table in one transaction.
 */
export async function ensureNearestPlaceColumn(db: Db, placesComing: boolean, incoming: readonly string[]): Promise<void> {
  const names = [...(await customerColumns(db)).map((c) => c.name), ...incoming];
  if (names.includes(NEAREST_PLACE_TRAIT) || !names.some((n) => LATITUDE.test(n)) || !names.some((n) => LONGITUDE.test(n))) return;
  if (!placesComing && Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM places'))?.n ?? 0) === 0) return;
  await db.run(`ALTER TABLE customers ADD COLUMN ${NEAREST_PLACE_TRAIT} DOUBLE`);
}

/** The customer trait holding each customer's distance to the nearest place, in km. */
export const NEAREST_PLACE_TRAIT = 'distance_to_nearest_place_km';
const EARTH_RADIUS_KM = 6371.0088;

/**
 * Set the customer trait `distance_to_nearest_place_km` (haversine, as `within R km` in rules) from the
 * customers' numeric latitude and longitude traits to the nearest place; missing for customers without
 * coordinates. Run after places or customers are imported, inside the import's transaction, so the trait
 * is a feature for clustering and rules like any other. Returns a warning when it cannot be computed.
 */
export async function updateNearestPlace(db: Db, clearWithoutPlaces = false): Promise<string | undefined> {
  const places = Number((await db.one<{ n: number }>('SELECT count(*) AS n FROM places'))?.n ?? 0);
  const cols = await customerColumns(db);
  if (places === 0) {
    // the last places deleted (segmint delete --source): nobody has a nearest place
    if (clearWithoutPlaces && cols.some((c) => c.name === NEAREST_PLACE_TRAIT)) await db.run(`UPDATE customers SET ${NEAREST_PLACE_TRAIT} = NULL WHERE ${NEAREST_PLACE_TRAIT} IS NOT NULL`);
    return undefined;
  }
  const numeric = (re: RegExp) => cols.find((c) => re.test(c.name) && /^(DOUBLE|FLOAT|REAL|DECIMAL|BIGINT|INTEGER|SMALLINT|HUGEINT)/.test(c.type))?.name;
  const lat = numeric(LATITUDE);
  const lon = numeric(LONGITUDE);
  if (lat === undefined || lon === undefined || !cols.some((c) => c.name === NEAREST_PLACE_TRAIT)) {
    return `${NEAREST_PLACE_TRAIT} is not computed: customers have no numeric latitude and longitude traits (import customers with them)`;
  }
  const r = (x: string) => `radians(${x})`;
  const [cLat, cLon] = [`c.${quoteIdent(lat)}`, `c.${quoteIdent(lon)}`];
  const h = `pow(sin((${r(cLat)} - ${r('p.latitude')}) / 2), 2) + cos(${r('p.latitude')}) * cos(${r(cLat)}) * pow(sin((${r(cLon)} - ${r('p.longitude')}) / 2), 2)`;
  // a changed value marks the customer updated (a PostgreSQL workspace's import copies the customers it changed)
  await db.run(`UPDATE customers SET ${NEAREST_PLACE_TRAIT} = d.km, updated_at = now()::TIMESTAMP FROM (
      SELECT c.customer_id, min(${2 * EARTH_RADIUS_KM} * asin(least(sqrt(${h}), 1))) AS km
      FROM customers c CROSS JOIN places p WHERE ${cLat} IS NOT NULL AND ${cLon} IS NOT NULL GROUP BY c.customer_id) d
    WHERE customers.customer_id = d.customer_id AND customers.${NEAREST_PLACE_TRAIT} IS DISTINCT FROM d.km`);
  await db.run(`UPDATE customers SET ${NEAREST_PLACE_TRAIT} = NULL, updated_at = now()::TIMESTAMP
    WHERE (${quoteIdent(lat)} IS NULL OR ${quoteIdent(lon)} IS NULL) AND ${NEAREST_PLACE_TRAIT} IS NOT NULL`);
  return undefined;
}
