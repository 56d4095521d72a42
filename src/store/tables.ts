/**
 * The workspace's tables in the portable form of src/sql/ddl.ts, by the migration that creates them: what a
 * PostgreSQL or ClickHouse workspace is made of (a DuckDB workspace runs the DuckDB text of migrations.ts,
 * which these mirror column for column). Tables keyed by customer are split over a ClickHouse cluster by
 * customer_id; the rest live on the first shard.
 */
import type { ColumnDef, IndexDef, PortableType, TableDef } from '../sql/ddl.ts';

const col = (name: string, type: PortableType, notNull = false): ColumnDef => ({ name, type, notNull });
const nn = (name: string, type: PortableType): ColumnDef => col(name, type, true);

export const META_TABLE: TableDef = { name: 'segmint_meta', columns: [nn('key', 'text'), nn('value', 'text')], orderBy: ['key'] };

/** The tables each schema version adds (the same versions as MIGRATIONS). */
export const TABLES_BY_VERSION: Readonly<Record<number, readonly TableDef[]>> = {
  1: [
    {
      name: 'sources',
      columns: [
        nn('source_id', 'int'), nn('kind', 'text'), nn('file', 'text'), nn('format', 'text'), nn('fingerprint', 'text'),
        col('mapping', 'json'), col('options', 'json'), nn('rows_read', 'bigint'), nn('rows_loaded', 'bigint'),
        nn('rows_quarantined', 'bigint'), nn('rows_already_present', 'bigint'), nn('imported_at', 'timestamp'),
      ],
      primaryKey: ['source_id'],
    },
    {
      name: 'customers',
      columns: [nn('customer_id', 'text'), col('source_id', 'int'), col('first_seen', 'timestamp'), col('updated_at', 'timestamp')],
      primaryKey: ['customer_id'],
      shardKey: 'customer_id',
    },
    {
      name: 'transactions',
      columns: [
        col('customer_id', 'text'), nn('order_id', 'text'), nn('ts', 'timestamp'), col('amount', 'double'), col('line_no', 'int'),
        col('product_id', 'text'), col('description', 'text'), col('category', 'text'), col('department', 'text'),
        col('quantity', 'double'), col('unit_price', 'double'), col('channel', 'text'), col('coupon', 'text'), col('currency', 'text'),
        nn('is_return', 'bool'), col('attributes', 'json'), nn('source_id', 'int'), nn('source_line', 'bigint'),
        nn('row_key', 'ubigint'), nn('row_occ', 'int'),
      ],
      orderBy: ['source_id', 'source_line'],
      shardKey: 'customer_id',
    },
    {
      name: 'events',
      columns: [
        nn('customer_id', 'text'), nn('ts', 'timestamp'), nn('type', 'text'), col('properties', 'json'), nn('source_id', 'int'),
        nn('source_line', 'bigint'), nn('row_key', 'ubigint'), nn('row_occ', 'int'),
      ],
      orderBy: ['customer_id', 'ts'],
      shardKey: 'customer_id',
    },
    {
      name: 'products',
      columns: [nn('product_id', 'text'), col('name', 'text'), col('category', 'text'), col('department', 'text'), col('price', 'double'), col('source_id', 'int')],
      primaryKey: ['product_id'],
    },
    {
      name: 'quarantine',
      columns: [
        nn('source_id', 'int'), nn('kind', 'text'), nn('line', 'bigint'), nn('reason', 'text'), col('detail', 'text'), col('raw', 'json'),
        col('row_key', 'ubigint'), col('row_occ', 'int'),
      ],
      orderBy: ['source_id', 'line'],
    },
    {
      name: 'runs',
      columns: [nn('run_id', 'int'), nn('kind', 'text'), col('as_of', 'timestamp'), col('params', 'json'), col('summary', 'json'), nn('created_at', 'timestamp')],
      primaryKey: ['run_id'],
    },
  ],
  2: [
    {
      name: 'run_scores',
      columns: [
        nn('run_id', 'int'), nn('customer_id', 'text'), nn('segment', 'text'), nn('score_code', 'bigint'),
        col('l', 'int'), col('r', 'int'), col('f', 'int'), col('m', 'int'), col('p', 'int'),
        col('recency_days', 'bigint'), col('tenure_days', 'bigint'), col('frequency', 'bigint'), col('monetary', 'double'), col('mean_order_value', 'double'),
        col('periodicity_days', 'double'), col('return_rate', 'double'), col('distinct_products', 'bigint'), col('basket_size', 'double'),
        col('first_purchase', 'timestamp'), col('last_purchase', 'timestamp'),
      ],
      orderBy: ['run_id', 'customer_id'],
      shardKey: 'customer_id',
    },
  ],
  3: [
    {
      name: 'clv_predictions',
      columns: [
        nn('run_id', 'int'), nn('customer_id', 'text'),
        ...['frequency', 'recency', 'T', 'monetary_value', 'p_alive', 'expected_purchases', 'expected_spend', 'clv', 'days_to_next_purchase'].map((n) => col(n, 'double')),
        col('churn_tier', 'text'), col('clv_tier', 'text'), col('excluded_reason', 'text'),
      ],
      orderBy: ['run_id', 'customer_id'],
      shardKey: 'customer_id',
    },
  ],
  4: [
    {
      name: 'run_clusters',
      columns: [nn('run_id', 'int'), nn('customer_id', 'text'), nn('cluster', 'int'), nn('cluster_name', 'text'), nn('distance', 'double'), col('probability', 'double')],
      orderBy: ['run_id', 'customer_id'],
      shardKey: 'customer_id',
    },
  ],
  5: [{ name: 'audience_members', columns: [nn('run_id', 'int'), nn('customer_id', 'text')], orderBy: ['run_id', 'customer_id'], shardKey: 'customer_id' }],
  6: [{ name: 'journal', columns: [nn('kind', 'text'), nn('target_id', 'int'), nn('label', 'text'), nn('started_at', 'timestamp')], orderBy: ['kind', 'target_id'] }],
  7: [
    {
      name: 'campaign_members',
      columns: [
        nn('run_id', 'int'), nn('campaign', 'text'), nn('row_no', 'bigint'), nn('customer_id', 'text'), nn('arm', 'text'),
        col('nums', 'double[]'), col('texts', 'text[]'),
      ],
      orderBy: ['run_id', 'row_no'],
      shardKey: 'customer_id',
    },
  ],
  8: [
    {
      name: 'run_recommendations',
      columns: [nn('run_id', 'int'), nn('customer_id', 'text'), nn('rank', 'int'), nn('product_id', 'text'), nn('score', 'double'), nn('kind', 'text'), nn('because', 'text')],
      orderBy: ['run_id', 'customer_id', 'rank'],
      shardKey: 'customer_id',
    },
  ],
  9: [
    {
      name: 'webhook_outbox',
      columns: [nn('run_id', 'int'), nn('delivery_id', 'text'), nn('webhook_id', 'text'), nn('audience', 'text'), nn('event', 'text'), nn('payload', 'text'), nn('created_at', 'timestamp')],
      orderBy: ['run_id', 'delivery_id'],
    },
  ],
  10: [
    {
      name: 'places',
      columns: [nn('place_id', 'text'), col('name', 'text'), nn('latitude', 'double'), nn('longitude', 'double'), col('source_id', 'int')],
      primaryKey: ['place_id'],
    },
  ],
  11: [
    {
      name: 'run_model_scores',
      columns: [nn('run_id', 'int'), nn('customer_id', 'text'), nn('probability', 'double'), nn('decile', 'int')],
      orderBy: ['run_id', 'customer_id'],
      shardKey: 'customer_id',
    },
  ],
  13: [
    {
      name: 'run_outlier_scores',
      columns: [nn('run_id', 'int'), nn('customer_id', 'text'), nn('score', 'double'), nn('decile', 'int'), nn('unusual', 'bool')],
      orderBy: ['run_id', 'customer_id'],
      shardKey: 'customer_id',
    },
  ],
};

/**
 * The indexes each schema version adds (DuckDB and PostgreSQL; ClickHouse reads by its sorting keys). Version
 * 12: customer_id of the tables one customer's look-up reads (GET /customers/{id}: the timeline, the scores of
 * the latest runs, audience memberships), so that a look-up reads a few rows, not every row group. On DuckDB an
 * ART index makes a bulk DELETE of these tables slow (a whole run or source: about a minute per million rows);
 * only crash recovery and `segmint delete --source` delete from them. Version 14 drops those of the per-run
 * tables on DuckDB again (DUCKDB_DROPPED_INDEXES).
 */
export const INDEXES_BY_VERSION: Readonly<Record<number, readonly IndexDef[]>> = {
  12: ['transactions', 'events', 'run_scores', 'clv_predictions', 'run_clusters', 'audience_members']
    .map((table) => ({ name: `${table}_customer_id`, table, columns: ['customer_id'] })),
};

/**
 * Version 14, DuckDB only: the version-12 ART indexes of the per-run tables, dropped. Each run appends its
 * million rows to a table that keeps every earlier run's, and the ART grew with all of them: one CLV
 * prediction run's insert beside 20 M earlier rows took 8.1 s CPU with the index, 1.3 s without (issue #15),
 * more with every run, and each checkpoint wrote the index again. Without it a look-up
 * (`run_id = … AND customer_id = …`) is served by DuckDB's zone maps: a run's rows are contiguous (the run_id
 * min/max of the row groups skip every other run) and its writers append them in customer_id order where they
 * can (clv predict does), so that the customer_id min/max narrow them to a row group. PostgreSQL keeps its
 * B-tree indexes (cheap to maintain there); ClickHouse reads these tables by their sorting key (run_id,
 * customer_id). The indexes on transactions and events stay: they grow with imports only, and a customer's
 * rows of those are spread over the whole table.
 */
export const DUCKDB_DROPPED_INDEXES: readonly IndexDef[] = INDEXES_BY_VERSION[12]!
  .filter((d) => ['run_scores', 'clv_predictions', 'run_clusters', 'audience_members'].includes(d.table));

/** Every table of the workspace schema by name (the latest version's). */
export function tableDef(name: string): TableDef | undefined {
  for (const defs of Object.values(TABLES_BY_VERSION)) {
    const d = defs.find((t) => t.name === name);
    if (d) return d;
  }
  return undefined;
}
