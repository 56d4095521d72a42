// The Value page in Chromium against an independent count: the segment table, the R × F grid and the
// treemap's numbers equal SQL counts and sums on the RFM run's rows; a segment opens exactly its customers;
// a second RFM run made from the page (another as-of date) gives a migration whose matrix equals a SQL full
// join of the two runs, and a cell lists exactly the customers who moved so. axe: no serious violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildServer } from '../../src/server/app.ts';
import { importFile } from '../../src/store/import/index.ts';
import { TokenStore } from '../../src/store/tokens.ts';
import { Workspace } from '../../src/store/workspace.ts';
import type { ServerFixture } from '../helpers/server.ts';
import { tempDir } from '../helpers/workspace.ts';
import { browserSkipReason, focused, listen, screenshot, seriousViolations, studioPage, studioFixture } from '../helpers/browser.ts';

const skip = browserSkipReason();
let fx: ServerFixture;
let browser: Browser;
let base: string;
let stop: (() => Promise<void>) | undefined;
before(async () => {
  if (!skip) ({ fx, base, browser, close: stop } = await studioFixture({ clv: false }));
});
after(() => stop?.());

const n = (s: string) => Number(s.replace(/[,%\s]/g, ''));
/** The cells of a table's body rows, as text (a row's innerText separates its cells with tabs). */
async function rows(table: Locator): Promise<string[][]> {
  // the table may still be loading (its data comes in its own request): wait for its first row
  await table.locator('tbody tr').first().waitFor();
  return (await table.locator('tbody tr').allInnerTexts()).map((r) => r.split('\t').map((c) => c.trim()));
}
/** The table behind a chart's "Show the numbers", opened. */
async function numbers(page: Page, chartTitle: string): Promise<Locator> {
  const fig = page.locator('figure.chart', { has: page.locator('figcaption', { hasText: chartTitle }) });
  const details = fig.locator('details.numbers');
  if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
  return details.locator('table');
}
const sqlRows = async <T extends Record<string, unknown>>(sql: string, params: (string | number)[] = []) => fx.ws.db.all<T>(sql, params);

/** Every customer id a PagedTable lists, following Next to the end; and its "x–y of N" total. */
async function allListed(page: Page, region: Locator): Promise<{ ids: string[]; total: number }> {
  const ids: string[] = [];
  let total = -1;
  for (let guard = 0; guard < 100; guard++) {
    const pager = region.locator('nav.pager');
    await pager.waitFor();
    const status = await pager.locator('span').innerText();
    const m = /(\d[\d,]*)–(\d[\d,]*) of (\d[\d,]*)/.exec(status);
    assert.ok(m, `pager says ${status}`);
    total = n(m[3]!);
    assert.equal(n(m[1]!), ids.length + 1, 'the page starts after the ones read');
    const links = region.locator('tbody tr td:first-child a');
    const page = (await links.allInnerTexts()).map((x) => x.trim());
    assert.equal(page.length, n(m[2]!) - n(m[1]!) + 1, 'as many rows as the pager says');
    // each a link to the customer's page
    assert.equal(await links.first().getAttribute('href'), `#/customers/${encodeURIComponent(page[0]!)}`);
    ids.push(...page);
    const next = pager.getByRole('button', { name: 'Next' });
    if (await next.isDisabled()) break;
    await next.click();
    await pager.locator('span', { hasText: `${(ids.length + 1).toLocaleString('en-US')}–` }).waitFor();
  }
  return { ids, total };
}

test('segments: table, grid and treemap equal SQL on the run rows; a segment lists exactly its customers', { skip }, async () => {
  const s = await studioPage(browser, base, fx.tokens.viewer);
  const run = fx.runs.rfm;
  await s.goto('value');
  const segTable = s.page.locator('table.segments', { has: s.page.locator('caption', { hasText: `RFM segments of run ${run}` }) });
  await segTable.waitFor();
  const bySeg = new Map((await sqlRows<{ segment: string; n: bigint; rev: number }>('SELECT segment, count(*) AS n, sum(monetary) AS rev FROM run_scores WHERE run_id = ? GROUP BY segment', [run]))
    .map((r) => [r.segment, { n: Number(r.n), rev: Number(r.rev) }]));
  assert.ok(bySeg.size >= 5, `the fixture's run has ${bySeg.size} segments`);
  const shown = await rows(segTable);
  assert.deepEqual(new Map(shown.map((r) => [r[0]!, n(r[1]!)])), new Map([...bySeg].map(([k, v]) => [k, v.n])), 'segment table: customers per segment');
  for (const r of shown) assert.equal(n(r[3]!), Math.round(bySeg.get(r[0]!)!.rev), `segment table: revenue of ${r[0]}`);
  // every action is said in words (the defaults name each of the fixture's segments)
  for (const r of shown) assert.ok(r[8]!.length > 10 && !/choose an action/.test(r[8]!), `an action for ${r[0]}: ${r[8]}`);

  // the grid: customers per (R, F) and the segment most of them are in
  const grid = await rows(await numbers(s.page, 'Recency × frequency grid'));
  const cells = await sqlRows<{ r: number; f: number; n: bigint }>('SELECT r, f, count(*) AS n FROM run_scores WHERE run_id = ? GROUP BY r, f', [run]);
  assert.deepEqual(new Map(grid.map((g) => [`${g[0]}:${g[1]}`, n(g[2]!)])), new Map(cells.map((c) => [`${c.r}:${c.f}`, Number(c.n)])), 'grid: customers per cell');
  const top = await sqlRows<{ r: number; f: number; segment: string; n: bigint }>('SELECT r, f, segment, count(*) AS n FROM run_scores WHERE run_id = ? GROUP BY r, f, segment ORDER BY n DESC, segment', [run]);
  for (const g of grid) assert.equal(g[4], top.find((t) => `${t.r}:${t.f}` === `${g[0]}:${g[1]}`)!.segment, `grid: segment of R ${g[0]} F ${g[1]}`);
  assert.equal(await s.page.locator('figure.chart', { hasText: 'Recency × frequency grid' }).locator('g[data-mark="cell"] rect').count(), cells.length, 'one coloured cell per (R, F)');

  // the treemap: one rectangle per segment, its numbers by customers, then by revenue
  const treemapFig = s.page.locator('figure.chart', { has: s.page.locator('figcaption', { hasText: 'Segments by customers' }) });
  assert.equal(await treemapFig.locator('svg[role="img"] > g > rect').count(), bySeg.size);
  const tm = await rows(await numbers(s.page, 'Segments by customers'));
  assert.deepEqual(new Map(tm.map((r) => [r[0]!, n(r[1]!)])), new Map([...bySeg].map(([k, v]) => [k, v.n])), 'treemap: customers');
  await s.page.getByRole('radio', { name: 'revenue' }).check();
  const tmr = await rows(await numbers(s.page, 'Segments by revenue'));
  for (const r of tmr) assert.equal(n(r[3]!), Math.round(bySeg.get(r[0]!)!.rev), `treemap: revenue of ${r[0]}`);

  // a segment's customers: exactly those of the SQL list
  const seg = [...bySeg].sort((a, b) => b[1].n - a[1].n)[0]![0];
  await segTable.getByRole('button', { name: `${bySeg.get(seg)!.n.toLocaleString('en-US')} customers in ${seg}: list them` }).click();
  const list = s.page.locator('section', { has: s.page.getByRole('heading', { name: `Customers in ${seg} (run ${run})` }) });
  const listed = await allListed(s.page, list);
  const expected = (await sqlRows<{ customer_id: string }>('SELECT customer_id FROM run_scores WHERE run_id = ? AND segment = ?', [run, seg])).map((r) => String(r.customer_id));
  assert.equal(listed.total, expected.length);
  assert.deepEqual([...listed.ids].sort(), [...expected].sort());
  // the LRFMP section shows the latest LRFMP run's segments, counted the same way
  const lr = await sqlRows<{ segment: string; n: bigint }>('SELECT segment, count(*) AS n FROM run_scores WHERE run_id = ? GROUP BY segment', [fx.runs.lrfmp]);
  const lrTable = s.page.locator('table.segments', { has: s.page.locator('caption', { hasText: `LRFMP segments of run ${fx.runs.lrfmp}` }) });
  assert.deepEqual(new Map((await rows(lrTable)).map((r) => [r[0]!, n(r[1]!)])), new Map(lr.map((r) => [r.segment, Number(r.n)])));
  // an LRFMP segment opens its own customers (of the LRFMP run)
  const lrSeg = [...lr].sort((a, b) => Number(a.n) - Number(b.n))[0]!;
  await lrTable.getByRole('button', { name: `${Number(lrSeg.n).toLocaleString('en-US')} customers in ${lrSeg.segment}: list them` }).click();
  const lrList = s.page.locator('section', { has: s.page.getByRole('heading', { name: `Customers in ${lrSeg.segment} (run ${fx.runs.lrfmp})` }) });
  const lrListed = await allListed(s.page, lrList);
  const lrIds = (await sqlRows<{ customer_id: string }>('SELECT customer_id FROM run_scores WHERE run_id = ? AND segment = ?', [fx.runs.lrfmp, lrSeg.segment])).map((r) => String(r.customer_id));
  assert.deepEqual([...lrListed.ids].sort(), [...lrIds].sort());
  // back to the RFM segment for the picture
  await segTable.getByRole('button', { name: `${bySeg.get(seg)!.n.toLocaleString('en-US')} customers in ${seg}: list them` }).click();
  await list.locator('nav.pager').waitFor();

  // a viewer cannot run RFM: the button says so instead of failing after the click
  await s.page.getByText(/needs the analyst role \(signed in as test-viewer, viewer\)/).first().waitFor();
  assert.equal(await s.page.getByRole('button', { name: 'Run RFM' }).isDisabled(), true);
  await s.page.getByRole('radio', { name: 'customers' }).check();
  // the picture as a user first sees it: the numbers closed, the list on its first page
  await s.page.evaluate("document.querySelectorAll('details.numbers').forEach((d) => { d.open = false; })");
  const previous = list.getByRole('button', { name: 'Previous' });
  while (!(await previous.isDisabled())) {
    const at = await list.locator('nav.pager span').innerText();
    await previous.click();
    await list.locator('nav.pager span', { hasNotText: at }).waitFor();
  }
  await s.page.evaluate('window.scrollTo(0, 0)');
  await screenshot(s.page, 'value');
  assert.deepEqual(await seriousViolations(s.page), []);
  assert.deepEqual(s.errors, []);
  await s.page.context().close();
});

test('migration: a second RFM run made from the page; the matrix equals a SQL join of the two runs; a cell lists exactly its customers', { skip }, async () => {
  const s = await studioPage(browser, base, fx.tokens.analyst);
  await s.goto('value/migration');
  await s.page.getByText(/Only one RFM run/).waitFor();
  await s.page.getByLabel('RFM as-of date (optional)', { exact: true }).fill('2011-09-01');
  await s.page.getByRole('button', { name: 'Run RFM' }).click();
  const stored = await s.page.getByText(/RFM run \d+ stored\./).innerText({ timeout: 120_000 });
  const second = Number(/run (\d+)/.exec(stored)![1]);
  const first = fx.runs.rfm;
  const asOf = await sqlRows<{ d: string }>('SELECT strftime(as_of, \'%Y-%m-%d\') AS d FROM runs WHERE run_id = ?', [second]);
  assert.equal(asOf[0]!.d, '2011-09-01');
  await s.page.getByLabel('From (earlier run)').selectOption(String(second));
  await s.page.getByLabel('To (later run)').selectOption(String(first));
  const matrix = s.page.locator('table.matrix', { has: s.page.locator('caption', { hasText: `run ${second}` }) });
  await matrix.waitFor();
  const NOT = '(not in run)';
  const joined = await sqlRows<{ f: string; t: string; n: bigint }>(`
    SELECT coalesce(a.segment, '${NOT}') AS f, coalesce(b.segment, '${NOT}') AS t, count(*) AS n
    FROM (SELECT customer_id, segment FROM run_scores WHERE run_id = ?) a
    FULL OUTER JOIN (SELECT customer_id, segment FROM run_scores WHERE run_id = ?) b ON a.customer_id = b.customer_id
    GROUP BY 1, 2`, [second, first]);
  const expected = new Map(joined.map((j) => [`${j.f} → ${j.t}`, Number(j.n)]));
  const heads = (await matrix.locator('thead th').allInnerTexts()).map((h) => h.trim()).slice(1, -1);
  const shown = new Map<string, number>();
  for (const r of await rows(matrix)) heads.forEach((t, i) => { if (n(r[i + 1]!) > 0) shown.set(`${r[0]} → ${t}`, n(r[i + 1]!)); });
  assert.deepEqual(shown, expected, 'matrix: customers per (from, to)');
  // LRFMP has one run: the page says a migration needs two
  await s.page.getByLabel('Segmentation').selectOption('lrfmp');
  await s.page.getByText(/Only one LRFMP run \(run \d+/).waitFor();
  await s.page.getByLabel('Segmentation').selectOption('rfm');
  await s.page.getByLabel('From (earlier run)').selectOption(String(second));
  await s.page.getByLabel('To (later run)').selectOption(String(first));
  await matrix.waitFor();
  assert.ok([...expected.keys()].some((k) => k.startsWith(NOT)), 'customers new since 2011-09-01 entered');
  // the Sankey draws one band per non-empty cell
  const sankey = s.page.locator('figure.chart', { has: s.page.locator('figcaption', { hasText: `Moves from run ${second}` }) });
  assert.equal(await sankey.locator('svg[role="img"] path').count(), expected.size);

  // the largest move between two different segments: its button lists exactly those customers
  const [key, count] = [...expected].filter(([k]) => { const [f, t] = k.split(' → '); return f !== t && f !== NOT; }).sort((a, b) => b[1] - a[1])[0]!;
  const [f, t] = key.split(' → ') as [string, string];
  // by keyboard: the count is a button; Enter opens the list and the focus moves to its heading
  await matrix.getByRole('button', { name: `${count.toLocaleString('en-US')} customers from ${f} to ${t}` }).focus();
  await s.page.keyboard.press('Enter');
  const region = s.page.locator('div.moved');
  await region.getByRole('heading', { name: `From ${f} (run ${second}) to ${t} (run ${first})` }).waitFor();
  assert.equal(await focused(s.page, 'textContent'), `From ${f} (run ${second}) to ${t} (run ${first})`);
  const listed = await allListed(s.page, region);
  const ids = (await sqlRows<{ customer_id: string }>(`
    SELECT a.customer_id FROM run_scores a JOIN run_scores b ON a.customer_id = b.customer_id
    WHERE a.run_id = ? AND b.run_id = ? AND a.segment = ? AND b.segment = ?`, [second, first, f, t])).map((r) => String(r.customer_id));
  assert.equal(listed.total, count);
  assert.deepEqual([...listed.ids].sort(), [...ids].sort());
  await s.page.evaluate('window.scrollTo(0, 0)');
  await screenshot(s.page, 'value-migration');
  assert.deepEqual(await seriousViolations(s.page), []);
  assert.deepEqual(s.errors, []);
  await s.page.context().close();
});

test('a workspace without runs: the Value and CLV pages say what to run; Run RFM from the page fills the Value page', { skip }, async () => {
  const { dir: root, cleanup } = tempDir('segmint-studio-empty-');
  const dir = join(root, 'ws');
  const ws = await Workspace.open(dir, { create: true });
  // 40 customers, 1 to 8 orders each over 2024, amounts varying with both
  const lines = ['order_id,customer_id,order_date,total'];
  for (let c = 0; c < 40; c++) {
    for (let k = 0; k <= c % 8; k++) lines.push(`o${c}-${k},c${String(c).padStart(2, '0')},2024-${String(1 + ((c * 7 + k * 3) % 12)).padStart(2, '0')}-${String(1 + ((c + k * 5) % 28)).padStart(2, '0')},${(10 + c * 3.5 + k * 2).toFixed(2)}`);
  }
  const file = join(root, 'orders.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const app = await (async () => {
    await importFile(ws, file, { kind: 'transactions', remember: false });
    const a = await buildServer({ workspace: ws });
    await a.ready();
    return a;
  })();
  try {
    const token = new TokenStore(dir).create('empty-analyst', 'analyst').token;
    const s = await studioPage(browser, await listen(app), token);
    await s.goto('value');
    await s.page.getByText('No RFM run yet — Run RFM').waitFor();
    await s.page.getByText('No LRFMP run yet — Run LRFMP').waitFor();
    assert.deepEqual(await seriousViolations(s.page), []);
    await s.page.getByRole('button', { name: 'Run RFM' }).click();
    const stored = await s.page.getByText(/RFM run \d+ stored\./).innerText({ timeout: 120_000 });
    const runId = Number(/run (\d+)/.exec(stored)![1]);
    const table = s.page.locator('table.segments', { has: s.page.locator('caption', { hasText: `RFM segments of run ${runId}` }) });
    await table.waitFor();
    const scored = Number((await ws.db.one<{ n: bigint }>('SELECT count(*) AS n FROM run_scores WHERE run_id = ?', [runId]))!.n);
    assert.equal(scored, 40);
    assert.equal(n(await table.locator('tfoot td').first().innerText()), scored);
    await s.goto('clv');
    await s.page.getByText('No CLV fit yet — Fit CLV').waitFor();
    await s.page.getByRole('button', { name: 'Fit CLV' }).waitFor();
    assert.deepEqual(await seriousViolations(s.page), []);
    assert.deepEqual(s.errors, []);
    await s.page.context().close();
  } finally {
    await app.close();
    ws.close();
    cleanup();
  }
});
