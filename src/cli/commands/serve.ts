import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { boundedNumber, examples, withGlobals } from '../options.ts';
import { checkRole, TokenStore } from '../../store/tokens.ts';

interface ServeOptions extends GlobalOptions {
  port: string;
  host: string;
  openAs?: string;
}

/** `segmint serve`: the HTTP API over the workspace, until SIGINT/SIGTERM. */
export function registerServe(program: Command, ctx: Context): void {
  const cmd = withGlobals(program.command('serve'))
    .description('serve the HTTP API (OpenAPI at /openapi.json, docs at /docs) over the workspace; loopback only unless --host says otherwise; every route but /health needs a token (segmint token create)')
    .option('--port <n>', 'TCP port', '8080')
    .option('--host <address>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--open-as <role>', 'print a link that opens the studio signed in with a token of this role (viewer, analyst, admin), valid while this server runs and never stored')
    .action(async (opts: ServeOptions) => {
      const role = opts.openAs === undefined ? undefined : checkRole(opts.openAs);
      const port = boundedNumber('--port', opts.port, { min: 0, max: 65535, integer: true });
      if (!/^[A-Za-z0-9.:[\]-]{1,255}$/.test(opts.host)) throw new SegmintError('invalid-option', `--host ${opts.host}: expected an address such as 127.0.0.1 or ::1`, { hint: 'the default is 127.0.0.1 (this machine only)' });
      // The signal handlers go in first and stay for the whole run: a SIGINT/SIGTERM that arrives while the
      // workspace opens or the server starts, or a second one while it closes, still ends in a clean stop
      // (exit 0) instead of Node's default action.
      let signalled!: () => void;
      const stopRequested = new Promise<void>((done) => (signalled = done));
      const onSignal = () => signalled();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await serveUntilStopped(ctx, opts, role, port, stopRequested);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  examples(cmd, [
    'segmint serve                                  # http://127.0.0.1:8080, docs at /docs, the studio at /studio/',
    'segmint serve --workspace segmint-demo --open-as analyst   # prints a link that opens the studio signed in',
    'segmint serve --workspace shop --port 9000',
    'segmint token create --role viewer --name me && curl -H "Authorization: Bearer $TOKEN" localhost:8080/workspace',
  ]);
}

async function serveUntilStopped(ctx: Context, opts: ServeOptions, role: ReturnType<typeof checkRole> | undefined, port: number, stopRequested: Promise<void>): Promise<void> {
  // loaded here: the server's modules (Fastify, Swagger UI) cost nothing to the other commands
  const { buildServer } = await import('../../server/app.ts');
  const ws = await ctx.openWorkspace(opts);
  const tokens = new TokenStore(ws.dir);
  const session = role ? tokens.session(`studio (${role}, this server run)`, role) : undefined;
  const app = await buildServer({ workspace: ws, tokens, logger: opts.debug ? { level: 'info' } : { level: 'warn' } });
  const stop = async () => {
    await app.close();
    await ws.closeAsync();
  };
  try {
    const address = await app.listen({ port, host: opts.host });
    const base = address.replace('://[::1]', '://localhost');
    const studio = `${base}/studio/${session ? `#token=${session.token}` : ''}`;
    ctx.io.err(`segmint serve: ${address} (workspace ${ws.dir}); docs at ${address}/docs; Ctrl-C stops`);
    ctx.io.err(session ? `Studio: ${studio}\n  (signed in as ${role} while this server runs; keep the link to yourself)` : `Studio: ${studio} (sign in with a token: segmint token create --role analyst --name you; or serve --open-as analyst)`);
    if (opts.json) ctx.io.out(JSON.stringify({ address, workspace: ws.dir, studio }));
  } catch (e) {
    await stop();
    const msg = e instanceof Error ? e.message : String(e);
    throw new SegmintError('listen-failed', `cannot listen on ${opts.host}:${port}: ${msg}`, { hint: 'pick another --port, or stop what uses it', exitCode: 1, cause: e });
  }
  await stopRequested;
  await stop();
}
