/** Who the caller is: the name and role of the token that signed the request (the studio shows it and greys out what the role cannot do). */
import type { FastifyInstance } from 'fastify';

export async function meRoutes(app: FastifyInstance): Promise<void> {
  app.get('/me', {
    config: { role: 'viewer' },
    schema: {
      tags: ['workspace'], summary: "The token's name and role",
      response: {
        200: {
          type: 'object', required: ['name', 'role'], additionalProperties: false,
          properties: {
            name: { type: 'string' },
            role: { type: 'string', enum: ['viewer', 'analyst', 'admin'] },
          },
        },
      },
    },
  }, async (req) => ({ name: req.token!.name, role: req.token!.role }));
}
