/**
 * The columns of --traits (segmint audience eval --out, campaign --by): customer traits, and dotted names
 * that read the latest run of a kind (`rfm.segment`, `clv.clv`, `cluster.name`, any field a rule can read).
 * `resolveTraits` checks them (did-you-mean) before anything is stored; `traitSelect` gives them as IR.
 */
import { SegmintError } from '../core/errors.ts';
import { MODEL_RUNS, suggestion, type AudienceSchema } from '../segments/schema.ts';
import { and, col, eq, num, table, type Join, type SelectItem } from '../sql/ir.ts';

/** One --traits column: a customer trait, or a field of a stored result joined by run id. */
export type TraitColumn =
  | { kind: 'trait'; column: string }
  | { kind: 'result'; name: string; alias: string; table: string; runId: number; column: string };

/** The --traits columns, checked against the schema; unknown names are refused with did-you-mean. */
export function resolveTraits(schema: AudienceSchema, traits: readonly string[]): TraitColumn[] {
  const out: TraitColumn[] = [];
  const dotted = Object.entries(schema.scores).flatMap(([k, s]) => Object.keys(s.fields).filter((f) => !(f in (s.unavailable ?? {}))).map((f) => `${k}.${f}`));
  const unknown = (t: string, why: string) => new SegmintError('unknown-field', `--traits ${t}: ${why}${suggestion(t, [...Object.keys(schema.traits), ...dotted])}`, {
    hint: `traits: ${Object.keys(schema.traits).slice(0, 15).join(', ')}${Object.keys(schema.traits).length > 15 ? ', …' : ''}; stored results: ${dotted.join(', ') || `none yet (${Object.values(MODEL_RUNS).join('; ')})`}`,
  });
  for (const t of [...new Set(traits)].filter((x) => x !== 'customer_id')) {
    if (t in schema.traits) {
      out.push({ kind: 'trait', column: t });
      continue;
    }
    const dot = t.indexOf('.');
    if (dot < 0) throw unknown(t, `customers have no trait ${t}`);
    const [kind, field] = [t.slice(0, dot), t.slice(dot + 1)];
    const src = schema.scores[kind];
    if (!src) {
      if (Object.hasOwn(MODEL_RUNS, kind)) throw new SegmintError('no-model-run', `--traits ${t} reads the latest stored ${kind} run, and this workspace has none`, { hint: MODEL_RUNS[kind] });
      throw unknown(t, `no trait or stored result ${t}`);
    }
    if (src.unavailable?.[field] !== undefined) throw new SegmintError('unknown-field', `--traits ${t}: ${src.unavailable[field]}`, { hint: `fields of ${kind}: ${Object.keys(src.fields).filter((x) => !(x in (src.unavailable ?? {}))).join(', ')}` });
    if (!(field in src.fields)) throw unknown(t, `${kind} has no field ${field}`);
    out.push({ kind: 'result', name: t, alias: `s_${kind.replace(/[^a-z0-9_]/gi, '_')}`, table: src.table, runId: Number(src.runId), column: src.columns?.[field] ?? field });
  }
  return out;
}

/** The --traits columns as IR over `customers AS c`: output columns and the LEFT JOINs of the results they read. */
export function traitSelect(schema: AudienceSchema, traits: readonly string[]): { select: SelectItem[]; joins: Join[] } {
  const select: SelectItem[] = [];
  const joins = new Map<string, Join>();
  for (const t of resolveTraits(schema, traits)) {
    if (t.kind === 'trait') {
      select.push({ expr: col(t.column, 'c'), as: t.column });
      continue;
    }
    joins.set(t.alias, { type: 'left', source: table(t.table, t.alias), on: and(eq(col('customer_id', t.alias), col('customer_id', 'c')), eq(col('run_id', t.alias), num(t.runId))) });
    select.push({ expr: col(t.column, t.alias), as: t.name });
  }
  return { select, joins: [...joins.values()] };
}
