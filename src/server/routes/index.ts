/** The built-in resources, each a plugin of its own file, sharing one WorkspaceState (caches, definitions, labels). */
import type { FastifyInstance } from 'fastify';
import { jobsPlugin } from '../jobs/plugin.ts';
import { WorkspaceState } from '../state.ts';
import { audienceRoutes } from './audiences.ts';
import { customerRoutes } from './customers.ts';
import { exportRoutes } from './exports.ts';
import { runRoutes } from './runs.ts';
import { sourceRoutes } from './sources.ts';
import { workspaceRoutes } from './workspace.ts';
import { overviewStatsRoutes } from './overview-stats.ts';
import { valueStatsRoutes } from './value-stats.ts';
import { clusterDetailRoutes } from './cluster-detail.ts';
import { clvDetailRoutes } from './clv-detail.ts';
import { audienceToolRoutes } from './audience-tools.ts';
import { meRoutes } from './me.ts';

export interface RouteOptions {
  uploadLimit: number;
}

export async function builtInRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  const state = new WorkspaceState(() => app.segmint.reader(), () => app.segmint.ws.db.writeCount?.());
  // jobs (queue, SSE, refresh, schedule, webhooks): sets app.segmint.submitJob and failures
  await app.register(jobsPlugin, {});
  await app.register(workspaceRoutes, { state });
  await app.register(meRoutes);
  await app.register(sourceRoutes, { uploadLimit: opts.uploadLimit });
  await app.register(runRoutes, { state });
  await app.register(audienceRoutes, { state });
  await app.register(exportRoutes, { state });
  await app.register(customerRoutes, { state });
  // what the studio's pages read besides the resources above
  await app.register(overviewStatsRoutes, { state });
  await app.register(valueStatsRoutes, { state });
  await app.register(clusterDetailRoutes, { state });
  await app.register(clvDetailRoutes, { state });
  await app.register(audienceToolRoutes, { state });
}
