/**
 * The stored model scores a rule can read, by name: the latest run of each name as the result `model.NAME` —
 * a classifier's scores (`segmint model score NAME`, run kind `model-score`, table run_model_scores) with the
 * fields `probability` and `decile`, or outlier scores (`segmint model outliers NAME`, run kind `outliers`,
 * table run_outlier_scores) with the fields `score`, `decile` and `unusual`. A field of the other kind is
 * refused with what to read instead (an outlier score is not a probability).
 */
import type { ScoreSource } from '../segments/schema.ts';
import { cast, col, inList, select, table } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { all, dayText } from './run-query.ts';

export const MODEL_SCORE_FIELDS = { probability: 'number', decile: 'number' } as const;
export const OUTLIER_SCORE_FIELDS = { score: 'number', decile: 'number', unusual: 'boolean' } as const;

/** `model.NAME` → its latest score run (classifier or outliers), for AudienceSchema.scores. */
export async function modelScoreSources(db: Db): Promise<Record<string, ScoreSource>> {
  const rows = await all<{ run_id: number; kind: string; as_of: unknown; params: unknown }>(db, select({
    select: [{ expr: col('run_id'), as: 'run_id' }, { expr: col('kind'), as: 'kind' }, { expr: col('as_of'), as: 'as_of' }, { expr: cast(col('params'), 'varchar'), as: 'params' }],
    from: table('runs'),
    where: inList(col('kind'), ['model-score', 'outliers']),
    orderBy: [col('run_id')],
  }));
  const out: Record<string, ScoreSource> = {};
  for (const r of rows) {
    const name = (JSON.parse(String(r.params)) as { name?: unknown }).name;
    if (typeof name !== 'string') continue;
    const base = { runId: Number(r.run_id), asOf: dayText(r.as_of) ?? '' };
    out[`model.${name}`] = r.kind === 'outliers'
      ? {
        ...base, table: 'run_outlier_scores', fields: { ...OUTLIER_SCORE_FIELDS },
        unavailable: { probability: `model.${name} holds outlier scores (segmint model outliers ${name}, run ${base.runId}): a score, not a probability; read model.${name}.score, model.${name}.decile or model.${name}.unusual` },
      }
      : {
        ...base, table: 'run_model_scores', fields: { ...MODEL_SCORE_FIELDS },
        unavailable: {
          score: `model.${name} is a classifier (segmint model score ${name}, run ${base.runId}): read model.${name}.probability or model.${name}.decile`,
          unusual: `model.${name} is a classifier: unusual is a field of outlier scores (segmint model outliers); read model.${name}.probability or model.${name}.decile`,
        },
      };
  }
  return out;
}
