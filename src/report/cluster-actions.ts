/** The suggested action per cluster of the latest cluster run, as a table for the cluster section. */
import { actionFor, clusterAction } from '../models/actions.ts';
import type { ClusterProfile } from '../models/cluster/index.ts';
import { one } from '../pipeline/run-query.ts';
import { cast, col, eq, lit, select, table } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { htmlTable } from './html.ts';

/** The table of the latest cluster run's suggested actions (`actions` by cluster name over the ones derived from the profiles), or '' without a run. */
export async function clusterActionsTable(db: Db, actions: Readonly<Record<string, string>> = {}): Promise<string> {
  const run = await latestClusterSummary(db);
  if (!run) return '';
  const profiles = (JSON.parse(run.summary) as { profiles?: ClusterProfile[] }).profiles ?? [];
  if (!profiles.length) return '';
  return htmlTable(['cluster', 'customers', 'suggested action'], profiles.map((p) => [p.name, p.customers, actionFor(p.name, actions, clusterAction(p))]),
    'Suggested actions: segmint.yaml segments.actions by cluster name, else derived from the cluster\'s traits (docs/models.md).');
}

/** The cluster names of the latest cluster run (known names for segmint.yaml segments.actions), [] without one. */
export async function latestClusterNames(db: Db): Promise<string[]> {
  const run = await latestClusterSummary(db);
  return run ? ((JSON.parse(run.summary) as { profiles?: ClusterProfile[] }).profiles ?? []).map((p) => p.name) : [];
}

/** The summary (JSON text) of the latest cluster run, or undefined. */
function latestClusterSummary(db: Db): Promise<{ summary: string } | undefined> {
  return one<{ summary: string }>(db, select({
    select: [{ expr: cast(col('summary'), 'varchar'), as: 'summary' }],
    from: table('runs'),
    where: eq(col('kind'), lit('cluster')),
    orderBy: [{ expr: col('run_id'), desc: true }],
    limit: 1,
  }));
}
