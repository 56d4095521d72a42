import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { importFile } from '../store/import/index.ts';
import { FIXTURES, withWorkspace } from '../../test/helpers/workspace.ts';
import { buildReport, esc } from './index.ts';

test('report of an empty workspace says so, with no chart errors and no NaN', async () => {
  await withWorkspace(async (ws) => {
    const html = await buildReport(ws.db, { title: 'Empty' });
    assert.match(html, /No transactions imported yet/);
    assert.match(html, /Nothing imported yet/);
    assert.doesNotMatch(html, /NaN|undefined/);
    assert.doesNotMatch(html, /<script/i);
  });
});

test('report of imported data: sections, one SVG per chart, reconciliation, reasons and escaped raw values', async () => {
  await withWorkspace(async (ws) => {
    await importFile(ws, join(FIXTURES, 'messy-orders.csv'), { kind: 'transactions' });
    await ws.db.run(`UPDATE customers SET country = '<script>alert(1)</script>' WHERE customer_id = 'c5'`);
    const html = await buildReport(ws.db, { title: 'Shop <Q1>' });
    assert.match(html, /<title>Shop &lt;Q1&gt;<\/title>/);
    for (const id of ['overview', 'imports']) assert.match(html, new RegExp(`<section id="${id}">`));
    const figures = html.match(/<figure>/g)?.length ?? 0;
    const svgs = html.match(/<svg/g)?.length ?? 0;
    assert.ok(figures >= 5, `figures: ${figures}`);
    assert.ok(svgs >= figures, 'every figure has its SVG');
    assert.match(html, /<td class="n">14<\/td><td class="n">5<\/td><td class="n">9<\/td>/, 'read, loaded, quarantined');
    assert.match(html, /class="ok">✓/);
    assert.match(html, /unparseable-date/);
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(html, /NaN|undefined/);
  });
});

test('esc escapes the five HTML specials', () => {
  assert.equal(esc(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});
