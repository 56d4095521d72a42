/**
 * The purchase days of every customer, kept between `clv fit` and `clv predict` runs on DuckDB (issue #15): the
 * summary both start from aggregates the transactions twice (lines into purchase days, days into customers), which
 * was half of each command at 1,000,000 customers; what it needs of them is per customer the first and last purchase
 * day, their number, their spend and the first day's spend, and per day the customers with a purchase day; `clv fit`
 * reads the customers grouped, so those groups are kept too (CachedPurchaseDays).
 *
 * The figures are written as four Parquet files in the workspace folder's `.segmint-cache/`, named after a fingerprint
 * of the transactions (their count and the sums of their row keys and occurrence numbers, docs/data-model.md): any
 * import, deletion or recovery that changes the lines changes the name, so a file is never read for other lines than
 * its own. A command whose fingerprint has no files builds them (one aggregation, as before, and the four writes) and
 * removes the other files; each is written under a temporary name and renamed, so a killed command leaves at most a
 * temporary file, which the next build removes. A cache that cannot be written (a read-only or full disk) is
 * skipped: the command aggregates the transactions as before. The figures cover all purchase days, so they serve a
 * calibration end on or after the last purchase day only; an earlier end aggregates the transactions (and builds
 * nothing).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../sql/compile.ts';
import { and, argMin, bool, cast, coalesce, col, count, daysBetween, dropTable, eq, fn, grouping, gt, isNotNull, max, min, NULL, num, select, sub, sum, table, tempName, type Select } from '../sql/ir.ts';
import { exportQuery } from '../engines/export-file.ts';
import type { Workspace } from '../store/workspace.ts';
import type { PurchaseDayFigures } from './clv-fit-summary.ts';
import { exec, one } from './run-query.ts';
import { materialise } from './value.ts';

/** The cache's folder in a workspace. */
export const CACHE_DIR = '.segmint-cache';
/** The files' format: a change of columns or meaning changes it, so older files are not read. */
const FORMAT = 'purchase-days-5';

/**
 * The cache as temporary views for one command: `stats` (one row per customer), `days` (one row per day), and the
 * customers grouped as `clv fit` groups them, in figures that do not depend on the calibration end (so one build
 * serves every fit): `patterns` by first and last purchase day and their number (for a calibration end, one
 * (x, t_x, T) pattern each), `spends` by the number of purchase days and the spend after the first day (one
 * (x, mean spend) pair each, or a few that round to the same mean).
 */
export interface CachedPurchaseDays {
  /** customer_id, first_day, last_day, ndays, spend, first_spend */
  stats: string;
  /** d, n: the customers with a purchase day on d */
  days: string;
  /** first_day, last_day, ndays, customers */
  patterns: string;
  /** ndays, spend (of the purchase days after the first, the exact DECIMAL difference), customers */
  spends: string;
  /** the last purchase day of all (YYYY-MM-DD) */
  lastDay: string;
  /** whether this command built the files */
  built: boolean;
  /** drop the views */
  release(): Promise<void>;
}

/** summaryColumnsOf's figures as the cache's columns (of `stats`). */
export const CACHED_FIGURES: PurchaseDayFigures = { first: col('first_day'), last: col('last_day'), days: col('ndays'), spend: col('spend'), firstSpend: col('first_spend') };
/**
 * The same figures of the grouped views: `patterns` has no spends, `spends` no days (the figures summaryColumnsOf
 * reads of them are there: the frequency and recency, T of `patterns`, the frequency and mean spend of `spends`).
 */
export const CACHED_GROUP_FIGURES: { patterns: PurchaseDayFigures; spends: PurchaseDayFigures } = {
  patterns: { first: col('first_day'), last: col('last_day'), days: col('ndays'), spend: num(0), firstSpend: num(0) },
  spends: { first: cast(NULL, 'date'), last: cast(NULL, 'date'), days: col('ndays'), spend: col('spend'), firstSpend: num(0) },
};

/** Every purchase day of every customer (as purchaseDays, with no end), grouped by customer and by day. */
function figuresQuery(): Select {
  const day = fn('to_date', col('ts'));
  const days = select({
    select: [{ expr: col('customer_id'), as: 'customer_id' }, { expr: day, as: 'd' }, { expr: fn('coalesce', sum(cast(col('amount'), 'decimal')), num(0)), as: 'spend' }],
    from: table('transactions'),
    where: isNotNull(col('customer_id')),
    groupBy: [col('customer_id'), day],
    having: gt(count(undefined, { filter: eq(col('is_return'), bool(false)) }), num(0)),
  });
  const d = col('d');
  return select({
    with: [{ name: 'days', query: days }],
    select: [
      { expr: cast(grouping(col('customer_id')), 'integer'), as: 'g' }, { expr: col('customer_id'), as: 'customer_id' }, { expr: d, as: 'd' },
      { expr: count(), as: 'n' }, { expr: min(d), as: 'first_day' }, { expr: max(d), as: 'last_day' }, { expr: sum(col('spend')), as: 'spend' },
      { expr: argMin(col('spend'), d), as: 'first_spend' },
    ],
    from: table('days'),
    groupingSets: [[col('customer_id')], [d]],
  });
}

/** The transactions' fingerprint: their count and the sums of row_key and row_occ, hashed with the format. */
async function fingerprint(ws: Workspace): Promise<string> {
  const r = await one<{ n: unknown; k: unknown; o: unknown }>(ws.db, select({
    select: [
      { expr: count(), as: 'n' },
      // the sum of 64-bit hashes is wider than a double: read as text
      { expr: cast(coalesce(sum(col('row_key')), num(0)), 'varchar'), as: 'k' },
      { expr: cast(coalesce(sum(col('row_occ')), num(0)), 'varchar'), as: 'o' },
    ],
    from: table('transactions'),
  }));
  return createHash('sha256').update(`${FORMAT}|${String(r?.n)}|${String(r?.k)}|${String(r?.o)}`).digest('hex').slice(0, 20);
}

/** The files of fingerprint `fp`, in the order they are written: the stats last (a build that got that far is whole). */
const fileNames = (fp: string) => ({ days: `days-${fp}.parquet`, patterns: `patterns-${fp}.parquet`, spends: `spends-${fp}.parquet`, stats: `stats-${fp}.parquet` });

/** Build the files of fingerprint `fp` in `dir` (temporary names, then renamed: the stats last). */
async function build(ws: Workspace, dir: string, fp: string): Promise<void> {
  const db = ws.db;
  const names = fileNames(fp);
  const tmp = tempName('clv_purchase_days');
  const part = (n: string) => join(dir, `${n}.tmp-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  await materialise(ws, tmp, figuresQuery());
  try {
    const write = async (q: Select, file: string) => {
      const c = compile(q, db.dialect);
      await exportQuery(db, c.sql, c.params, file, 'parquet');
    };
    await write(select({ select: [{ expr: col('d'), as: 'd' }, { expr: col('n'), as: 'n' }], from: table(tmp), where: eq(col('g'), num(1)), orderBy: [col('d')] }), part(names.days));
    const customers = eq(col('g'), num(0));
    const ndays = { expr: col('n'), as: 'ndays' };
    // in the order a fit reads them (clv-fit-summary.ts cachedFitReads), for any calibration end: (x, t_x, T) is
    // (purchase days, days from the first to the last, the first day descending); (x, mean spend) is (purchase days,
    // the spend after the first day)
    await write(select({
      select: [{ expr: col('first_day'), as: 'first_day' }, { expr: col('last_day'), as: 'last_day' }, ndays, { expr: count(), as: 'customers' }],
      from: table(tmp), where: customers, groupBy: [col('first_day'), col('last_day'), col('n')],
      orderBy: [col('n'), daysBetween(col('first_day'), col('last_day')), { expr: col('first_day'), desc: true }],
    }), part(names.patterns));
    // the spends as DECIMAL(18,4), the amounts' own type, rather than their sums' DECIMAL(38,4) (16-byte integers,
    // slower to decode from Parquet: the predict summary 0.28 s against 0.25 s at bench/clv): the same values; a sum
    // past 18 digits fails the build, and the command then aggregates the transactions
    const after = sub(col('spend'), col('first_spend'));
    await write(select({
      select: [ndays, { expr: cast(after, 'decimal'), as: 'spend' }, { expr: count(), as: 'customers' }],
      from: table(tmp), where: customers, groupBy: [col('n'), after], orderBy: [col('n'), after],
    }), part(names.spends));
    await write(select({
      select: ['customer_id', 'first_day', 'last_day', 'n', 'spend', 'first_spend'].map((c) => ({ expr: c.includes('spend') ? cast(col(c), 'decimal') : col(c), as: c === 'n' ? 'ndays' : c })),
      // in customer order: clv predict stores its per-customer rows as this file reads (clv-predict-store.ts), in the
      // order whose zone maps find one customer's row
      from: table(tmp), where: customers, orderBy: [col('customer_id')],
    }), part(names.stats));
    for (const n of Object.values(names)) renameSync(part(n), join(dir, n));
  } finally {
    await exec(db, dropTable(tmp));
    for (const n of Object.values(names)) rmSync(part(n), { force: true });
  }
  // the files of other fingerprints and what killed builds left
  const mine = new Set(Object.values(names));
  for (const f of readdirSync(dir)) if (!mine.has(f)) rmSync(join(dir, f), { force: true });
}

/** The last purchase day of all (YYYY-MM-DD; '' without purchases): the last day with a line that is not a return. */
async function lastPurchaseDay(ws: Workspace): Promise<string> {
  const r = await one<{ last: string | null }>(ws.db, select({
    select: [{ expr: cast(max(fn('to_date', col('ts'))), 'varchar'), as: 'last' }],
    from: table('transactions'),
    where: and(isNotNull(col('customer_id')), eq(col('is_return'), bool(false))),
  }));
  return r?.last ?? '';
}

/**
 * The cache of the workspace's transactions as temporary views, built when missing, for a summary to
 * `calibrationEnd`: undefined when it does not serve that end (a purchase day after it: nothing is built then), on
 * engines other than DuckDB, and when it cannot be written (the caller aggregates the transactions instead).
 */
export async function cachedPurchaseDays(ws: Workspace, calibrationEnd: string): Promise<CachedPurchaseDays | undefined> {
  const db = ws.db;
  if (db.dialect !== 'duckdb' || !db.fileView || !db.dropFileView) return undefined;
  const dir = join(ws.dir, CACHE_DIR);
  const fp = await fingerprint(ws);
  const names = fileNames(fp);
  let built = false;
  if (Object.values(names).some((n) => !existsSync(join(dir, n)))) {
    const last = await lastPurchaseDay(ws);
    if (last === '' || last > calibrationEnd) return undefined;
    try {
      await build(ws, dir, fp);
      built = true;
    } catch {
      return undefined;
    }
  }
  const views = { stats: tempName('clv_cached_stats'), days: tempName('clv_cached_days'), patterns: tempName('clv_cached_patterns'), spends: tempName('clv_cached_spends') };
  const release = async () => {
    for (const v of Object.values(views)) await db.dropFileView!(v);
  };
  try {
    for (const [k, v] of Object.entries(views)) await db.fileView(v, join(dir, names[k as keyof typeof views]));
    const last = await one<{ last: string | null }>(db, select({ select: [{ expr: cast(max(col('d')), 'varchar'), as: 'last' }], from: table(views.days) }));
    const lastDay = last?.last ?? '';
    if (lastDay === '' || lastDay > calibrationEnd) {
      await release();
      return undefined;
    }
    return { ...views, lastDay, built, release };
  } catch (e) {
    await release();
    throw e;
  }
}
