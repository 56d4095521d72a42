/**
 * Line attributes in rules (issue #21): the extra columns of transactions files kept on each line in the
 * JSON column `attributes`, read by name in a row filter or an aggregate (`store_id = '367'`,
 * `distinct(store_id)`). `place_id` names the attribute a transactions import mapped with
 * `--map place_id=COLUMN`. A canonical transaction field of the same name wins.
 */
import type { AudienceSchema, FieldType } from './schema.ts';

/** The attribute a row field names, with its type (`number` or `string`); undefined when there is none. */
export function lineAttribute(schema: AudienceSchema, name: string): { key: string; type: FieldType } | undefined {
  const attrs = schema.lineAttributes ?? {};
  if (Object.hasOwn(attrs, name)) return { key: name, type: attrs[name]! };
  const place = schema.places?.attribute;
  // place ids are text, as in `places` (a numeric store id is still `store_id = 367` under its own name)
  if (name === 'place_id' && place !== undefined) return { key: place, type: 'string' };
  return undefined;
}
