/**
 * The store's few writes on a PostgreSQL or ClickHouse workspace that are not plain inserts: creating a
 * table of the schema (on a cluster, a local table on every shard under a Distributed table on every shard)
 * and deleting the rows a write tagged with its id (on ClickHouse a mutation on each shard's local table,
 * waited for, so the rows are gone when this returns).
 */
import { addColumnSql, createTableSql, deleteWhereSql, type ColumnDef, localTableName, pendingMutationsSql, type TableDef } from '../sql/ddl.ts';
import type { Engine } from '../engines/types.ts';
import { clusterOf } from './engine-setting.ts';
import { tableDef } from './tables.ts';

/** Create the table `def` in the workspace's engine. */
export async function createWorkspaceTable(db: Engine, def: TableDef): Promise<void> {
  const cluster = db.dialect === 'clickhouse' ? clusterOf(db) : undefined;
  if (!cluster || !def.shardKey) {
    await db.run(createTableSql(def, db.dialect));
    return;
  }
  for (const shard of cluster.shards) await shard.run(createTableSql(def, 'clickhouse', { kind: 'local' }));
  for (const shard of cluster.shards) {
    await shard.run(createTableSql(def, 'clickhouse', { kind: 'distributed', cluster: cluster.cluster, database: cluster.database }));
  }
}

/** Add a nullable column to a workspace table (a customer trait, a product column), on every shard of a cluster. */
export async function addWorkspaceColumn(db: Engine, table: string, column: ColumnDef): Promise<void> {
  const cluster = db.dialect === 'clickhouse' ? clusterOf(db) : undefined;
  if (!cluster || !tableDef(table)?.shardKey) {
    await db.run(addColumnSql(table, column, db.dialect));
    return;
  }
  for (const shard of cluster.shards) await shard.run(addColumnSql(localTableName(table), column, 'clickhouse'));
  for (const shard of cluster.shards) await shard.run(addColumnSql(table, column, 'clickhouse'));
}

/** Where the rows of a workspace table are written and deleted: the engine itself, or each shard's local table. */
function partsOf(db: Engine, table: string): { engine: Engine; table: string }[] {
  const cluster = db.dialect === 'clickhouse' ? clusterOf(db) : undefined;
  if (cluster && tableDef(table)?.shardKey) return cluster.shards.map((engine) => ({ engine, table: localTableName(table) }));
  return [{ engine: db, table }];
}

/** Delete the rows of `table` whose `column` is `id` (and `extra`); returns how many there were. */
export async function deleteTagged(db: Engine, table: string, column: string, id: number | string, extra?: { column: string; value: string | number }): Promise<number> {
  let removed = 0;
  for (const part of partsOf(db, table)) {
    const where = deleteWhereSql(part.table, column, id, db.dialect, extra);
    const cond = where.slice(where.indexOf(' WHERE ') + ' WHERE '.length);
    const n = Number((await part.engine.one<{ n: number }>(`SELECT count(*) AS n FROM ${part.table} WHERE ${cond}`))?.n ?? 0);
    removed += n;
    if (n === 0) continue;
    await part.engine.run(where);
    if (db.dialect === 'clickhouse') await waitForMutations(part.engine, part.table);
  }
  return removed;
}

/** Wait until ClickHouse has applied every mutation of `table` (18.16 has no mutations_sync). */
async function waitForMutations(engine: Engine, table: string): Promise<void> {
  const db = String((await engine.one<{ db: string }>('SELECT currentDatabase() AS db'))?.db ?? 'default');
  for (let i = 0; i < 600; i++) {
    if (Number((await engine.one<{ n: number }>(pendingMutationsSql(db, table)))?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ClickHouse did not finish deleting from ${table} within a minute`);
}
