import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { Workspace, CONFIG_FILE, DATABASE_FILE } from '../../store/workspace.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, withGlobals } from '../options.ts';
import { json } from '../render.ts';

export function registerInit(program: Command, ctx: Context): void {
  const cmd = withGlobals(program.command('init').argument('[dir]', 'folder for the workspace (default: the workspace folder)'))
    .description(`create a workspace: ${CONFIG_FILE} and the ${DATABASE_FILE} database`)
    .action(async (dir: string | undefined, opts: GlobalOptions) => {
      const target = resolve(dir ?? ctx.workspaceDir(opts));
      if (existsSync(join(target, CONFIG_FILE))) {
        throw new SegmintError('workspace-exists', `${target} already holds a workspace (${CONFIG_FILE} exists)`, {
          hint: 'use it as it is, or choose another folder',
        });
      }
      const ws = await Workspace.open(target, { create: true });
      ws.close();
      if (opts.json) json(ctx.io, { workspace: target, config: join(target, CONFIG_FILE), database: join(target, DATABASE_FILE) });
      else ctx.io.out(`created workspace ${target}\nnext: segmint import FILE --kind transactions --workspace ${dir ?? '.'}`);
    });
  examples(cmd, ['segmint init shop', 'segmint init --workspace /data/segmint --json']);
}
