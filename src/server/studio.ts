/**
 * Segmint Studio's files: the built web app (web/ → dist/web by `npm run build`, which `npm ci` runs) served
 * at /studio/ without a token — it holds no data; every figure it shows comes from the API with the token the
 * user signs in with. `/` redirects there. Without a build, /studio/ answers what to run.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ApiError } from './errors.ts';

/** The folder of the built studio: dist/web beside the package's package.json. */
export function studioDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'web');
}

export async function studioRoutes(app: FastifyInstance, opts: { dir?: string } = {}): Promise<void> {
  const root = opts.dir ?? studioDir();
  const hide = { hide: true };
  app.get('/', { config: { role: 'public' }, schema: hide }, async (_req, reply) => reply.redirect('/studio/'));
  if (!existsSync(join(root, 'index.html'))) {
    const missing = async () => {
      throw new ApiError(404, 'studio-not-built', `the studio is not built (no ${join(root, 'index.html')})`, { hint: 'run npm run build (npm ci runs it) in the Segmint folder' });
    };
    app.get('/studio', { config: { role: 'public' }, schema: hide }, missing);
    app.get('/studio/*', { config: { role: 'public' }, schema: hide }, missing);
    return;
  }
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), role: 'public' };
      route.schema = { ...(route.schema ?? {}), hide: true };
    });
    await scope.register(fastifyStatic, {
      root,
      prefix: '/studio/',
      index: 'index.html',
      // hashed asset names never change; the page itself is revalidated
      setHeaders: (res, path) => res.setHeader('cache-control', path.includes(`${join('web', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
      // a path trick (../) is refused by send; dotfiles are not served
      dotfiles: 'deny',
    });
    // /studio and /studio/ (one route: the router ignores a trailing slash) are the page itself
    scope.get('/studio', (_req, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  });
}
