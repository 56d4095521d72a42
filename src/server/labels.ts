/**
 * Labels and notes on clusters, from the people who use them: per cluster run and cluster number a name,
 * a note, an owner and whether it is actionable. Kept in `<workspace>/server/cluster-labels.json`.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serverDir } from '../store/tokens.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';

export interface ClusterLabel {
  name?: string;
  note?: string;
  owner?: string;
  actionable?: boolean;
  updatedAt: string;
  updatedBy: string;
}

type LabelFile = Record<string, Record<string, ClusterLabel>>;

export class ClusterLabels {
  private readonly file: string;
  constructor(private readonly workspaceDir: string) {
    this.file = join(serverDir(workspaceDir), 'cluster-labels.json');
  }

  private readAll(): LabelFile {
    if (!existsSync(this.file)) return {};
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as LabelFile) : {};
    } catch {
      return {};
    }
  }

  /** The labels of one run, by cluster number. */
  ofRun(runId: number): Record<string, ClusterLabel> {
    return this.readAll()[String(runId)] ?? {};
  }

  set(runId: number, cluster: number, label: Omit<ClusterLabel, 'updatedAt'>): ClusterLabel {
    const all = this.readAll();
    const run = (all[String(runId)] ??= {});
    const out: ClusterLabel = { ...label, updatedAt: new Date().toISOString() };
    run[String(cluster)] = out;
    mkdirSync(serverDir(this.workspaceDir), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file, `${JSON.stringify(all, null, 2)}\n`);
    return out;
  }
}
