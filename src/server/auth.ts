/**
 * Bearer tokens and roles. Every route declares the role it needs in its `config.role` (viewer, analyst,
 * admin) or `config.role = 'public'` (only /health; the OpenAPI document and the docs page need a viewer); a
 * route that declares nothing needs admin, so a route that forgets is closed rather than open. The check runs on `onRequest`, before a
 * body is read.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { roleAllows, type Role, type TokenInfo, type TokenStore } from '../store/tokens.ts';
import { ApiError } from './errors.ts';

export type RouteRole = Role | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the least role that may call the route; 'public' for no token; admin when absent */
    role?: RouteRole;
  }
  interface FastifyRequest {
    /** the token that authenticated the request (undefined on public routes) */
    token?: TokenInfo;
  }
}

/** The role a route needs (admin when it declares none). */
export const routeRole = (config: { role?: RouteRole } | undefined): RouteRole => config?.role ?? 'admin';

/** The onRequest hook: 401 without a valid token, 403 when its role is too weak. */
export function authHook(tokens: TokenStore) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    // an unknown route answers 404 whoever asks (it holds nothing)
    if (req.is404) return;
    const need = routeRole(req.routeOptions.config as { role?: RouteRole } | undefined);
    if (need === 'public') return;
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !/^Bearer\s+\S+$/i.test(header)) {
      throw new ApiError(401, 'unauthorized', 'this route needs a token: send Authorization: Bearer <token>', { hint: 'create one with segmint token create --role viewer --name NAME' });
    }
    const token = tokens.verify(header.replace(/^Bearer\s+/i, '').trim());
    if (!token) throw new ApiError(401, 'unauthorized', 'the token is not valid (unknown or revoked)', { hint: 'list tokens with segmint token list' });
    req.token = token;
    if (!roleAllows(token.role, need)) {
      throw new ApiError(403, 'forbidden', `this route needs the ${need} role; the token '${token.name}' has ${token.role}`, { hint: `create a token with --role ${need}` });
    }
  };
}
