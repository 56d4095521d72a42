/**
 * `importFile`: load one file into the workspace with validation. Every record read is either loaded,
 * quarantined with a reason, or recognised as already imported; the result reconciles the three.
 * The whole load is one transaction: a failure or a killed process leaves the workspace as it was.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { SegmintError } from '../../core/errors.ts';
import { snakeCase, type ImportKind, IMPORT_KINDS } from '../../core/schema.ts';
import { quoteIdent, quoteString } from '../../sql/quote.ts';
import type { ImportPolicies, ImportSettings } from '../config.ts';
import { journalled, nextWriteId } from '../journal.ts';
import type { Db, Workspace } from '../workspace.ts';
import { defineNullMacro, ensureColumns, inferTraits, rawRecordExpr, traitNames, type TraitColumn } from './columns.ts';
import { countedObservations, observationCounts, type Observation } from './checks.ts';
import { checkTimezone, detectDateFormat } from './dates.ts';
import { detectFormat, type FileFormat } from './formats.ts';
import { resolveMapping, type Mapping } from './mapping.ts';
import { checkPlaceColumn, splitPlaceMapping } from './place-mapping.ts';
import { checkPlaces, ensureNearestPlaceColumn, loadPlaces, PLACE_RESERVED, updateNearestPlace } from './places.ts';
import { checkCustomers, checkEvents, checkProducts, loadCustomers, loadEvents, loadProducts } from './others.ts';
import { addCustomersFromAggregate, aggregateByCustomer, splitTransactionExtras, tallyFromAggregate, updateCustomerTraits } from './per-customer.ts';
import { stageFile, type StagedColumn } from './stage.ts';
import { quarantineRejects } from './rejects.ts';
import { asDiskFull } from '../disk-full.ts';
import { assertNotAttached } from '../attach.ts';
import { importIntoEngine } from './engine-load.ts';
import { checkTransactions, deriveTransactionColumns, loadTransactions, type CheckContext } from './transactions.ts';
import { grouped } from '../../core/numbers.ts';

export { QUARANTINE_REASONS, type Observation, type QuarantineReason } from './checks.ts';
export { detectFormat, type FileFormat } from './formats.ts';
export { resolveMapping, parseMapOptions, type Mapping } from './mapping.ts';

/** Options of one import; unset ones come from segmint.yaml. */
export interface ImportOptions {
  kind: ImportKind;
  /** field → column overrides (from --map) */
  map?: Record<string, string>;
  format?: string;
  delimiter?: string;
  header?: boolean;
  columnNames?: string[];
  sheet?: string;
  dateFormat?: string;
  timezone?: string;
  cancellationPrefix?: string;
  policies?: Partial<ImportPolicies>;
  /** events: the type of every row when the file has no type column (default: the file name) */
  eventType?: string;
  /** remember the source and its mapping in segmint.yaml (default true) */
  remember?: boolean;
  /** called with a phase name and the fraction of the import done */
  onProgress?: (phase: string, fraction: number) => void;
  /** test hook: runs inside the transaction just before COMMIT */
  beforeCommit?: () => Promise<void>;
}

/** What an import did: the reconciliation `read = loaded + quarantined + alreadyPresent`. */
export interface ImportResult {
  file: string;
  kind: ImportKind;
  format: FileFormat;
  fingerprint: string;
  sourceId: number | null;
  /** the same file (same content, same kind) was imported before: nothing changed */
  alreadyImported: boolean;
  rows: { read: number; loaded: number; quarantined: number; alreadyPresent: number };
  reconciled: boolean;
  quarantineByReason: Record<string, number>;
  observations: Observation[];
  mapping: Record<string, string>;
  mappingHow: Record<string, string>;
  /** where the columns that are not canonical fields went */
  extraColumns: { customerTraits: string[]; productColumns: string[]; transactionAttributes: string[]; eventProperties: string[]; placeColumns?: string[] };
  detected: Record<string, string | boolean | number>;
  customers: { before: number; after: number; added: number };
  /** the rows counted in `rows.alreadyPresent` (malformed lines aside) by the earlier source that holds them */
  alreadyPresentFrom: { sourceId: number; file: string; lines: number }[];
  warnings: string[];
}

/** SHA-256 of the file's bytes. */
export async function fingerprintFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

const count = async (db: Db, sql: string, params?: (string | number)[]): Promise<number> =>
  Number((await db.one<{ n: number }>(sql, params))?.n ?? 0);

/** Customers, products and events: a hash of the raw columns (transactions key by canonical values, see lineKeyExpr). */
function rowKeyExpr(columns: StagedColumn[]): string {
  // Sorted by name so a re-ordered export of the same rows has the same keys.
  const parts = [...columns].sort((a, b) => a.name.localeCompare(b.name)).map((c) => `CAST(${quoteIdent(c.name)} AS VARCHAR)`);
  return `hash(${parts.length ? parts.join(', ') : "''"})`;
}

function settingsFor(ws: Workspace, o: ImportOptions): ImportSettings {
  const base = ws.config.import;
  return {
    cancellationPrefix: o.cancellationPrefix ?? base.cancellationPrefix,
    nullValues: base.nullValues,
    timezone: o.timezone ?? base.timezone,
    dateFormat: o.dateFormat ?? base.dateFormat,
    policies: { ...base.policies, ...(o.policies ?? {}) },
  };
}

/** Import `file` into the workspace (see ImportOptions and ImportResult). A full disk is `disk-full`. */
export async function importFile(ws: Workspace, file: string, options: ImportOptions): Promise<ImportResult> {
  // an attached kind is a view over the user's table (store/attach.ts)
  if (options.kind === 'transactions' || options.kind === 'events' || options.kind === 'customers') await assertNotAttached(ws.db, options.kind);
  // PostgreSQL, ClickHouse: parsed and checked in a scratch DuckDB workspace, then bulk-loaded (engine-load.ts)
  if (ws.db.dialect !== 'duckdb') return importIntoEngine(ws, file, options, importFile);
  try {
    return await importUnchecked(ws, file, options);
  } catch (e) {
    throw asDiskFull(e, ws.dir);
  }
}

async function importUnchecked(ws: Workspace, file: string, options: ImportOptions): Promise<ImportResult> {
  const db = ws.db;
  const path = resolve(file);
  const kind = options.kind;
  if (!IMPORT_KINDS.includes(kind)) {
    throw new SegmintError('invalid-option', `--kind ${String(kind)} is not a kind of data Segmint imports`, { hint: `use one of ${IMPORT_KINDS.join(', ')}` });
  }
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new SegmintError('file-not-found', `cannot read ${path}: no such file`, { hint: 'check the path (quote names with spaces)' });
  }
  const progress = options.onProgress ?? (() => undefined);
  const settings = settingsFor(ws, options);
  await checkTimezone(db, settings.timezone);
  progress('fingerprinting', 0.02);
  // Hashing runs in Node while DuckDB stages the file on its own threads; a repeat import then drops the stage.
  const format = detectFormat(path, options.format);
  await defineNullMacro(db, settings.nullValues);
  // The mapping is decided from the column names as soon as the reader knows them, so that transactions
  // are parsed in the same pass as the read.
  let decided: Mapping | undefined;
  // transactions: `place_id=COLUMN` names the line attribute that holds a place id (places.ts), not a canonical field
  const [configuredMap, placeMap] = splitPlaceMapping(kind, ws.config.mappings[kind] ?? {}, options.map ?? {});
  const decide = (columns: StagedColumn[]) => {
    const m = resolveMapping(kind, columns.map((c) => c.name), configuredMap.configured, configuredMap.options);
    checkPlaceColumn(placeMap, columns.map((c) => c.name));
    return m;
  };
  const stage = () => stageFile(db, path, {
    format, delimiter: options.delimiter, header: options.header, columnNames: options.columnNames, sheet: options.sheet,
    derive: (columns) => {
      decided = decide(columns);
      return kind === 'transactions' ? deriveTransactionColumns({ columns, mapping: decided, settings }) : [];
    },
  }, settings.nullValues);
  // Small files are staged while they are hashed; a large one is hashed first, so that re-importing it
  // does not read it all into the database only to find it was imported before.
  const overlap = statSync(path).size <= 256 * 1024 * 1024;
  const fingerprinting = fingerprintFile(path);
  const [fpResult, stageResult] = await Promise.allSettled([fingerprinting, overlap ? stage() : fingerprinting.then(() => undefined)]);
  if (fpResult.status === 'rejected') throw fpResult.reason;
  const fingerprint = fpResult.value;
  const customersBefore = await count(db, 'SELECT count(*) AS n FROM customers');
  const prior = await db.one<{ source_id: number; rows_read: number }>(
    'SELECT source_id, rows_read FROM sources WHERE fingerprint = ? AND kind = ? ORDER BY source_id LIMIT 1',
    [fingerprint, kind],
  );
  const base: Omit<ImportResult, 'rows' | 'reconciled' | 'sourceId' | 'alreadyImported'> = {
    file: path, kind, format, fingerprint, quarantineByReason: {}, observations: [], mapping: {}, mappingHow: {},
    extraColumns: { customerTraits: [], productColumns: [], transactionAttributes: [], eventProperties: [] },
    detected: {}, customers: { before: customersBefore, after: customersBefore, added: 0 }, alreadyPresentFrom: [], warnings: [],
  };
  if (prior || stageResult.status === 'rejected') await dropTemp(db);
  if (prior) {
    return {
      ...base, sourceId: prior.source_id, alreadyImported: true, reconciled: true,
      rows: { read: prior.rows_read, loaded: 0, quarantined: 0, alreadyPresent: prior.rows_read },
      warnings: [`this file was imported before as source ${prior.source_id} (same content): nothing changed`],
    };
  }

  if (stageResult.status === 'rejected') throw stageResult.reason;
  const staged = stageResult.value ?? (await stage());
  progress('reading', 0.2);
  try {
    const mapping = decided ?? decide(staged.columns);
    const warnings: string[] = [...staged.warnings];
    if (kind === 'customers' && mapping.fields.customer_id === undefined) {
      warnings.push('no customer id column found: each row is keyed by its record number (1, 2, …); pass --map customer_id=COLUMN to use a column');
    }
    if (kind === 'transactions' && !mapping.fields.amount && !(mapping.fields.quantity && mapping.fields.unit_price)) {
      warnings.push('no amount column and no quantity × unit price: amounts are left empty (purchase counts and dates still work)');
    }
    if (kind === 'transactions' && !mapping.fields.order_id) {
      warnings.push('no order id column: each customer and timestamp is one order');
    }
    const rawRows = await count(db, 'SELECT count(*) AS n FROM __raw');
    let dateFormat = 'none';
    const tsColName = mapping.fields.ts;
    if (tsColName !== undefined) {
      const tsCol = staged.columns.find((c) => c.name === tsColName)!;
      const choice = await detectDateFormat(db, tsColName, tsCol.type, settings.dateFormat, rawRows);
      dateFormat = choice.format;
    }
    const priorOfKind = await count(db, 'SELECT count(*) AS n FROM sources WHERE kind = ?', [kind]);
    const table = kind === 'transactions' ? 'transactions' : kind === 'events' ? 'events' : null;
    const ctx: CheckContext = {
      db, columns: staged.columns, mapping, settings, dateFormat, lineExpr: staged.lineExpr, rowKeyExpr: rowKeyExpr(staged.columns),
      existingSql: table && priorOfKind > 0
        ? `SELECT row_key, row_occ FROM ${table} UNION ALL SELECT row_key, row_occ FROM quarantine WHERE kind = ${quoteString(kind)} AND row_key IS NOT NULL`
        : null,
    };
    const extraCols = mapping.extra.map((n) => staged.columns.find((c) => c.name === n)!);
    const extra = { ...base.extraColumns };

    // journalled: a process killed at any point leaves all of the import or none of it (store/journal.ts)
    const sourceId = await nextWriteId(db, 'import');
    const result = await journalled(db, 'import', sourceId, `import ${basename(path)}`, async () => {
      progress('validating', 0.3);
      let traits: TraitColumn[] = [];
      let lineAttributes: Record<string, string> | undefined;
      let placeAttribute: string | undefined;
      let checked;
      // the customers' distance to the nearest place is a trait column, added before any row is written (see below)
      if (kind === 'places' || kind === 'customers') await ensureNearestPlaceColumn(db, kind === 'places', kind === 'customers' ? traitNames(mapping.extra, new Set()) : []);
      if (kind === 'places') {
        traits = await inferTraits(db, extraCols, traitNames(mapping.extra, new Set(PLACE_RESERVED)));
        warnings.push(...(await ensureColumns(db, 'places', traits)));
        checked = await checkPlaces(ctx, traits);
        extra.placeColumns = traits.map((t) => t.name);
      } else if (kind === 'customers' || kind === 'products') {
        const reserved = new Set(kind === 'customers' ? ['customer_id', 'source_id', 'first_seen', 'updated_at'] : ['product_id', 'name', 'category', 'department', 'price', 'source_id']);
        traits = await inferTraits(db, extraCols, traitNames(mapping.extra, reserved));
        warnings.push(...(await ensureColumns(db, kind, traits)));
        checked = kind === 'customers' ? await checkCustomers(ctx, traits) : await checkProducts(ctx, traits);
        if (kind === 'customers') extra.customerTraits = traits.map((t) => t.name);
        else extra.productColumns = traits.map((t) => t.name);
      } else if (kind === 'events') {
        checked = await checkEvents(ctx, options.eventType ?? (mapping.fields.type ? undefined : snakeCase(basename(path, extname(path)))));
        extra.eventProperties = mapping.extra;
      } else {
        checked = await checkTransactions(ctx);
      }
      const presentFrom = table && ctx.existingSql ? await recognisedBySource(db, kind, table) : [];
      progress('loading', 0.6);
      // Rows with a customer (transactions, events): one pass per customer gives the customers and the tallies.
      const byCustomer = kind === 'transactions' || kind === 'events';
      if (byCustomer) await aggregateByCustomer(db, kind === 'transactions' ? extraCols.length : 0, checked.obsExprs, checked.observations);
      if (kind === 'transactions') {
        const split = await splitTransactionExtras(db, extraCols, mapping.extra);
        await loadTransactions(db, sourceId, split.lineLevel);
        extra.transactionAttributes = split.lineLevel.map((x) => x.name);
        lineAttributes = Object.fromEntries(split.lineLevel.map((x) => [x.name, x.type]));
        if (placeMap !== undefined) placeAttribute = split.lineLevel.find((x) => mapping.extra[x.index] === placeMap)?.name;
        extra.customerTraits = split.perCustomer.map((t) => t.name);
        warnings.push(...split.warnings);
        // new trait columns first: DuckDB refuses to commit an ALTER TABLE after an UPDATE of the same table's
        // rows in one transaction ("another transaction has altered this table"), and the upsert updates rows
        if (split.perCustomer.length) warnings.push(...(await ensureColumns(db, 'customers', split.perCustomer)));
        await addCustomersFromAggregate(db, sourceId);
        if (split.perCustomer.length) await updateCustomerTraits(db, split.perCustomer, warnings);
        if (mapping.fields.product_id) await addProductsFromTransactions(db, sourceId);
      } else if (kind === 'events') {
        await loadEvents(db, sourceId);
        await addCustomersFromAggregate(db, sourceId);
      } else if (kind === 'customers') {
        await loadCustomers(db, sourceId, traits);
      } else if (kind === 'places') {
        await loadPlaces(db, sourceId, traits);
      } else {
        await loadProducts(db, sourceId, traits);
      }
      // each customer's distance to the nearest place, a trait (places.ts): new places or new coordinates change it
      if (kind === 'places' || kind === 'customers') {
        const w = await updateNearestPlace(db);
        if (w !== undefined && kind === 'places') warnings.push(w);
      }
      progress('quarantining', 0.8);
      // The raw values are built only for the quarantined rows, after they are joined back to the staged row.
      await db.run(`INSERT INTO quarantine
        SELECT ${sourceId}, ${quoteString(kind)}, c.__line, c.reason, NULL, ${rawRecordExpr(staged.columns, 'r.')}, c.row_key, c.row_occ
        FROM (SELECT __rid, __line, reason, row_key, row_occ FROM __checked WHERE reason IS NOT NULL AND NOT __present) c
        JOIN __raw r ON r.rowid = c.__rid`);
      // Malformed rows are keyed by their text: one already quarantined by an earlier export is not quarantined again.
      const rejected = await quarantineRejects(db, sourceId, kind, staged.rejects, ctx.existingSql
        ?? (priorOfKind > 0 ? `SELECT row_key, row_occ FROM quarantine WHERE kind = ${quoteString(kind)} AND row_key IS NOT NULL` : null));
      const tallies = byCustomer ? await tallyFromAggregate(db, checked.obsExprs.length) : await db.one<Record<string, number>>(`SELECT
        count(*) FILTER (WHERE reason IS NULL AND NOT __present) AS loaded,
        count(*) FILTER (WHERE reason IS NOT NULL AND NOT __present) AS quarantined,
        count(*) FILTER (WHERE __present) AS present
        ${observationCounts(checked.obsExprs, checked.observations).map((x) => `, ${x}`).join('')}
        FROM __checked`);
      const byReason = await db.all<{ reason: string; n: number }>(
        'SELECT reason, count(*) AS n FROM quarantine WHERE source_id = ? GROUP BY reason ORDER BY n DESC, reason',
        [sourceId],
      );
      const rows = {
        read: rawRows + staged.rejects.length,
        loaded: Number(tallies?.loaded ?? 0),
        quarantined: Number(tallies?.quarantined ?? 0) + rejected.quarantined,
        alreadyPresent: Number(tallies?.present ?? 0) + rejected.present,
      };
      const observations: Observation[] = countedObservations(checked.observations, tallies);
      if (staged.rejects.length) {
        observations.unshift({
          code: 'malformed-row', count: staged.rejects.length, policy: 'always', action: 'quarantined with the reader error', reason: 'malformed-row',
          loaded: 0, quarantined: rejected.quarantined, alreadyPresent: rejected.present, quarantinedAsReason: rejected.quarantined,
        });
      }
      // An import that changes nothing (every row already present) reports so but records no source.
      const changed = rows.loaded + rows.quarantined > 0 || rows.alreadyPresent === 0;
      if (changed) await db.run('INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)', [
        sourceId, kind, path, format, fingerprint, JSON.stringify(placeMap === undefined ? mapping.fields : { ...mapping.fields, place_id: placeMap }),
        JSON.stringify({
          dateFormat, timezone: settings.timezone, policies: settings.policies, cancellationPrefix: settings.cancellationPrefix,
          ...(lineAttributes ? { lineAttributes } : {}), ...(placeAttribute ? { placeAttribute } : {}),
        }),
        rows.read, rows.loaded, rows.quarantined, rows.alreadyPresent,
      ]);
      if (options.beforeCommit) await options.beforeCommit();
      return { sourceId: changed ? sourceId : null, rows, byReason, observations, presentFrom };
    });
    progress('done', 1);
    const customersAfter = await count(db, 'SELECT count(*) AS n FROM customers');
    if (result.rows.alreadyPresent > 0) {
      const { alreadyPresent: p, loaded: l } = result.rows;
      warnings.push(`${p} ${p === 1 ? 'row was' : 'rows were'} imported before (from an earlier export) and skipped; ${l} new ${l === 1 ? 'row' : 'rows'} appended`);
      for (const f of result.presentFrom) {
        warnings.push(`${f.lines} ${f.lines === 1 ? 'line was' : 'lines were'} already in the workspace (from source ${f.sourceId}, ${basename(f.file)}): recognised by their values and not loaded again`);
      }
      if (result.sourceId === null) warnings.push('every row was already present: nothing changed, and no new source was recorded');
    }
    const repeats = result.observations.find((o) => o.code === 'repeated-line-without-quantity');
    if (repeats && repeats.loaded > 0) {
      const n = repeats.loaded;
      warnings.push(`${grouped(n)} repeated ${n === 1 ? 'line was' : 'lines were'} loaded as repeat buys: the file has no quantity column, so the same customer, time and item again is the item bought again (--policy repeatsWithoutQuantity=quarantine quarantines them as duplicate-row)`);
    }
    if (options.remember !== false) remember(ws, path, kind, options.map);
    return {
      ...base,
      sourceId: result.sourceId,
      alreadyImported: false,
      rows: result.rows,
      reconciled: result.rows.read === result.rows.loaded + result.rows.quarantined + result.rows.alreadyPresent,
      quarantineByReason: Object.fromEntries(result.byReason.map((r) => [r.reason, r.n])),
      observations: result.observations,
      mapping: placeMap === undefined ? mapping.fields : { ...mapping.fields, place_id: placeMap },
      mappingHow: placeMap === undefined ? mapping.how : { ...mapping.how, place_id: 'option' },
      extraColumns: extra,
      detected: { ...staged.detected, dateFormat, timezone: settings.timezone, columns: staged.columns.length },
      customers: { before: customersBefore, after: customersAfter, added: customersAfter - customersBefore },
      alreadyPresentFrom: result.presentFrom,
      warnings,
    };
  } finally {
    await dropTemp(db);
  }
}

/**
 * The rows of this import already in the workspace (`__seen`, see createChecked), counted by the earlier
 * source that holds them, so an overlapping export says where its recognised lines came from.
 */
async function recognisedBySource(db: Db, kind: ImportKind, table: string): Promise<{ sourceId: number; file: string; lines: number }[]> {
  if ((await count(db, 'SELECT count(*) AS n FROM __seen')) === 0) return [];
  const rows = kind === 'transactions' ? { t: '__raw', key: '__d_row_key', rid: 'rowid' } : { t: '__p', key: 'row_key', rid: '__rid' };
  const found = await db.all<{ source_id: number; file: string; n: number }>(`SELECT s.source_id, s.file, count(*) AS n FROM (
      SELECT o.${rows.rid} AS r, min(e.source_id) AS source_id FROM ${rows.t} o JOIN (
        SELECT row_key, row_occ, source_id FROM ${table}
        UNION ALL SELECT row_key, row_occ, source_id FROM quarantine WHERE kind = ${quoteString(kind)} AND row_key IS NOT NULL) e
      ON e.row_key = o.${rows.key} AND e.row_occ = o.row_occ
      WHERE o.${rows.rid} IN (SELECT __rid FROM __seen) GROUP BY 1) x
    JOIN sources s USING (source_id) GROUP BY s.source_id, s.file ORDER BY s.source_id`);
  return found.map((r) => ({ sourceId: Number(r.source_id), file: r.file, lines: Number(r.n) }));
}

async function dropTemp(db: Db): Promise<void> {
  await db.run('DROP VIEW IF EXISTS __checked').catch(() => undefined);
  for (const t of ['__raw', '__p', '__seen', '__agg', '__lines', '__reject_shift', '__rejects', '__rejects_scan']) {
    await db.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
  }
}

function remember(ws: Workspace, path: string, kind: ImportKind, map: Record<string, string> | undefined): void {
  const cfg = ws.config;
  const existing = cfg.sources.find((s) => s.file === path && s.kind === kind);
  if (existing) {
    if (map && Object.keys(map).length) existing.map = map;
  } else {
    cfg.sources.push(map && Object.keys(map).length ? { file: path, kind, map } : { file: path, kind });
  }
  ws.saveConfig(cfg);
}

async function addProductsFromTransactions(db: Db, sourceId: number): Promise<void> {
  // Name (and category, department) = the most frequent value on the product's lines, on a tie the one met
  // first in the file, so a re-run names it the same; price = the median positive unit price.
  const most = (field: string) => `top_${field} AS (SELECT product_id, first(v ORDER BY n DESC, f) AS v FROM (
      SELECT product_id, ${field} AS v, sum(n) AS n, min(f) AS f FROM combos WHERE ${field} IS NOT NULL GROUP BY 1, 2) GROUP BY 1)`;
  await db.run(`INSERT INTO products (product_id, name, category, department, price, source_id)
    SELECT * FROM (
      WITH lines AS MATERIALIZED (SELECT product_id, description, category, department, unit_price, __line FROM __checked
          WHERE reason IS NULL AND NOT __present AND product_id IS NOT NULL),
        combos AS (SELECT product_id, description, category, department, count(*) AS n, min(__line) AS f FROM lines GROUP BY ALL),
        prices AS (SELECT product_id, median(unit_price) FILTER (WHERE unit_price > 0) AS price FROM lines GROUP BY product_id),
        ${most('description')}, ${most('category')}, ${most('department')}
      SELECT p.product_id, top_description.v, top_category.v, top_department.v, p.price, ${sourceId} FROM prices p
      LEFT JOIN top_description USING (product_id) LEFT JOIN top_category USING (product_id) LEFT JOIN top_department USING (product_id))
    ON CONFLICT (product_id) DO NOTHING`);
}
