/**
 * Copy a DuckDB workspace's tables (canonical data and the store's tables) into another engine through the
 * connection layer: each table created there with the types of its columns' kinds, then filled by the
 * engine's insertRows (PostgreSQL COPY). Test set-up only: the SQL text here is DDL for the copy.
 */
import type { ColumnInfo, Engine, Param } from '../../src/engines/types.ts';
import { DUCKDB_CLV_PREDICTION_TABLES } from '../../src/store/clv-prediction-tables.ts';

const PG_TYPE: Record<ColumnInfo['kind'], (c: ColumnInfo) => string> = {
  text: () => 'TEXT',
  integer: (c) => (/^(UBIGINT|HUGEINT|UHUGEINT)/i.test(c.type) ? 'NUMERIC(39)' : 'BIGINT'),
  double: () => 'DOUBLE PRECISION',
  decimal: (c) => c.type.replace(/^DECIMAL/i, 'NUMERIC'),
  boolean: () => 'BOOLEAN',
  timestamp: () => 'TIMESTAMP',
  date: () => 'DATE',
  // JSON and the rest as text
  other: () => 'TEXT',
};

/**
 * The tables of the DuckDB database's main schema as the other engines have them: its base tables, with the view
 * `clv_predictions` in place of the tables behind it (data-model.md, "CLV predictions on DuckDB").
 */
export async function duckdbTables(db: Engine): Promise<string[]> {
  const rows = await db.all<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name");
  const behind = new Set<string>(DUCKDB_CLV_PREDICTION_TABLES);
  const names = rows.map((r) => r.name).filter((n) => !behind.has(n));
  return rows.some((r) => behind.has(r.name)) ? [...names, 'clv_predictions'].sort() : names;
}

/** Copy `tables` from `from` (DuckDB) to `to` (PostgreSQL); returns the rows copied per table. */
export async function copyToPostgres(from: Engine, to: Engine, tables: readonly string[]): Promise<Record<string, number>> {
  const copied: Record<string, number> = {};
  for (const t of tables) {
    const cols = await from.tableColumns(t);
    await to.run(`CREATE TABLE "${t}" (${cols.map((c) => `"${c.name}" ${PG_TYPE[c.kind](c)}`).join(', ')})`);
    const names = cols.map((c) => c.name);
    const data = await from.columns(`SELECT ${names.map((n) => (cols.find((c) => c.name === n)!.kind === 'other' ? `CAST("${n}" AS VARCHAR) AS "${n}"` : `"${n}"`)).join(', ')} FROM "${t}"`);
    copied[t] = await to.insertRows(t, names, { columns: names.map((n) => data[n] as Param[]) });
  }
  return copied;
}

