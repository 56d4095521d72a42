/**
 * The workspace's engine when it is not the embedded DuckDB file: opening the engine segmint.yaml names
 * (`engine:`), and the placement of a ClickHouse workspace on a cluster (the shard connections the store
 * needs for DDL and deletes, since 18.16 without ZooKeeper has no ON CLUSTER; docs/engines.md).
 */
import { SegmintError } from '../core/errors.ts';
import { openEngine, parseEngineSpec, type EngineSpec } from '../engines/index.ts';
import type { Engine } from '../engines/types.ts';
import type { EngineSetting } from './config.ts';

/** The engine spec of a segmint.yaml `engine:` setting (its schema, database and password variable applied). */
export function engineSpecOf(setting: EngineSetting, url = setting.url): EngineSpec {
  const spec = parseEngineSpec(url);
  if (spec.engine === 'postgres') return { ...spec, schema: setting.schema ?? spec.schema, passwordEnv: setting.passwordEnv ?? spec.passwordEnv };
  if (spec.engine === 'clickhouse') return { ...spec, database: setting.database ?? spec.database, passwordEnv: setting.passwordEnv ?? spec.passwordEnv };
  throw new SegmintError('invalid-config', `engine.url ${JSON.stringify(url)} names DuckDB; a DuckDB workspace has no engine key`, {
    hint: 'delete the engine key to use the embedded segmint.duckdb, or give a postgres:// or clickhouse:// URL',
  });
}

/** A ClickHouse workspace split over a cluster: its name, database and one connection per shard (the first is the workspace's own). */
export interface ClusterPlacement {
  cluster: string;
  database: string;
  shards: Engine[];
}

const placements = new WeakMap<Engine, ClusterPlacement>();

/** The cluster a ClickHouse workspace's engine is split over, if any. */
export function clusterOf(db: Engine): ClusterPlacement | undefined {
  return placements.get(db);
}

/** An open non-DuckDB workspace engine and what closes it (the shards too). */
export interface OpenedEngine {
  db: Engine;
  close: () => Promise<void>;
}

/** Open the engine of `setting`; `create` creates the schema or database (segmint init). */
export async function openConfiguredEngine(setting: EngineSetting, options: { create?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<OpenedEngine> {
  const db = await openEngine(engineSpecOf(setting), { create: options.create ?? false, env: options.env });
  const shards: Engine[] = [db];
  try {
    if (setting.cluster) {
      if (db.dialect !== 'clickhouse') {
        throw new SegmintError('invalid-config', 'engine.cluster is set for a PostgreSQL workspace; only ClickHouse workspaces are split over a cluster', {
          hint: 'delete engine.cluster',
        });
      }
      for (const url of setting.cluster.shards) {
        if (url === setting.url) continue;
        shards.push(await openEngine(engineSpecOf(setting, url), { create: options.create ?? false, env: options.env }));
      }
      const spec = engineSpecOf(setting);
      placements.set(db, { cluster: setting.cluster.name, database: (spec.engine === 'clickhouse' && spec.database) || 'default', shards });
    }
  } catch (e) {
    for (const s of shards) await s.close().catch(() => undefined);
    throw e;
  }
  return {
    db,
    close: async () => {
      for (const s of shards) await s.close().catch(() => undefined);
    },
  };
}

/** segmint.yaml's `engine:` for an engine spec (`segmint init --engine`): the URL without its options, and the options as keys. */
export function engineSettingFromSpec(text: string, cluster?: string, shards: readonly string[] = []): EngineSetting {
  const spec = parseEngineSpec(text);
  if (spec.engine === 'duckdb') {
    throw new SegmintError('invalid-option', `--engine ${text}: a DuckDB workspace is the folder's own segmint.duckdb`, { hint: 'pass --engine duckdb, or leave --engine out' });
  }
  if (spec.engine === 'postgres') {
    if (cluster !== undefined || shards.length) throw new SegmintError('invalid-option', '--cluster and --shard are for ClickHouse', { hint: 'leave them out for PostgreSQL' });
    const url = `postgres://${spec.user ? `${encodeURIComponent(spec.user)}@` : ''}${spec.host}:${spec.port}${spec.database ? `/${encodeURIComponent(spec.database)}` : ''}${spec.ssl ? `?sslmode=${spec.ssl === 'verify' ? 'verify-full' : spec.ssl}` : ''}`;
    return { url, schema: spec.schema ?? 'segmint', ...(spec.passwordEnv ? { passwordEnv: spec.passwordEnv } : {}) };
  }
  if ((cluster === undefined) !== (shards.length === 0)) {
    throw new SegmintError('invalid-option', cluster === undefined ? '--shard needs --cluster NAME' : `--cluster ${cluster} needs the other shards' addresses`, {
      hint: 'e.g. --cluster segmint --shard http://127.0.0.1:8124',
    });
  }
  const url = spec.user ? spec.url.replace('://', `://${encodeURIComponent(spec.user)}@`) : spec.url;
  return {
    url,
    database: spec.database ?? 'segmint',
    ...(spec.passwordEnv ? { passwordEnv: spec.passwordEnv } : {}),
    ...(cluster !== undefined ? { cluster: { name: cluster, shards: [url, ...shards.map((s) => s.replace(/\/+$/, ''))] } } : {}),
  };
}
