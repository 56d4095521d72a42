// The CREATE TABLE text of the portable table definitions, written out per dialect, and the store's delete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndexSql, createTableSql, deleteWhereSql, type TableDef } from './ddl.ts';

const orders: TableDef = {
  name: 'orders',
  columns: [
    { name: 'customer_id', type: 'text' },
    { name: 'row_key', type: 'ubigint', notNull: true },
    { name: 'amount', type: 'double' },
    { name: 'attributes', type: 'json' },
    { name: 'nums', type: 'double[]' },
  ],
  orderBy: ['row_key'],
  shardKey: 'customer_id',
};

test('createTableSql: each dialect spells the portable types its own way', () => {
  assert.equal(
    createTableSql(orders, 'postgres'),
    'CREATE TABLE "orders" ("customer_id" text, "row_key" numeric(20) NOT NULL, "amount" double precision, "attributes" text, "nums" double precision[])',
  );
  assert.equal(
    createTableSql(orders, 'duckdb'),
    'CREATE TABLE "orders" ("customer_id" VARCHAR, "row_key" UBIGINT NOT NULL, "amount" DOUBLE, "attributes" JSON, "nums" DOUBLE[])',
  );
  assert.equal(
    createTableSql(orders, 'clickhouse'),
    'CREATE TABLE `orders` (`customer_id` Nullable(String), `row_key` UInt64, `amount` Nullable(Float64), `attributes` Nullable(String), `nums` Array(Float64)) ENGINE = MergeTree ORDER BY (`row_key`)',
  );
});

test('createTableSql on a ClickHouse cluster: a local MergeTree per shard under a Distributed table hashed by customer', () => {
  assert.match(createTableSql(orders, 'clickhouse', { kind: 'local' }), /^CREATE TABLE `orders_local` .* ENGINE = MergeTree ORDER BY \(`row_key`\)$/);
  assert.match(
    createTableSql(orders, 'clickhouse', { kind: 'distributed', cluster: 'segmint', database: 'shop' }),
    /ENGINE = Distributed\(`segmint`, `shop`, `orders_local`, cityHash64\(ifNull\(`customer_id`, ''\)\)\)$/,
  );
  const keyed: TableDef = { name: 'customers', columns: [{ name: 'customer_id', type: 'text', notNull: true }], primaryKey: ['customer_id'], shardKey: 'customer_id' };
  assert.match(createTableSql(keyed, 'clickhouse', { kind: 'distributed', cluster: 'c', database: 'd' }), /cityHash64\(`customer_id`\)\)$/);
  assert.equal(createTableSql(keyed, 'postgres'), 'CREATE TABLE "customers" ("customer_id" text NOT NULL, PRIMARY KEY ("customer_id"))');
});

test("deleteWhereSql: DELETE, and ClickHouse's mutation; text is quoted, numbers must be whole", () => {
  assert.equal(deleteWhereSql('journal', 'kind', "it's", 'postgres', { column: 'target_id', value: 3 }), `DELETE FROM "journal" WHERE "kind" = 'it''s' AND "target_id" = 3`);
  assert.equal(deleteWhereSql('runs_local', 'run_id', 7, 'clickhouse'), 'ALTER TABLE `runs_local` DELETE WHERE `run_id` = 7');
  assert.throws(() => deleteWhereSql('runs', 'run_id', 1.5, 'postgres'), /not a whole number/);
});

test('createIndexSql: CREATE INDEX on DuckDB and PostgreSQL; none on ClickHouse (its sorting key serves)', () => {
  const def = { name: 'transactions_customer_id', table: 'transactions', columns: ['customer_id'] };
  assert.equal(createIndexSql(def, 'duckdb'), 'CREATE INDEX IF NOT EXISTS "transactions_customer_id" ON "transactions" ("customer_id")');
  assert.equal(createIndexSql(def, 'postgres'), 'CREATE INDEX IF NOT EXISTS "transactions_customer_id" ON "transactions" ("customer_id")');
  assert.equal(createIndexSql(def, 'clickhouse'), undefined);
});
