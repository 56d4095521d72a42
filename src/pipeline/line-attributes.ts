/**
 * What a rule may read of a transaction line beyond its canonical columns (issue #21): the extra columns of
 * transactions files kept on each line in `attributes`, with their types, as each import recorded them
 * (`sources.options.lineAttributes`), the line attribute that holds a place id (`placeAttribute`, from
 * `--map place_id=COLUMN`), and the ids of the imported places.
 */
import { and, cast, col, eq, isNotNull, lit, select, table } from '../sql/ir.ts';
import type { AudienceSchema, FieldType } from '../segments/schema.ts';
import type { Db } from '../store/workspace.ts';
import { all } from './run-query.ts';

/** Lines read from an import that recorded no attribute names (made before they were recorded). */
const SAMPLE_LINES = 1000;
/** Place ids the checker holds for "did you mean". */
const MAX_PLACE_IDS = 100_000;

interface SourceOptions { lineAttributes?: Record<string, string>; placeAttribute?: string }

/** The line attributes and places of a workspace, for the audience schema. */
export async function loadLineSchema(db: Db): Promise<Pick<AudienceSchema, 'lineAttributes' | 'places'>> {
  const sources = await all<{ source_id: number; options: string | null }>(db, select({
    select: [{ expr: col('source_id'), as: 'source_id' }, { expr: cast(col('options'), 'varchar'), as: 'options' }],
    from: table('sources'),
    where: eq(col('kind'), lit('transactions')),
    orderBy: [col('source_id')],
  }));
  const attrs: Record<string, FieldType> = {};
  // a name typed differently by two imports is read as text
  const add = (name: string, t: FieldType) => {
    attrs[name] = attrs[name] === undefined || attrs[name] === t ? t : 'string';
  };
  let placeAttribute: string | undefined;
  for (const s of sources) {
    const o = (s.options ? JSON.parse(s.options) : {}) as SourceOptions;
    if (o.placeAttribute) placeAttribute = o.placeAttribute;
    if (o.lineAttributes) {
      for (const [k, t] of Object.entries(o.lineAttributes)) add(k, t === 'number' ? 'number' : 'string');
      continue;
    }
    const lines = await all<{ a: string }>(db, select({
      select: [{ expr: cast(col('attributes'), 'varchar'), as: 'a' }],
      from: table('transactions'),
      where: and(eq(col('source_id'), lit(Number(s.source_id))), isNotNull(col('attributes'))),
      limit: SAMPLE_LINES,
    }));
    for (const l of lines) for (const k of Object.keys(JSON.parse(l.a) as object)) add(k, 'string');
  }
  const ids = (await db.tableExists('places'))
    ? (await all<{ place_id: string }>(db, select({ select: [{ expr: col('place_id'), as: 'place_id' }], from: table('places'), orderBy: [col('place_id')], limit: MAX_PLACE_IDS }))).map((r) => String(r.place_id))
    : [];
  return {
    ...(Object.keys(attrs).length ? { lineAttributes: attrs } : {}),
    ...(placeAttribute !== undefined || ids.length ? { places: { ...(placeAttribute !== undefined ? { attribute: placeAttribute } : {}), ids } } : {}),
  };
}
