/** The import section: per source the reconciliation, quarantine reasons, and example rejected rows. */
import type { Db } from '../store/workspace.ts';
import { barsH } from './charts.ts';
import { esc, htmlTable, type ReportSection } from './html.ts';

export async function importSection(db: Db): Promise<ReportSection> {
  const sources = await db.all<{ source_id: number; kind: string; file: string; format: string; rows_read: number; rows_loaded: number; rows_quarantined: number; rows_already_present: number; imported_at: Date }>(
    'SELECT source_id, kind, file, format, rows_read, rows_loaded, rows_quarantined, rows_already_present, imported_at FROM sources ORDER BY source_id',
  );
  if (sources.length === 0) {
    return { id: 'imports', title: 'Imports and data quality', html: '<p class="empty">Nothing imported yet.</p>' };
  }
  const parts: string[] = [];
  parts.push('<p>Every row read is loaded, quarantined with a reason, or recognised as imported before: <i>read = loaded + quarantined + already present</i>.</p>');
  parts.push(htmlTable(
    ['#', 'kind', 'file', 'format', 'read', 'loaded', 'quarantined', 'already present', 'reconciled', 'imported (UTC)'],
    sources.map((s) => {
      const ok = s.rows_read === s.rows_loaded + s.rows_quarantined + s.rows_already_present;
      return [s.source_id, s.kind, s.file.split('/').pop() ?? s.file, s.format, s.rows_read, s.rows_loaded, s.rows_quarantined, s.rows_already_present,
        { html: ok ? '<span class="ok">✓</span>' : '<span class="bad">✗</span>' }, new Date(s.imported_at).toISOString().replace('T', ' ').slice(0, 16)];
    }),
  ));
  const reasons = await db.all<{ reason: string; n: number }>('SELECT reason, count(*) AS n FROM quarantine GROUP BY 1 ORDER BY n DESC, 1');
  if (reasons.length === 0) {
    parts.push('<p>No row was quarantined.</p>');
  } else {
    parts.push(barsH(reasons.map((r) => ({ label: r.reason, value: r.n })), {
      title: 'Quarantined rows by reason', xLabel: 'rows',
      caption: 'Each quarantined row has exactly one reason: the first check it failed (docs/data-model.md lists them in order).',
    }));
    parts.push('<h3>Examples of quarantined rows</h3>');
    for (const r of reasons) {
      const ex = await db.all<{ source_id: number; line: number; raw: string; detail: string | null }>(
        'SELECT source_id, line, CAST(raw AS VARCHAR) AS raw, detail FROM quarantine WHERE reason = ? ORDER BY source_id, line LIMIT 3',
        [r.reason],
      );
      parts.push(`<p><b>${esc(r.reason)}</b> — ${r.n.toLocaleString('en-US')} rows</p>`);
      parts.push(ex.map((e) => `<pre>source ${e.source_id}, line ${e.line}: ${esc(e.raw)}${e.detail ? `\n${esc(e.detail)}` : ''}</pre>`).join(''));
    }
  }
  return { id: 'imports', title: 'Imports and data quality', html: parts.join('\n') };
}
