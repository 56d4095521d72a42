/**
 * Versioned schema migrations. The version lives in `segmint_meta`; each migration runs in one
 * transaction. A database written by a newer Segmint (unknown version) is refused with a clear error.
 */
import { SegmintError } from '../core/errors.ts';
import { CLV_PREDICTION_VIEW_MIGRATION } from './clv-prediction-tables.ts';
import { JOURNAL_TABLE_SQL } from './journal.ts';
import { createWorkspaceTable } from './portable.ts';
import { createIndexSql } from '../sql/ddl.ts';
import { quoteIdent } from '../sql/quote.ts';
import { DUCKDB_DROPPED_INDEXES, INDEXES_BY_VERSION, META_TABLE, TABLES_BY_VERSION } from './tables.ts';
import type { Db } from './workspace.ts';

interface Migration {
  readonly version: number;
  readonly description: string;
  readonly statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'canonical tables: customers, transactions, events, products, sources, quarantine',
    statements: [
      `CREATE TABLE sources (
        source_id INTEGER PRIMARY KEY,
        kind VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        fingerprint VARCHAR NOT NULL,
        mapping JSON,
        options JSON,
        rows_read BIGINT NOT NULL,
        rows_loaded BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL,
        rows_already_present BIGINT NOT NULL,
        imported_at TIMESTAMP NOT NULL
      )`,
      `CREATE TABLE customers (
        customer_id VARCHAR PRIMARY KEY,
        source_id INTEGER,
        first_seen TIMESTAMP,
        updated_at TIMESTAMP
      )`,
      `CREATE TABLE transactions (
        customer_id VARCHAR,
        order_id VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        amount DOUBLE,
        line_no INTEGER,
        product_id VARCHAR,
        description VARCHAR,
        category VARCHAR,
        department VARCHAR,
        quantity DOUBLE,
        unit_price DOUBLE,
        channel VARCHAR,
        coupon VARCHAR,
        currency VARCHAR,
        is_return BOOLEAN NOT NULL,
        attributes JSON,
        source_id INTEGER NOT NULL,
        source_line BIGINT NOT NULL,
        row_key UBIGINT NOT NULL,
        row_occ INTEGER NOT NULL
      )`,
      `CREATE TABLE events (
        customer_id VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        type VARCHAR NOT NULL,
        properties JSON,
        source_id INTEGER NOT NULL,
        source_line BIGINT NOT NULL,
        row_key UBIGINT NOT NULL,
        row_occ INTEGER NOT NULL
      )`,
      `CREATE TABLE products (
        product_id VARCHAR PRIMARY KEY,
        name VARCHAR,
        category VARCHAR,
        department VARCHAR,
        price DOUBLE,
        source_id INTEGER
      )`,
      `CREATE TABLE quarantine (
        source_id INTEGER NOT NULL,
        kind VARCHAR NOT NULL,
        line BIGINT NOT NULL,
        reason VARCHAR NOT NULL,
        detail VARCHAR,
        raw JSON,
        row_key UBIGINT,
        row_occ INTEGER
      )`,
      `CREATE TABLE runs (
        run_id INTEGER PRIMARY KEY,
        kind VARCHAR NOT NULL,
        as_of TIMESTAMP,
        params JSON,
        summary JSON,
        created_at TIMESTAMP NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    // No primary key: an index makes million-row inserts and deletes slow, and each run writes its rows once.
    description: 'per-customer results of value segmentation runs (RFM, LRFMP)',
    statements: [
      `CREATE TABLE run_scores (
        run_id INTEGER NOT NULL,
        customer_id VARCHAR NOT NULL,
        segment VARCHAR NOT NULL,
        score_code BIGINT NOT NULL,
        l INTEGER, r INTEGER, f INTEGER, m INTEGER, p INTEGER,
        recency_days BIGINT, tenure_days BIGINT, frequency BIGINT, monetary DOUBLE, mean_order_value DOUBLE,
        periodicity_days DOUBLE, return_rate DOUBLE, distinct_products BIGINT, basket_size DOUBLE,
        first_purchase TIMESTAMP, last_purchase TIMESTAMP
      )`,
    ],
  },
  {
    version: 3,
    description: 'per-customer CLV predictions (segmint clv predict)',
    statements: [
      `CREATE TABLE clv_predictions (
        run_id INTEGER NOT NULL,
        customer_id VARCHAR NOT NULL,
        frequency DOUBLE, recency DOUBLE, T DOUBLE, monetary_value DOUBLE,
        p_alive DOUBLE, expected_purchases DOUBLE, expected_spend DOUBLE, clv DOUBLE,
        days_to_next_purchase DOUBLE, churn_tier VARCHAR, clv_tier VARCHAR, excluded_reason VARCHAR
      )`,
    ],
  },
  {
    version: 4,
    description: 'per-customer results of cluster runs (the model is in runs.summary)',
    statements: [
      `CREATE TABLE run_clusters (
        run_id INTEGER NOT NULL,
        customer_id VARCHAR NOT NULL,
        cluster INTEGER NOT NULL,
        cluster_name VARCHAR NOT NULL,
        distance DOUBLE NOT NULL,
        probability DOUBLE
      )`,
    ],
  },
  {
    version: 5,
    // the run (runs.kind = 'audience', params name and rule, as_of, created_at) holds the rest
    description: 'audience snapshots: the members of each audience evaluation run',
    statements: ['CREATE TABLE audience_members (run_id INTEGER NOT NULL, customer_id VARCHAR NOT NULL)'],
  },
  {
    version: 6,
    // store/journal.ts: a row per write in progress, so that one a killed process left half-replayed is undone
    description: 'the journal of writes in progress (crash recovery)',
    statements: [JOURNAL_TABLE_SQL],
  },
  {
    version: 7,
    // a campaign is runs of kind 'campaign' (params: name, arms, control, seed, source, columns); each run adds
    // members (a create, a create again on a later snapshot, an import), every row tagged with the run's id. The
    // columns of an imported file ride along as lists in the order of the run's params.columns (the number when
    // the text is one, and the text as read), so one scan measures a campaign without a join per column.
    description: 'campaigns: the arm of each member, and the outcome and pre-treatment columns of imported ones',
    statements: [
      `CREATE TABLE campaign_members (
        run_id INTEGER NOT NULL,
        campaign VARCHAR NOT NULL,
        row_no BIGINT NOT NULL,
        customer_id VARCHAR NOT NULL,
        arm VARCHAR NOT NULL,
        nums DOUBLE[],
        texts VARCHAR[]
      )`,
    ],
  },
  {
    version: 8,
    // a run of kind 'recommend' (params: k, similarity, shrinkage …; summary: counts) stores every customer's
    // top k; because holds the product ids of the reason as a JSON array (empty for a popularity fill)
    description: 'recommendations: the top k items of every customer, with the items that produced each',
    statements: [
      `CREATE TABLE run_recommendations (
        run_id INTEGER NOT NULL,
        customer_id VARCHAR NOT NULL,
        rank INTEGER NOT NULL,
        product_id VARCHAR NOT NULL,
        score DOUBLE NOT NULL,
        kind VARCHAR NOT NULL,
        because VARCHAR NOT NULL
      )`,
    ],
  },
  {
    version: 9,
    // store/outbox.ts: a webhook delivery per subscription, event (entered / exited) and chunk of customers of an
    // audience snapshot, written in the snapshot's transaction and tagged with its run id (journalled with it);
    // what happened to each delivery is appended to a log file in the workspace (webhooks/deliveries.ndjson)
    description: 'the webhook outbox: deliveries written with the audience snapshot they announce',
    statements: [
      `CREATE TABLE webhook_outbox (
        run_id INTEGER NOT NULL,
        delivery_id VARCHAR NOT NULL,
        webhook_id VARCHAR NOT NULL,
        audience VARCHAR NOT NULL,
        event VARCHAR NOT NULL,
        payload VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL
      )`,
    ],
  },
  {
    version: 10,
    // segmint import FILE --kind places: stores, branches, sites with their coordinates (issue #21); a
    // transactions column names a line's place (--map place_id=COLUMN). Extra columns become typed columns.
    description: 'places: id, name, latitude, longitude',
    statements: ['CREATE TABLE places (place_id VARCHAR PRIMARY KEY, name VARCHAR, latitude DOUBLE NOT NULL, longitude DOUBLE NOT NULL, source_id INTEGER)'],
  },
  {
    version: 11,
    // segmint model score NAME (issue #19): a run of kind 'model-score' (params: the model's name and training
    // run) stores every scored customer's P(outcome) and its decile (1 = the tenth most likely); rules read
    // them as model.NAME.probability / model.NAME.decile
    description: 'model scores: a classifier\'s probability per customer',
    statements: ['CREATE TABLE run_model_scores (run_id INTEGER NOT NULL, customer_id VARCHAR NOT NULL, probability DOUBLE NOT NULL, decile INTEGER NOT NULL)'],
  },
  {
    version: 12,
    // tables.ts INDEXES_BY_VERSION: one customer's rows found without reading every row group
    description: 'indexes on customer_id of the tables a customer look-up reads',
    statements: INDEXES_BY_VERSION[12]!.map((d) => createIndexSql(d, 'duckdb')!),
  },
  {
    version: 13,
    // segmint model outliers NAME (issue #19): a run of kind 'outliers' stores every customer's outlier score
    // (an isolation-forest score or a distance to the nearest centre: not a probability), its decile and whether
    // it is above the run's threshold; rules read model.NAME.score, model.NAME.decile, model.NAME.unusual
    // (version 12 is the customer_id indexes of issue #12)
    description: 'outlier scores: a score, its decile and an unusual flag per customer',
    statements: ['CREATE TABLE run_outlier_scores (run_id INTEGER NOT NULL, customer_id VARCHAR NOT NULL, score DOUBLE NOT NULL, decile INTEGER NOT NULL, unusual BOOLEAN NOT NULL)'],
  },
  {
    version: 14,
    // tables.ts DUCKDB_DROPPED_INDEXES: a run's insert no longer grows an ART over every earlier run's rows;
    // the look-ups go by zone maps. DuckDB only: PostgreSQL keeps its B-trees (no tables or indexes for it here)
    description: 'DuckDB: no customer_id index on the per-run tables (run_scores, clv_predictions, run_clusters, audience_members)',
    statements: DUCKDB_DROPPED_INDEXES.map((d) => `DROP INDEX IF EXISTS ${quoteIdent(d.name)}`),
  },
  {
    version: 15,
    // clv-prediction-tables.ts: clv_predictions a view over the runs kept by pattern (three narrow tables) and the
    // wide rows (the version-3 table, renamed). DuckDB only: PostgreSQL and ClickHouse keep the table
    description: 'DuckDB: clv_predictions a view over prediction runs kept per pattern and the wide rows',
    statements: CLV_PREDICTION_VIEW_MIGRATION,
  },
];

export const CURRENT_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Read the schema version of an open database (0 for an empty one). */
export async function schemaVersion(db: Db): Promise<number> {
  if (db.dialect !== 'duckdb') {
    // PostgreSQL and ClickHouse: a row per migration applied (no upsert on ClickHouse), the highest counts
    if (!(await db.tableExists('segmint_meta'))) return 0;
    const rows = await db.all<{ value: string }>("SELECT value FROM segmint_meta WHERE key = 'schema_version'");
    return rows.reduce((m, r) => Math.max(m, Number(r.value)), 0);
  }
  const t = await db.one<{ n: number }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'segmint_meta' AND table_schema = 'main'",
  );
  if (!t || t.n === 0) return 0;
  const row = await db.one<{ value: string }>("SELECT value FROM segmint_meta WHERE key = 'schema_version'");
  const v = row ? Number(row.value) : 0;
  if (!Number.isInteger(v) || v < 0) {
    throw new SegmintError('corrupt-workspace', `segmint_meta holds schema_version "${row?.value}", expected a whole number`, {
      hint: 'the workspace database was edited by hand or damaged; restore it from a backup or create a new workspace',
      exitCode: 1,
    });
  }
  return v;
}

/** Bring the database to CURRENT_SCHEMA_VERSION, one transaction per migration. */
export async function migrate(db: Db, options: { readOnly: boolean }): Promise<number> {
  const from = await schemaVersion(db);
  if (from > CURRENT_SCHEMA_VERSION) {
    throw new SegmintError(
      'unknown-schema-version',
      `this workspace has schema version ${from}, but this Segmint knows versions up to ${CURRENT_SCHEMA_VERSION}`,
      { hint: 'it was written by a newer Segmint: upgrade Segmint (npm install segmint@latest) to open it', exitCode: 2 },
    );
  }
  if (from === CURRENT_SCHEMA_VERSION) return from;
  if (options.readOnly) {
    throw new SegmintError('workspace-needs-migration', `the workspace is at schema version ${from} and needs migrating to ${CURRENT_SCHEMA_VERSION}`, {
      hint: 'open it once without read-only access so the migration can run',
    });
  }
  if (db.dialect !== 'duckdb') {
    // the same versions, each a set of tables in the portable form (tables.ts), created for the engine
    if (from === 0) await createWorkspaceTable(db, META_TABLE);
    for (const m of MIGRATIONS) {
      if (m.version <= from) continue;
      await db.transaction(async () => {
        for (const def of TABLES_BY_VERSION[m.version] ?? []) await createWorkspaceTable(db, def);
        for (const def of INDEXES_BY_VERSION[m.version] ?? []) {
          const sql = createIndexSql(def, db.dialect);
          if (sql) await db.run(sql);
        }
        await db.insertRows('segmint_meta', ['key', 'value'], [['schema_version', String(m.version)]]);
      });
    }
    return CURRENT_SCHEMA_VERSION;
  }
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    await db.transaction(async () => {
      await db.run('CREATE TABLE IF NOT EXISTS segmint_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)');
      for (const s of m.statements) await db.run(s);
      await db.run("INSERT OR REPLACE INTO segmint_meta VALUES ('schema_version', ?)", [String(m.version)]);
    });
  }
  return CURRENT_SCHEMA_VERSION;
}
