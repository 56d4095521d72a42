import type { Command } from 'commander';
import { checkRole, ROLES, TokenStore } from '../../store/tokens.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SegmintError } from '../../core/errors.ts';
import { CONFIG_FILE } from '../../store/workspace.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, withGlobals } from '../options.ts';
import { json, table } from '../render.ts';

/** The token store of an existing workspace (the database is not opened: tokens work while the server runs). */
function storeOf(ctx: Context, opts: GlobalOptions): TokenStore {
  const dir = ctx.workspaceDir(opts);
  if (!existsSync(join(dir, CONFIG_FILE))) {
    throw new SegmintError('workspace-not-found', `no workspace at ${dir}: ${CONFIG_FILE} is missing`, { hint: 'pass --workspace DIR (or set SEGMINT_WORKSPACE)' });
  }
  return new TokenStore(dir);
}

/** `segmint token create|list|revoke`: API tokens of the server, stored hashed in the workspace. */
export function registerToken(program: Command, ctx: Context): void {
  const token = program.command('token').description('API tokens for segmint serve: create (shown once), list, revoke; stored as SHA-256 hashes in the workspace (server/tokens.json)');
  const create = withGlobals(token.command('create'))
    .description('create a token with a role: viewer (read), analyst (run jobs, edit audiences and labels) or admin (tokens, sources, webhooks, schedules); the token is printed once')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .requiredOption('--name <name>', 'who or what uses it (1–64 letters, digits, spaces or . _ @ -)')
    .action(async (opts: GlobalOptions & { role: string; name: string }) => {
      const t = storeOf(ctx, opts).create(opts.name, checkRole(opts.role));
      if (opts.json) json(ctx.io, t);
      else {
        ctx.io.out(`token ${t.id} (${t.role}, '${t.name}'):\n${t.token}`);
        ctx.io.err('keep it now: only its hash is stored. Send it as Authorization: Bearer <token>');
      }
    });
  examples(create, ['segmint token create --role viewer --name dashboard', 'segmint token create --role admin --name ops --json']);
  const list = withGlobals(token.command('list'))
    .description('list the tokens (id, name, role, created); the secrets are not stored and cannot be shown')
    .action(async (opts: GlobalOptions) => {
      const ts = storeOf(ctx, opts).list();
      if (opts.json) json(ctx.io, ts);
      else if (!ts.length) ctx.io.out('no tokens yet: segmint token create --role viewer --name NAME');
      else ctx.io.out(table(['id', 'name', 'role', 'created'], ts.map((t) => [t.id, t.name, t.role, t.createdAt])));
    });
  examples(list, ['segmint token list', 'segmint token list --json']);
  const revoke = withGlobals(token.command('revoke'))
    .description('revoke a token by its id: requests with it are refused from then on')
    .argument('<id>', 'the id shown by segmint token list')
    .action(async (id: string, opts: GlobalOptions) => {
      const t = storeOf(ctx, opts).revoke(id);
      if (opts.json) json(ctx.io, { revoked: t });
      else ctx.io.out(`revoked token ${t.id} (${t.role}, '${t.name}')`);
    });
  examples(revoke, ['segmint token revoke 3fa2c1d0']);
}
