/** The suggested action per cluster of the latest cluster run, as a table for the cluster section. */
import { actionFor, clusterAction } from '../models/actions.ts';
import type { ClusterProfile } from '../models/cluster/index.ts';
import type { Db } from '../store/workspace.ts';
import { htmlTable } from './html.ts';

/** The table of the latest cluster run's suggested actions (`actions` by cluster name over the ones derived from the profiles), or '' without a run. */
export async function clusterActionsTable(db: Db, actions: Readonly<Record<string, string>> = {}): Promise<string> {
  const run = await db.one<{ summary: string }>("SELECT CAST(summary AS VARCHAR) AS summary FROM runs WHERE kind = 'cluster' ORDER BY run_id DESC LIMIT 1");
  if (!run) return '';
  const profiles = (JSON.parse(run.summary) as { profiles?: ClusterProfile[] }).profiles ?? [];
  if (!profiles.length) return '';
  return htmlTable(['cluster', 'customers', 'suggested action'], profiles.map((p) => [p.name, p.customers, actionFor(p.name, actions, clusterAction(p))]),
    'Suggested actions: segmint.yaml segments.actions by cluster name, else derived from the cluster\'s traits (docs/models.md).');
}

/** The cluster names of the latest cluster run (known names for segmint.yaml segments.actions), [] without one. */
export async function latestClusterNames(db: Db): Promise<string[]> {
  const run = await db.one<{ summary: string }>("SELECT CAST(summary AS VARCHAR) AS summary FROM runs WHERE kind = 'cluster' ORDER BY run_id DESC LIMIT 1");
  return run ? ((JSON.parse(run.summary) as { profiles?: ClusterProfile[] }).profiles ?? []).map((p) => p.name) : [];
}
