/**
 * The report page: the one HTML-escaping helper, number and date formats, tables, key-figure cards and the
 * self-contained page shell (inline CSS, no scripts, nothing fetched from the network).
 */

export interface ReportSection {
  /** anchor id, unique in the page (kebab-case) */
  id: string;
  title: string;
  /** already-escaped HTML: figures, tables, paragraphs */
  html: string;
}

export interface ReportOptions {
  title?: string;
  /** printed in the header; default: now */
  generatedAt?: Date;
  /** currency code for amounts when the transactions carry none (e.g. "GBP"); one code in the data wins */
  currency?: string;
  /** the zone of the dates and calendar months (the workspace's zone); default UTC */
  timezone?: string;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML content and attribute values. null and undefined become the empty string. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** 1234567.8 → "1,234,568"; never "NaN": a missing or non-finite number prints as an en dash. */
export function num(x: number | null | undefined, digits = 0): string {
  if (!finite(x)) return '–';
  const s = x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return s === '-0' || /^-0\.0*$/.test(s) ? s.slice(1) : s;
}

/** (1, "customer") → "1 customer"; (3, "customer") → "3 customers" (with thousands separators). */
/** A number to `digits` significant figures without trailing zeros; an en dash when missing or not finite. */
export const sig = (v: number | null | undefined, digits = 4): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : String(Number(v.toPrecision(digits)));

export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${num(count)} ${count === 1 ? noun : nouns}`;
}

/** 0.1234 → "12.3%"; a missing or non-finite ratio prints as an en dash. */
export function pct(x: number | null | undefined, digits = 1): string {
  if (!finite(x)) return '–';
  return `${num(100 * x, digits)}%`;
}

/** An amount with its currency code when known: "GBP 1,234.50" or "1,234.50". */
export function money(x: number | null | undefined, currency?: string, digits = 2): string {
  const s = num(x, digits);
  return currency && s !== '–' ? `${currency} ${s}` : s;
}

/** A date or timestamp as "YYYY-MM-DD" (or "YYYY-MM-DD HH:MM" with `time`), in UTC; "–" when missing. */
export function fmtDate(d: Date | string | number | null | undefined, time = false): string {
  if (d === null || d === undefined || d === '') return '–';
  const t = d instanceof Date ? d : new Date(d);
  if (!Number.isFinite(t.getTime())) return String(d);
  const iso = t.toISOString();
  return time ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

/** A table cell: text (escaped), a number (formatted, right-aligned), or prepared HTML (`num` right-aligns it). */
export type Cell = string | number | null | undefined | { html: string; num?: boolean };

/** Text that reads as a number ("1,234", "-5.2", "12.5%", "–"); a column of such text is right-aligned. */
const NUMERIC_TEXT = /^(?:[-−+]?[\d,]+(?:\.\d+)?%?|–)$/;
const isBlank = (c: Cell) => c === null || c === undefined || c === '–' || c === '';
const isNumeric = (c: Cell) => typeof c === 'number' || isBlank(c) || (typeof c === 'string' && NUMERIC_TEXT.test(c)) || (typeof c === 'object' && c !== null && c.num === true);

function cellHtml(c: Cell, right: boolean): string {
  const cls = right ? ' class="n"' : '';
  if (typeof c === 'number') return `<td class="n">${num(c, Number.isInteger(c) ? 0 : 2)}</td>`;
  if (c === null || c === undefined) return `<td${cls}>–</td>`;
  if (typeof c === 'string') return `<td${cls}>${esc(c)}</td>`;
  return `<td${c.num || right ? ' class="n"' : ''}>${c.html}</td>`;
}

/**
 * A table from headers and rows of cells. A column whose cells are all numbers (or read as numbers) is
 * right-aligned. Wide tables scroll sideways on screen and wrap in print. `foot` is an optional totals row.
 */
export function htmlTable(headers: string[], rows: Cell[][], caption?: string, foot?: Cell[]): string {
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => isNumeric(r[i])) && rows.some((r) => !isBlank(r[i])));
  const head = headers.map((h, i) => `<th${numeric[i] ? ' class="n"' : ''}>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => cellHtml(c, numeric[i] ?? false)).join('')}</tr>`).join('\n');
  const tfoot = foot ? `<tfoot><tr>${foot.map((c, i) => cellHtml(c, numeric[i] ?? false)).join('')}</tr></tfoot>` : '';
  return `<div class="table"><table>${caption ? `<caption>${esc(caption)}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody>${tfoot}</table></div>`;
}

/** Key figures as a row of cards. */
export function kpis(items: { label: string; value: string; note?: string }[]): string {
  return `<div class="kpis">${items
    .map((k) => `<div class="kpi"><div class="v">${esc(k.value)}</div><div class="l">${esc(k.label)}</div>${k.note ? `<div class="note">${esc(k.note)}</div>` : ''}</div>`)
    .join('')}</div>`;
}

/** A paragraph of escaped text (`cls` e.g. "empty", "note", "warn"). */
export function para(text: string, cls?: string): string {
  return `<p${cls ? ` class="${esc(cls)}"` : ''}>${esc(text)}</p>`;
}

const CSS = `
:root { --ink: #1f2937; --muted: #5b6472; --line: #e5e7eb; --accent: #0f766e; --bg: #ffffff; --soft: #f6f8fa; --warn: #b45309; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
header { padding: 28px 40px 18px; border-bottom: 1px solid var(--line); background: var(--soft); }
header h1 { margin: 0 0 4px; font-size: 24px; line-height: 1.25; }
header .meta { color: var(--muted); font-size: 13px; }
nav.toc { padding: 12px 40px 14px; border-bottom: 1px solid var(--line); font-size: 14px; }
nav.toc .h { font-weight: 600; margin-right: 10px; }
nav.toc ol { display: inline; margin: 0; padding: 0; list-style: none; counter-reset: toc; }
nav.toc li { display: inline-block; margin-right: 20px; counter-increment: toc; }
nav.toc li::before { content: counter(toc) ". "; color: var(--muted); }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
main { padding: 8px 40px 48px; max-width: 1220px; }
section { margin-top: 30px; }
h2 { font-size: 20px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; margin: 0 0 12px; }
h3 { font-size: 16px; margin: 24px 0 6px; }
h4 { font-size: 14px; margin: 16px 0 4px; }
a { color: var(--accent); }
figure { margin: 14px 0 24px; max-width: 100%; }
figure figure { margin: 0; }
figure .title { font-weight: 600; margin-bottom: 2px; }
figure svg { display: block; max-width: 100%; height: auto; overflow: visible; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; max-width: 820px; }
.table { max-width: 100%; overflow-x: auto; margin: 10px 0 20px; }
table { border-collapse: collapse; font-size: 13.5px; }
caption { text-align: left; font-weight: 600; padding-bottom: 6px; font-size: 15px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; border-bottom: 1px solid #cbd5e1; white-space: nowrap; }
tfoot td { font-weight: 600; border-top: 1px solid #cbd5e1; border-bottom: 0; }
.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.raw td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; max-width: 260px; overflow-wrap: anywhere; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 14px 0 18px; }
.kpi { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 150px; background: var(--soft); }
.kpi .v { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.kpi .l { color: var(--muted); font-size: 12.5px; }
.kpi .note { color: var(--muted); font-size: 11.5px; }
.ok { color: #15803d; font-weight: 700; } .bad { color: #b91c1c; font-weight: 700; }
.empty { color: var(--muted); font-style: italic; }
.warn { color: var(--warn); }
.note { color: var(--muted); font-size: 13px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; background: var(--soft); padding: 0 3px; border-radius: 3px; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 0 36px; align-items: start; }
.grid2 > * { min-width: 0; }
footer { padding: 16px 40px 28px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); }
@media (max-width: 700px) { header, nav.toc, main, footer { padding-left: 16px; padding-right: 16px; } .grid2 { grid-template-columns: 1fr; } }
@media print {
  @page { margin: 14mm 12mm; }
  body { font-size: 11pt; }
  header { background: none; padding: 0 0 8px; }
  nav.toc { padding: 6px 0; }
  main { padding: 0; max-width: none; }
  footer { padding: 8px 0 0; }
  section { break-before: page; margin-top: 0; }
  section:first-of-type { break-before: auto; margin-top: 16px; }
  h2, h3, h4, caption { break-after: avoid; }
  figure, .kpis, tr { break-inside: avoid; }
  .table { overflow: visible; }
  table.raw td { max-width: none; }
  .grid2 { display: block; }
  nav.toc a, a { color: var(--ink); text-decoration: none; }
  .kpi, thead th { background: none; }
}
`;

/** The whole page: header, table of contents, sections, footer. */
export function renderReport(sections: ReportSection[], options: ReportOptions = {}): string {
  const title = options.title ?? 'Segmint report';
  const generated = options.generatedAt ?? new Date();
  const when = fmtDate(generated, true);
  const toc = sections.length === 0 ? '' : `<nav class="toc" aria-label="Contents"><span class="h">Contents</span><ol>${sections.map((s) => `<li><a href="#${esc(s.id)}">${esc(s.title)}</a></li>`).join('')}</ol></nav>`;
  const body = sections.length === 0 ? '<p class="empty">This report has no sections.</p>' : sections.map((s) => `<section id="${esc(s.id)}">\n<h2>${esc(s.title)}</h2>\n${s.html}\n</section>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Segmint">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1><div class="meta">Generated by Segmint on ${esc(when)} UTC</div></header>
${toc}
<main>
${body}
</main>
<footer>Self-contained page: charts are static SVG, no scripts, nothing loaded from the network. Amounts are as imported; dates and months are in ${esc(options.timezone ?? 'UTC')}.</footer>
</body>
</html>
`;
}
