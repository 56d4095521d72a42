/**
 * Transactions and events: one pass over the checked rows grouped by customer (the temp table `__agg`)
 * gives what the import derives per customer — first purchase, the latest value of each extra column,
 * how many values each extra column has per customer — and the import's tallies, instead of a scan for
 * each.
 * The NULL group holds the rows without a customer id (counted in the tallies, never a customer).
 */
import { quoteIdent } from '../../sql/quote.ts';
import type { Db } from '../workspace.ts';
import { ensureColumns, inferTraits, traitNames, type TraitColumn } from './columns.ts';
import type { StagedColumn } from './stage.ts';
import { observationCounts, type ObservationSpec } from './checks.ts';

/** True (SQL) when the text is a plain finite number and not an id with a leading zero (`0012`). */
const isPlainNumber = (x: string) => `(regexp_matches(${x}, '^\\s*[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$') AND NOT regexp_matches(${x}, '^\\s*[-+]?0[0-9]'))`;

/** Rows loaded from this source: accepted and not already in the warehouse. */
const KEPT = 'reason IS NULL AND NOT __present';

/**
 * Create `__agg` from `__checked` (which holds the extra columns as text `__x<i>`): per customer the row
 * counts, the first kept timestamp, for each extra column its distinct accepted values (`__k<i>`) and its
 * latest kept value (`__v<i>`; a tie in time goes to the later line), and the counts of each observation
 * (`__o<i>`, `__ol<i>`, `__oq<i>`, `__or<i>`: see observationCounts).
 */
export async function aggregateByCustomer(db: Db, extras: number, obsExprs: readonly string[], specs: readonly ObservationSpec[]): Promise<void> {
  const cols = [
    'customer_id',
    'count(*) FILTER (WHERE reason IS NULL) AS __accepted',
    `count(*) FILTER (WHERE ${KEPT}) AS __loaded`,
    'count(*) FILTER (WHERE reason IS NOT NULL AND NOT __present) AS __quarantined',
    'count(*) FILTER (WHERE __present) AS __n_present',
    `min(ts) FILTER (WHERE ${KEPT}) AS __first`,
    ...Array.from({ length: extras }, (_, i) => [
      `count(DISTINCT __x${i}) FILTER (WHERE reason IS NULL) AS __k${i}`,
      // latest by time, on the same timestamp the later line, so a re-run keeps the same value
      `arg_max(__x${i}, (ts, __line)) FILTER (WHERE __x${i} IS NOT NULL AND ${KEPT}) AS __v${i}`,
      // whether every kept value is a plain number without a leading zero (a line attribute's type)
      `bool_and(${isPlainNumber(`__x${i}`)}) FILTER (WHERE __x${i} IS NOT NULL AND ${KEPT}) AS __n${i}`,
    ]).flat(),
    ...observationCounts(obsExprs, specs, '__'),
  ];
  await db.run(`CREATE OR REPLACE TEMP TABLE __agg AS SELECT ${cols.join(', ')} FROM __checked GROUP BY customer_id`);
}

/** The import's tallies from `__agg`, named as the generic tally query names them (loaded, quarantined, present, o<i>). */
export async function tallyFromAggregate(db: Db, observations: number): Promise<Record<string, number> | undefined> {
  const sums = Array.from({ length: observations }, (_, i) => ['o', 'ol', 'oq', 'or'].map((k) => `, coalesce(sum(__${k}${i}), 0) AS ${k}${i}`).join('')).join('');
  return db.one<Record<string, number>>(`SELECT coalesce(sum(__loaded), 0) AS loaded, coalesce(sum(__quarantined), 0) AS quarantined,
    coalesce(sum(__n_present), 0) AS present ${sums} FROM __agg`);
}

/**
 * Extra columns of a transactions file: every one stays on the line in `attributes` (usable in rule
 * filters and aggregates, docs/audiences.md), with its type (`number` when every kept value is a plain
 * number, else `string`). A column with one value per customer (in at least 99% of customers, e.g.
 * Country) also becomes a customer trait holding the latest value. Reads `__agg`.
 */
export async function splitTransactionExtras(db: Db, cols: StagedColumn[], names: string[]) {
  const warnings: string[] = [];
  if (cols.length === 0) return { perCustomer: [] as TraitColumn[], lineLevel: [] as LineAttribute[], warnings };
  const stats = await db.one<Record<string, number | boolean | null>>(`SELECT count(*) AS n ${cols.map((_, i) => `, count(*) FILTER (WHERE __k${i} > 1) AS m${i}, bool_and(__n${i}) AS num${i}`).join('')}
    FROM __agg WHERE customer_id IS NOT NULL AND __accepted > 0`);
  const n = Number(stats?.n ?? 0);
  const reserved = new Set(['customer_id', 'source_id', 'first_seen', 'updated_at']);
  const traitNamesAll = traitNames(names, reserved);
  const lineNames = traitNames(names, new Set());
  const perIdx: number[] = [];
  const lineLevel: LineAttribute[] = [];
  cols.forEach((_, i) => {
    const m = Number(stats?.[`m${i}`] ?? 0);
    if (n > 0 && m <= 0.01 * n) {
      perIdx.push(i);
      if (m > 0) warnings.push(`${names[i]}: ${m} of ${n} customers ${m === 1 ? 'has' : 'have'} more than one value; the customer trait ${traitNamesAll[i]} keeps the latest`);
    }
    lineLevel.push({ index: i, name: lineNames[i]!, type: stats?.[`num${i}`] === true ? 'number' : 'string' });
  });
  // Each trait's expression reads the latest value in __agg (__v<i>).
  const perCustomer = await inferTraits(db, perIdx.map((i) => cols[i]!), perIdx.map((i) => traitNamesAll[i]!), (_, k) => `__v${perIdx[k]}`);
  return { perCustomer, lineLevel, warnings };
}

/** An extra column of a transactions file as kept on each line: its key in `attributes` and its type. */
export interface LineAttribute {
  index: number;
  name: string;
  type: 'number' | 'string';
}

/** Add the customers with kept rows (first_seen the earliest of them), from `__agg`. */
export async function addCustomersFromAggregate(db: Db, sourceId: number): Promise<void> {
  await db.run(`INSERT INTO customers (customer_id, source_id, first_seen, updated_at)
    SELECT customer_id, ${sourceId}, __first, now()::TIMESTAMP FROM __agg WHERE customer_id IS NOT NULL AND __loaded > 0
    ON CONFLICT (customer_id) DO UPDATE SET first_seen = least(customers.first_seen, excluded.first_seen)`);
}

/** Set each customer's traits to the latest kept value, keeping the old value where this source has none. */
export async function updateCustomerTraits(db: Db, traits: TraitColumn[], warnings: string[]): Promise<void> {
  warnings.push(...(await ensureColumns(db, 'customers', traits)));
  const sets = traits.map((t) => `${quoteIdent(t.name)} = coalesce(v.${quoteIdent(t.name)}, customers.${quoteIdent(t.name)})`);
  const vals = traits.map((t) => `${t.expr} AS ${quoteIdent(t.name)}`);
  await db.run(`UPDATE customers SET ${sets.join(', ')}
    FROM (SELECT customer_id, ${vals.join(', ')} FROM __agg WHERE customer_id IS NOT NULL AND __loaded > 0) v
    WHERE customers.customer_id = v.customer_id`);
}
