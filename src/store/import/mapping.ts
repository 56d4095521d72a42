/**
 * Column mapping: which source column feeds which canonical field. Detected from header names
 * (core/schema.ts synonyms), overridden by segmint.yaml `mappings` and then by `--map field=column`.
 */
import { SegmintError } from '../../core/errors.ts';
import { CANONICAL_FIELDS, normaliseHeader, type ImportKind } from '../../core/schema.ts';
import { didYouMean } from '../../core/suggest.ts';

export interface Mapping {
  /** canonical field → source column name */
  fields: Record<string, string>;
  /** source columns not mapped to a canonical field (they become traits, attributes or properties) */
  extra: string[];
  /** how each field was decided */
  how: Record<string, 'detected' | 'configured' | 'option'>;
}

/** Parse `field=column` pairs from --map options. */
export function parseMapOptions(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0 || i === p.length - 1) {
      throw new SegmintError('invalid-option', `--map ${p}: expected field=column, e.g. --map customer_id="Customer ID"`, {
        hint: 'give one --map per field; quote column names that contain spaces',
      });
    }
    out[p.slice(0, i).trim()] = p.slice(i + 1).trim();
  }
  return out;
}

/**
 * Decide the mapping for `kind` over the file's `columns`. Explicit mappings win over detection; each
 * source column feeds at most one field. Throws when a required field has no column.
 */
export function resolveMapping(
  kind: ImportKind,
  columns: readonly string[],
  configured: Record<string, string> = {},
  options: Record<string, string> = {},
): Mapping {
  const fields = CANONICAL_FIELDS[kind];
  const fieldNames = fields.map((f) => f.name);
  const fields_: Record<string, string> = {};
  const how: Mapping['how'] = {};
  const used = new Set<string>();
  for (const [src, explicit] of [['configured', configured], ['option', options]] as const) {
    for (const [field, col] of Object.entries(explicit)) {
      if (!fieldNames.includes(field)) {
        const s = didYouMean(field, fieldNames);
        throw new SegmintError('unknown-field', `"${field}" is not a ${kind} field`, {
          hint: `${s ? `did you mean ${s}? ` : ''}the ${kind} fields are ${fieldNames.join(', ')}`,
        });
      }
      if (!columns.includes(col)) {
        const s = didYouMean(col, columns);
        throw new SegmintError('unknown-column', `the file has no column "${col}" (asked for by ${field}=${col})`, {
          hint: `${s ? `did you mean "${s}"? ` : ''}the columns are ${columns.map((c) => `"${c}"`).join(', ')}`,
        });
      }
      if (fields_[field] !== undefined) used.delete(fields_[field]!);
      fields_[field] = col;
      how[field] = src;
      used.add(col);
    }
  }
  const normalised = columns.map((c) => normaliseHeader(c));
  // Detection: for each field (in schema order), the first synonym (in priority order) that names a free column.
  for (const f of fields) {
    if (fields_[f.name] !== undefined) continue;
    for (const syn of f.synonyms) {
      const idx = normalised.findIndex((n, i) => n === syn && !used.has(columns[i]!));
      if (idx >= 0) {
        fields_[f.name] = columns[idx]!;
        how[f.name] = 'detected';
        used.add(columns[idx]!);
        break;
      }
    }
    if (fields_[f.name] === undefined && f.type === 'timestamp') {
      // Fallback: a column named like a date (redemption_date, created_at, order_time).
      const idx = normalised.findIndex((n, i) => /(date|timestamp|time|datetime)$/.test(n) && !used.has(columns[i]!));
      if (idx >= 0) {
        fields_[f.name] = columns[idx]!;
        how[f.name] = 'detected';
        used.add(columns[idx]!);
      }
    }
  }
  // Optional by policy: events may take their type from --event-type; a customers file without an id
  // column is keyed by line number (the importer warns).
  const optional = (name: string) => (kind === 'events' && name === 'type') || (kind === 'customers' && name === 'customer_id');
  const missing = fields.filter((f) => f.required && fields_[f.name] === undefined && !optional(f.name));
  if (missing.length > 0) {
    const names = missing.map((m) => m.name);
    throw new SegmintError('missing-mapping', `no column found for ${names.join(', ')} in a ${kind} file with columns ${columns.map((c) => `"${c}"`).join(', ')}`, {
      hint: missingHint(kind, columns, names),
      details: { missing: names, columns },
    });
  }
  return { fields: fields_, extra: columns.filter((c) => !used.has(c)), how };
}

/** What to do when required fields have no column: split the lines, name the columns, or map them. */
function missingHint(kind: ImportKind, columns: readonly string[], names: readonly string[]): string {
  const flags = `${names.map((n) => `--map ${n}=COLUMN`).join(' ')} (or under mappings.${kind} in segmint.yaml)`;
  const map = `map them with ${flags}`;
  if (columns.length === 1) {
    // The lines were not split; a delimiter in the one column's name shows which one they use.
    const seen = [',', ';', '\t', '|'].find((d) => columns[0]!.includes(d));
    if (seen !== undefined) return `the lines were read as one column, so they do not split on the delimiter used: pass --delimiter ${seen === '\t' ? 'tab' : `'${seen}'`}`;
    return `the lines were read as one column, so they do not split on the delimiter used: pass --delimiter ',', ';', tab or '|', or ${map}`;
  }
  if (columns.every((c, i) => c === `column${i}`)) {
    return `the file has no header line: name its ${columns.length} columns with --columns NAME,NAME,… (fields such as ${names.join(', ')} are then found by name), or ${map}`;
  }
  return `name the columns with ${flags}`;
}
