/** Studio data for the Overview page: monthly revenue and orders, quarantine summary. */
import type { FastifyInstance } from 'fastify';
import type { WorkspaceState } from '../state.ts';

export async function overviewStatsRoutes(_app: FastifyInstance, _opts: { state: WorkspaceState }): Promise<void> {
  // routes are added here
}
