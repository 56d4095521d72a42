/**
 * Labels and notes on clusters, from the people who use them: per cluster run and cluster number a name,
 * a note, an owner and whether it is actionable. Kept in `<workspace>/server/cluster-labels.json`.
 *
 * Labels survive re-runs: when a cluster run is stored (or its labels are read and it has none), its
 * clusters are matched to those of the latest earlier cluster run that has labels (models/cluster/match.ts:
 * centres as the profiles' z-scores, the features both runs share, an optimal one-to-one assignment within
 * MATCH_THRESHOLD); the labels of matched clusters are copied with `carriedFrom`, and the match of every
 * cluster is kept in `<workspace>/server/cluster-matches.json` (a cluster matched to none is "new — review").
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { matchClusters, type ClusterCentre } from '../models/cluster/match.ts';
import { all } from '../pipeline/run-query.ts';
import { and, cast, col, eq, inList, lit, select, table } from '../sql/ir.ts';
import { serverDir } from '../store/tokens.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import type { Db } from '../store/workspace.ts';

export interface ClusterLabel {
  name?: string;
  note?: string;
  owner?: string;
  actionable?: boolean;
  updatedAt: string;
  updatedBy: string;
  /** a label copied from the matching cluster of an earlier run (until someone sets this one) */
  carriedFrom?: { runId: number; cluster: number };
}

/** How a run's clusters were matched to an earlier labelled run's. */
export interface RunMatch {
  /** the earlier run */
  runId: number;
  threshold: number;
  /** the features the distances are over */
  features: string[];
  at: string;
  /** per cluster number: the earlier run's cluster it is (null: none within the threshold) and the distance to it (to the nearest when none) */
  clusters: Record<string, { cluster: number | null; distance: number | null }>;
}

type LabelFile = Record<string, Record<string, ClusterLabel>>;
type MatchFile = Record<string, RunMatch>;

function readJson<T extends object>(file: string): T {
  if (!existsSync(file)) return {} as T;
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return (v && typeof v === 'object' && !Array.isArray(v) ? v : {}) as T;
  } catch {
    return {} as T;
  }
}

/** The cluster centres of stored cluster runs (profiles' z per feature), by run id. */
async function centresOf(db: Db, runIds: number[]): Promise<Map<number, ClusterCentre[]>> {
  const rows = await all<{ run_id: unknown; summary: unknown }>(db, select({
    select: [{ expr: col('run_id'), as: 'run_id' }, { expr: cast(col('summary'), 'varchar'), as: 'summary' }],
    from: table('runs'),
    where: and(eq(col('kind'), lit('cluster')), inList(col('run_id'), runIds.map((r) => lit(r)))),
  }));
  const out = new Map<number, ClusterCentre[]>();
  for (const r of rows) {
    try {
      const s = JSON.parse(String(r.summary)) as { profiles?: { cluster: number; features?: { feature: string; z: number | null }[] }[] };
      out.set(Number(r.run_id), (s.profiles ?? []).map((p) => ({
        cluster: p.cluster,
        z: Object.fromEntries((p.features ?? []).filter((f) => typeof f.z === 'number').map((f) => [f.feature, f.z as number])),
      })));
    } catch {
      out.set(Number(r.run_id), []);
    }
  }
  return out;
}

export class ClusterLabels {
  private readonly file: string;
  private readonly matchFile: string;
  constructor(private readonly workspaceDir: string) {
    this.file = join(serverDir(workspaceDir), 'cluster-labels.json');
    this.matchFile = join(serverDir(workspaceDir), 'cluster-matches.json');
  }

  private readAll(): LabelFile {
    return readJson<LabelFile>(this.file);
  }

  private write(file: string, v: object): void {
    mkdirSync(serverDir(this.workspaceDir), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, `${JSON.stringify(v, null, 2)}\n`);
  }

  /** The labels of one run, by cluster number. */
  ofRun(runId: number): Record<string, ClusterLabel> {
    return this.readAll()[String(runId)] ?? {};
  }

  /** How the run's clusters were matched to an earlier labelled run's, if they were. */
  matchOf(runId: number): RunMatch | undefined {
    return readJson<MatchFile>(this.matchFile)[String(runId)];
  }

  set(runId: number, cluster: number, label: Omit<ClusterLabel, 'updatedAt' | 'carriedFrom'>): ClusterLabel {
    const all = this.readAll();
    const run = (all[String(runId)] ??= {});
    const out: ClusterLabel = { ...label, updatedAt: new Date().toISOString() };
    run[String(cluster)] = out;
    this.write(this.file, all);
    return out;
  }

  /**
   * Carry labels over to cluster run `runId` when it has neither labels nor a match yet: its clusters are
   * matched to the latest earlier cluster run with labels, and the matched clusters' labels copied. Returns
   * the match (undefined when there is no earlier labelled run). `db` is the workspace's.
   */
  async carryOver(db: Db, runId: number): Promise<RunMatch | undefined> {
    const existing = this.matchOf(runId);
    if (existing || Object.keys(this.ofRun(runId)).length) return existing;
    const labelled = Object.entries(this.readAll()).filter(([id, l]) => Number(id) < runId && Object.keys(l).length > 0).map(([id]) => Number(id));
    if (labelled.length === 0) return undefined;
    const centres = await centresOf(db, [runId, ...labelled]);
    // the latest earlier labelled run still stored
    const from = labelled.filter((id) => centres.has(id)).sort((a, b) => b - a)[0];
    const next = centres.get(runId);
    if (from === undefined || !next?.length) return undefined;
    const m = matchClusters(centres.get(from)!, next);
    const match: RunMatch = {
      runId: from, threshold: m.threshold, features: m.features, at: new Date().toISOString(),
      clusters: Object.fromEntries(m.pairs.map((p) => [String(p.cluster), { cluster: p.from, distance: p.distance }])),
    };
    // read, merge and write at once (no await between): a label set meanwhile is kept, a carry done meanwhile wins
    const matches = readJson<MatchFile>(this.matchFile), labels = this.readAll();
    if (matches[String(runId)] || Object.keys(labels[String(runId)] ?? {}).length) return matches[String(runId)];
    const source = labels[String(from)] ?? {};
    const carried: Record<string, ClusterLabel> = {};
    for (const p of m.pairs) {
      const l = p.from === null ? undefined : source[String(p.from)];
      if (!l) continue;
      const { carriedFrom: _, ...own } = l;
      carried[String(p.cluster)] = { ...own, carriedFrom: { runId: from, cluster: p.from! } };
    }
    if (Object.keys(carried).length) {
      labels[String(runId)] = carried;
      this.write(this.file, labels);
    }
    matches[String(runId)] = match;
    this.write(this.matchFile, matches);
    return match;
  }
}
