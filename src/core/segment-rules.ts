/**
 * Segment rule tables as written in segmint.yaml: ordered rules, each bounding some scores with inclusive
 * [min, max] ranges (docs/models.md, "Segments"). The matching and coverage check live in models/rfm.
 */
import { SegmintError } from './errors.ts';

export type ScoreName = 'r' | 'f' | 'm' | 'fm' | 'l' | 'p';
export type Range = readonly [number, number];

export interface SegmentRule {
  name: string;
  when: Partial<Record<ScoreName, Range>>;
  description?: string;
}

/** Validate a user rule table from segmint.yaml. */
export function parseRules(raw: unknown, where: string): SegmentRule[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new SegmintError('invalid-config', `${where}: expected a list of {name, when} rules`, { hint: 'see docs/models.md, "Segments"' });
  }
  return raw.map((r, i) => {
    const o = r as { name?: unknown; when?: unknown; description?: unknown };
    if (typeof o?.name !== 'string' || o.name === '' || (o.when !== undefined && (typeof o.when !== 'object' || o.when === null))) {
      throw new SegmintError('invalid-config', `${where}[${i}]: expected {name: text, when: {r: [min, max], …}}, found ${JSON.stringify(r)}`, {
        hint: 'see docs/models.md, "Segments"',
      });
    }
    const when: Partial<Record<ScoreName, Range>> = {};
    for (const [k, v] of Object.entries((o.when ?? {}) as Record<string, unknown>)) {
      if (!['r', 'f', 'm', 'fm', 'l', 'p'].includes(k) || !Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x))) {
        throw new SegmintError('invalid-config', `${where}[${i}].when.${k}: expected a score name (r, f, m, fm, l, p) with [min, max] whole numbers, found ${JSON.stringify(v)}`, {
          hint: 'e.g. when: {r: [4, 5], fm: [4, 5]}',
        });
      }
      when[k as ScoreName] = [v[0] as number, v[1] as number];
    }
    return { name: o.name, when, ...(typeof o.description === 'string' ? { description: o.description } : {}) };
  });
}
