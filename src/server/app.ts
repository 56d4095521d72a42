/**
 * The HTTP API's factory: `buildServer({workspace})` gives a Fastify instance with the bearer-token check,
 * JSON errors, schema validation with size limits, the OpenAPI 3.1 document (/openapi.json, generated from
 * the route schemas) and its docs page (/docs), both for a viewer token, and the built-in resources of
 * routes/. More route plugins can be registered on the returned instance before it is started
 * (`await app.register(plugin)`); every route declares `config: {role}` (viewer | analyst | admin | public)
 * — see auth.ts. docs/api.md describes the API.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Workspace } from '../store/workspace.ts';
import { TokenStore } from '../store/tokens.ts';
import { authHook, routeRole } from './auth.ts';
import { errorResponse } from './errors.ts';
import { SHARED_SCHEMAS } from './schemas.ts';
import { builtInRoutes } from './routes/index.ts';
import { studioRoutes } from './studio.ts';

/** A failure of a kind of work (rfm, cluster, refresh, import …) as freshness reports it. */
export interface Failure {
  at: string;
  message: string;
  jobId?: string;
}

/** What a queued job answers when it is submitted. */
export interface JobRef {
  id: string;
  kind: string;
  status: string;
}

/** Work submitted to the job queue: `run` does it, reporting progress; `writer` when it writes the workspace. */
export interface JobSpec {
  kind: string;
  params: Record<string, unknown>;
  writer: boolean;
  run: (progress: (message: string, fraction?: number) => void, signal: AbortSignal) => Promise<unknown>;
}

/** What a request reads through: the workspace with one of the server's read connections. */
export type ReadView = Pick<Workspace, 'db' | 'config' | 'dir'>;

/** What the routes share (app.segmint). The jobs module sets `submitJob` and `failures` when it is registered. */
export interface ServerContext {
  /** the workspace; its own connection is the writer's (jobs) */
  ws: Workspace;
  tokens: TokenStore;
  /**
   * A view of the workspace for one request's reads: on DuckDB one of READERS extra connections in turn, which
   * see committed data only (never a running job's rows) and run in parallel; elsewhere the workspace itself.
   */
  reader(): ReadView;
  /** queue a job (set by the jobs plugin); without it, work runs within the request */
  submitJob?: (job: JobSpec) => Promise<JobRef>;
  /** the last failure of each kind of work (set by the jobs plugin) */
  failures?: () => Promise<Record<string, Failure>> | Record<string, Failure>;
}

declare module 'fastify' {
  interface FastifyInstance {
    segmint: ServerContext;
  }
}

export interface ServerOptions {
  /** the open workspace the server answers for (the caller closes it after `app.close()`) */
  workspace: Workspace;
  /** default: the workspace's server/tokens.json */
  tokens?: TokenStore;
  /** Fastify's logger (default off) */
  logger?: FastifyServerOptions['logger'];
  /** the largest JSON body in bytes (default 1 MiB) */
  bodyLimit?: number;
  /** the largest uploaded file in bytes (default 2 GiB) */
  uploadLimit?: number;
  /** register the built-in resources of routes/ (default true) */
  routes?: boolean;
  /** serve the studio at /studio/ (default true; its files are public, its data needs a token) */
  studio?: boolean;
}

export const DEFAULT_BODY_LIMIT = 1 << 20;
/** Read connections of a DuckDB workspace. */
export const READERS = 4;
export const DEFAULT_UPLOAD_LIMIT = 2 * 1024 ** 3;

/** The server, not yet listening: register more route plugins on it, then `listen()` or `inject()`. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // a path parameter can be hostile too
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
    // a URL that cannot be decoded and the like, before any route: answered as every other error
    frameworkErrors: (e, _req, reply) => {
      const { status, body } = errorResponse(e);
      void (reply as unknown as { code(n: number): { type(t: string): { send(b: unknown): unknown } } }).code(status).type('application/json').send(body);
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });
  const tokens = options.tokens ?? new TokenStore(options.workspace.dir);
  const ws = options.workspace;
  const readers: ReadView[] = [];
  try {
    if (ws.db.connect) for (let i = 0; i < READERS; i++) readers.push({ db: await ws.db.connect(), config: ws.config, dir: ws.dir });
  } catch (e) {
    for (const r of readers) await r.db.close();
    throw e;
  }
  app.addHook('onClose', async () => {
    for (const r of readers.splice(0)) await r.db.close();
  });
  let turn = 0;
  const reader = (): ReadView => (readers.length ? readers[turn++ % readers.length]! : ws);
  app.decorate('segmint', { ws, tokens, reader } satisfies ServerContext);
  for (const s of SHARED_SCHEMAS) app.addSchema(s);

  // every route: the error responses in its schema, the role in the document, security unless public
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) {
      // the docs page (Swagger UI's routes) needs a viewer token, as every route but /health
      route.config = { ...(route.config ?? {}), role: 'viewer' };
      return;
    }
    const role = routeRole(route.config as { role?: 'public' } | undefined);
    const schema = (route.schema ??= {}) as Record<string, unknown>;
    // a query parameter a route does not name is refused, not ignored
    if (!schema.hide) schema.querystring ??= { type: 'object', additionalProperties: false, properties: {} };
    const response = (schema.response ??= {}) as Record<string, unknown>;
    const err = { $ref: 'Error#' };
    for (const code of role === 'public' ? ['400', '404'] : ['400', '401', '403', '404', '409', '413', '415', '422']) response[code] ??= err;
    response['500'] ??= err;
    if (role !== 'public') {
      schema.security ??= [{ bearer: [] }];
      schema['x-role'] = role;
      schema.description = `${schema.description ? `${String(schema.description)}\n\n` : ''}Role: ${role}.`;
    } else {
      schema.security = [];
      schema['x-role'] = 'public';
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Segmint API', version: '0.1.0', description: 'Customer segments over a Segmint workspace: sources, runs, scores, clusters, audiences, customers, exports. Every route but /health needs `Authorization: Bearer <token>` (segmint token create).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token from segmint token create; roles viewer < analyst < admin' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String((json as { $id?: string }).$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { persistAuthorization: false, deepLinking: false } });

  app.addHook('onRequest', authHook(tokens));
  app.setErrorHandler((e, req, reply) => {
    const { status, body } = errorResponse(e);
    if (status >= 500) req.log.error(e);
    return reply.code(status).type('application/json').send(body);
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: 'not-found', message: `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}` }));

  app.get('/openapi.json', { config: { role: 'viewer' }, schema: { hide: true } }, async () => app.swagger());
  app.get('/health', {
    config: { role: 'public' },
    schema: { summary: 'Liveness: answers without a token', tags: ['server'], response: { 200: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } } } },
  }, async () => ({ status: 'ok' as const }));

  if (options.studio !== false) await app.register(studioRoutes);
  if (options.routes !== false) await app.register(builtInRoutes, { uploadLimit: options.uploadLimit ?? DEFAULT_UPLOAD_LIMIT });
  return app;
}
