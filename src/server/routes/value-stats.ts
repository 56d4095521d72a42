/** Studio data for the Value page: RFM grid, segment sizes and revenue, LRFMP. */
import type { FastifyInstance } from 'fastify';
import type { WorkspaceState } from '../state.ts';

export async function valueStatsRoutes(_app: FastifyInstance, _opts: { state: WorkspaceState }): Promise<void> {
  // routes are added here
}
