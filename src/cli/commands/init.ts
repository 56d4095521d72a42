import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { SegmintError } from '../../core/errors.ts';
import { defaultConfig, serialiseConfig, type EngineSetting } from '../../store/config.ts';
import { engineSettingFromSpec } from '../../store/engine-setting.ts';
import { writeFileAtomic } from '../../store/atomic-write.ts';
import { Workspace, CONFIG_FILE, DATABASE_FILE } from '../../store/workspace.ts';
import type { Context, GlobalOptions } from '../context.ts';
import { examples, withGlobals } from '../options.ts';
import { json } from '../render.ts';

interface InitOptions extends GlobalOptions {
  engine?: string;
  cluster?: string;
  shard: string[];
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerInit(program: Command, ctx: Context): void {
  const cmd = withGlobals(program.command('init').argument('[dir]', 'folder for the workspace (default: the workspace folder)'))
    .description(`create a workspace: ${CONFIG_FILE} and the database (the embedded ${DATABASE_FILE}, or a PostgreSQL schema or ClickHouse database)`)
    .option('--engine <spec>', 'duckdb (default), postgres://user@host:5432/db?schema=S&password_env=VAR or clickhouse://user@host:8123/db?password_env=VAR')
    .option('--cluster <name>', 'ClickHouse: split the customer tables over this cluster (remote_servers); --engine is its first shard')
    .option('--shard <url>', 'ClickHouse: the HTTP address of another shard of --cluster (repeatable)', collect, [])
    .action(async (dir: string | undefined, opts: InitOptions) => {
      const target = resolve(dir ?? ctx.workspaceDir(opts));
      if (existsSync(join(target, CONFIG_FILE))) {
        throw new SegmintError('workspace-exists', `${target} already holds a workspace (${CONFIG_FILE} exists)`, {
          hint: 'use it as it is, or choose another folder',
        });
      }
      let engine: EngineSetting | undefined;
      if (opts.engine !== undefined && opts.engine.trim() !== 'duckdb') engine = engineSettingFromSpec(opts.engine, opts.cluster, opts.shard);
      else if (opts.cluster !== undefined || opts.shard.length) {
        throw new SegmintError('invalid-option', '--cluster and --shard need a ClickHouse --engine', { hint: 'e.g. --engine clickhouse://127.0.0.1:8123/shop --cluster segmint --shard http://127.0.0.1:8124' });
      }
      if (engine) {
        // the folder holds segmint.yaml only; opening checks the connection and creates the schema or database and the tables
        mkdirSync(target, { recursive: true });
        writeFileAtomic(join(target, CONFIG_FILE), serialiseConfig({ ...defaultConfig(), engine }));
      }
      const ws = await Workspace.open(target, { create: true });
      await ws.closeAsync();
      const database = engine ? engine.url + (engine.schema ? ` (schema ${engine.schema})` : engine.database ? ` (database ${engine.database})` : '') : join(target, DATABASE_FILE);
      if (opts.json) json(ctx.io, { workspace: target, config: join(target, CONFIG_FILE), database, engine: engine ? (engine.url.startsWith('postgres') ? 'postgres' : 'clickhouse') : 'duckdb' });
      else {
        const w = dir ?? '.';
        const attach = engine ? `\n   or: segmint source attach --table ${engine.url.startsWith('postgres') ? 'SCHEMA.TABLE' : 'DATABASE.TABLE'} --kind transactions --workspace ${w}   (a table already in the engine: nothing copied)` : '';
        ctx.io.out(`created workspace ${target} on ${database}\nnext: segmint import FILE --kind transactions --workspace ${w}${attach}`);
      }
    });
  examples(cmd, [
    'segmint init shop',
    'segmint init --workspace /data/segmint --json',
    'SHOP_PG_PASSWORD=… segmint init shop --engine "postgres://segmint@db.example.com:5432/warehouse?schema=shop&password_env=SHOP_PG_PASSWORD"',
    'segmint init shop --engine clickhouse://127.0.0.1:8123/shop --cluster segmint --shard http://127.0.0.1:8124',
  ]);
}
