/** The built-in resources, each a plugin of its own file. */
import type { FastifyInstance } from 'fastify';

export interface RouteOptions {
  uploadLimit: number;
}

export async function builtInRoutes(app: FastifyInstance, opts: RouteOptions): Promise<void> {
  void opts;
  void app;
}
