/** Studio data for the CLV page: parameters with uncertainty, calibration, matrices, distributions. */
import type { FastifyInstance } from 'fastify';
import type { WorkspaceState } from '../state.ts';

export async function clvDetailRoutes(_app: FastifyInstance, _opts: { state: WorkspaceState }): Promise<void> {
  // routes are added here
}
