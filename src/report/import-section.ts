/** The import section: per source the reconciliation, quarantine reasons, and example rejected rows. */
import { all } from '../pipeline/run-query.ts';
import { cast, col, count, eq, lit, select, table, type SelectItem } from '../sql/ir.ts';
import type { Db } from '../store/workspace.ts';
import { barsH } from './charts.ts';
import { esc, htmlTable, num, para, plural, type Cell, type ReportSection } from './html.ts';

/** What each quarantine reason means (docs/data-model.md, "Quarantine reasons"); unknown codes show without. */
export const REASON_TEXT: Record<string, string> = {
  'malformed-row': 'the line could not be split into the header’s columns',
  'missing-customer-id': 'empty customer id',
  'missing-product-id': 'empty product id',
  'missing-place-id': 'empty place id',
  'invalid-coordinate': 'latitude or longitude missing, not a number, or out of range',
  'missing-date': 'empty timestamp',
  'unparseable-date': 'the timestamp does not read in the detected or given format',
  'missing-event-type': 'empty event type',
  'non-numeric-quantity': 'the quantity is not a number',
  'non-numeric-price': 'the unit price is not a number',
  'non-numeric-amount': 'the amount is not a number',
  'missing-amount': 'no amount, or no quantity or unit price to compute it',
  'negative-price': 'unit price below 0',
  'zero-price': 'unit price exactly 0',
  'unmarked-negative-quantity': 'negative quantity without a cancellation marker',
  'invalid-json': 'the properties column is not valid JSON',
  'duplicate-row': 'a second or later copy of an exactly repeated line',
  'duplicate-customer-id': 'the customer id appears again later in the file (the later row wins)',
  'duplicate-product-id': 'the product id appears again later in the file (the later row wins)',
  'duplicate-place-id': 'the place id appears again later in the file (the later row wins)',
  'missing-description': 'empty description',
};

const EXAMPLES = 3;
const MAX_CELL = 120;
const MAX_COLUMNS = 16;

type SourceRow = {
  source_id: number; kind: string; file: string; format: string;
  rows_read: number; rows_loaded: number; rows_quarantined: number; rows_already_present: number; imported_at: string | null;
};

const n = (x: unknown): number => (x === null || x === undefined ? 0 : Number(x));

function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || file;
}

/** One raw value for a table cell: missing values in grey italics, long ones cut with an ellipsis. */
function rawCell(v: unknown): Cell {
  if (v === null || v === undefined) return { html: '<span class="empty">null</span>' };
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (s === '') return { html: '<span class="empty">(empty)</span>' };
  return s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s;
}

/** A timestamp read back from the engine as 'YYYY-MM-DD HH:MM' (UTC), or null. */
function minute(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 16).replace('T', ' ');
  return String(v).replace('T', ' ').slice(0, 16);
}

/** Byte order of two texts, as the engines sort them. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function parseRaw(raw: string | null): Record<string, unknown> {
  if (raw === null || raw === undefined) return {};
  try {
    const v: unknown = JSON.parse(raw);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { raw: v };
  } catch {
    return { raw };
  }
}

export async function importSection(db: Db): Promise<ReportSection> {
  const section = (html: string[]): ReportSection => ({ id: 'imports', title: 'Imports and data quality', html: html.join('\n') });
  const cols = (names: string[]): SelectItem[] => names.map((c) => ({ expr: col(c), as: c }));
  const sources = (await all<SourceRow>(db, select({
    select: cols(['source_id', 'kind', 'file', 'format', 'rows_read', 'rows_loaded', 'rows_quarantined', 'rows_already_present', 'imported_at']),
    from: table('sources'),
    orderBy: [col('source_id')],
  }))).map((s) => ({ ...s, imported_at: minute(s.imported_at) }));
  if (sources.length === 0) {
    return section(['<p class="empty">Nothing imported yet: <code>segmint import FILE --kind transactions|customers|events|products</code> loads a file and records it here.</p>']);
  }
  const parts: string[] = [];
  parts.push('<p>Every row read is loaded, quarantined with a reason, or recognised as imported before: <i>read = loaded + quarantined + already present</i>. Nothing is dropped silently.</p>');
  const tot = { read: 0, loaded: 0, quarantined: 0, present: 0 };
  let broken = 0;
  const rows: Cell[][] = sources.map((s) => {
    const [read, loaded, quarantined, present] = [n(s.rows_read), n(s.rows_loaded), n(s.rows_quarantined), n(s.rows_already_present)];
    tot.read += read;
    tot.loaded += loaded;
    tot.quarantined += quarantined;
    tot.present += present;
    const ok = read === loaded + quarantined + present;
    if (!ok) broken++;
    return [
      n(s.source_id), s.kind, { html: `<span title="${esc(s.file)}">${esc(baseName(s.file))}</span>` }, s.format, read, loaded, quarantined, present,
      { html: ok ? '<span class="ok" title="read = loaded + quarantined + already present">✓</span>' : `<span class="bad" title="off by ${esc(num(read - loaded - quarantined - present))}">✗</span>` },
      s.imported_at ?? '–',
    ];
  });
  const foot: Cell[] | undefined = sources.length > 1
    ? ['', 'all', plural(sources.length, 'source'), '', tot.read, tot.loaded, tot.quarantined, tot.present, { html: broken === 0 ? '<span class="ok">✓</span>' : '<span class="bad">✗</span>' }, '']
    : undefined;
  parts.push(htmlTable(['#', 'kind', 'file', 'format', 'read', 'loaded', 'quarantined', 'already present', 'reconciled', 'imported (UTC)'], rows, undefined, foot));
  if (broken > 0) {
    parts.push(para(`${num(broken)} source${broken === 1 ? ' does' : 's do'} not reconcile (marked ✗): rows were lost or counted twice. Re-import the file, and report it if it happens again.`, 'warn'));
  }

  // The quarantine table should hold exactly the rows each source says it quarantined.
  const held = await all<{ source_id: number; k: number }>(db, select({
    select: [{ expr: col('source_id'), as: 'source_id' }, { expr: count(), as: 'k' }], from: table('quarantine'), groupBy: [col('source_id')],
  }));
  const heldBy = new Map(held.map((h) => [n(h.source_id), n(h.k)]));
  const off = sources.filter((s) => (heldBy.get(n(s.source_id)) ?? 0) !== n(s.rows_quarantined));
  if (off.length > 0) {
    parts.push(para(`The quarantine table does not match the counts above for ${off.length === 1 ? 'source' : 'sources'} ${off
      .map((s) => `${n(s.source_id)} (${num(n(s.rows_quarantined))} counted, ${num(heldBy.get(n(s.source_id)) ?? 0)} held)`)
      .join(', ')}.`, 'warn'));
  }

  // per reason: rows, the kinds (distinct, sorted, comma-joined) and the number of sources, from counts per (reason, kind, source)
  const cells = await all<{ reason: string; kind: string; source_id: number; k: number }>(db, select({
    select: [...cols(['reason', 'kind', 'source_id']), { expr: count(), as: 'k' }],
    from: table('quarantine'),
    groupBy: [col('reason'), col('kind'), col('source_id')],
  }));
  const byReason = new Map<string, { reason: string; k: number; kinds: Set<string>; sources: Set<number> }>();
  for (const c of cells) {
    const r = byReason.get(c.reason) ?? { reason: c.reason, k: 0, kinds: new Set<string>(), sources: new Set<number>() };
    r.k += n(c.k);
    if (c.kind !== null && c.kind !== undefined) r.kinds.add(String(c.kind));
    r.sources.add(n(c.source_id));
    byReason.set(c.reason, r);
  }
  const reasons = [...byReason.values()]
    .map((r) => ({ reason: r.reason, k: r.k, kinds: [...r.kinds].sort(byText).join(', '), sources: r.sources.size }))
    .sort((a, b) => b.k - a.k || byText(a.reason, b.reason));
  if (reasons.length === 0) {
    parts.push(para('No row was quarantined.', 'note'));
    return section(parts);
  }
  const quarantined = reasons.reduce((a, r) => a + n(r.k), 0);
  parts.push('<h3>Quarantine</h3>');
  parts.push(barsH(reasons.slice(0, 15).map((r) => ({ label: r.reason, value: n(r.k) })), {
    title: `Quarantined rows by reason${reasons.length > 15 ? ' (top 15)' : ''}`, xLabel: 'quarantined rows', total: quarantined, color: '#b45309',
    caption: 'Each quarantined row has exactly one reason: the first check it failed, in the order of docs/data-model.md. The share is of all quarantined rows.',
  }));
  parts.push(htmlTable(
    ['reason', 'what it means', 'kind', 'sources', 'rows', 'share'],
    reasons.map((r) => [r.reason, REASON_TEXT[r.reason] ?? '', r.kinds, n(r.sources), n(r.k), { html: `${num((100 * n(r.k)) / quarantined, 1)}%`, num: true }]),
    undefined,
    reasons.length > 1 ? ['all', '', '', '', quarantined, { html: '100.0%', num: true }] : undefined,
  ));

  // The first rows quarantined for each reason, one table per reason with the raw columns as read: one small
  // query per reason (a handful), which every engine runs (ClickHouse 18.16 has no row_number()).
  type Example = { reason: string; source_id: number; line: number; detail: string | null; raw: string | null };
  const examples: Example[] = [];
  for (const r of reasons) {
    examples.push(...await all<Example>(db, select({
      select: [...cols(['reason', 'source_id', 'line', 'detail']), { expr: cast(col('raw'), 'varchar'), as: 'raw' }],
      from: table('quarantine'),
      where: eq(col('reason'), lit(r.reason)),
      orderBy: [col('source_id'), col('line')],
      limit: EXAMPLES,
    })));
  }
  parts.push('<h3>Examples of quarantined rows</h3>');
  parts.push(`<p class="note">The first ${EXAMPLES} rows quarantined for each reason, with the values as read from the file (cut at ${MAX_CELL} characters).</p>`);
  for (const r of reasons) {
    const ex = examples.filter((e) => e.reason === r.reason);
    const raws = ex.map((e) => parseRaw(e.raw));
    const keys: string[] = [];
    for (const raw of raws) for (const k of Object.keys(raw)) if (!keys.includes(k)) keys.push(k);
    const shownKeys = keys.slice(0, MAX_COLUMNS);
    const hasDetail = ex.some((e) => e.detail);
    const headers = ['source', 'line', ...shownKeys, ...(hasDetail ? ['detail'] : [])];
    const body: Cell[][] = ex.map((e, i) => [
      n(e.source_id), n(e.line), ...shownKeys.map((k) => rawCell(raws[i]![k])), ...(hasDetail ? [e.detail ?? ''] : []),
    ]);
    parts.push(`<h4>${esc(r.reason)} <span class="note">— ${plural(n(r.k), 'row')}${REASON_TEXT[r.reason] ? `: ${esc(REASON_TEXT[r.reason])}` : ''}</span></h4>`);
    parts.push(htmlTable(headers, body).replace('<table>', '<table class="raw">'));
    if (keys.length > shownKeys.length) parts.push(para(`${plural(keys.length - shownKeys.length, 'more column')} not shown.`, 'note'));
  }
  return section(parts);
}
