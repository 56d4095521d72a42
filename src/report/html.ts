/** The report page: escaping, number formats and the self-contained HTML shell (no scripts, no network). */

export interface ReportSection {
  id: string;
  title: string;
  /** already-escaped HTML: figures, tables, paragraphs */
  html: string;
}

export interface ReportOptions {
  title?: string;
  generatedAt?: Date;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** 1234567.8 → "1,234,568"; never "NaN": non-finite numbers print as an en dash. */
export function num(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function pct(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return `${(100 * x).toFixed(digits)}%`;
}

/** A table from headers and rows of cells (strings are escaped; numbers formatted and right-aligned). */
export function htmlTable(headers: string[], rows: (string | number | { html: string })[][], caption?: string): string {
  const cell = (c: string | number | { html: string }) =>
    typeof c === 'number' ? `<td class="n">${num(c, Number.isInteger(c) ? 0 : 2)}</td>` : typeof c === 'string' ? `<td>${esc(c)}</td>` : `<td>${c.html}</td>`;
  return `<table>${caption ? `<caption>${esc(caption)}</caption>` : ''}<thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map(cell).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Key figures as a row of cards. */
export function kpis(items: { label: string; value: string; note?: string }[]): string {
  return `<div class="kpis">${items.map((k) => `<div class="kpi"><div class="v">${esc(k.value)}</div><div class="l">${esc(k.label)}</div>${k.note ? `<div class="note">${esc(k.note)}</div>` : ''}</div>`).join('')}</div>`;
}

const CSS = `
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --accent: #0f766e; --bg: #ffffff; --soft: #f8fafc; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { padding: 28px 40px 18px; border-bottom: 1px solid var(--line); background: var(--soft); }
header h1 { margin: 0 0 4px; font-size: 24px; }
header .meta { color: var(--muted); font-size: 13px; }
nav { padding: 10px 40px; border-bottom: 1px solid var(--line); font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; margin-right: 18px; }
main { padding: 8px 40px 40px; max-width: 1180px; }
section { margin-top: 28px; }
h2 { font-size: 20px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
figure { margin: 16px 0 22px; }
figure .title { font-weight: 600; margin-bottom: 4px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; max-width: 900px; }
table { border-collapse: collapse; margin: 10px 0 18px; font-size: 13.5px; }
caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 14px 0; }
.kpi { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 150px; background: var(--soft); }
.kpi .v { font-size: 20px; font-weight: 650; }
.kpi .l { color: var(--muted); font-size: 12.5px; }
.kpi .note { color: var(--muted); font-size: 11.5px; }
.ok { color: #15803d; font-weight: 600; } .bad { color: #b91c1c; font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
pre { background: var(--soft); padding: 6px 8px; border-radius: 4px; white-space: pre-wrap; word-break: break-all; margin: 2px 0; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 8px 28px; }
@media print { nav { display: none; } section { break-inside: avoid-page; } }
`;

/** The whole page: header, table of contents, sections. */
export function renderReport(sections: ReportSection[], options: ReportOptions = {}): string {
  const title = options.title ?? 'Segmint report';
  const when = (options.generatedAt ?? new Date()).toISOString().replace('T', ' ').slice(0, 16);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<header><h1>${esc(title)}</h1><div class="meta">Generated by Segmint on ${esc(when)} UTC</div></header>
<nav>${sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('')}</nav>
<main>
${sections.map((s) => `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>\n${s.html}\n</section>`).join('\n')}
</main>
</body></html>
`;
}
