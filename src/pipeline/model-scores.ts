/**
 * The stored model scores a rule can read: for each model name, its latest `model-score` run (`segmint model
 * score NAME`) as the result `model.NAME` with the fields `probability` and `decile` (run_model_scores).
 */
import type { ScoreSource } from '../segments/schema.ts';
import { cast, col, eq, lit, select, table } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { all, dayText } from './run-query.ts';

export const MODEL_SCORE_FIELDS = { probability: 'number', decile: 'number' } as const;

/** `model.NAME` → its latest score run, for AudienceSchema.scores. */
export async function modelScoreSources(db: Db): Promise<Record<string, ScoreSource>> {
  const rows = await all<{ run_id: number; as_of: unknown; params: unknown }>(db, select({
    select: [{ expr: col('run_id'), as: 'run_id' }, { expr: col('as_of'), as: 'as_of' }, { expr: cast(col('params'), 'varchar'), as: 'params' }],
    from: table('runs'),
    where: eq(col('kind'), lit('model-score')),
    orderBy: [col('run_id')],
  }));
  const out: Record<string, ScoreSource> = {};
  for (const r of rows) {
    const name = (JSON.parse(String(r.params)) as { name?: unknown }).name;
    if (typeof name !== 'string') continue;
    out[`model.${name}`] = { runId: Number(r.run_id), asOf: dayText(r.as_of) ?? '', table: 'run_model_scores', fields: { ...MODEL_SCORE_FIELDS } };
  }
  return out;
}
